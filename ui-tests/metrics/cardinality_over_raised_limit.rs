//! A raised limit is still a limit.

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
    tens: Digit,
    ones: Digit,
}

#[derive(Metrics)]
struct AppMetrics {
    /// Lookups.
    #[metric(max_cardinality = 50)]
    lookups_total: Family<Digits, Counter>,
}

fn main() {}
