use promstrict::{instrument_latency, Family, Histogram, OutcomeLabels};

static LATENCY: std::sync::LazyLock<Family<OutcomeLabels, Histogram>> =
    std::sync::LazyLock::new(Family::default);

#[instrument_latency(metric = LATENCY)]
fn handler() {}

fn main() {
    handler();
}
