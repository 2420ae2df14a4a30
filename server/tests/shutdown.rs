//! Graceful shutdown: on SIGTERM every peer gets close 1001 and the process exits 0.

mod support;

use futures_util::SinkExt;
use support::{close_code, connect, next, read_to_end, Server};
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn sigterm_sends_1001_to_every_peer_and_exits_0() {
    let mut server = Server::start("page");
    let mut conversation = connect(&server.ws_url("/")).await;
    assert_eq!(
        next(&mut conversation).await,
        Message::text("Hello webSocket")
    );
    let mut echo = connect(&server.ws_url("/echo")).await;
    let mut relay_a = connect(&server.ws_url("/relay/room")).await;
    let mut relay_b = connect(&server.ws_url("/relay/room")).await;
    // Everyone is connected and in their room before the signal.
    echo.send(Message::text("ready?")).await.unwrap();
    assert_eq!(next(&mut echo).await, Message::text("ready?"));
    server.wait_for_metric("duplex_relay_members", 2.0).await;

    server.terminate();
    for (name, client) in [
        ("/", &mut conversation),
        ("/echo", &mut echo),
        ("/relay a", &mut relay_a),
        ("/relay b", &mut relay_b),
    ] {
        let close = next(client).await;
        assert_eq!(close_code(&close), 1001, "{name}: {close:?}");
        // Reading on answers the close frame; then the server ends the connection.
        read_to_end(client).await;
    }
    let status = tokio::task::spawn_blocking(move || server.wait_exit())
        .await
        .unwrap();
    assert!(status.success(), "exit status {status:?}");
}

#[tokio::test]
async fn sigterm_with_no_connections_exits_0() {
    let mut server = Server::start("page");
    server.terminate();
    let status = tokio::task::spawn_blocking(move || {
        let status = server.wait_exit();
        (status, server.log())
    })
    .await
    .unwrap();
    assert!(status.0.success(), "{:?}\n{}", status.0, status.1);
    assert!(status.1.contains("SIGTERM"), "{}", status.1);
}

#[tokio::test]
async fn a_peer_whose_replies_wait_for_room_still_gets_1001() {
    use futures_util::StreamExt;
    // A 64 KiB budget, a long grace: the echo waits for room (the peer reads nothing) when
    // SIGTERM comes.
    let mut server = Server::start_with(
        "page",
        &["--send-buffer", "65536", "--slow-reader-grace", "60s"],
    );
    let client = connect(&server.ws_url("/echo")).await;
    let (mut sink, mut stream) = client.split();
    let pushing = tokio::spawn(async move {
        let message = Message::binary(vec![1u8; 64 * 1024]);
        for _ in 0..256 {
            if sink.send(message.clone()).await.is_err() {
                break;
            }
        }
        sink
    });
    // Long enough for the echo to fill every buffer and wait in its send.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    server.terminate();
    let ending = read_to_end(&mut stream).await;
    let close = ending
        .close
        .expect("a close frame, not a dropped connection");
    assert_eq!(u16::from(close.code), 1001, "{close:?}");
    assert!(server.wait_exit().success());
    pushing.abort();
}
