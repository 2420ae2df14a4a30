//! The Origin check (cross-site WebSocket hijacking) and static files that stay inside www/.

mod support;

use support::{connect_from, Server, TempDir};

#[tokio::test]
async fn a_foreign_origin_gets_403_on_every_websocket_endpoint() {
    let server = Server::start("page");
    for path in ["/", "/echo", "/relay/room", "/relay"] {
        let refused = connect_from(&server.ws_url(path), Some("https://evil.example")).await;
        assert_eq!(refused.err(), Some(403), "{path}");
    }
    let refused = connect_from(&server.ws_url("/echo"), Some("null")).await;
    assert_eq!(refused.err(), Some(403));
    server
        .wait_for_metric(
            r#"duplex_handshakes_refused_total{endpoint="/echo",reason="origin"}"#,
            2.0,
        )
        .await;
}

#[tokio::test]
async fn own_localhost_and_no_origin_pass_by_default() {
    let server = Server::start("page");
    let url = server.ws_url("/echo");
    let own = format!("http://{}", server.address);
    for origin in [
        Some(own.as_str()),
        // Browser tests load their pages from another local port than the server's.
        Some("http://127.0.0.1:41234"),
        Some("http://localhost:8000"),
        Some("http://[::1]:3000"),
        Some("https://localhost"),
        None,
    ] {
        assert!(connect_from(&url, origin).await.is_ok(), "{origin:?}");
    }
}

#[tokio::test]
async fn allow_origin_lets_the_listed_origins_through_and_no_others() {
    let server = Server::start_with(
        "page",
        &[
            "--allow-origin",
            "https://app.example",
            "--allow-origin",
            "https://other.example:8443",
        ],
    );
    let url = server.ws_url("/echo");
    assert!(connect_from(&url, Some("https://app.example"))
        .await
        .is_ok());
    assert!(connect_from(&url, Some("https://other.example:8443"))
        .await
        .is_ok());
    assert_eq!(
        connect_from(&url, Some("https://other.example"))
            .await
            .err(),
        Some(403)
    );
    assert_eq!(
        connect_from(&url, Some("http://app.example")).await.err(),
        Some(403)
    );
}

#[test]
fn a_bad_allow_origin_value_is_named() {
    let output = support::run_server(&["--allow-origin", "example.com/path"]);
    assert!(!output.status.success());
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains("--allow-origin") && message.contains("example.com/path"),
        "{message}"
    );
}

#[test]
fn no_path_outside_www_can_be_read() {
    let server = Server::start("<title>demo page</title>");
    // A secret next to www/, and one further up.
    let outside = TempDir::new("outside");
    std::fs::write(outside.path().join("secret.txt"), "the secret").unwrap();
    let sibling = outside.path().file_name().unwrap().to_str().unwrap();
    for path in [
        format!("/../{sibling}/secret.txt"),
        format!("/%2e%2e/{sibling}/secret.txt"),
        format!("/..%2f{sibling}%2fsecret.txt"),
        format!("/%2e%2e%2f{sibling}%2fsecret.txt"),
        format!("/pkg/../../{sibling}/secret.txt"),
        format!("/..\\{sibling}\\secret.txt"),
        "/../../../../etc/passwd".to_owned(),
        "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd".to_owned(),
        "/..%2f..%2f..%2f..%2fetc%2fpasswd".to_owned(),
        "/%2fetc%2fpasswd".to_owned(),
        "//etc/passwd".to_owned(),
    ] {
        let (status, body) = server.get(&path);
        assert_ne!(status, 200, "{path}: {body}");
        assert!(
            !body.contains("the secret") && !body.contains("root:"),
            "{path}: {body}"
        );
    }
    // The page itself is still served.
    assert_eq!(server.get("/index.html").0, 200);
}

/// A handshake to `/echo` with these Origin and Host headers: 101, or the refusal's status.
async fn handshake_status(server: &Server, origin: &str, host: &str) -> u16 {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = server.ws_url("/echo").into_client_request().unwrap();
    request
        .headers_mut()
        .insert("Origin", origin.parse().unwrap());
    request.headers_mut().insert("Host", host.parse().unwrap());
    match tokio_tungstenite::connect_async(request).await {
        Ok(_) => 101,
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(error) => panic!("{error}"),
    }
}

#[tokio::test]
async fn a_dns_rebinding_page_is_refused_and_allowed_hosts_are_own_origins() {
    let server = Server::start_with("page", &["--allow-host", "chat.example"]);
    // evil.example resolved to 127.0.0.1: its page's Origin matches the Host it sends.
    let rebinding = handshake_status(&server, "http://evil.example", "evil.example").await;
    assert_eq!(rebinding, 403);
    let port = server.address.rsplit(':').next().unwrap();
    let own = handshake_status(
        &server,
        &format!("http://chat.example:{port}"),
        &format!("chat.example:{port}"),
    )
    .await;
    assert_eq!(own, 101);
    let local = handshake_status(&server, "http://localhost:5173", &server.address).await;
    assert_eq!(local, 101);
}
