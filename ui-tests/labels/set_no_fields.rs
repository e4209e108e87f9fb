//! A label set without labels is pointless.

use metrics_runtime::LabelSet;

#[derive(Clone, Copy, LabelSet)]
struct NoLabels {}

fn main() {}
