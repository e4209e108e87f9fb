//! `allow_high_cardinality_name` is a flag.

use promstrict::{LabelSet, LabelValue};

#[derive(Clone, Copy, LabelValue)]
enum Method {
    Get,
    Post,
}

#[derive(Clone, Copy, LabelSet)]
struct RequestLabels {
    method: Method,
    #[label(allow_high_cardinality_name = true)]
    user_id: bool,
}

fn main() {}
