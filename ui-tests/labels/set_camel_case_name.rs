//! Label names are snake_case.

use metrics_runtime::{LabelSet, LabelValue};

#[derive(Clone, Copy, LabelValue)]
enum Method {
    Get,
    Post,
}

#[derive(Clone, Copy, LabelSet)]
struct RequestLabels {
    #[label(name = "httpMethod")]
    method: Method,
}

fn main() {}
