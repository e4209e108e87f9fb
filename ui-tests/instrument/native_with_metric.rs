//! With `metric = …` the metric's own type makes it native or classic.

use promstrict::{instrument_latency, NativeHistogram};
use std::sync::LazyLock;

static LATENCY: LazyLock<NativeHistogram> = LazyLock::new(NativeHistogram::default);

#[instrument_latency(metric = LATENCY, native)]
fn handler() {}

fn main() {
    handler();
}
