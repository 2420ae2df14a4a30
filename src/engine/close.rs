//! The rules for a close initiated by the client (RFC 6455 section 7.4 and the WebSocket
//! standard's `close()` steps), checked before the browser sees them.

use crate::engine::text::text;
use crate::error::{CloseReasonProblem, Error};
use crate::prelude::*;

/// The most UTF-8 bytes a close reason may have: a control frame carries 125 bytes, two of
/// which are the code.
pub const MAX_CLOSE_REASON_BYTES: usize = 123;

/// The code sent when the user closes without naming one: normal closure.
pub const NORMAL_CLOSURE: u16 = 1000;

/// A validated close request: what the shell hands to `WebSocket.close`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseRequest {
    /// The close code, 1000 or 3000-4999.
    pub code: u16,
    /// The reason, at most [`MAX_CLOSE_REASON_BYTES`] UTF-8 bytes (may be empty).
    pub reason: String,
}

/// Checks a close code and reason as given by the user.
///
/// No code and no reason means a normal closure (1000). A reason without a code is an error,
/// as is any code but 1000 and 3000-4999 (the others are reserved for the protocol and for
/// endpoints, and browsers throw on them).
///
/// ```
/// use duplex_ws::validate_close;
/// assert_eq!(validate_close(None, None).unwrap().code, 1000);
/// assert_eq!(validate_close(Some(1001), None).unwrap_err().code(), "INVALID_CLOSE_CODE");
/// ```
pub fn validate_close(code: Option<u32>, reason: Option<&str>) -> Result<CloseRequest, Error> {
    let code = match (code, reason) {
        (None, Some(reason)) => {
            return Err(Error::InvalidCloseReason {
                reason: reason.to_owned(),
                problem: CloseReasonProblem::WithoutCode,
            })
        }
        (None, None) => NORMAL_CLOSURE,
        (Some(code), _) if code == 1000 || (3000..=4999).contains(&code) => code as u16,
        (Some(code), _) => return Err(Error::InvalidCloseCode { code: text!(code) }),
    };
    let reason = reason.unwrap_or_default();
    if reason.len() > MAX_CLOSE_REASON_BYTES {
        return Err(Error::InvalidCloseReason {
            reason: reason.to_owned(),
            problem: CloseReasonProblem::TooLong(reason.len()),
        });
    }
    Ok(CloseRequest {
        code,
        reason: reason.to_owned(),
    })
}

// Native only: the engine is tested with `cargo test`; proptest does not build for wasm32.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reason_needs_a_code() {
        let err = validate_close(None, Some("bye")).unwrap_err();
        assert_eq!(err.code(), "INVALID_CLOSE_REASON");
        assert!(err.to_string().contains("\"bye\""), "{err}");
    }

    #[test]
    fn reason_length_counts_utf8_bytes() {
        let at_limit = "é".repeat(61) + "a"; // 123 bytes, 62 characters
        assert!(validate_close(Some(1000), Some(&at_limit)).is_ok());
        let over = "é".repeat(62); // 124 bytes, 62 characters
        let err = validate_close(Some(1000), Some(&over)).unwrap_err();
        assert_eq!(
            err,
            Error::InvalidCloseReason {
                reason: over,
                problem: CloseReasonProblem::TooLong(124)
            }
        );
    }

    proptest! {
        /// The spec table: 1000 and 3000-4999 pass, every other code fails naming itself.
        #[test]
        fn close_codes_match_the_spec_table(code in 0u32..70_000) {
            let allowed = code == 1000 || (3000..=4999).contains(&code);
            match validate_close(Some(code), None) {
                Ok(req) => prop_assert!(allowed && u32::from(req.code) == code),
                Err(err) => {
                    prop_assert!(!allowed);
                    prop_assert_eq!(err.code(), "INVALID_CLOSE_CODE");
                    prop_assert!(err.to_string().contains(&code.to_string()));
                }
            }
        }
    }
}
