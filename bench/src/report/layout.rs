//! What the report shows: the rows and subjects of each suite, their names for people, and
//! the charts built from the figures.

use super::figures::Figures;

/// A row of a suite's table: its id in the records, its name, the metric it is judged on.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    pub id: &'static str,
    pub name: &'static str,
    pub metric: &'static str,
    pub unit: &'static str,
    /// Whether more is better (messages/s) or less (latency, bytes).
    pub higher_is_better: bool,
}

/// A subject: its id in the records and its name.
pub type Subject = (&'static str, &'static str);

const fn row(
    id: &'static str,
    name: &'static str,
    metric: &'static str,
    unit: &'static str,
    up: bool,
) -> Row {
    Row {
        id,
        name,
        metric,
        unit,
        higher_is_better: up,
    }
}

pub const SERVER_SUBJECTS: [Subject; 3] = [
    ("fastwebsockets", "fastwebsockets (reference)"),
    ("duplex-server", "duplex-server"),
    ("node-ws", "Node ws"),
];
/// The compressed echo row: both servers with permessage-deflate (when they agree to it).
pub const DEFLATE_ROW: &str = "echo-100x1k-json-deflate";
/// The relay fan-out row of the server suite.
pub const FANOUT_ROW: &str = "fanout-1x100";
pub const SERVER_THROUGHPUT: [Row; 6] = [
    row(
        "pingpong-20b",
        "1 conn ping-pong, 20 B text",
        "msgs_per_s",
        "msg/s",
        true,
    ),
    row(
        "echo-100x20b",
        "100 conns pipelined, 20 B text",
        "msgs_per_s",
        "msg/s",
        true,
    ),
    row(
        "echo-100x1k",
        "100 conns pipelined, 1 KiB binary",
        "msgs_per_s",
        "msg/s",
        true,
    ),
    row(
        "echo-50x16k",
        "50 conns pipelined, 16 KiB binary",
        "msgs_per_s",
        "msg/s",
        true,
    ),
    row(
        DEFLATE_ROW,
        "100 conns pipelined, 1 KiB JSON text, permessage-deflate",
        "msgs_per_s",
        "msg/s",
        true,
    ),
    row(
        FANOUT_ROW,
        "relay fan-out, 1 sender to 100 receivers, 20 B",
        "deliveries_per_s",
        "deliveries/s",
        true,
    ),
];
/// The server's CPU time per message (per delivery in the fan-out row), lower is better.
pub const SERVER_CPU: [Row; 3] = [
    row(
        "echo-100x20b",
        "100 conns pipelined, 20 B text",
        "server_cpu_us_per_msg",
        "µs CPU per msg",
        false,
    ),
    row(
        "echo-100x1k",
        "100 conns pipelined, 1 KiB binary",
        "server_cpu_us_per_msg",
        "µs CPU per msg",
        false,
    ),
    row(
        FANOUT_ROW,
        "relay fan-out, 1 sender to 100 receivers, 20 B",
        "server_cpu_us_per_delivery",
        "µs CPU per delivery",
        false,
    ),
];
pub const SERVER_LATENCY: [Row; 5] = [
    row(
        "pingpong-20b",
        "1 conn ping-pong, 20 B text",
        "p99_us",
        "µs p99",
        false,
    ),
    row(
        "echo-100x20b",
        "100 conns pipelined, 20 B text",
        "p99_us",
        "µs p99",
        false,
    ),
    row(
        "echo-100x1k",
        "100 conns pipelined, 1 KiB binary",
        "p99_us",
        "µs p99",
        false,
    ),
    row(
        "echo-50x16k",
        "50 conns pipelined, 16 KiB binary",
        "p99_us",
        "µs p99",
        false,
    ),
    row(
        DEFLATE_ROW,
        "100 conns pipelined, 1 KiB JSON text, permessage-deflate",
        "p99_us",
        "µs p99",
        false,
    ),
];
pub const BACKPLANE_SUBJECTS: [Subject; 2] = [
    (
        "one-instance",
        "one instance (sender and receivers local, --redis on)",
    ),
    (
        "two-instances",
        "two instances (sender on A, receivers on B, through Redis)",
    ),
];
pub const BACKPLANE_ROWS: [Row; 1] = [row(
    "fanout-redis-1x100",
    "relay fan-out, 1 sender to 100 receivers, 20 B",
    "deliveries_per_s",
    "deliveries/s",
    true,
)];
pub const MEMORY_SUBJECTS: [Subject; 2] =
    [("duplex-server", "duplex-server"), ("node-ws", "Node ws")];
