//! Scenario tests of the engine's 0.2 rules: minimum uptime, honest heartbeats, providers'
//! targets, shouldReconnect, reconnect(), the page's lifecycle.

use super::harness::*;
use super::*;
use crate::engine::commands::Event;
use crate::engine::options::{HeartbeatPolicy, ReconnectPolicy};

#[test]
fn a_server_that_accepts_and_drops_at_once_is_retried_with_growing_backoff() {
    let mut c = new(reconnecting(ReconnectPolicy {
        min_delay_ms: 100,
        max_delay_ms: 100_000,
        ..Default::default()
    }));
    let mut now = 0.0;
    for attempt in 1..=5u32 {
        opened(&mut c, now);
        now += 10.0; // dropped 10 ms after it opened, well under minUptimeMs
        let lost = on(&mut c, Input::SocketClosed(CloseInfo::abnormal()), now);
        assert!(
            events(&lost)
                .iter()
                .any(|e| matches!(e, Event::Reconnecting { attempt: a, .. } if *a == attempt)),
            "attempt {attempt}: {lost:?}"
        );
        assert!(
            c.timer_deadline(Timer::Reconnect).unwrap() - now <= f64::from(100 << (attempt - 1))
        );
        now = c.timer_deadline(Timer::Reconnect).unwrap();
        on(&mut c, Input::Timeout, now);
    }
}

#[test]
fn a_heartbeat_our_late_timer_never_sent_is_not_the_servers_silence() {
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
    // A throttled tab: nothing fires until 5 s later, when both timers come at once.
    let late = on(&mut c, Input::Timeout, 5_000.0);
    assert!(late.contains(&Command::SendHeartbeat), "{late:?}");
    assert!(
        !late.contains(&Command::AbandonSocket),
        "no false timeout: {late:?}"
    );
    assert_eq!(c.ready_state(), ReadyState::Open);
    // The server answers the probe: still open long after.
    on(&mut c, Input::MessageReceived, 5_050.0);
    on(&mut c, Input::Timeout, 5_900.0);
    assert_eq!(c.ready_state(), ReadyState::Open);
}

#[test]
fn providers_targets_are_checked_and_stale_ones_ignored() {
    let mut c = Connection::<Msg>::new(URL, reconnecting(ReconnectPolicy::default()), 1, 0.0);
    let Some(Command::Connect { id, .. }) = c.poll() else {
        panic!("a Connect first")
    };
    c.handle(
        Input::Target {
            id,
            url: "ftp://x".into(),
            protocols: vec![],
        },
        0.0,
    )
    .unwrap();
    let failed: Vec<_> = std::iter::from_fn(|| c.poll()).collect();
    assert_eq!(error_codes(&failed), ["INVALID_URL"]);
    assert!(
        reconnect_delay(&failed).is_some(),
        "a bad target is a failed attempt: backoff"
    );
    // A late answer to the old attempt changes nothing.
    c.handle(
        Input::Target {
            id,
            url: URL.into(),
            protocols: vec![],
        },
        1.0,
    )
    .unwrap();
    assert_eq!(opens(&drain(&mut c)), 0);
    // The next attempt is told how the last one ended.
    let next = fire(&mut c, Timer::Reconnect, 1.0);
    assert!(matches!(&next[0], Command::Connect { context, .. }
        if context.attempt == 1 && context.last_error.as_ref().map(|e| e.code()) == Some("INVALID_URL")));
}

#[test]
fn should_reconnect_has_the_last_word() {
    let policy = ReconnectPolicy {
        consult: true,
        ..Default::default()
    };
    let mut c = new(reconnecting(policy.clone()));
    opened(&mut c, 0.0);
    let asked = closed(&mut c, CloseInfo::abnormal());
    assert!(matches!(asked.last(), Some(Command::ConsultReconnect(ctx)) if ctx.attempt == 1));
    assert_eq!(c.ready_state(), ReadyState::Connecting);
    let no = on(&mut c, Input::ReconnectVerdict(false), 0.0);
    assert_eq!(error_codes(&no), ["CONNECTION_LOST"]);
    assert_eq!(c.ready_state(), ReadyState::Closed);

    let mut c = new(reconnecting(policy));
    opened(&mut c, 0.0);
    closed(&mut c, CloseInfo::abnormal());
    let yes = on(&mut c, Input::ReconnectVerdict(true), 0.0);
    assert!(reconnect_delay(&yes).is_some());
}

