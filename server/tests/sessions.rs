//! Sessions (`duplex.v1`, docs/protocol.md) against the real binary over real sockets: the
//! subprotocol is selected only when offered, nothing is lost or repeated across a cut TCP
//! connection in either direction, relay peers get what their room said while they were
//! away, heartbeats never reach an endpoint, broken frames close with 1002, and a restart
//! refuses the resume.

mod support;

use futures_util::SinkExt;
use support::session::{connect_offering, next_raw, selected_protocol, SessionPeer, SessionState};
use support::{close_code, connect, next, read_to_end, Server};
use tokio_tungstenite::tungstenite::Message;

fn text(message: &Message) -> String {
    message.to_text().expect("a text message").to_owned()
}

#[tokio::test]
async fn duplex_v1_is_selected_only_when_offered_and_plain_clients_see_no_change() {
    let server = Server::start_with("page", &["--test-hooks"]);
    let address = &server.address;
    for path in ["/", "/echo", "/relay/red", "/hooks"] {
        let selected = selected_protocol(address, path, "chat, duplex.v1");
        assert_eq!(selected, (101, Some("duplex.v1".to_owned())), "{path}");
        // Other protocols: as before (none selected; /hooks takes the first offered).
        let expected = (path == "/hooks").then(|| "chat".to_owned());
        assert_eq!(
            selected_protocol(address, path, "chat, other"),
            (101, expected)
        );
    }
    // A plain client: the greeting, the reply, and a text that looks like a control frame
    // comes back as it went.
    let mut plain = connect(&server.ws_url("/")).await;
    assert_eq!(text(&next(&mut plain).await), "Hello webSocket");
    plain.send(Message::text("\0ping")).await.unwrap();
    assert_eq!(text(&next(&mut plain).await), "I heard you say \"\0ping\"");
}

#[tokio::test]
async fn the_conversation_greets_a_new_session_only_and_pings_get_pongs_not_replies() {
    let server = Server::start("page");
    let url = server.ws_url("/");
    let mut peer = SessionPeer::open(&url, SessionState::default()).await;
    assert!(!peer.welcome.resumed);
    assert_eq!(peer.welcome.session.len(), 32);
    assert_eq!(text(&peer.recv().await), "Hello webSocket");
    peer.send_raw(Message::text("\0ping")).await;
    peer.send(Message::text("\0odd")).await; // escaped on the wire, unescaped at the endpoint
    assert_eq!(text(&peer.recv().await), "I heard you say \"\0odd\"");
    assert_eq!(peer.pongs, 1, "the pong came before the reply");
    let state = peer.cut();
    let mut peer = SessionPeer::open(&url, state).await;
    assert!(peer.welcome.resumed);
    assert_eq!(peer.welcome.received, 1);
    peer.send(Message::text("again")).await;
    // No second greeting: the conversation goes on.
    assert_eq!(text(&peer.recv().await), "I heard you say \"again\"");
}

/// Sends `count` numbered messages to /echo in a session, cutting the TCP connection after
/// each of `cuts` (counted in messages sent) and resuming; returns the echoes received.
async fn echo_with_cuts(url: &str, count: u64, cuts: &[u64]) -> Vec<String> {
    let mut peer = SessionPeer::open(url, SessionState::default()).await;
    let mut echoes = Vec::new();
    let mut sent = 0;
    for &cut in cuts.iter().chain([&count]) {
        while sent < cut {
            peer.send(Message::text(format!("m{sent}"))).await;
            sent += 1;
        }
        // Read about half of what is in flight, so that some echoes are lost with the cut.
        let in_flight = sent - echoes.len() as u64;
        for _ in 0..in_flight / 2 {
            echoes.push(text(&peer.recv().await));
        }
        if cut == count {
            break;
        }
        let state = peer.cut();
        peer = SessionPeer::open(url, state).await;
        assert!(peer.welcome.resumed, "{:?}", peer.welcome);
        assert_eq!(
            peer.welcome.received,
            sent - peer.state.unacked.len() as u64
        );
    }
    while (echoes.len() as u64) < count {
        echoes.push(text(&peer.recv().await));
    }
    echoes
}

