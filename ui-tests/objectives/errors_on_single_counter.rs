//! An errors objective needs a counter family: a single counter has no label to tell bad events by.

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
    #[metric(objective(errors(status = "5xx"), percent = 99.9))]
    requests_total: Counter,
}

fn main() {}
