//! Data-carrying variants would make the set open.

use promstrict::LabelValue;

#[derive(Clone, Copy, LabelValue)]
enum Status {
    Ok,
    Code(u16),
}

fn main() {}