#[tokio::test]
async fn echo_every_message_once_in_order_across_cut_connections() {
    let server = Server::start("page");
    let count = 3000;
    let echoes = echo_with_cuts(&server.ws_url("/echo"), count, &[700, 1500, 2200]).await;
    let expected: Vec<String> = (0..count).map(|n| format!("m{n}")).collect();
    assert_eq!(echoes, expected);
}

#[tokio::test]
async fn a_hook_drop_in_a_session_drops_the_connection_and_keeps_the_session() {
    let server = Server::start_with("page", &["--test-hooks"]);
    let url = server.ws_url("/hooks");
    let mut peer = SessionPeer::open(&url, SessionState::default()).await;
    peer.send(Message::text("one")).await;
    assert_eq!(text(&peer.recv().await), "one");
    peer.send(Message::text("hook:drop")).await;
    peer.send(Message::text("two")).await;
    // The server drops the TCP connection: no close frame.
    let ending = read_to_end(&mut peer.ws).await;
    assert!(ending.close.is_none(), "{ending:?}");
    let state = peer.state.clone();
    drop(peer);
    let mut peer = SessionPeer::open(&url, state).await;
    assert!(peer.welcome.resumed);
    // `hook:drop` was received (not carried out twice); "two" was not, and is resent.
    assert_eq!(peer.welcome.received, 2);
    assert_eq!(text(&peer.recv().await), "two");
}

#[tokio::test]
async fn a_relay_peer_cut_off_while_5000_messages_go_by_gets_them_all_once_in_order() {
    let server = Server::start_with("page", &["--session-replay-messages", "8192"]);
    let url = server.ws_url("/relay/lobby");
    let mut b = SessionPeer::open(&url, SessionState::default()).await;
    let mut a = SessionPeer::open(&url, SessionState::default()).await;
    a.send(Message::text("hi")).await;
    assert_eq!(text(&b.recv().await), "hi");
    let b_state = b.cut();
    for n in 0..5000 {
        a.send(Message::text(format!("r{n}"))).await;
    }
    // A heartbeat is answered and never relayed.
    a.send_raw(Message::text("\0ping")).await;
    let mut b = SessionPeer::open(&url, b_state).await;
    assert!(b.welcome.resumed);
    // What the server had relayed to B by now is replayed; the rest follows live.
    assert!(b.welcome.replaying <= 5000, "{:?}", b.welcome);
    for n in 0..5000 {
        assert_eq!(text(&b.recv().await), format!("r{n}"));
    }
    b.send(Message::text("back")).await;
    assert_eq!(
        text(&a.recv().await),
        "back",
        "no ping was relayed before it"
    );
}

#[tokio::test]
async fn a_restart_refuses_the_resume_with_a_new_session() {
    let server = Server::start("page");
    let mut peer = SessionPeer::open(&server.ws_url("/echo"), SessionState::default()).await;
    peer.send(Message::text("a")).await;
    assert_eq!(text(&peer.recv().await), "a");
    peer.recv_control().await; // the ack of "a"
    assert!(peer.state.unacked.is_empty());
    let old = peer.welcome.session.clone();
    let mut state = peer.cut();
    drop(server);
    let server = Server::start("page");
    // One message was never acknowledged: the client resends it, numbered 1.
    state.unacked.push_back(Message::text("b"));
    state.sent += 1;
    let mut peer = SessionPeer::open(&server.ws_url("/echo"), state).await;
    assert!(!peer.welcome.resumed);
    assert_ne!(peer.welcome.session, old);
    assert_eq!((peer.welcome.received, peer.welcome.replaying), (1, 0));
    assert_eq!(text(&peer.recv().await), "b");
}

