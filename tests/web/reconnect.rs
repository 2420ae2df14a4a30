//! Reconnect, heartbeat and connect timeout against the server's test hooks.

use duplex_ws::{DuplexSocket, ReadyState, ReconnectPolicy};
use wasm_bindgen_test::wasm_bindgen_test;

use crate::support::{beat, hooks, next, sleep, text, watch, watch_url, within};

fn quick(max_retries: u32) -> ReconnectPolicy {
    ReconnectPolicy {
        // These tests are about reconnecting: the backoff resets at every open.
        min_uptime_ms: 0,
        min_delay_ms: 20,
        max_delay_ms: 200,
        max_retries,
        ..Default::default()
    }
}

#[wasm_bindgen_test]
async fn a_dropped_connection_reconnects_and_delivers_the_queue_once_in_order() {
    let mut w = watch(DuplexSocket::builder(&hooks()).reconnect(quick(u32::MAX)));
    w.socket.send_text("before").unwrap();
    assert_eq!(next(&mut w.messages, "echo").await, text("before"));
    w.socket.send_text("hook:drop").unwrap();
    let error = next(&mut w.errors, "the loss").await;
    assert_eq!(error.code(), "CONNECTION_LOST");
    let (attempt, delay_ms) = next(&mut w.reconnects, "reconnecting").await;
    assert_eq!(attempt, 1);
    assert!(delay_ms <= 200, "{delay_ms}");
    assert_eq!(w.socket.ready_state(), ReadyState::Connecting);
    let queued: Vec<String> = (0..10).map(|i| format!("queued {i}")).collect();
    for message in &queued {
        w.socket.send_text(message).unwrap();
    }
    assert_eq!(
        w.socket.queued_amount(),
        queued.iter().map(String::len).sum::<usize>()
    );
    next(&mut w.opens, "the reconnect").await;
    for message in &queued {
        assert_eq!(next(&mut w.messages, message).await, text(message));
    }
    w.socket.send_text("after").unwrap();
    assert_eq!(
        next(&mut w.messages, "after").await,
        text("after"),
        "nothing came twice"
    );
    assert!(w.no_error());
}

#[wasm_bindgen_test]
async fn a_final_code_from_the_server_does_not_reconnect() {
    let policy = ReconnectPolicy {
        final_codes: vec![4000],
        ..quick(u32::MAX)
    };
    let mut w = watch(DuplexSocket::builder(&hooks()).reconnect(policy));
    w.socket.send_text("hook:close 4000 go away").unwrap();
    let close = next(&mut w.closes, "the close").await;
    assert_eq!(
        (close.code, close.reason.as_str(), close.was_clean),
        (4000, "go away", true)
    );
    sleep(300).await;
    assert!(
        w.reconnects.try_recv().is_err(),
        "no reconnect after a final code"
    );
    assert_eq!(w.socket.ready_state(), ReadyState::Closed);
    assert_eq!(w.socket.send_text("late").unwrap_err().code(), "CLOSED");
    // A code that is not final does reconnect.
    let mut w = watch(DuplexSocket::builder(&hooks()).reconnect(quick(u32::MAX)));
    w.socket.send_text("hook:close 4001 again").unwrap();
    next(&mut w.reconnects, "reconnecting after 4001").await;
    next(&mut w.opens, "first open").await;
    next(&mut w.opens, "the reopen").await;
}

#[wasm_bindgen_test]
async fn the_users_close_1000_does_not_reconnect() {
    let mut w = watch(DuplexSocket::builder(&hooks()).reconnect(quick(u32::MAX)));
    within(Box::pin(w.socket.opened()), "opened").await.unwrap();
    w.socket.close().unwrap();
    let close = next(&mut w.closes, "the close").await;
    assert_eq!((close.code, close.was_clean), (1000, true));
    sleep(300).await;
    assert!(w.reconnects.try_recv().is_err());
    assert_eq!(w.socket.ready_state(), ReadyState::Closed);
}

/// Makes the next `count` handshakes to `url` fail (HTTP 503), through another connection.
async fn refuse_next(url: &str, count: u32) {
    let mut control = watch_url(url);
    control
        .socket
        .send_text(&format!("hook:refuse {count}"))
        .unwrap();
    control.socket.send_text("done").unwrap();
    // The echo comes after the hook was carried out.
    assert_eq!(
        next(&mut control.messages, "the control echo").await,
        text("done")
    );
    control.socket.close().unwrap();
    next(&mut control.closes, "the control close").await;
}

