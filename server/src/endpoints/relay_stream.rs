//! `/relay/{room}` in a session with `--redis`: the session lives in Redis (see
//! [`crate::rooms::stream`]), so the client may resume it on any instance. The peer's messages
//! go to the room's Stream through the backplane, which drops a resent one the session
//! already had; a read batch is acknowledged once Redis has taken all of it. What the room
//! says reaches the peer from the Stream, in Stream order, numbered in the session.
//! Endpoints layer: imports `rooms` and `transport`.

use std::sync::Arc;
use std::time::Duration;

use crate::rooms::backplane::Backplane;
use crate::rooms::stream::{self, StreamSeat};
use crate::rooms::Rooms;
use crate::transport::outbox::TRY_AGAIN_LATER;
use crate::transport::session::registry::new_id;
use crate::transport::session::{Buffered, Session, SessionConn, Sessions};
use crate::transport::Connection;

/// How long a session waits for the backplane to subscribe its room.
/// How the backplane took one of the peer's messages.
type Receipt = tokio::sync::oneshot::Receiver<Result<i64, String>>;

const SUBSCRIBE_WAIT: Duration = Duration::from_secs(5);

/// Runs one session connection of `room` with the backplane until it closes.
pub async fn relay_stream(
    connection: Connection,
    rooms: &Arc<Rooms>,
    backplane: &Backplane,
    sessions: &Sessions,
    room: String,
) {
    let (connection, hello) = match SessionConn::read_hello(connection).await {
        Ok(read) => read,
        Err(connection) => return connection.finish().await,
    };
    let mut store = match backplane.store().await {
        Ok(store) => store,
        Err(why) => return refuse(connection, &why).await,
    };
    let ttl = backplane.session_ttl();
    let bounds = sessions.settings().bounds;
    let scope = format!("/relay/{room}");
    let stored = match &hello.session {
        Some(id) => match stream::load(&mut store, id).await {
            Ok(stored) => stored.filter(|stored| stored.room == room),
            Err(why) => return refuse(connection, &why).await,
        },
        None => None,
    };
    let resumable = stored.filter(|s| hello.received >= s.acked && hello.next <= s.in_count);
    let id = match (&resumable, &hello.session) {
        (Some(_), Some(id)) => id.clone(),
        _ => new_id(),
    };
    // In the room (and its channel subscribed) before the Stream is read: nothing said from
    // then on is missed, and nothing twice (the seat keeps entries past the last one read).
    let mut seat = Arc::new(StreamSeat::new(id.clone(), bounds.max_messages));
    let mut membership = rooms.seat_stream(&room, seat.clone());
    if !backplane.subscribed(&room, SUBSCRIBE_WAIT).await {
        return refuse(connection, "the backplane did not subscribe the room").await;
    }
    let attempt = match &resumable {
        Some(stored) => {
            let skip = hello.received - stored.acked;
            match stream::replay(&mut store, &room, &id, stored.at, skip).await {
                Ok(Some((entries, last))) => {
                    let session = Arc::new(Session::new(
                        id.clone(),
                        scope.clone(),
                        bounds,
                        stored.in_count,
                        hello.received,
                    ));
                    for (entry, message) in entries {
                        seat.replayed(&session, entry, message);
                    }
                    seat.go_live(session.clone(), last);
                    SessionConn::resume(connection, session, &hello).map_err(|refused| refused.0)
                }
                Ok(None) => Err(connection),
                Err(why) => return refuse(connection, &why).await,
            }
        }
        None => Err(connection),
    };
    let mut session = match attempt {
        Ok(session) => session,
        Err(connection) => {
            if resumable.is_some() {
                // Refused (trimmed past what the client is missing): a new id, a new seat.
                let fresh = Arc::new(StreamSeat::new(new_id(), bounds.max_messages));
                let old =
                    std::mem::replace(&mut membership, rooms.seat_stream(&room, fresh.clone()));
                drop(old);
                seat = fresh;
            }
            let id = seat.session_id().to_owned();
            let at = match stream::create(&mut store, &id, &room, hello.next, ttl).await {
                Ok(at) => at,
                Err(why) => return refuse(connection, &why).await,
            };
            let session = Arc::new(Session::new(id, scope, bounds, hello.next, 0));
            let started = SessionConn::start(connection, session.clone(), &hello);
            seat.go_live(session, at);
            started
        }
    };
    let id = seat.session_id().to_owned();
    let mut refresh = tokio::time::interval(ttl / 3);
    refresh.tick().await;
    let mut receipts: Vec<Option<Receipt>> = Vec::new();
    'serve: loop {
        let next = match session.try_recv() {
            Buffered::Empty => {
                // The batch is read: acknowledge it once Redis has all of it.
                for receipt in receipts.drain(..) {
                    let outcome: Result<i64, String> = match receipt {
                        Some(receipt) => receipt
                            .await
                            .unwrap_or_else(|_| Err("the backplane ended".to_owned())),
                        None => Err("no backplane".to_owned()),
                    };
                    match outcome {
                        Ok(0 | 1) => {}
                        Ok(code) => {
                            let why = format!(
                                "the session's counters in Redis refused a message ({code})"
                            );
                            session.close(TRY_AGAIN_LATER, &why);
                            break 'serve;
                        }
                        Err(why) => {
                            session.close(TRY_AGAIN_LATER, &format!("backplane: {why}"));
                            break 'serve;
                        }
                    }
                }
                tokio::select! {
                    message = session.recv() => match message {
                        Some(message) => Buffered::Message(message),
                        None => Buffered::Ended,
                    },
                    _ = refresh.tick() => {
                        let _ = stream::save_ack(&mut store, (&id, &room), 0, None, ttl).await;
                        continue;
                    }
                }
            }
            other => other,
        };
        match next {
            Buffered::Message(message) => {
                let number = session.last_number().unwrap_or_default();
                receipts.push(membership.forward_session(&message, &id, number).await);
            }
            Buffered::Ended => break,
            Buffered::Empty => {}
        }
    }
    let acked = session.session().acked();
    let _ = stream::save_ack(&mut store, (&id, &room), acked, seat.position(acked), ttl).await;
    drop(membership);
    session.finish().await;
}

/// Closes with 1013 (try again later) when Redis cannot serve the session now.
async fn refuse(mut connection: Connection, why: &str) {
    tracing::warn!(peer = %connection.info().peer, why, "relay session: Redis cannot serve it now");
    connection.close(TRY_AGAIN_LATER, &format!("backplane: {why}"));
    connection.finish().await;
}
