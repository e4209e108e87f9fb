//! `LabelSet` is for structs; an enum wants `LabelValue`.

use metrics_runtime::LabelSet;

#[derive(Clone, Copy, LabelSet)]
enum Method {
    Get,
    Post,
}

fn main() {}
