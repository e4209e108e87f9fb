use promstrict::{instrument_latency, Gauge};

static RUNNING: std::sync::LazyLock<Gauge> = std::sync::LazyLock::new(Gauge::default);

#[instrument_latency(in_flight = RUNNING)]
fn handler() {}

fn main() {
    handler();
}
