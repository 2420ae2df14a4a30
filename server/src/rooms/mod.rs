//! **Layer 2 of 4: rooms and the backplane.** The relay rooms of this instance ([`room`]) and,
//! with `--redis`, the Redis backplane that makes them span instances ([`backplane`]).
//!
//! May import: `transport`. Never the app state: the backplane task gets an `Arc<Rooms>` and
//! the shutdown token. Inside the layer, [`room`] holds the backplane's handle (to publish,
//! and to say which rooms exist) and the backplane's task holds the rooms (to deliver); the
//! handle (`backplane/mod.rs`) does not import [`room`], so there is no cycle.

pub mod backplane;
pub mod room;
pub mod stream;

pub use room::{check_room_name, Membership, Rooms, DEFAULT_ROOM, MAX_ROOM_NAME, TRY_AGAIN_LATER};
