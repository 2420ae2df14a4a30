//! Tests of the report's targets: each would fail if the logic it names broke.

use super::*;
use crate::record::Record;

/// Run 1 of (suite, row, subject) with `metrics`.
fn record(suite: &str, row: &str, subject: &str, metrics: &[(&str, f64)]) -> Record {
    Record::of(suite, row, subject, metrics)
}

fn find<'a>(verdicts: &'a [Verdict], start: &str) -> &'a Verdict {
    verdicts
        .iter()
        .find(|v| v.target.starts_with(start))
        .unwrap_or_else(|| panic!("no target starting '{start}'"))
}

#[test]
fn cpu_per_message_and_per_delivery_at_most_a_third_of_node() {
    let figures = Figures::from_records(&[
        record(
            "server",
            "echo-100x20b",
            "duplex-server",
            &[("server_cpu_us_per_msg", 1.0)],
        ),
        record(
            "server",
            "echo-100x20b",
            "node-ws",
            &[("server_cpu_us_per_msg", 3.0)],
        ),
        record(
            "server",
            "echo-100x1k",
            "duplex-server",
            &[("server_cpu_us_per_msg", 2.0)],
        ),
        record(
            "server",
            "echo-100x1k",
            "node-ws",
            &[("server_cpu_us_per_msg", 4.0)],
        ),
        record(
            "server",
            FANOUT_ROW,
            "duplex-server",
            &[("server_cpu_us_per_delivery", 1.0)],
        ),
        record(
            "server",
            FANOUT_ROW,
            "node-ws",
            &[("server_cpu_us_per_delivery", 2.0)],
        ),
    ]);
    let verdicts = check(&figures);
    let small = find(
        &verdicts,
        "duplex-server CPU per message <= 1/3 of Node ws: 100 conns pipelined, 20 B",
    );
    assert_eq!(small.met, Some(true), "1.0 of 3.0 is exactly a third");
    let big = find(
        &verdicts,
        "duplex-server CPU per message <= 1/3 of Node ws: 100 conns pipelined, 1 KiB",
    );
    assert_eq!((big.met, big.measured.as_str()), (Some(false), "0.50x"));
    assert!(big.gap.starts_with("over by 50.0%"), "{}", big.gap);
    let fanout = find(
        &verdicts,
        "duplex-server CPU per delivery <= 1/3 of Node ws: relay",
    );
    assert_eq!(fanout.met, Some(false));
}

#[test]
fn rates_count_only_with_the_load_generator_under_its_bound() {
    let row = "echo-100x1k";
    let figures = Figures::from_records(&[
        record(
            "server",
            row,
            "duplex-server",
            &[("msgs_per_s", 400.0), ("load_cpu", 0.5)],
        ),
        record(
            "server",
            row,
            "node-ws",
            &[("msgs_per_s", 100.0), ("load_cpu", 0.85)],
        ),
    ]);
    let verdicts = check(&figures);
    let rate = find(
        &verdicts,
        "duplex-server >= 3x Node ws msg/s: 100 conns pipelined, 1 KiB binary",
    );
    assert_eq!(rate.met, Some(true));
    let load = find(&verdicts, "load generator under 80% of its cores (so the rate is the server's): 100 conns pipelined, 1 KiB binary");
    assert_eq!(
        load.met,
        Some(false),
        "the Node ws run had the load generator at 85%"
    );
    assert!(load
        .measured
        .contains("0.50 (duplex-server run), 0.85 (Node ws run)"));
    assert!(load.gap.starts_with("85% of its cores"));
    // Ping-pong has no rate target.
    assert!(!verdicts
        .iter()
        .any(|v| v.target.contains(">= 3x") && v.target.contains("ping-pong")));
}

#[test]
fn the_compressed_row_is_judged_only_when_both_compress() {
    let metrics = |rate, deflate| [("msgs_per_s", rate), ("p99_us", 10.0), ("deflate", deflate)];
    let uncompressed = Figures::from_records(&[
        record("server", DEFLATE_ROW, "duplex-server", &metrics(500.0, 0.0)),
        record("server", DEFLATE_ROW, "node-ws", &metrics(100.0, 1.0)),
    ]);
    let verdicts = check(&uncompressed);
    let agreed = find(&verdicts, "permessage-deflate agreed by both servers");
    assert_eq!(agreed.met, Some(false));
    assert!(agreed
        .gap
        .starts_with("duplex-server does not negotiate permessage-deflate"));
    let rate = find(
        &verdicts,
        "duplex-server >= 3x Node ws msg/s: 100 conns pipelined, 1 KiB JSON",
    );
    assert_eq!(rate.met, None, "5x, but against a compressing Node ws");
    assert_eq!(rate.measured, "5.00x (not comparable)");
    assert!(rate.gap.contains("does not negotiate"));
    let p99 = find(
        &verdicts,
        "duplex-server p99 <= 1/3 of Node ws: 100 conns pipelined, 1 KiB JSON",
    );
    assert_eq!(p99.met, None);

    let compressed = Figures::from_records(&[
        record("server", DEFLATE_ROW, "duplex-server", &metrics(500.0, 1.0)),
        record("server", DEFLATE_ROW, "node-ws", &metrics(100.0, 1.0)),
    ]);
    let verdicts = check(&compressed);
    assert_eq!(find(&verdicts, "permessage-deflate agreed").met, Some(true));
    assert_eq!(
        find(
            &verdicts,
            "duplex-server >= 3x Node ws msg/s: 100 conns pipelined, 1 KiB JSON"
        )
        .met,
        Some(true)
    );
}

#[test]
fn memory_target_a_half_and_goal_a_quarter_at_ten_thousand() {
    let rss = |bytes| [("rss_per_conn_bytes", bytes), ("held", 10_000.0)];
    let figures = Figures::from_records(&[
        record("memory", "idle-10000", "duplex-server", &rss(3_000.0)),
        record("memory", "idle-10000", "node-ws", &rss(6_000.0)),
        // The 1,000 row is shown but judged by no target.
        record("memory", "idle-1000", "duplex-server", &rss(9_000.0)),
        record("memory", "idle-1000", "node-ws", &rss(6_000.0)),
    ]);
    let verdicts = check(&figures);
    assert_eq!(
        find(&verdicts, "duplex-server <= 1/2 of Node ws memory").met,
        Some(true)
    );
    let goal = find(&verdicts, "goal: duplex-server <= 1/4 of Node ws memory");
    assert_eq!(goal.met, Some(false));
    assert!(goal.target.ends_with("10,000 open"));
    assert!(!verdicts.iter().any(|v| v.target.ends_with("1,000 open")));
    assert_eq!(
        find(&verdicts, "duplex-server holds 10,000").met,
        Some(true)
    );
}

#[test]
fn client_targets_stay() {
    let verdicts = check(&Figures::default());
    for start in [
        "DuplexSocket from JS >= 0.95x raw WebSocket",
        "session mode >= 0.9x plain mode (JS)",
        "Rust API >= 0.9x raw WebSocket",
        "Rust API ahead of gloo-net",
        "duplex-ws total <= 13.0 kB",
    ] {
        assert_eq!(
            find(&verdicts, start).met,
            None,
            "{start}: nothing measured"
        );
    }
}
