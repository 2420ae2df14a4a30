//! The library's entry point: a [`ServerConfig`] makes a [`DuplexServer`], whose
//! [`router`](DuplexServer::router) an axum application can serve, nest or merge, and which
//! shuts its connections down on request. Below the router, the layers get only what they
//! need from [`AppState`]: the connections a [`ConnContext`], the backplane `Arc<Rooms>` and
//! the shutdown token, the endpoints the rooms and the hooks' refusal book. Operations layer.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;

use super::cli::Args;
use super::origin::{AllowedHost, AllowedOrigin, OriginPolicy};
use crate::endpoints::hooks::RefusalBook;
use crate::rooms::backplane::{self, url::RedisUrl, Backplane};
use crate::rooms::Rooms;
use crate::transport::session::replay::ReplayBounds;
use crate::transport::session::{SessionSettings, Sessions};
use crate::transport::{ConnContext, Limits, Metrics};

/// What a [`DuplexServer`] serves, and how. [`ServerConfig::default`] serves the WebSocket
/// endpoints (`/`, `/echo`, `/relay/{room}`), `/healthz` and `/metrics` with the default
/// limits, no static files, no test hooks, rooms local to the process.
#[derive(Clone, Default)]
pub struct ServerConfig {
    /// The demo page's folder: `GET /` without an Upgrade header, and any other file. `None`:
    /// no static files (a plain GET of `/` gets the upgrade's 400).
    pub www: Option<PathBuf>,
    /// The built npm package, served under `/pkg/`; `None`: not served.
    pub pkg: Option<PathBuf>,
    /// The limits of every connection.
    pub limits: Limits,
    /// Origins allowed besides the server's own and localhost ones (`--allow-origin`).
    pub allowed_origins: Vec<AllowedOrigin>,
    /// Names this server is reached by, besides localhost ones, for the own-origin rule
    /// (`--allow-host`, and `--host` when it is a name or a specific address).
    pub allowed_hosts: Vec<AllowedHost>,
    /// Opens `/hooks` and `hook:` commands on `/`: for tests only, never in production.
    pub test_hooks: bool,
    /// Relay rooms span every instance on this Redis (`--redis`).
    pub redis: Option<RedisUrl>,
}

impl From<Args> for ServerConfig {
    /// The server the command line asks for.
    fn from(args: Args) -> ServerConfig {
        ServerConfig {
            www: Some(args.www),
            pkg: Some(args.pkg),
            limits: args.limits,
            allowed_origins: args.allow_origins,
            allowed_hosts: own_hosts(&args.host, args.allow_hosts),
            test_hooks: args.test_hooks,
            redis: args.redis,
        }
    }
}

/// `--allow-host` values, and `--host` unless it is a wildcard address (0.0.0.0, ::), which
/// names no host.
fn own_hosts(host: &str, mut hosts: Vec<AllowedHost>) -> Vec<AllowedHost> {
    let wildcard = host
        .trim_matches(|c| c == '[' || c == ']')
        .parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_unspecified());
    let bracketed = match host.parse::<std::net::Ipv6Addr>() {
        Ok(_) => format!("[{host}]"),
        Err(_) => host.to_owned(),
    };
    if !wildcard {
        if let Ok(own) = AllowedHost::parse(&bracketed) {
            hosts.push(own);
        }
    }
    hosts
}

/// What the route handlers share; cheap to clone (one `Arc`). Only the router sees it.
#[derive(Clone)]
pub struct AppState(Arc<AppInner>);

/// The fields of [`AppState`].
pub struct AppInner {
    /// The demo page's folder, if served.
    pub www: Option<PathBuf>,
    /// The built npm package's folder, if served.
    pub pkg: Option<PathBuf>,
    /// Which origins may open WebSockets.
    pub origins: OriginPolicy,
    /// What every connection gets: limits, counters, shutdown, admission.
    pub connections: Arc<ConnContext>,
    /// The relay rooms.
    pub rooms: Arc<Rooms>,
    /// With `--redis`: the backplane that rooms span instances through.
    pub backplane: Option<Backplane>,
    /// `Some` when `--test-hooks` is on: the pending `hook:refuse` counts.
    pub hooks: Option<Arc<RefusalBook>>,
    /// The sessions (`duplex.v1`) of this instance.
    pub sessions: Arc<Sessions>,
}

