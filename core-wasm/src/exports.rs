//! The engine's entry points for JS: options, a socket's inputs, its commands and what JS
//! asks of it. A socket is an index into [`SOCKETS`].

use alloc::string::String;
use alloc::vec::Vec;
use core::cell::RefCell;

use duplex_ws::{
    validate_protocols, validate_url, CloseInfo, Command, Connection, Error, HeartbeatPolicy,
    Input, Options, Overflow, Readiness, ReconnectPolicy, SessionPolicy, UrlProblem,
};

use crate::encode::{encode, Tag};
use crate::io::{clear, put, put_close, put_error, status, take_arg, take_args};
use crate::message::{Global, Handle};

static SOCKETS: Global<Vec<Option<Connection<Handle>>>> = Global(RefCell::new(Vec::new()));
static OPTIONS: Global<Option<Options>> = Global(RefCell::new(None));

/// Runs `f` on socket `s`; `missing` if it is gone.
fn on<R>(s: usize, missing: R, f: impl FnOnce(&mut Connection<Handle>) -> R) -> R {
    SOCKETS.with(|sockets| match sockets.borrow_mut().get_mut(s) {
        Some(Some(connection)) => f(connection),
        _ => missing,
    })
}

/// Sets option `key` of the socket about to be made to `value` (JS has checked types and
/// ranges of each value; the engine checks the rules between them in `dx_open`).
#[no_mangle]
pub extern "C" fn dx_option(key: u32, value: f64) {
    OPTIONS.with(|options| {
        let mut options = options.borrow_mut();
        let o = options.get_or_insert_with(Options::default);
        let (n, on) = (value as u32, value != 0.0);
        match key {
            // A new socket's options start from the defaults (a half-read set is dropped).
            0 => *o = Options::default(),
            1 => o.connect_timeout_ms = Some(n),
            2 => o.reconnect = on.then(ReconnectPolicy::default),
            3 => o.queue.max_bytes = value as usize,
            4 => o.queue.max_messages = value as usize,
            5 => {
                o.queue.overflow = if on {
                    Overflow::DropOldest
                } else {
                    Overflow::Error
                }
            }
            6 => o.lifecycle = Some(on),
            7 => o.heartbeat = on.then(HeartbeatPolicy::default),
            8 => o.session = on.then(SessionPolicy::default),
            _ => set_nested(o, key, value),
        }
    });
}

fn set_nested(o: &mut Options, key: u32, value: f64) {
    let n = value as u32;
    if let Some(r) = o.reconnect.as_mut() {
        match key {
            10 => r.min_delay_ms = n,
            11 => r.max_delay_ms = n,
            12 => r.factor = value,
            13 => r.max_retries = n,
            14 => r.final_codes.push(value as u16),
            15 => r.min_uptime_ms = n,
            16 => r.consult = true,
            _ => {}
        }
    }
    if let Some(h) = o.heartbeat.as_mut() {
        match key {
            20 => h.interval_ms = n,
            21 => h.timeout_ms = n,
            _ => {}
        }
    }
    if let Some(s) = o.session.as_mut() {
        match key {
            30 => s.ack_every = n,
            31 => s.ack_delay_ms = n,
            _ => {}
        }
    }
}

/// Adds a protocol, the last string argument, to the options (`key` 0, the only text option
/// the engine needs: the heartbeat's texts stay in JS, which sends the heartbeat and sets its
/// replies aside).
#[no_mangle]
pub extern "C" fn dx_option_text(key: u32) {
    let text = take_arg();
    OPTIONS.with(|options| {
        let mut options = options.borrow_mut();
        let o = options.get_or_insert_with(Options::default);
        if key == 0 {
            o.protocols.push(text);
        }
    });
}

/// Makes a socket to the URL given as argument with the options set since the last one: its
/// index, or -1 with the error in the output. JS has checked each value (js/options.js);
/// the engine checks the protocols' names and the rules between values.
#[no_mangle]
pub extern "C" fn dx_open(seed: f64, now: f64) -> i32 {
    let url = take_arg();
    let options = OPTIONS.with(|o| o.borrow_mut().take()).unwrap_or_default();
    let checked =
        validate_protocols(&options.protocols).and_then(|()| options.validate_relations());
    if let Err(error) = checked {
        return status(Err(error));
    }
    let connection = Connection::new(url, options, seed as u64, now);
    SOCKETS.with(|sockets| {
        let mut sockets = sockets.borrow_mut();
        let free = sockets.iter().position(Option::is_none);
        let s = free.unwrap_or(sockets.len());
        match free {
            Some(_) => sockets[s] = Some(connection),
            None => sockets.push(Some(connection)),
        }
        s as i32
    })
}

