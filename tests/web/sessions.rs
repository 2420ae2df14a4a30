//! Sessions (`duplex.v1`) against the real duplex-server: nothing lost or repeated across
//! dropped connections, in either direction, on one instance and across two on Redis; the
//! in-band heartbeat; plain mode when the server does not select the protocol.

use std::cell::Cell;
use std::rc::Rc;

use duplex_ws::{
    DuplexSocket, HeartbeatPolicy, Message, QueueLimits, ReconnectPolicy, ResumeInfo, SessionPolicy,
};
use futures::channel::mpsc::{unbounded, UnboundedReceiver};
use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::platform::run;

use crate::support::{hooks, next, server, sleep, text, watch, within, Watched};

#[wasm_bindgen(module = "/tests/web/sessions.js")]
extern "C" {
    #[wasm_bindgen(js_name = sessionOnTheJsClass)]
    fn session_on_the_js_class(class: &JsValue, url: &str) -> Promise;
}

#[wasm_bindgen_test]
async fn the_js_class_has_its_session_unacked_amount_resumed_event_and_acked_send_async() {
    run(session_on_the_js_class, hooks()).await;
}

fn quick() -> ReconnectPolicy {
    ReconnectPolicy {
        min_uptime_ms: 0,
        min_delay_ms: 10,
        max_delay_ms: 50,
        ..Default::default()
    }
}

/// A session socket to `url` that reconnects at once, with room for `messages` in flight.
fn session_socket(url: &str, messages: usize) -> (Watched, UnboundedReceiver<ResumeInfo>) {
    let builder = DuplexSocket::builder(url)
        .session(SessionPolicy::default())
        .reconnect(quick())
        .queue(QueueLimits {
            max_messages: messages + 100,
            max_bytes: 64 << 20,
            ..Default::default()
        });
    let w = watch(builder);
    let (tx, resumes) = unbounded();
    w.socket
        .on_resumed(move |info| drop(tx.unbounded_send(info.clone())));
    (w, resumes)
}

/// Waits until the server granted `socket` a session (its `welcome` arrived).
async fn granted(socket: &DuplexSocket) -> String {
    for _ in 0..500 {
        if let Some(session) = socket.session() {
            return session.id;
        }
        sleep(10).await;
    }
    panic!("no session granted within 5 s");
}

/// Receives `count` messages numbered `m0..` (others, such as hook answers, are skipped)
/// and checks each arrives once, in order.
async fn numbered(messages: &mut UnboundedReceiver<Message>, count: usize, what: &str) {
    numbered_until(messages, &mut 0, count, what).await;
}

/// [`numbered`] from `*expected` (where an earlier call stopped) until `upto`.
async fn numbered_until(
    messages: &mut UnboundedReceiver<Message>,
    expected: &mut usize,
    upto: usize,
    what: &str,
) {
    while *expected < upto {
        match next(messages, &format!("{what} (m{expected} of {upto})")).await {
            Message::Text(t) if t.starts_with('m') => {
                assert_eq!(
                    t,
                    format!("m{expected}"),
                    "{what}: message {expected} out of order or repeated"
                );
                *expected += 1;
            }
            _ => {}
        }
    }
}

/// Peer `a` sends `RELAYED` numbered messages to the room; `b`'s connection goes (its
/// `reconnect()`, with messages on their way to it) after each number in `drops`, one drop
/// at a time. `b` receives them all, once, in order, and every resume recovered.
async fn relay_with_drops(
    a: &Watched,
    b: &mut Watched,
    resumes: &mut UnboundedReceiver<ResumeInfo>,
    drops: &[usize],
    who: &str,
) {
    for i in 0..RELAYED {
        a.socket.send_text(&format!("m{i}")).unwrap();
        if let Some(nth) = drops.iter().position(|&at| at == i) {
            if nth > 0 {
                let info = next(resumes, "the resume after the drop before").await;
                assert!(info.recovered, "{info:?}");
            }
            sleep(5).await;
            b.socket.reconnect().unwrap();
        }
        if i % 250 == 0 {
            sleep(0).await;
        }
    }
    numbered(
        &mut b.messages,
        RELAYED,
        &format!("the room's messages at {who}"),
    )
    .await;
    let info = next(resumes, "the last resume").await;
    assert!(info.recovered, "{info:?}");
}

