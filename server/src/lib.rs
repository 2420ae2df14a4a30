//! duplex-server: the native tokio server of the duplex-ws workspace, as a binary and as a
//! library.
//!
//! One port serves the original WebSocket conversation on `/`, `/echo`, relay rooms on
//! `/relay/{room}`, `/healthz` and `/metrics`, and for plain GET requests the demo page and
//! the built npm package. See server/README.md for the endpoints, flags and metrics.
//!
//! # As a library
//!
//! [`DuplexServer::new`] takes a [`ServerConfig`]; its [`router`](DuplexServer::router) is an
//! `axum::Router` to nest or merge into an application, and
//! [`shutdown`](DuplexServer::shutdown) closes its connections with 1001.
//!
//! ```
//! use axum::body::Body;
//! use axum::http::{Request, StatusCode};
//! use axum::routing::get;
//! use axum::Router;
//! use duplex_server::{DuplexServer, Limits, ServerConfig};
//! use tower::ServiceExt;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let duplex = DuplexServer::new(ServerConfig {
//!     limits: Limits { max_connections: 100, ..Limits::default() },
//!     ..ServerConfig::default()
//! });
//! let app = Router::new()
//!     .route("/", get(|| async { "my app" }))
//!     .nest("/duplex", duplex.router()); // ws://HOST/duplex/echo, /duplex/relay/{room}, ...
//!
//! let request = Request::get("/duplex/healthz").body(Body::empty()).unwrap();
//! let response = app.clone().oneshot(request).await.unwrap();
//! assert_eq!(response.status(), StatusCode::OK);
//! # }
//! ```
//!
//! Nested under `/duplex`, the conversation is `ws://HOST/duplex` (axum's `nest` does not
//! route `/duplex/` to it). The demo page and the package files (`www`, `pkg` in the config,
//! both `None` by default) are for the server on its own: the page asks for `/pkg/index.js`
//! and opens its sockets at the root, so nested it would reach the outer application.
//!
//! Serving it, with the peers' addresses in the logs and a graceful shutdown that closes every
//! WebSocket with 1001:
//!
//! ```no_run
//! # use axum::Router;
//! # use duplex_server::{DuplexServer, ServerConfig};
//! # async fn serve() -> std::io::Result<()> {
//! # let duplex = DuplexServer::new(ServerConfig::default());
//! # let app = Router::new().nest("/duplex", duplex.router());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! let serving = axum::serve(
//!     listener,
//!     app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
//! )
//! .with_graceful_shutdown(duplex.stopping());
//! let server = tokio::spawn(async move { serving.await });
//! // ... later, on SIGTERM:
//! duplex.shutdown();
//! let _ = tokio::time::timeout(duplex.limits().shutdown_timeout, duplex.closed()).await;
//! let _ = server.await;
//! # Ok(())
//! # }
//! ```
//!
//! # Layers
//!
//! Each layer imports only the layers below it:
//!
//! 1. [`ops`], the top: the command line, the Origin policy, signals, the app state, the
//!    [`Handshake`](ops::handshake::Handshake) extractor and the router;
//! 2. [`endpoints`]: conversation, echo, relay, and the test hooks that wrap another endpoint;
//! 3. [`rooms`]: the relay rooms and the Redis backplane (given `Arc<Rooms>` and a shutdown
//!    token, never the app state);
//! 4. [`transport`], the bottom: listen, TLS, the upgrade, a connection's reader and writer,
//!    the limits and counters they run under ([`transport::ConnContext`]).
#![warn(missing_docs)]

pub mod endpoints;
pub mod ops;
pub mod rooms;
pub mod transport;

pub use ops::app::{DuplexServer, ServerConfig};
pub use ops::cli::Args;
pub use ops::error::StartError;
pub use ops::serve::run;
pub use transport::Limits;
