//! The limits: message and frame size (1009), connections (503), pings (idle peers dropped).

mod support;

use futures_util::{SinkExt, StreamExt};
use support::{close_code, connect, next, read_to_end, refusal, Server, SAFETY};
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn a_message_over_the_size_limit_gets_1009() {
    let server = Server::start_with("page", &["--max-message-size", "1000"]);
    let mut client = connect(&server.ws_url("/echo")).await;
    client.send(Message::binary(vec![1u8; 1000])).await.unwrap();
    assert_eq!(next(&mut client).await, Message::binary(vec![1u8; 1000]));
    client.send(Message::binary(vec![1u8; 1001])).await.unwrap();
    let close = next(&mut client).await;
    assert_eq!(close_code(&close), 1009, "{close:?}");
    // The reason is yawc's own ("Frame too large"): it sends the close frame itself.
    assert!(close.to_string().contains("too large"), "{close:?}");
    // The server finishes the close handshake: the stream ends.
    assert!(read_to_end(&mut client).await.messages.is_empty());
    server
        .wait_for_metric(r#"duplex_closes_total{code="1009",endpoint="/echo"}"#, 1.0)
        .await;
}

#[tokio::test]
async fn a_frame_over_the_size_limit_gets_1009_even_if_the_message_would_fit() {
    let server = Server::start_with(
        "page",
        &["--max-message-size", "100000", "--max-frame-size", "1000"],
    );
    let mut client = connect(&server.ws_url("/")).await;
    assert_eq!(next(&mut client).await, Message::text("Hello webSocket"));
    client.send(Message::text("x".repeat(5000))).await.unwrap();
    assert_eq!(close_code(&next(&mut client).await), 1009);
}

#[tokio::test]
async fn the_connection_past_the_limit_gets_503() {
    let server = Server::start_with("page", &["--max-connections", "2"]);
    let mut first = connect(&server.ws_url("/echo")).await;
    let _second = connect(&server.ws_url("/relay/r")).await;
    assert_eq!(refusal(&server.ws_url("/echo")).await, 503);
    assert_eq!(refusal(&server.ws_url("/")).await, 503);
    server
        .wait_for_metric(
            r#"duplex_handshakes_refused_total{endpoint="/echo",reason="capacity"}"#,
            1.0,
        )
        .await;
    // Plain HTTP is not counted: the page still loads.
    assert_eq!(server.get_async("/").await.0, 200);
    // Once a connection closes, its slot is free again.
    first.close(None).await.unwrap();
    read_to_end(&mut first).await;
    let start = std::time::Instant::now();
    loop {
        match support::connect_from(&server.ws_url("/echo"), None).await {
            Ok(_) => break,
            Err(503) if start.elapsed() < SAFETY => {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await
            }
            Err(status) => panic!("still refused: {status}"),
        }
    }
}

#[tokio::test]
async fn a_peer_that_stops_answering_pings_is_dropped_and_one_that_answers_is_not() {
    let server = Server::start_with(
        "page",
        &["--ping-interval", "250ms", "--ping-timeout", "2s"],
    );
    // tokio-tungstenite answers pings while it reads; this one never reads.
    let mut deaf = connect(&server.ws_url("/echo")).await;
    let alive = connect(&server.ws_url("/echo")).await;
    let (mut alive_tx, mut alive_rx) = alive.split();
    let (heard_tx, mut heard) = tokio::sync::mpsc::unbounded_channel();
    let reading = tokio::spawn(async move {
        while let Some(Ok(message)) = alive_rx.next().await {
            if message.is_text() {
                let _ = heard_tx.send(message);
            }
        }
    });
    server
        .wait_for_metric(r#"duplex_closes_total{code="none",endpoint="/echo"}"#, 1.0)
        .await;
    assert_eq!(
        server
            .metric(r#"duplex_connections_open{endpoint="/echo"}"#)
            .await,
        1.0
    );
    // The peer that answered pings all along is still there.
    alive_tx.send(Message::text("still here")).await.unwrap();
    let echoed = tokio::time::timeout(SAFETY, heard.recv()).await.unwrap();
    assert_eq!(echoed, Some(Message::text("still here")));
    // The deaf one finds its connection gone, with no close frame.
    let ending = read_to_end(&mut deaf).await;
    assert!(ending.close.is_none(), "{ending:?}");
    assert!(
        server.log().contains("no answer to a ping"),
        "{}",
        server.log()
    );
    reading.abort();
}

#[test]
fn the_readme_states_the_worst_case_memory_of_the_default_limits() {
    let limits = duplex_server::Limits::default();
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let connection = limits.worst_case_connection_bytes();
    let server = limits.worst_case_server_bytes();
    assert_eq!(connection, 7_422_976);
    assert_eq!(server, 7_490_084_864);
    for figure in [
        format!("worst case per WebSocket connection: **{connection} bytes**"),
        format!("worst case for the whole server: **{server} bytes**"),
    ] {
        assert!(
            readme.contains(&figure),
            "server/README.md lacks {figure:?}"
        );
    }
}
