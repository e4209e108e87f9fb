//! An instrumented function's latency threshold must be a bound of its buckets.

use promstrict::instrument_latency;

#[instrument_latency(buckets = "fast", objective(latency = 0.2, percent = 99.0))]
fn handler() {}

fn main() {
    handler();
}
