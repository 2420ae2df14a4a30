//! duplex-bench: the benchmarks of duplex-server and duplex-ws next to their peers.
//!
//! - [`load`]: the load generator's runs (echo ping-pong and pipelined, relay fan-out, idle
//!   connections held for memory), each ending in one [`record::Record`].
//! - [`report`]: reads every record of a benchmark run and writes BENCHMARKS.md and the SVG
//!   charts.
//!
//! The binaries (`duplex-load`, `fws-echo`, `bench-report`) are thin: argument parsing and
//! error printing over these modules.

pub mod load;
pub mod record;
pub mod report;
