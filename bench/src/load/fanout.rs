//! Relay fan-out: one sender, many receivers in one room; measures deliveries per second
//! (messages received, summed over the receivers) and, with the server's pid, the server's
//! CPU time per delivery.
//!
//! The sender keeps at most `window` messages ahead of the slowest receiver: a relay drops a
//! peer whose send queue overflows, and a benchmark must measure delivery, not dropping. It
//! waits for the receivers without spinning, so the load generator's CPU share is its work.
//! Receivers and the sender are spread over threads like the echo run's connections.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Notify;

use super::frame::{client_frame, Event, FrameReader, CLOSE, PONG, TEXT};
use super::handshake::{connect, RawSocket};
use super::payload::{payload, Kind};
use super::shard::{self, Local, Shard, Window};
use super::LoadError;

/// What a fan-out run does.
#[derive(Debug, Clone)]
pub struct FanoutRun {
    /// `ws://HOST:PORT/relay/ROOM`, where the receivers join.
    pub url: String,
    /// Where the sender joins: `url`, or the same room on another instance.
    pub sender_url: String,
    pub receivers: usize,
    /// Text payload bytes of each message.
    pub size: usize,
    /// Messages the sender may be ahead of the slowest receiver.
    pub window: u64,
    pub warmup: Duration,
    pub duration: Duration,
    /// The servers' process ids (both instances of a backplane run): their CPU time per
    /// delivery is measured too.
    pub server_pids: Vec<u32>,
    pub threads: usize,
}

/// How long the sender waits before its first message: the relay adds a peer to its room
/// right after the handshake, and the last receivers must be in it.
const SETTLE: Duration = Duration::from_millis(200);
/// How long after the window a receiver still reads (what is in flight), then stops.
const GRACE: Duration = Duration::from_millis(300);

struct Fanout {
    url: String,
    sender_url: String,
    receivers: usize,
    window: u64,
    /// `window` copies of the message's frame.
    frames: Vec<u8>,
    frame_len: usize,
    /// Messages each receiver got so far.
    received: Vec<AtomicU64>,
    /// Deliveries inside the measured window, all receivers.
    in_window: AtomicU64,
    /// A receiver read something: the slowest may have moved.
    progress: Notify,
}

impl Shard for Fanout {
    /// The connection's index (the sender's is `receivers`) and its socket.
    type Conn = (usize, RawSocket);
    type Tally = ();

    fn open(&self, index: usize) -> Local<'_, Result<Self::Conn, LoadError>> {
        Box::pin(async move {
            let url = if index == self.receivers {
                &self.sender_url
            } else {
                &self.url
            };
            Ok((index, connect(url, index, false).await?))
        })
    }

    fn drive(
        &self,
        (index, socket): Self::Conn,
        window: Window,
    ) -> Local<'_, Result<(), LoadError>> {
        if index == self.receivers {
            Box::pin(self.send(socket, window))
        } else {
            Box::pin(self.receive(index, socket, window))
        }
    }
}

fn io(what: &str, why: impl ToString) -> LoadError {
    LoadError::Io {
        what: what.to_owned(),
        why: why.to_string(),
    }
}

impl Fanout {
    async fn send(&self, mut socket: RawSocket, window: Window) -> Result<(), LoadError> {
        tokio::time::sleep(SETTLE).await;
        let mut sent: u64 = 0;
        while Instant::now() < window.end {
            let slowest = self
                .received
                .iter()
                .map(|count| count.load(Ordering::Relaxed))
                .min()
                .unwrap_or(0);
            let room = (slowest + self.window)
                .saturating_sub(sent)
                .min(self.window);
            if room == 0 {
                let _ = tokio::time::timeout_at(window.end.into(), self.progress.notified()).await;
                continue;
            }
            socket
                .stream
                .write_all(&self.frames[..room as usize * self.frame_len])
                .await
                .map_err(|e| io("send", e))?;
            sent += room;
        }
        let _ = socket
            .stream
            .write_all(&client_frame(CLOSE, false, &1000_u16.to_be_bytes()))
            .await;
        Ok(())
    }

