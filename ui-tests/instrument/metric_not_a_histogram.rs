use promstrict::{instrument_latency, Counter};

struct Metrics {
    requests_total: Counter,
}

static METRICS: std::sync::LazyLock<Metrics> = std::sync::LazyLock::new(|| Metrics {
    requests_total: Counter::default(),
});

#[instrument_latency(metric = METRICS.requests_total)]
fn handler() {}

fn main() {
    handler();
}
