//! An instrumented function's objective is a latency objective.

use promstrict::instrument_latency;

#[instrument_latency(objective(errors(outcome = "error"), percent = 99.0))]
fn handler() {}

fn main() {
    handler();
}
