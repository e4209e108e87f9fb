//! `native(…)` on an instrumented function: the same parameters and the
//! same checks as `#[metric(native(…))]` on a field, every one reported.

use promstrict::instrument_latency;

#[instrument_latency(native(schema = 9, max_buckets = 0, zero_threshold = -1.0))]
fn handler() {}

fn main() {
    handler();
}
