//! `/hooks` (only with `--test-hooks`; for tests only, never in production): an echo whose
//! `hook:` text commands make the server misbehave on purpose, so that client tests can see
//! closes, drops, silences and refusals happen.
//!
//! - `hook:close <code> <reason...>`: a close frame with that code and reason, then the handshake;
//! - `hook:drop`: the TCP connection dropped at once, no close frame;
//! - `hook:silence <ms>`: nothing read or sent (no echoes, no pongs) for that long;
//! - `hook:refuse <n>`: the next n handshakes to `/hooks` with this connection's `key` query
//!   parameter get HTTP 503;
//! - `hook:path`: the answer `hook-path: <path and query of this connection's handshake>`
//!   (what the server saw, for tests of URL providers).
//!
//! A malformed command gets `hook-error: <what is wrong>` and changes nothing.
//!
//! The hooks wrap another endpoint ([`run`]): `/hooks` wraps echo, and with `--test-hooks`
//! `/` wraps the conversation (so the demo page can show a dropped connection). Their
//! handshake rules (`?key=`, `?stall=`, `hook:refuse`) are [`check_handshake`]; `/hooks`
//! also takes `?select=none` (select no subprotocol) and `?select=first` (select the first one
//! offered and speak plain WebSocket even if it is `duplex.v1`), playing servers that do not
//! speak sessions.
//! Endpoints layer: imports `endpoints` and `transport`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use axum::extract::ws::Message;
use axum::http::{header, HeaderMap, StatusCode};
use tokio_util::sync::CancellationToken;

use super::{in_session, open_session, Responder};
use crate::transport::session::{SessionConn, Sessions};
use crate::transport::{Connection, Outbound};

/// The longest `hook:silence` (and `?stall=`), in milliseconds: ten minutes.
pub const MAX_HOOK_MS: u64 = 600_000;
/// The most handshakes one `hook:refuse` may refuse.
pub const MAX_REFUSALS: u32 = 1_000;

/// A parsed `hook:` command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookCommand {
    /// Close with this code and reason.
    Close {
        /// The close code (1000-1003, 1007-1014 or 3000-4999).
        code: u16,
        /// The reason, at most 123 bytes; may be empty.
        reason: String,
    },
    /// Drop the TCP connection, no close frame.
    Drop,
    /// Neither read nor write for this long.
    Silence(Duration),
    /// Refuse the next this many handshakes with the same key.
    Refuse(u32),
    /// Answer with the path and query the handshake asked for.
    Path,
    /// Panic in the connection's task: what a bug would do (the server goes on).
    Panic,
}

/// `None` when `text` is no command (it does not start with `hook:`); otherwise the command,
/// or what is wrong with it, naming the value.
pub fn parse_hook(text: &str) -> Option<Result<HookCommand, String>> {
    let command = text.strip_prefix("hook:")?;
    let (name, rest) = command.split_once(' ').unwrap_or((command, ""));
    Some(match name {
        "close" => parse_close(rest),
        "drop" if rest.trim().is_empty() => Ok(HookCommand::Drop),
        "drop" => Err(format!(
            "hook:drop takes no argument, got {:?}",
            rest.trim()
        )),
        "silence" => parse_number(rest, "silence", "<ms>", MAX_HOOK_MS)
            .map(|ms| HookCommand::Silence(Duration::from_millis(ms))),
        "refuse" => parse_number(rest, "refuse", "<n>", u64::from(MAX_REFUSALS))
            .map(|n| HookCommand::Refuse(n as u32)),
        "path" => Ok(HookCommand::Path),
        "panic" => Ok(HookCommand::Panic),
        _ => Err(format!(
            "unknown hook {name:?}: the hooks are close, drop, silence, refuse, path and panic"
        )),
    })
}

fn parse_close(rest: &str) -> Result<HookCommand, String> {
    let (code_text, reason) = rest.split_once(' ').unwrap_or((rest, ""));
    let code: u16 = code_text.parse().map_err(|_| {
        format!("hook:close <code> <reason...>: the code {code_text:?} is not a number")
    })?;
    if !matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999) {
        return Err(format!(
            "hook:close: the code {code} may not be sent in a close frame (1000-1003, 1007-1014 or 3000-4999)"
        ));
    }
    if reason.len() > 123 {
        return Err(format!(
            "hook:close: the reason is {} bytes long; a close reason has at most 123",
            reason.len()
        ));
    }
    Ok(HookCommand::Close {
        code,
        reason: reason.to_owned(),
    })
}

