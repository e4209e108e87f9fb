//! `max_cardinality` is positive.

use promstrict::{Counter, Family, LabelSet, LabelValue, Metrics};

#[derive(Clone, Copy, LabelValue)]
enum Method {
    Get,
    Post,
}

#[derive(Clone, Copy, LabelSet)]
struct RequestLabels {
    method: Method,
}

#[derive(Metrics)]
struct AppMetrics {
    /// Requests.
    #[metric(max_cardinality = 0)]
    requests_total: Family<RequestLabels, Counter>,
}

fn main() {}