/// How many messages the relay tests send.
const RELAYED: usize = 5_000;

fn room(name: &str) -> String {
    format!("/relay/{name}-{}", (js_sys::Math::random() * 1e9) as u64)
}

#[wasm_bindgen_test]
async fn twenty_thousand_echoes_arrive_once_in_order_across_dropped_connections() {
    const COUNT: usize = 20_000;
    const IN_FLIGHT: usize = 3_000;
    let (mut w, mut resumes) = session_socket(&hooks(), COUNT);
    let mut echoed = 0;
    granted(&w.socket).await;
    // Drops at random points: the server cuts the TCP connection when it reads `hook:drop`.
    let mut drops: Vec<usize> = (0..4)
        .map(|_| 1 + (js_sys::Math::random() * (COUNT - 2) as f64) as usize)
        .collect();
    drops.sort_unstable();
    drops.dedup();
    let mut resumed = 0;
    for i in 0..COUNT {
        if drops.contains(&i) {
            // One drop at a time: a `hook:drop` resent right after a resume's grant would cut
            // that connection before the client read the grant (the reset discards it), and
            // the client, rightly, would resume again without a `resumed` event for the lost one.
            if i != drops[0] {
                let info = next(&mut resumes, "a resume after each drop").await;
                assert!(info.recovered, "the live server kept the session: {info:?}");
                resumed += 1;
            }
            w.socket.send_text("hook:drop").unwrap();
        }
        w.socket.send_text(&format!("m{i}")).unwrap();
        if i % 500 == 0 {
            // Let echoes stream back while sending goes on, at most IN_FLIGHT unread: the
            // server keeps what the client has not acknowledged within its replay bounds
            // (1 MiB by default, each message counting 112 bytes besides its payload: about
            // 8,900 of these), and a drop with more than that on the way is, rightly, a
            // session lost (seen once in `npm test`, 9,600 unread at a drop).
            sleep(0).await;
            numbered_until(
                &mut w.messages,
                &mut echoed,
                i.saturating_sub(IN_FLIGHT),
                "the echoes",
            )
            .await;
        }
    }
    numbered_until(&mut w.messages, &mut echoed, COUNT, "the echoes").await;
    for _ in resumed..drops.len() {
        let info = next(&mut resumes, "a resume after each drop").await;
        assert!(info.recovered, "the live server kept the session: {info:?}");
    }
    let done = within(Box::pin(w.socket.send_async(text("last"))), "the last ack").await;
    done.unwrap();
    assert_eq!(w.socket.unacked_amount(), 0, "everything acknowledged");
    assert!(w
        .socket
        .session()
        .is_some_and(|s| s.resumes as usize >= drops.len()));
}

#[wasm_bindgen_test]
async fn a_relay_peer_dropped_mid_stream_gets_all_5000_once_in_order() {
    let path = room("resume");
    let (mut b, mut resumes) = session_socket(&server(&path), RELAYED);
    let (a, _) = session_socket(&server(&path), RELAYED);
    granted(&b.socket).await;
    granted(&a.socket).await;
    relay_with_drops(
        &a,
        &mut b,
        &mut resumes,
        &[1_000, 3_000],
        "the dropped peer",
    )
    .await;
    let error = b.errors.try_recv().ok();
    assert_eq!(error, None, "nothing reported lost");
}

