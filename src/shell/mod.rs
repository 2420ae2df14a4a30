//! The browser shell: the only code that touches web-sys. It decides nothing; decisions live
//! in [`crate::engine`].
//!
//! - [`driver`]: the one loop (feed the engine, drain its commands), owning the browser
//!   socket ([`browser`], with a [`buffered`] ceiling on what it holds), its listeners, the
//!   page's ([`lifecycle`]) and the [`timers`];
//! - [`face`]: what a socket delivers through: the Rust API ([`rust_face`], [`rust_api`],
//!   [`rust_builder`], [`rust_halves`], [`rust_handle`]). The npm package's JS class has a
//!   driver of its own in js/, over the engine compiled alone (core-wasm/);
//! - [`waiters`], [`message`], [`events`], [`live`]: what the face and the driver share.

pub mod browser;
pub mod buffered;
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
