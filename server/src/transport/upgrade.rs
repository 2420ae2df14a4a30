//! The WebSocket upgrade: a handshake that the layers above have let through is admitted
//! (not shutting down, under `--max-connections`; else 503), gets the size limits and
//! buffers, and is answered 101; the endpoint then runs on the [`Connection`]. Transport
//! layer: imports only `transport`.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::WebSocketUpgrade;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::connection::{Connection, PeerInfo};
use super::context::ConnContext;
use super::limits::IO_BUFFER_BYTES;
use super::metrics::Metrics;

/// Admits the handshake of `info.endpoint`; if it passes, answers 101 and runs `run` on the
/// connection, else answers 503 with a line that says why.
pub fn accept<F, Fut>(
    context: &Arc<ConnContext>,
    upgrade: WebSocketUpgrade,
    info: PeerInfo,
    run: F,
) -> Response
where
    F: FnOnce(Connection) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let PeerInfo { peer, endpoint, .. } = info.clone();
    let admission = match context.admit() {
        Ok(admission) => admission,
        Err(refusal) => {
            return refuse(
                &context.metrics,
                &info,
                StatusCode::SERVICE_UNAVAILABLE,
                refusal.reason,
                refusal.why,
            )
        }
    };
    let context = context.clone();
    upgrade
        // tungstenite's defaults (128 KiB each, the read buffer zero-filled at the first
        // read) cost ~140 KB per idle connection; 8 KiB keeps 10,000 peers near 200 MB.
        // Larger messages still arrive whole: the buffers grow while a message is read.
        .read_buffer_size(IO_BUFFER_BYTES)
        .write_buffer_size(IO_BUFFER_BYTES)
        // Bounded, so that pongs to a peer that pings and never reads wait instead of piling
        // up (tungstenite's default has no maximum).
        .max_write_buffer_size(context.limits.max_write_buffer())
        .max_message_size(context.limits.max_message_size)
        .max_frame_size(context.limits.max_frame_size)
        .on_failed_upgrade(move |error| {
            tracing::info!(%peer, endpoint, %error, "the upgrade failed");
        })
        .on_upgrade(move |socket| async move {
            run(Connection::start(socket, info, context, admission)).await;
        })
}

/// Answers a handshake with `status` and `why` (a 503 with `Connection: close`), and logs
/// and counts it (`reason` is the
/// label of `duplex_handshakes_refused_total`).
pub fn refuse(
    metrics: &Metrics,
    info: &PeerInfo,
    status: StatusCode,
    reason: &str,
    why: String,
) -> Response {
    tracing::warn!(peer = %info.peer, endpoint = info.endpoint, path = %info.path, status = status.as_u16(), %why, "handshake refused");
    metrics.refused(info.endpoint, reason);
    let mut response = (status, format!("{why}\n")).into_response();
    if status == StatusCode::SERVICE_UNAVAILABLE {
        // Busy or shutting down: the client should not keep this connection for the next try.
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// The peer's address as the listener saw it (plain TCP or TLS).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddr(pub SocketAddr);
