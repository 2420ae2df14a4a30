//! fws-echo: the reference echo server of the benchmarks, on fastwebsockets (hyper 1 for the
//! upgrade), written as fastwebsockets' own echo example: every text and binary message back
//! unchanged, on any path.
//!
//! ```sh
//! fws-echo --port 0     # first line: fws-echo listening on http://127.0.0.1:PORT
//! ```

use std::process::ExitCode;

use clap::Parser;
use fastwebsockets::upgrade::{upgrade, UpgradeFut};
use fastwebsockets::{FragmentCollector, OpCode, WebSocketError};
use http_body_util::Empty;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

#[derive(Parser)]
#[command(
    version,
    about = "fastwebsockets echo server (the benchmarks' reference)"
)]
struct Cli {
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// 0 takes a free port.
    #[arg(long, default_value_t = 9901)]
    port: u16,
}

/// Echoes frames until the peer closes (fastwebsockets answers pings and closes itself).
async fn echo(upgrade: UpgradeFut) -> Result<(), WebSocketError> {
    let mut ws = FragmentCollector::new(upgrade.await?);
    loop {
        let frame = ws.read_frame().await?;
        match frame.opcode {
            OpCode::Close => return Ok(()),
            OpCode::Text | OpCode::Binary => ws.write_frame(frame).await?,
            _ => {}
        }
    }
}

/// Upgrades every request to a WebSocket that echoes.
async fn handle(mut request: Request<Incoming>) -> Result<Response<Empty<Bytes>>, WebSocketError> {
    let (response, upgrade) = upgrade(&mut request)?;
    tokio::spawn(async move {
        // A peer that goes away mid-frame is not the server's error to report.
        let _ = echo(upgrade).await;
    });
    Ok(response)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("fws-echo: cannot start the tokio runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let address = format!("{}:{}", cli.host, cli.port);
        let listener = match TcpListener::bind(&address).await {
            Ok(listener) => listener,
            Err(error) => {
                eprintln!("fws-echo: cannot listen on {address}: {error}");
                return ExitCode::FAILURE;
            }
        };
        match listener.local_addr() {
            Ok(local) => println!("fws-echo listening on http://{local}"),
            Err(error) => {
                eprintln!("fws-echo: no local address: {error}");
                return ExitCode::FAILURE;
            }
        }
        loop {
            let (stream, _) = match listener.accept().await {
                Ok(accepted) => accepted,
                // Out of file descriptors and the like: keep serving the others.
                Err(_) => continue,
            };
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let connection = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service_fn(handle))
                    .with_upgrades();
                let _ = connection.await;
            });
        }
    })
}
