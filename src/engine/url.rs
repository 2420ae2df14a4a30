//! The rules a WebSocket URL must follow, checked before the browser sees it.
//!
//! The browser's own parser (WHATWG URL) stays the final judge: the shell maps its
//! `SyntaxError` to [`UrlProblem::Browser`]. These rules catch the common mistakes first, with
//! a message that says which rule broke, and are testable without a browser.

use crate::engine::text::{cut, parse_decimal, text};
use crate::error::{Error, UrlProblem};
use crate::prelude::*;

/// Checks `raw` against the WebSocket URL rules and returns the URL to open.
///
/// `http:` and `https:` are accepted and turned into `ws:` and `wss:`, as current browsers do.
/// Leading and trailing ASCII whitespace is ignored, as the URL standard says.
///
/// ```
/// assert_eq!(duplex_ws::validate_url("http://localhost:9900").unwrap(), "ws://localhost:9900");
/// assert_eq!(duplex_ws::validate_url("ws://x/#frag").unwrap_err().code(), "INVALID_URL");
/// ```
pub fn validate_url(raw: &str) -> Result<String, Error> {
    let invalid = |problem| Error::InvalidUrl {
        url: raw.to_owned(),
        problem,
    };
    // Byte by byte on purpose: every cut below is at an ASCII byte (a character boundary),
    // and `str`'s pattern searchers would add kilobytes to the npm package's wasm.
    let url = trim_ascii_controls(raw);
    let bytes = url.as_bytes();
    let colon = position(bytes, |b| b == b':')
        .ok_or_else(|| invalid(UrlProblem::DoesNotParse("no scheme")))?;
    let scheme = cut(url, 0, colon);
    if !is_scheme(scheme.as_bytes()) {
        return Err(invalid(UrlProblem::DoesNotParse("no scheme")));
    }
    let is = |name: &str| scheme.eq_ignore_ascii_case(name);
    let ws_scheme = if is("ws") || is("http") {
        "ws"
    } else if is("wss") || is("https") {
        "wss"
    } else {
        return Err(invalid(UrlProblem::Scheme(scheme.to_owned())));
    };
    let rest = cut(url, colon + 1, url.len());
    if let Some(hash) = position(rest.as_bytes(), |b| b == b'#') {
        return Err(invalid(UrlProblem::Fragment(
            cut(rest, hash + 1, rest.len()).to_owned(),
        )));
    }
    // Special schemes tolerate any run of slashes (or backslashes) before the host.
    let slash = |b| b == b'/' || b == b'\\';
    let host_start = position(rest.as_bytes(), |b| !slash(b)).unwrap_or(rest.len());
    let after_slashes = cut(rest, host_start, rest.len());
    let authority_end = position(after_slashes.as_bytes(), |b| slash(b) || b == b'?')
        .unwrap_or(after_slashes.len());
    let authority = cut(after_slashes, 0, authority_end);
    let at = authority.as_bytes().iter().rposition(|&b| b == b'@');
    let host_and_port = cut(authority, at.map_or(0, |at| at + 1), authority.len());
    check_host_and_port(host_and_port).map_err(|why| invalid(UrlProblem::DoesNotParse(why)))?;
    Ok(text!(ws_scheme, ":", rest))
}

/// `raw` without leading and trailing ASCII whitespace and control characters.
fn trim_ascii_controls(raw: &str) -> &str {
    let kept = |b: u8| b > b' ' && b != 0x7f;
    let bytes = raw.as_bytes();
    let start = position(bytes, kept).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|&b| kept(b))
        .map_or(start, |last| last + 1);
    cut(raw, start, end)
}

/// The index of the first byte that matches.
fn position(bytes: &[u8], matches: impl Fn(u8) -> bool) -> Option<usize> {
    bytes.iter().position(|&b| matches(b))
}

/// A URL scheme: an ASCII letter, then letters, digits, `+`, `-` or `.`.
fn is_scheme(s: &[u8]) -> bool {
    s.first().is_some_and(u8::is_ascii_alphabetic)
        && s.iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
}

