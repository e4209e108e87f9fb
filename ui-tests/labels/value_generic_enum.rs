//! A generic enum is not a closed set.

use metrics_runtime::LabelValue;

#[derive(Clone, Copy, LabelValue)]
enum Either<T> {
    Left,
    Right(T),
}

fn main() {}
