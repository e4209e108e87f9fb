//! A latency objective needs classic buckets, which a native series does
//! not keep when Prometheus scrapes it as native.

use promstrict::instrument_latency;

#[instrument_latency(native, objective(latency = 0.25, percent = 99.0))]
fn handler() {}

fn main() {
    handler();
}
