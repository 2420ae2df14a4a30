//! The WebSocket upgrade: a handshake that the layers above have let through is admitted
//! (not shutting down, under `--max-connections`; else 503), is answered 101 with the
//! subprotocol and the compression agreed, and the endpoint then runs on the [`Connection`]
//! (yawc's WebSocket, with the size limits and buffers of `wire::options`). Transport
//! layer: imports only `transport`.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, HeaderValue, Request, StatusCode};
use axum::response::{IntoResponse, Response};

use super::connection::{Connection, PeerInfo};
use super::context::ConnContext;
pub use super::extract::{UpgradeRejection, WebSocketUpgrade};
use super::metrics::Metrics;
use super::rsv::ReservedBitGuard;
use super::wire::Wire;
use hyper_util::rt::TokioIo;
use yawc::Role;

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
    // yawc answers the key and the extension offer (permessage-deflate, on the terms of
    // `wire::options`) from a request that carries only what it reads.
    let WebSocketUpgrade {
        on_upgrade,
        key,
        extensions,
        protocol,
        ..
    } = upgrade;
    let mut request = Request::new(());
    let headers = request.headers_mut();
    headers.insert(header::SEC_WEBSOCKET_KEY, key);
    headers.insert(
        header::SEC_WEBSOCKET_VERSION,
        HeaderValue::from_static("13"),
    );
    if let Some(extensions) = extensions {
        headers.insert(header::SEC_WEBSOCKET_EXTENSIONS, extensions);
    }
    // yawc's own upgrade future is not used (it gets no upgrade handle here): it builds its
    // WebSocket straight on the connection, and the server puts the ReservedBitGuard under
    // it (see `rsv`), on the terms yawc agreed to in its answer.
    let (answer, _) =
        match yawc::WebSocket::upgrade_with_options(&mut request, context.wire_options.clone()) {
            Ok(pair) => pair,
            Err(error) => {
                let why = format!("the handshake could not be answered: {error}");
                return refuse(
                    &context.metrics,
                    &info,
                    StatusCode::BAD_REQUEST,
                    "handshake",
                    why,
                );
            }
        };
    let (mut parts, _) = answer.into_parts();
    let agreed = parts
        .headers
        .get(header::SEC_WEBSOCKET_EXTENSIONS)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let deflate = agreed.is_some();
    if let Some(protocol) = &protocol {
        parts
            .headers
            .insert(header::SEC_WEBSOCKET_PROTOCOL, protocol.clone());
    }
    let protocol = protocol.and_then(|value| value.to_str().ok().map(str::to_owned));
    let context = context.clone();
    tokio::spawn(async move {
        let socket = on_upgrade
            .await
            .map_err(yawc::WebSocketError::from)
            .and_then(|io| {
                let io = ReservedBitGuard::new(TokioIo::new(io));
                let options = context.wire_options.clone();
                yawc::WebSocket::from_stream_with_extensions(
                    io,
                    Role::Server,
                    agreed.as_deref(),
                    options,
                )
            });
        match socket {
            Ok(socket) => {
                let wire = Wire::new(socket, context.limits.max_message_size);
                let connection =
                    Connection::start(wire, info, protocol, deflate, context, admission);
                run(connection).await;
            }
            Err(error) => tracing::info!(%peer, endpoint, %error, "the upgrade failed"),
        }
    });
    Response::from_parts(parts, Body::empty())
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
