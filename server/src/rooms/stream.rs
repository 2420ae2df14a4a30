//! Relay sessions with `--redis`: a peer resumes on any instance. A room's messages are
//! entries of its Redis Stream (`duplex:stream:<room>`, trimmed by `--session-replay-messages`
//! and `--session-replay-bytes`: `frame::trim_length`), added and published together by one
//! script, so every instance hears them in Stream order; a session's counters are a Redis hash
//! (`duplex:session:<id>`: `room`, `in` = client messages accepted, and `acked`/`at` = how many
//! server messages the client acknowledged and the Stream entry of the last of them), which
//! expires after the session TTL. Each time a session's TTL starts again, so does its room's
//! Stream's (as each message does): the Stream outlives every session that may resume from
//! it, and a room no longer used leaves nothing in Redis. A session's server-to-client
//! numbering is the room's entries after its start, its own left out: a resume on any
//! instance walks the Stream from `at` and replays what the client had not received, in the
//! order every live peer got it.
//!
//! [`StreamSeat`] is such a session's place in the room on this instance: while the resume
//! reads the Stream, the entries the backplane delivers wait; then only entries past the last
//! one read go on, once. Rooms layer: imports the backplane and `transport`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::ws::{Message, Utf8Bytes};
use redis::aio::MultiplexedConnection;
use redis::Value;

use super::backplane::frame::{self, StreamId};
use super::backplane::session_key;
use crate::transport::session::Session;

/// A session's place in a room with `--redis`; see the module doc.
pub struct StreamSeat {
    session_id: String,
    state: Mutex<SeatState>,
}

struct SeatState {
    session: Option<Arc<Session>>,
    /// The last Stream entry accounted for (delivered, or before the session's start).
    last: StreamId,
    /// Entries delivered while the resume reads the Stream.
    pending: Option<Vec<(StreamId, Message)>>,
    /// The Stream entry of each numbered message, newest last (for `acked`/`at`).
    numbered: VecDeque<(u64, StreamId)>,
    /// How many entries `numbered` keeps.
    keep: usize,
}

impl StreamSeat {
    /// The seat of session `session_id`, holding what arrives until [`StreamSeat::go_live`].
    pub fn new(session_id: String, keep: usize) -> StreamSeat {
        StreamSeat {
            session_id,
            state: Mutex::new(SeatState {
                session: None,
                last: StreamId::default(),
                pending: Some(Vec::new()),
                numbered: VecDeque::new(),
                keep: keep.max(1),
            }),
        }
    }

    /// The session's id (its own messages are not delivered back to it).
    pub fn session_id(&self) -> &str {
        &self.session_id
    }

    /// A Stream entry from the backplane: held while the resume reads, else numbered and
    /// sent unless already accounted for.
    pub fn deliver(&self, entry: StreamId, message: &Message) {
        let mut state = self.lock();
        if let Some(pending) = &mut state.pending {
            pending.push((entry, message.clone()));
            return;
        }
        state.take(entry, message.clone());
    }

    /// Numbers a replayed entry (read from the Stream) for `session`.
    pub fn replayed(&self, session: &Arc<Session>, entry: StreamId, message: Message) {
        let mut state = self.lock();
        state.session = Some(session.clone());
        state.take(entry, message);
    }

    /// Everything up to `last` is accounted for: what waited goes on (past `last` only), and
    /// from now on entries go straight to `session`.
    pub fn go_live(&self, session: Arc<Session>, last: StreamId) {
        let mut state = self.lock();
        state.session = Some(session);
        state.last = state.last.max(last);
        for (entry, message) in state.pending.take().unwrap_or_default() {
            state.take(entry, message);
        }
    }

    /// The Stream entry of message `count - 1` (what an ack of `count` covers), if known.
    pub fn position(&self, count: u64) -> Option<StreamId> {
        let state = self.lock();
        let wanted = count.checked_sub(1)?;
        state
            .numbered
            .iter()
            .find(|(number, _)| *number == wanted)
            .map(|(_, entry)| *entry)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SeatState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl SeatState {
    fn take(&mut self, entry: StreamId, message: Message) {
        if entry <= self.last {
            return;
        }
        self.last = entry;
        if let Some(session) = &self.session {
            let number = session.send(message);
            self.numbered.push_back((number, entry));
            while self.numbered.len() > self.keep {
                self.numbered.pop_front();
            }
        }
    }
}

/// A session's counters as Redis holds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// Its room.
    pub room: String,
    /// Client messages accepted.
    pub in_count: u64,
    /// Server messages the client acknowledged.
    pub acked: u64,
    /// The Stream entry of the last of them (or the session's start).
    pub at: StreamId,
}

fn failed(what: &str) -> impl Fn(redis::RedisError) -> String + '_ {
    move |error| format!("{what} failed: {error}")
}

/// The session `id`'s counters, if Redis still has them.
pub async fn load(store: &mut MultiplexedConnection, id: &str) -> Result<Option<Stored>, String> {
    let fields: std::collections::HashMap<String, String> = redis::cmd("HGETALL")
        .arg(session_key(id))
        .query_async(store)
        .await
        .map_err(failed("HGETALL"))?;
    let number = |name: &str| fields.get(name).and_then(|v| v.parse::<u64>().ok());
    Ok(match (fields.get("room"), number("in"), number("acked")) {
        (Some(room), Some(in_count), Some(acked)) => Some(Stored {
            room: room.clone(),
            in_count,
            acked,
            at: fields
                .get("at")
                .and_then(|at| StreamId::parse(at))
                .unwrap_or_default(),
        }),
        _ => None,
    })
}

