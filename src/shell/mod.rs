//! The browser shell: the only code that touches web-sys. It stays thin; decisions live in
//! [`crate::engine`].

pub mod events;
pub mod handlers;
pub mod js_api;
pub mod js_options;
pub mod js_types;
pub mod live;
pub mod message;
pub mod rust_api;
pub mod socket;
pub mod timers;
pub mod waiters;
