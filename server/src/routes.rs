//! The router: the list of endpoints.

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::WebSocketUpgrade;
use axum::extract::{ConnectInfo, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

use crate::conversation::converse;

/// Where the static files come from.
#[derive(Debug, Clone)]
pub struct StaticDirs {
    /// The demo page (index.html and its modules).
    pub www: PathBuf,
    /// The built npm package, served under `/pkg/`.
    pub pkg: PathBuf,
}

/// Every endpoint of the server:
/// - `GET /` with `Upgrade: websocket`: the original conversation;
/// - `GET /`: the demo page (`www/index.html`);
/// - `GET /pkg/...`: the built npm package;
/// - any other path: a file of www/ (ServeDir refuses paths that climb out of it).
pub fn router(dirs: StaticDirs) -> Router {
    Router::new()
        .route("/", any(root))
        .nest_service("/pkg", ServeDir::new(&dirs.pkg))
        .fallback_service(ServeDir::new(&dirs.www))
        .with_state(dirs)
}

async fn root(
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    State(dirs): State<StaticDirs>,
    request: Request,
) -> Response {
    match upgrade {
        Ok(upgrade) => upgrade.on_upgrade(move |socket| converse(socket, peer)),
        Err(_) => match ServeFile::new(dirs.www.join("index.html"))
            .oneshot(request)
            .await
        {
            Ok(page) => page.into_response(),
            Err(never) => match never {},
        },
    }
}