    async fn receive(
        &self,
        index: usize,
        socket: RawSocket,
        window: Window,
    ) -> Result<(), LoadError> {
        let RawSocket {
            mut stream, early, ..
        } = socket;
        let mut reader = FrameReader::default();
        let mut buffer = vec![0_u8; 16 * 1024];
        let mut pending = early;
        loop {
            let read = if pending.is_empty() {
                match tokio::time::timeout_at((window.end + GRACE).into(), stream.read(&mut buffer))
                    .await
                {
                    Err(_) => break,
                    Ok(Ok(0)) => {
                        return Err(io("receive", "the relay ended a receiver's connection"))
                    }
                    Ok(Ok(read)) => read,
                    Ok(Err(error)) => return Err(io("receive", error)),
                }
            } else {
                let len = pending.len().min(buffer.len());
                buffer[..len].copy_from_slice(&pending[..len]);
                pending.clear();
                len
            };
            let now = Instant::now();
            let (mut messages, mut pongs, mut closed) = (0, Vec::new(), None);
            reader
                .feed(&buffer[..read], &mut |event| match event {
                    Event::Message { .. } => messages += 1,
                    Event::Ping(data) => pongs.push(data.to_vec()),
                    Event::Pong => {}
                    Event::Close(code) => closed = Some(code),
                })
                .map_err(|why| io("receive", why))?;
            if let Some(code) = closed {
                return Err(io(
                    "receive",
                    format!("the relay closed a receiver ({code:?})"),
                ));
            }
            self.received[index].fetch_add(messages, Ordering::Relaxed);
            if window.contains(now) {
                self.in_window.fetch_add(messages, Ordering::Relaxed);
            }
            self.progress.notify_one();
            for pong in pongs {
                stream
                    .write_all(&client_frame(PONG, false, &pong))
                    .await
                    .map_err(|e| io("send", e))?;
            }
            if now >= window.end {
                break;
            }
        }
        let _ = stream
            .write_all(&client_frame(CLOSE, false, &1000_u16.to_be_bytes()))
            .await;
        Ok(())
    }
}

/// Runs `run`; metrics `deliveries_per_s`, `receivers`, `load_cpu`, `load_cores`,
/// `load_threads`, and with server pids `server_cpu` (cores used) and
/// `server_cpu_us_per_delivery` (the servers' CPU time over the deliveries in the window).
pub fn fanout(run: &FanoutRun) -> Result<BTreeMap<String, f64>, LoadError> {
    if run.receivers == 0 || run.window == 0 {
        return Err(LoadError::Argument(format!(
            "--receivers ({}) and --window ({}) must be at least 1",
            run.receivers, run.window
        )));
    }
    let frame = client_frame(TEXT, false, &payload(run.size, Kind::Text));
    let shard = Arc::new(Fanout {
        url: run.url.clone(),
        sender_url: run.sender_url.clone(),
        receivers: run.receivers,
        window: run.window,
        frames: frame.repeat(run.window as usize),
        frame_len: frame.len(),
        received: (0..run.receivers).map(|_| AtomicU64::new(0)).collect(),
        in_window: AtomicU64::new(0),
        progress: Notify::new(),
    });
    let outcome = shard::run(
        Arc::clone(&shard),
        run.receivers + 1,
        run.threads,
        run.warmup,
        run.duration,
        &run.server_pids,
    )?;
    let deliveries = shard.in_window.load(Ordering::Relaxed);
    let cores = shard::cores();
    let mut metrics = BTreeMap::from([
        (
            "deliveries_per_s".to_owned(),
            deliveries as f64 / run.duration.as_secs_f64(),
        ),
        ("receivers".to_owned(), run.receivers as f64),
        ("load_cpu".to_owned(), outcome.cpu.load_share(cores)),
        ("load_cores".to_owned(), cores as f64),
        ("load_threads".to_owned(), outcome.threads as f64),
    ]);
    if let Some(server) = outcome.cpu.server_seconds {
        metrics.insert("server_cpu".to_owned(), server / outcome.cpu.wall_seconds);
        if deliveries > 0 {
            metrics.insert(
                "server_cpu_us_per_delivery".to_owned(),
                server / deliveries as f64 * 1e6,
            );
        }
    }
    Ok(metrics)
}
