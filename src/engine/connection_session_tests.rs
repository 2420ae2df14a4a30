//! The engine's side of sessions (`duplex.v1`): scenarios (the property over random cuts is
//! in connection_session_props.rs).

use super::harness::{drain, error_codes, events, fire, on, send, transmitted, Msg};
use super::*;
use crate::engine::commands::Event;
use crate::engine::frames::SESSION_PROTOCOL;
use crate::engine::options::{QueueLimits, ReconnectPolicy, SessionPolicy};

pub(super) fn session_options() -> Options {
    Options {
        session: Some(SessionPolicy::default()),
        reconnect: Some(ReconnectPolicy {
            min_delay_ms: 0,
            max_delay_ms: 0,
            min_uptime_ms: 0,
            ..ReconnectPolicy::default()
        }),
        queue: QueueLimits {
            max_messages: 100_000,
            max_bytes: 1 << 30,
            ..QueueLimits::default()
        },
        ..Options::default()
    }
}

/// A connection whose socket opened with `duplex.v1`, answered with `welcome`.
fn in_session() -> (Connection<Msg>, Vec<Command<Msg>>) {
    let mut c = Connection::new("ws://h/", session_options(), 7, 0.0);
    drain(&mut c);
    let out = open_with(&mut c, SESSION_PROTOCOL, 0.0);
    on(&mut c, control("\0welcome s1 0 0 0"), 0.0);
    (c, out)
}

pub(super) fn open_with(c: &mut Connection<Msg>, protocol: &str, now: f64) -> Vec<Command<Msg>> {
    c.handle(Input::Protocol(protocol.into()), now).unwrap();
    on(c, Input::SocketOpened, now)
}

fn control(text: &str) -> Input<Msg> {
    Input::ControlReceived(text.into())
}

fn controls(commands: &[Command<Msg>]) -> Vec<&str> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::TransmitControl(frame) => Some(frame.as_str()),
            _ => None,
        })
        .collect()
}

pub(super) fn lose_connection(c: &mut Connection<Msg>) -> Vec<Command<Msg>> {
    let mut out = on(c, Input::SocketClosed(CloseInfo::abnormal()), 0.0);
    out.extend(fire(c, Timer::Reconnect, 0.0));
    out
}

#[test]
fn offers_the_protocol_says_hello_and_numbers_what_it_sends() {
    let mut c = Connection::new("ws://h/", session_options(), 7, 0.0);
    let first = drain(&mut c);
    let offered = first.iter().find_map(|cmd| match cmd {
        Command::OpenSocket { protocols, .. } => Some(protocols.clone()),
        _ => None,
    });
    assert_eq!(offered, Some(vec![SESSION_PROTOCOL.to_owned()]));
    send(&mut c, 1).unwrap();
    let out = open_with(&mut c, SESSION_PROTOCOL, 0.0);
    assert_eq!(controls(&out), ["\0hello 1 - 0 0"]);
    assert!(
        transmitted(&out).is_empty(),
        "a new session sends only hello: {out:?}"
    );
    assert!(events(&out).is_empty(), "the open waits for the welcome");
    let out = on(&mut c, control("\0welcome s1 0 0 0"), 0.0);
    assert_eq!(events(&out), [&Event::Open]);
    assert_eq!(transmitted(&out), [1], "the queue follows the welcome");
    assert_eq!(c.session().map(|s| s.id.as_str()), Some("s1"));
    send(&mut c, 2).unwrap();
    assert_eq!((c.unacked_bytes(), c.sends_done()), (2, 0));
    on(&mut c, control("\0ack 1"), 0.0);
    assert_eq!((c.unacked_bytes(), c.sends_done()), (1, 1));
    on(&mut c, control("\0ack 2"), 0.0);
    assert_eq!(
        (c.unacked_bytes(), c.sends_done(), c.sends_accepted()),
        (0, 2, 2)
    );
}

#[test]
fn a_server_that_does_not_select_it_gets_plain_websocket() {
    let mut c = Connection::new("ws://h/", session_options(), 7, 0.0);
    drain(&mut c);
    send(&mut c, 1).unwrap();
    let out = open_with(&mut c, "", 0.0);
    assert!(controls(&out).is_empty(), "no control frame: {out:?}");
    assert_eq!(transmitted(&out), [1]);
    let out = send(&mut c, 2).unwrap();
    assert_eq!(transmitted(&out), [2]);
    assert!(c.session().is_none());
    assert!(!c.session_framing());
    assert_eq!((c.unacked_bytes(), c.sends_done()), (0, 2));
}

