//! Tests of the report's markdown: each would fail if the logic it names broke.

use super::*;
use crate::record::Record;
use crate::report::layout::FANOUT_ROW;
use crate::report::targets;

/// Run 1 of (suite, row, subject) with `metrics`.
fn record(suite: &str, row: &str, subject: &str, metrics: &[(&str, f64)]) -> Record {
    Record::of(suite, row, subject, metrics)
}

fn report(records: &[Record]) -> String {
    let figures = Figures::from_records(records);
    let machine = Machine {
        cpu: "test CPU".into(),
        cores: 2,
        date: "today".into(),
        conditions: "none".into(),
    };
    render(&figures, &targets::check(&figures), &machine, &[], "charts")
}

/// The line of the server table for `row_name` and `server`.
fn line<'a>(md: &'a str, row_name: &str, server: &str) -> &'a str {
    md.lines()
        .find(|l| l.starts_with(&format!("| {row_name} | {server}")))
        .unwrap_or_else(|| panic!("no line for {row_name}, {server} in\n{md}"))
}

#[test]
fn fanout_rows_show_cpu_per_delivery_and_load_share() {
    let md = report(&[record(
        "server",
        FANOUT_ROW,
        "duplex-server",
        &[
            ("deliveries_per_s", 1000.0),
            ("server_cpu_us_per_delivery", 1.5),
            ("load_cpu", 0.3),
        ],
    )]);
    let fanout = line(
        &md,
        "relay fan-out, 1 sender to 100 receivers, 20 B",
        "duplex-server",
    );
    assert!(
        fanout.ends_with("|  |  |  | 1.5 (1.5-1.5) | 0.30 (0.30-0.30) |"),
        "{fanout}"
    );
}

#[test]
fn the_compressed_row_says_who_did_not_compress_and_the_bytes_on_the_wire() {
    let row = |deflate, wire| {
        [
            ("msgs_per_s", 100.0),
            ("deflate", deflate),
            ("wire_bytes_per_msg", wire),
        ]
    };
    let md = report(&[
        record("server", DEFLATE_ROW, "duplex-server", &row(0.0, 1028.0)),
        record("server", DEFLATE_ROW, "node-ws", &row(1.0, 40.0)),
    ]);
    let name = "100 conns pipelined, 1 KiB JSON text, permessage-deflate";
    assert!(line(
        &md,
        name,
        "duplex-server (does not negotiate permessage-deflate"
    )
    .contains("100 (100-100)"));
    assert!(line(&md, name, "Node ws |").contains("100 (100-100)"));
    assert!(md.contains("duplex-server 1,028 B, Node ws 40.0 B"), "{md}");
    assert!(
        md.contains("| not judged: duplex-server does not negotiate"),
        "{md}"
    );
}

#[test]
fn backplane_cpu_per_delivery() {
    let md = report(&[record(
        "backplane",
        "fanout-redis-1x100",
        "two-instances",
        &[
            ("deliveries_per_s", 10.0),
            ("server_cpu_us_per_delivery", 4.3),
            ("load_cpu", 0.5),
        ],
    )]);
    assert!(md.contains("two instances (sender on A, receivers on B, through Redis): 4.3 µs, load generator at 0.50 of its cores"), "{md}");
}

#[test]
fn browser_rows_say_how_many_messages_a_run_counted() {
    let md = report(&[
        record(
            "client",
            "pipelined-text-20b",
            "raw",
            &[("per_s", 7000.0), ("count", 20_000.0)],
        ),
        record(
            "client",
            "roundtrip-20b",
            "raw",
            &[("per_s", 2000.0), ("count", 1000.0)],
        ),
    ]);
    assert!(
        md.contains("Messages per measured run (round trips in the sequential row): sequential round trips, 20 B text: 1,000; pipelined, 20 B text: 20,000."),
        "{md}"
    );
}

#[test]
fn the_targets_table_ends_before_the_note() {
    let md = report(&[]);
    assert!(
        md.contains("|\n\nPing-pong is held to no rate target"),
        "{md}"
    );
}

#[test]
fn the_account_of_the_misses_goes_between_the_targets_and_the_charts() {
    let report = "# Benchmarks\n\n## Targets: 1 of 2 met\n\n| t |\n\n## Charts\n\nchart\n";
    let with = super::with_misses(report, "- **RSS**: why.\n");
    let targets = with.find("## Targets").unwrap();
    let misses = with.find(super::MISSES_HEADING).unwrap();
    let charts = with.find("## Charts").unwrap();
    assert!(targets < misses && misses < charts, "{with}");
    assert!(with.contains("- **RSS**: why.\n\n## Charts"), "{with}");
}