#[tokio::test]
async fn a_resume_past_the_replay_bound_or_the_ttl_is_refused() {
    let server = Server::start_with(
        "page",
        &["--session-replay-messages", "10", "--session-ttl", "300ms"],
    );
    let url = server.ws_url("/echo");
    let mut peer = SessionPeer::open(&url, SessionState::default()).await;
    for n in 0..20 {
        peer.send(Message::text(format!("m{n}"))).await;
    }
    assert_eq!(text(&peer.recv().await), "m0");
    // Every echo went out (so the server's buffer is past its bound), but the client is to
    // have read only the first: the rest were lost in flight with the connection.
    for n in 1..20 {
        assert_eq!(text(&peer.recv().await), format!("m{n}"));
    }
    let mut state = peer.cut();
    state.received = 1;
    // The client has read one echo; the server holds only the last 10: refused.
    let mut peer = SessionPeer::open(&url, state).await;
    assert!(!peer.welcome.resumed);
    // The resent messages were new to the new session (it starts counting at the first of
    // them): their echoes come.
    let first = peer.welcome.received;
    assert!(first <= 1, "{:?}", peer.welcome);
    for n in first..20 {
        assert_eq!(text(&peer.recv().await), format!("m{n}"));
    }
    peer.ack().await;
    // Within the TTL a resume works; past it, it is refused.
    let state = peer.cut();
    let peer = SessionPeer::open(&url, state).await;
    assert!(peer.welcome.resumed);
    let state = peer.cut();
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let peer = SessionPeer::open(&url, state).await;
    assert!(!peer.welcome.resumed);
}

#[tokio::test]
async fn protocol_errors_close_with_1002_naming_the_frame() {
    let server = Server::start("page");
    let url = server.ws_url("/echo");
    for (first, second, named) in [
        ("hi", None, "before hello"),
        ("\0hello 1 - 0 0", Some("\0hello 1 - 0 0"), "second hello"),
        ("\0hello 1 - 0 0", Some("\0ack 5"), "ack 5"),
        ("\0hello 1 - 0 0", Some("\0ack x"), "ack"),
        ("\0hello 1 - x 0", None, "hello"),
        ("\0hello 1 - 0 0", Some("\0Bad"), "U+0000"),
        // The first message is numbered u64::MAX: none can follow it (no panic, no wrap).
        (
            "\0hello 1 - 0 18446744073709551615",
            Some("a"),
            "18446744073709551615 overflows",
        ),
    ] {
        let (mut ws, _) = connect_offering(&url, "duplex.v1").await;
        ws.send(Message::text(first)).await.unwrap();
        if let Some(second) = second {
            assert!(text(&next_raw(&mut ws).await).starts_with("\0welcome "));
            ws.send(Message::text(second)).await.unwrap();
        }
        let close = next_raw(&mut ws).await;
        assert_eq!(close_code(&close), 1002, "{first:?} {second:?}");
        let Message::Close(Some(frame)) = close else {
            unreachable!()
        };
        assert!(
            frame.reason.contains(named),
            "{first:?} {second:?}: {}",
            frame.reason
        );
    }
}

#[tokio::test]
async fn a_pipelined_burst_is_acknowledged_in_few_acks_not_one_per_message() {
    let server = Server::start("page");
    let mut peer = SessionPeer::open(&server.ws_url("/echo"), SessionState::default()).await;
    // The whole burst in one write: the server reads it in few batches.
    let burst: Vec<Message> = (0..500).map(|n| Message::text(format!("p{n}"))).collect();
    for message in &burst {
        peer.state.unacked.push_back(message.clone());
        peer.state.sent += 1;
        peer.ws.feed(message.clone()).await.unwrap();
    }
    peer.ws.flush().await.unwrap();
    for n in 0..500 {
        assert_eq!(text(&peer.recv().await), format!("p{n}"));
    }
    // Then one more message, alone: acknowledged at once.
    peer.send(Message::text("last")).await;
    assert_eq!(text(&peer.recv().await), "last");
    while !peer.state.unacked.is_empty() {
        peer.send_raw(Message::text("\0ping")).await;
        peer.recv_control().await;
    }
    assert!(peer.acks < 50, "{} acks for 501 messages", peer.acks);
}

