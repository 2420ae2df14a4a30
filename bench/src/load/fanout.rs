//! Relay fan-out: one sender, many receivers in one room; measures deliveries per second
//! (messages received, summed over the receivers).
//!
//! The sender keeps at most `window` messages ahead of the slowest receiver: a relay drops a
//! peer whose send queue overflows (duplex-server's is 64 messages), and a benchmark must
//! measure delivery, not dropping.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use super::connect::{open, open_many};
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
}

/// Counts shared between the receivers and the sender.
struct Counts {
    /// Messages each receiver got so far.
    received: Vec<AtomicU64>,
    /// Deliveries inside the measured window, all receivers.
    in_window: AtomicU64,
    done: AtomicBool,
}

/// Runs `run`; metrics `deliveries_per_s` and `receivers`.
pub async fn fanout(run: &FanoutRun) -> Result<BTreeMap<String, f64>, LoadError> {
    if run.receivers == 0 || run.window == 0 {
        return Err(LoadError::Argument(format!(
            "--receivers ({}) and --window ({}) must be at least 1",
            run.receivers, run.window
        )));
    }
    let receivers = open_many(&run.url, run.receivers, false).await?;
    let mut sender = open(&run.sender_url, run.receivers, false).await?;
    // The relay adds a peer to its room right after the handshake; let the last ones land.
    tokio::time::sleep(Duration::from_millis(200)).await;

    let counts = Arc::new(Counts {
        received: (0..run.receivers).map(|_| AtomicU64::new(0)).collect(),
        in_window: AtomicU64::new(0),
        done: AtomicBool::new(false),
    });
    let start = Instant::now() + run.warmup;
    let end = start + run.duration;
    let mut tasks = Vec::with_capacity(run.receivers);
    for (index, mut socket) in receivers.into_iter().enumerate() {
        let counts = Arc::clone(&counts);
        tasks.push(tokio::spawn(async move {
            while let Some(Ok(message)) = socket.next().await {
                if matches!(message, Message::Text(_) | Message::Binary(_)) {
                    counts.received[index].fetch_add(1, Ordering::Relaxed);
                    let now = Instant::now();
                    if now >= start && now < end {
                        counts.in_window.fetch_add(1, Ordering::Relaxed);
                    }
                }
                if counts.done.load(Ordering::Relaxed) {
                    break;
                }
            }
            let _ = tokio::time::timeout(Duration::from_secs(1), socket.close(None)).await;
        }));
    }

    let text: String = (0..run.size)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    let message = Message::Text(text.into());
    let mut sent: u64 = 0;
    while Instant::now() < end {
        let slowest = counts
            .received
            .iter()
            .map(|count| count.load(Ordering::Relaxed))
            .min()
            .unwrap_or(0);
        let room = (slowest + run.window).saturating_sub(sent);
        if room == 0 {
            // The receivers run on this same thread: let them catch up.
            tokio::task::yield_now().await;
            continue;
        }
        for _ in 0..room {
            sender
                .feed(message.clone())
                .await
                .map_err(|error| LoadError::Io {
                    what: "send".to_owned(),
                    why: error.to_string(),
                })?;
        }
        sent += room;
        sender.flush().await.map_err(|error| LoadError::Io {
            what: "send".to_owned(),
            why: error.to_string(),
        })?;
    }
    counts.done.store(true, Ordering::Relaxed);
    let _ = tokio::time::timeout(Duration::from_secs(1), sender.close(None)).await;
    for task in tasks {
        // A receiver still waiting for a message that will not come is simply dropped.
        let _ = tokio::time::timeout(Duration::from_secs(2), task).await;
    }
    let deliveries = counts.in_window.load(Ordering::Relaxed);
    Ok(BTreeMap::from([
        (
            "deliveries_per_s".to_owned(),
            deliveries as f64 / run.duration.as_secs_f64(),
        ),
        ("receivers".to_owned(), run.receivers as f64),
    ]))
}
