//! A family of families is not a metric: one error, from the struct itself.

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
    requests_total: Family<RequestLabels, Family<RequestLabels, Counter>>,
}

fn main() {}
