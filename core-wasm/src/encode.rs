//! A command of the engine as JS reads it: a tag (the return value of `dx_poll`), numbers
//! in the fields, strings in the output. js/driver.js reads each tag the same way.

use alloc::string::String;

use duplex_ws::{AttemptContext, Command, Event};

use crate::io::{clear, field, put, put_close, put_maybe_error};
use crate::message::Handle;

/// `dx_poll`'s tags. Fields and strings per tag are documented on [`encode`].
#[repr(u32)]
pub enum Tag {
    /// Nothing to do.
    None = 0,
    Connect = 1,
    OpenSocket = 2,
    ConsultReconnect = 3,
    Transmit = 4,
    TransmitEscaped = 5,
    TransmitControl = 6,
    SendHeartbeat = 7,
    CloseSocket = 8,
    AbandonSocket = 9,
    Open = 10,
    Reconnecting = 11,
    Resumed = 12,
    Error = 13,
    Closed = 14,
}

/// Writes `command` out for JS and returns its tag:
/// - Connect, ConsultReconnect: fields id, attempt, close code, wasClean, has error,
///   has last close; strings reason, [error message, code];
/// - OpenSocket: field protocol count; strings url, protocols...;
/// - Transmit, TransmitEscaped: field message id; TransmitControl: string frame;
/// - CloseSocket: field code; string reason;
/// - Reconnecting: fields attempt, delayMs, code, wasClean, has error; strings reason,
///   [error message, code];
/// - Resumed: fields recovered, resent, replayed, (unused), has error; [error strings];
/// - Error: strings message, code; Closed: fields code, wasClean at 2, 3; string reason.
pub fn encode(command: Command<Handle>) -> Tag {
    clear();
    match command {
        Command::Connect { id, context } => {
            field(0, f64::from(id));
            put_context(&context);
            Tag::Connect
        }
        Command::ConsultReconnect(context) => {
            put_context(&context);
            Tag::ConsultReconnect
        }
        Command::OpenSocket { url, protocols } => {
            field(0, protocols.len() as f64);
            put(url);
            protocols.into_iter().for_each(put);
            Tag::OpenSocket
        }
        Command::Transmit(message) => {
            field(0, f64::from(message.id()));
            Tag::Transmit
        }
        Command::TransmitEscaped(message) => {
            field(0, f64::from(message.id()));
            Tag::TransmitEscaped
        }
        Command::TransmitControl(frame) => {
            put(frame);
            Tag::TransmitControl
        }
        Command::SendHeartbeat => Tag::SendHeartbeat,
        Command::CloseSocket(request) => {
            field(0, f64::from(request.code));
            put(request.reason);
            Tag::CloseSocket
        }
        Command::AbandonSocket => Tag::AbandonSocket,
        Command::Emit(event) => encode_event(event),
    }
}

fn encode_event(event: Event) -> Tag {
    match event {
        Event::Open => Tag::Open,
        Event::Reconnecting {
            attempt,
            delay_ms,
            last_close,
            error,
        } => {
            field(0, f64::from(attempt));
            field(1, f64::from(delay_ms));
            put_close(2, &last_close);
            put_maybe_error(4, error.as_ref());
            Tag::Reconnecting
        }
        Event::Resumed {
            recovered,
            resent,
            replayed,
            error,
        } => {
            field(0, f64::from(u8::from(recovered)));
            field(1, resent as f64);
            field(2, replayed as f64);
            put_maybe_error(4, error.as_ref());
            Tag::Resumed
        }
        Event::Error(error) => {
            put_maybe_error(4, Some(&error));
            Tag::Error
        }
        Event::Closed(info) => {
            put_close(2, &info);
            Tag::Closed
        }
    }
}

/// What a provider or `shouldReconnect` is told: `{ attempt, lastClose, lastError }`.
fn put_context(context: &AttemptContext) {
    field(1, f64::from(context.attempt));
    field(5, f64::from(u8::from(context.last_close.is_some())));
    match &context.last_close {
        Some(info) => put_close(2, info),
        None => put(String::new()),
    }
    put_maybe_error(4, context.last_error.as_ref());
}
