//! With `metric = …` the objective belongs on the user's histogram field.

use promstrict::{instrument_latency, Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Handler latency.
    handler_duration_seconds: Histogram,
}

static METRICS: std::sync::LazyLock<AppMetrics> = std::sync::LazyLock::new(AppMetrics::new_unregistered);

#[instrument_latency(metric = METRICS.handler_duration_seconds, objective(latency = 0.25, percent = 99.0))]
fn handler() {}

fn main() {
    handler();
}
