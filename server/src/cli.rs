//! The command line: flags with their environment-variable twins.

use std::path::PathBuf;

use clap::Parser;

/// duplex-server: the original WebSocket conversation and the duplex-ws demo page, on one port.
///
/// `GET /` with an Upgrade header greets with `Hello webSocket` and answers each text message
/// with `I heard you say "<msg>"` (binary messages come back unchanged); a plain GET serves the
/// demo page from --www and the built npm package from --pkg under /pkg/.
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

    /// The folder of the built npm package (wasm-pack's output), served under /pkg/.
    #[arg(long, env = "DUPLEX_PKG", default_value = "pkg")]
    pub pkg: PathBuf,
}
