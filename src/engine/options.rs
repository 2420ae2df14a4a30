//! The rules for constructor options, on plain Rust values (the shell reads them from JS).

use crate::error::Error;

/// How binary messages reach JavaScript handlers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BinaryType {
    /// As an `ArrayBuffer` (the default: readable at once, no extra round through a Blob).
    #[default]
    ArrayBuffer,
    /// As a `Blob`.
    Blob,
}

impl BinaryType {
    /// Reads the option's value: `"arraybuffer"` or `"blob"`.
    ///
    /// ```
    /// use duplex_ws::BinaryType;
    /// assert_eq!(BinaryType::parse("blob").unwrap(), BinaryType::Blob);
    /// assert_eq!(BinaryType::parse("text").unwrap_err().code(), "INVALID_OPTION");
    /// ```
    pub fn parse(value: &str) -> Result<Self, Error> {
        match value {
            "arraybuffer" => Ok(BinaryType::ArrayBuffer),
            "blob" => Ok(BinaryType::Blob),
            other => Err(Error::InvalidOption {
                name: "binaryType".into(),
                problem: format!("{other:?} is neither \"arraybuffer\" nor \"blob\""),
            }),
        }
    }
}

/// Checks WebSocket subprotocol names: each a non-empty HTTP token, none twice
/// (RFC 6455 section 4.1; browsers throw a SyntaxError on a bad one).
///
/// ```
/// assert!(duplex_ws::validate_protocols(&["chat", "superchat"]).is_ok());
/// assert_eq!(duplex_ws::validate_protocols(&["a b"]).unwrap_err().code(), "INVALID_OPTION");
/// ```
pub fn validate_protocols<S: AsRef<str>>(protocols: &[S]) -> Result<(), Error> {
    let invalid = |problem: String| Error::InvalidOption {
        name: "protocols".into(),
        problem,
    };
    for (i, protocol) in protocols.iter().enumerate() {
        let protocol = protocol.as_ref();
        if protocol.is_empty() || !protocol.bytes().all(is_token_byte) {
            return Err(invalid(format!(
                "{protocol:?} is not a valid subprotocol name (an HTTP token: visible ASCII without separators)"
            )));
        }
        if protocols[..i].iter().any(|p| p.as_ref() == protocol) {
            return Err(invalid(format!("{protocol:?} is listed twice")));
        }
    }
    Ok(())
}

/// A `tchar` of RFC 7230: visible ASCII except separators.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b)
}

// Native only: the engine is tested with `cargo test`; proptest does not build for wasm32.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn protocols_must_be_distinct_tokens() {
        assert!(validate_protocols::<&str>(&[]).is_ok());
        assert!(validate_protocols(&["v1.chat", "x-y_z"]).is_ok());
        for bad in ["", "a b", "a,b", "é", "a/b"] {
            let err = validate_protocols(&[bad]).unwrap_err();
            assert!(err.to_string().contains(&format!("{bad:?}")), "{err}");
        }
        let err = validate_protocols(&["a", "b", "a"]).unwrap_err();
        assert!(err.to_string().contains("\"a\" is listed twice"), "{err}");
    }

    #[test]
    fn binary_type_names_the_bad_value() {
        assert_eq!(
            BinaryType::parse("arraybuffer").unwrap(),
            BinaryType::ArrayBuffer
        );
        let err = BinaryType::parse("Blob").unwrap_err();
        assert!(err.to_string().contains("binaryType") && err.to_string().contains("\"Blob\""));
    }
}
