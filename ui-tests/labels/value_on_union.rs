//! `LabelValue` is for fieldless enums, not unions.

use promstrict::LabelValue;

#[derive(Clone, Copy, LabelValue)]
union Method {
    get: u8,
}

fn main() {}
