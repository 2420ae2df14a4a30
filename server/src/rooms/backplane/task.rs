//! The backplane task: connect to Redis, serve a session until Redis goes away, wait with
//! backoff, connect again; until shutdown. Rooms layer (backplane): gets an `Arc<Rooms>` and
//! the shutdown token, never the app state.

use std::time::Duration;

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::session::Session;
use super::{random_u64, Backplane, Dropped, Inbox};
use crate::rooms::room::Rooms;

/// The first wait before connecting again.
pub const BACKOFF_MIN: Duration = Duration::from_millis(100);
/// The longest wait between two attempts.
pub const BACKOFF_MAX: Duration = Duration::from_secs(5);

/// Runs `backplane` for `rooms` until `shutdown` is cancelled. Redis need not be up at start:
/// the server serves its local peers meanwhile, and connects once Redis is there.
pub async fn run(
    backplane: Backplane,
    mut inbox: Inbox,
    rooms: Arc<Rooms>,
    shutdown: CancellationToken,
) {
    let url = backplane.0.url.clone();
    let client = match redis::Client::open(url.as_str()) {
        Ok(client) => client,
        Err(error) => {
            // RedisUrl::parse opened it already at start; this is not expected to happen.
            tracing::error!(redis = %url, %error, "backplane: unusable Redis URL; rooms stay local to this instance");
            return;
        }
    };
    let instance = format!("{:016x}", backplane.instance());
    let mut delay = BACKOFF_MIN;
    loop {
        let attempt = tokio::select! {
            _ = shutdown.cancelled() => return,
            attempt = Session::connect(&client) => attempt,
        };
        let pause = jittered(delay);
        match attempt {
            Ok(session) => {
                delay = BACKOFF_MIN;
                backplane.set_up(true);
                tracing::info!(redis = %url, instance, "backplane up: relay rooms span every instance on this Redis");
                // Shutdown does not wait for a command to a Redis that stopped answering.
                let ended = tokio::select! {
                    _ = shutdown.cancelled() => None,
                    ended = session.serve(&backplane, &mut inbox, &rooms, &shutdown) => ended,
                };
                backplane.set_up(false);
                backplane.0.metrics.set_rooms(0);
                backplane.set_subscribed(&Default::default());
                let Some(why) = ended else { return };
                tracing::warn!(redis = %url, why, "backplane down: local delivery goes on, publications are dropped until Redis is back; reconnecting");
            }
            Err(why) => {
                tracing::warn!(redis = %url, why, retry_in = ?pause, "backplane: cannot connect to Redis");
            }
        }
        if !wait(pause, &backplane, &mut inbox, &shutdown).await {
            return;
        }
        delay = (delay * 2).min(BACKOFF_MAX);
    }
}

/// Between half of `delay` and all of it, so that instances that lost Redis together do not
/// all come back at the same instant.
fn jittered(delay: Duration) -> Duration {
    let half = delay / 2;
    let extra = random_u64() % (half.as_millis() as u64 + 1);
    half + Duration::from_millis(extra)
}

/// Waits `delay` while Redis is down, dropping (and counting) what is still published and
/// forgetting room changes (the next session subscribes every room from scratch). `false` on
/// shutdown.
async fn wait(
    delay: Duration,
    backplane: &Backplane,
    inbox: &mut Inbox,
    shutdown: &CancellationToken,
) -> bool {
    let sleep = tokio::time::sleep(delay);
    tokio::pin!(sleep);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return false,
            _ = &mut sleep => return true,
            publication = inbox.publications.recv() => match publication {
                Some(_) => backplane.0.metrics.dropped(Dropped::Down, 1),
                None => return false,
            },
            _ = backplane.0.wake.notified() => {
                backplane.take_changed();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_between_half_and_all_of_the_delay() {
        for _ in 0..100 {
            let wait = jittered(BACKOFF_MAX);
            assert!(wait >= BACKOFF_MAX / 2 && wait <= BACKOFF_MAX, "{wait:?}");
        }
    }
}
