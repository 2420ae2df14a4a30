//! `duplex-server [--host 127.0.0.1] [--port 9900] [--www DIR] [--pkg DIR] [...]`; see `--help`.
//! A thin main over the library: logging, the runtime, [`duplex_server::run`].

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use duplex_server::{Args, StartError};
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
        let error = StartError::NoWww {
            path: args.www.display().to_string(),
        };
        eprintln!("duplex-server: {error}");
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
    match runtime.block_on(duplex_server::run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("duplex-server: {error}");
            ExitCode::FAILURE
        }
    }
}
