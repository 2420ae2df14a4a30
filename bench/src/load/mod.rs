//! The load generator's runs. Each measures during a window after a warm-up and returns its
//! figures as metrics of a record. Echo and fan-out speak WebSocket on raw sockets with frames
//! built before the run, over several threads ([`shard`]), so that they measure the server and
//! not themselves; holding idle connections uses tokio-tungstenite ([`connect`]).

pub mod connect;
pub mod cpu;
pub mod deflate;
pub mod echo;
pub mod fanout;
pub mod frame;
pub mod handshake;
pub mod hold;
pub mod latency;
pub mod payload;
pub mod shard;

use std::fmt;

/// Why a run could not finish.
#[derive(Debug)]
pub enum LoadError {
    /// A connection could not be opened: which URL, which connection, and why.
    Connect {
        url: String,
        index: usize,
        why: String,
    },
    /// An open connection failed during the run.
    Io { what: String, why: String },
    /// A bad argument, named with its value and the rule.
    Argument(String),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Connect { url, index, why } => {
                write!(f, "connection {index} to {url} failed: {why}")
            }
            LoadError::Io { what, why } => write!(f, "{what}: {why}"),
            LoadError::Argument(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for LoadError {}
