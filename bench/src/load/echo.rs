//! Echo runs: each connection keeps `window` messages in flight against an echo endpoint
//! (window 1 on one connection is ping-pong), and measures messages/s and round-trip latency.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use futures_util::{FutureExt, SinkExt, StreamExt};
use hdrhistogram::Histogram;
use tokio_tungstenite::tungstenite::{Bytes, Message};

use super::connect::{open_many, Socket};
use super::{cpu, latency, LoadError};

/// What an echo run does.
#[derive(Debug, Clone)]
pub struct EchoRun {
    /// `ws://HOST:PORT/echo`
    pub url: String,
    pub connections: usize,
    /// Payload bytes of each message.
    pub size: usize,
    /// Binary messages (else text).
    pub binary: bool,
    /// Messages in flight per connection.
    pub window: usize,
    /// Sent and received but not counted: lets the server's allocator and caches settle.
    pub warmup: Duration,
    /// The measured window.
    pub duration: Duration,
    /// The server's process id: when given, its CPU time in the window is measured too.
    pub server_pid: Option<u32>,
}

/// When the counted window starts and ends (the same for every connection).
#[derive(Debug, Clone, Copy)]
struct Window {
    start: Instant,
    end: Instant,
}

/// What one connection measured.
struct Tally {
    received: u64,
    latencies: Histogram<u64>,
}

/// Runs `run`; the metrics are `msgs_per_s` (echoes received per second, all connections),
/// `p50_us`, `p99_us`, `p999_us` (round trip of a message), `connections`, `load_cpu`
/// (this process's CPU use in the window, 1.0 = its core was saturated and the rate is the
/// load generator's limit), and with a server pid `server_cpu` and `server_cpu_us_per_msg`.
pub async fn echo(run: &EchoRun) -> Result<BTreeMap<String, f64>, LoadError> {
    if run.connections == 0 || run.window == 0 {
        return Err(LoadError::Argument(format!(
            "--connections ({}) and --window ({}) must be at least 1",
            run.connections, run.window
        )));
    }
    let message = payload(run.size, run.binary);
    let sockets = open_many(&run.url, run.connections, false).await?;
    let start = Instant::now() + run.warmup;
    let window = Window {
        start,
        end: start + run.duration,
    };
    let cpu_probe = tokio::spawn(cpu_in_window(run.server_pid, window));
    let tasks: Vec<_> = sockets
        .into_iter()
        .map(|socket| tokio::spawn(drive(socket, message.clone(), run.window, window)))
        .collect();
    let mut received = 0;
    let mut latencies = latency::histogram();
    for task in tasks {
        let tally = task.await.map_err(|error| LoadError::Io {
            what: "a connection's task".to_owned(),
            why: error.to_string(),
        })??;
        received += tally.received;
        latencies
            .add(&tally.latencies)
            .map_err(|error| LoadError::Io {
                what: "merging latency histograms".to_owned(),
                why: format!("{error:?}"),
            })?;
    }
    let seconds = run.duration.as_secs_f64();
    let cpu = cpu_probe.await.map_err(|error| LoadError::Io {
        what: "the CPU probe".to_owned(),
        why: error.to_string(),
    })??;
    let mut metrics = BTreeMap::from([
        ("msgs_per_s".to_owned(), received as f64 / seconds),
        ("p50_us".to_owned(), latency::micros_at(&latencies, 0.5)),
        ("p99_us".to_owned(), latency::micros_at(&latencies, 0.99)),
        ("p999_us".to_owned(), latency::micros_at(&latencies, 0.999)),
        ("connections".to_owned(), run.connections as f64),
        ("load_cpu".to_owned(), cpu.load),
    ]);
    if let Some(server) = cpu.server {
        metrics.insert("server_cpu".to_owned(), server);
        if received > 0 {
            let per_message = server * seconds / received as f64 * 1e6;
            metrics.insert("server_cpu_us_per_msg".to_owned(), per_message);
        }
    }
    Ok(metrics)
}

