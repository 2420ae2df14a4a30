//! Scenario tests of the connection state machine.

use super::harness::*;
use super::*;
use crate::engine::commands::Event;
use crate::engine::connection::Connection;
use crate::engine::options::HeartbeatPolicy;
use crate::engine::options::{Overflow, QueueLimits, ReconnectPolicy};

#[test]
fn starts_by_connecting_with_the_connect_timer() {
    let options = Options {
        connect_timeout_ms: Some(250),
        ..Options::default()
    };
    let mut c = Connection::<Msg>::new(URL, options, 1, 10.0);
    let start = drain(&mut c);
    assert!(
        matches!(&start[0], Command::Connect { id: 1, context } if context.attempt == 0 && context.last_close.is_none())
    );
    assert_eq!(opens(&start), 1);
    assert_eq!(c.timer_deadline(Timer::Connect), Some(260.0));
    assert_eq!(c.poll_timeout(), Some(260.0));
}

#[test]
fn sends_after_close_are_refused_naming_the_url() {
    let mut c = new(Options::default());
    opened(&mut c, 0.0);
    let commands = close(&mut c, None, None).unwrap();
    assert!(commands.contains(&Command::CloseSocket(CloseRequest {
        code: 1000,
        reason: String::new()
    })));
    assert_eq!(c.ready_state(), ReadyState::Closing);
    let err = send(&mut c, 1).unwrap_err();
    assert_eq!(err.code(), "CLOSED");
    let said = format!("the socket to {URL} is closing or closed for good");
    assert_eq!(err.to_string(), said);
    let end = closed(&mut c, clean(1000));
    assert_eq!(events(&end), [&Event::Closed(clean(1000))]);
    assert_eq!(send(&mut c, 2).unwrap_err().code(), "CLOSED");
}

#[test]
fn close_while_connecting_waits_for_the_queue_to_flush() {
    let mut c = new(Options::default());
    send(&mut c, 1).unwrap();
    assert_eq!(close(&mut c, Some(3000), Some("done")).unwrap(), []);
    assert_eq!(send(&mut c, 2).unwrap_err().code(), "CLOSED");
    let open = opened(&mut c, 0.0);
    assert_eq!(transmitted(&open), [1]);
    assert!(open.contains(&Command::CloseSocket(CloseRequest {
        code: 3000,
        reason: "done".into()
    })));
    // No `open` after the user's close (a WebSocket never has one); the first open did happen.
    assert_eq!(events(&open), Vec::<&Event>::new());
    assert_eq!(c.first_open(), Some(Ok(())));
    let end = closed(&mut c, clean(3000));
    assert_eq!(error_codes(&end), Vec::<&str>::new());
    assert_eq!(c.ready_state(), ReadyState::Closed);
}

#[test]
fn a_failed_handshake_without_reconnect_reports_the_unsent_messages() {
    let mut c = new(Options::default());
    send(&mut c, 1).unwrap();
    send(&mut c, 2).unwrap();
    let end = closed(&mut c, CloseInfo::abnormal());
    let expected = Error::ConnectionFailed {
        url: URL.into(),
        code: 1006,
        unsent: 2,
    };
    assert_eq!(
        events(&end),
        [
            &Event::Error(expected.clone()),
            &Event::Closed(CloseInfo::abnormal())
        ]
    );
    assert_eq!(c.final_error(), Some(&expected));
    assert_eq!(c.queued_bytes(), 0);
}

