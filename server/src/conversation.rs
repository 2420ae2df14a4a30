//! The original conversation of the Node.js `ws` example, on `GET /` with an Upgrade header.

use axum::extract::ws::Message;

use crate::connection::Connection;

/// What the server says first on every connection.
pub const GREETING: &str = "Hello webSocket";

/// The reply to a text message, as the original: `I heard you say "<msg>"`.
pub fn reply_to(text: &str) -> String {
    format!("I heard you say \"{text}\"")
}

/// Runs one connection: the greeting, then a reply to each text message and each binary
/// message back unchanged, until the peer closes.
pub async fn converse(mut connection: Connection) {
    if connection
        .send(Message::Text(GREETING.into()))
        .await
        .is_ok()
    {
        while let Some(received) = connection.recv().await {
            let reply = match received {
                Message::Text(text) => Message::Text(reply_to(&text).into()),
                other => other,
            };
            if connection.send(reply).await.is_err() {
                break;
            }
        }
    }
    connection.finish().await;
}