#[wasm_bindgen_test]
async fn a_relay_peer_resumes_on_the_other_instance_through_redis() {
    let (Some(first), Some(second)) = (option_env!("DUPLEX_PAIR_A"), option_env!("DUPLEX_PAIR_B"))
    else {
        panic!("DUPLEX_PAIR_A / DUPLEX_PAIR_B were not set at compile time: scripts/test.sh starts two instances on Redis for this test");
    };
    let path = room("redis");
    // B connects to the first instance, then to the second on every later attempt.
    let attempts = Rc::new(Cell::new(0));
    let (b_first, b_second) = (format!("{first}{path}"), format!("{second}{path}"));
    let counter = Rc::clone(&attempts);
    let builder = DuplexSocket::builder(&b_first)
        .url_provider(move |_| {
            // Counted here, not by the context's attempt: reconnect() of an open connection
            // is no failed attempt.
            let calls = counter.get();
            counter.set(calls + 1);
            let url = if calls == 0 {
                b_first.clone()
            } else {
                b_second.clone()
            };
            async move { Ok(url) }
        })
        .session(SessionPolicy::default())
        .reconnect(quick())
        .queue(QueueLimits {
            max_messages: RELAYED + 100,
            ..Default::default()
        });
    let mut b = watch(builder);
    let (tx, mut resumes) = unbounded();
    b.socket
        .on_resumed(move |info| drop(tx.unbounded_send(info.clone())));
    let (a, _) = session_socket(&format!("{first}{path}"), RELAYED);
    granted(&b.socket).await;
    granted(&a.socket).await;
    relay_with_drops(&a, &mut b, &mut resumes, &[2_000], "the peer that moved").await;
    assert!(
        attempts.get() >= 2,
        "B connected a second time, to the other instance"
    );
    let error = b.errors.try_recv().ok();
    assert_eq!(error, None, "nothing reported lost");
}

#[wasm_bindgen_test]
async fn the_heartbeat_of_a_session_is_answered_and_never_dispatched_nor_relayed() {
    let path = room("heartbeat");
    let heartbeat = HeartbeatPolicy {
        interval_ms: 20,
        timeout_ms: 400,
        ..Default::default()
    };
    let beating = watch(
        DuplexSocket::builder(&server(&path))
            .session(SessionPolicy::default())
            .heartbeat(heartbeat),
    );
    let mut listener = watch(DuplexSocket::builder(&server(&path)));
    let mut beating = beating;
    granted(&beating.socket).await;
    next(&mut listener.opens, "the plain peer's open").await;
    // Many heartbeats go out meanwhile; the room hears none of them, and none comes back.
    sleep(600).await;
    beating.socket.send_text("after the heartbeats").unwrap();
    assert_eq!(
        next(&mut listener.messages, "the first message the room hears").await,
        text("after the heartbeats")
    );
    assert!(
        beating.messages.try_recv().is_err(),
        "no heartbeat answer dispatched"
    );
    assert!(
        beating.no_error(),
        "no HEARTBEAT_TIMEOUT: the server answered"
    );
}

/// A session socket to a server that does not speak `duplex.v1`: the conversation still
/// runs, in plain mode, each message once.
async fn plain_fallback(select: &str) {
    let url = format!("{}&select={select}", hooks());
    let mut w = watch(DuplexSocket::builder(&url).session(SessionPolicy::default()));
    w.socket.send_text("queued before open").unwrap();
    next(&mut w.opens, "the open").await;
    w.socket.send_text("\0plain text keeps its nul").unwrap();
    assert_eq!(
        next(&mut w.messages, "the first echo").await,
        text("queued before open")
    );
    assert_eq!(
        next(&mut w.messages, "the second echo").await,
        text("\0plain text keeps its nul")
    );
    assert_eq!(w.socket.session(), None);
    sleep(100).await;
    assert!(
        w.messages.try_recv().is_err(),
        "{select}: nothing more, nothing twice"
    );
    assert!(w.no_error(), "{select}: the fallback is not an error");
    assert!(w.opens.try_recv().is_err(), "{select}: one open");
}

#[wasm_bindgen_test]
async fn a_server_that_selects_no_protocol_gives_plain_mode() {
    // Browsers fail that handshake: the client retries at once without the offer.
    plain_fallback("none").await;
}

#[wasm_bindgen_test]
async fn a_server_that_selects_the_name_without_the_protocol_gives_plain_mode() {
    // As the Node `ws` server does: the client finds out from its first message.
    plain_fallback("first").await;
}

#[wasm_bindgen_test]
async fn text_that_starts_with_nul_crosses_a_session_unchanged_and_send_async_waits_for_the_ack() {
    let (mut w, _) = session_socket(&server("/echo"), 10);
    granted(&w.socket).await;
    w.socket.send_text("\0looks like a frame").unwrap();
    assert!(w.socket.unacked_amount() > 0, "kept until acknowledged");
    assert_eq!(
        next(&mut w.messages, "the echo").await,
        text("\0looks like a frame")
    );
    within(Box::pin(w.socket.send_async(text("acked"))), "the ack")
        .await
        .unwrap();
    assert_eq!(w.socket.unacked_amount(), 0);
}
