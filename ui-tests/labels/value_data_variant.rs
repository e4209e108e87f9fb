//! Data-carrying variants would make the set open.

use metrics_runtime::LabelValue;

#[derive(Clone, Copy, LabelValue)]
enum Status {
    Ok,
    Code(u16),
}

fn main() {}
