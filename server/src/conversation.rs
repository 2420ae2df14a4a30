//! The original conversation of the Node.js `ws` example, on `GET /` with an Upgrade header.

use axum::extract::ws::Message;

use crate::connection::Connection;
use crate::hooks::{apply, parse_hook, AfterHook, RefusalBook};

/// What the server says first on every connection.
pub const GREETING: &str = "Hello webSocket";

/// The reply to a text message, as the original: `I heard you say "<msg>"`.
pub fn reply_to(text: &str) -> String {
    format!("I heard you say \"{text}\"")
}

/// Runs one connection: the greeting, then a reply to each text message and each binary
/// message back unchanged, until the peer closes. With `--test-hooks` (`hooks` is `Some`),
/// `hook:` commands work here too, so the demo page can show a dropped connection.
pub async fn converse(mut connection: Connection, hooks: Option<&RefusalBook>) {
    if connection
        .send(Message::Text(GREETING.into()))
        .await
        .is_err()
    {
        return connection.finish().await;
    }
    while let Some(received) = connection.recv().await {
        let command = match (&received, hooks) {
            (Message::Text(text), Some(_)) => parse_hook(text),
            _ => None,
        };
        let after = match (command, hooks) {
            (Some(command), Some(book)) => apply(connection, command, book, "").await,
            _ => {
                let reply = match received {
                    Message::Text(text) => Message::Text(reply_to(&text).into()),
                    other => other,
                };
                match connection.send(reply).await {
                    Ok(()) => AfterHook::Continue(connection),
                    Err(_) => AfterHook::Stop(connection),
                }
            }
        };
        connection = match after {
            AfterHook::Continue(connection) => connection,
            AfterHook::Stop(connection) => return connection.finish().await,
            AfterHook::Dropped => return,
        };
    }
    connection.finish().await;
}
