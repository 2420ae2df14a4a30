//! Figures: every metric of every (suite, row, subject), summarised over its runs.

use std::collections::BTreeMap;

use crate::record::Record;

/// The runs of one metric: median, min, max and how many runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub runs: usize,
}

impl Summary {
    /// Summarises `values`; `None` when there are none.
    pub fn of(values: &[f64]) -> Option<Summary> {
        let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        if sorted.is_empty() {
            return None;
        }
        sorted.sort_by(f64::total_cmp);
        let middle = sorted.len() / 2;
        let median = if sorted.len() % 2 == 1 {
            sorted[middle]
        } else {
            (sorted[middle - 1] + sorted[middle]) / 2.0
        };
        Some(Summary {
            median,
            min: sorted[0],
            max: sorted[sorted.len() - 1],
            runs: sorted.len(),
        })
    }
}

/// Key of a figure: suite, row, subject, metric.
type Key = (String, String, String, String);

/// All the figures of a run.
#[derive(Debug, Default)]
pub struct Figures {
    summaries: BTreeMap<Key, Summary>,
}

impl Figures {
    /// Groups the records' metrics and summarises each group.
    pub fn from_records(records: &[Record]) -> Figures {
        let mut values: BTreeMap<Key, Vec<f64>> = BTreeMap::new();
        for record in records {
            for (metric, value) in &record.metrics {
                let key = (
                    record.suite.clone(),
                    record.row.clone(),
                    record.subject.clone(),
                    metric.clone(),
                );
                values.entry(key).or_default().push(*value);
            }
        }
        let summaries = values
            .into_iter()
            .filter_map(|(key, values)| Summary::of(&values).map(|summary| (key, summary)))
            .collect();
        Figures { summaries }
    }

    /// The summary of one metric, if it was measured.
    pub fn get(&self, suite: &str, row: &str, subject: &str, metric: &str) -> Option<Summary> {
        self.summaries
            .get(&(
                suite.to_owned(),
                row.to_owned(),
                subject.to_owned(),
                metric.to_owned(),
            ))
            .copied()
    }

    /// The median of one metric, if it was measured.
    pub fn median(&self, suite: &str, row: &str, subject: &str, metric: &str) -> Option<f64> {
        self.get(suite, row, subject, metric).map(|s| s.median)
    }

    /// Whether any figure of `suite` was measured.
    pub fn has_suite(&self, suite: &str) -> bool {
        self.summaries.keys().any(|(s, ..)| s == suite)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        let odd = Summary::of(&[3.0, 1.0, 2.0]).unwrap();
        assert_eq!((odd.median, odd.min, odd.max, odd.runs), (2.0, 1.0, 3.0, 3));
        assert_eq!(Summary::of(&[1.0, 2.0, 3.0, 10.0]).unwrap().median, 2.5);
        assert!(Summary::of(&[]).is_none());
    }
}
