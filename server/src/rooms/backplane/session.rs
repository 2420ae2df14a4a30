//! One connection to Redis, from connect until Redis goes away: a pub/sub connection for the
//! room channels, a multiplexed connection for PUBLISH. Rooms layer (backplane): imports
//! the backplane's handle and the rooms it delivers to.

use std::collections::HashSet;
use std::time::Duration;

use futures_util::StreamExt;
use redis::aio::{MultiplexedConnection, PubSubSink, PubSubStream};
use redis::{AsyncConnectionConfig, Client, Msg};
use tokio::time::{interval_at, timeout, Instant, MissedTickBehavior};

use tokio_util::sync::CancellationToken;

use super::{frame, Backplane, Dropped, Inbox, Publication};
use crate::rooms::room::Rooms;

/// How long connecting, or any one command, may take before Redis counts as gone.
pub const REDIS_TIMEOUT: Duration = Duration::from_secs(5);
/// How often both connections are pinged while idle, to notice a Redis that stopped answering
/// without closing the connection.
pub const PING_INTERVAL: Duration = Duration::from_secs(5);
/// The most publications sent in one pipeline (one round trip).
const BATCH: usize = 512;
/// The most channels named in one SUBSCRIBE or UNSUBSCRIBE.
const CHUNK: usize = 256;

/// A connected backplane; see the module doc.
pub(super) struct Session {
    sink: PubSubSink,
    stream: PubSubStream,
    publisher: MultiplexedConnection,
    /// The rooms whose channels are subscribed.
    subscribed: HashSet<String>,
    /// Whether a malformed frame was logged in this session (the rest are only counted).
    malformed_logged: bool,
}