fn parse_number(rest: &str, hook: &str, what: &str, max: u64) -> Result<u64, String> {
    let text = rest.trim();
    match text.parse::<u64>() {
        Ok(number) if number <= max => Ok(number),
        _ => Err(format!(
            "hook:{hook} {what}: {text:?} is not a whole number from 0 to {max}"
        )),
    }
}

/// The pending `hook:refuse` counts, by the `key` query parameter.
#[derive(Debug, Default)]
pub struct RefusalBook(Mutex<HashMap<String, u32>>);

impl RefusalBook {
    /// The next `count` handshakes with `key` are to be refused (0 cancels).
    pub fn refuse(&self, key: &str, count: u32) {
        let mut book = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if count == 0 {
            book.remove(key);
        } else {
            book.insert(key.to_owned(), count);
        }
    }

    /// Whether this handshake with `key` is to be refused; counts it if so.
    pub fn take(&self, key: &str) -> bool {
        let mut book = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match book.get_mut(key) {
            Some(left) if *left > 1 => {
                *left -= 1;
                true
            }
            Some(_) => {
                book.remove(key);
                true
            }
            None => false,
        }
    }
}

/// What became of a connection after a hook command.
pub enum AfterHook {
    /// It goes on.
    Continue(Connection),
    /// Writing failed: the caller finishes it.
    Stop(Connection),
    /// `hook:drop` ended it.
    Dropped,
}

/// Carries out a parsed hook command (or answers `hook-error:` for a malformed one) on
/// `connection`, whose handshake carried `key`.
pub async fn apply(
    connection: Connection,
    command: Result<HookCommand, String>,
    book: &RefusalBook,
    key: &str,
) -> AfterHook {
    let done = match command {
        Err(error) => {
            tracing::info!(peer = %connection.info().peer, %error, "bad hook command");
            connection
                .send(Message::Text(format!("hook-error: {error}").into()))
                .await
        }
        Ok(HookCommand::Close { code, reason }) => {
            // Behind the replies already queued; then read on for the peer's answer.
            connection.send_control(Outbound::Close(code, reason)).await
        }
        Ok(HookCommand::Drop) => {
            connection.drop_now("hook:drop");
            return AfterHook::Dropped;
        }
        Ok(HookCommand::Silence(duration)) => connection.pause(duration).await,
        Ok(HookCommand::Refuse(count)) => {
            book.refuse(key, count);
            Ok(())
        }
        Ok(HookCommand::Path) => {
            let answer = path_answer(&connection);
            connection.send(answer).await
        }
        Ok(HookCommand::Panic) => panic_on_command(),
    };
    match done {
        Ok(()) => AfterHook::Continue(connection),
        Err(_) => AfterHook::Stop(connection),
    }
}

/// `hook:panic`: the connection's task panics, as a bug would make it.
fn panic_on_command() -> ! {
    panic!("hook:panic: this connection's task panics on command (a test of the server)")
}

/// `hook-path: <path and query>` of `connection`'s handshake.
fn path_answer(connection: &Connection) -> Message {
    Message::Text(format!("hook-path: {}", connection.info().path).into())
}

/// Runs `endpoint` on one connection, whose handshake carried `key`, with the hooks around
/// it: text messages starting with `hook:` are commands, every other message gets the
/// endpoint's reply.
pub async fn run(endpoint: Responder, mut connection: Connection, book: &RefusalBook, key: &str) {
    if !endpoint.greet(&connection).await {
        return connection.finish().await;
    }
    while let Some(message) = connection.recv().await {
        let command = match &message {
            Message::Text(text) => parse_hook(text),
            _ => None,
        };
        let after = match command {
            None => match connection.send((endpoint.reply)(message)).await {
                Ok(()) => AfterHook::Continue(connection),
                Err(_) => AfterHook::Stop(connection),
            },
            Some(command) => apply(connection, command, book, key).await,
        };
        connection = match after {
            AfterHook::Continue(connection) => connection,
            AfterHook::Stop(connection) => return connection.finish().await,
            AfterHook::Dropped => return,
        };
    }
    connection.finish().await;
}

