//! `duplex-server [--host 127.0.0.1] [--port 9900] [--www DIR] [--pkg DIR]`

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Parser;
use duplex_server::routes::{router, StaticDirs};
use duplex_server::{listen, Args};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("DUPLEX_LOG").unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    if !args.www.is_dir() {
        eprintln!(
            "duplex-server: --www {}: no such folder (it should hold the demo page)",
            args.www.display()
        );
        return ExitCode::FAILURE;
    }
    if !args.pkg.is_dir() {
        tracing::warn!(pkg = %args.pkg.display(), "no built package there yet: /pkg/ answers 404 (run `npm start`, or wasm-pack build --target web)");
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("duplex-server: cannot start the tokio runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("duplex-server: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: Args) -> Result<(), String> {
    let listener = listen::bind(&args.host, args.port).await?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    // Tests and scripts read the port from this line (with --port 0 it is the only way).
    println!("duplex-server listening on http://{address}");
    let _ = std::io::stdout().flush();
    let app = router(StaticDirs {
        www: args.www,
        pkg: args.pkg,
    });
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
    .map_err(|error| format!("the server stopped: {error}"))
}
