//! The browser shell: the only code that touches web-sys. It decides nothing; decisions live
//! in [`crate::engine`].
//!
//! - [`driver`]: the one loop (feed the engine, drain its commands), owning the browser
//!   socket ([`browser`]), its listeners, the page's ([`lifecycle`]) and the [`timers`];
//! - [`face`]: what a socket delivers through, one face per socket: the JS class
//!   ([`js_face`], [`js_api`], with [`events`], [`js_options`], [`js_types`]; the class
//!   itself, an `EventTarget`, is js/duplex_socket.js) or the Rust API ([`rust_face`], [`rust_api`],
//!   [`rust_builder`], [`rust_halves`], [`rust_handle`]);
//! - [`waiters`], [`message`], [`live`]: what both faces use.

pub mod browser;
pub mod driver;
pub mod events;
pub mod face;
pub mod lifecycle;
pub mod live;
pub mod message;
pub mod rust_api;
pub mod rust_builder;
pub mod rust_face;
pub mod rust_halves;
pub mod rust_handle;
pub mod timers;
pub mod waiters;
