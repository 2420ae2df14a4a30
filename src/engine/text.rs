//! Text built without `core::fmt`: the `text!` macro joins [`Piece`]s (strings, characters,
//! whole numbers) into a `String`. The engine's messages and frames are made this way so that
//! the npm package's wasm (which never calls `Display`) carries none of Rust's formatting
//! machinery, several kilobytes of every page's download. Numbers are read back the same
//! way ([`parse_decimal`]), without `str::parse`.

use crate::prelude::*;

/// Something that can be appended to a `String` without `core::fmt`.
pub trait Piece {
    /// Appends this piece to `out`.
    fn push_to(&self, out: &mut String);
}

impl Piece for str {
    fn push_to(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl Piece for String {
    fn push_to(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl Piece for char {
    fn push_to(&self, out: &mut String) {
        out.push(*self);
    }
}

impl<T: Piece + ?Sized> Piece for &T {
    fn push_to(&self, out: &mut String) {
        (**self).push_to(out);
    }
}

/// Appends `n` in decimal.
fn push_decimal(mut n: u64, out: &mut String) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // SAFETY: ASCII digits only, so valid UTF-8 (checking would add the UTF-8 validator to
    // the npm package's wasm).
    out.push_str(unsafe {
        core::str::from_utf8_unchecked(digits.get(start..).unwrap_or_default())
    });
}

macro_rules! decimal_pieces {
    ($($t:ty),*) => {$(
        impl Piece for $t {
            fn push_to(&self, out: &mut String) {
                push_decimal(*self as u64, out);
            }
        }
    )*};
}
decimal_pieces!(u8, u16, u32, u64, usize);

/// Joins pieces into a new `String`: `text!("ack ", count)`.
macro_rules! text {
    ($($piece:expr),* $(,)?) => {{
        let mut out = $crate::prelude::String::new();
        $( $crate::engine::text::Piece::push_to(&$piece, &mut out); )*
        out
    }};
}
pub(crate) use text;

/// An option's name in messages, as the face that made the socket spells it: the Rust API's
/// field path (`reconnect.min_delay_ms`) in the crate built with its browser shell (feature
/// `web`), the JS class's property path (`reconnect.minDelayMs`) in the npm package's engine,
/// which is built without it. Chosen at compile time: each build carries one spelling. A
/// phrase around a name (" is greater than reconnect.maxDelayMs ") is given whole in both
/// spellings: split into pieces around the name it measured 39 B more in the npm package.
macro_rules! option_name {
    ($js:literal, $rust:literal) => {
        if cfg!(feature = "web") {
            $rust
        } else {
            $js
        }
    };
}
pub(crate) use option_name;

/// `n` as text without Rust's float formatting (which would add kilobytes to the wasm):
/// whole numbers as integers, others with up to six decimals.
pub fn display_number(n: f64) -> String {
    if n.is_nan() {
        return "NaN".to_owned();
    }
    if n.is_infinite() {
        return if n > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    let sign = if n < 0.0 { "-" } else { "" };
    // Rounded by hand: `f64::round` is std's, and the engine also builds without std.
    let magnitude = if n < 0.0 { -n } else { n };
    let micros = magnitude * 1e6 + 0.5;
    if micros >= 9e18 {
        return text!(sign, (magnitude / 1e6 + 0.5) as u64, "e6");
    }
    let micros = micros as u64;
    let (whole, fraction) = (micros / 1_000_000, micros % 1_000_000);
    if fraction == 0 {
        text!(sign, whole)
    } else {
        // The six decimals with leading zeros kept and trailing ones dropped.
        let digits = text!(1_000_000 + fraction);
        text!(sign, whole, ".", digits[1..].trim_end_matches('0'))
    }
}

/// A whole number written as one or more ASCII digits (leading zeros allowed, no sign),
/// within `u64`; `None` for anything else.
pub fn parse_decimal(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |value, &b| {
        let digit = b.checked_sub(b'0').filter(|d| *d <= 9)?;
        value.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

/// `text[from..to]`, where every caller cuts at ASCII bytes (character boundaries): `get`
/// rather than indexing keeps slicing's panic path, and its message, out of the npm
/// package's wasm (out of range, the cut is empty).
pub fn cut(text: &str, from: usize, to: usize) -> &str {
    text.get(from..to).unwrap_or_default()
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn joins_strings_characters_and_numbers_as_format_would() {
        let name = String::from("ack");
        let joined = text!('\0', name, " ", 0u32, " ", 42u16, " ", u64::MAX, " ", "x");
        assert_eq!(joined, format!("\0ack 0 42 {} x", u64::MAX));
    }

    #[test]
    fn a_cut_never_panics() {
        assert_eq!(cut("ws://h", 0, 2), "ws");
        assert_eq!(cut("ws://h", 3, 6), "//h");
        // Inside a character, or out of range: empty rather than a panic.
        assert_eq!(cut("é", 0, 1), "");
        assert_eq!(cut("ws", 1, 9), "");
    }
}
