//! The constructor options and their rules, on plain Rust values (the shell reads them from
//! JS objects, the Rust builder sets them directly).

use crate::error::Error;

/// How binary messages reach JavaScript handlers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BinaryType {
    /// As an `ArrayBuffer` (the default: readable at once).
    #[default]
    ArrayBuffer,
    /// As a `Blob`.
    Blob,
}

impl BinaryType {
    /// Reads the option's value: `"arraybuffer"` or `"blob"`.
    ///
    /// ```
    /// use duplex_ws::BinaryType;
    /// assert_eq!(BinaryType::parse("blob").unwrap(), BinaryType::Blob);
    /// assert_eq!(BinaryType::parse("text").unwrap_err().code(), "INVALID_OPTION");
    /// ```
    pub fn parse(value: &str) -> Result<Self, Error> {
        match value {
            "arraybuffer" => Ok(BinaryType::ArrayBuffer),
            "blob" => Ok(BinaryType::Blob),
            other => Err(invalid(
                "binaryType",
                format!("\"{other}\" is neither \"arraybuffer\" nor \"blob\""),
            )),
        }
    }
}

/// What `send` does when the queue is at a bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Overflow {
    /// Refuse the new message with `QUEUE_FULL` (the default): nothing queued is lost.
    #[default]
    Error,
    /// Drop the oldest queued messages to make room, and report it in an `error` event.
    DropOldest,
}

impl Overflow {
    /// Reads the option's value: `"error"` or `"drop-oldest"`.
    pub fn parse(value: &str) -> Result<Self, Error> {
        match value {
            "error" => Ok(Overflow::Error),
            "drop-oldest" => Ok(Overflow::DropOldest),
            other => Err(invalid(
                "queue.overflow",
                format!("\"{other}\" is neither \"error\" nor \"drop-oldest\""),
            )),
        }
    }
}

/// Bounds of the send queue used while connecting and reconnecting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueLimits {
    /// At most this many bytes queued (UTF-8 bytes for text). Default 1 MiB.
    pub max_bytes: usize,
    /// At most this many messages queued. Default 10,000.
    pub max_messages: usize,
    /// What happens at a bound. Default [`Overflow::Error`].
    pub overflow: Overflow,
}

impl Default for QueueLimits {
    fn default() -> Self {
        Self {
            max_bytes: 1 << 20,
            max_messages: 10_000,
            overflow: Overflow::Error,
        }
    }
}

/// When and how to reconnect after a connection ends without the user's `close()`.
#[derive(Debug, Clone, PartialEq)]
pub struct ReconnectPolicy {
    /// The first attempt's delay ceiling; each further attempt multiplies it by `factor`.
    /// Default 500.
    pub min_delay_ms: u32,
    /// No delay is ever longer. Default 30,000.
    pub max_delay_ms: u32,
    /// Growth of the delay ceiling per attempt (at least 1). Default 2.
    pub factor: f64,
    /// Attempts in a row without an open before giving up. Default: no limit (`u32::MAX`).
    pub max_retries: u32,
    /// Close codes from the server that end the socket for good. Default: none.
    pub final_codes: Vec<u16>,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        Self {
            min_delay_ms: 500,
            max_delay_ms: 30_000,
            factor: 2.0,
            max_retries: u32::MAX,
            final_codes: Vec::new(),
        }
    }
}

/// An application-level heartbeat: `message` every `interval_ms`; nothing received within
/// `timeout_ms` means the connection is dead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeartbeatPolicy {
    /// How often to send `message`. Default 30,000.
    pub interval_ms: u32,
    /// Silence longer than this ends the connection (`HEARTBEAT_TIMEOUT`). Default 60,000.
    pub timeout_ms: u32,
    /// What to send (text). Default `"ping"`.
    pub message: String,
}

impl Default for HeartbeatPolicy {
    fn default() -> Self {
        Self {
            interval_ms: 30_000,
            timeout_ms: 60_000,
            message: "ping".to_owned(),
        }
    }
}

/// The default `highWaterMark` of `sendAsync` / `send_async`: 1 MiB.
pub const DEFAULT_HIGH_WATER_MARK: usize = 1 << 20;

