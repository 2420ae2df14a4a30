//! The pure core: every decision of duplex-ws, with no browser object in it.
//!
//! It takes what happened (the user sent, the socket opened, the socket closed) and answers
//! what to do. It runs natively, so `cargo test` covers it without a browser.

pub mod backoff;
pub mod close;
pub mod commands;
pub mod connection;
pub mod options;
pub mod queue;
pub mod url;
