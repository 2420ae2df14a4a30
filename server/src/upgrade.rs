//! The checks every WebSocket handshake passes before it is upgraded: the Origin (403), the
//! connection limit and shutdown (503); then the size limits go on the socket.

use std::future::Future;
use std::net::SocketAddr;

use axum::extract::WebSocketUpgrade;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::connection::{Admission, Connection, PeerInfo};
use crate::state::AppState;

/// The read and write buffer of each WebSocket connection, in bytes.
const IO_BUFFER_BYTES: usize = 8 * 1024;

/// Checks the handshake of `info.endpoint`; if it passes, answers 101 and runs `run` on the
/// connection (with the server's state, for the rooms and hooks), else answers 403 or 503
/// with a line that says why.
pub fn accept<F, Fut>(
    state: &AppState,
    upgrade: WebSocketUpgrade,
    headers: &HeaderMap,
    info: PeerInfo,
    run: F,
) -> Response
where
    F: FnOnce(Connection, AppState) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let PeerInfo { peer, endpoint, .. } = info.clone();
    if let Err(why) = state
        .origins
        .check(headers.get(header::ORIGIN), headers.get(header::HOST))
    {
        return refuse(state, &info, StatusCode::FORBIDDEN, "origin", why);
    }
    if state.shutdown.is_cancelled() {
        let why = "the server is shutting down".to_owned();
        return refuse(
            state,
            &info,
            StatusCode::SERVICE_UNAVAILABLE,
            "shutdown",
            why,
        );
    }
    let Ok(slot) = state.slots.clone().try_acquire_owned() else {
        let why = format!(
            "too many connections: --max-connections {} are open",
            state.limits.max_connections
        );
        return refuse(
            state,
            &info,
            StatusCode::SERVICE_UNAVAILABLE,
            "capacity",
            why,
        );
    };
    let admission = Admission {
        slot,
        tracked: state.tracker.token(),
    };
    let state = state.clone();
    upgrade
        // tungstenite's defaults (128 KiB each, the read buffer zero-filled at the first
        // read) cost ~140 KB per idle connection; 8 KiB keeps 10,000 peers near 200 MB.
        // Larger messages still arrive whole: the buffers grow while a message is read.
        .read_buffer_size(IO_BUFFER_BYTES)
        .write_buffer_size(IO_BUFFER_BYTES)
        .max_message_size(state.limits.max_message_size)
        .max_frame_size(state.limits.max_frame_size)
        .on_failed_upgrade(move |error| {
            tracing::info!(%peer, endpoint, %error, "the upgrade failed");
        })
        .on_upgrade(move |socket| async move {
            let connection = Connection::start(socket, info, state.clone(), admission);
            run(connection, state).await;
        })
}

/// Answers a handshake with `status` and `why`, and logs and counts it.
pub fn refuse(
    state: &AppState,
    info: &PeerInfo,
    status: StatusCode,
    reason: &str,
    why: String,
) -> Response {
    tracing::warn!(peer = %info.peer, endpoint = info.endpoint, path = %info.path, status = status.as_u16(), %why, "handshake refused");
    state.metrics.refused(info.endpoint, reason);
    (status, format!("{why}\n")).into_response()
}

/// The peer's address as the listener saw it (plain TCP or TLS).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddr(pub SocketAddr);
