//! Tests of the connection state machine: scenarios, and a property over random event
//! sequences that no accepted message is ever lost silently, duplicated or reordered.

use super::*;
use crate::engine::options::{Overflow, QueueLimits, ReconnectPolicy};
use proptest::prelude::*;

const URL: &str = "ws://h/";

fn new(options: Options) -> Connection<u32> {
    Connection::new(URL, options, 7).0
}

fn reconnecting(policy: ReconnectPolicy) -> Options {
    Options {
        reconnect: Some(policy),
        ..Options::default()
    }
}

fn clean(code: u16) -> CloseInfo {
    CloseInfo {
        code,
        reason: String::new(),
        was_clean: true,
    }
}

fn events(commands: &[Command<u32>]) -> Vec<&Event> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::Emit(event) => Some(event),
            _ => None,
        })
        .collect()
}

fn error_codes(commands: &[Command<u32>]) -> Vec<&'static str> {
    events(commands)
        .into_iter()
        .filter_map(|e| match e {
            Event::Error(error) => Some(error.code()),
            _ => None,
        })
        .collect()
}

fn transmitted(commands: &[Command<u32>]) -> Vec<u32> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::Transmit(m) => Some(*m),
            _ => None,
        })
        .collect()
}

fn reconnect_delay(commands: &[Command<u32>]) -> Option<u32> {
    events(commands).into_iter().find_map(|e| match e {
        Event::Reconnecting { delay_ms, .. } => Some(*delay_ms),
        _ => None,
    })
}

#[test]
fn starts_by_connecting_with_the_connect_timer() {
    let options = Options {
        connect_timeout_ms: Some(250),
        ..Options::default()
    };
    let (_, start) = Connection::<u32>::new(URL, options, 1);
    assert_eq!(
        start,
        [Command::Connect, Command::StartTimer(Timer::Connect, 250)]
    );
}

#[test]
fn sends_after_close_are_refused_naming_the_url() {
    let mut c = new(Options::default());
    c.opened(0.0);
    let commands = c.close(None, None).unwrap();
    assert!(commands.contains(&Command::CloseSocket(CloseRequest {
        code: 1000,
        reason: String::new()
    })));
    assert_eq!(c.ready_state(), ReadyState::Closing);
    let err = c.send(1, |_| 1).unwrap_err();
    assert_eq!(err.code(), "CLOSED");
    assert!(err.to_string().contains(URL));
    let end = c.closed(clean(1000));
    assert_eq!(events(&end), [&Event::Closed(clean(1000))]);
    assert_eq!(c.send(2, |_| 1).unwrap_err().code(), "CLOSED");
}

#[test]
fn close_while_connecting_waits_for_the_queue_to_flush() {
    let mut c = new(Options::default());
    c.send(1, |_| 1).unwrap();
    assert_eq!(c.close(Some(3000), Some("done")).unwrap(), []);
    assert_eq!(c.send(2, |_| 1).unwrap_err().code(), "CLOSED");
    let open = c.opened(0.0);
    assert_eq!(transmitted(&open), [1]);
    assert!(open.contains(&Command::CloseSocket(CloseRequest {
        code: 3000,
        reason: "done".into()
    })));
    let end = c.closed(clean(3000));
    assert_eq!(error_codes(&end), Vec::<&str>::new());
    assert_eq!(c.ready_state(), ReadyState::Closed);
}

#[test]
fn a_failed_handshake_without_reconnect_reports_the_unsent_messages() {
    let mut c = new(Options::default());
    c.send(1, |_| 1).unwrap();
    c.send(2, |_| 1).unwrap();
    let end = c.closed(CloseInfo::abnormal());
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
    c.opened(0.0);
    let lost = c.closed(CloseInfo::abnormal());
    assert_eq!(error_codes(&lost), ["CONNECTION_LOST"]);
    let delay = reconnect_delay(&lost).expect("a reconnecting event");
    assert!(delay <= 500);
    assert!(lost.contains(&Command::StartTimer(Timer::Reconnect, delay)));
    assert_eq!(c.ready_state(), ReadyState::Connecting);
    for i in 1..=3 {
        assert_eq!(
            c.send(i, |_| 1).unwrap(),
            SendAction::Queued { overflow: None }
        );
    }
    assert_eq!(c.timer_fired(Timer::Reconnect, 1.0), [Command::Connect]);
    // The next attempt fails: still queued, the attempt count grows.
    let failed = c.closed(CloseInfo::abnormal());
    assert_eq!(error_codes(&failed), ["CONNECTION_FAILED"]);
    assert!(events(&failed).contains(&&Event::Reconnecting {
        attempt: 2,
        delay_ms: reconnect_delay(&failed).unwrap()
    }));
    c.timer_fired(Timer::Reconnect, 2.0);
    c.send(4, |_| 1).unwrap();
    let open = c.opened(3.0);
    assert_eq!(transmitted(&open), [1, 2, 3, 4]);
    // Opening reset the attempts: the next loss starts again at 1.
    let lost = c.closed(CloseInfo::abnormal());
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
    c.opened(0.0);
    let end = c.closed(CloseInfo {
        code: 4000,
        reason: "go away".into(),
        was_clean: true,
    });
    assert_eq!(c.ready_state(), ReadyState::Closed);
    assert!(reconnect_delay(&end).is_none());
    assert_eq!(error_codes(&end), Vec::<&str>::new());

    let mut c = new(reconnecting(policy.clone()));
    c.opened(0.0);
    c.close(None, None).unwrap();
    let end = c.closed(clean(1000));
    assert!(reconnect_delay(&end).is_none());
    assert_eq!(c.ready_state(), ReadyState::Closed);

    // A clean close with a code that is not final reconnects.
    let mut c = new(reconnecting(policy));
    c.opened(0.0);
    assert!(reconnect_delay(&c.closed(clean(1001))).is_some());
}

