//! The original conversation of the Node.js `ws` example, on `GET /` with an Upgrade header.
//! Endpoints layer: imports `endpoints` and `transport` (not the hooks: with `--test-hooks`
//! the router wraps this endpoint in them).

use axum::extract::ws::Message;

use super::Responder;

/// What the server says first on every connection.
pub const GREETING: &str = "Hello webSocket";

/// The greeting, then a reply to each text message and each binary message back unchanged.
pub const CONVERSATION: Responder = Responder {
    greeting: Some(GREETING),
    reply,
};

/// The reply to a text message, as the original: `I heard you say "<msg>"`.
pub fn reply_to(text: &str) -> String {
    format!("I heard you say \"{text}\"")
}

fn reply(message: Message) -> Message {
    match message {
        Message::Text(text) => Message::Text(reply_to(&text).into()),
        other => other,
    }
}