impl Session {
    /// Opens both connections; the error says why not.
    pub(super) async fn connect(client: &Client) -> Result<Session, String> {
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(REDIS_TIMEOUT))
            .set_response_timeout(Some(REDIS_TIMEOUT));
        let publisher = client
            .get_multiplexed_async_connection_with_config(&config)
            .await
            .map_err(|error| error.to_string())?;
        let pubsub = timeout(REDIS_TIMEOUT, client.get_async_pubsub())
            .await
            .map_err(|_| format!("no answer within {REDIS_TIMEOUT:?}"))?
            .map_err(|error| error.to_string())?;
        let (sink, stream) = pubsub.split();
        Ok(Session {
            sink,
            stream,
            publisher,
            subscribed: HashSet::new(),
            malformed_logged: false,
        })
    }

    /// Subscribes every local room, then publishes, delivers and follows room changes until
    /// shutdown (`None`) or until Redis goes away (`Some(why)`).
    pub(super) async fn serve(
        mut self,
        backplane: &Backplane,
        inbox: &mut Inbox,
        rooms: &Rooms,
        shutdown: &CancellationToken,
    ) -> Option<String> {
        // Changes from here on are seen again after the snapshot, so none is missed.
        backplane.take_changed();
        if let Err(why) = self.sync(rooms.names(), backplane, rooms).await {
            return Some(why);
        }
        let mut ping = interval_at(Instant::now() + PING_INTERVAL, PING_INTERVAL);
        ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            // Not biased: deliveries, publications and room changes take turns.
            let step = tokio::select! {
                _ = shutdown.cancelled() => return None,
                message = self.stream.next() => match message {
                    Some(message) => {
                        self.deliver(&message, backplane, rooms);
                        Ok(())
                    }
                    None => Err("the subscription connection closed".to_owned()),
                },
                _ = backplane.0.wake.notified() => {
                    let changed = backplane.take_changed();
                    self.sync(changed, backplane, rooms).await
                }
                publication = inbox.publications.recv() => match publication {
                    Some(first) => self.publish(first, inbox, backplane).await,
                    None => return None,
                },
                _ = ping.tick() => self.ping().await,
            };
            if let Err(why) = step {
                return Some(why);
            }
        }
    }

    /// Subscribes the channels of `rooms` that now have local peers and unsubscribes those
    /// that have none any more.
    async fn sync(
        &mut self,
        changed: impl IntoIterator<Item = String>,
        backplane: &Backplane,
        rooms: &Rooms,
    ) -> Result<(), String> {
        let mut join = Vec::new();
        let mut leave = Vec::new();
        for room in changed {
            match (rooms.contains(&room), self.subscribed.contains(&room)) {
                (true, false) => join.push(room),
                (false, true) => leave.push(room),
                _ => {}
            }
        }
        for rooms in join.chunks(CHUNK) {
            let channels: Vec<String> = rooms.iter().map(|room| frame::channel(room)).collect();
            command(self.sink.subscribe(channels), "SUBSCRIBE").await?;
            self.subscribed.extend(rooms.iter().cloned());
        }
        for rooms in leave.chunks(CHUNK) {
            let channels: Vec<String> = rooms.iter().map(|room| frame::channel(room)).collect();
            command(self.sink.unsubscribe(channels), "UNSUBSCRIBE").await?;
            for room in rooms {
                self.subscribed.remove(room);
            }
        }
        backplane.0.metrics.set_rooms(self.subscribed.len());
        backplane.set_subscribed(&self.subscribed);
        Ok(())
    }

    /// Hands a message from another instance to the local peers of its room; skips this
    /// instance's own publications (its peers had them from the relay).
    fn deliver(&mut self, message: &Msg, backplane: &Backplane, rooms: &Rooms) {
        let Some(room) = frame::room_of(message.get_channel_name().as_bytes()) else {
            return;
        };
        match frame::decode(message.get_payload_bytes()) {
            Ok(decoded) if decoded.entry.is_some() => {
                // A Stream frame: session peers here get it in Stream order (this instance's
                // own included); plain peers unless a plain peer here already had it.
                let plain = decoded.instance != backplane.instance() || decoded.sender.is_some();
                rooms.deliver_entry(room, &decoded, plain);
                if decoded.instance != backplane.instance() {
                    backplane.0.metrics.received();
                }
            }
            Ok(decoded) if decoded.instance == backplane.instance() => {}
            Ok(decoded) => {
                rooms.deliver(room, &decoded.message);
                backplane.0.metrics.received();
            }
            Err(why) => {
                backplane.0.metrics.dropped(Dropped::Malformed, 1);
                if !self.malformed_logged {
                    self.malformed_logged = true;
                    tracing::warn!(room, why, "backplane: a message on a room channel is not a duplex-server frame; dropped (further ones are only counted)");
                }
            }
        }
    }

    /// PUBLISHes `first` and whatever else is already queued (up to a batch), in order, in
    /// one round trip.
    async fn publish(
        &mut self,
        first: Publication,
        inbox: &mut Inbox,
        backplane: &Backplane,
    ) -> Result<(), String> {
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match inbox.publications.try_recv() {
                Ok(publication) => batch.push(publication),
                Err(_) => break,
            }
        }
        let mut pipe = redis::pipe();
        let mut header = vec![frame::STREAM_VERSION];
        header.extend_from_slice(&backplane.instance().to_be_bytes());
        let ttl_ms = backplane.session_ttl().as_millis() as u64;
        for publication in &batch {
            let (sender, number, hash) = match &publication.session {
                Some((id, number, _)) => (id.as_str(), number.to_string(), session_key(id)),
                None => ("", String::new(), String::new()),
            };
            pipe.cmd("EVAL")
                .arg(frame::PUBLISH_SCRIPT)
                .arg(3)
                .arg(frame::stream(&publication.room))
                .arg(frame::channel(&publication.room))
                .arg(hash)
                .arg(backplane.stream_trim(publication.payload.len()))
                .arg(&header[..])
                .arg(&[publication.kind][..])
                .arg(sender)
                .arg(&publication.payload[..])
                .arg(number)
                .arg(ttl_ms);
        }
        let count = batch.len();
        let sent = command(pipe.query_async::<Vec<i64>>(&mut self.publisher), "EVAL").await;
        // A session peer's message waits for its outcome: its batch is acknowledged after.
        for (index, publication) in batch.into_iter().enumerate() {
            if let Some((_, _, done)) = publication.session {
                let outcome = match &sent {
                    Ok(results) => Ok(results.get(index).copied().unwrap_or(-1)),
                    Err(why) => Err(why.clone()),
                };
                let _ = done.send(outcome);
            }
        }
        match sent {
            Ok(_) => {
                backplane.0.metrics.published(count);
                backplane
                    .0
                    .full_logged
                    .store(false, std::sync::atomic::Ordering::Relaxed);
                Ok(())
            }
            Err(why) => {
                backplane.0.metrics.dropped(Dropped::Failed, count);
                Err(why)
            }
        }
    }

    /// Pings both connections: a Redis that stopped answering counts as gone.
    async fn ping(&mut self) -> Result<(), String> {
        command(
            redis::cmd("PING").query_async::<redis::Value>(&mut self.publisher),
            "PING",
        )
        .await?;
        command(self.sink.ping::<redis::Value>(), "PING (pub/sub)").await?;
        Ok(())
    }
}

/// The Redis hash of a session's counters.
pub fn session_key(id: &str) -> String {
    format!("duplex:session:{id}")
}

/// Awaits a Redis command for at most [`REDIS_TIMEOUT`]; the error names the command.
async fn command<T>(
    future: impl std::future::Future<Output = redis::RedisResult<T>>,
    name: &str,
) -> Result<T, String> {
    match timeout(REDIS_TIMEOUT, future).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(format!("{name} failed: {error}")),
        Err(_) => Err(format!("{name}: no answer within {REDIS_TIMEOUT:?}")),
    }
}
