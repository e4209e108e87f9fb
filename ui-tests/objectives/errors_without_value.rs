//! `errors` names a label and its bad values.

#[allow(unused_imports)]
use promstrict::{Counter, Family, Gauge, Histogram, LabelSet, LabelValue, Metrics};

#[derive(Clone, Copy, LabelValue)]
enum Status {
    #[label(name = "2xx")]
    Ok,
    #[label(name = "5xx")]
    ServerError,
}

#[derive(Clone, Copy, LabelSet)]
struct RequestLabels {
    status: Status,
}

#[derive(Metrics)]
struct ApiMetrics {
    /// Requests.
    #[metric(objective(errors = "status", percent = 99.9))]
    requests_total: Family<RequestLabels, Counter>,
}

fn main() {}
