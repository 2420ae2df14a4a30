//! The command line: flags with their environment-variable twins. The limit flags are
//! [`Limits`] itself, flattened in. Operations layer.

use std::path::PathBuf;

use clap::builder::FalseyValueParser;
use clap::{ArgAction, Parser};

use super::origin::{AllowedHost, AllowedOrigin};
use crate::rooms::backplane::url::RedisUrl;
use crate::transport::Limits;

/// duplex-server: the original WebSocket conversation, echo, relay rooms and the duplex-ws demo
/// page, on one port.
///
/// WebSocket endpoints: `/` (greets with `Hello webSocket`, answers each text message with
/// `I heard you say "<msg>"`, binary back unchanged), `/echo` (every message back unchanged),
/// `/relay/{room}` and `/relay` (every message to the other peers of the room). Plain GET:
/// the demo page from --www, the built npm package from --pkg under /pkg/, `/healthz`, and
/// `/metrics` (Prometheus text format). SIGINT or SIGTERM: every peer gets close 1001, exit 0.
#[derive(Debug, Clone, Parser)]
#[command(version, about, long_about)]
pub struct Args {
    /// The address to listen on (an IP address or a host name).
    #[arg(long, env = "DUPLEX_HOST", default_value = "127.0.0.1")]
    pub host: String,

    /// The port to listen on; 0 takes a free one (the address is printed on start).
    #[arg(long, env = "DUPLEX_PORT", default_value_t = 9900)]
    pub port: u16,

    /// The folder of the demo page, served for plain GET requests.
    #[arg(long, env = "DUPLEX_WWW", default_value = "www")]
    pub www: PathBuf,

    /// The folder of the built npm package (pkg/, made by scripts/build.sh), served under /pkg/.
    #[arg(long, env = "DUPLEX_PKG", default_value = "pkg")]
    pub pkg: PathBuf,

    /// The limits of every connection: --max-message-size, --max-frame-size,
    /// --max-connections, --send-buffer, --slow-reader-grace, --max-pings-per-second,
    /// --ping-interval, --ping-timeout, --close-timeout, --shutdown-timeout.
    #[command(flatten)]
    pub limits: Limits,

    /// An origin whose pages may open WebSockets here (e.g. https://example.com), besides the
    /// server's own origin and localhost origins on any port, which always pass; `*` lets every
    /// origin through. Repeatable; the environment twin takes a comma-separated list. Other
    /// origins get 403 (cross-site WebSocket hijacking).
    // This doc is also --help's text, where <...> around the URL would show as written.
    #[allow(rustdoc::bare_urls)]
    #[arg(long = "allow-origin", env = "DUPLEX_ALLOW_ORIGIN", value_name = "ORIGIN",
          action = ArgAction::Append, value_delimiter = ',',
          value_parser = AllowedOrigin::parse)]
    pub allow_origins: Vec<AllowedOrigin>,

    /// A name (or address) this server is reached by, e.g. chat.example.com (`.example.com`
    /// for its subdomains too): pages served from it pass the Origin check as the server's own
    /// origin. Localhost names and addresses, and --host, always do; any other Host (a
    /// DNS-rebinding name) does not. Repeatable; the environment twin takes a comma-separated
    /// list.
    #[arg(long = "allow-host", env = "DUPLEX_ALLOW_HOST", value_name = "HOST",
          action = ArgAction::Append, value_delimiter = ',',
          value_parser = AllowedHost::parse)]
    pub allow_hosts: Vec<AllowedHost>,

    /// The TLS certificate chain (PEM). With --tls-key, the port serves https and wss.
    #[arg(
        long,
        env = "DUPLEX_TLS_CERT",
        value_name = "PEM",
        requires = "tls_key"
    )]
    pub tls_cert: Option<PathBuf>,

    /// The TLS private key (PEM, PKCS#8, PKCS#1 or SEC1). Needs --tls-cert.
    #[arg(
        long,
        env = "DUPLEX_TLS_KEY",
        value_name = "PEM",
        requires = "tls_cert"
    )]
    pub tls_key: Option<PathBuf>,

    /// Relay rooms span every duplex-server connected to this Redis (pub/sub, one channel and
    /// one Stream per room), e.g. redis://127.0.0.1:6379, and relay sessions resume on any of
    /// them. Without it, rooms are local to this process. If Redis goes away, local delivery
    /// goes on and the server reconnects with backoff.
    #[arg(long, env = "DUPLEX_REDIS", value_name = "URL", value_parser = RedisUrl::parse,
          hide_env_values = true)]
    pub redis: Option<RedisUrl>,

    /// For tests only, never in production: opens `/hooks`, an echo endpoint whose `hook:`
    /// commands make the server misbehave on purpose (close, drop, silence, refuse, stall).
    /// Its environment twin, like `DUPLEX_NO_DEFLATE`'s, takes 1/0, true/false, yes/no, on/off.
    #[arg(long, env = "DUPLEX_TEST_HOOKS", action = ArgAction::SetTrue,
          value_parser = FalseyValueParser::new())]
    pub test_hooks: bool,

    /// Retired in 0.2: 0.1's `--send-queue` (`DUPLEX_SEND_QUEUE`), the messages that may wait
    /// for one peer, is refused with a message naming its replacement (`--send-buffer`, bytes),
    /// never set: a deployment that still sets the environment variable would otherwise run
    /// on the default budget without a word. Hidden from --help.
    #[arg(long = "send-queue", env = "DUPLEX_SEND_QUEUE", value_name = "MESSAGES", hide = true,
          value_parser = retired_send_queue)]
    pub retired_send_queue: Option<u64>,
}

/// Refuses 0.1's `--send-queue`; see [`Args::retired_send_queue`].
fn retired_send_queue(value: &str) -> Result<u64, String> {
    Err(format!(
        "--send-queue (DUPLEX_SEND_QUEUE, {value} messages) was the per-peer bound of 0.1; since \
         0.2 the bound is bytes: --send-buffer (DUPLEX_SEND_BUFFER, default 1048576 = 1 MiB). \
         Remove --send-queue, or give --send-buffer instead"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_defaults_are_the_documented_limits() {
        let args = Args::try_parse_from(["duplex-server"]).unwrap();
        assert_eq!(args.limits, Limits::default());
        assert!(!args.test_hooks);
        assert!(args.allow_origins.is_empty());
        assert!(args.redis.is_none());
    }

    #[test]
    fn durations_and_sizes_are_checked() {
        assert!(Args::try_parse_from(["s", "--ping-interval", "250ms"]).is_ok());
        let error = Args::try_parse_from(["s", "--ping-interval", "soon"]).unwrap_err();
        assert!(error.to_string().contains("soon"), "{error}");
        let error = Args::try_parse_from(["s", "--send-buffer", "0"]).unwrap_err();
        assert!(error.to_string().contains("1 or more"), "{error}");
    }

    #[test]
    fn the_retired_send_queue_is_refused_naming_its_replacement() {
        let error = Args::try_parse_from(["s", "--send-queue", "64"]).unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("64 messages") && message.contains("--send-buffer"),
            "{message}"
        );
    }
}
