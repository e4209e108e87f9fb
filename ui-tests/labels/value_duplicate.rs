//! Two variants encoded the same: reported on the second.

use promstrict::LabelValue;

#[derive(Clone, Copy, LabelValue)]
enum Method {
    #[label(name = "get")]
    Fetch,
    Get,
}

fn main() {}
