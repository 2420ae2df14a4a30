//! `/echo`, `/healthz` and `/metrics`, with a real WebSocket client and the real binary.

mod support;

use futures_util::SinkExt;
use support::{connect, next, read_to_end, Server};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn echo_sends_every_message_back_unchanged_without_a_greeting() {
    let server = Server::start("page");
    let mut client = connect(&server.ws_url("/echo")).await;
    let messages = vec![
        Message::text("first, and no greeting before it"),
        Message::binary(vec![0u8, 1, 2, 255]),
        Message::text(""),
        Message::binary(Vec::<u8>::new()),
        Message::text("\"ünï\" 😀"),
        Message::binary((0..=255).cycle().take(70_000).collect::<Vec<u8>>()),
    ];
    for message in &messages {
        client.send(message.clone()).await.unwrap();
    }
    for message in messages {
        assert_eq!(next(&mut client).await, message);
    }
    client.close(None).await.unwrap();
    let ending = read_to_end(&mut client).await;
    assert!(ending.messages.is_empty(), "{ending:?}");
}

#[test]
fn healthz_answers_ok() {
    let server = Server::start("page");
    assert_eq!(server.get("/healthz"), (200, "ok\n".to_owned()));
}

#[tokio::test]
async fn metrics_count_connections_messages_and_bytes_per_endpoint() {
    let server = Server::start("page");
    let mut client = connect(&server.ws_url("/echo")).await;
    client.send(Message::text("hello")).await.unwrap(); // 5 bytes
    client.send(Message::binary(vec![7u8; 10])).await.unwrap(); // 10 bytes
    next(&mut client).await;
    next(&mut client).await;
    let open = r#"duplex_connections_open{endpoint="/echo"}"#;
    assert_eq!(server.metric(open).await, 1.0);
    for (series, value) in [
        (r#"duplex_messages_received_total{endpoint="/echo"}"#, 2.0),
        (r#"duplex_messages_sent_total{endpoint="/echo"}"#, 2.0),
        (r#"duplex_bytes_received_total{endpoint="/echo"}"#, 15.0),
        (r#"duplex_bytes_sent_total{endpoint="/echo"}"#, 15.0),
        (r#"duplex_connections_total{endpoint="/echo"}"#, 1.0),
    ] {
        // The server counts a message as sent once written: that may be just after the
        // client has it.
        server.wait_for_metric(series, value).await;
    }
    let (_, body) = server.get_async("/metrics").await;
    assert!(
        body.contains("# TYPE duplex_connections_open gauge"),
        "{body}"
    );
    client
        .close(Some(CloseFrame {
            code: CloseCode::Normal,
            reason: "done".into(),
        }))
        .await
        .unwrap();
    read_to_end(&mut client).await;
    server.wait_for_metric(open, 0.0).await;
    server
        .wait_for_metric(r#"duplex_closes_total{code="1000",endpoint="/echo"}"#, 1.0)
        .await;
}

/// The answer to a permessage-deflate offer from a server started with `args`, if any.
async fn deflate_answer(args: &[&str]) -> Option<String> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let server = Server::start_with("page", args);
    let mut request = server.ws_url("/echo").into_client_request().unwrap();
    request.headers_mut().insert(
        "Sec-WebSocket-Extensions",
        "x-webkit-deflate-frame, permessage-deflate; client_max_window_bits"
            .parse()
            .unwrap(),
    );
    let (_client, response) = tokio_tungstenite::connect_async(request).await.unwrap();
    let answer = response.headers().get("Sec-WebSocket-Extensions")?;
    Some(answer.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn permessage_deflate_is_negotiated_without_context_takeover_unless_turned_off() {
    // The first permessage-deflate offer of the list is taken, whatever comes before it.
    let answer = deflate_answer(&[])
        .await
        .expect("permessage-deflate accepted");
    assert!(answer.starts_with("permessage-deflate"), "{answer}");
    // No state kept between messages, in either direction: idle peers hold none.
    assert!(answer.contains("server_no_context_takeover"), "{answer}");
    assert!(answer.contains("client_no_context_takeover"), "{answer}");
    assert_eq!(deflate_answer(&["--no-deflate"]).await, None);
}

#[test]
fn a_plain_get_of_echo_is_refused_with_a_reason() {
    let server = Server::start("page");
    let (status, body) = server.get("/echo");
    assert_eq!(status, 400);
    assert!(body.contains("upgrade"), "{body}");
}
