//! `quantile` is reserved by summaries.

use promstrict::{LabelSet, LabelValue};

#[derive(Clone, Copy, LabelValue)]
enum Method {
    Get,
    Post,
}

#[derive(Clone, Copy, LabelSet)]
struct RequestLabels {
    method: Method,
    quantile: bool,
}

fn main() {}
