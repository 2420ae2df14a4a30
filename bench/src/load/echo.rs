//! Echo runs: each connection keeps `window` messages in flight against an echo endpoint
//! (window 1 on one connection is ping-pong), and measures messages/s and round-trip latency.
//!
//! The load generator must not be the limit: connections are spread over threads (one
//! single-threaded runtime each), and each connection writes frames masked once before the
//! run, as many as it has replies to send in one `write`, and parses only the headers of what
//! comes back. The echoes received before the window are checked against what was sent
//! (inflated first when permessage-deflate is on); inside the window they are only counted.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::deflate::{compress_message, Inflater};
use super::frame::{client_frame, Event, FrameReader, BINARY, CLOSE, PONG, TEXT};
use super::handshake::{connect, RawSocket};
use super::payload::{payload, Kind};
use super::shard::{self, Local, Shard, Window};
use super::{latency, LoadError};

/// What an echo run does.
#[derive(Debug, Clone)]
pub struct EchoRun {
    /// `ws://HOST:PORT/echo`
    pub url: String,
    pub connections: usize,
    /// Payload bytes of each message.
    pub size: usize,
    pub kind: Kind,
    /// Messages in flight per connection.
    pub window: usize,
    /// Sent and received but not counted: lets the server's allocator and caches settle.
    pub warmup: Duration,
    /// The measured window.
    pub duration: Duration,
    /// The servers' process ids: their CPU time in the window is measured too.
    pub server_pids: Vec<u32>,
    /// Threads of the load generator (at most one per connection).
    pub threads: usize,
    /// Offer permessage-deflate (and compress what is sent when the server agrees).
    pub deflate: bool,
}

/// How long after the window the echoes still outstanding may take.
const DRAIN: Duration = Duration::from_secs(10);

/// What one connection measured.
struct Tally {
    received: u64,
    latencies: Histogram<u64>,
    /// Bytes read from the server inside the window.
    wire_bytes: u64,
    /// Whether permessage-deflate was agreed on this connection.
    deflate: bool,
    /// Echoes checked against what was sent (the ones before the window).
    verified: u64,
}

/// Frames written `window` at a time: `window` copies of one frame, so that any number of
/// replies up to the window is one slice of it.
struct Batch {
    bytes: Vec<u8>,
    frame_len: usize,
}

impl Batch {
    fn new(frame: &[u8], window: usize) -> Batch {
        Batch {
            bytes: frame.repeat(window),
            frame_len: frame.len(),
        }
    }

    fn first(&self, count: usize) -> &[u8] {
        &self.bytes[..count * self.frame_len]
    }
}

struct Echo {
    url: String,
    window: usize,
    offer_deflate: bool,
    expected: Vec<u8>,
    plain: Batch,
    /// The same message compressed (when deflate is offered).
    compressed: Option<Batch>,
}

impl Shard for Echo {
    type Conn = RawSocket;
    type Tally = Tally;

    fn open(&self, index: usize) -> Local<'_, Result<RawSocket, LoadError>> {
        Box::pin(connect(&self.url, index, self.offer_deflate))
    }

    fn drive(&self, socket: RawSocket, window: Window) -> Local<'_, Result<Tally, LoadError>> {
        Box::pin(self.drive_one(socket, window))
    }
}

fn io(what: &str, why: impl ToString) -> LoadError {
    LoadError::Io {
        what: what.to_owned(),
        why: why.to_string(),
    }
}

