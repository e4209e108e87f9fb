//! An empty label value reads as a missing label.

use metrics_runtime::LabelValue;

#[derive(Clone, Copy, LabelValue)]
enum Method {
    #[label(name = "")]
    Get,
    Post,
}

fn main() {}