/// CPU use during the window, as a fraction of one core.
struct CpuUse {
    load: f64,
    server: Option<f64>,
}

/// Reads this process's and the server's CPU time at the window's start and end.
async fn cpu_in_window(server_pid: Option<u32>, window: Window) -> Result<CpuUse, LoadError> {
    let server_pid = server_pid.map(|pid| pid.to_string());
    let read = |pid: &Option<String>| -> Result<Option<f64>, LoadError> {
        pid.as_deref().map(cpu::cpu_seconds).transpose()
    };
    tokio::time::sleep_until(window.start.into()).await;
    let (load_start, server_start, at_start) = (
        cpu::cpu_seconds("self")?,
        read(&server_pid)?,
        Instant::now(),
    );
    tokio::time::sleep_until(window.end.into()).await;
    let (load_end, server_end) = (cpu::cpu_seconds("self")?, read(&server_pid)?);
    let elapsed = at_start.elapsed().as_secs_f64().max(1e-3);
    Ok(CpuUse {
        load: (load_end - load_start) / elapsed,
        server: server_start
            .zip(server_end)
            .map(|(start, end)| (end - start) / elapsed),
    })
}

/// A message of `size` bytes: ASCII text, or binary.
fn payload(size: usize, binary: bool) -> Message {
    let bytes: Vec<u8> = (0..size).map(|i| b'a' + (i % 26) as u8).collect();
    if binary {
        Message::Binary(Bytes::from(bytes))
    } else {
        // ASCII is UTF-8.
        Message::Text(String::from_utf8(bytes).unwrap_or_default().into())
    }
}

/// One connection: keeps `in_flight` messages outstanding until the window ends, counting the
/// echoes (and their round trips) that arrive inside it. Replies that are ready together are
/// answered with one flush, as a busy client would.
async fn drive(
    mut socket: Socket,
    message: Message,
    in_flight: usize,
    window: Window,
) -> Result<Tally, LoadError> {
    let io = |what: &str, error: tokio_tungstenite::tungstenite::Error| LoadError::Io {
        what: what.to_owned(),
        why: error.to_string(),
    };
    let mut sent_at = VecDeque::with_capacity(in_flight);
    let mut tally = Tally {
        received: 0,
        latencies: latency::histogram(),
    };
    for _ in 0..in_flight {
        sent_at.push_back(Instant::now());
        socket
            .feed(message.clone())
            .await
            .map_err(|e| io("send", e))?;
    }
    socket.flush().await.map_err(|e| io("send", e))?;
    let mut sending = true;
    while !sent_at.is_empty() {
        let mut next = socket.next().await;
        loop {
            match next {
                Some(Ok(Message::Text(_) | Message::Binary(_))) => {
                    let now = Instant::now();
                    let sent = sent_at.pop_front().unwrap_or(now);
                    if now >= window.start && now < window.end {
                        tally.received += 1;
                        latency::record(&mut tally.latencies, now - sent);
                    }
                    sending &= now < window.end;
                    if sending {
                        sent_at.push_back(now);
                        socket
                            .feed(message.clone())
                            .await
                            .map_err(|e| io("send", e))?;
                    }
                }
                Some(Ok(_)) => {} // ping, pong: tungstenite answers pings by itself
                Some(Err(error)) => return Err(io("receive", error)),
                None => {
                    return Err(LoadError::Io {
                        what: "receive".to_owned(),
                        why: format!(
                            "the server ended the connection with {} echoes outstanding",
                            sent_at.len()
                        ),
                    })
                }
            }
            // Answer everything already readable before one flush.
            match socket.next().now_or_never() {
                Some(ready) => next = ready,
                None => break,
            }
        }
        socket.flush().await.map_err(|e| io("send", e))?;
    }
    // A polite end: the close handshake, but never waiting long for it.
    let _ = tokio::time::timeout(Duration::from_secs(1), socket.close(None)).await;
    Ok(tally)
}