#[test]
fn a_resume_resends_what_was_not_acknowledged_and_says_what_went_again() {
    let (mut c, _) = in_session();
    for id in 1..=5 {
        send(&mut c, id).unwrap();
    }
    on(&mut c, control("\0ack 2"), 0.0);
    on(&mut c, Input::DataReceived, 0.0);
    on(&mut c, Input::DataReceived, 0.0);
    lose_connection(&mut c);
    send(&mut c, 6).unwrap();
    let out = open_with(&mut c, SESSION_PROTOCOL, 0.0);
    assert_eq!(controls(&out), ["\0hello 1 s1 2 2"]);
    assert_eq!(
        transmitted(&out),
        [3, 4, 5, 6],
        "unacked first, then the queue"
    );
    // The server had 4 of them (0..4): 3 and 4 were new to it... it says received 4.
    let out = on(&mut c, control("\0welcome s1 1 4 7"), 0.0);
    assert_eq!(
        events(&out),
        [
            &Event::Open,
            &Event::Resumed {
                recovered: true,
                resent: 1,
                replayed: 7,
                error: None
            }
        ]
    );
    assert_eq!(c.session().map(|s| s.resumes), Some(1));
    assert_eq!(c.sends_done(), 4, "the welcome acknowledged through 4");
}

#[test]
fn a_lost_session_is_reported_and_a_new_one_goes_on() {
    let (mut c, _) = in_session();
    send(&mut c, 1).unwrap();
    on(&mut c, Input::DataReceived, 0.0);
    lose_connection(&mut c);
    let out = open_with(&mut c, SESSION_PROTOCOL, 0.0);
    assert_eq!(controls(&out), ["\0hello 1 s1 1 0"]);
    let out = on(&mut c, control("\0welcome s2 0 0 0"), 0.0);
    assert_eq!(events(&out)[0], &Event::Open);
    assert!(matches!(
        events(&out)[1],
        Event::Resumed {
            recovered: false,
            resent: 1,
            replayed: 0,
            error: Some(Error::SessionLost { .. })
        }
    ));
    assert_eq!(error_codes(&out), ["SESSION_LOST"]);
    assert_eq!(
        c.session().map(|s| (s.id.as_str(), s.resumes)),
        Some(("s2", 0))
    );
    // The new session numbers the server's messages from 0.
    on(&mut c, Input::DataReceived, 0.0);
    let out = fire(&mut c, Timer::Ack, 100.0);
    assert_eq!(controls(&out), ["\0ack 1"]);
}

#[test]
fn acknowledges_in_batches_by_count_and_by_time() {
    let (mut c, _) = in_session();
    let mut acks = Vec::new();
    for _ in 0..130 {
        let out = on(&mut c, Input::DataReceived, 0.0);
        acks.extend(controls(&out).into_iter().map(str::to_owned));
    }
    assert_eq!(acks, ["\0ack 64", "\0ack 128"], "one ack per 64 messages");
    assert_eq!(c.timer_deadline(Timer::Ack), Some(50.0));
    let out = fire(&mut c, Timer::Ack, 0.0);
    assert_eq!(controls(&out), ["\0ack 130"]);
    assert_eq!(c.timer_deadline(Timer::Ack), None);
}

#[test]
fn the_heartbeat_is_in_band_and_escaped_text_is_marked() {
    let mut options = session_options();
    options.heartbeat = Some(crate::engine::options::HeartbeatPolicy {
        interval_ms: 1_000,
        timeout_ms: 3_000,
        ..Default::default()
    });
    let mut c = Connection::new("ws://h/", options, 7, 0.0);
    drain(&mut c);
    open_with(&mut c, SESSION_PROTOCOL, 0.0);
    on(&mut c, control("\0welcome s1 0 0 0"), 0.0);
    let out = fire(&mut c, Timer::HeartbeatSend, 1_000.0);
    assert_eq!(controls(&out), ["\0ping"]);
    assert!(!out.contains(&Command::SendHeartbeat));
    // A pong is a sign of life: the check does not time out.
    on(&mut c, control("\0pong"), 2_500.0);
    let out = fire(&mut c, Timer::HeartbeatCheck, 3_000.0);
    assert!(error_codes(&out).is_empty(), "{out:?}");

    let mut c: Connection<String> = Connection::new("ws://h/", session_options(), 7, 0.0);
    while let Some(Command::Connect { id, .. }) = c.poll() {
        let target = Input::Target {
            id,
            url: "ws://h/".into(),
            protocols: vec![],
        };
        c.handle(target, 0.0).unwrap();
    }
    while c.poll().is_some() {}
    c.handle(Input::Protocol(SESSION_PROTOCOL.into()), 0.0)
        .unwrap();
    c.handle(Input::SocketOpened, 0.0).unwrap();
    c.handle(Input::ControlReceived("\0welcome s 0 0 0".into()), 0.0)
        .unwrap();
    while c.poll().is_some() {}
    c.handle(Input::Send("\0starts with nul".to_owned()), 0.0)
        .unwrap();
    assert_eq!(
        c.poll(),
        Some(Command::TransmitEscaped("\0starts with nul".to_owned()))
    );
}

