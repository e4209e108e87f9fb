use promstrict::{instrument_latency, Counter, Histogram};

static LATENCY: std::sync::LazyLock<Histogram> = std::sync::LazyLock::new(Histogram::default);
static CALLS: std::sync::LazyLock<Counter> = std::sync::LazyLock::new(Counter::default);

#[instrument_latency(metric = LATENCY, in_flight = CALLS)]
fn handler() {}

fn main() {
    handler();
}
