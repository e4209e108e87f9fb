//! `LabelValue` is for fieldless enums, not unions.

use metrics_runtime::LabelValue;

#[derive(Clone, Copy, LabelValue)]
union Method {
    get: u8,
}

fn main() {}
