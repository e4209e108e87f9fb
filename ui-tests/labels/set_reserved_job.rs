//! `job` is set by Prometheus on scrape.

use metrics_runtime::{LabelSet, LabelValue};

#[derive(Clone, Copy, LabelValue)]
enum Method {
    Get,
    Post,
}

#[derive(Clone, Copy, LabelSet)]
struct RequestLabels {
    method: Method,
    job: bool,
}

fn main() {}
