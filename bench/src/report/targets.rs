//! The issues' targets, each checked on the medians: met, or missed by how much.
//!
//! Server targets (issue 15): CPU per message, rate with a load generator that is not the
//! limit, relay fan-out rate and CPU per delivery, memory per idle connection, compressed
//! echo. Older ones stay as long as no issue replaced them: p99 (issue 6), the browser client
//! and the download size.

use super::figures::Figures;
use super::layout::{
    Row, CLIENT_ROWS, DEFLATE_ROW, FANOUT_ROW, SERVER_CPU, SERVER_LATENCY, SERVER_THROUGHPUT,
    SIZE_ROW,
};
use super::svg::human;

/// duplex-server messages/s over Node ws's, in every echo row but ping-pong (its rate is one
/// round trip at a time: latency, not throughput), and deliveries/s in the relay fan-out.
pub const SERVER_SPEEDUP: f64 = 3.0;
/// duplex-server CPU time per message (per delivery in the fan-out) over Node ws's.
pub const SERVER_CPU_SHARE: f64 = 1.0 / 3.0;
/// The load generator's share of its cores under which a row's rate is the server's.
pub const LOAD_SHARE: f64 = 0.8;
/// duplex-server p99 over Node ws's.
pub const SERVER_P99: f64 = 1.0 / 3.0;
/// duplex-server RSS per idle connection over Node ws's, at 10,000 connections: the target,
/// and the goal.
pub const SERVER_MEMORY: f64 = 0.5;
pub const SERVER_MEMORY_GOAL: f64 = 0.25;
/// The memory row the targets judge.
pub const MEMORY_ROW: Row = super::layout::MEMORY_ROWS[1];
/// Connections duplex-server must hold.
pub const HELD: f64 = 10_000.0;
/// DuplexSocket from JS over the raw browser WebSocket.
pub const JS_OVER_RAW: f64 = 0.95;
/// The Rust API over the raw browser WebSocket.
pub const RUST_OVER_RAW: f64 = 0.9;
/// Session mode against plain mode, DuplexSocket from JS, pipelined rows.
pub const SESSION_OVER_PLAIN: f64 = 0.9;
/// duplex-ws min+gzip total, bytes: the package's budget (DESIGN.md, issue 16), just under
/// socket.io-client's 13.0 kB.
pub const SIZE_BYTES: f64 = 13_000.0;

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

/// A target that could not be judged, and why (shown after "not measured").
fn unjudged(target: String, measured: String, why: String) -> Verdict {
    Verdict {
        target,
        measured,
        met: None,
        gap: why,
    }
}

fn verdict(target: String, ratio: Option<f64>, bound: f64, lower_bound: bool) -> Verdict {
    match ratio {
        None => unjudged(target, "not measured".into(), String::new()),
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

/// Whether both servers agreed to permessage-deflate on every connection of `row` (the
/// record's `deflate` is the share of connections that did): `Err(why)` names the one that
/// did not, or says that it was not measured.
fn both_deflate(figures: &Figures, row: &str) -> Result<(), String> {
    for (id, name) in [("duplex-server", "duplex-server"), ("node-ws", "Node ws")] {
        match figures.get("server", row, id, "deflate") {
            None => return Err(format!("{name}: no record")),
            Some(share) if share.min < 1.0 => {
                return Err(format!(
                    "{name} does not negotiate permessage-deflate (agreed on {:.0}% of its \
                     connections; the row measured it uncompressed)",
                    share.min * 100.0
                ))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// A duplex-server-over-Node-ws target of the compressed row: judged only when both sides
/// compressed (else the ratio compares a compressed server with an uncompressed one).
fn deflate_guard(figures: &Figures, row: &Row, verdict: Verdict) -> Verdict {
    match both_deflate(figures, row.id) {
        Err(why) if row.id == DEFLATE_ROW && verdict.met.is_some() => {
            let measured = format!("{} (not comparable)", verdict.measured);
            unjudged(verdict.target, measured, why)
        }
        _ => verdict,
    }
}

/// The load generator's CPU share (of its cores) in `row`: the higher of the duplex-server
/// and Node ws runs' medians, and both as text.
fn load_share(figures: &Figures, row: &str) -> Option<(f64, String)> {
    let duplex = figures.median("server", row, "duplex-server", "load_cpu")?;
    let node = figures.median("server", row, "node-ws", "load_cpu")?;
    Some((
        duplex.max(node),
        format!("{duplex:.2} (duplex-server run), {node:.2} (Node ws run)"),
    ))
}

/// Every target, in the issues' order.
pub fn check(figures: &Figures) -> Vec<Verdict> {
    let mut verdicts = Vec::new();
    for row in &SERVER_CPU {
        let what = if row.id == FANOUT_ROW {
            "CPU per delivery"
        } else {
            "CPU per message"
        };
        verdicts.push(at_most(
            format!("duplex-server {what} <= 1/3 of Node ws: {}", row.name),
            vs_node(figures, "server", row),
            SERVER_CPU_SHARE,
        ));
    }
    for row in SERVER_THROUGHPUT
        .iter()
        .filter(|row| row.id != "pingpong-20b")
    {
        let verdict = at_least(
            format!("duplex-server >= 3x Node ws {}: {}", row.unit, row.name),
            vs_node(figures, "server", row),
            SERVER_SPEEDUP,
        );
        verdicts.push(deflate_guard(figures, row, verdict));
        if row.id == FANOUT_ROW {
            continue;
        }
        let target = format!(
            "load generator under {:.0}% of its cores (so the rate is the server's): {}",
            LOAD_SHARE * 100.0,
            row.name
        );
        verdicts.push(match load_share(figures, row.id) {
            None => unjudged(target, "not measured".into(), String::new()),
            Some((share, measured)) => Verdict {
                target,
                measured,
                met: Some(share < LOAD_SHARE),
                gap: if share < LOAD_SHARE {
                    String::new()
                } else {
                    format!(
                        "{:.0}% of its cores: the rate is at least partly the load \
                         generator's limit",
                        share * 100.0
                    )
                },
            },
        });
    }
    verdicts.push(match both_deflate(figures, DEFLATE_ROW) {
        Ok(()) => Verdict {
            target: "permessage-deflate agreed by both servers: compressed echo row".into(),
            measured: "on every connection".into(),
            met: Some(true),
            gap: String::new(),
        },
        Err(why) => Verdict {
            target: "permessage-deflate agreed by both servers: compressed echo row".into(),
            measured: "no".into(),
            met: Some(false),
            gap: why,
        },
    });
    verdicts.push(at_most(
        format!(
            "duplex-server <= 1/2 of Node ws memory: {}",
            MEMORY_ROW.name
        ),
        vs_node(figures, "memory", &MEMORY_ROW),
        SERVER_MEMORY,
    ));
    verdicts.push(at_most(
        format!(
            "goal: duplex-server <= 1/4 of Node ws memory: {}",
            MEMORY_ROW.name
        ),
        vs_node(figures, "memory", &MEMORY_ROW),
        SERVER_MEMORY_GOAL,
    ));
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
    for row in &SERVER_LATENCY {
        let verdict = at_most(
            format!("duplex-server p99 <= 1/3 of Node ws: {}", row.name),
            vs_node(figures, "server", row),
            SERVER_P99,
        );
        verdicts.push(deflate_guard(figures, row, verdict));
    }
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
        target: "duplex-ws total <= 13.0 kB min+gzip".into(),
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

#[cfg(test)]
mod tests;
