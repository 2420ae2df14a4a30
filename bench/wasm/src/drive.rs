//! The measured loop, the same for every Rust client: `window` messages in flight until
//! `count` echoes came back (window 1: sequential round trips).

use std::fmt::Display;

use futures::{Sink, SinkExt, Stream, StreamExt};

use crate::now_ms;

/// Sends `count` messages made by `make`, at most `window` unanswered at a time, and waits
/// for every echo; resolves to the elapsed milliseconds, or to what went wrong.
///
/// One value is both Sink and Stream (both clients offer that): `futures`' `split()` would
/// hold each fed message in its own slot until the next send or flush, which is not what
/// either client does by itself.
pub async fn drive<M, SendError, Item, ReceiveError>(
    socket: &mut (impl Sink<M, Error = SendError> + Stream<Item = Result<Item, ReceiveError>> + Unpin),
    make: impl Fn() -> M,
    count: u32,
    window: u32,
) -> Result<f64, String>
where
    SendError: Display,
    ReceiveError: Display,
{
    let window = window.clamp(1, count.max(1));
    let start = now_ms();
    let mut sent = 0;
    while sent < window {
        socket
            .feed(make())
            .await
            .map_err(|e| format!("send failed: {e}"))?;
        sent += 1;
    }
    let mut received = 0;
    while received < count {
        match socket.next().await {
            Some(Ok(_)) => received += 1,
            Some(Err(error)) => {
                return Err(format!("receive failed after {received} echoes: {error}"))
            }
            None => {
                return Err(format!(
                    "the socket closed after {received} of {count} echoes"
                ))
            }
        }
        if sent < count {
            socket
                .feed(make())
                .await
                .map_err(|e| format!("send failed: {e}"))?;
            sent += 1;
        }
    }
    Ok(now_ms() - start)
}
