use promstrict::{instrument_latency, Histogram};

static LATENCY: std::sync::LazyLock<Histogram> = std::sync::LazyLock::new(Histogram::default);

#[instrument_latency(metric = LATENCY, buckets = "fast")]
fn handler() {}

fn main() {
    handler();
}
