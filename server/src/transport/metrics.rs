//! Counters of the WebSocket traffic, served at `GET /metrics` in the Prometheus text format.
//! Transport layer: imports nothing of the crate. Layers above register their own series in
//! the same registry ([`Metrics::registry`]): the relay rooms, the backplane.

use prometheus::{Encoder, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder};

/// The server's counters. Every metric has an `endpoint` label (`/`, `/echo`, `/relay`,
/// `/hooks`); relay rooms are not labels, so a client cannot grow the label set.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    connections_open: IntGaugeVec,
    connections: IntCounterVec,
    messages_in: IntCounterVec,
    messages_out: IntCounterVec,
    bytes_in: IntCounterVec,
    bytes_out: IntCounterVec,
    closes: IntCounterVec,
    refused: IntCounterVec,
}

impl Metrics {
    /// Registers every metric, at zero.
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let gauge = |name: &str, help: &str, labels: &[&str]| {
            let metric = IntGaugeVec::new(Opts::new(name, help), labels).expect("valid metric");
            registry
                .register(Box::new(metric.clone()))
                .expect("unique metric");
            metric
        };
        let counter = |name: &str, help: &str, labels: &[&str]| {
            let metric = IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric");
            registry
                .register(Box::new(metric.clone()))
                .expect("unique metric");
            metric
        };
        let endpoint = &["endpoint"];
        Metrics {
            connections_open: gauge(
                "duplex_connections_open",
                "WebSocket connections open now",
                endpoint,
            ),
            connections: counter(
                "duplex_connections_total",
                "WebSocket connections accepted",
                endpoint,
            ),
            messages_in: counter(
                "duplex_messages_received_total",
                "Text and binary messages received from peers",
                endpoint,
            ),
            messages_out: counter(
                "duplex_messages_sent_total",
                "Text and binary messages sent to peers",
                endpoint,
            ),
            bytes_in: counter(
                "duplex_bytes_received_total",
                "Payload bytes of the messages received",
                endpoint,
            ),
            bytes_out: counter(
                "duplex_bytes_sent_total",
                "Payload bytes of the messages sent",
                endpoint,
            ),
            closes: counter(
                "duplex_closes_total",
                "Connections ended, by close code (\"none\": ended without a close frame)",
                &["endpoint", "code"],
            ),
            refused: counter(
                "duplex_handshakes_refused_total",
                "WebSocket handshakes refused (origin: 403, capacity: 503, hook: 503 by hook:refuse)",
                &["endpoint", "reason"],
            ),
            registry,
        }
    }

    /// A connection opened on `endpoint`.
    pub fn opened(&self, endpoint: &str) {
        self.connections.with_label_values(&[endpoint]).inc();
        self.connections_open.with_label_values(&[endpoint]).inc();
    }

    /// A connection on `endpoint` ended; `code` is the close code, if a close frame was seen.
    pub fn closed(&self, endpoint: &str, code: Option<u16>) {
        self.connections_open.with_label_values(&[endpoint]).dec();
        self.closes
            .with_label_values(&[endpoint, &code_label(code)])
            .inc();
    }

    /// A message of `bytes` payload bytes arrived on `endpoint`.
    pub fn received(&self, endpoint: &str, bytes: usize) {
        self.messages_in.with_label_values(&[endpoint]).inc();
        self.bytes_in
            .with_label_values(&[endpoint])
            .inc_by(bytes as u64);
    }

    /// A message of `bytes` payload bytes was written on `endpoint`.
    pub fn sent(&self, endpoint: &str, bytes: usize) {
        self.messages_out.with_label_values(&[endpoint]).inc();
        self.bytes_out
            .with_label_values(&[endpoint])
            .inc_by(bytes as u64);
    }

    /// `messages` messages of `bytes` payload bytes in all were written on `endpoint` (one
    /// batch).
    pub fn sent_many(&self, endpoint: &str, messages: usize, bytes: usize) {
        self.messages_out
            .with_label_values(&[endpoint])
            .inc_by(messages as u64);
        self.bytes_out
            .with_label_values(&[endpoint])
            .inc_by(bytes as u64);
    }

    /// A handshake on `endpoint` was refused for `reason` (`origin`, `capacity`, `hook`).
    pub fn refused(&self, endpoint: &str, reason: &str) {
        self.refused.with_label_values(&[endpoint, reason]).inc();
    }

    /// The registry behind `/metrics`, for the series of the layers above (the relay rooms,
    /// the backplane).
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Every metric in the Prometheus text format (version 0.0.4).
    pub fn render(&self) -> String {
        let mut text = Vec::new();
        // Encoding into a Vec cannot fail for the metric types used here.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut text);
        String::from_utf8(text).unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

/// The Content-Type of [`Metrics::render`]'s output.
pub const CONTENT_TYPE: &str = prometheus::TEXT_FORMAT;

/// The `code` label of a close: the code itself below 3000 (the few that RFC 6455 and IANA
/// define; the WebSocket layer fails a connection whose peer sends another), `3xxx` and `4xxx`
/// for the ranges applications choose from, so that clients cannot grow the set of series;
/// `none` without a close frame. (The log line of each close has the exact code.)
fn code_label(code: Option<u16>) -> String {
    match code {
        None => "none".to_owned(),
        Some(3000..=3999) => "3xxx".to_owned(),
        Some(4000..=4999) => "4xxx".to_owned(),
        Some(code) => code.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::code_label;

    #[test]
    fn close_codes_that_applications_choose_share_a_label_per_range() {
        assert_eq!(code_label(None), "none");
        assert_eq!(code_label(Some(1000)), "1000");
        assert_eq!(code_label(Some(1009)), "1009");
        assert_eq!(code_label(Some(3000)), "3xxx");
        assert_eq!(code_label(Some(3999)), "3xxx");
        assert_eq!(code_label(Some(4000)), "4xxx");
        assert_eq!(code_label(Some(4999)), "4xxx");
    }
}
