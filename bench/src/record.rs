//! One measurement as a JSON line: what every part of the benchmark (load generator, browser
//! runner, size measurer) writes, and what the report reads.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One run of one subject in one row of one suite, e.g. suite `server`, row `echo-100x1k`,
/// subject `duplex-server`, run 3, metrics `{"msgs_per_s": 123456.0, "p99_us": 812.0}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// `server`, `memory`, `client` or `size`.
    pub suite: String,
    /// The row of the suite's table, e.g. `pingpong-20b`.
    pub row: String,
    /// What was measured, e.g. `duplex-server`, `node-ws`, `fastwebsockets`.
    pub subject: String,
    /// The run's number (runs of the subjects alternate: A B A B ...).
    pub run: u32,
    /// The figures of this run, by name.
    pub metrics: BTreeMap<String, f64>,
}

impl Record {
    /// Run 1 of (suite, row, subject) with `metrics`: the report's tests build their input so.
    #[cfg(test)]
    pub fn of(suite: &str, row: &str, subject: &str, metrics: &[(&str, f64)]) -> Record {
        Record {
            suite: suite.into(),
            row: row.into(),
            subject: subject.into(),
            run: 1,
            metrics: metrics
                .iter()
                .map(|(name, value)| ((*name).to_owned(), *value))
                .collect(),
        }
    }

    /// The record as one line of JSON.
    pub fn to_line(&self) -> String {
        // A struct of strings, numbers and a string-keyed map always serialises.
        serde_json::to_string(self).unwrap_or_default()
    }
}
