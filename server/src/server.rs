//! Running the server: bind, announce the address, serve until SIGINT or SIGTERM, then close
//! every connection with 1001 and wait a bounded time for the close handshakes.

use std::future::IntoFuture;
use std::io::Write;

use crate::cli::Args;
use crate::error::StartError;
use crate::listen::{self, DuplexListener};
use crate::origin::OriginPolicy;
use crate::routes::router;
use crate::state::{AppState, StaticDirs};
use crate::upgrade::PeerAddr;
use crate::{backplane, shutdown, tls};

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
    let listener = DuplexListener::new(tcp, tls).map_err(|source| StartError::Io {
        context: "cannot start the TLS listener",
        source,
    })?;
    let limits = args.limits();
    if args.test_hooks {
        tracing::warn!(
            "--test-hooks is on: /hooks misbehaves on command; for tests only, never in production"
        );
    }
    let (state, backplane_inbox) = AppState::new(
        StaticDirs {
            www: args.www,
            pkg: args.pkg,
        },
        limits.clone(),
        OriginPolicy::new(args.allow_origins),
        args.test_hooks,
        args.redis,
    );
    if let (Some(backplane), Some(inbox)) = (&state.backplane, backplane_inbox) {
        // Tracked like a connection: shutdown waits for it to let go of Redis.
        state
            .tracker
            .spawn(backplane::run(backplane.clone(), inbox, state.clone()));
    }
    let mut signals = shutdown::Signals::listen().map_err(|source| StartError::Io {
        context: "cannot listen for SIGINT and SIGTERM",
        source,
    })?;
    // Tests and scripts read the port from this line (with --port 0 it is the only way).
    println!("duplex-server listening on {scheme}://{address}");
    let _ = std::io::stdout().flush();
    tracing::info!(%address, scheme, ?limits, "listening");

    let app = router(state.clone()).into_make_service_with_connect_info::<PeerAddr>();
    let stop = state.shutdown.clone();
    let mut serving = tokio::spawn(
        axum::serve(listener, app)
            .with_graceful_shutdown(stop.cancelled_owned())
            .into_future(),
    );
    tokio::select! {
        result = &mut serving => {
            // axum::serve only returns on shutdown; anything else is a failure.
            return match result {
                Ok(Ok(())) => Ok(()),
                Ok(Err(source)) => Err(StartError::Io { context: "the server stopped", source }),
                Err(join) => Err(StartError::Io { context: "the server stopped", source: std::io::Error::other(join) }),
            };
        }
        name = signals.recv() => {
            tracing::info!(signal = name, "shutting down: no new connections; every peer gets close 1001");
        }
    }
    // Stops accepting, and makes every connection send close 1001 (see Connection::recv).
    state.shutdown.cancel();
    state.tracker.close();
    let waited = tokio::time::timeout(limits.shutdown_timeout, async {
        state.tracker.wait().await;
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
