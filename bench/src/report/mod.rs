//! The report: reads the records of one benchmark run, summarises each figure (median, min,
//! max of its runs), checks the targets, and writes BENCHMARKS.md and the SVG charts.

pub mod figures;
pub mod layout;
pub mod markdown;
pub mod svg;
pub mod targets;

use std::fmt;
use std::path::{Path, PathBuf};

use crate::record::Record;

/// Where the run happened, printed at the top of the report.
#[derive(Debug, Clone)]
pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub date: String,
    /// Free text: load, pinning, what else ran.
    pub conditions: String,
}

/// Why the report could not be written.
#[derive(Debug)]
pub enum ReportError {
    Read {
        path: PathBuf,
        why: String,
    },
    Parse {
        path: PathBuf,
        line: usize,
        why: String,
    },
    Write {
        path: PathBuf,
        why: String,
    },
}

impl fmt::Display for ReportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReportError::Read { path, why } => write!(f, "cannot read {}: {why}", path.display()),
            ReportError::Parse { path, line, why } => {
                write!(
                    f,
                    "{}:{line}: not a benchmark record: {why}",
                    path.display()
                )
            }
            ReportError::Write { path, why } => {
                write!(f, "cannot write {}: {why}", path.display())
            }
        }
    }
}

impl std::error::Error for ReportError {}

/// Reads JSON-line records from `path` (blank lines skipped).
pub fn read_records(path: &Path) -> Result<Vec<Record>, ReportError> {
    let text = std::fs::read_to_string(path).map_err(|error| ReportError::Read {
        path: path.to_owned(),
        why: error.to_string(),
    })?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            serde_json::from_str(line).map_err(|error| ReportError::Parse {
                path: path.to_owned(),
                line: index + 1,
                why: error.to_string(),
            })
        })
        .collect()
}

/// Writes `markdown_path` and the charts (into `charts_dir`, linked from the markdown as
/// `charts_link/NAME.svg`); `misses`, the hand-written account of the missed targets, goes
/// after the targets table.
pub fn write_report(
    records: &[Record],
    machine: &Machine,
    misses: Option<&str>,
    (markdown_path, charts_dir, charts_link): (&Path, &Path, &str),
) -> Result<(), ReportError> {
    let figures = figures::Figures::from_records(records);
    let verdicts = targets::check(&figures);
    let write = |path: &Path, text: &str| {
        std::fs::write(path, text).map_err(|error| ReportError::Write {
            path: path.to_owned(),
            why: error.to_string(),
        })
    };
    std::fs::create_dir_all(charts_dir).map_err(|error| ReportError::Write {
        path: charts_dir.to_owned(),
        why: error.to_string(),
    })?;
    let mut chart_names = Vec::new();
    for chart in layout::charts(&figures) {
        write(
            &charts_dir.join(format!("{}.svg", chart.name)),
            &svg::render(&chart),
        )?;
        chart_names.push((chart.name.clone(), chart.title.clone()));
    }
    let mut text = markdown::render(&figures, &verdicts, machine, &chart_names, charts_link);
    if let Some(misses) = misses {
        text = markdown::with_misses(&text, misses);
    }
    write(markdown_path, &text)
}
