//! https and wss on the same port, with a self-signed certificate made here (rcgen).

mod support;

use std::sync::Arc;

use futures_util::SinkExt;
use rustls::pki_types::ServerName;
use support::{next, run_server, Server, TempDir, SAFETY};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;
use tokio_tungstenite::tungstenite::Message;

/// A self-signed certificate for localhost and 127.0.0.1, written as PEM files.
struct SelfSigned {
    dir: TempDir,
    der: rustls::pki_types::CertificateDer<'static>,
}

impl SelfSigned {
    fn new() -> SelfSigned {
        let made = rcgen::generate_simple_self_signed(vec![
            "localhost".to_owned(),
            "127.0.0.1".to_owned(),
        ])
        .unwrap();
        let dir = TempDir::new("tls");
        std::fs::write(dir.path().join("cert.pem"), made.cert.pem()).unwrap();
        std::fs::write(dir.path().join("key.pem"), made.signing_key.serialize_pem()).unwrap();
        SelfSigned {
            der: made.cert.der().clone(),
            dir,
        }
    }

    fn cert(&self) -> String {
        self.dir.path().join("cert.pem").display().to_string()
    }

    fn key(&self) -> String {
        self.dir.path().join("key.pem").display().to_string()
    }

    /// A TLS connection to `address` that trusts only this certificate.
    async fn connect(&self, address: &str) -> TlsStream<TcpStream> {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(self.der.clone()).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let tcp = TcpStream::connect(address).await.unwrap();
        let name = ServerName::try_from("localhost").unwrap();
        tokio::time::timeout(
            SAFETY,
            TlsConnector::from(Arc::new(config)).connect(name, tcp),
        )
        .await
        .unwrap()
        .expect("the TLS handshake succeeds")
    }
}

#[tokio::test]
async fn wss_and_https_work_with_a_self_signed_certificate() {
    let tls = SelfSigned::new();
    let server = Server::start_with(
        "<title>over tls</title>",
        &["--tls-cert", &tls.cert(), "--tls-key", &tls.key()],
    );
    assert_eq!(server.scheme, "https");
    let port = server.address.rsplit(':').next().unwrap();

    let stream = tls.connect(&server.address).await;
    let (mut client, _) = tokio_tungstenite::client_async(
        format!("wss://localhost:{port}/echo"),
        tokio_tungstenite::MaybeTlsStream::Plain(stream),
    )
    .await
    .unwrap();
    client.send(Message::text("secret hello")).await.unwrap();
    assert_eq!(next(&mut client).await, Message::text("secret hello"));
    client.send(Message::binary(vec![9u8; 3])).await.unwrap();
    assert_eq!(next(&mut client).await, Message::binary(vec![9u8; 3]));

    // The page, over https on the same port.
    let mut stream = tls.connect(&server.address).await;
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await; // a TLS close_notify may be missing
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("<title>over tls</title>"), "{response}");

    // Plain ws on the TLS port is no WebSocket.
    assert!(tokio_tungstenite::connect_async(server.ws_url("/echo"))
        .await
        .is_err());
}

#[test]
fn a_missing_certificate_file_is_named() {
    let www = TempDir::new("tls-www");
    let output = run_server(&[
        "--port",
        "0",
        "--www",
        www.path().to_str().unwrap(),
        "--tls-cert",
        "/no/such/cert.pem",
        "--tls-key",
        "/no/such/key.pem",
    ]);
    assert!(!output.status.success());
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains("--tls-cert /no/such/cert.pem"),
        "{message}"
    );
}

#[test]
fn a_certificate_without_a_key_is_refused() {
    let output = run_server(&["--tls-cert", "cert.pem"]);
    assert!(!output.status.success());
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains("--tls-key"), "{message}");
}
