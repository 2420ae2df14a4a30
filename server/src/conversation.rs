//! The original conversation of the Node.js `ws` example, on `GET /` with an Upgrade header.

use std::net::SocketAddr;

use axum::extract::ws::{Message, WebSocket};

/// What the server says first on every connection.
pub const GREETING: &str = "Hello webSocket";

/// The reply to a text message, as the original: `I heard you say "<msg>"`.
pub fn reply_to(text: &str) -> String {
    format!("I heard you say \"{text}\"")
}

/// Runs one connection: the greeting, then a reply to each text message and each binary
/// message back unchanged, until the peer closes.
pub async fn converse(mut socket: WebSocket, peer: SocketAddr) {
    tracing::info!(%peer, endpoint = "/", "connected");
    if socket.send(Message::Text(GREETING.into())).await.is_err() {
        tracing::info!(%peer, endpoint = "/", "gone before the greeting");
        return;
    }
    let mut close = None;
    // recv() keeps going through the close handshake (tungstenite answers the peer's close
    // frame itself) and ends with None once it is done.
    while let Some(received) = socket.recv().await {
        let reply = match received {
            Ok(Message::Text(text)) => Message::Text(reply_to(&text).into()),
            Ok(Message::Binary(bytes)) => Message::Binary(bytes),
            Ok(Message::Close(frame)) => {
                close = frame.map(|f| (f.code, f.reason.to_string()));
                continue;
            }
            Ok(Message::Ping(_) | Message::Pong(_)) => continue,
            Err(error) => {
                tracing::info!(%peer, endpoint = "/", %error, "connection failed");
                return;
            }
        };
        if socket.send(reply).await.is_err() {
            break;
        }
    }
    match close {
        Some((code, reason)) => tracing::info!(%peer, endpoint = "/", code, reason, "closed"),
        None => tracing::info!(%peer, endpoint = "/", "closed without a close frame"),
    }
}
