//! Connections spread over several threads, each with its own single-threaded runtime (no
//! work stealing, no locks between them), one measured window for all of them, and the CPU
//! time of the load generator and of the servers in that window.

use std::future::Future;
use std::pin::Pin;
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use futures_util::stream::{FuturesUnordered, StreamExt};

use super::{cpu, LoadError};

/// When the counted window starts and ends (the same for every connection).
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub start: Instant,
    pub end: Instant,
}

impl Window {
    pub fn contains(&self, at: Instant) -> bool {
        at >= self.start && at < self.end
    }
}

/// A future on one thread's runtime (never sent to another thread).
pub type Local<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// What a run does with each of its connections.
pub trait Shard: Send + Sync + 'static {
    type Conn: 'static;
    type Tally: Send + 'static;
    /// Opens connection `index` (before the window is set).
    fn open(&self, index: usize) -> Local<'_, Result<Self::Conn, LoadError>>;
    /// Drives an open connection through the window.
    fn drive(&self, conn: Self::Conn, window: Window) -> Local<'_, Result<Self::Tally, LoadError>>;
}

/// Handshakes in flight at once on one thread: enough to open thousands of connections in
/// seconds, few enough that no listen backlog overflows.
const CONNECTING_AT_ONCE: usize = 64;

/// CPU use in the window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CpuUse {
    /// The load generator's CPU seconds.
    pub load_seconds: f64,
    /// The servers' CPU seconds, summed (when their pids were given).
    pub server_seconds: Option<f64>,
    /// Wall seconds between the two readings.
    pub wall_seconds: f64,
}

impl CpuUse {
    /// The load generator's share of the cores it may run on: its CPU time over wall time
    /// times cores. Near 1.0, the rate is the load generator's limit, not the server's.
    pub fn load_share(&self, cores: usize) -> f64 {
        self.load_seconds / (self.wall_seconds * cores.max(1) as f64)
    }
}

/// The cores this process may run on (its affinity mask, e.g. under `taskset`).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// What a sharded run measured.
pub struct Outcome<T> {
    pub tallies: Vec<T>,
    pub window: Window,
    pub cpu: CpuUse,
    pub threads: usize,
}

/// Opens `count` connections over `threads` threads (connection `i` on thread `i % threads`),
/// sets one window `warmup` from when the last one opened, drives them all, and reads the CPU
/// time of this process and of `server_pids` at the window's start and end.
pub fn run<S: Shard>(
    shard: Arc<S>,
    count: usize,
    threads: usize,
    warmup: Duration,
    duration: Duration,
    server_pids: &[u32],
) -> Result<Outcome<S::Tally>, LoadError> {
    let threads = threads.clamp(1, count.max(1));
    let (ready_tx, ready_rx) = mpsc::channel::<Result<(), LoadError>>();
    let mut go = Vec::with_capacity(threads);
    let mut handles = Vec::with_capacity(threads);
    for thread in 0..threads {
        let (go_tx, go_rx) = mpsc::channel::<Option<Window>>();
        go.push(go_tx);
        let ready = ready_tx.clone();
        let shard = Arc::clone(&shard);
        let handle = std::thread::Builder::new()
            .name(format!("load-{thread}"))
            .spawn(move || drive_thread(&*shard, thread, threads, count, &ready, &go_rx))
            .map_err(|error| LoadError::Io {
                what: "starting a load thread".to_owned(),
                why: error.to_string(),
            })?;
        handles.push(handle);
    }
    drop(ready_tx);
    let mut failure = None;
    for _ in 0..threads {
        match ready_rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(error)) => failure = failure.or(Some(error)),
            Err(_) => {
                failure = failure.or(Some(LoadError::Io {
                    what: "a load thread".to_owned(),
                    why: "ended before it was ready".to_owned(),
                }))
            }
        }
    }
    let start = Instant::now() + warmup;
    let window = Window {
        start,
        end: start + duration,
    };
    for go_tx in &go {
        let _ = go_tx.send(failure.is_none().then_some(window));
    }
    let cpu = match failure {
        None => Some(cpu_in_window(server_pids, window)),
        Some(_) => None,
    };
    let mut tallies = Vec::with_capacity(count);
    for handle in handles {
        match handle.join() {
            Ok(Ok(mut some)) => tallies.append(&mut some),
            Ok(Err(error)) => failure = failure.or(Some(error)),
            Err(_) => {
                failure = failure.or(Some(LoadError::Io {
                    what: "a load thread".to_owned(),
                    why: "panicked".to_owned(),
                }))
            }
        }
    }
    if let Some(error) = failure {
        return Err(error);
    }
    let cpu = cpu.unwrap_or_else(|| {
        Err(LoadError::Io {
            what: "the CPU probe".to_owned(),
            why: "it did not run".to_owned(),
        })
    })?;
    Ok(Outcome {
        tallies,
        window,
        cpu,
        threads,
    })
}

