//! Resource release: a dropped socket still sends what it queued and closes; reconnect
//! cycles create no closures or timers; a closed socket frees them all.

use duplex_ws::{live_counts, DuplexSocket, LiveCounts, ReconnectPolicy};
use wasm_bindgen_test::wasm_bindgen_test;

use crate::support::{hooks, next, server, sleep, text, watch, watch_url};

#[wasm_bindgen_test]
async fn a_dropped_rust_socket_sends_what_it_queued_then_closes_with_1000() {
    // Let sockets of earlier tests finish closing; they can only lower the counts.
    sleep(300).await;
    let before = live_counts();
    // A peer in a room of its own hears what the dropped socket sends: the proof it went out.
    let room = server(&format!(
        "/relay/dropped-{}",
        (js_sys::Math::random() * 1e9) as u64
    ));
    let mut listener = watch_url(&room);
    next(&mut listener.opens, "the listening peer's open").await;
    let w = watch_url(&room);
    let (socket, mut closes, mut errors) = (w.socket, w.closes, w.errors);
    socket.send_text("sent by a dropped socket").unwrap();
    drop(socket);
    // The handlers live on with the socket until it has closed.
    assert_eq!(
        next(&mut listener.messages, "the queued message, relayed").await,
        text("sent by a dropped socket")
    );
    let close = next(&mut closes, "the close of the dropped socket").await;
    assert_eq!((close.code, close.was_clean), (1000, true));
    assert!(errors.try_recv().is_err(), "nothing was lost");
    // Closed and no handle left: every closure, timer and the socket state are freed.
    listener.socket.close().unwrap();
    next(&mut listener.closes, "the listening peer's close").await;
    drop(listener);
    at_most(live_counts(), before, "after the dropped socket closed");
}

fn at_most(now: LiveCounts, limit: LiveCounts, when: &str) {
    assert!(
        now.listeners <= limit.listeners
            && now.timers <= limit.timers
            && now.sockets <= limit.sockets,
        "{when}: {now:?} grew past {limit:?}"
    );
}

#[wasm_bindgen_test]
async fn two_hundred_reconnect_cycles_leave_closures_and_timers_flat() {
    // Let sockets of earlier tests finish closing; they can only lower the counts.
    sleep(300).await;
    let before = live_counts();
    let policy = ReconnectPolicy {
        // These tests are about reconnecting: the backoff resets at every open.
        min_uptime_ms: 0,
        min_delay_ms: 0,
        max_delay_ms: 0,
        ..Default::default()
    };
    let mut w = watch(DuplexSocket::builder(&hooks()).reconnect(policy));
    next(&mut w.opens, "the first open").await;
    let open = live_counts();
    assert_eq!(
        open.listeners,
        before.listeners + 4,
        "one set of listeners per socket: open, message, close, and one for the page's lifecycle"
    );
    assert_eq!(open.sockets, before.sockets + 1);
    for cycle in 1..=200 {
        w.socket.send_text("hook:drop").unwrap();
        let error = next(&mut w.errors, "the lost connection").await;
        assert_eq!(error.code(), "CONNECTION_LOST", "cycle {cycle}");
        let (attempt, _) = next(&mut w.reconnects, "the reconnecting event").await;
        assert_eq!(
            attempt, 1,
            "cycle {cycle}: the attempts start over after each open"
        );
        next(&mut w.opens, "the reopen").await;
        if cycle % 50 == 0 {
            at_most(live_counts(), open, &format!("after {cycle} cycles"));
        }
    }
    let counts = live_counts();
    assert!(counts.timers <= open.timers, "{counts:?}");
    w.socket.close().unwrap();
    next(&mut w.closes, "the final close").await;
    at_most(
        live_counts(),
        LiveCounts {
            sockets: before.sockets + 1,
            ..before
        },
        "closed",
    );
    drop(w);
    at_most(live_counts(), before, "closed and dropped");
}
