//! The limits every WebSocket connection runs under. Declared once: the same struct is the
//! command line's limit flags (flattened into `crate::ops::cli::Args`) and the library's
//! setting, and each default is written once, in its flag. Transport layer: imports nothing
//! of the crate.

use std::time::Duration;

use clap::{Args, Command, FromArgMatches};

/// Limits applied to every WebSocket connection. [`Limits::default`] holds the documented,
/// safe defaults (those of the flags, without their environment twins).
///
/// ```
/// use std::time::Duration;
/// use duplex_server::Limits;
///
/// let limits = Limits::default();
/// assert_eq!(limits.max_message_size, 1 << 20);
/// assert_eq!(limits.ping_interval, Duration::from_secs(30));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct Limits {
    /// The largest message a peer may send, in bytes; over it the server closes with 1009.
    #[arg(long, env = "DUPLEX_MAX_MESSAGE_SIZE", value_name = "BYTES",
          default_value_t = DEFAULT_MAX_SIZE, value_parser = positive_usize)]
    pub max_message_size: usize,

    /// The largest frame a peer may send, in bytes; over it the server closes with 1009.
    #[arg(long, env = "DUPLEX_MAX_FRAME_SIZE", value_name = "BYTES",
          default_value_t = DEFAULT_MAX_SIZE, value_parser = positive_usize)]
    pub max_frame_size: usize,

    /// How many WebSocket connections may be open at once; the next handshake gets HTTP 503.
    #[arg(long, env = "DUPLEX_MAX_CONNECTIONS", value_name = "N",
          default_value_t = 1000, value_parser = positive_usize)]
    pub max_connections: usize,

    /// How many messages may wait to be written to one peer. A relay peer whose queue is full
    /// reads too slowly: it is closed with 1013, and the other peers never wait for it.
    #[arg(long, env = "DUPLEX_SEND_QUEUE", value_name = "MESSAGES",
          default_value_t = 64, value_parser = positive_usize)]
    pub send_queue: usize,

    /// How often the server pings each peer (e.g. 30s, 500ms).
    #[arg(long, env = "DUPLEX_PING_INTERVAL", value_name = "DURATION", default_value = "30s",
          value_parser = positive_duration)]
    pub ping_interval: Duration,

    /// How long a peer may stay silent after a ping (no pong, no message) before it is dropped.
    #[arg(long, env = "DUPLEX_PING_TIMEOUT", value_name = "DURATION", default_value = "20s",
          value_parser = positive_duration)]
    pub ping_timeout: Duration,

    /// How long the server waits for a close frame to be written and answered.
    #[arg(long, env = "DUPLEX_CLOSE_TIMEOUT", value_name = "DURATION", default_value = "5s",
          value_parser = positive_duration)]
    pub close_timeout: Duration,

    /// On SIGINT or SIGTERM, how long to wait for the close handshakes before exiting.
    #[arg(long, env = "DUPLEX_SHUTDOWN_TIMEOUT", value_name = "DURATION", default_value = "10s",
          value_parser = positive_duration)]
    pub shutdown_timeout: Duration,
}

/// 1 MiB: the default for both size limits.
pub const DEFAULT_MAX_SIZE: usize = 1 << 20;

impl Default for Limits {
    /// The flags' defaults. The environment twins are ignored here: a library's defaults do
    /// not change with the environment of the process.
    fn default() -> Self {
        let command = Limits::augment_args(Command::new("limits").no_binary_name(true))
            .mut_args(|arg| arg.env(None));
        let matches = command
            .try_get_matches_from(std::iter::empty::<String>())
            .expect("every limit flag has a valid default");
        Limits::from_arg_matches(&matches).expect("every limit flag has a valid default")
    }
}

fn positive_usize(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(0) => Err("must be 1 or more".to_owned()),
        Ok(number) => Ok(number),
        Err(_) => Err(format!("{value:?} is not a whole number of 1 or more")),
    }
}

fn positive_duration(value: &str) -> Result<Duration, String> {
    match humantime::parse_duration(value) {
        Ok(duration) if duration.is_zero() => Err("must be longer than 0".to_owned()),
        Ok(duration) => Ok(duration),
        Err(error) => Err(format!(
            "{value:?} is not a duration like 30s, 500ms or 2m ({error})"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_the_documented_ones() {
        let limits = Limits::default();
        assert_eq!(limits.max_message_size, 1 << 20);
        assert_eq!(limits.max_frame_size, 1 << 20);
        assert_eq!(limits.max_connections, 1000);
        assert_eq!(limits.send_queue, 64);
        assert_eq!(limits.ping_interval, Duration::from_secs(30));
        assert_eq!(limits.ping_timeout, Duration::from_secs(20));
        assert_eq!(limits.close_timeout, Duration::from_secs(5));
        assert_eq!(limits.shutdown_timeout, Duration::from_secs(10));
    }
}