/// One thread: open its share, report ready, wait for the window, drive its share.
fn drive_thread<S: Shard>(
    shard: &S,
    thread: usize,
    threads: usize,
    count: usize,
    ready: &mpsc::Sender<Result<(), LoadError>>,
    go: &mpsc::Receiver<Option<Window>>,
) -> Result<Vec<S::Tally>, LoadError> {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            let error = || LoadError::Io {
                what: "starting a tokio runtime".to_owned(),
                why: error.to_string(),
            };
            let _ = ready.send(Err(error()));
            return Err(error());
        }
    };
    let opened = runtime.block_on(async {
        futures_util::stream::iter((thread..count).step_by(threads))
            .map(|index| shard.open(index))
            .buffer_unordered(CONNECTING_AT_ONCE)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
    });
    let conns = match opened {
        Ok(conns) => {
            let _ = ready.send(Ok(()));
            conns
        }
        Err(error) => {
            // The error goes to the caller through `ready`; this thread has nothing to add.
            let _ = ready.send(Err(error));
            return Ok(Vec::new());
        }
    };
    // Another thread failed: nothing to measure.
    let Ok(Some(window)) = go.recv() else {
        return Ok(Vec::new());
    };
    runtime.block_on(async {
        let mut running: FuturesUnordered<_> = conns
            .into_iter()
            .map(|conn| shard.drive(conn, window))
            .collect();
        let mut tallies = Vec::with_capacity(running.len());
        while let Some(tally) = running.next().await {
            tallies.push(tally?);
        }
        Ok(tallies)
    })
}

/// Reads this process's and the servers' CPU time at the window's start and end.
fn cpu_in_window(server_pids: &[u32], window: Window) -> Result<CpuUse, LoadError> {
    let servers = || -> Result<Option<f64>, LoadError> {
        if server_pids.is_empty() {
            return Ok(None);
        }
        let mut sum = 0.0;
        for pid in server_pids {
            sum += cpu::cpu_seconds(&pid.to_string())?;
        }
        Ok(Some(sum))
    };
    std::thread::sleep(window.start.saturating_duration_since(Instant::now()));
    let (load_start, server_start, at_start) =
        (cpu::cpu_seconds("self")?, servers()?, Instant::now());
    std::thread::sleep(window.end.saturating_duration_since(Instant::now()));
    let (load_end, server_end) = (cpu::cpu_seconds("self")?, servers()?);
    Ok(CpuUse {
        load_seconds: load_end - load_start,
        server_seconds: server_start.zip(server_end).map(|(start, end)| end - start),
        wall_seconds: at_start.elapsed().as_secs_f64().max(1e-3),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_share_is_of_all_its_cores() {
        let cpu = CpuUse {
            load_seconds: 3.0,
            server_seconds: None,
            wall_seconds: 2.0,
        };
        assert_eq!(cpu.load_share(1), 1.5);
        assert_eq!(cpu.load_share(2), 0.75);
        assert_eq!(cpu.load_share(0), 1.5);
    }

    struct Count;
    impl Shard for Count {
        type Conn = usize;
        type Tally = (usize, bool);
        fn open(&self, index: usize) -> Local<'_, Result<usize, LoadError>> {
            Box::pin(async move { Ok(index) })
        }
        fn drive(
            &self,
            conn: usize,
            window: Window,
        ) -> Local<'_, Result<(usize, bool), LoadError>> {
            Box::pin(async move {
                tokio::time::sleep_until(window.end.into()).await;
                Ok((conn, std::thread::current().name().is_some()))
            })
        }
    }

    #[test]
    fn every_connection_once_over_the_threads() {
        let outcome = run(
            Arc::new(Count),
            7,
            3,
            Duration::ZERO,
            Duration::from_millis(20),
            &[],
        )
        .unwrap();
        let mut seen: Vec<usize> = outcome.tallies.iter().map(|(conn, _)| *conn).collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..7).collect::<Vec<_>>());
        assert!(outcome.tallies.iter().all(|(_, named)| *named));
        assert_eq!(outcome.threads, 3);
        assert!(outcome.cpu.server_seconds.is_none());
    }
}
