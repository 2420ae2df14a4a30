//! Why the server could not start or run; each message names the flag and the value.
//! Operations layer.

use thiserror::Error;

use crate::transport::tls::TlsError;

/// Why the server could not start, or stopped.
#[derive(Debug, Error)]
pub enum StartError {
    /// The listening socket could not be bound (the message names host and port).
    #[error("{0}")]
    Bind(String),
    /// `--www` is not a folder.
    #[error("--www {path}: no such folder (it should hold the demo page)")]
    NoWww {
        /// The value of --www.
        path: String,
    },
    /// `--tls-cert` or `--tls-key` could not be used.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// An I/O error while starting or serving.
    #[error("{context}: {source}")]
    Io {
        /// What the server was doing.
        context: &'static str,
        /// The error.
        source: std::io::Error,
    },
}
