//! An empty label value reads as a missing label.

use promstrict::LabelValue;

#[derive(Clone, Copy, LabelValue)]
enum Method {
    #[label(name = "")]
    Get,
    Post,
}

fn main() {}
