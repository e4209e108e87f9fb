//! A generic enum is not a closed set.

use promstrict::LabelValue;

#[derive(Clone, Copy, LabelValue)]
enum Either<T> {
    Left,
    Right(T),
}

fn main() {}
