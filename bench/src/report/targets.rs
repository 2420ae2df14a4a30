//! The targets, each checked on the medians: met, or missed by how much.

use super::figures::Figures;
use super::layout::{Row, CLIENT_ROWS, MEMORY_ROWS, SERVER_LATENCY, SERVER_THROUGHPUT, SIZE_ROW};
use super::svg::human;

/// duplex-server messages/s over Node ws's, in every throughput row.
pub const SERVER_SPEEDUP: f64 = 3.0;
/// duplex-server p99 over Node ws's.
pub const SERVER_P99: f64 = 1.0 / 3.0;
/// duplex-server RSS per idle connection over Node ws's.
pub const SERVER_MEMORY: f64 = 0.25;
/// Connections duplex-server must hold.
pub const HELD: f64 = 10_000.0;
/// DuplexSocket from JS over the raw browser WebSocket.
pub const JS_OVER_RAW: f64 = 0.95;
/// The Rust API over the raw browser WebSocket.
pub const RUST_OVER_RAW: f64 = 0.9;
/// Session mode against plain mode, DuplexSocket from JS, pipelined rows.
pub const SESSION_OVER_PLAIN: f64 = 0.9;
/// duplex-ws min+gzip total, bytes (socket.io-client's 13.5 kB).
pub const SIZE_BYTES: f64 = 13_500.0;

/// One checked target.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// The target, e.g. `duplex-server >= 3x Node ws msg/s: 100 conns pipelined, 1 KiB`.
    pub target: String,
    /// What was measured, e.g. `4.12x`.
    pub measured: String,
    /// `None` when a figure it needs was not measured.
    pub met: Option<bool>,
    /// How far from the target when missed (e.g. `short by 27%`).
    pub gap: String,
}

/// `ratio` against a lower bound `floor`.
fn at_least(target: String, ratio: Option<f64>, floor: f64) -> Verdict {
    verdict(target, ratio, floor, true)
}

/// `ratio` against an upper bound `ceiling`.
fn at_most(target: String, ratio: Option<f64>, ceiling: f64) -> Verdict {
    verdict(target, ratio, ceiling, false)
}

fn verdict(target: String, ratio: Option<f64>, bound: f64, lower_bound: bool) -> Verdict {
    match ratio {
        None => Verdict {
            target,
            measured: "not measured".into(),
            met: None,
            gap: String::new(),
        },
        Some(ratio) => {
            let met = if lower_bound {
                ratio >= bound
            } else {
                ratio <= bound
            };
            let gap = if met {
                String::new()
            } else if lower_bound {
                format!(
                    "short by {:.1}% ({:.3}x of {:.2}x)",
                    (1.0 - ratio / bound) * 100.0,
                    ratio,
                    bound
                )
            } else {
                format!(
                    "over by {:.1}% ({:.3}x of at most {:.2}x)",
                    (ratio / bound - 1.0) * 100.0,
                    ratio,
                    bound
                )
            };
            Verdict {
                target,
                measured: format!("{ratio:.2}x"),
                met: Some(met),
                gap,
            }
        }
    }
}

fn ratio(figures: &Figures, suite: &str, row: &str, metric: &str, a: &str, b: &str) -> Option<f64> {
    let a = figures.median(suite, row, a, metric)?;
    let b = figures.median(suite, row, b, metric)?;
    (b > 0.0).then_some(a / b)
}

/// duplex-server's median over Node ws's, for a row of `suite` (the server targets' ratio).
fn vs_node(figures: &Figures, suite: &str, row: &Row) -> Option<f64> {
    ratio(
        figures,
        suite,
        row.id,
        row.metric,
        "duplex-server",
        "node-ws",
    )
}

/// Every target, in the order.
pub fn check(figures: &Figures) -> Vec<Verdict> {
    let mut verdicts = Vec::new();
    // Ping-pong is the latency row: its rate is one round trip at a time, not throughput.
    for row in SERVER_THROUGHPUT
        .iter()
        .filter(|row| row.id != "pingpong-20b")
    {
        verdicts.push(at_least(
            format!("duplex-server >= 3x Node ws {}: {}", row.unit, row.name),
            vs_node(figures, "server", row),
            SERVER_SPEEDUP,
        ));
    }
    for row in &SERVER_LATENCY {
        verdicts.push(at_most(
            format!("duplex-server p99 <= 1/3 of Node ws: {}", row.name),
            vs_node(figures, "server", row),
            SERVER_P99,
        ));
    }
    for row in &MEMORY_ROWS {
        verdicts.push(at_most(
            format!("duplex-server <= 1/4 of Node ws memory: {}", row.name),
            vs_node(figures, "memory", row),
            SERVER_MEMORY,
        ));
    }
    let held = figures.get("memory", "idle-10000", "duplex-server", "held");
    verdicts.push(Verdict {
        target: "duplex-server holds 10,000 connections (every run)".into(),
        measured: held.map_or("not measured".into(), |s| {
            format!("{} (fewest in a run)", human(s.min))
        }),
        met: held.map(|s| s.min >= HELD),
        gap: held
            .filter(|s| s.min < HELD)
            .map_or(String::new(), |s| format!("{} short", human(HELD - s.min))),
    });
    for row in &CLIENT_ROWS {
        verdicts.push(at_least(
            format!("DuplexSocket from JS >= 0.95x raw WebSocket: {}", row.name),
            ratio(figures, "client", row.id, row.metric, "duplex-js", "raw"),
            JS_OVER_RAW,
        ));
    }
    // Sessions cost one ack frame per batch and a kept reference per message in flight.
    for row in CLIENT_ROWS
        .iter()
        .filter(|row| row.id.starts_with("pipelined"))
    {
        verdicts.push(at_least(
            format!("session mode >= 0.9x plain mode (JS): {}", row.name),
            ratio(
                figures,
                "client",
                row.id,
                row.metric,
                "duplex-js-session",
                "duplex-js",
            ),
            SESSION_OVER_PLAIN,
        ));
    }
    for row in &CLIENT_ROWS {
        verdicts.push(at_least(
            format!("Rust API >= 0.9x raw WebSocket: {}", row.name),
            ratio(figures, "client", row.id, row.metric, "duplex-rust", "raw"),
            RUST_OVER_RAW,
        ));
        verdicts.push(at_least(
            format!("Rust API ahead of gloo-net: {}", row.name),
            ratio(
                figures,
                "client",
                row.id,
                row.metric,
                "duplex-rust",
                "gloo-net",
            ),
            1.0,
        ));
    }
    let size = figures.median("size", SIZE_ROW.id, "duplex-ws", SIZE_ROW.metric);
    verdicts.push(Verdict {
        target: "duplex-ws total <= 13.5 kB min+gzip".into(),
        measured: size.map_or("not measured".into(), |b| format!("{:.1} kB", b / 1000.0)),
        met: size.map(|b| b <= SIZE_BYTES),
        gap: size.filter(|b| *b > SIZE_BYTES).map_or(String::new(), |b| {
            format!(
                "over by {:.1} kB ({:.0}%)",
                (b - SIZE_BYTES) / 1000.0,
                (b / SIZE_BYTES - 1.0) * 100.0
            )
        }),
    });
    verdicts
}
