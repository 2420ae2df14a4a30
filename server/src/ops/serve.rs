//! Running the binary's server: bind, announce the address, serve until SIGINT or SIGTERM,
//! then close every connection with 1001 and wait a bounded time for the close handshakes.
//! Operations layer.

use std::io::Write;

use super::app::{DuplexServer, ServerConfig};
use super::cli::Args;
use super::error::StartError;
use super::shutdown;
use crate::transport::{http, listen, tls};

/// Serves until a signal asks it to stop; `Ok` after a graceful shutdown.
pub async fn run(args: Args) -> Result<(), StartError> {
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(tls::server_config(cert, key)?),
        _ => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let tcp = listen::bind(&args.host, args.port)
        .await
        .map_err(StartError::Bind)?;
    let address = tcp.local_addr().map_err(|source| StartError::Io {
        context: "cannot read the bound address",
        source,
    })?;
    let limits = args.limits.clone();
    if args.test_hooks {
        tracing::warn!(
            "--test-hooks is on: /hooks misbehaves on command; for tests only, never in production"
        );
    }
    let server = DuplexServer::new(ServerConfig::from(args));
    let mut signals = shutdown::Signals::listen().map_err(|source| StartError::Io {
        context: "cannot listen for SIGINT and SIGTERM",
        source,
    })?;
    // Tests and scripts read the port from this line (with --port 0 it is the only way).
    println!("duplex-server listening on {scheme}://{address}");
    let _ = std::io::stdout().flush();
    tracing::info!(%address, scheme, ?limits, "listening");

    let router = server.router();
    let stopping = server.stopping();
    let http_limits = limits.clone();
    let mut serving = tokio::spawn(async move {
        http::serve(tcp, tls, router, &http_limits, stopping).await;
    });
    tokio::select! {
        result = &mut serving => {
            // Serving only ends on shutdown; anything else is a failure.
            return match result {
                Ok(()) => Ok(()),
                Err(join) => Err(StartError::Io { context: "the server stopped", source: std::io::Error::other(join) }),
            };
        }
        name = signals.recv() => {
            tracing::info!(signal = name, "shutting down: no new connections; every peer gets close 1001");
        }
    }
    // Stops accepting, and makes every connection send close 1001 (see Connection::recv).
    server.shutdown();
    let waited = tokio::time::timeout(limits.shutdown_timeout, async {
        server.closed().await;
        let _ = serving.await;
    })
    .await;
    match waited {
        Ok(()) => tracing::info!("every connection closed; bye"),
        Err(_) => tracing::warn!(
            timeout = ?limits.shutdown_timeout,
            "some connections had not closed by the shutdown timeout; exiting anyway"
        ),
    }
    Ok(())
}