/// Runs `endpoint` with the hooks around it, in a session if the handshake selected
/// `duplex.v1` (`scope` names the endpoint for the session registry), else plain.
pub async fn serve(
    endpoint: Responder,
    connection: Connection,
    sessions: &Sessions,
    scope: &str,
    book: &RefusalBook,
    key: &str,
) {
    if !in_session(&connection) {
        return run(endpoint, connection, book, key).await;
    }
    if let Some(session) = open_session(connection, sessions, scope).await {
        run_session(endpoint, session, book, key).await;
    }
}

/// [`run`] in a session. A hook command is an application message like any other (numbered,
/// acknowledged, never carried out twice when resent); `hook:drop` drops the TCP connection
/// and the session waits for the client's resume.
pub async fn run_session(
    endpoint: Responder,
    mut session: SessionConn,
    book: &RefusalBook,
    key: &str,
) {
    if let (Some(greeting), false) = (endpoint.greeting, session.resumed()) {
        if session.send(Message::Text(greeting.into())).await.is_err() {
            return session.finish().await;
        }
    }
    while let Some(message) = session.recv().await {
        let command = match &message {
            Message::Text(text) => parse_hook(text),
            _ => None,
        };
        let done = match command {
            None => session.send((endpoint.reply)(message)).await,
            Some(Err(error)) => {
                let peer = session.connection().info().peer;
                tracing::info!(%peer, %error, "bad hook command");
                let answer = format!("hook-error: {error}");
                session.send(Message::Text(answer.into())).await
            }
            Some(Ok(HookCommand::Drop)) => return session.drop_now("hook:drop"),
            Some(Ok(HookCommand::Close { code, reason })) => {
                session
                    .connection()
                    .send_control(Outbound::Close(code, reason))
                    .await
            }
            Some(Ok(HookCommand::Silence(duration))) => session.connection().pause(duration).await,
            Some(Ok(HookCommand::Refuse(count))) => {
                book.refuse(key, count);
                Ok(())
            }
            Some(Ok(HookCommand::Path)) => {
                let answer = path_answer(session.connection());
                session.send(answer).await
            }
            Some(Ok(HookCommand::Panic)) => panic_on_command(),
        };
        if done.is_err() {
            break;
        }
    }
    session.finish().await;
}

/// Why a `/hooks` handshake is refused: the HTTP status, the `reason` label of the refusal
/// counter, and the line that says why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookRefusal {
    /// 400 for a bad query, 503 for `hook:refuse`.
    pub status: StatusCode,
    /// `query` or `hook`.
    pub reason: &'static str,
    /// What the client is told.
    pub why: String,
}

/// The handshake rules of `/hooks`, given its query parameters (`None`: the query did not
/// parse, and `bad_query` says why): `stall=<ms>` holds the handshake that long (or until
/// `shutdown`), then a pending `hook:refuse` for its `key` refuses it. Returns the key (`""`
/// when absent) of an accepted handshake.
pub async fn check_handshake(
    book: &RefusalBook,
    query: Result<&HashMap<String, String>, String>,
    shutdown: &CancellationToken,
) -> Result<String, HookRefusal> {
    let bad_query = |why: String| HookRefusal {
        status: StatusCode::BAD_REQUEST,
        reason: "query",
        why,
    };
    let query = query.map_err(bad_query)?;
    // `key`: which hook:refuse count applies ("" when absent); `stall`: hold the handshake
    // this many milliseconds before answering it.
    let key = query.get("key").cloned().unwrap_or_default();
    if let Some(stall) = query.get("stall") {
        match stall.parse::<u64>() {
            Ok(ms) if ms <= MAX_HOOK_MS => {
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(ms)) => {}
                    _ = shutdown.cancelled() => {}
                }
            }
            _ => {
                return Err(bad_query(format!(
                    "stall={stall:?} is not a whole number of milliseconds from 0 to {MAX_HOOK_MS}"
                )))
            }
        }
    }
    if book.take(&key) {
        return Err(HookRefusal {
            status: StatusCode::SERVICE_UNAVAILABLE,
            reason: "hook",
            why: format!("refused by hook:refuse for key {key:?}"),
        });
    }
    Ok(key)
}

/// The subprotocols a handshake offers; `/hooks` takes `duplex.v1` if offered (a session),
/// else the first (for tests of the client's `protocols` option).
pub fn offered_protocols(headers: &HeaderMap) -> Vec<String> {
    headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|value| value.to_str().ok())
        .map(|value| value.split(',').map(|p| p.trim().to_owned()).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
