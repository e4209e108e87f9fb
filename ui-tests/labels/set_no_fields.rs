//! A label set without labels is pointless.

use promstrict::LabelSet;

#[derive(Clone, Copy, LabelSet)]
struct NoLabels {}

fn main() {}
