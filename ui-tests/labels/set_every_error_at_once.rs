//! All errors of one item come out in one build.

use promstrict::{LabelSet, LabelValue};

#[derive(Clone, Copy, LabelValue)]
enum Method {
    Get,
    Post,
}

#[derive(Clone, Copy, LabelSet)]
struct RequestLabels {
    #[label(name = "Method")]
    method: Method,
    path: String,
    le: bool,
    #[label(name = "le")]
    bound: bool,
}

fn main() {}
