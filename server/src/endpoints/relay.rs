//! `/relay/{room}` and `/relay`: every message from a peer goes to every other peer of the
//! same room, never back to its sender (the rooms themselves are in [`crate::rooms`]).
//! Endpoints layer: imports `rooms` and `transport`.

use crate::rooms::Rooms;
use crate::transport::Connection;

/// Runs one relay connection in `room` until it closes.
pub async fn relay(mut connection: Connection, rooms: &Rooms, room: String) {
    let membership = rooms.join(&room, &connection);
    while let Some(message) = connection.recv().await {
        membership.forward(&message);
    }
    drop(membership);
    connection.finish().await;
}
