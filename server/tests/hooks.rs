//! `/hooks` (--test-hooks): each hook with a real client, and 404 without the flag.

mod support;

use std::time::{Duration, Instant};

use futures_util::SinkExt;
use support::{close_code, connect, next, read_to_end, refusal, Client, Server, SAFETY};
use tokio_tungstenite::tungstenite::Message;

fn hooks_server() -> Server {
    Server::start_with("page", &["--test-hooks"])
}

/// Sends `text` and waits for its echo: everything sent before it has been handled.
async fn round_trip(client: &mut Client, text: &str) {
    client.send(Message::text(text)).await.unwrap();
    assert_eq!(next(client).await, Message::text(text));
}

#[tokio::test]
async fn without_the_flag_hooks_is_404_and_does_not_upgrade() {
    let server = Server::start("page");
    assert_eq!(refusal(&server.ws_url("/hooks")).await, 404);
    assert_eq!(server.get_async("/hooks").await.0, 404);
}

#[tokio::test]
async fn hooks_echoes_text_and_binary_like_echo() {
    let server = hooks_server();
    let mut client = connect(&server.ws_url("/hooks")).await;
    client.send(Message::text("hook")).await.unwrap();
    client
        .send(Message::text("not hook: a command"))
        .await
        .unwrap();
    client
        .send(Message::binary(b"hook:drop".to_vec()))
        .await
        .unwrap();
    assert_eq!(next(&mut client).await, Message::text("hook"));
    assert_eq!(
        next(&mut client).await,
        Message::text("not hook: a command")
    );
    // Only text messages are commands.
    assert_eq!(
        next(&mut client).await,
        Message::binary(b"hook:drop".to_vec())
    );
}

