//! Tests of the report's layout: each would fail if the logic it names broke.

use std::collections::BTreeMap;

use super::*;
use crate::record::Record;

#[test]
fn a_cpu_chart_per_message_and_per_delivery() {
    let record = |row: &str, subject: &str, metric: &str, value| Record {
        suite: "server".into(),
        row: row.into(),
        subject: subject.into(),
        run: 1,
        metrics: BTreeMap::from([(metric.to_owned(), value)]),
    };
    let figures = Figures::from_records(&[
        record(
            "echo-100x20b",
            "duplex-server",
            "server_cpu_us_per_msg",
            2.0,
        ),
        record("echo-100x20b", "node-ws", "server_cpu_us_per_msg", 4.0),
        record(
            FANOUT_ROW,
            "duplex-server",
            "server_cpu_us_per_delivery",
            1.0,
        ),
    ]);
    let charts = charts(&figures);
    let cpu = charts.iter().find(|c| c.name == "server-cpu").unwrap();
    let titles: Vec<&str> = cpu.sections.iter().map(|s| s.unit.as_str()).collect();
    assert_eq!(titles, ["µs CPU per msg", "µs CPU per delivery"]);
    assert_eq!(cpu.sections[0].bars[0].note, "0.50x Node ws");
}
