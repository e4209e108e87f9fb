//! A family just under the default limit (1 000) compiles, and so does one
//! over it with `max_cardinality` raised; a generic struct checks its limit
//! per instantiation.

use promstrict::{Counter, Family, Gauge, LabelSet, LabelValue, Metrics, Registry};

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
struct ThreeDigits {
    hundreds: Digit,
    tens: Digit,
    ones: Digit,
}

#[derive(Clone, Copy, LabelSet)]
struct ThreeDigitsAndFlag {
    hundreds: Digit,
    tens: Digit,
    ones: Digit,
    odd: bool,
}

#[derive(Metrics)]
struct Lookups {
    /// Exactly at the default limit.
    lookups_total: Family<ThreeDigits, Counter>,
    /// Over it, with the limit raised.
    #[metric(max_cardinality = 2_000)]
    flagged_lookups_total: Family<ThreeDigitsAndFlag, Counter>,
}

#[derive(Metrics)]
struct PerLabels<L: LabelSet> {
    /// Per label combination.
    #[metric(max_cardinality = 1000)]
    values: Family<L, Gauge>,
}

fn main() {
    let registry = Registry::new();
    let l = Lookups::register(&registry).unwrap();
    let digits = ThreeDigits {
        hundreds: Digit::D9,
        tens: Digit::D9,
        ones: Digit::D9,
    };
    l.lookups_total.labels(digits).inc();
    assert_eq!(l.lookups_total.labels(digits).get(), 1);
    let p = PerLabels::<ThreeDigits>::register(&registry).unwrap();
    p.values.labels(digits).set(7);
    let _ = (
        Digit::D0,
        Digit::D1,
        Digit::D2,
        Digit::D3,
        Digit::D4,
        Digit::D5,
        Digit::D6,
        Digit::D7,
        Digit::D8,
    );
    let _ = ThreeDigitsAndFlag {
        hundreds: Digit::D0,
        tens: Digit::D0,
        ones: Digit::D0,
        odd: false,
    };
}
