use promstrict::{instrument_latency, Counter};

static CALLS: std::sync::LazyLock<Counter> = std::sync::LazyLock::new(Counter::default);

#[instrument_latency(calls = CALLS)]
fn handler() {}

fn main() {
    handler();
}
