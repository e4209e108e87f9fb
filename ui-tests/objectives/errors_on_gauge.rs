//! An errors objective on a gauge family is refused (and only that is reported).

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
    /// Requests being handled.
    #[metric(objective(errors(status = "5xx"), percent = 150.0))]
    requests_in_flight: Family<RequestLabels, Gauge>,
}

fn main() {}
