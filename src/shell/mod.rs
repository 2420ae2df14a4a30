//! The browser shell: the only code that touches web-sys. It stays thin; decisions live in
//! [`crate::engine`].

pub mod handlers;
pub mod js_api;
pub mod message;
pub mod socket;
