//! The relay rooms: which peers are in which room, and handing a message to every other
//! peer of a room without waiting for any of them. With `--redis` a room spans every
//! instance: [`Membership::forward`] also hands each message to the backplane, and the
//! backplane delivers what other instances published through [`Rooms::deliver`].
//! Rooms layer: imports `transport` and the backplane's handle.
//!
//! Two levels of locks: the map of rooms, held only to find, make or remove a room, and each
//! room's own, held while a message goes to its members. A message's fan-out to a big room
//! (a session member numbers and keeps it, thousands of them can take seconds) so holds up
//! that room only, never the others; and since it holds the room's lock, every member of a
//! room gets the room's messages in the same order. The room's lock is never taken with the
//! map's held (only the reverse, to remove an emptied room), so the two cannot deadlock.

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
    /// Tests only: runs while a message is fanned out to it.
    #[cfg(test)]
    Probe(Box<dyn Fn() + Send + Sync>),
}

/// One room: its members, behind its own lock (see the module doc).
#[derive(Default)]
struct Room(Mutex<RoomState>);

#[derive(Default)]
struct RoomState {
    members: HashMap<u64, Member>,
    /// The last member left and the room was taken out of the map: a peer that found it
    /// there just before joins a new one instead.
    removed: bool,
}

impl Room {
    fn lock(&self) -> std::sync::MutexGuard<'_, RoomState> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many members it has now.
    fn len(&self) -> usize {
        self.lock().members.len()
    }
}

/// Every room with at least one peer. A room exists while it has peers: joining makes it,
/// the last one leaving removes it.
pub struct Rooms {
    rooms: Mutex<HashMap<String, Arc<Room>>>,
    next_id: AtomicU64,
    /// Peers in all rooms.
    members: AtomicUsize,
    gauges: RoomGauges,
    /// With `--redis`: where messages go for the other instances.
    backplane: Option<Backplane>,
}

/// A peer's place in a room; leaving the room is dropping it.
pub struct Membership {
    rooms: Arc<Rooms>,
    room: String,
    /// The room itself: forwarding takes its lock only, not the map's.
    place: Arc<Room>,
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
        let (Some(entry), Some(room)) = (decoded.entry, self.room(room)) else {
            return;
        };
        let state = room.lock();
        for member in state.members.values() {
            match member {
                Member::Plain(outbox) if plain => {
                    let _ = outbox.offer(decoded.message.clone());
                }
                // Its own messages left out.
                Member::Stream(seat) if decoded.sender.as_deref() != Some(seat.session_id()) => {
                    seat.deliver(entry, &decoded.message);
                }
                _ => {}
            }
        }
    }

    /// The room named `room`, if it has local peers, taken out of the map's lock.
    fn room(&self, room: &str) -> Option<Arc<Room>> {
        self.lock().get(room).cloned()
    }

    /// Puts a session into `room`, for as long as the returned place is kept (the session
    /// keeps it until it expires).
    pub fn seat(self: &Arc<Self>, room: &str, session: Arc<Session>) -> Membership {
        self.enter(room, Member::Session(session))
    }

    fn enter(self: &Arc<Self>, room: &str, member: Member) -> Membership {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let place = loop {
            let place = self.lock().entry(room.to_owned()).or_default().clone();
            // The map's lock is released before the room's is taken (see the module doc).
            let mut state = place.lock();
            if state.removed {
                // Emptied and taken out of the map meanwhile: the room is made anew.
                continue;
            }
            state.members.insert(id, member);
            if state.members.len() == 1 {
                // The first local peer: the backplane subscribes the room's channel.
                if let Some(backplane) = &self.backplane {
                    backplane.room_changed(room);
                }
            }
            self.members.fetch_add(1, Ordering::Relaxed);
            drop(state);
            break place;
        };
        self.count(&self.lock());
        Membership {
            rooms: self.clone(),
            room: room.to_owned(),
            place,
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
        self.room(room).map_or(0, |room| room.len())
    }

    /// Whether `room` has local peers now.
    pub fn contains(&self, room: &str) -> bool {
        self.peers(room) > 0
    }

    /// The names of the rooms with local peers now.
    pub fn names(&self) -> Vec<String> {
        let rooms: Vec<(String, Arc<Room>)> = (self.lock().iter())
            .map(|(name, room)| (name.clone(), room.clone()))
            .collect();
        (rooms.into_iter())
            .filter(|(_, room)| room.len() > 0)
            .map(|(name, _)| name)
            .collect()
    }

    /// Hands a message that came from another instance to every local peer of `room`, like
    /// [`Membership::forward`] (a full queue closes its peer with 1013).
    pub fn deliver(&self, room: &str, message: &Message) {
        if let Some(room) = self.room(room) {
            fan_out(&room.lock().members, None, message);
        }
    }

    /// Updates the gauges; called with the map's lock held, so they are never out of order.
    fn count(&self, rooms: &HashMap<String, Arc<Room>>) {
        let members = self.members.load(Ordering::Relaxed);
        self.gauges.rooms.set(rooms.len() as i64);
        self.gauges.members.set(members as i64);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Room>>> {
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
        // The room's lock only: other rooms go on meanwhile (see the module doc).
        fan_out(&self.place.lock().members, Some(self.id), message);
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
            #[cfg(test)]
            Member::Probe(probe) => probe(),
        }
    }
}

