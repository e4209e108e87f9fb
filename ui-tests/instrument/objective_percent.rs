//! An instrumented function's objective needs a percentage strictly between 0 and 100.

use promstrict::instrument_latency;

#[instrument_latency(objective(latency = 0.25, percent = 100))]
fn handler() {}

fn main() {
    handler();
}