fn check_host_and_port(host_and_port: &str) -> Result<(), &'static str> {
    let bytes = host_and_port.as_bytes();
    // An IPv6 literal is bracketed and holds colons of its own.
    let (host, port) = if bytes.first() == Some(&b'[') {
        let close = position(bytes, |b| b == b']').ok_or("unclosed [ in the host")?;
        let port = match bytes.get(close + 1) {
            None => None,
            Some(b':') => bytes.get(close + 2..),
            Some(_) => return Err("text after the IPv6 host"),
        };
        (cut(host_and_port, 1, close), port)
    } else {
        match position(bytes, |b| b == b':') {
            Some(colon) => (cut(host_and_port, 0, colon), bytes.get(colon + 1..)),
            None => (host_and_port, None),
        }
    };
    if host.is_empty() {
        return Err("no host");
    }
    // Unicode's white space too: Chromium takes `ws://a\u{a0}b` and the connection fails
    // later, as CONNECTION_FAILED rather than INVALID_URL.
    if host.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("white space in the host");
    }
    match port {
        Some(port) if !port.is_empty() && parse_decimal(port).is_none_or(|n| n > 65535) => {
            Err("the port is not a number from 0 to 65535")
        }
        _ => Ok(()),
    }
}

// Native only: the engine is tested with `cargo test`; proptest does not build for wasm32.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn problem(url: &str) -> UrlProblem {
        match validate_url(url) {
            Err(Error::InvalidUrl {
                url: named,
                problem,
            }) => {
                assert_eq!(named, url, "the error names the URL as given");
                problem
            }
            other => panic!("{url:?} should be INVALID_URL, got {other:?}"),
        }
    }

    #[test]
    fn accepts_websocket_and_http_schemes() {
        let ok = |url| validate_url(url).unwrap();
        assert_eq!(ok("ws://localhost:9900"), "ws://localhost:9900");
        assert_eq!(ok("wss://a.example/p?q=1"), "wss://a.example/p?q=1");
        assert_eq!(ok("http://localhost/x"), "ws://localhost/x");
        assert_eq!(ok("HTTPS://a.example"), "wss://a.example");
        assert_eq!(ok("  ws://[::1]:80/ "), "ws://[::1]:80/");
        assert_eq!(ok("ws://user@h:1"), "ws://user@h:1");
        assert_eq!(ok("ws://h:0065535"), "ws://h:0065535");
        assert_eq!(ok("ws://h:/"), "ws://h:/");
        assert_eq!(ok("\u{1}\tws://h\u{7f}"), "ws://h");
    }

    #[test]
    fn rejects_other_schemes_naming_the_scheme() {
        assert_eq!(problem("ftp://x"), UrlProblem::Scheme("ftp".into()));
        assert_eq!(problem("file:///etc"), UrlProblem::Scheme("file".into()));
        assert_eq!(
            problem("localhost:9900"),
            UrlProblem::Scheme("localhost".into())
        );
        let msg = validate_url("ftp://x").unwrap_err().to_string();
        assert!(
            msg.contains("\"ftp://x\"") && msg.contains("not ftp:"),
            "{msg}"
        );
    }

    #[test]
    fn rejects_fragments() {
        assert_eq!(problem("ws://x/#frag"), UrlProblem::Fragment("frag".into()));
        assert_eq!(problem("ws://x#"), UrlProblem::Fragment(String::new()));
    }

    #[test]
    fn rejects_what_does_not_parse() {
        let cases = [
            ("", "no scheme"),
            ("//x", "no scheme"),
            ("1ws://x", "no scheme"),
            ("ws://", "no host"),
            ("ws://:80", "no host"),
            ("ws://a b", "white space in the host"),
            ("ws://a\u{a0}b", "white space in the host"),
            ("ws://a\u{2003}b:80", "white space in the host"),
            ("ws://h:99999", "the port is not a number from 0 to 65535"),
            ("ws://h:port", "the port is not a number from 0 to 65535"),
            ("ws://h:65536", "the port is not a number from 0 to 65535"),
            ("ws://h:+80", "the port is not a number from 0 to 65535"),
            (
                "ws://h:99999999999999999999",
                "the port is not a number from 0 to 65535",
            ),
            ("ws://[::1", "unclosed [ in the host"),
            ("ws://[::1]x", "text after the IPv6 host"),
        ];
        for (url, why) in cases {
            assert_eq!(problem(url), UrlProblem::DoesNotParse(why), "{url:?}");
        }
    }
}
