//! duplex-load: the load generator of the benchmarks. Each subcommand runs once against a
//! server that is already listening and prints one JSON line (a `Record`) on stdout.
//!
//! ```sh
//! duplex-load echo --url ws://127.0.0.1:9900/echo --connections 100 --size 1024 --binary
//! duplex-load echo --url ws://127.0.0.1:9900/echo --connections 100 --size 1024 --json --deflate
//! duplex-load fanout --url ws://127.0.0.1:9900/relay/bench --receivers 100 --server-pid 1234
//! duplex-load hold --url ws://127.0.0.1:9900/echo --connections 10000 --server-pid 1234
//! ```
//!
//! Echo and fan-out spread their connections over `--threads` threads (default: one per core
//! this process may run on, e.g. under `taskset`).

use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use duplex_bench::load::echo::{echo, EchoRun};
use duplex_bench::load::fanout::{fanout, FanoutRun};
use duplex_bench::load::hold::{hold, HoldRun, DEFAULT_SETTLE};
use duplex_bench::load::payload::Kind;
use duplex_bench::load::shard;
use duplex_bench::record::Record;

#[derive(Parser)]
#[command(
    version,
    about = "Load generator of the duplex-ws benchmarks (one JSON line per run)"
)]
struct Cli {
    #[command(subcommand)]
    run: Run,
    #[command(flatten)]
    label: Label,
}

/// How the record is labelled (the report groups by these).
#[derive(Args)]
struct Label {
    /// The suite: server, memory.
    #[arg(long, global = true, default_value = "server")]
    suite: String,
    /// The row, e.g. echo-100x1k.
    #[arg(long, global = true, default_value = "adhoc")]
    row: String,
    /// The subject, e.g. duplex-server.
    #[arg(long, global = true, default_value = "server")]
    subject: String,
    /// The run's number.
    #[arg(long = "run", global = true, default_value_t = 1)]
    run_number: u32,
}

#[derive(Subcommand)]
enum Run {
    /// Messages echoed: `window` in flight on each connection (1 on 1 connection: ping-pong).
    Echo {
        #[arg(long)]
        url: String,
        #[arg(long, default_value_t = 1)]
        connections: usize,
        /// Payload bytes.
        #[arg(long, default_value_t = 20)]
        size: usize,
        /// Binary messages (default: text).
        #[arg(long, conflicts_with = "json")]
        binary: bool,
        /// JSON text messages of `--size` bytes (default: letters).
        #[arg(long)]
        json: bool,
        /// Offer permessage-deflate; compress what is sent when the server agrees (the
        /// record's `deflate` says on how many connections it did).
        #[arg(long)]
        deflate: bool,
        #[arg(long, default_value_t = 1)]
        window: usize,
        #[arg(long, default_value_t = 500)]
        warmup_ms: u64,
        #[arg(long, default_value_t = 2000)]
        duration_ms: u64,
        /// The server's process id: its CPU time per message is measured too.
        #[arg(long)]
        server_pid: Option<u32>,
        #[command(flatten)]
        threads: Threads,
    },
    /// One sender, `receivers` receivers in one relay room: deliveries per second.
    Fanout {
        /// The relay room the receivers join.
        #[arg(long)]
        url: String,
        /// Where the sender joins the room, if elsewhere: another instance of the same room
        /// through Redis (the default is `--url`).
        #[arg(long)]
        sender_url: Option<String>,
        #[arg(long, default_value_t = 100)]
        receivers: usize,
        #[arg(long, default_value_t = 20)]
        size: usize,
        /// Messages the sender may be ahead of the slowest receiver (under the relay's queue).
        #[arg(long, default_value_t = 32)]
        window: u64,
        /// At least 200: the sender waits that long for the last receivers to join.
        #[arg(long, default_value_t = 500)]
        warmup_ms: u64,
        #[arg(long, default_value_t = 2000)]
        duration_ms: u64,
        /// The server's process id (repeat it for each instance of a backplane run): its CPU
        /// time per delivery is measured too.
        #[arg(long)]
        server_pid: Vec<u32>,
        #[command(flatten)]
        threads: Threads,
    },
    /// Idle connections held open; the server's RSS before and after.
    Hold {
        #[arg(long)]
        url: String,
        #[arg(long)]
        connections: usize,
        /// The server's process id (its RSS is read from /proc).
        #[arg(long)]
        server_pid: u32,
        #[arg(long, default_value_t = DEFAULT_SETTLE.as_millis() as u64)]
        settle_ms: u64,
    },
}

/// How many threads drive the connections.
#[derive(Args)]
struct Threads {
    /// Threads, each with a single-threaded runtime (default: the cores this process may use).
    #[arg(long)]
    threads: Option<usize>,
}

impl Threads {
    fn count(&self) -> usize {
        self.threads.unwrap_or_else(shard::cores).max(1)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Holding idle connections needs no more than one thread.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("duplex-load: cannot start the tokio runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let metrics = match cli.run {
        Run::Echo {
            url,
            connections,
            size,
            binary,
            json,
            deflate,
            window,
            warmup_ms,
            duration_ms,
            server_pid,
            threads,
        } => echo(&EchoRun {
            url,
            connections,
            size,
            kind: match (binary, json) {
                (true, _) => Kind::Binary,
                (false, true) => Kind::Json,
                (false, false) => Kind::Text,
            },
            window,
            warmup: Duration::from_millis(warmup_ms),
            duration: Duration::from_millis(duration_ms.max(1)),
            server_pids: server_pid.into_iter().collect(),
            threads: threads.count(),
            deflate,
        }),
        Run::Fanout {
            url,
            sender_url,
            receivers,
            size,
            window,
            warmup_ms,
            duration_ms,
            server_pid,
            threads,
        } => fanout(&FanoutRun {
            sender_url: sender_url.unwrap_or_else(|| url.clone()),
            url,
            receivers,
            size,
            window,
            warmup: Duration::from_millis(warmup_ms),
            duration: Duration::from_millis(duration_ms.max(1)),
            server_pids: server_pid,
            threads: threads.count(),
        }),
        Run::Hold {
            url,
            connections,
            server_pid,
            settle_ms,
        } => runtime.block_on(hold(&HoldRun {
            url,
            connections,
            server_pid,
            settle: Duration::from_millis(settle_ms),
        })),
    };
    match metrics {
        Ok(metrics) => {
            let record = Record {
                suite: cli.label.suite,
                row: cli.label.row,
                subject: cli.label.subject,
                run: cli.label.run_number,
                metrics,
            };
            println!("{}", record.to_line());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("duplex-load: {error}");
            ExitCode::FAILURE
        }
    }
}
