//! Label names come from field names.

use metrics_runtime::{LabelSet, LabelValue};

#[derive(Clone, Copy, LabelValue)]
enum Method {
    Get,
    Post,
}

#[derive(Clone, Copy, LabelSet)]
struct RequestLabels(Method, bool);

fn main() {}
