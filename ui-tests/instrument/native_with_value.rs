//! `native` is a flag, or takes its parameters in parentheses.

use promstrict::instrument_latency;

#[instrument_latency(native = 3)]
fn handler() {}

fn main() {
    handler();
}
