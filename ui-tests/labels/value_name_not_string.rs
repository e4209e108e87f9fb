//! `name` takes a string literal.

use metrics_runtime::LabelValue;

#[derive(Clone, Copy, LabelValue)]
enum Status {
    #[label(name = 200)]
    Ok,
    Error,
}

fn main() {}
