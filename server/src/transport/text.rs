//! Text cut to a byte limit on a character boundary: close reasons (123 bytes at most),
//! and the names and paths shown in logs and errors. Transport layer: imports nothing.

/// The longest start of `text` that is at most `most` bytes long and ends on a character
/// boundary.
///
/// ```
/// assert_eq!(duplex_server::transport::text::within("héllo", 2), "h");
/// assert_eq!(duplex_server::transport::text::within("héllo", 3), "hé");
/// assert_eq!(duplex_server::transport::text::within("hi", 10), "hi");
/// ```
pub fn within(text: &str, most: usize) -> &str {
    let mut end = text.len().min(most);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}