/// Checks the URL given as argument: 0 with the URL to use as output string 0, or -1.
#[no_mangle]
pub extern "C" fn dx_check_url() -> i32 {
    match validate_url(&take_arg()) {
        Ok(url) => {
            clear();
            put(url);
            0
        }
        Err(error) => status(Err(error)),
    }
}

/// An error the JS side found, made here so that every message has one source: `kind` 0
/// an option (arguments: name, problem), 1 a URL that is neither a string nor a provider
/// (the value described), 2 data `send` cannot take (described), 3 a close code that is not
/// a whole number (as given), 4 a send with no socket to take it (the URL). Its message and
/// code are the output.
#[no_mangle]
pub extern "C" fn dx_error(kind: u32) {
    let mut args = take_args().into_iter();
    let first = args.next().unwrap_or_default();
    let error = match kind {
        0 => Error::InvalidOption {
            name: first,
            problem: args.next().unwrap_or_default(),
        },
        1 => Error::InvalidUrl {
            url: first,
            problem: UrlProblem::DoesNotParse(
                "the URL must be a string, a URL or a function that gives one",
            ),
        },
        2 => Error::InvalidData { found: first },
        3 => Error::InvalidCloseCode { code: first },
        _ => Error::Closed {
            url: first,
            close: None,
        },
    };
    clear();
    put_error(&error);
}

/// Socket `s` is no longer used: its engine goes (and its queued messages are freed).
#[no_mangle]
pub extern "C" fn dx_drop(s: usize) {
    let gone = SOCKETS.with(|sockets| sockets.borrow_mut().get_mut(s).and_then(Option::take));
    drop(gone);
}

/// The user sends JS's message `id`: -1 (`CLOSED`, `QUEUE_FULL`) with the error; or the
/// fast path, when the whole answer is to hand that message to the browser and no deadline
/// moved: 1 (the engine let go of it) or 2 (it keeps it, in a session); else 0 (drain).
#[no_mangle]
pub extern "C" fn dx_send(s: usize, id: u32, now: f64) -> i32 {
    let result = on(s, Ok(0), |c| {
        let deadline = c.poll_timeout();
        c.handle(Input::Send(Handle::new(id)), now)?;
        if c.poll_timeout() != deadline {
            return Ok(0);
        }
        if !matches!(c.peek_only(), Some(Command::Transmit(m)) if m.id() == id) {
            return Ok(0);
        }
        let kept = match c.poll() {
            Some(Command::Transmit(message)) => !message.release(),
            _ => false,
        };
        Ok(if kept { 2 } else { 1 })
    });
    match result {
        Ok(path) => path,
        Err(error) => status(Err(error)),
    }
}

/// The user closes, with a code (negative: none) and a reason (when `has_reason`, the
/// argument): 0, or -1 with the error.
#[no_mangle]
pub extern "C" fn dx_close(s: usize, code: f64, has_reason: u32, now: f64) -> i32 {
    let reason = (has_reason == 1).then(take_arg);
    let code = (code >= 0.0).then_some(code as u32);
    status(on(s, Ok(()), |c| {
        c.handle(Input::Close { code, reason }, now)
    }))
}

