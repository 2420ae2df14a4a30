//! The relay rooms: which peers are in which room, and handing a message to every other
//! peer of a room without waiting for any of them. With `--redis` a room spans every
//! instance: [`Membership::forward`] also hands each message to the backplane, and the
//! backplane delivers what other instances published through [`Rooms::deliver`].
//! Rooms layer: imports `transport` and the backplane's handle.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::ws::Message;
use prometheus::IntGauge;

use super::backplane::frame::Decoded;
use super::backplane::Backplane;
use super::stream::StreamSeat;
pub use crate::transport::outbox::TRY_AGAIN_LATER;
use crate::transport::session::Session;
use crate::transport::text::within;
use crate::transport::{Connection, Metrics, Outbox};

/// The room of `/relay` without a name.
pub const DEFAULT_ROOM: &str = "default";
/// The longest room name accepted, in bytes.
pub const MAX_ROOM_NAME: usize = 128;

/// Checks a room name from the path; the error names the value and the rule.
pub fn check_room_name(room: &str) -> Result<(), String> {
    if room.is_empty() || room.len() > MAX_ROOM_NAME {
        // Only the start of a long name: the log and the answer stay small.
        let shown = within(room, MAX_ROOM_NAME);
        let more = if shown.len() < room.len() { "..." } else { "" };
        return Err(format!(
            "room name {shown:?}{more} ({} bytes) is not allowed: it must be 1 to {MAX_ROOM_NAME} bytes long",
            room.len()
        ));
    }
    Ok(())
}

/// A peer as its room sees it: where to put messages for it.
enum Member {
    /// A plain connection: its outbox (which closes it with 1013 when it reads too slowly).
    Plain(Outbox),
    /// A session (`duplex.v1`): it numbers and keeps each message for a replay, and stays in
    /// the room between its connections, until it expires.
    Session(Arc<Session>),
    /// A session with `--redis`: it hears the room only from the room's Stream frames, in
    /// Stream order (see [`super::stream`]).
    Stream(Arc<StreamSeat>),
}

/// Every room with at least one peer. A room exists while it has peers: joining makes it,
/// the last one leaving removes it.
pub struct Rooms {
    rooms: Mutex<HashMap<String, HashMap<u64, Member>>>,
    next_id: AtomicU64,
    /// Peers in all rooms; changed only with `rooms` locked.
    members: AtomicUsize,
    gauges: RoomGauges,
    /// With `--redis`: where messages go for the other instances.
    backplane: Option<Backplane>,
}

/// A peer's place in a room; leaving the room is dropping it.
pub struct Membership {
    rooms: Arc<Rooms>,
    room: String,
    id: u64,
}

impl Rooms {
    /// No rooms yet; registers the gauges of rooms and peers (`duplex_relay_rooms`,
    /// `duplex_relay_members`) in `metrics`, once per server. `backplane`, if any, gets every
    /// message and hears when a room is created or removed.
    pub fn new(metrics: &Metrics, backplane: Option<Backplane>) -> Rooms {
        Rooms {
            rooms: Mutex::default(),
            next_id: AtomicU64::new(0),
            members: AtomicUsize::new(0),
            gauges: RoomGauges::register(metrics),
            backplane,
        }
    }

    /// Puts a connection into `room`.
    pub fn join(self: &Arc<Self>, room: &str, connection: &Connection) -> Membership {
        self.enter(room, Member::Plain(connection.outbox()))
    }

    /// Puts a session with `--redis` into `room` (it hears the room's Stream frames only).
    pub fn seat_stream(self: &Arc<Self>, room: &str, seat: Arc<StreamSeat>) -> Membership {
        self.enter(room, Member::Stream(seat))
    }

    /// The backplane, with `--redis`.
    pub fn backplane(&self) -> Option<&Backplane> {
        self.backplane.as_ref()
    }

