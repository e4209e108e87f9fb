//! Label names are snake_case.

use promstrict::{LabelSet, LabelValue};

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
