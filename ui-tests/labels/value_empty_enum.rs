//! An enum without variants has no values.

use metrics_runtime::LabelValue;

#[derive(Clone, Copy, LabelValue)]
enum Never {}

fn main() {}
