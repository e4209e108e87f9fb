//! Any other type fails through the trait bound, with the caret on the field type.
//! (A reference or a type parameter: for a plain struct rustc also lists every
//! `LabelValue` impl in the workspace, which changes whenever one is added.)

use promstrict::{LabelSet, LabelValue};

#[derive(Clone, Copy, LabelValue)]
enum Method {
    Get,
    Post,
}

#[derive(Clone, Copy, LabelSet)]
struct RequestLabels {
    method: &'static Method,
}

fn main() {}
