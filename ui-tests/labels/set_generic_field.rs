//! A type parameter without a `LabelValue` bound fails on the field type too.

use promstrict::LabelSet;

#[derive(Clone, Copy, LabelSet)]
struct RequestLabels<R: Copy + Send + Sync + 'static> {
    region: R,
}

fn main() {}
