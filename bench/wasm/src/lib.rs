//! The Rust clients of the browser benchmarks, exported to the bench page: duplex-ws's Rust
//! API (Stream/Sink, as its README shows) and gloo-net's WebSocket (its futures API), each
//! driven by the same loop ([`drive`]). Every function opens its own socket to `url`,
//! waits for the open, and resolves to the milliseconds the measured part took.

mod drive;
mod duplex;
mod gloo;

pub use duplex::{rust_pipelined, rust_roundtrips};
pub use gloo::{gloo_pipelined, gloo_roundtrips};

/// An ASCII payload of `size` bytes.
pub(crate) fn payload(size: u32) -> Vec<u8> {
    (0..size).map(|i| b'a' + (i % 26) as u8).collect()
}

/// `performance.now()` in milliseconds.
pub(crate) fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|window| window.performance())
        .map_or(0.0, |performance| performance.now())
}
