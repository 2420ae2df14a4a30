//! **Layer 4 of 4, the top: operations and the router.** The command line ([`cli`]), the
//! Origin policy ([`origin`]), the signals ([`shutdown`]), the app state and the library's
//! entry point ([`app`]), the [`Handshake`](handshake::Handshake) extractor, the
//! [`router`], and running the binary's server ([`serve`]).
//!
//! May import: every layer below (`endpoints`, `rooms`, `transport`). Nothing below imports
//! `ops`: the app state stays here, and the layers below get what they need of it (a
//! `ConnContext`, an `Arc<Rooms>`, a shutdown token, the hooks' refusal book). The limits and
//! the counters are set here (from the command line) and served here (`/metrics`), but
//! declared in `transport`, the lowest layer that uses them.

pub mod app;
pub mod cli;
pub mod error;
pub mod files;
pub mod handshake;
pub mod origin;
pub mod router;
pub mod serve;
pub mod shutdown;