#[test]
fn a_lost_connection_reconnects_and_delivers_what_was_queued_meanwhile_in_order() {
    let mut c = new(reconnecting(ReconnectPolicy::default()));
    opened(&mut c, 0.0);
    let lost = closed(&mut c, CloseInfo::abnormal());
    assert_eq!(error_codes(&lost), ["CONNECTION_LOST"]);
    let delay = reconnect_delay(&lost).expect("a reconnecting event");
    assert!(delay <= 500);
    assert_eq!(c.timer_deadline(Timer::Reconnect), Some(f64::from(delay)));
    assert_eq!(c.ready_state(), ReadyState::Connecting);
    for i in 1..=3 {
        // Queued: nothing to do yet.
        assert_eq!(send(&mut c, i).unwrap(), []);
    }
    assert_eq!(opens(&fire(&mut c, Timer::Reconnect, 1.0)), 1);
    // The next attempt fails: still queued, the attempt count grows.
    let failed = closed(&mut c, CloseInfo::abnormal());
    assert_eq!(error_codes(&failed), ["CONNECTION_FAILED"]);
    assert!(events(&failed).iter().any(|e| matches!(e,
        Event::Reconnecting { attempt: 2, delay_ms, last_close, error: Some(_) }
            if Some(*delay_ms) == reconnect_delay(&failed) && *last_close == CloseInfo::abnormal())));
    fire(&mut c, Timer::Reconnect, 2.0);
    send(&mut c, 4).unwrap();
    let open = opened(&mut c, 3.0);
    assert_eq!(transmitted(&open), [1, 2, 3, 4]);
    // A connection that stayed open minUptimeMs (5 s by default) reset the attempts: the next
    // loss starts again at 1.
    let lost = on(&mut c, Input::SocketClosed(CloseInfo::abnormal()), 5_003.0);
    assert!(events(&lost)
        .iter()
        .any(|e| matches!(e, Event::Reconnecting { attempt: 1, .. })));
}

#[test]
fn final_codes_and_the_users_close_end_the_socket_without_reconnecting() {
    let policy = ReconnectPolicy {
        final_codes: vec![4000],
        ..Default::default()
    };
    let mut c = new(reconnecting(policy.clone()));
    opened(&mut c, 0.0);
    let end = closed(
        &mut c,
        CloseInfo {
            code: 4000,
            reason: "go away".into(),
            was_clean: true,
        },
    );
    assert_eq!(c.ready_state(), ReadyState::Closed);
    assert!(reconnect_delay(&end).is_none());
    assert_eq!(error_codes(&end), Vec::<&str>::new());

    let mut c = new(reconnecting(policy.clone()));
    opened(&mut c, 0.0);
    close(&mut c, None, None).unwrap();
    let end = closed(&mut c, clean(1000));
    assert!(reconnect_delay(&end).is_none());
    assert_eq!(c.ready_state(), ReadyState::Closed);

    // A clean close with a code that is not final reconnects.
    let mut c = new(reconnecting(policy));
    opened(&mut c, 0.0);
    assert!(reconnect_delay(&closed(&mut c, clean(1001))).is_some());
}

/// A server that sends its close frame and drops the TCP connection at once (as duplex-server
/// does for a message over its size limit) gives a close event with its code and reason and
/// `wasClean` false: its close frame arrived, so the connection was not lost without one, and
/// a final code is final.
#[test]
fn a_close_frame_then_a_dropped_connection_is_the_servers_close_not_a_lost_connection() {
    let dropped = |code: u16, reason: &str| CloseInfo {
        code,
        reason: reason.into(),
        was_clean: false,
    };
    let mut c = new(Options::default());
    opened(&mut c, 0.0);
    let end = closed(&mut c, dropped(1009, "Frame too large"));
    assert_eq!(
        events(&end),
        [&Event::Closed(dropped(1009, "Frame too large"))]
    );
    assert_eq!(c.final_error(), None);
    // A send refused after it says how the socket closed.
    let refused = send(&mut c, 1).unwrap_err().to_string();
    let said = r#"closed for good (code 1009, reason "Frame too large")"#;
    assert!(refused.contains(said), "{refused}");

    let mut c = new(reconnecting(ReconnectPolicy {
        final_codes: vec![4000],
        ..Default::default()
    }));
    opened(&mut c, 0.0);
    let end = closed(&mut c, dropped(4000, "go away"));
    assert!(reconnect_delay(&end).is_none());
    assert_eq!(c.ready_state(), ReadyState::Closed);
    assert_eq!(error_codes(&end), Vec::<&str>::new());

    // Without a close frame (1006, 1015) it is still a lost connection.
    for code in [1006, 1015] {
        let mut c = new(Options::default());
        opened(&mut c, 0.0);
        assert_eq!(
            error_codes(&closed(&mut c, dropped(code, ""))),
            ["CONNECTION_LOST"]
        );
    }
}

