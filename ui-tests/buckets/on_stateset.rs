//! A state set has no buckets; a gauge histogram does.

use promstrict::{GaugeHistogram, LabelValue, Metrics, StateSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
enum Breaker {
    Closed,
    Open,
}

#[derive(Metrics)]
struct AppMetrics {
    /// The breaker.
    #[metric(buckets = [0.1, 1.0])]
    payments_breaker: StateSet<Breaker>,
    /// Jobs waiting, by size.
    #[metric(buckets = [1024.0, 65536.0])]
    queue_job_size_bytes: GaugeHistogram,
}

fn main() {}