impl Drop for Membership {
    fn drop(&mut self) {
        let mut state = self.place.lock();
        if state.members.remove(&self.id).is_some() {
            self.rooms.members.fetch_sub(1, Ordering::Relaxed);
        }
        // The room's lock, then the map's: the one order in which both are held.
        let mut rooms = self.rooms.lock();
        if state.members.is_empty() && !state.removed {
            state.removed = true;
            if rooms
                .get(&self.room)
                .is_some_and(|room| Arc::ptr_eq(room, &self.place))
            {
                rooms.remove(&self.room);
            }
            // The last local peer left: the backplane unsubscribes the room's channel.
            if let Some(backplane) = &self.rooms.backplane {
                backplane.room_changed(&self.room);
            }
        }
        self.rooms.count(&rooms);
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A big room's fan-out (thousands of session members) took seconds, and held the map of
    /// rooms all along: every other room's messages, joins and leaves waited for it.
    #[test]
    fn a_fan_out_holds_its_rooms_lock_not_the_map_of_rooms() {
        let rooms = Arc::new(Rooms::new(&Metrics::new(), None));
        let map_free = Arc::new(Mutex::new(Vec::new()));
        let probe = {
            let (rooms, map_free) = (Arc::downgrade(&rooms), map_free.clone());
            move || {
                let rooms = rooms.upgrade().unwrap();
                let free = rooms.rooms.try_lock().is_ok();
                map_free.lock().unwrap().push(free);
            }
        };
        let _listener = rooms.enter("big", Member::Probe(Box::new(probe)));
        let sender = rooms.enter("big", Member::Probe(Box::new(|| {})));
        let elsewhere = rooms.enter("other", Member::Probe(Box::new(|| {})));
        sender.forward(&Message::Text("to the big room".into()));
        rooms.deliver("big", &Message::Text("from another instance".into()));
        assert_eq!(*map_free.lock().unwrap(), [true, true]);
        // Joins and leaves keep the rooms and the counts right.
        assert_eq!(
            (rooms.peers("big"), rooms.peers("other"), rooms.len()),
            (2, 1, 2)
        );
        drop(elsewhere);
        assert_eq!((rooms.contains("other"), rooms.len()), (false, 1));
        assert_eq!(rooms.names(), ["big"]);
        drop(sender);
        let again = rooms.enter("other", Member::Probe(Box::new(|| {})));
        assert_eq!((rooms.peers("other"), rooms.len()), (1, 2));
        drop(again);
        assert_eq!(rooms.members.load(Ordering::Relaxed), 1);
    }
}
