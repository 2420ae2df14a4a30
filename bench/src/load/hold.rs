//! Idle connections held open, for the server's memory per connection: the server's RSS
//! (from /proc) before and after opening them.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::{FutureExt, StreamExt};

use super::connect::open_many;
use super::LoadError;

/// What a hold run does.
#[derive(Debug, Clone)]
pub struct HoldRun {
    /// `ws://HOST:PORT/echo`
    pub url: String,
    pub connections: usize,
    /// The server's process id, to read its RSS.
    pub server_pid: u32,
    /// How long the connections stay open, idle, before the RSS is read.
    pub settle: Duration,
}

/// Runs `run`; metrics `held` (connections open at the end, read from the server's side
/// too: the RSS is only meaningful if it holds them), `rss_before_kib`, `rss_after_kib`,
/// `rss_per_conn_bytes`.
pub async fn hold(run: &HoldRun) -> Result<BTreeMap<String, f64>, LoadError> {
    let before = rss_kib(run.server_pid)?;
    let mut sockets = open_many(&run.url, run.connections, true).await?;
    tokio::time::sleep(run.settle).await;
    let after = rss_kib(run.server_pid)?;
    // Still open: nothing to read, or only a ping; a close or an end means the server let go.
    let mut held = 0;
    for socket in &mut sockets {
        match socket.next().now_or_never() {
            None => held += 1,
            Some(Some(Ok(message))) if !message.is_close() => held += 1,
            Some(_) => {}
        }
    }
    drop(sockets);
    let per_connection = (after.saturating_sub(before) as f64 * 1024.0) / held.max(1) as f64;
    Ok(BTreeMap::from([
        ("held".to_owned(), held as f64),
        ("rss_before_kib".to_owned(), before as f64),
        ("rss_after_kib".to_owned(), after as f64),
        ("rss_per_conn_bytes".to_owned(), per_connection),
    ]))
}

/// The resident set size of process `pid` in KiB (`VmRSS` of /proc/PID/status).
pub fn rss_kib(pid: u32) -> Result<u64, LoadError> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).map_err(|error| LoadError::Io {
        what: format!("reading {path} (is the server with pid {pid} running?)"),
        why: error.to_string(),
    })?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| LoadError::Io {
            what: format!("reading {path}"),
            why: "no VmRSS line in it".to_owned(),
        })
}

/// Unused connections are idle: waiting this long lets the server finish every handshake.
pub const DEFAULT_SETTLE: Duration = Duration::from_millis(1500);
