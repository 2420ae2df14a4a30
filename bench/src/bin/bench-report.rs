//! bench-report: writes BENCHMARKS.md and the SVG charts from the JSON-line records of one
//! benchmark run.
//!
//! ```sh
//! bench-report --results target/bench/results.jsonl --out BENCHMARKS.md --charts bench/charts \
//!              --date 2026-11-25 --conditions "..."
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use duplex_bench::report::{read_records, write_report, Machine};

#[derive(Parser)]
#[command(
    version,
    about = "Writes BENCHMARKS.md and the charts from benchmark records"
)]
struct Cli {
    /// The records (one JSON object a line).
    #[arg(long)]
    results: PathBuf,
    /// The markdown to write.
    #[arg(long, default_value = "BENCHMARKS.md")]
    out: PathBuf,
    /// Where the SVG charts go.
    #[arg(long, default_value = "bench/charts")]
    charts: PathBuf,
    /// How the markdown links the charts (relative to it).
    #[arg(long, default_value = "bench/charts")]
    charts_link: String,
    /// The date of the run.
    #[arg(long)]
    date: String,
    /// The conditions of the run, as a sentence or two.
    #[arg(long, default_value = "")]
    conditions: String,
    /// A hand-written markdown file on why the missed targets are missed (bench/misses.md),
    /// shown after the targets table; its leading HTML comment is left out.
    #[arg(long)]
    misses: Option<PathBuf>,
}

/// The text of `path` without its leading `<!-- ... -->` comment.
fn read_misses(path: &std::path::Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("cannot read --misses {}: {error}", path.display()))?;
    let text = text.trim_start();
    let body = match text
        .strip_prefix("<!--")
        .and_then(|rest| rest.split_once("-->"))
    {
        Some((_, after)) => after,
        None => text,
    };
    Ok(body.trim().to_owned())
}

/// The CPU model from /proc/cpuinfo (`unknown` when it cannot be read).
fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|line| line.strip_prefix("model name"))
                .map(|rest| rest.trim_start_matches([' ', '\t', ':']).trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let misses = match cli.misses.as_deref().map(read_misses).transpose() {
        Ok(misses) => misses,
        Err(why) => {
            eprintln!("bench-report: {why}");
            return ExitCode::FAILURE;
        }
    };
    let machine = Machine {
        cpu: cpu_model(),
        cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
        date: cli.date,
        conditions: cli.conditions,
    };
    let result = read_records(&cli.results).and_then(|records| {
        if records.is_empty() {
            eprintln!(
                "bench-report: warning: {} holds no records",
                cli.results.display()
            );
        }
        let paths = (
            cli.out.as_path(),
            cli.charts.as_path(),
            cli.charts_link.as_str(),
        );
        write_report(&records, &machine, misses.as_deref(), paths)
    });
    match result {
        Ok(()) => {
            println!(
                "bench-report: wrote {} and the charts in {}",
                cli.out.display(),
                cli.charts.display()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("bench-report: {error}");
            ExitCode::FAILURE
        }
    }
}
