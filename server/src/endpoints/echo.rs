//! `/echo`: every message back unchanged (text as text, binary as binary), no greeting.
//! Endpoints layer: imports `endpoints`.

use axum::extract::ws::Message;

use super::Responder;

/// Every message back unchanged, no greeting.
pub const ECHO: Responder = Responder {
    greeting: None,
    reply: same,
};

fn same(message: Message) -> Message {
    message
}
