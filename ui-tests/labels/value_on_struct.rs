//! `LabelValue` is for fieldless enums.

use promstrict::LabelValue;

#[derive(Clone, Copy, LabelValue)]
struct Method {
    name: u8,
}

fn main() {}