#[test]
fn reconnect_skips_the_wait_and_reopens_a_closed_socket() {
    let mut c = new(reconnecting(ReconnectPolicy {
        min_delay_ms: 10_000,
        ..Default::default()
    }));
    opened(&mut c, 0.0);
    closed(&mut c, CloseInfo::abnormal());
    assert_eq!(
        opens(&on(&mut c, Input::Reconnect, 1.0)),
        1,
        "no backoff wait"
    );
    opened(&mut c, 2.0);
    close(&mut c, None, None).unwrap();
    closed(&mut c, clean(1000));
    assert_eq!(c.ready_state(), ReadyState::Closed);
    send(&mut c, 1).unwrap_err();
    assert_eq!(opens(&on(&mut c, Input::Reconnect, 3.0)), 1, "reopened");
    assert_eq!((c.lives(), c.final_close()), (1, None));
    send(&mut c, 7).unwrap();
    assert_eq!(transmitted(&opened(&mut c, 4.0)), [7]);
}

#[test]
fn offline_pauses_attempts_and_online_or_a_wake_tries_at_once() {
    let mut c = new(reconnecting(ReconnectPolicy {
        min_delay_ms: 10_000,
        ..Default::default()
    }));
    opened(&mut c, 0.0);
    on(&mut c, Input::Offline, 1.0);
    closed(&mut c, CloseInfo::abnormal());
    assert_eq!(
        c.timer_deadline(Timer::Reconnect),
        None,
        "no attempt while offline"
    );
    assert_eq!(on(&mut c, Input::Timeout, 60_000.0), []);
    assert_eq!(
        opens(&on(&mut c, Input::Online, 60_001.0)),
        1,
        "online: at once"
    );

    // A wake detected from the watchdog's lateness (the machine slept) tries at once too.
    let mut c = new(reconnecting(ReconnectPolicy {
        min_delay_ms: 100_000,
        max_delay_ms: 100_000,
        ..Default::default()
    }));
    opened(&mut c, 0.0);
    closed(&mut c, CloseInfo::abnormal());
    let watchdog = c
        .timer_deadline(Timer::Watchdog)
        .expect("a watchdog while waiting");
    assert!(
        c.timer_deadline(Timer::Reconnect).unwrap() > watchdog + 30_000.0
            || c.timer_deadline(Timer::Reconnect).unwrap() < watchdog + 30_000.0
    );
    let woke = on(&mut c, Input::Timeout, watchdog + 30_000.0);
    assert_eq!(opens(&woke), 1, "{woke:?}");
}

#[test]
fn the_back_forward_cache_closes_and_a_show_reopens_with_the_queue() {
    let mut c = new(reconnecting(ReconnectPolicy::default()));
    opened(&mut c, 0.0);
    let hidden = on(&mut c, Input::PageHidden, 1.0);
    assert!(hidden.iter().any(
        |c| matches!(c, Command::CloseSocket(r) if r.code == 1000 && r.reason == "page hidden")
    ));
    send(&mut c, 1).unwrap();
    assert_eq!(
        on(&mut c, Input::Timeout, 100_000.0),
        [],
        "nothing while hidden"
    );
    assert_eq!(opens(&on(&mut c, Input::Wake, 100_001.0)), 1);
    assert_eq!(transmitted(&opened(&mut c, 100_002.0)), [1]);
}

