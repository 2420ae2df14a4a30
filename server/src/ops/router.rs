//! The router: the list of endpoints, each handler a few lines over a [`Handshake`].
//! Operations layer: the only place that sees the [`AppState`]; it hands each endpoint what
//! that endpoint needs.

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tower::ServiceExt;
use tower_http::services::ServeFile;
use tower_http::set_header::SetResponseHeaderLayer;

use super::app::AppState;
use super::files::files;
use super::handshake::Handshake;
use crate::endpoints::conversation::CONVERSATION;
use crate::endpoints::echo::ECHO;
use crate::endpoints::hooks::{self, check_handshake, offered_protocols};
use crate::endpoints::relay::relay;
use crate::rooms::{check_room_name, DEFAULT_ROOM};
use crate::transport::metrics::CONTENT_TYPE;
use crate::transport::session::PROTOCOL;
use crate::transport::upgrade::refuse;

/// Every endpoint of the server:
/// - `GET /` with `Upgrade: websocket`: the original conversation; without: the demo page;
/// - `/echo`: every message back unchanged;
/// - `/relay/{room}`, `/relay`: every message to the other peers of the room; a plain GET
///   of `/relay/{room}` answers `{"room":..., "peers":N}`;
/// - `/hooks`: with `--test-hooks` only, an echo with misbehaviour on command (404 without);
/// - `GET /healthz`: `ok` (`ok (backplane down)` while `--redis` is unreachable); `GET /metrics`: the counters, Prometheus text format;
/// - `GET /pkg/...`: the built npm package;
/// - any other path: a file of www/ (no path nor symbolic link leads out of it).
///
/// Only GET (and HEAD) is answered (else 405); every response says
/// `X-Content-Type-Options: nosniff`.
pub fn router(state: AppState) -> Router {
    let mut router = Router::new()
        .route("/", get(root))
        .route("/echo", get(echo))
        .route("/relay", get(relay_default_room))
        .route("/relay/", get(relay_empty_room))
        .route("/relay/{room}", get(relay_room))
        .route("/hooks", get(hooks_endpoint))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics));
    if let Some(pkg) = &state.pkg {
        router = router.nest_service("/pkg", files(pkg.clone()));
    }
    if let Some(www) = &state.www {
        router = router.fallback_service(files(www.clone()));
    }
    router
        .with_state(state)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
}

async fn root(State(app): State<AppState>, handshake: Handshake, request: Request) -> Response {
    match (&handshake.upgrade, &app.www) {
        (Err(_), Some(www)) => match ServeFile::new(www.join("index.html"))
            .oneshot(request)
            .await
        {
            Ok(page) => page.into_response(),
            Err(never) => match never {},
        },
        _ => {
            let sessions = app.sessions.clone();
            match app.hooks.clone() {
                // With --test-hooks, `hook:` commands work here too, so the demo page can show
                // a dropped connection.
                Some(book) => handshake.open(&app, "/", |connection| async move {
                    hooks::serve(CONVERSATION, connection, &sessions, "/", &book, "").await;
                }),
                None => handshake.open(&app, "/", |connection| async move {
                    CONVERSATION.serve(connection, &sessions, "/").await;
                }),
            }
        }
    }
}

async fn echo(State(app): State<AppState>, handshake: Handshake) -> Response {
    let sessions = app.sessions.clone();
    handshake.open(&app, "/echo", |connection| async move {
        ECHO.serve(connection, &sessions, "/echo").await;
    })
}

async fn relay_default_room(State(app): State<AppState>, handshake: Handshake) -> Response {
    join_room(app, handshake, DEFAULT_ROOM.to_owned())
}

/// `/relay/` (an empty room name): refused like any name that breaks the rule (400).
async fn relay_empty_room(State(app): State<AppState>, handshake: Handshake) -> Response {
    named_room(app, handshake, String::new())
}

async fn relay_room(
    State(app): State<AppState>,
    handshake: Handshake,
    Path(room): Path<String>,
) -> Response {
    named_room(app, handshake, room)
}

