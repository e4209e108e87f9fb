//! Every mistake of a struct comes out in one build, and the stub impl keeps uses of it type-checking.

use promstrict::{Counter, Gauge, Histogram, Metrics, Summary};

#[derive(Metrics)]
#[metrics(namespace = "App")]
struct AppMetrics {
    /// Jobs run.
    jobs: Counter,
    queue_depth: Gauge,
    /// Latency.
    #[metric(buckets = [1.0, 0.5])]
    request_duration_ms: Histogram,
    /// Sizes.
    #[metric(unit = "bytes", colour = "red")]
    payload: Summary,
}

fn main() {
    // No further errors here: the stub impl has every function.
    let registry = promstrict::Registry::new();
    let _ = AppMetrics::register(&registry);
    let _ = AppMetrics::global();
}