/// The shell feeds `MessageReceived` without draining (the hot path): in no phase may it
/// answer with a command or move a deadline.
#[test]
fn a_received_message_never_answers_with_a_command_or_moves_a_deadline() {
    let heartbeat = HeartbeatPolicy {
        interval_ms: 100,
        timeout_ms: 1000,
        ..Default::default()
    };
    let mut c = new(Options {
        heartbeat: Some(heartbeat),
        connect_timeout_ms: Some(50),
        ..reconnecting(ReconnectPolicy::default())
    });
    let check = |c: &mut Connection<Msg>, phase: &str| {
        let before = c.poll_timeout();
        c.handle(Input::MessageReceived, 10.0).unwrap();
        assert_eq!(c.poll(), None, "{phase}");
        assert_eq!(c.poll_timeout(), before, "{phase}");
    };
    check(&mut c, "connecting");
    opened(&mut c, 0.0);
    check(&mut c, "open");
    closed(&mut c, CloseInfo::abnormal());
    check(&mut c, "reconnecting");
    close(&mut c, None, None).unwrap();
    check(&mut c, "closed");
}

/// What a connection does over a scripted life (open, sends, timers, a lost connection, the
/// reconnect), with a plain message arriving every 50 ms of it or never.
fn life_with_arrivals(options: Options, arrivals: bool) -> Vec<(Vec<Command<Msg>>, Option<f64>)> {
    let mut c = new(options);
    let mut seen = vec![(opened(&mut c, 0.0), c.poll_timeout())];
    for step in 1..=400u32 {
        let now = f64::from(step) * 50.0;
        if arrivals {
            let answer = on(&mut c, Input::MessageReceived, now);
            assert!(
                answer.is_empty(),
                "an arrival is never answered: {answer:?}"
            );
        }
        if step % 7 == 0 {
            seen.push((send(&mut c, step).unwrap_or_default(), c.poll_timeout()));
        }
        if step == 300 {
            let lost = Input::SocketClosed(CloseInfo::abnormal());
            seen.push((on(&mut c, lost, now), c.poll_timeout()));
        }
        if c.poll_timeout().is_some_and(|due| due <= now) {
            seen.push((on(&mut c, Input::Timeout, now), c.poll_timeout()));
        }
        if step > 300
            && c.ready_state() == ReadyState::Connecting
            && opens(&seen.last().unwrap().0) > 0
        {
            seen.push((opened(&mut c, now), c.poll_timeout()));
        }
    }
    seen
}

#[test]
fn plain_arrivals_change_nothing_when_the_engine_says_it_does_not_note_them() {
    let heartbeat = HeartbeatPolicy {
        interval_ms: 1_000,
        timeout_ms: 3_000,
        message: "ping".into(),
        reply: None,
    };
    let without = [
        Options::default(),
        reconnecting(ReconnectPolicy::default()),
        Options {
            lifecycle: Some(true),
            connect_timeout_ms: Some(500),
            ..reconnecting(ReconnectPolicy::default())
        },
    ];
    for options in without {
        assert!(!new(options.clone()).notes_arrivals(), "{options:?}");
        assert_eq!(
            life_with_arrivals(options.clone(), true),
            life_with_arrivals(options.clone(), false),
            "a driver that leaves MessageReceived out must not change the engine's answers: {options:?}"
        );
    }
    // The comparison sees it when arrivals matter: with a heartbeat, silence is a dead link.
    let watched = Options {
        heartbeat: Some(heartbeat),
        ..reconnecting(ReconnectPolicy::default())
    };
    assert!(new(watched.clone()).notes_arrivals());
    assert_ne!(
        life_with_arrivals(watched.clone(), true),
        life_with_arrivals(watched, false)
    );
}

#[test]
fn a_close_while_connecting_with_nothing_queued_fails_the_first_open_without_an_error_event() {
    let mut c = new(Options::default());
    let commands = close(&mut c, None, None).unwrap();
    assert!(matches!(&commands[..], [Command::CloseSocket(_)]));
    // The browser fails a socket closed while connecting: 1006, no close frame.
    let end = closed(&mut c, CloseInfo::abnormal());
    assert_eq!(events(&end), [&Event::Closed(CloseInfo::abnormal())]);
    let Some(Err(error)) = c.first_open() else {
        panic!("the first open should have failed")
    };
    assert_eq!(
        (error.code(), error.to_string().as_str()),
        (
            "CLOSED",
            r#"the socket to ws://h/ closed for good (code 1006, reason "")"#
        )
    );
}