#[test]
fn a_server_that_breaks_the_protocol_loses_the_connection_not_the_messages() {
    for bad in ["\0ack x", "\0ack 9", "\0welcome s1 0 0 0"] {
        let (mut c, _) = in_session();
        send(&mut c, 1).unwrap();
        let out = on(&mut c, control(bad), 0.0);
        assert!(out.contains(&Command::AbandonSocket), "{bad:?}: {out:?}");
        assert_eq!(error_codes(&out), ["CONNECTION_LOST"], "{bad:?}");
        let out = fire(&mut c, Timer::Reconnect, 0.0);
        let out2 = open_with(&mut c, SESSION_PROTOCOL, 0.0);
        assert!(!out.is_empty());
        assert_eq!(
            transmitted(&out2),
            [1],
            "{bad:?}: resent on the next connection"
        );
    }
}

#[test]
fn a_handshake_that_fails_with_the_offer_is_retried_plain_at_once() {
    let mut c = Connection::new("ws://h/", session_options(), 7, 0.0);
    drain(&mut c);
    send(&mut c, 1).unwrap();
    // The browser fails a handshake whose answer selects no protocol although one was offered.
    let out = on(&mut c, Input::SocketClosed(CloseInfo::abnormal()), 0.0);
    assert!(error_codes(&out).is_empty(), "not reported: {out:?}");
    let protocols = out.iter().find_map(|cmd| match cmd {
        Command::OpenSocket { protocols, .. } => Some(protocols.clone()),
        _ => None,
    });
    assert_eq!(protocols, Some(vec![]), "the retry offers nothing");
    let out = open_with(&mut c, "", 0.0);
    assert_eq!(transmitted(&out), [1]);
    assert_eq!(events(&out), [&Event::Open]);
    assert!(c.session().is_none());
    // A server that is down fails the plain retry too: reported, and the offer comes back.
    let mut c = Connection::new("ws://h/", session_options(), 7, 0.0);
    drain(&mut c);
    on(&mut c, Input::SocketClosed(CloseInfo::abnormal()), 0.0);
    let out = on(&mut c, Input::SocketClosed(CloseInfo::abnormal()), 0.0);
    assert_eq!(error_codes(&out), ["CONNECTION_FAILED"]);
    let out = fire(&mut c, Timer::Reconnect, 0.0);
    let offered = out.iter().any(|cmd| matches!(cmd, Command::OpenSocket { protocols, .. } if protocols == &[SESSION_PROTOCOL.to_owned()]));
    assert!(offered, "{out:?}");
}

#[test]
fn a_server_that_selects_the_name_without_the_protocol_gets_plain_mode() {
    // As the original Node `ws` server does: it selects the first protocol offered.
    for first in [Input::DataReceived, control("\0ack 1")] {
        let mut c = Connection::new("ws://h/", session_options(), 7, 0.0);
        drain(&mut c);
        send(&mut c, 1).unwrap();
        let out = open_with(&mut c, SESSION_PROTOCOL, 0.0);
        assert!(transmitted(&out).is_empty());
        let out = on(&mut c, first, 0.0);
        assert!(out.contains(&Command::AbandonSocket), "{out:?}");
        assert!(events(&out).is_empty(), "no open, no error: {out:?}");
        let out = open_with(&mut c, "", 0.0);
        assert_eq!(transmitted(&out), [1], "sent once, on the plain connection");
        assert_eq!(events(&out), [&Event::Open]);
        let out = on(&mut c, Input::SocketClosed(CloseInfo::abnormal()), 0.0);
        let out2 = fire(&mut c, Timer::Reconnect, 0.0);
        let offers = out.iter().chain(&out2).any(
            |cmd| matches!(cmd, Command::OpenSocket { protocols, .. } if !protocols.is_empty()),
        );
        assert!(!offers, "it is not offered to that server again");
    }
}

#[test]
fn nothing_goes_out_between_connections() {
    // The user's reconnect() replaces an open connection: an ack that was due, or a
    // heartbeat, must wait for the next connection's hello (a socket still connecting
    // throws on send).
    let (mut c, _) = in_session();
    on(&mut c, Input::DataReceived, 0.0);
    assert!(c.timer_deadline(Timer::Ack).is_some());
    on(&mut c, Input::Reconnect, 0.0);
    let out = on(&mut c, Input::Timeout, 100.0);
    assert!(controls(&out).is_empty(), "{out:?}");
    send(&mut c, 9).unwrap();
    let out = open_with(&mut c, SESSION_PROTOCOL, 100.0);
    assert_eq!(controls(&out), ["\0hello 1 s1 1 0"]);
    assert_eq!(transmitted(&out), [9]);
}
