//! The original conversation, held by a real WebSocket client (tokio-tungstenite) with the
//! real server binary over loopback.

mod support;

use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use support::Server;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

type Client =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn next(client: &mut Client) -> Message {
    tokio::time::timeout(Duration::from_secs(10), client.next())
        .await
        .expect("a message within 10 s")
        .expect("the stream goes on")
        .expect("no protocol error")
}

#[tokio::test]
async fn greets_then_replies_as_the_original() {
    let server = Server::start("page");
    let (mut client, _) = tokio_tungstenite::connect_async(server.ws_url("/"))
        .await
        .unwrap();
    assert_eq!(next(&mut client).await, Message::text("Hello webSocket"));
    client.send(Message::text("I am listening")).await.unwrap();
    assert_eq!(
        next(&mut client).await,
        Message::text("I heard you say \"I am listening\"")
    );
    // Quotes and non-ASCII text come back inside the reply untouched.
    client.send(Message::text("\"ünï\" 😀")).await.unwrap();
    assert_eq!(
        next(&mut client).await,
        Message::text("I heard you say \"\"ünï\" 😀\"")
    );
}

#[tokio::test]
async fn binary_messages_come_back_unchanged_and_in_order() {
    let server = Server::start("page");
    let (mut client, _) = tokio_tungstenite::connect_async(server.ws_url("/"))
        .await
        .unwrap();
    assert_eq!(next(&mut client).await, Message::text("Hello webSocket"));
    let payloads: Vec<Vec<u8>> = vec![
        vec![],
        vec![0, 1, 255],
        (0..=255).cycle().take(70_000).collect(),
    ];
    for payload in &payloads {
        client.send(Message::binary(payload.clone())).await.unwrap();
    }
    for payload in payloads {
        assert_eq!(next(&mut client).await, Message::binary(payload));
    }
}

#[tokio::test]
async fn answers_the_close_handshake() {
    let server = Server::start("page");
    let (mut client, _) = tokio_tungstenite::connect_async(server.ws_url("/"))
        .await
        .unwrap();
    next(&mut client).await;
    client
        .close(Some(CloseFrame {
            code: CloseCode::Library(4000),
            reason: "bye".into(),
        }))
        .await
        .unwrap();
    match next(&mut client).await {
        Message::Close(Some(frame)) => assert_eq!(u16::from(frame.code), 4000),
        other => panic!("expected the close echoed, got {other:?}"),
    }
}

#[test]
fn plain_get_serves_the_demo_page_and_nothing_outside_www() {
    let server = Server::start("<title>demo page</title>");
    assert_eq!(
        server.get("/"),
        (200, "<title>demo page</title>".to_owned())
    );
    assert_eq!(server.get("/index.html").0, 200);
    assert_eq!(server.get("/missing.js").0, 404);
    assert_eq!(server.get("/pkg/duplex_ws.js").0, 404);
    let (status, body) = server.get("/../../../../etc/passwd");
    assert_ne!(status, 200);
    assert!(!body.contains("root:"), "{body}");
}