    /// Hands a Stream frame to the local peers of `room`: to every session peer but its
    /// sender, and to the plain peers if `plain`.
    pub fn deliver_entry(&self, room: &str, decoded: &Decoded, plain: bool) {
        let (Some(entry), Some(members)) = (
            decoded.entry,
            self.lock().get(room).map(|m| {
                m.values()
                    .filter_map(|member| match member {
                        Member::Plain(outbox) if plain => Some(Target::Plain(outbox.clone())),
                        Member::Stream(seat) => Some(Target::Stream(seat.clone())),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
            }),
        ) else {
            return;
        };
        for member in members {
            match member {
                Target::Plain(outbox) => {
                    let _ = outbox.offer(decoded.message.clone());
                }
                Target::Stream(seat) => {
                    if decoded.sender.as_deref() != Some(seat.session_id()) {
                        seat.deliver(entry, &decoded.message);
                    }
                }
            }
        }
    }

    /// Puts a session into `room`, for as long as the returned place is kept (the session
    /// keeps it until it expires).
    pub fn seat(self: &Arc<Self>, room: &str, session: Arc<Session>) -> Membership {
        self.enter(room, Member::Session(session))
    }

    fn enter(self: &Arc<Self>, room: &str, member: Member) -> Membership {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut rooms = self.lock();
        let members = rooms.entry(room.to_owned()).or_default();
        members.insert(id, member);
        if members.len() == 1 {
            // The first local peer: the backplane subscribes the room's channel.
            if let Some(backplane) = &self.backplane {
                backplane.room_changed(room);
            }
        }
        self.members.fetch_add(1, Ordering::Relaxed);
        self.count(&rooms);
        drop(rooms);
        Membership {
            rooms: self.clone(),
            room: room.to_owned(),
            id,
        }
    }

    /// How many rooms exist now.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no room exists.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many peers `room` has on this instance (0 if it has none here).
    pub fn peers(&self, room: &str) -> usize {
        self.lock().get(room).map_or(0, HashMap::len)
    }

    /// Whether `room` has local peers now.
    pub fn contains(&self, room: &str) -> bool {
        self.lock().contains_key(room)
    }

    /// The names of the rooms with local peers now.
    pub fn names(&self) -> Vec<String> {
        self.lock().keys().cloned().collect()
    }

    /// Hands a message that came from another instance to every local peer of `room`, like
    /// [`Membership::forward`] (a full queue closes its peer with 1013).
    pub fn deliver(&self, room: &str, message: &Message) {
        if let Some(members) = self.lock().get(room) {
            fan_out(members, None, message);
        }
    }

    /// Updates the gauges; called with the lock held, so they are never out of order.
    fn count(&self, rooms: &HashMap<String, HashMap<u64, Member>>) {
        let members = self.members.load(Ordering::Relaxed);
        self.gauges.rooms.set(rooms.len() as i64);
        self.gauges.members.set(members as i64);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, HashMap<u64, Member>>> {
        self.rooms.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Membership {
    /// A session peer's message with `--redis`: it goes to the room's Stream (once, however
    /// often the client resends it) and, from there, to every peer of the room on every
    /// instance; resolves as [`Backplane::publish_session`] says (waiting for room in the
    /// backplane's queue first).
    pub async fn forward_session(
        &self,
        message: &Message,
        session: &str,
        number: u64,
    ) -> Option<tokio::sync::oneshot::Receiver<Result<i64, String>>> {
        let backplane = self.rooms.backplane.as_ref()?;
        Some(
            backplane
                .publish_session(&self.room, message, session, number)
                .await,
        )
    }

    /// Hands `message` to every other peer of the room without waiting for any of them: a
    /// peer that reads too slowly is closed with 1013 by its outbox.
    /// With a backplane, the message then goes to the other instances (without waiting
    /// either).
    pub fn forward(&self, message: &Message) {
        {
            let rooms = self.rooms.lock();
            if let Some(members) = rooms.get(&self.room) {
                fan_out(members, Some(self.id), message);
            }
        }
        if let Some(backplane) = &self.rooms.backplane {
            backplane.publish(&self.room, message);
        }
    }
}

/// Puts `message` in the queue of every member but `skip` without waiting: no one waits for a
/// slow reader (its outbox closes it with 1013, see [`crate::transport::outbox`]).
fn fan_out(members: &HashMap<u64, Member>, skip: Option<u64>, message: &Message) {
    for (id, member) in members {
        if Some(*id) == skip {
            continue;
        }
        // Text and binary payloads are reference-counted: a clone copies no bytes.
        match member {
            Member::Plain(outbox) => {
                let _ = outbox.offer(message.clone());
            }
            Member::Session(session) => {
                let _ = session.send(message.clone());
            }
            // Hears the room from its Stream frames only (the backplane delivers them).
            Member::Stream(_) => {}
        }
    }
}

impl Drop for Membership {
    fn drop(&mut self) {
        let mut rooms = self.rooms.lock();
        if let Some(members) = rooms.get_mut(&self.room) {
            if members.remove(&self.id).is_some() {
                self.rooms.members.fetch_sub(1, Ordering::Relaxed);
            }
            if members.is_empty() {
                rooms.remove(&self.room);
                // The last local peer left: the backplane unsubscribes the room's channel.
                if let Some(backplane) = &self.rooms.backplane {
                    backplane.room_changed(&self.room);
                }
            }
        }
        self.rooms.count(&rooms);
    }
}

/// A member to deliver to, taken out of the lock.
enum Target {
    Plain(Outbox),
    Stream(Arc<StreamSeat>),
}

/// The relay's series of `/metrics`.
struct RoomGauges {
    rooms: IntGauge,
    members: IntGauge,
}

impl RoomGauges {
    fn register(metrics: &Metrics) -> RoomGauges {
        let gauge = |name: &str, help: &str| {
            let metric = IntGauge::new(name, help).expect("valid metric");
            metrics
                .registry()
                .register(Box::new(metric.clone()))
                .expect("unique metric");
            metric
        };
        RoomGauges {
            rooms: gauge("duplex_relay_rooms", "Relay rooms with at least one peer"),
            members: gauge("duplex_relay_members", "Peers in relay rooms"),
        }
    }
}