#[test]
fn max_retries_bounds_the_attempts_then_reports_what_was_not_sent() {
    let mut c = new(reconnecting(ReconnectPolicy {
        max_retries: 2,
        ..Default::default()
    }));
    send(&mut c, 9).unwrap();
    for attempt in 1..=2 {
        let failed = closed(&mut c, CloseInfo::abnormal());
        assert!(events(&failed)
            .iter()
            .any(|e| matches!(e, Event::Reconnecting { attempt: a, .. } if *a == attempt)));
        fire(&mut c, Timer::Reconnect, 0.0);
    }
    let end = closed(&mut c, CloseInfo::abnormal());
    let expected = Error::ConnectionFailed {
        url: URL.into(),
        code: 1006,
        unsent: 1,
    };
    assert_eq!(
        events(&end),
        [
            &Event::Error(expected),
            &Event::Closed(CloseInfo::abnormal())
        ]
    );
}

#[test]
fn close_while_waiting_to_reconnect_reports_the_queue_and_closes_at_once() {
    let mut c = new(reconnecting(ReconnectPolicy::default()));
    opened(&mut c, 0.0);
    closed(&mut c, CloseInfo::abnormal());
    send(&mut c, 1).unwrap();
    let end = close(&mut c, Some(1000), None).unwrap();
    assert_eq!(c.timer_deadline(Timer::Reconnect), None);
    assert_eq!(error_codes(&end), ["CLOSED"]);
    assert_eq!(c.ready_state(), ReadyState::Closed);
    assert_eq!(c.final_close(), Some(&clean(1000)));
}

#[test]
fn the_heartbeat_sends_and_detects_silence() {
    let heartbeat = HeartbeatPolicy {
        interval_ms: 100,
        timeout_ms: 1000,
        message: "ping".into(),
        reply: None,
    };
    let mut c = new(Options {
        heartbeat: Some(heartbeat),
        ..Options::default()
    });
    opened(&mut c, 0.0);
    assert_eq!(c.timer_deadline(Timer::HeartbeatSend), Some(100.0));
    assert_eq!(c.timer_deadline(Timer::HeartbeatCheck), Some(1000.0));
    assert_eq!(c.poll_timeout(), Some(100.0));
    assert_eq!(on(&mut c, Input::Timeout, 100.0), [Command::SendHeartbeat]);
    assert_eq!(c.timer_deadline(Timer::HeartbeatSend), Some(200.0));
    on(&mut c, Input::MessageReceived, 600.0);
    // Something arrived 400 ms ago: check again when the rest of the timeout has passed.
    assert_eq!(
        fire(&mut c, Timer::HeartbeatCheck, 1000.0),
        [Command::SendHeartbeat]
    );
    assert_eq!(c.timer_deadline(Timer::HeartbeatCheck), Some(1600.0));
    // The heartbeat goes out every 100 ms from 1000 (this test skipped the sends before), and
    // the server stays silent: dead once silent 1000 ms and unanswered for the 900 ms grace.
    for now in (1100..=1800).step_by(100) {
        let alive = on(&mut c, Input::Timeout, f64::from(now));
        assert!(!alive.contains(&Command::AbandonSocket), "at {now}");
    }
    let dead = on(&mut c, Input::Timeout, 1900.0);
    assert!(dead.contains(&Command::AbandonSocket));
    assert_eq!(error_codes(&dead), ["HEARTBEAT_TIMEOUT"]);
    assert_eq!(c.timer_deadline(Timer::HeartbeatSend), None);
    assert_eq!(c.ready_state(), ReadyState::Closed);
}

#[test]
fn a_connect_timeout_abandons_the_attempt() {
    let mut c = new(Options {
        connect_timeout_ms: Some(50),
        ..reconnecting(ReconnectPolicy::default())
    });
    let out = fire(&mut c, Timer::Connect, 50.0);
    assert_eq!(out[0], Command::AbandonSocket);
    assert_eq!(error_codes(&out), ["CONNECT_TIMEOUT"]);
    assert!(reconnect_delay(&out).is_some());
    // The open clears the connect deadline of the new attempt: nothing fires later.
    fire(&mut c, Timer::Reconnect, 60.0);
    assert_eq!(
        c.timer_deadline(Timer::Connect),
        Some(c.timer_deadline(Timer::Connect).unwrap())
    );
    opened(&mut c, 70.0);
    assert_eq!(c.timer_deadline(Timer::Connect), None);
    assert_eq!(on(&mut c, Input::Timeout, 10_000.0), []);
}

