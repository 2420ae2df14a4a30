//! `/relay/{room}` and `/relay`: every message from a peer goes to every other peer of the
//! same room, never back to its sender (the rooms themselves are in [`crate::rooms`]). A
//! session peer (`duplex.v1`) keeps its seat in the room between its connections, until its
//! session expires, so it misses nothing the room says while it reconnects.
//! Endpoints layer: imports `rooms` and `transport`.

use std::sync::Arc;

use super::relay_stream::relay_stream;
use super::{in_session, open_session};
use crate::rooms::{Membership, Rooms};
use crate::transport::session::Sessions;
use crate::transport::Connection;

/// Runs one relay connection in `room` until it closes.
pub async fn relay(
    mut connection: Connection,
    rooms: &Arc<Rooms>,
    sessions: &Sessions,
    room: String,
) {
    if in_session(&connection) {
        if let Some(backplane) = rooms.backplane() {
            let backplane = backplane.clone();
            return relay_stream(connection, rooms, &backplane, sessions, room).await;
        }
        let scope = format!("/relay/{room}");
        if let Some(mut session) = open_session(connection, sessions, &scope).await {
            let seat = match session.session().extension::<Membership>() {
                Some(seat) => seat,
                None => {
                    let seat = Arc::new(rooms.seat(&room, session.session().clone()));
                    session.session().set_extension(seat.clone());
                    seat
                }
            };
            while let Some(message) = session.recv().await {
                seat.forward(&message);
            }
            drop(seat);
            session.finish().await;
        }
        return;
    }
    let membership = rooms.join(&room, &connection);
    while let Some(message) = connection.recv().await {
        membership.forward(&message);
    }
    drop(membership);
    connection.finish().await;
}
