//! What the engine's tests share: a test message type, and feeding inputs and draining the
//! commands in one call.

use super::*;
use crate::engine::commands::Event;
use crate::engine::options::ReconnectPolicy;

pub(crate) const URL: &str = "ws://h/";

/// A test message: an id, and its size on the wire.
pub(crate) type Msg = (u32, usize);

impl Payload for Msg {
    fn wire_bytes(&self) -> usize {
        self.1
    }
}

pub(crate) fn new(options: Options) -> Connection<Msg> {
    let mut c = Connection::new(URL, options, 7, 0.0);
    drain(&mut c);
    c
}

/// Drains the engine's commands, answering each `Connect` with the fixed URL at once, as
/// the driver does for a socket without providers.
pub(crate) fn drain(c: &mut Connection<Msg>) -> Vec<Command<Msg>> {
    let mut out = Vec::new();
    while let Some(command) = c.poll() {
        if let Command::Connect { id, .. } = &command {
            let target = Input::Target {
                id: *id,
                url: URL.into(),
                protocols: Vec::new(),
            };
            c.handle(target, 0.0).expect("a target is never refused");
        }
        out.push(command);
    }
    out
}

/// The commands that open a browser socket.
pub(crate) fn opens(commands: &[Command<Msg>]) -> usize {
    commands
        .iter()
        .filter(|c| matches!(c, Command::OpenSocket { .. }))
        .count()
}

/// Feeds `input` at `now` and drains what the engine answers.
pub(crate) fn on(c: &mut Connection<Msg>, input: Input<Msg>, now: f64) -> Vec<Command<Msg>> {
    c.handle(input, now)
        .expect("an input that cannot be refused");
    drain(c)
}

/// The user sends message `id` of one byte.
pub(crate) fn send(c: &mut Connection<Msg>, id: u32) -> Result<Vec<Command<Msg>>, Error> {
    send_sized(c, id, 1)
}

pub(crate) fn send_sized(
    c: &mut Connection<Msg>,
    id: u32,
    bytes: usize,
) -> Result<Vec<Command<Msg>>, Error> {
    c.handle(Input::Send((id, bytes)), 0.0)?;
    Ok(drain(c))
}

pub(crate) fn close(
    c: &mut Connection<Msg>,
    code: Option<u32>,
    reason: Option<&str>,
) -> Result<Vec<Command<Msg>>, Error> {
    let reason = reason.map(str::to_owned);
    c.handle(Input::Close { code, reason }, 0.0)?;
    Ok(drain(c))
}

pub(crate) fn opened(c: &mut Connection<Msg>, now: f64) -> Vec<Command<Msg>> {
    on(c, Input::SocketOpened, now)
}

pub(crate) fn closed(c: &mut Connection<Msg>, info: CloseInfo) -> Vec<Command<Msg>> {
    on(c, Input::SocketClosed(info), 0.0)
}

/// Fires `timer` by feeding a timeout at its deadline (or at `now` if that is later).
pub(crate) fn fire(c: &mut Connection<Msg>, timer: Timer, now: f64) -> Vec<Command<Msg>> {
    match c.timer_deadline(timer) {
        Some(at) => on(c, Input::Timeout, at.max(now)),
        None => Vec::new(),
    }
}

/// Options with `policy`, and the backoff reset at every open (no minimum uptime) unless
/// the test sets one.
pub(crate) fn reconnecting(policy: ReconnectPolicy) -> Options {
    Options {
        reconnect: Some(policy),
        ..Options::default()
    }
}

pub(crate) fn clean(code: u16) -> CloseInfo {
    CloseInfo {
        code,
        reason: String::new(),
        was_clean: true,
    }
}

pub(crate) fn events(commands: &[Command<Msg>]) -> Vec<&Event> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::Emit(event) => Some(event),
            _ => None,
        })
        .collect()
}

pub(crate) fn error_codes(commands: &[Command<Msg>]) -> Vec<&'static str> {
    events(commands)
        .into_iter()
        .filter_map(|e| match e {
            Event::Error(error) => Some(error.code()),
            _ => None,
        })
        .collect()
}

pub(crate) fn transmitted(commands: &[Command<Msg>]) -> Vec<u32> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::Transmit((id, _)) => Some(*id),
            _ => None,
        })
        .collect()
}

pub(crate) fn reconnect_delay(commands: &[Command<Msg>]) -> Option<u32> {
    events(commands).into_iter().find_map(|e| match e {
        Event::Reconnecting { delay_ms, .. } => Some(*delay_ms),
        _ => None,
    })
}
