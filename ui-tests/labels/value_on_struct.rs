//! `LabelValue` is for fieldless enums.

use metrics_runtime::LabelValue;

#[derive(Clone, Copy, LabelValue)]
struct Method {
    name: u8,
}

fn main() {}
