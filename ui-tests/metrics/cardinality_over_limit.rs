//! A family over the default limit (1 000) fails to compile, naming the metric, on the label type.

use promstrict::{Counter, Family, LabelSet, LabelValue, Metrics};

#[derive(Clone, Copy, LabelValue)]
enum Digit {
    D0,
    D1,
    D2,
    D3,
    D4,
    D5,
    D6,
    D7,
    D8,
    D9,
}

#[derive(Clone, Copy, LabelSet)]
struct Digits {
    hundreds: Digit,
    tens: Digit,
    ones: Digit,
    odd: bool,
}

#[derive(Metrics)]
struct AppMetrics {
    /// Lookups.
    lookups_total: Family<Digits, Counter>,
}

fn main() {}