#[test]
fn queue_overflow_is_an_error_or_a_reported_drop() {
    let limits = QueueLimits {
        max_bytes: 100,
        max_messages: 2,
        overflow: Overflow::Error,
    };
    let mut c = new(Options {
        queue: limits.clone(),
        ..Options::default()
    });
    send_sized(&mut c, 1, 10).unwrap();
    send_sized(&mut c, 2, 10).unwrap();
    assert_eq!(send_sized(&mut c, 3, 10).unwrap_err().code(), "QUEUE_FULL");
    assert_eq!(c.queued_bytes(), 20);

    let limits = QueueLimits {
        overflow: Overflow::DropOldest,
        ..limits
    };
    let mut c = new(Options {
        queue: limits,
        ..Options::default()
    });
    send_sized(&mut c, 1, 10).unwrap();
    send_sized(&mut c, 2, 10).unwrap();
    match &send_sized(&mut c, 3, 10).unwrap()[..] {
        [Command::Emit(Event::Error(err))] => {
            assert_eq!(err.code(), "QUEUE_FULL");
            assert!(err.to_string().contains("dropped the 1 oldest"), "{err}");
        }
        other => panic!("expected a reported drop, got {other:?}"),
    }
    assert_eq!(transmitted(&opened(&mut c, 0.0)), [2, 3]);
}

#[test]
fn a_server_close_in_progress_queues_for_the_reconnect_or_refuses() {
    let mut c = new(reconnecting(ReconnectPolicy::default()));
    opened(&mut c, 0.0);
    on(&mut c, Input::SocketClosing, 0.0);
    assert_eq!(c.ready_state(), ReadyState::Connecting);
    assert_eq!(send(&mut c, 1).unwrap(), []);
    assert_eq!(c.queued_bytes(), 1);

    let mut c = new(Options::default());
    opened(&mut c, 0.0);
    on(&mut c, Input::SocketClosing, 0.0);
    assert_eq!(c.ready_state(), ReadyState::Closing);
    assert_eq!(send(&mut c, 1).unwrap_err().code(), "CLOSED");
}

#[test]
fn invalid_close_leaves_the_state_alone() {
    let mut c = new(Options::default());
    opened(&mut c, 0.0);
    assert_eq!(
        close(&mut c, Some(1001), None).unwrap_err().code(),
        "INVALID_CLOSE_CODE"
    );
    assert_eq!(c.ready_state(), ReadyState::Open);
}

#[test]
fn a_refused_first_socket_is_the_constructors_error_and_later_ones_are_failures() {
    let mut c = Connection::<Msg>::new(URL, reconnecting(ReconnectPolicy::default()), 1, 0.0);
    drain(&mut c);
    let error = c
        .handle(Input::SocketRefused("bad protocols".into()), 0.0)
        .unwrap_err();
    assert_eq!(error.code(), "INVALID_URL");
    assert!(error.to_string().contains("bad protocols"), "{error}");
    assert_eq!(c.ready_state(), ReadyState::Closed);
    assert_eq!(drain(&mut c), [], "the constructor throws: no event");

    let mut c = new(reconnecting(ReconnectPolicy::default()));
    opened(&mut c, 0.0);
    closed(&mut c, CloseInfo::abnormal());
    fire(&mut c, Timer::Reconnect, 0.0);
    let failed = on(&mut c, Input::SocketRefused("blocked port".into()), 0.0);
    assert_eq!(error_codes(&failed), ["CONNECTION_FAILED"]);
    assert!(reconnect_delay(&failed).is_some());
}

#[test]
fn nothing_revives_a_connection_closed_for_good() {
    let mut c = new(Options::default());
    opened(&mut c, 0.0);
    closed(&mut c, clean(1000));
    assert_eq!(c.ready_state(), ReadyState::Closed);
    for input in [
        Input::SocketOpened,
        Input::SocketClosing,
        Input::SocketClosed(clean(1000)),
        Input::MessageReceived,
        Input::Timeout,
    ] {
        assert_eq!(on(&mut c, input, 1.0), []);
        assert_eq!(c.ready_state(), ReadyState::Closed);
    }
    assert_eq!(c.first_open(), Some(Ok(())));
}
