//! An enum without variants has no values.

use promstrict::LabelValue;

#[derive(Clone, Copy, LabelValue)]
enum Never {}

fn main() {}
