//! Two variants encoded the same: reported on the second.

use metrics_runtime::LabelValue;

#[derive(Clone, Copy, LabelValue)]
enum Method {
    #[label(name = "get")]
    Fetch,
    Get,
}

fn main() {}
