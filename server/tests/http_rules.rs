//! The small rules of issue 14: methods, the empty room name, malformed handshake keys,
//! `nosniff`, symbolic links out of www/, and short logs for long refused names.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;

use support::{Server, TempDir};

/// Sends `request` as is; returns the response head and body.
fn raw(server: &Server, request: &str) -> String {
    let mut stream = TcpStream::connect(&server.address).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    // A 101 leaves the connection open: what came within a second is the answer.
    let patience = std::time::Duration::from_secs(1);
    stream.set_read_timeout(Some(patience)).unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    String::from_utf8_lossy(&response).into_owned()
}

fn handshake(path: &str, key: &str) -> String {
    format!(
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade, close\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {key}\r\n\r\n"
    )
}

#[test]
fn only_get_is_answered_on_websocket_endpoints() {
    let server = Server::start("page");
    for method in ["TRACE", "DELETE", "POST", "PUT"] {
        for path in ["/relay/room", "/echo", "/relay", "/"] {
            let request =
                format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            let response = raw(&server, &request);
            assert!(
                response.starts_with("HTTP/1.1 405"),
                "{method} {path}: {response}"
            );
        }
    }
}

#[test]
fn an_empty_room_name_gets_400_like_a_long_one() {
    let server = Server::start("page");
    let response = raw(&server, &handshake("/relay/", "dGhlIHNhbXBsZSBub25jZQ=="));
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
    assert!(response.contains("1 to 128 bytes"), "{response}");
}

#[test]
fn a_malformed_websocket_key_gets_400_and_a_good_one_101() {
    let server = Server::start("page");
    for key in [
        "abc",
        "dGhlIHNhbXBsZSBub25jZQ",
        "dGhlIHNhbXBsZSBub25jZR==",
        "!!!!!!!!!!!!!!!!!!!!!!==",
    ] {
        let response = raw(&server, &handshake("/echo", key));
        assert!(response.starts_with("HTTP/1.1 400"), "{key}: {response}");
        assert!(response.contains("Sec-WebSocket-Key"), "{key}: {response}");
    }
    let response = raw(&server, &handshake("/echo", "dGhlIHNhbXBsZSBub25jZQ=="));
    assert!(response.starts_with("HTTP/1.1 101"), "{response}");
}

#[test]
fn every_response_says_nosniff() {
    let server = Server::start("page");
    for path in ["/", "/healthz", "/metrics", "/no-such-file"] {
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        let response = raw(&server, &request).to_ascii_lowercase();
        assert!(
            response.contains("x-content-type-options: nosniff"),
            "{path}: {response}"
        );
    }
}

#[test]
fn symbolic_links_out_of_www_are_not_followed() {
    let server = Server::start("page");
    let outside = TempDir::new("outside");
    std::fs::write(outside.path().join("secret.txt"), "the secret").unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.txt"),
        server.www().join("secret.txt"),
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.path(), server.www().join("dir")).unwrap();
    std::os::unix::fs::symlink(
        server.www().join("index.html"),
        server.www().join("same.html"),
    )
    .unwrap();
    for path in ["/secret.txt", "/dir/secret.txt", "/dir/", "/%73ecret.txt"] {
        let (status, body) = server.get(path);
        assert_eq!(status, 404, "{path}: {body}");
        assert!(!body.contains("the secret"), "{path}: {body}");
    }
    assert_eq!(server.get("/same.html"), (200, "page".to_owned()));
}

#[test]
fn a_long_refused_room_name_is_logged_briefly_once() {
    let server = Server::start("page");
    let name = "n".repeat(60 * 1024);
    let before = server.log().len();
    let response = raw(
        &server,
        &handshake(&format!("/relay/{name}"), "dGhlIHNhbXBsZSBub25jZQ=="),
    );
    assert!(response.starts_with("HTTP/1.1 400"), "{}", &response[..100]);
    assert!(response.len() < 1024, "the answer repeats the name");
    std::thread::sleep(std::time::Duration::from_millis(200));
    let grown = server.log().len() - before;
    assert!(grown < 2048, "a refused name wrote {grown} bytes of log");
}