/// Something happened to socket `s` (`tag`, with `value` and the string arguments as the
/// input needs them): 0, or -1 with the error (the refusal of the very first socket).
#[no_mangle]
pub extern "C" fn dx_input(s: usize, tag: u32, value: f64, now: f64) -> i32 {
    let mut args = take_args().into_iter();
    let mut arg = || args.next().unwrap_or_default();
    // The refusal of the very first socket is the constructor's error: it names the URL as
    // the caller gave it (REFUSED's second argument), not as the engine keeps it.
    let mut given = String::new();
    let input = match tag {
        0 => Input::SocketOpened,
        1 => Input::MessageReceived,
        2 => Input::DataReceived,
        3 => Input::ControlReceived(arg()),
        4 => Input::Protocol(arg()),
        5 => Input::SocketClosing,
        // The code, plus 65536 when the close was clean (one number for two).
        6 => Input::SocketClosed(CloseInfo {
            code: (value as u32 & 0xffff) as u16,
            reason: arg(),
            was_clean: value >= 65536.0,
        }),
        7 => {
            let refused = Input::SocketRefused(arg());
            given = arg();
            refused
        }
        8 => Input::Timeout,
        9 => Input::ReconnectVerdict(value != 0.0),
        10 => Input::Reconnect,
        11 => Input::Offline,
        12 => Input::Online,
        13 => Input::Wake,
        14 => Input::PageHidden,
        15 => Input::Target {
            id: value as u32,
            url: arg(),
            protocols: args.collect(),
        },
        _ => Input::TargetFailed {
            id: value as u32,
            error: target_error(tag, arg(), arg()),
        },
    };
    let result = on(s, Ok(()), |c| c.handle(input, now));
    status(result.map_err(|error| match error {
        Error::InvalidUrl { problem, .. } if !given.is_empty() => Error::InvalidUrl {
            url: given,
            problem,
        },
        other => other,
    }))
}

/// Why a provider gave no target: 16 the url provider, 17 the protocols provider threw or
/// rejected (`reason`); 18 the url provider gave `found`, not a string; 19 a bad protocols
/// value (option name, problem).
fn target_error(tag: u32, first: String, second: String) -> Error {
    match tag {
        16 | 17 => Error::ProviderFailed {
            provider: if tag == 16 { "url" } else { "protocols" },
            reason: first,
            unsent: 0,
        },
        18 => Error::InvalidUrl {
            url: first,
            problem: UrlProblem::DoesNotParse("the url provider must give a string"),
        },
        _ => Error::InvalidOption {
            name: first,
            problem: second,
        },
    }
}

/// The next command of socket `s` (see [`encode`]), `Tag::None` when there is none.
#[no_mangle]
pub extern "C" fn dx_poll(s: usize) -> u32 {
    on(s, None, Connection::poll).map_or(Tag::None, encode) as u32
}

/// When to feed a timeout next (on the clock JS gives), or -1 for never.
#[no_mangle]
pub extern "C" fn dx_timeout(s: usize) -> f64 {
    on(s, None, |c| c.poll_timeout()).unwrap_or(-1.0)
}

/// What JS asks of socket `s`, by `what` (strings and errors in the output).
#[no_mangle]
pub extern "C" fn dx_query(s: usize, what: u32) -> f64 {
    clear();
    on(s, -1.0, |c| match what {
        0 => f64::from(c.ready_state() as u16),
        1 => f64::from(c.ready_state_seen(true) as u16),
        2 => c.queued_bytes() as f64,
        3 => c.unacked_bytes() as f64,
        4 => c.sends_done() as f64,
        5 => f64::from(c.lives()),
        6 => f64::from(u8::from(c.lifecycle())),
        7 => c.session().map_or(-1.0, |info| {
            put(info.id.clone());
            info.resumes as f64
        }),
        8 => c.final_close().map_or(0.0, |info| {
            put_close(2, info);
            1.0
        }),
        9 => match c.first_open() {
            None => -1.0,
            Some(Ok(())) => 1.0,
            Some(Err(error)) => {
                put_error(&error);
                0.0
            }
        },
        10 => match c.readiness() {
            Readiness::NotOpen => 0.0,
            Readiness::Open => 1.0,
            Readiness::Closed(error) => {
                put_error(&error);
                2.0
            }
        },
        11 => f64::from(u8::from(c.session_framing())),
        12 => f64::from(u8::from(c.session_offered())),
        13 => c.sends_accepted() as f64,
        14 => f64::from(u8::from(c.notes_arrivals())),
        _ => {
            put(c.url().into());
            0.0
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_socket_queues_until_open_and_frees_what_it_sent() {
        crate::io::dx_arg(0);
        let s = dx_open(1.0, 0.0) as usize;
        assert_eq!(dx_poll(s), Tag::Connect as u32);
        assert_eq!(dx_send(s, 7, 0.0), 0);
        assert_eq!(dx_query(s, 2), 0.0, "the native stand-in measures 0 bytes");
        dx_drop(s);
        assert_eq!(
            crate::io::dx_freed_len(),
            1,
            "the queued message was let go of"
        );
    }
}
