//! The rules a WebSocket URL must follow, checked before the browser sees it.
//!
//! The browser's own parser (WHATWG URL) stays the final judge: the shell maps its
//! `SyntaxError` to [`UrlProblem::Browser`]. These rules catch the common mistakes first, with
//! a message that says which rule broke, and are testable without a browser.

use crate::engine::text::text;
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
    let url = raw.trim_matches(|c: char| c.is_ascii_whitespace() || c.is_ascii_control());
    let colon = url
        .find(':')
        .ok_or_else(|| invalid(UrlProblem::DoesNotParse("no scheme")))?;
    let scheme = &url[..colon];
    if !is_scheme(scheme) {
        return Err(invalid(UrlProblem::DoesNotParse("no scheme")));
    }
    let ws_scheme = match scheme.to_ascii_lowercase().as_str() {
        "ws" | "http" => "ws",
        "wss" | "https" => "wss",
        _ => return Err(invalid(UrlProblem::Scheme(scheme.to_owned()))),
    };
    let rest = &url[colon + 1..];
    if let Some(hash) = rest.find('#') {
        return Err(invalid(UrlProblem::Fragment(rest[hash + 1..].to_owned())));
    }
    // Special schemes tolerate any run of slashes (or backslashes) before the host.
    let after_slashes = rest.trim_start_matches(['/', '\\']);
    let authority_end = after_slashes
        .find(['/', '\\', '?'])
        .unwrap_or(after_slashes.len());
    let authority = &after_slashes[..authority_end];
    let host_and_port = authority.rsplit('@').next().unwrap_or(authority);
    check_host_and_port(host_and_port).map_err(|why| invalid(UrlProblem::DoesNotParse(why)))?;
    Ok(text!(ws_scheme, ":", rest))
}

/// A URL scheme: an ASCII letter, then letters, digits, `+`, `-` or `.`.
fn is_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

fn check_host_and_port(host_and_port: &str) -> Result<(), &'static str> {
    // An IPv6 literal is bracketed and holds colons of its own.
    let (host, port) = match host_and_port.strip_prefix('[') {
        Some(v6) => {
            let close = v6.find(']').ok_or("unclosed [ in the host")?;
            let after = &v6[close + 1..];
            let port = match after.strip_prefix(':') {
                Some(port) => Some(port),
                None if after.is_empty() => None,
                None => return Err("text after the IPv6 host"),
            };
            (&v6[..close], port)
        }
        None => match host_and_port.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_and_port, None),
        },
    };
    if host.is_empty() {
        return Err("no host");
    }
    if host.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("white space in the host");
    }
    match port {
        Some(port) if !port.is_empty() => {
            if port.bytes().all(|b| b.is_ascii_digit()) && port.parse::<u16>().is_ok() {
                Ok(())
            } else {
                Err("the port is not a number from 0 to 65535")
            }
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
            ("ws://h:99999", "the port is not a number from 0 to 65535"),
            ("ws://h:port", "the port is not a number from 0 to 65535"),
            ("ws://[::1", "unclosed [ in the host"),
            ("ws://[::1]x", "text after the IPv6 host"),
        ];
        for (url, why) in cases {
            assert_eq!(problem(url), UrlProblem::DoesNotParse(why), "{url:?}");
        }
    }
}