impl Echo {
    /// One connection: keeps `window` messages outstanding until the window ends, counting
    /// the echoes (and their round trips) that arrive inside it; the replies to one read go
    /// out in one write, as a busy client's would.
    async fn drive_one(&self, socket: RawSocket, window: Window) -> Result<Tally, LoadError> {
        let RawSocket {
            mut stream,
            deflate,
            early,
        } = socket;
        let batch = match (&deflate, &self.compressed) {
            (Some(_), Some(compressed)) => compressed,
            _ => &self.plain,
        };
        let mut inflater = deflate.map(|agreed| Inflater::new(agreed.server_no_context_takeover));
        let mut reader = FrameReader::default();
        let mut tally = Tally {
            received: 0,
            latencies: latency::histogram(),
            wire_bytes: 0,
            deflate: deflate.is_some(),
            verified: 0,
        };
        let mut sent_at = VecDeque::with_capacity(self.window);
        let mut buffer = vec![0_u8; 64 * 1024];
        let mut early = Some(early);
        let mut pongs: Vec<Vec<u8>> = Vec::new();
        let mut sending = true;
        let now = Instant::now();
        stream
            .write_all(batch.first(self.window))
            .await
            .map_err(|e| io("send", e))?;
        sent_at.extend(std::iter::repeat_n(now, self.window));
        while !sent_at.is_empty() {
            let data: &[u8] = match early.take().filter(|bytes| !bytes.is_empty()) {
                Some(bytes) => {
                    let len = bytes.len().min(buffer.len());
                    buffer[..len].copy_from_slice(&bytes[..len]);
                    &buffer[..len]
                }
                None => {
                    let read = tokio::time::timeout_at(
                        (window.end + DRAIN).into(),
                        stream.read(&mut buffer),
                    )
                    .await
                    .map_err(|_| {
                        io(
                            "receive",
                            format!(
                                "{} echoes still outstanding {} s after the window",
                                sent_at.len(),
                                DRAIN.as_secs()
                            ),
                        )
                    })?
                    .map_err(|e| io("receive", e))?;
                    if read == 0 {
                        return Err(io(
                            "receive",
                            format!(
                                "the server ended the connection with {} echoes outstanding",
                                sent_at.len()
                            ),
                        ));
                    }
                    &buffer[..read]
                }
            };
            let now = Instant::now();
            let in_window = window.contains(now);
            reader.keep = now < window.start;
            let mut replies = 0;
            let mut failed: Option<String> = None;
            reader
                .feed(data, &mut |event| match event {
                    Event::Message {
                        compressed,
                        payload,
                        ..
                    } => {
                        let Some(sent) = sent_at.pop_front() else {
                            failed = Some("more echoes than messages sent".to_owned());
                            return;
                        };
                        replies += 1;
                        if in_window {
                            tally.received += 1;
                            latency::record(&mut tally.latencies, now - sent);
                        }
                        if let Some(payload) = payload {
                            match self.check(payload, compressed, inflater.as_mut()) {
                                Ok(()) => tally.verified += 1,
                                Err(why) => failed = failed.take().or(Some(why)),
                            }
                        }
                    }
                    Event::Ping(data) => pongs.push(data.to_vec()),
                    Event::Pong => {}
                    Event::Close(code) => {
                        failed = Some(format!("the server closed the connection ({code:?})"))
                    }
                })
                .map_err(|why| io("receive", why))?;
            if let Some(why) = failed {
                return Err(io("receive", why));
            }
            if in_window {
                tally.wire_bytes += data.len() as u64;
            }
            sending &= now < window.end;
            if sending && replies > 0 {
                stream
                    .write_all(batch.first(replies))
                    .await
                    .map_err(|e| io("send", e))?;
                sent_at.extend(std::iter::repeat_n(now, replies));
            }
            for pong in pongs.drain(..) {
                stream
                    .write_all(&client_frame(PONG, false, &pong))
                    .await
                    .map_err(|e| io("send", e))?;
            }
        }
        // A polite end: a close frame, without waiting for the answer.
        let _ = stream
            .write_all(&client_frame(CLOSE, false, &1000_u16.to_be_bytes()))
            .await;
        Ok(tally)
    }

