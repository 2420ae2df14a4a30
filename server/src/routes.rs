//! The router: the list of endpoints.

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{ConnectInfo, Path, Query, Request, State, WebSocketUpgrade};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Router;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

use crate::connection::PeerInfo;
use crate::conversation::converse;
use crate::echo::echo;
use crate::hooks::{hooks, MAX_HOOK_MS};
use crate::metrics::CONTENT_TYPE;
use crate::relay::{check_room_name, relay, DEFAULT_ROOM};
use crate::state::AppState;
use crate::upgrade::{accept, refuse, PeerAddr};

/// Every endpoint of the server:
/// - `GET /` with `Upgrade: websocket`: the original conversation; without: the demo page;
/// - `/echo`: every message back unchanged;
/// - `/relay/{room}`, `/relay`: every message to the other peers of the room; a plain GET
///   of `/relay/{room}` answers `{"room":..., "peers":N}`;
/// - `/hooks`: with `--test-hooks` only, an echo with misbehaviour on command (404 without);
/// - `GET /healthz`: `ok` (`ok (backplane down)` while `--redis` is unreachable); `GET /metrics`: the counters, Prometheus text format;
/// - `GET /pkg/...`: the built npm package;
/// - any other path: a file of www/ (ServeDir refuses paths that climb out of it).
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", any(root))
        .route("/echo", any(echo_endpoint))
        .route("/relay", any(relay_default_room))
        .route("/relay/{room}", any(relay_room))
        .route("/hooks", any(hooks_endpoint))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .nest_service("/pkg", ServeDir::new(&state.dirs.pkg))
        .fallback_service(ServeDir::new(&state.dirs.www))
        .with_state(state)
}

fn info(peer: PeerAddr, endpoint: &'static str, uri: &Uri) -> PeerInfo {
    PeerInfo {
        peer: peer.0,
        endpoint,
        path: uri.to_string(),
    }
}

async fn root(
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    ConnectInfo(peer): ConnectInfo<PeerAddr>,
    State(state): State<AppState>,
    headers: HeaderMap,
    request: Request,
) -> Response {
    match upgrade {
        Ok(upgrade) => {
            let info = info(peer, "/", request.uri());
            accept(
                &state,
                upgrade,
                &headers,
                info,
                |connection, state| async move {
                    converse(connection, state.hooks.as_ref()).await;
                },
            )
        }
        Err(_) => match ServeFile::new(state.dirs.www.join("index.html"))
            .oneshot(request)
            .await
        {
            Ok(page) => page.into_response(),
            Err(never) => match never {},
        },
    }
}

async fn echo_endpoint(
    upgrade: WebSocketUpgrade,
    ConnectInfo(peer): ConnectInfo<PeerAddr>,
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    accept(
        &state,
        upgrade,
        &headers,
        info(peer, "/echo", &uri),
        |connection, _| echo(connection),
    )
}

async fn relay_default_room(
    upgrade: WebSocketUpgrade,
    ConnectInfo(peer): ConnectInfo<PeerAddr>,
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    join_room(
        state,
        upgrade,
        headers,
        info(peer, "/relay", &uri),
        DEFAULT_ROOM.to_owned(),
    )
}

async fn relay_room(
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    ConnectInfo(peer): ConnectInfo<PeerAddr>,
    State(state): State<AppState>,
    Path(room): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let info = info(peer, "/relay", &uri);
    if let Err(why) = check_room_name(&room) {
        return refuse(&state, &info, StatusCode::BAD_REQUEST, "room", why);
    }
    match upgrade {
        Ok(upgrade) => join_room(state, upgrade, headers, info, room),
        // A plain GET: how many peers the room has here (the demo page shows it).
        Err(_) => room_info(&state, &room),
    }
}

/// `{"room":"<name>","peers":N}` for a plain GET of `/relay/{room}`.
fn room_info(state: &AppState, room: &str) -> Response {
    let peers = state.rooms.peers(room);
    let name = serde_json::to_string(room).unwrap_or_else(|_| "\"\"".to_owned());
    (
        [(header::CONTENT_TYPE, "application/json")],
        format!("{{\"room\":{name},\"peers\":{peers}}}\n"),
    )
        .into_response()
}

fn join_room(
    state: AppState,
    upgrade: WebSocketUpgrade,
    headers: HeaderMap,
    info: PeerInfo,
    room: String,
) -> Response {
    accept(
        &state,
        upgrade,
        &headers,
        info,
        |connection, state| async move {
            relay(connection, &state.rooms, room).await;
        },
    )
}

async fn hooks_endpoint(
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    ConnectInfo(peer): ConnectInfo<PeerAddr>,
    State(state): State<AppState>,
    query: Result<Query<HashMap<String, String>>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    if state.hooks.is_none() {
        return (
            StatusCode::NOT_FOUND,
            "/hooks exists only with --test-hooks\n",
        )
            .into_response();
    }
    let upgrade = match upgrade {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    let info = info(peer, "/hooks", &uri);
    let query = match query {
        Ok(Query(query)) => query,
        Err(rejection) => {
            let why = format!("bad query {:?}: {rejection}", uri.query().unwrap_or(""));
            return refuse(&state, &info, StatusCode::BAD_REQUEST, "query", why);
        }
    };
    // `key`: which hook:refuse count applies ("" when absent); `stall`: hold the handshake
    // this many milliseconds before answering it.
    let key = query.get("key").cloned().unwrap_or_default();
    if let Some(stall) = query.get("stall") {
        match stall.parse::<u64>() {
            Ok(ms) if ms <= MAX_HOOK_MS => {
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(ms)) => {}
                    _ = state.shutdown.cancelled() => {}
                }
            }
            _ => {
                let why = format!(
                    "stall={stall:?} is not a whole number of milliseconds from 0 to {MAX_HOOK_MS}"
                );
                return refuse(&state, &info, StatusCode::BAD_REQUEST, "query", why);
            }
        }
    }
    let refused = state.hooks.as_ref().is_some_and(|book| book.take(&key));
    if refused {
        let why = format!("refused by hook:refuse for key {key:?}");
        return refuse(&state, &info, StatusCode::SERVICE_UNAVAILABLE, "hook", why);
    }
    // For tests of the client's `protocols` option: take the first subprotocol offered.
    let offered: Vec<String> = headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|value| value.to_str().ok())
        .map(|value| value.split(',').map(|p| p.trim().to_owned()).collect())
        .unwrap_or_default();
    let upgrade = upgrade.protocols(offered);
    accept(
        &state,
        upgrade,
        &headers,
        info,
        |connection, state| async move {
            if let Some(book) = &state.hooks {
                hooks(connection, book, key).await;
            }
        },
    )
}

/// Always 200: an instance whose Redis is down still serves its own peers, and a load balancer
/// that took every instance out when Redis fails would turn a partial outage into a full one.
/// The body tells the two apart.
async fn healthz(State(state): State<AppState>) -> &'static str {
    match &state.backplane {
        Some(backplane) if !backplane.is_up() => "ok (backplane down)\n",
        _ => "ok\n",
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, CONTENT_TYPE)],
        state.metrics.render(),
    )
        .into_response()
}
