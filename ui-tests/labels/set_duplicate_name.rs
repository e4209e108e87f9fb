//! Two labels with one name: reported on the second.

use promstrict::{LabelSet, LabelValue};

#[derive(Clone, Copy, LabelValue)]
enum Method {
    Get,
    Post,
}

#[derive(Clone, Copy, LabelSet)]
struct RequestLabels {
    method: Method,
    #[label(name = "method")]
    verb: Method,
}

fn main() {}