pub const MEMORY_ROWS: [Row; 2] = [
    row(
        "idle-1000",
        "RSS per idle connection, 1,000 open",
        "rss_per_conn_bytes",
        "bytes",
        false,
    ),
    row(
        "idle-10000",
        "RSS per idle connection, 10,000 open",
        "rss_per_conn_bytes",
        "bytes",
        false,
    ),
];
pub const CLIENT_SUBJECTS: [Subject; 5] = [
    ("raw", "browser WebSocket (the limit)"),
    ("duplex-js", "DuplexSocket from JS"),
    (
        "duplex-js-session",
        "DuplexSocket from JS, session: true (duplex.v1)",
    ),
    ("duplex-rust", "duplex-ws Rust API (Stream/Sink)"),
    ("gloo-net", "gloo-net WebSocket"),
];
pub const CLIENT_ROWS: [Row; 3] = [
    row(
        "roundtrip-20b",
        "sequential round trips, 20 B text",
        "per_s",
        "round trips/s",
        true,
    ),
    row(
        "pipelined-text-20b",
        "pipelined, 20 B text",
        "per_s",
        "msg/s",
        true,
    ),
    row(
        "pipelined-binary-1k",
        "pipelined, 1 KiB binary",
        "per_s",
        "msg/s",
        true,
    ),
];
pub const SIZE_SUBJECTS: [Subject; 5] = [
    ("duplex-ws", "duplex-ws (wasm + JS glue)"),
    ("socket.io-client", "socket.io-client"),
    ("reconnecting-websocket", "reconnecting-websocket"),
    ("partysocket", "partysocket"),
    ("websocket-ts", "websocket-ts"),
];
pub const SIZE_ROW: Row = row(
    "min-gzip",
    "minified + gzip -9",
    "total_bytes",
    "bytes",
    false,
);

/// One bar: a subject's median with its range, and the text written on it.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub note: String,
}

/// Bars that share one scale.
#[derive(Debug, Clone)]
pub struct Section {
    pub title: String,
    pub unit: String,
    pub bars: Vec<Bar>,
}

/// One SVG file.
#[derive(Debug, Clone)]
pub struct Chart {
    pub name: String,
    pub title: String,
    pub sections: Vec<Section>,
}

/// `value / base` as text, e.g. `3.4x Node ws`.
pub fn ratio_text(value: f64, base: f64, base_name: &str) -> String {
    if base > 0.0 {
        format!("{:.2}x {base_name}", value / base)
    } else {
        String::new()
    }
}

/// A section per row: each subject's bar, its ratio to `base` written on it.
fn sections(
    figures: &Figures,
    suite: &str,
    rows: &[Row],
    subjects: &[Subject],
    base: Subject,
) -> Vec<Section> {
    rows.iter()
        .filter_map(|row| {
            let base_value = figures.median(suite, row.id, base.0, row.metric);
            let bars: Vec<Bar> = subjects
                .iter()
                .filter_map(|(id, name)| {
                    let summary = figures.get(suite, row.id, id, row.metric)?;
                    let note = match base_value {
                        Some(b) if *id != base.0 => ratio_text(summary.median, b, base.1),
                        _ => String::new(),
                    };
                    Some(Bar {
                        label: (*name).to_owned(),
                        median: summary.median,
                        min: summary.min,
                        max: summary.max,
                        note,
                    })
                })
                .collect();
            (!bars.is_empty()).then(|| Section {
                title: row.name.to_owned(),
                unit: row.unit.to_owned(),
                bars,
            })
        })
        .collect()
}

/// Every chart the figures allow (a suite that did not run has none).
pub fn charts(figures: &Figures) -> Vec<Chart> {
    let node = ("node-ws", "Node ws");
    let specs: Vec<(&str, &str, &str, Vec<Section>)> = vec![
        (
            "server-throughput",
            "Server throughput (median of runs; bars: min-max)",
            "server",
            sections(
                figures,
                "server",
                &SERVER_THROUGHPUT,
                &SERVER_SUBJECTS,
                node,
            ),
        ),
        (
            "server-cpu",
            "Server CPU time per message or delivery, lower is better",
            "server",
            sections(figures, "server", &SERVER_CPU, &SERVER_SUBJECTS, node),
        ),
        (
            "server-latency",
            "Server latency p99, lower is better",
            "server",
            sections(figures, "server", &SERVER_LATENCY, &SERVER_SUBJECTS, node),
        ),
        (
            "server-memory",
            "Server RSS per idle connection, lower is better",
            "memory",
            sections(figures, "memory", &MEMORY_ROWS, &MEMORY_SUBJECTS, node),
        ),
        (
            "client",
            "Browser client (headless Chromium), higher is better",
            "client",
            sections(
                figures,
                "client",
                &CLIENT_ROWS,
                &CLIENT_SUBJECTS,
                ("raw", "raw"),
            ),
        ),
        (
            "size",
            "Download size, min + gzip -9, lower is better",
            "size",
            sections(
                figures,
                "size",
                &[SIZE_ROW],
                &SIZE_SUBJECTS,
                ("socket.io-client", "socket.io-client"),
            ),
        ),
    ];
    specs
        .into_iter()
        .filter(|(_, _, suite, sections)| figures.has_suite(suite) && !sections.is_empty())
        .map(|(name, title, _, sections)| Chart {
            name: name.to_owned(),
            title: title.to_owned(),
            sections,
        })
        .collect()
}

#[cfg(test)]
mod tests;
