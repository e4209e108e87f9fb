//! `name` takes a string literal.

use promstrict::LabelValue;

#[derive(Clone, Copy, LabelValue)]
enum Status {
    #[label(name = 200)]
    Ok,
    Error,
}

fn main() {}