    /// Whether an echo is what was sent.
    fn check(
        &self,
        payload: &[u8],
        compressed: bool,
        inflater: Option<&mut Inflater>,
    ) -> Result<(), String> {
        let inflated;
        let plain = match (compressed, inflater) {
            (false, _) => payload,
            (true, Some(inflater)) => {
                inflated = inflater.inflate(payload)?;
                &inflated[..]
            }
            (true, None) => {
                return Err("a compressed echo on a connection without permessage-deflate".into())
            }
        };
        if plain == self.expected {
            Ok(())
        } else {
            Err(format!(
                "an echo of {} bytes differs from the {} bytes sent",
                plain.len(),
                self.expected.len()
            ))
        }
    }
}

/// Runs `run`; the metrics are `msgs_per_s` (echoes received per second, all connections),
/// `p50_us`, `p99_us`, `p999_us` (round trip of a message), `connections`, `load_cpu` (the
/// load generator's CPU time over wall time times its cores: near 1.0 the rate is its limit),
/// `load_cores`, `load_threads`, `wire_bytes_per_msg` (bytes read from the server per echo),
/// `deflate` (the share of connections on which permessage-deflate was agreed), `verified`
/// (echoes checked before the window), and with server pids `server_cpu` (cores the servers
/// used) and `server_cpu_us_per_msg` (their CPU time per echo).
pub fn echo(run: &EchoRun) -> Result<BTreeMap<String, f64>, LoadError> {
    if run.connections == 0 || run.window == 0 {
        return Err(LoadError::Argument(format!(
            "--connections ({}) and --window ({}) must be at least 1",
            run.connections, run.window
        )));
    }
    let expected = payload(run.size, run.kind);
    let opcode = if run.kind == Kind::Binary {
        BINARY
    } else {
        TEXT
    };
    let shard = Arc::new(Echo {
        url: run.url.clone(),
        window: run.window,
        offer_deflate: run.deflate,
        plain: Batch::new(&client_frame(opcode, false, &expected), run.window),
        compressed: run.deflate.then(|| {
            Batch::new(
                &client_frame(opcode, true, &compress_message(&expected)),
                run.window,
            )
        }),
        expected,
    });
    let outcome = shard::run(
        shard,
        run.connections,
        run.threads,
        run.warmup,
        run.duration,
        &run.server_pids,
    )?;
    let mut latencies = latency::histogram();
    let (mut received, mut wire_bytes, mut deflated, mut verified) = (0, 0, 0, 0);
    for tally in &outcome.tallies {
        received += tally.received;
        wire_bytes += tally.wire_bytes;
        deflated += u64::from(tally.deflate);
        verified += tally.verified;
        latencies
            .add(&tally.latencies)
            .map_err(|error| io("merging latency histograms", format!("{error:?}")))?;
    }
    let cores = shard::cores();
    let mut metrics = BTreeMap::from([
        (
            "msgs_per_s".to_owned(),
            received as f64 / run.duration.as_secs_f64(),
        ),
        ("p50_us".to_owned(), latency::micros_at(&latencies, 0.5)),
        ("p99_us".to_owned(), latency::micros_at(&latencies, 0.99)),
        ("p999_us".to_owned(), latency::micros_at(&latencies, 0.999)),
        ("connections".to_owned(), run.connections as f64),
        ("load_cpu".to_owned(), outcome.cpu.load_share(cores)),
        ("load_cores".to_owned(), cores as f64),
        ("load_threads".to_owned(), outcome.threads as f64),
        (
            "deflate".to_owned(),
            deflated as f64 / run.connections as f64,
        ),
        ("verified".to_owned(), verified as f64),
    ]);
    if received > 0 {
        metrics.insert(
            "wire_bytes_per_msg".to_owned(),
            wire_bytes as f64 / received as f64,
        );
    }
    if let Some(server) = outcome.cpu.server_seconds {
        metrics.insert("server_cpu".to_owned(), server / outcome.cpu.wall_seconds);
        if received > 0 {
            metrics.insert(
                "server_cpu_us_per_msg".to_owned(),
                server / received as f64 * 1e6,
            );
        }
    }
    Ok(metrics)
}