#[wasm_bindgen_test]
async fn refused_handshakes_are_retried_with_backoff_until_one_opens() {
    let url = hooks();
    refuse_next(&url, 2).await;
    let mut w = watch(DuplexSocket::builder(&url).reconnect(quick(5)));
    w.socket.send_text("waited through two refusals").unwrap();
    for attempt in 1..=2 {
        assert_eq!(
            next(&mut w.errors, "a refusal").await.code(),
            "CONNECTION_FAILED"
        );
        assert_eq!(next(&mut w.reconnects, "reconnecting").await.0, attempt);
    }
    within(Box::pin(w.socket.opened()), "opened").await.unwrap();
    assert_eq!(
        next(&mut w.messages, "the echo").await,
        text("waited through two refusals")
    );
}

#[wasm_bindgen_test]
async fn max_retries_ends_the_socket_and_counts_what_was_not_sent() {
    let url = hooks();
    refuse_next(&url, 10).await;
    let mut w = watch(DuplexSocket::builder(&url).reconnect(quick(2)));
    w.socket.send_text("never sent").unwrap();
    let opened = within(Box::pin(w.socket.opened()), "opened").await;
    let error = opened.unwrap_err();
    assert_eq!(error.code(), "CONNECTION_FAILED");
    assert!(
        error.to_string().contains("1 queued message was not sent"),
        "{error}"
    );
    assert_eq!(next(&mut w.reconnects, "attempt 1").await.0, 1);
    assert_eq!(next(&mut w.reconnects, "attempt 2").await.0, 2);
    assert!(w.reconnects.try_recv().is_err(), "no third attempt");
    assert_eq!(next(&mut w.closes, "the close").await.code, 1006);
}

#[wasm_bindgen_test]
async fn a_silent_server_is_detected_by_the_heartbeat_then_reconnected() {
    let heartbeat = beat(100, 400);
    let mut w = watch(
        DuplexSocket::builder(&hooks())
            .heartbeat(heartbeat)
            .reconnect(quick(u32::MAX)),
    );
    // The echo endpoint sends each heartbeat back: proof that they go out.
    assert_eq!(next(&mut w.messages, "a heartbeat echo").await, text("hb"));
    w.socket.send_text("hook:silence 5000").unwrap();
    let error = next(&mut w.errors, "the heartbeat timeout").await;
    assert_eq!(error.code(), "HEARTBEAT_TIMEOUT");
    assert!(error.to_string().contains("400"), "{error}");
    next(&mut w.reconnects, "reconnecting").await;
    next(&mut w.opens, "first open").await;
    next(&mut w.opens, "the reopen").await;
    w.socket.send_text("alive again").unwrap();
    loop {
        let message = next(&mut w.messages, "the echo after the reconnect").await;
        if message == text("alive again") {
            break;
        }
    }
}

#[wasm_bindgen_test]
async fn an_answering_server_outlives_many_heartbeat_timeouts() {
    // Each heartbeat's echo is a sign of life the engine must be told of: three timeouts
    // long, the connection stays open, with no error and no reconnect.
    let heartbeat = beat(100, 300);
    let mut w = watch(DuplexSocket::builder(&hooks()).heartbeat(heartbeat));
    next(&mut w.opens, "the open").await;
    sleep(1_000).await;
    assert!(
        w.errors.try_recv().is_err(),
        "no error while the server answers"
    );
    assert_eq!(w.socket.ready_state(), ReadyState::Open);
}

#[wasm_bindgen_test]
async fn a_handshake_slower_than_connect_timeout_is_connect_timeout() {
    let url = format!("{}&stall=3000", hooks());
    let mut w = watch(DuplexSocket::builder(&url).connect_timeout_ms(200));
    let error = within(Box::pin(w.socket.opened()), "opened")
        .await
        .unwrap_err();
    assert_eq!(error.code(), "CONNECT_TIMEOUT");
    assert!(
        error.to_string().contains("connect_timeout_ms 200"),
        "{error}"
    );
    assert_eq!(
        next(&mut w.errors, "the error event").await.code(),
        "CONNECT_TIMEOUT"
    );
    let close = next(&mut w.closes, "the close").await;
    assert_eq!((close.code, close.was_clean), (1006, false));
}
