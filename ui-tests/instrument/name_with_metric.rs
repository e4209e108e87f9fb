use promstrict::{instrument_latency, Histogram};

static LATENCY: std::sync::LazyLock<Histogram> = std::sync::LazyLock::new(Histogram::default);

#[instrument_latency(metric = LATENCY, name = "Handler::get")]
fn handler() {}

fn main() {
    handler();
}
