//! Properties of the connection state machine over random input sequences: no accepted
//! message is ever lost silently, duplicated or reordered, and nothing revives a connection
//! closed for good.

use proptest::prelude::*;

use super::harness::{clean, drain, events, transmitted, URL};
use super::*;
use crate::engine::commands::Event;
use crate::engine::options::HeartbeatPolicy;
use crate::engine::options::{Overflow, QueueLimits, ReconnectPolicy};

/// One thing that can happen to a connection.
#[derive(Debug, Clone)]
enum Step {
    Send,
    Open,
    CloseClean(u16),
    CloseUnclean,
    RemoteClosing,
    Refused,
    /// Time passes by this many milliseconds, then the timeout is fed.
    Wait(u8),
    UserClose,
    Offline,
    Online,
    Wake,
    PageHidden,
    Verdict(bool),
    /// The user's reconnect(): the only input that may leave Closed.
    Reconnect,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => Just(Step::Send),
        2 => Just(Step::Open),
        1 => prop_oneof![Just(1000u16), Just(1001), Just(4000)].prop_map(Step::CloseClean),
        2 => Just(Step::CloseUnclean),
        1 => Just(Step::RemoteClosing),
        1 => Just(Step::Refused),
        2 => (0u8..20).prop_map(Step::Wait),
        1 => Just(Step::UserClose),
        1 => prop_oneof![Just(Step::Offline), Just(Step::Online), Just(Step::Wake), Just(Step::PageHidden)],
        1 => any::<bool>().prop_map(Step::Verdict),
        1 => Just(Step::Reconnect),
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
    /// Once closed for good, nothing but the user's reconnect() connects, opens or
    /// transmits again.
    #[test]
    fn accepted_messages_are_delivered_in_order_or_reported(
        steps in proptest::collection::vec(step(), 0..120),
        reconnect in any::<bool>(),
        heartbeat in any::<bool>(),
        max_messages in 1usize..8,
        drop_oldest in any::<bool>(),
        consult in any::<bool>(),
        min_uptime_ms in 0u32..30,
    ) {
        let options = Options {
            connect_timeout_ms: Some(10),
            reconnect: reconnect.then(|| ReconnectPolicy { max_retries: 5, final_codes: vec![4000], max_delay_ms: 20, consult, min_uptime_ms, ..Default::default() }),
            heartbeat: heartbeat.then(|| HeartbeatPolicy { interval_ms: 3, timeout_ms: 7, message: "hb".into(), reply: None }),
            queue: QueueLimits { max_bytes: usize::MAX, max_messages, overflow: if drop_oldest { Overflow::DropOldest } else { Overflow::Error } },
            ..Options::default()
        };
        let mut c = Connection::new(URL, options, 3, 0.0);
        let (mut accepted, mut delivered, mut lost) = (0u32, Vec::new(), 0usize);
        let mut now = 0.0;
        let mut commands = drain(&mut c);
        for step in steps {
            now += 1.0;
            let was_closed = c.ready_state() == ReadyState::Closed;
            let step_taken = step.clone();
            let result = match step {
                Step::Send => match c.handle(Input::Send((accepted, 1)), now) {
                    Ok(()) => { accepted += 1; Ok(()) }
                    Err(err) => { prop_assert!(matches!(err.code(), "CLOSED" | "QUEUE_FULL"), "{}", err); Ok(()) }
                },
                Step::Open => c.handle(Input::SocketOpened, now),
                Step::CloseClean(code) => c.handle(Input::SocketClosed(clean(code)), now),
                Step::CloseUnclean => c.handle(Input::SocketClosed(CloseInfo::abnormal()), now),
                Step::RemoteClosing => c.handle(Input::SocketClosing, now),
                Step::Refused => c.handle(Input::SocketRefused("no".into()), now),
                Step::Wait(ms) => { now += f64::from(ms); c.handle(Input::Timeout, now) }
                Step::UserClose => c.handle(Input::Close { code: None, reason: None }, now),
                Step::Offline => c.handle(Input::Offline, now),
                Step::Online => c.handle(Input::Online, now),
                Step::Wake => c.handle(Input::Wake, now),
                Step::PageHidden => c.handle(Input::PageHidden, now),
                Step::Verdict(yes) => c.handle(Input::ReconnectVerdict(yes), now),
                Step::Reconnect => c.handle(Input::Reconnect, now),
            };
            if let Err(err) = result {
                // Only the very first socket's refusal is refused, and it ends everything.
                prop_assert_eq!(err.code(), "INVALID_URL");
                prop_assert_eq!(c.ready_state(), ReadyState::Closed);
            }
            commands.extend(drain(&mut c));
            if was_closed && !matches!(step_taken, Step::Reconnect) {
                prop_assert!(
                    !commands.iter().any(|c| matches!(c, Command::Connect { .. } | Command::OpenSocket { .. } | Command::Transmit(_) | Command::Emit(Event::Open))),
                    "revived after Closed: {:?}", commands
                );
                prop_assert_eq!(c.ready_state(), ReadyState::Closed);
            }
            delivered.extend(transmitted(&commands));
            lost += events(&commands).into_iter().map(lost_in).sum::<usize>();
            commands.clear();
        }
        prop_assert!(delivered.windows(2).all(|w| w[0] < w[1]), "in order, once: {:?}", delivered);
        let still_queued = c.queued_bytes(); // 1 byte per message
        prop_assert_eq!(delivered.len() + lost + still_queued, accepted as usize);
    }
}