#[test]
fn max_retries_bounds_the_attempts_then_reports_what_was_not_sent() {
    let mut c = new(reconnecting(ReconnectPolicy {
        max_retries: 2,
        ..Default::default()
    }));
    c.send(9, |_| 1).unwrap();
    for attempt in 1..=2 {
        let failed = c.closed(CloseInfo::abnormal());
        assert!(events(&failed)
            .iter()
            .any(|e| matches!(e, Event::Reconnecting { attempt: a, .. } if *a == attempt)));
        c.timer_fired(Timer::Reconnect, 0.0);
    }
    let end = c.closed(CloseInfo::abnormal());
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
    c.opened(0.0);
    c.closed(CloseInfo::abnormal());
    c.send(1, |_| 1).unwrap();
    let end = c.close(Some(1000), None).unwrap();
    assert!(end.contains(&Command::StopTimer(Timer::Reconnect)));
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
    };
    let mut c = new(Options {
        heartbeat: Some(heartbeat),
        ..Options::default()
    });
    let open = c.opened(0.0);
    assert!(open.contains(&Command::StartTimer(Timer::HeartbeatSend, 100)));
    assert!(open.contains(&Command::StartTimer(Timer::HeartbeatCheck, 1000)));
    assert_eq!(
        c.timer_fired(Timer::HeartbeatSend, 100.0),
        [
            Command::SendHeartbeat,
            Command::StartTimer(Timer::HeartbeatSend, 100)
        ]
    );
    c.received(600.0);
    // Something arrived 400 ms ago: check again when the rest of the timeout has passed.
    assert_eq!(
        c.timer_fired(Timer::HeartbeatCheck, 1000.0),
        [Command::StartTimer(Timer::HeartbeatCheck, 600)]
    );
    let dead = c.timer_fired(Timer::HeartbeatCheck, 1600.0);
    assert_eq!(dead[0], Command::AbandonSocket);
    assert_eq!(error_codes(&dead), ["HEARTBEAT_TIMEOUT"]);
    assert!(dead.contains(&Command::StopTimer(Timer::HeartbeatSend)));
    assert_eq!(c.ready_state(), ReadyState::Closed);
}

#[test]
fn a_connect_timeout_abandons_the_attempt() {
    let mut c = new(Options {
        connect_timeout_ms: Some(50),
        ..reconnecting(ReconnectPolicy::default())
    });
    let out = c.timer_fired(Timer::Connect, 50.0);
    assert_eq!(out[0], Command::AbandonSocket);
    assert_eq!(error_codes(&out), ["CONNECT_TIMEOUT"]);
    assert!(reconnect_delay(&out).is_some());
    // A stale connect timer after the open does nothing.
    c.timer_fired(Timer::Reconnect, 60.0);
    c.opened(70.0);
    assert_eq!(c.timer_fired(Timer::Connect, 100.0), []);
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
    c.send(1, |_| 10).unwrap();
    c.send(2, |_| 10).unwrap();
    assert_eq!(c.send(3, |_| 10).unwrap_err().code(), "QUEUE_FULL");
    assert_eq!(c.queued_bytes(), 20);

    let limits = QueueLimits {
        overflow: Overflow::DropOldest,
        ..limits
    };
    let mut c = new(Options {
        queue: limits,
        ..Options::default()
    });
    c.send(1, |_| 10).unwrap();
    c.send(2, |_| 10).unwrap();
    match c.send(3, |_| 10).unwrap() {
        SendAction::Queued {
            overflow: Some(err),
        } => {
            assert_eq!(err.code(), "QUEUE_FULL");
            assert!(err.to_string().contains("dropped the 1 oldest"), "{err}");
        }
        other => panic!("expected a reported drop, got {other:?}"),
    }
    assert_eq!(transmitted(&c.opened(0.0)), [2, 3]);
}

