//! Label names starting with `_` are reserved.

use promstrict::{LabelSet, LabelValue};

#[derive(Clone, Copy, LabelValue)]
enum Method {
    Get,
    Post,
}

#[derive(Clone, Copy, LabelSet)]
struct RequestLabels {
    #[label(name = "_method")]
    method: Method,
}

fn main() {}
