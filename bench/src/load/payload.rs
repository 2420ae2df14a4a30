//! The payloads the load generator sends: ASCII letters (text or binary), or JSON of an
//! exact size (the compressed rows: what a web app sends, and what compresses like it).

/// What a message carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Binary,
    /// A JSON text message.
    Json,
}

/// `size` bytes of `kind`.
pub fn payload(size: usize, kind: Kind) -> Vec<u8> {
    match kind {
        Kind::Text | Kind::Binary => (0..size).map(|i| b'a' + (i % 26) as u8).collect(),
        Kind::Json => json(size),
    }
}

/// A JSON object of exactly `size` bytes (at least 21: an empty list, no padding): a list of records such as an app's
/// update carries, varied enough not to be a run of one string, then padding in a string.
pub fn json(size: usize) -> Vec<u8> {
    const NAMES: [&str; 6] = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"];
    let size = size.max(21);
    let mut items = String::new();
    for id in 0_usize.. {
        let item = format!(
            r#"{{"id":{},"name":"{}","price":{}.{:02},"stock":{},"active":{}}}"#,
            1000 + id * 7,
            NAMES[id % NAMES.len()],
            3 + (id * 37) % 200,
            (id * 53) % 100,
            (id * 11) % 90,
            id % 3 != 0
        );
        // What the rest costs: `{"items":[` + items + `],"pad":""}`.
        if 10 + items.len() + 1 + item.len() + 11 > size {
            break;
        }
        if !items.is_empty() {
            items.push(',');
        }
        items.push_str(&item);
    }
    let fixed = 10 + items.len() + 11;
    let pad = "x".repeat(size.saturating_sub(fixed));
    let text = format!(r#"{{"items":[{items}],"pad":"{pad}"}}"#);
    text.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_of_exact_size_that_parses() {
        for size in [21, 22, 100, 1024, 4096] {
            let bytes = json(size);
            assert_eq!(bytes.len(), size);
            let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            assert!(value["items"].is_array());
        }
        assert!(json(1024).windows(7).filter(|w| w == b"\"price\"").count() > 10);
    }

    #[test]
    fn letters() {
        assert_eq!(payload(28, Kind::Text), b"abcdefghijklmnopqrstuvwxyzab");
        assert_eq!(payload(3, Kind::Binary), b"abc");
    }
}
