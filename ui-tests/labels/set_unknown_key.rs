//! Unknown keys list the valid ones.

use promstrict::{LabelSet, LabelValue};

#[derive(Clone, Copy, LabelValue)]
enum Method {
    Get,
    Post,
}

#[derive(Clone, Copy, LabelSet)]
struct RequestLabels {
    #[label(rename = "verb")]
    method: Method,
}

fn main() {}
