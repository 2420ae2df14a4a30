//! Latency histograms in nanoseconds (hdrhistogram, 3 significant digits).

use std::time::Duration;

use hdrhistogram::Histogram;

/// A histogram from 1 ns to 60 s; record with [`record`], merge the connections' with `add`.
pub fn histogram() -> Histogram<u64> {
    // Bounds that are valid constants: creation cannot fail.
    Histogram::new_with_bounds(1, 60_000_000_000, 3).expect("valid histogram bounds")
}

/// Records one latency; anything past the top bound counts as the top bound.
pub fn record(histogram: &mut Histogram<u64>, latency: Duration) {
    let nanos = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX);
    histogram.saturating_record(nanos.max(1));
}

/// The value at `quantile` (0.5, 0.99, 0.999) in microseconds.
pub fn micros_at(histogram: &Histogram<u64>, quantile: f64) -> f64 {
    histogram.value_at_quantile(quantile) as f64 / 1_000.0
}
