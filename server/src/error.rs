//! Why the server could not start or run; each message names the flag and the value.

use thiserror::Error;

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
    /// `--tls-cert` could not be read.
    #[error("--tls-cert {path}: {reason}")]
    TlsCert {
        /// The value of --tls-cert.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// `--tls-key` could not be read.
    #[error("--tls-key {path}: {reason}")]
    TlsKey {
        /// The value of --tls-key.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The certificate and key do not make a TLS configuration.
    #[error("--tls-cert and --tls-key do not go together: {0}")]
    Tls(String),
    /// An I/O error while starting or serving.
    #[error("{context}: {source}")]
    Io {
        /// What the server was doing.
        context: &'static str,
        /// The error.
        source: std::io::Error,
    },
}