fn named_room(app: AppState, handshake: Handshake, room: String) -> Response {
    if let Err(why) = check_room_name(&room) {
        let info = handshake.info("/relay");
        return refuse(
            &app.connections.metrics,
            &info,
            StatusCode::BAD_REQUEST,
            "room",
            why,
        );
    }
    match handshake.upgrade {
        Ok(_) => join_room(app, handshake, room),
        // A plain GET: how many peers the room has here (the demo page shows it).
        Err(_) => room_info(&app, &room),
    }
}

/// `{"room":"<name>","peers":N}` for a plain GET of `/relay/{room}`.
fn room_info(app: &AppState, room: &str) -> Response {
    let peers = app.rooms.peers(room);
    let name = serde_json::to_string(room).unwrap_or_else(|_| "\"\"".to_owned());
    (
        [(header::CONTENT_TYPE, "application/json")],
        format!("{{\"room\":{name},\"peers\":{peers}}}\n"),
    )
        .into_response()
}

fn join_room(app: AppState, handshake: Handshake, room: String) -> Response {
    let rooms = app.rooms.clone();
    let sessions = app.sessions.clone();
    handshake.open(&app, "/relay", |connection| async move {
        relay(connection, &rooms, &sessions, room).await;
    })
}

async fn hooks_endpoint(
    State(app): State<AppState>,
    mut handshake: Handshake,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let Some(book) = app.hooks.clone() else {
        return (
            StatusCode::NOT_FOUND,
            "/hooks exists only with --test-hooks\n",
        )
            .into_response();
    };
    let info = handshake.info("/hooks");
    let upgrade = match handshake.upgrade {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    let query = query
        .as_ref()
        .map(|Query(query)| query)
        .map_err(|rejection| {
            let raw = handshake.uri.query().unwrap_or("");
            format!("bad query {raw:?}: {rejection}")
        });
    let shutdown = &app.connections.shutdown;
    let select = query
        .as_ref()
        .ok()
        .and_then(|query| query.get("select").cloned());
    let key = match check_handshake(&book, query, shutdown).await {
        Ok(key) => key,
        Err(refusal) => {
            let metrics = &app.connections.metrics;
            return refuse(metrics, &info, refusal.status, refusal.reason, refusal.why);
        }
    };
    // `select` plays servers that do not speak duplex.v1, for the client's fallback to plain
    // mode: `none` selects no protocol; `first` selects the first offered and runs plain even
    // when that is duplex.v1 (as the Node `ws` server does by default).
    let offered = offered_protocols(&handshake.headers);
    let (protocols, plain): (Vec<String>, bool) = match select.as_deref() {
        None => (
            std::iter::once(PROTOCOL.to_owned())
                .chain(offered)
                .collect(),
            false,
        ),
        Some("none") => (Vec::new(), true),
        Some("first") => (offered.into_iter().take(1).collect(), true),
        Some(other) => {
            let why = format!("select={other:?} is not none or first");
            let metrics = &app.connections.metrics;
            return refuse(metrics, &info, StatusCode::BAD_REQUEST, "query", why);
        }
    };
    handshake.upgrade = Ok(upgrade.protocols(protocols));
    let sessions = app.sessions.clone();
    handshake.open(&app, "/hooks", move |connection| async move {
        if plain {
            hooks::run(ECHO, connection, &book, &key).await;
        } else {
            hooks::serve(ECHO, connection, &sessions, "/hooks", &book, &key).await;
        }
    })
}

/// Always 200: an instance whose Redis is down still serves its own peers, and a load balancer
/// that took every instance out when Redis fails would turn a partial outage into a full one.
/// The body tells the two apart.
async fn healthz(State(app): State<AppState>) -> &'static str {
    match &app.backplane {
        Some(backplane) if !backplane.is_up() => "ok (backplane down)\n",
        _ => "ok\n",
    }
}

async fn metrics(State(app): State<AppState>) -> Response {
    let text = app.connections.metrics.render();
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response()
}