#[tokio::test]
async fn duplex_sessions_counts_the_sessions_held_until_they_expire() {
    let server = Server::start_with("page", &["--session-ttl", "300ms"]);
    let url = server.ws_url("/echo");
    let first = SessionPeer::open(&url, SessionState::default()).await;
    let second = SessionPeer::open(&url, SessionState::default()).await;
    server.wait_for_metric("duplex_sessions", 2.0).await;
    // Cut off, each is held for the TTL, then swept (the server sweeps every second).
    drop((first.cut(), second.cut()));
    server.wait_for_metric("duplex_sessions", 0.0).await;
}

/// A hello for a new session on a fresh connection: the server's first answer.
async fn hello_answer(url: &str) -> Message {
    let (mut ws, _) = connect_offering(url, "duplex.v1").await;
    ws.send(Message::text("\0hello 1 - 0 0")).await.unwrap();
    next_raw(&mut ws).await
}

#[tokio::test]
async fn a_full_table_drops_the_session_gone_longest_and_refuses_only_when_all_are_connected() {
    let server = Server::start_with("page", &["--max-sessions", "2"]);
    let url = server.ws_url("/echo");
    // Two clients say hello and go: their sessions wait for a resume, the first one longer.
    let first = SessionPeer::open(&url, SessionState::default()).await.cut();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let second = SessionPeer::open(&url, SessionState::default()).await.cut();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    // A newcomer is not locked out for the TTL: the first session makes room.
    let newcomer = SessionPeer::open(&url, SessionState::default()).await;
    assert!(!newcomer.welcome.resumed);
    server
        .wait_for_metric("duplex_sessions_evicted_total", 1.0)
        .await;
    // The second still resumes; with both held sessions connected, a hello is refused.
    let second = SessionPeer::open(&url, second).await;
    assert!(second.welcome.resumed, "{:?}", second.welcome);
    assert_eq!(close_code(&hello_answer(&url).await), 1013);
    // The first comes back to a new session (its client reports SESSION_LOST), in the place
    // of the newcomer, which has gone meanwhile.
    drop(newcomer.cut());
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let first = SessionPeer::open(&url, first).await;
    assert!(!first.welcome.resumed, "{:?}", first.welcome);
    assert_eq!(server.metric("duplex_sessions").await, 2.0);
    assert_eq!(server.metric("duplex_sessions_evicted_total").await, 2.0);
}

#[tokio::test]
async fn a_flood_of_hellos_from_one_address_pushes_out_its_own_sessions_not_another_clients() {
    let server = Server::start_with("page", &["--max-sessions", "8"]);
    let url = server.ws_url("/echo");
    // A client at another address of this machine loses its connection mid-session.
    let elsewhere = Some(std::net::IpAddr::from([127, 0, 0, 2]));
    let mut waiting = SessionPeer::open_from(&url, elsewhere, SessionState::default()).await;
    waiting.send(Message::text("before the drop")).await;
    assert_eq!(text(&waiting.recv().await), "before the drop");
    let waiting = waiting.cut();
    // Then 40 hellos from 127.0.0.1, each connection cut at once: five times the table.
    for _ in 0..40 {
        drop(SessionPeer::open(&url, SessionState::default()).await.cut());
    }
    server
        .wait_for_metric("duplex_sessions_evicted_total", 33.0)
        .await;
    // The client that was away resumes its session: the flood only replaced its own.
    let mut back = SessionPeer::open_from(&url, elsewhere, waiting).await;
    assert!(back.welcome.resumed, "{:?}", back.welcome);
    back.send(Message::text("after")).await;
    assert_eq!(text(&back.recv().await), "after");
    // The log says whose session went.
    let log = server.log();
    let dropped = log
        .lines()
        .filter(|line| line.contains("session dropped before its TTL"));
    assert!(
        dropped.clone().count() == 33
            && dropped.clone().all(|line| line.contains("peer=127.0.0.1")),
        "{log}"
    );
}
