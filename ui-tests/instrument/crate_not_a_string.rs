//! `crate = …` takes the path as a string literal.

use promstrict::instrument_latency;

#[instrument_latency(crate = promstrict)]
fn work() {}

fn main() {
    work();
}
