//! Unknown `#[label]` keys list the valid ones.

use metrics_runtime::LabelValue;

#[derive(Clone, Copy, LabelValue)]
enum Method {
    #[label(rename = "GET")]
    Get,
    Post,
}

fn main() {}
