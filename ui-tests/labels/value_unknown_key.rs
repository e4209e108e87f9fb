//! Unknown `#[label]` keys list the valid ones.

use promstrict::LabelValue;

#[derive(Clone, Copy, LabelValue)]
enum Method {
    #[label(rename = "GET")]
    Get,
    Post,
}

fn main() {}
