use promstrict::{instrument_latency, Gauge, Histogram};

static LATENCY: std::sync::LazyLock<Histogram> = std::sync::LazyLock::new(Histogram::default);
static RUNNING: std::sync::LazyLock<Gauge> = std::sync::LazyLock::new(Gauge::default);

#[instrument_latency(metric = LATENCY, calls = RUNNING)]
fn handler() {}

fn main() {
    handler();
}
