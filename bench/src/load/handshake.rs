//! The opening handshake on a raw socket: the upgrade request (optionally offering
//! permessage-deflate, as every browser does), the server's answer and the extension it agreed.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::LoadError;

/// What the load generator offers when asked for compression. It keeps no context between
/// the messages it sends, so that a message can be compressed once and sent many times; the
/// server may keep its own (its answers are then smaller and as cheap to read).
pub const DEFLATE_OFFER: &str = "permessage-deflate; client_no_context_takeover";

/// permessage-deflate as the server agreed to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deflate {
    /// The server resets its compressor after each message (else the reader must keep its
    /// inflater's window from message to message).
    pub server_no_context_takeover: bool,
}

/// `host:port` and `/path` of a `ws://` URL.
pub fn split_url(url: &str) -> Option<(&str, &str)> {
    let rest = url.strip_prefix("ws://")?;
    match rest.find('/') {
        Some(slash) => Some((&rest[..slash], &rest[slash..])),
        None => Some((rest, "/")),
    }
}

/// The upgrade request for `path` on `authority`.
pub fn request(authority: &str, path: &str, offer_deflate: bool) -> String {
    let extensions = if offer_deflate {
        format!("Sec-WebSocket-Extensions: {DEFLATE_OFFER}\r\n")
    } else {
        String::new()
    };
    format!(
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{extensions}\r\n"
    )
}

/// Reads the server's answer in `head` (the bytes up to the blank line): `Ok(deflate)` for a
/// `101`, with the permessage-deflate parameters if the server agreed to it.
pub fn parse_response(head: &str) -> Result<Option<Deflate>, String> {
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap_or_default();
    if status.split_whitespace().nth(1) != Some("101") {
        return Err(format!("the server answered '{status}', not 101"));
    }
    let mut deflate = None;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        if !name.trim().eq_ignore_ascii_case("sec-websocket-extensions") {
            continue;
        }
        for extension in value.split(',') {
            let mut parts = extension.split(';').map(str::trim);
            if parts.next() != Some("permessage-deflate") {
                return Err(format!(
                    "the server agreed to an extension not offered: {value}"
                ));
            }
            let mut agreed = Deflate {
                server_no_context_takeover: false,
            };
            for parameter in parts {
                match parameter.split('=').next().unwrap_or_default().trim() {
                    "server_no_context_takeover" => agreed.server_no_context_takeover = true,
                    // The inflater takes any window up to 15 bits; this side keeps none.
                    "server_max_window_bits" | "client_no_context_takeover" => {}
                    other => {
                        return Err(format!(
                            "permessage-deflate parameter '{other}' was not offered"
                        ))
                    }
                }
            }
            deflate = Some(agreed);
        }
    }
    Ok(deflate)
}

/// An open connection on a raw socket.
pub struct RawSocket {
    pub stream: TcpStream,
    /// permessage-deflate when the server agreed to it.
    pub deflate: Option<Deflate>,
    /// Bytes the server sent right after its answer (frames already).
    pub early: Vec<u8>,
}

/// Connects to `url` (`ws://HOST:PORT/PATH`) with TCP_NODELAY, as a browser does, and
/// completes the handshake.
pub async fn connect(url: &str, index: usize, offer_deflate: bool) -> Result<RawSocket, LoadError> {
    let fail = |why: String| LoadError::Connect {
        url: url.to_owned(),
        index,
        why,
    };
    let (authority, path) =
        split_url(url).ok_or_else(|| fail("the URL must be ws://HOST:PORT/PATH".to_owned()))?;
    let mut stream = TcpStream::connect(authority)
        .await
        .map_err(|error| fail(error.to_string()))?;
    stream
        .set_nodelay(true)
        .map_err(|error| fail(error.to_string()))?;
    stream
        .write_all(request(authority, path, offer_deflate).as_bytes())
        .await
        .map_err(|error| fail(error.to_string()))?;
    let mut buffer = Vec::with_capacity(1024);
    let head_end = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        if buffer.len() > 16 * 1024 {
            return Err(fail("the server's answer has no end of headers".to_owned()));
        }
        let mut chunk = [0; 4096];
        let read = stream
            .read(&mut chunk)
            .await
            .map_err(|error| fail(error.to_string()))?;
        if read == 0 {
            return Err(fail("the server closed during the handshake".to_owned()));
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]);
    let deflate = parse_response(&head).map_err(fail)?;
    Ok(RawSocket {
        stream,
        deflate,
        early: buffer[head_end + 4..].to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            split_url("ws://127.0.0.1:9/relay/a"),
            Some(("127.0.0.1:9", "/relay/a"))
        );
        assert_eq!(split_url("ws://h:1"), Some(("h:1", "/")));
        assert_eq!(split_url("http://h:1/"), None);
    }

    #[test]
    fn the_request_offers_deflate_only_when_asked() {
        assert!(request("h:1", "/echo", true).contains(DEFLATE_OFFER));
        assert!(!request("h:1", "/echo", false).contains("Extensions"));
        assert!(request("h:1", "/echo", false).ends_with("\r\n\r\n"));
    }

    #[test]
    fn answers() {
        let plain = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket";
        assert_eq!(parse_response(plain), Ok(None));
        let agreed = "HTTP/1.1 101 Switching Protocols\r\nsec-websocket-extensions: \
                      permessage-deflate; client_no_context_takeover; server_max_window_bits=12";
        assert_eq!(
            parse_response(agreed),
            Ok(Some(Deflate {
                server_no_context_takeover: false
            }))
        );
        let reset = "HTTP/1.1 101 OK\r\nSec-WebSocket-Extensions: permessage-deflate; \
                     server_no_context_takeover";
        assert_eq!(
            parse_response(reset),
            Ok(Some(Deflate {
                server_no_context_takeover: true
            }))
        );
        assert!(parse_response("HTTP/1.1 403 Forbidden").is_err());
        let unasked = "HTTP/1.1 101 OK\r\nSec-WebSocket-Extensions: permessage-deflate; \
                       client_max_window_bits=9";
        assert!(parse_response(unasked).is_err());
    }
}