#[tokio::test]
async fn hook_close_sends_that_code_and_reason_and_completes_the_handshake() {
    let server = hooks_server();
    let mut client = connect(&server.ws_url("/hooks")).await;
    client.send(Message::text("before")).await.unwrap();
    client
        .send(Message::text("hook:close 4001 bye for now"))
        .await
        .unwrap();
    assert_eq!(next(&mut client).await, Message::text("before"));
    match next(&mut client).await {
        Message::Close(Some(frame)) => {
            assert_eq!(u16::from(frame.code), 4001);
            assert_eq!(frame.reason.as_str(), "bye for now");
        }
        other => panic!("expected a close frame, got {other:?}"),
    }
    read_to_end(&mut client).await;
    server
        .wait_for_metric(r#"duplex_closes_total{code="4xxx",endpoint="/hooks"}"#, 1.0)
        .await;
    assert!(server.log().contains("answered=true"), "{}", server.log());

    let mut client = connect(&server.ws_url("/hooks")).await;
    client.send(Message::text("hook:close 1011")).await.unwrap();
    match next(&mut client).await {
        Message::Close(Some(frame)) => {
            assert_eq!(u16::from(frame.code), 1011);
            assert_eq!(frame.reason.as_str(), "");
        }
        other => panic!("expected a close frame, got {other:?}"),
    }
}

#[tokio::test]
async fn hook_drop_ends_the_connection_without_a_close_frame() {
    let server = hooks_server();
    let mut client = connect(&server.ws_url("/hooks")).await;
    round_trip(&mut client, "ready").await;
    client.send(Message::text("hook:drop")).await.unwrap();
    let ending = read_to_end(&mut client).await;
    assert!(ending.close.is_none(), "{ending:?}");
    assert!(ending.messages.is_empty(), "{ending:?}");
    server
        .wait_for_metric(r#"duplex_closes_total{code="none",endpoint="/hooks"}"#, 1.0)
        .await;
}

/// A panic in one connection's task (`hook:panic`, as a bug would) ends that connection only:
/// the others go on, and it is counted as closed (`duplex_connections_open` back to 0).
#[tokio::test]
async fn a_panicking_connection_ends_alone_and_is_counted_as_closed() {
    let server = hooks_server();
    let mut bystander = connect(&server.ws_url("/hooks")).await;
    let mut client = connect(&server.ws_url("/hooks")).await;
    round_trip(&mut client, "ready").await;
    client.send(Message::text("hook:panic")).await.unwrap();
    let ending = read_to_end(&mut client).await;
    assert!(ending.close.is_none(), "{ending:?}");
    server
        .wait_for_metric(r#"duplex_closes_total{code="none",endpoint="/hooks"}"#, 1.0)
        .await;
    server
        .wait_for_metric(r#"duplex_connections_open{endpoint="/hooks"}"#, 1.0)
        .await;
    round_trip(&mut bystander, "still here").await;
    let mut newcomer = connect(&server.ws_url("/hooks")).await;
    round_trip(&mut newcomer, "and here").await;
}

#[tokio::test]
async fn hook_silence_holds_everything_then_goes_on_in_order() {
    let server = hooks_server();
    let mut client = connect(&server.ws_url("/hooks")).await;
    round_trip(&mut client, "ready").await;
    let silence = Duration::from_millis(700);
    let start = Instant::now();
    client
        .send(Message::text("hook:silence 700"))
        .await
        .unwrap();
    client
        .send(Message::Ping(b"are you there".to_vec().into()))
        .await
        .unwrap();
    client.send(Message::text("one")).await.unwrap();
    client.send(Message::binary(vec![2u8])).await.unwrap();
    // Nothing comes back during the silence, not even the pong; then all of it, in order.
    let mut first = None;
    let mut received = Vec::new();
    while received.len() < 3 {
        let item = tokio::time::timeout(SAFETY, futures_util::StreamExt::next(&mut client))
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        first.get_or_insert_with(|| start.elapsed());
        received.push(item);
    }
    // A lower bound only: a slow machine makes it longer, never shorter.
    assert!(
        first.unwrap() >= silence,
        "an answer after {:?}",
        first.unwrap()
    );
    assert_eq!(
        received,
        vec![
            Message::Pong(b"are you there".to_vec().into()),
            Message::text("one"),
            Message::binary(vec![2u8]),
        ]
    );
    round_trip(&mut client, "after").await;
}

#[tokio::test]
async fn hook_refuse_refuses_the_next_handshakes_with_the_same_key() {
    let server = hooks_server();
    let mut client = connect(&server.ws_url("/hooks?key=abc")).await;
    client.send(Message::text("hook:refuse 2")).await.unwrap();
    round_trip(&mut client, "done").await;
    // Another key, and no key, are not affected.
    connect(&server.ws_url("/hooks?key=other")).await;
    connect(&server.ws_url("/hooks")).await;
    assert_eq!(refusal(&server.ws_url("/hooks?key=abc")).await, 503);
    assert_eq!(refusal(&server.ws_url("/hooks?key=abc")).await, 503);
    connect(&server.ws_url("/hooks?key=abc")).await;

    // No key is the key "".
    let mut keyless = connect(&server.ws_url("/hooks")).await;
    keyless.send(Message::text("hook:refuse 1")).await.unwrap();
    round_trip(&mut keyless, "done").await;
    assert_eq!(refusal(&server.ws_url("/hooks?key=")).await, 503);
    connect(&server.ws_url("/hooks")).await;
}

#[tokio::test]
async fn stall_holds_the_handshake_for_that_long() {
    let server = hooks_server();
    let url = server.ws_url("/hooks?stall=5000");
    // A client with a 500 ms connect timeout gives up; the handshake is still held.
    let attempt = tokio::time::timeout(
        Duration::from_millis(500),
        tokio_tungstenite::connect_async(&url),
    )
    .await;
    assert!(attempt.is_err(), "the handshake was answered at once");
    // A patient client gets through, no sooner than the stall.
    let start = Instant::now();
    let mut client = connect(&server.ws_url("/hooks?stall=300")).await;
    assert!(start.elapsed() >= Duration::from_millis(300));
    round_trip(&mut client, "through").await;
    assert_eq!(refusal(&server.ws_url("/hooks?stall=soon")).await, 400);
}

#[tokio::test]
async fn a_malformed_hook_command_gets_a_hook_error_naming_the_value_and_changes_nothing() {
    let server = hooks_server();
    let mut client = connect(&server.ws_url("/hooks")).await;
    for (command, named) in [
        ("hook:nap 5", "\"nap\""),
        ("hook:silence soon", "\"soon\""),
        ("hook:refuse -3", "\"-3\""),
        ("hook:close abc bye", "\"abc\""),
        ("hook:close 1006 bye", "1006"),
        ("hook:", "\"\""),
    ] {
        client.send(Message::text(command)).await.unwrap();
        let reply = next(&mut client).await;
        let reply = reply.to_text().unwrap().to_owned();
        assert!(reply.starts_with("hook-error: "), "{command}: {reply}");
        assert!(reply.contains(named), "{command}: {reply}");
    }
    round_trip(&mut client, "still echoing").await;
    let close = {
        client
            .send(Message::text("hook:close 3000 ok"))
            .await
            .unwrap();
        next(&mut client).await
    };
    assert_eq!(close_code(&close), 3000);
}

#[tokio::test]
async fn the_conversation_obeys_hooks_only_with_the_flag() {
    // With --test-hooks (as `npm start` runs it, for the demo page's drop button).
    let server = hooks_server();
    let mut client = connect(&server.ws_url("/")).await;
    assert_eq!(next(&mut client).await, Message::text("Hello webSocket"));
    client.send(Message::text("hook:nap 5")).await.unwrap();
    let Message::Text(error) = next(&mut client).await else {
        panic!("expected a hook-error")
    };
    assert!(
        error.starts_with("hook-error: ") && error.contains("\"nap\""),
        "{error}"
    );
    client.send(Message::text("hook:drop")).await.unwrap();
    let ending = read_to_end(&mut client).await;
    assert!(
        ending.close.is_none() && ending.messages.is_empty(),
        "{ending:?}"
    );

    // Without the flag a hook is just a message like any other.
    let server = Server::start("page");
    let mut client = connect(&server.ws_url("/")).await;
    next(&mut client).await;
    client.send(Message::text("hook:drop")).await.unwrap();
    assert_eq!(
        next(&mut client).await,
        Message::text("I heard you say \"hook:drop\"")
    );
}

#[tokio::test]
async fn hooks_chooses_the_first_subprotocol_offered() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let server = hooks_server();
    let mut request = server.ws_url("/hooks").into_client_request().unwrap();
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "v2.duplex, v1.duplex".parse().unwrap(),
    );
    let (_client, response) = tokio_tungstenite::connect_async(request).await.unwrap();
    assert_eq!(
        response.headers().get("Sec-WebSocket-Protocol").unwrap(),
        "v2.duplex"
    );
}