/// Writes a new session's counters (expiring after `ttl`); returns the Stream entry it
/// starts after (the room's last one now).
pub async fn create(
    store: &mut MultiplexedConnection,
    id: &str,
    room: &str,
    next: u64,
    ttl: std::time::Duration,
) -> Result<StreamId, String> {
    let last: Vec<(String, Value)> = redis::cmd("XREVRANGE")
        .arg(frame::stream(room))
        .arg("+")
        .arg("-")
        .arg("COUNT")
        .arg(1)
        .query_async(store)
        .await
        .map_err(failed("XREVRANGE"))?;
    let at = last
        .first()
        .and_then(|(entry, _)| StreamId::parse(entry))
        .unwrap_or_default();
    save(
        store,
        (id, room),
        &[
            ("room", room.to_owned()),
            ("in", next.to_string()),
            ("acked", "0".into()),
            ("at", at.to_string()),
        ],
        ttl,
    )
    .await?;
    Ok(at)
}

/// Records that the client of session `id` (of `room`) acknowledged `acked` messages, the
/// last of them at `at`, and restarts the TTL (the session's and its room's Stream's).
pub async fn save_ack(
    store: &mut MultiplexedConnection,
    (id, room): (&str, &str),
    acked: u64,
    at: Option<StreamId>,
    ttl: std::time::Duration,
) -> Result<(), String> {
    match at {
        Some(at) => {
            save(
                store,
                (id, room),
                &[("acked", acked.to_string()), ("at", at.to_string())],
                ttl,
            )
            .await
        }
        None => save(store, (id, room), &[], ttl).await,
    }
}

async fn save(
    store: &mut MultiplexedConnection,
    (id, room): (&str, &str),
    fields: &[(&str, String)],
    ttl: std::time::Duration,
) -> Result<(), String> {
    let key = session_key(id);
    let ttl_ms = ttl.as_millis() as u64;
    let mut pipe = redis::pipe();
    if !fields.is_empty() {
        pipe.cmd("HSET").arg(&key).arg(fields).ignore();
    }
    pipe.cmd("PEXPIRE").arg(&key).arg(ttl_ms).ignore();
    // The room's Stream lives at least as long as the session (a no-op before its first
    // message: the script sets it then).
    pipe.cmd("PEXPIRE")
        .arg(frame::stream(room))
        .arg(ttl_ms)
        .ignore();
    pipe.query_async::<()>(store).await.map_err(failed("HSET"))
}

/// The room's entries after `at` that the session `id` did not send, minus the first
/// `skip` (the client has them); `None` when the Stream was trimmed past `at` or holds fewer
/// than `skip` of them. Also the last entry read (or `at`).
pub async fn replay(
    store: &mut MultiplexedConnection,
    room: &str,
    id: &str,
    at: StreamId,
    skip: u64,
) -> Result<Option<(Vec<(StreamId, Message)>, StreamId)>, String> {
    let key = frame::stream(room);
    let info: Result<Value, _> = redis::cmd("XINFO")
        .arg("STREAM")
        .arg(&key)
        .query_async(store)
        .await;
    let deleted = match info {
        Ok(info) => info_field(&info, "max-deleted-entry-id").unwrap_or_default(),
        // No Stream: nothing was ever said, or it is gone.
        Err(_) => return Ok((skip == 0 && at == StreamId::default()).then(|| (Vec::new(), at))),
    };
    if deleted > at {
        return Ok(None);
    }
    let entries: Vec<Entry> = redis::cmd("XRANGE")
        .arg(&key)
        .arg(format!("({at}"))
        .arg("+")
        .query_async(store)
        .await
        .map_err(failed("XRANGE"))?;
    let mut last = at;
    let mut replay = Vec::new();
    let mut skipped = 0;
    for (entry, fields) in entries {
        let Some(entry) = StreamId::parse(&entry) else {
            continue;
        };
        last = entry;
        let field = |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v);
        if field("s").is_some_and(|sender| sender.as_slice() == id.as_bytes()) {
            continue;
        }
        let payload = field("d").cloned().unwrap_or_default();
        let message = match field("k").map(Vec::as_slice) {
            Some(b"t") => match Utf8Bytes::try_from(payload) {
                Ok(text) => Message::Text(text),
                Err(_) => continue,
            },
            _ => Message::Binary(Bytes::from(payload)),
        };
        if skipped < skip {
            skipped += 1;
        } else {
            replay.push((entry, message));
        }
    }
    Ok((skipped == skip).then_some((replay, last)))
}

/// A Stream entry as XRANGE answers it: its id and its fields.
type Entry = (String, Vec<(String, Vec<u8>)>);

/// A Stream id field of an `XINFO STREAM` answer (RESP2 flat list or RESP3 map).
fn info_field(info: &Value, name: &str) -> Option<StreamId> {
    let text = |value: &Value| match value {
        Value::BulkString(bytes) => String::from_utf8(bytes.clone()).ok(),
        Value::SimpleString(text) => Some(text.clone()),
        _ => None,
    };
    match info {
        Value::Array(items) => items
            .chunks(2)
            .find(|pair| pair.len() == 2 && text(&pair[0]).as_deref() == Some(name))
            .and_then(|pair| StreamId::parse(&text(&pair[1])?)),
        Value::Map(pairs) => pairs
            .iter()
            .find(|(key, _)| text(key).as_deref() == Some(name))
            .and_then(|(_, value)| StreamId::parse(&text(value)?)),
        _ => None,
    }
}