#[test]
fn a_server_close_in_progress_queues_for_the_reconnect_or_refuses() {
    let mut c = new(reconnecting(ReconnectPolicy::default()));
    c.opened(0.0);
    c.remote_closing();
    assert_eq!(c.ready_state(), ReadyState::Connecting);
    assert_eq!(
        c.send(1, |_| 1).unwrap(),
        SendAction::Queued { overflow: None }
    );

    let mut c = new(Options::default());
    c.opened(0.0);
    c.remote_closing();
    assert_eq!(c.ready_state(), ReadyState::Closing);
    assert_eq!(c.send(1, |_| 1).unwrap_err().code(), "CLOSED");
}

#[test]
fn invalid_close_leaves_the_state_alone() {
    let mut c = new(Options::default());
    c.opened(0.0);
    assert_eq!(
        c.close(Some(1001), None).unwrap_err().code(),
        "INVALID_CLOSE_CODE"
    );
    assert_eq!(c.ready_state(), ReadyState::Open);
}

/// One thing that can happen to a connection.
#[derive(Debug, Clone)]
enum Step {
    Send,
    Open,
    CloseClean(u16),
    CloseUnclean,
    RemoteClosing,
    Fire(Timer),
    UserClose,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => Just(Step::Send),
        2 => Just(Step::Open),
        1 => prop_oneof![Just(1000u16), Just(1001), Just(4000)].prop_map(Step::CloseClean),
        2 => Just(Step::CloseUnclean),
        1 => Just(Step::RemoteClosing),
        2 => prop_oneof![
            Just(Timer::Connect),
            Just(Timer::Reconnect),
            Just(Timer::HeartbeatSend),
            Just(Timer::HeartbeatCheck)
        ]
        .prop_map(Step::Fire),
        1 => Just(Step::UserClose),
    ]
}

/// How many queued messages an event reports as not sent or dropped.
fn lost_in(event: &Event) -> usize {
    match event {
        Event::Error(
            Error::ConnectTimeout { unsent, .. }
            | Error::ConnectionFailed { unsent, .. }
            | Error::ConnectionLost { unsent, .. }
            | Error::HeartbeatTimeout { unsent, .. }
            | Error::ClosedWithUnsent { unsent, .. },
        ) => *unsent,
        Event::Error(Error::QueueOverflow {
            dropped_messages, ..
        }) => *dropped_messages,
        _ => 0,
    }
}

proptest! {
    /// Whatever happens, every accepted message is transmitted once, in the order it was
    /// sent, or counted in an event that reports it lost; none is duplicated or reordered.
    #[test]
    fn accepted_messages_are_delivered_in_order_or_reported(
        steps in proptest::collection::vec(step(), 0..120),
        reconnect in any::<bool>(),
        heartbeat in any::<bool>(),
        max_messages in 1usize..8,
        drop_oldest in any::<bool>(),
    ) {
        let options = Options {
            connect_timeout_ms: Some(10),
            reconnect: reconnect.then(|| ReconnectPolicy { max_retries: 5, final_codes: vec![4000], ..Default::default() }),
            heartbeat: heartbeat.then(|| HeartbeatPolicy { interval_ms: 1, timeout_ms: 2, message: "hb".into() }),
            queue: QueueLimits { max_bytes: usize::MAX, max_messages, overflow: if drop_oldest { Overflow::DropOldest } else { Overflow::Error } },
            ..Options::default()
        };
        let (mut c, _) = Connection::new(URL, options, 3);
        let (mut accepted, mut delivered, mut lost) = (0u32, Vec::new(), 0usize);
        let mut now = 0.0;
        for step in steps {
            now += 1.0;
            let commands = match step {
                Step::Send => match c.send(accepted, |_| 1) {
                    Ok(SendAction::Transmit(m)) => { accepted += 1; delivered.push(m); Vec::new() }
                    Ok(SendAction::Queued { overflow }) => {
                        accepted += 1;
                        overflow.map(|e| vec![Command::Emit(Event::Error(e))]).unwrap_or_default()
                    }
                    Err(err) => { prop_assert!(matches!(err.code(), "CLOSED" | "QUEUE_FULL")); Vec::new() }
                },
                Step::Open => c.opened(now),
                Step::CloseClean(code) => c.closed(clean(code)),
                Step::CloseUnclean => c.closed(CloseInfo::abnormal()),
                Step::RemoteClosing => { c.remote_closing(); Vec::new() }
                Step::Fire(timer) => c.timer_fired(timer, now),
                Step::UserClose => c.close(None, None).unwrap(),
            };
            delivered.extend(transmitted(&commands));
            lost += events(&commands).into_iter().map(lost_in).sum::<usize>();
        }
        prop_assert!(delivered.windows(2).all(|w| w[0] < w[1]), "in order, once: {:?}", delivered);
        let still_queued = c.queued_bytes(); // 1 byte per message
        prop_assert_eq!(delivered.len() + lost + still_queued, accepted as usize);
    }
}