/// Every option of a socket. [`Options::default`] is a plain socket: no reconnect, no
/// heartbeat, no connect timeout, the default queue bounds.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Subprotocols to ask for, in order of preference.
    pub protocols: Vec<String>,
    /// How binary messages reach JS handlers (the Rust face always reads bytes).
    pub binary_type: BinaryType,
    /// Give up an attempt that has not opened by then.
    pub connect_timeout_ms: Option<u32>,
    /// Reconnect with backoff after a connection ends, if set.
    pub reconnect: Option<ReconnectPolicy>,
    /// Send heartbeats and detect silence, if set.
    pub heartbeat: Option<HeartbeatPolicy>,
    /// Bounds of the send queue.
    pub queue: QueueLimits,
    /// `sendAsync` / `send_async` wait while the browser buffers more bytes than this.
    pub high_water_mark: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            protocols: Vec::new(),
            binary_type: BinaryType::ArrayBuffer,
            connect_timeout_ms: None,
            reconnect: None,
            heartbeat: None,
            queue: QueueLimits::default(),
            high_water_mark: DEFAULT_HIGH_WATER_MARK,
        }
    }
}

impl Options {
    /// Checks every rule; the error names the option, its value and the rule.
    ///
    /// ```
    /// use duplex_ws::{Options, ReconnectPolicy};
    /// let mut options = Options::default();
    /// options.reconnect = Some(ReconnectPolicy { min_delay_ms: 5_000, max_delay_ms: 100, ..Default::default() });
    /// let err = options.validate().unwrap_err();
    /// assert_eq!(err.code(), "INVALID_OPTION");
    /// assert!(err.to_string().contains("reconnect.minDelayMs"));
    /// ```
    pub fn validate(&self) -> Result<(), Error> {
        validate_protocols(&self.protocols)?;
        if self.connect_timeout_ms == Some(0) {
            return Err(invalid(
                "connectTimeoutMs",
                "0 is not allowed: it must be at least 1".into(),
            ));
        }
        if let Some(r) = &self.reconnect {
            if r.min_delay_ms > r.max_delay_ms {
                return Err(invalid(
                    "reconnect.minDelayMs",
                    format!(
                        "{} is greater than reconnect.maxDelayMs {}",
                        r.min_delay_ms, r.max_delay_ms
                    ),
                ));
            }
            if !(r.factor.is_finite() && r.factor >= 1.0) {
                return Err(invalid(
                    "reconnect.factor",
                    format!(
                        "{} is not a finite number of at least 1",
                        display_number(r.factor)
                    ),
                ));
            }
            if let Some(code) = r.final_codes.iter().find(|c| !(1000..=4999).contains(*c)) {
                return Err(invalid(
                    "reconnect.finalCodes",
                    format!("{code} is not a close code (1000-4999)"),
                ));
            }
        }
        if let Some(h) = &self.heartbeat {
            if h.interval_ms == 0 {
                return Err(invalid(
                    "heartbeat.intervalMs",
                    "0 is not allowed: it must be at least 1".into(),
                ));
            }
            if h.timeout_ms <= h.interval_ms {
                return Err(invalid(
                    "heartbeat.timeoutMs",
                    format!(
                        "{} must be greater than heartbeat.intervalMs {}, or every quiet interval looks like a dead connection",
                        h.timeout_ms, h.interval_ms
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// Checks WebSocket subprotocol names: each a non-empty HTTP token, none twice
/// (RFC 6455 section 4.1; browsers throw a SyntaxError on a bad one).
///
/// ```
/// assert!(duplex_ws::validate_protocols(&["chat", "superchat"]).is_ok());
/// assert_eq!(duplex_ws::validate_protocols(&["a b"]).unwrap_err().code(), "INVALID_OPTION");
/// ```
pub fn validate_protocols<S: AsRef<str>>(protocols: &[S]) -> Result<(), Error> {
    for (i, protocol) in protocols.iter().enumerate() {
        let protocol = protocol.as_ref();
        if protocol.is_empty() || !protocol.bytes().all(is_token_byte) {
            return Err(invalid(
                "protocols",
                format!("\"{protocol}\" is not a valid subprotocol name (an HTTP token: visible ASCII without separators)"),
            ));
        }
        if protocols[..i].iter().any(|p| p.as_ref() == protocol) {
            return Err(invalid(
                "protocols",
                format!("\"{protocol}\" is listed twice"),
            ));
        }
    }
    Ok(())
}

/// A `tchar` of RFC 7230: visible ASCII except separators.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b)
}

/// `n` as text without Rust's float formatting (which would add kilobytes to the wasm):
/// whole numbers as integers, others with up to six decimals.
pub fn display_number(n: f64) -> String {
    if n.is_nan() {
        return "NaN".to_owned();
    }
    if n.is_infinite() {
        return if n > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    let sign = if n < 0.0 { "-" } else { "" };
    let micros = (n.abs() * 1e6).round();
    if micros >= 9e18 {
        return format!("{sign}{}", (n.abs() / 1e6).round() as u64) + "e6";
    }
    let micros = micros as u64;
    let (whole, fraction) = (micros / 1_000_000, micros % 1_000_000);
    if fraction == 0 {
        format!("{sign}{whole}")
    } else {
        let digits = format!("{fraction:06}");
        format!("{sign}{whole}.{}", digits.trim_end_matches('0'))
    }
}

/// An [`Error::InvalidOption`] for option `name`.
pub(crate) fn invalid(name: &str, problem: String) -> Error {
    Error::InvalidOption {
        name: name.to_owned(),
        problem,
    }
}

// Native only: the engine is tested with `cargo test`; proptest does not build for wasm32.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn numbers_display_without_float_formatting() {
        for (n, text) in [
            (0.5, "0.5"),
            (2.0, "2"),
            (-1.25, "-1.25"),
            (1e-7, "0"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (1000.5, "1000.5"),
            (123456789.0, "123456789"),
        ] {
            assert_eq!(display_number(n), text);
        }
    }

    #[test]
    fn protocols_must_be_distinct_tokens() {
        assert!(validate_protocols::<&str>(&[]).is_ok());
        assert!(validate_protocols(&["v1.chat", "x-y_z"]).is_ok());
        for bad in ["", "a b", "a,b", "é", "a/b"] {
            let err = validate_protocols(&[bad]).unwrap_err();
            assert!(err.to_string().contains(&format!("\"{bad}\"")), "{err}");
        }
        let err = validate_protocols(&["a", "b", "a"]).unwrap_err();
        assert!(err.to_string().contains("\"a\" is listed twice"), "{err}");
    }

    #[test]
    fn enumerations_name_the_bad_value() {
        assert_eq!(
            BinaryType::parse("arraybuffer").unwrap(),
            BinaryType::ArrayBuffer
        );
        let err = BinaryType::parse("Blob").unwrap_err();
        assert!(err.to_string().contains("binaryType") && err.to_string().contains("\"Blob\""));
        assert_eq!(
            Overflow::parse("drop-oldest").unwrap(),
            Overflow::DropOldest
        );
        let err = Overflow::parse("drop-newest").unwrap_err();
        assert!(
            err.to_string().contains("queue.overflow") && err.to_string().contains("drop-newest")
        );
    }

    fn problem_with(change: impl FnOnce(&mut Options)) -> String {
        let mut options = Options::default();
        change(&mut options);
        let err = options.validate().unwrap_err();
        assert_eq!(err.code(), "INVALID_OPTION");
        err.to_string()
    }

    #[test]
    fn each_rule_names_its_option_and_value() {
        assert!(Options::default().validate().is_ok());
        let msg = problem_with(|o| o.connect_timeout_ms = Some(0));
        assert!(msg.contains("connectTimeoutMs"), "{msg}");
        let msg = problem_with(|o| {
            o.reconnect = Some(ReconnectPolicy {
                factor: 0.5,
                ..Default::default()
            })
        });
        assert!(
            msg.contains("reconnect.factor") && msg.contains("0.5"),
            "{msg}"
        );
        let msg = problem_with(|o| {
            o.reconnect = Some(ReconnectPolicy {
                final_codes: vec![4000, 999],
                ..Default::default()
            })
        });
        assert!(
            msg.contains("reconnect.finalCodes") && msg.contains("999"),
            "{msg}"
        );
        let msg = problem_with(|o| {
            o.heartbeat = Some(HeartbeatPolicy {
                interval_ms: 1000,
                timeout_ms: 1000,
                ..Default::default()
            })
        });
        assert!(
            msg.contains("heartbeat.timeoutMs") && msg.contains("1000"),
            "{msg}"
        );
        let msg = problem_with(|o| {
            o.heartbeat = Some(HeartbeatPolicy {
                interval_ms: 0,
                ..Default::default()
            })
        });
        assert!(msg.contains("heartbeat.intervalMs"), "{msg}");
        let msg = problem_with(|o| o.protocols = vec!["a b".into()]);
        assert!(msg.contains("protocols"), "{msg}");
    }
}
