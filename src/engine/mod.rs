//! The pure core: every decision of duplex-ws, with no browser object in it.
//!
//! It takes what happened (the user sent, the socket opened, the socket closed, a deadline
//! came) through one entry, [`Connection::handle`](connection::Connection::handle), and
//! answers what to do through [`Connection::poll`](connection::Connection::poll) and when to
//! wake it through [`Connection::poll_timeout`](connection::Connection::poll_timeout). It
//! runs natively, so `cargo test` covers it without a browser.

pub mod backoff;
pub mod close;
pub mod commands;
pub mod connection;
pub mod deadlines;
pub mod frames;
pub mod options;
pub mod queue;
pub mod session;
pub mod text;
pub mod url;
