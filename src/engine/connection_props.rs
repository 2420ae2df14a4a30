//! Properties of the connection state machine over random input sequences: no accepted
//! message is ever lost silently, duplicated or reordered, and nothing revives a connection
//! closed for good.

use proptest::prelude::*;

use super::harness::{clean, drain, events, transmitted, Msg, URL};
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

/// The input `step` feeds (message `id` of one byte for a send), and the milliseconds that
/// pass before it.
fn input_of(step: &Step, id: u32) -> (Input<Msg>, f64) {
    let input = match *step {
        Step::Send => Input::Send((id, 1)),
        Step::Open => Input::SocketOpened,
        Step::CloseClean(code) => Input::SocketClosed(clean(code)),
        Step::CloseUnclean => Input::SocketClosed(CloseInfo::abnormal()),
        Step::RemoteClosing => Input::SocketClosing,
        Step::Refused => Input::SocketRefused("no".into()),
        Step::Wait(ms) => return (Input::Timeout, f64::from(ms)),
        Step::UserClose => Input::Close {
            code: None,
            reason: None,
        },
        Step::Offline => Input::Offline,
        Step::Online => Input::Online,
        Step::Wake => Input::Wake,
        Step::PageHidden => Input::PageHidden,
        Step::Verdict(yes) => Input::ReconnectVerdict(yes),
        Step::Reconnect => Input::Reconnect,
    };
    (input, 0.0)
}

/// Options with a connect timeout, a fast heartbeat and a reconnect policy, as asked.
fn timed_options(reconnect: bool, heartbeat: bool) -> Options {
    Options {
        connect_timeout_ms: Some(10),
        reconnect: reconnect.then(|| ReconnectPolicy {
            max_retries: 5,
            final_codes: vec![4000],
            max_delay_ms: 20,
            ..Default::default()
        }),
        heartbeat: heartbeat.then(|| HeartbeatPolicy {
            interval_ms: 3,
            timeout_ms: 7,
            message: "hb".into(),
            reply: None,
        }),
        ..Options::default()
    }
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
        let mut options = timed_options(reconnect, heartbeat);
        if let Some(policy) = &mut options.reconnect {
            (policy.consult, policy.min_uptime_ms) = (consult, min_uptime_ms);
        }
        options.queue = QueueLimits { max_bytes: usize::MAX, max_messages, overflow: if drop_oldest { Overflow::DropOldest } else { Overflow::Error } };
        let mut c = Connection::new(URL, options, 3, 0.0);
        let (mut accepted, mut delivered, mut lost) = (0u32, Vec::new(), 0usize);
        let mut now = 0.0;
        let mut commands = drain(&mut c);
        for step in steps {
            now += 1.0;
            let was_closed = c.ready_state() == ReadyState::Closed;
            let step_taken = step.clone();
            let (input, wait) = input_of(&step, accepted);
            now += wait;
            let result = match c.handle(input, now) {
                Ok(()) if matches!(step, Step::Send) => { accepted += 1; Ok(()) }
                Err(err) if matches!(step, Step::Send) => { prop_assert!(matches!(err.code(), "CLOSED" | "QUEUE_FULL"), "{}", err); Ok(()) }
                other => other,
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

    /// An input that reads no clock (`Input::reads_clock`, a send) ignores the time it is
    /// given: the same steps, every such input fed at NaN, leave the connection and what it
    /// answers as they are with the real time (the browser shell spares the clock on sends).
    #[test]
    fn inputs_that_read_no_clock_ignore_the_time(
        steps in proptest::collection::vec(step(), 0..120),
        reconnect in any::<bool>(),
        heartbeat in any::<bool>(),
    ) {
        let options = timed_options(reconnect, heartbeat);
        let mut timed = Connection::new(URL, options.clone(), 3, 0.0);
        let mut untimed = Connection::new(URL, options, 3, 0.0);
        prop_assert_eq!(drain(&mut timed), drain(&mut untimed));
        let mut now = 0.0;
        for (id, step) in (0u32..).zip(steps) {
            let (input, wait) = input_of(&step, id);
            now += 1.0 + wait;
            let clock = if input.reads_clock() { now } else { f64::NAN };
            prop_assert_eq!(timed.handle(input, now), untimed.handle(input_of(&step, id).0, clock));
            prop_assert_eq!(drain(&mut timed), drain(&mut untimed));
            prop_assert_eq!(format!("{timed:?}"), format!("{untimed:?}"));
        }
    }
}
