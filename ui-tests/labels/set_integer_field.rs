//! Integers are unbounded: the message suggests an enum of classes.

use promstrict::{LabelSet, LabelValue};

#[derive(Clone, Copy, LabelValue)]
enum Method {
    Get,
    Post,
}

#[derive(Clone, Copy, LabelSet)]
struct RequestLabels {
    method: Method,
    status: u16,
}

fn main() {}