impl std::ops::Deref for AppState {
    type Target = AppInner;
    fn deref(&self) -> &AppInner {
        &self.0
    }
}

/// A duplex-server to serve from an axum application: its router and its shutdown; cheap to
/// clone. See the crate documentation for an example.
#[derive(Clone)]
pub struct DuplexServer {
    state: AppState,
}

impl DuplexServer {
    /// A server with these settings, no connection open yet.
    ///
    /// # Panics
    ///
    /// With `config.redis`, outside a Tokio runtime: the backplane task starts here.
    pub fn new(config: ServerConfig) -> DuplexServer {
        let metrics = Metrics::new();
        let sessions = Arc::new(Sessions::new(SessionSettings::from(&config.limits)));
        sessions.count_in(&metrics);
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            // Frees expired sessions even when no handshake comes (which sweeps them too).
            runtime.spawn(sweep_sessions(Arc::downgrade(&sessions)));
        }
        let connections = Arc::new(ConnContext::new(config.limits, metrics.clone()));
        let (backplane, inbox) = match config.redis {
            Some(url) => {
                let limits = &connections.limits;
                let bounds = ReplayBounds {
                    max_bytes: limits.session_replay_bytes,
                    max_messages: limits.session_replay_messages,
                };
                let (backplane, inbox) = Backplane::new(url, &metrics, bounds, limits.session_ttl);
                (Some(backplane), Some(inbox))
            }
            None => (None, None),
        };
        let rooms = Arc::new(Rooms::new(&metrics, backplane.clone()));
        if let (Some(backplane), Some(inbox)) = (&backplane, inbox) {
            // Tracked like a connection: shutdown waits for it to let go of Redis.
            connections.tracker.spawn(backplane::task::run(
                backplane.clone(),
                inbox,
                rooms.clone(),
                connections.shutdown.clone(),
            ));
        }
        let state = AppState(Arc::new(AppInner {
            www: config.www,
            pkg: config.pkg,
            origins: OriginPolicy::new(config.allowed_origins, config.allowed_hosts),
            connections,
            rooms,
            backplane,
            hooks: config.test_hooks.then(Arc::default),
            sessions,
        }));
        DuplexServer { state }
    }

    /// Every endpoint, as an axum router with its state applied: serve it, or
    /// `Router::nest` / `Router::merge` it into an application. The handlers read the peer's
    /// address from `ConnectInfo<SocketAddr>` (or the binary's own listener's), if the
    /// application serves with `into_make_service_with_connect_info`.
    pub fn router(&self) -> Router {
        super::router::router(self.state.clone())
    }

    /// Stops accepting WebSocket handshakes (503) and sends close 1001 to every peer. Plain
    /// HTTP requests are still answered; stop the HTTP server too (axum's
    /// `with_graceful_shutdown`).
    pub fn shutdown(&self) {
        self.state.connections.shutdown.cancel();
        self.state.connections.tracker.close();
    }

    /// Resolves once [`shutdown`](DuplexServer::shutdown) is called: hand it to axum's
    /// `with_graceful_shutdown` (it owns what it needs: no borrow of the server).
    pub fn stopping(&self) -> impl Future<Output = ()> + Send + 'static {
        self.state.connections.shutdown.clone().cancelled_owned()
    }

    /// Whether [`shutdown`](DuplexServer::shutdown) was called.
    pub fn is_shutting_down(&self) -> bool {
        self.state.connections.shutdown.is_cancelled()
    }

    /// After [`shutdown`](DuplexServer::shutdown), waits until every connection has closed
    /// (and the backplane let go of Redis). Bound the wait with `tokio::time::timeout` and
    /// [`Limits::shutdown_timeout`].
    pub async fn closed(&self) {
        self.state.connections.tracker.wait().await;
    }

    /// The limits this server runs under.
    pub fn limits(&self) -> &Limits {
        &self.state.connections.limits
    }
}

/// Sweeps expired sessions every second, for as long as the server exists.
async fn sweep_sessions(sessions: std::sync::Weak<Sessions>) {
    let mut ticks = tokio::time::interval(std::time::Duration::from_secs(1));
    loop {
        ticks.tick().await;
        let Some(sessions) = sessions.upgrade() else {
            return;
        };
        sessions.sweep(std::time::Instant::now());
    }
}
