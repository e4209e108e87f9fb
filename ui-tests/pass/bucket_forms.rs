//! Every bucket form: literal lists (integers, negatives, exponents), the
//! three presets, `exponential` and `linear`, on histograms and families;
//! histograms without `buckets` get `Buckets::DEFAULT`.

use promstrict::{Buckets, Family, Format, Histogram, LabelSet, Metrics, Registry};

#[derive(Clone, Copy, LabelSet)]
struct Cached {
    hit: bool,
}

#[derive(Metrics)]
struct Buckety {
    /// Literal list.
    #[metric(buckets = [0.005, 0.01, 0.5, 1, 2.5e1])]
    literal_seconds: Histogram,
    /// Negative bounds are fine for values that can be negative.
    #[metric(buckets = [-10, -0.5, 0.0, 0.5, 10])]
    drift_celsius: Histogram,
    /// Preset.
    #[metric(buckets = "fast")]
    fast_seconds: Histogram,
    /// Preset.
    #[metric(buckets = "medium")]
    medium_seconds: Histogram,
    /// Preset.
    #[metric(buckets = "slow")]
    slow_seconds: Family<Cached, Histogram>,
    /// Generated.
    #[metric(buckets = exponential(0.001, 2, 20))]
    exponential_seconds: Histogram,
    /// Generated.
    #[metric(buckets = linear(-1.0, 0.5, 5))]
    linear_celsius: Family<Cached, Histogram>,
    /// Default.
    default_seconds: Histogram,
}

fn count_buckets(text: &str, name: &str) -> usize {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}_bucket")))
        .count()
}

fn main() {
    let registry = Registry::new();
    let b = Buckety::register(&registry).unwrap();
    for h in [
        &b.literal_seconds,
        &b.drift_celsius,
        &b.fast_seconds,
        &b.medium_seconds,
        &b.exponential_seconds,
        &b.default_seconds,
    ] {
        h.observe(0.1);
    }
    b.slow_seconds.labels(Cached { hit: true }).observe(1.0);
    b.linear_celsius.labels(Cached { hit: false }).observe(0.0);
    let text = registry.encode(Format::Prometheus);
    // Each histogram exposes one bucket per bound, plus `+Inf`.
    assert_eq!(count_buckets(&text, "literal_seconds"), 6);
    assert_eq!(count_buckets(&text, "drift_celsius"), 6);
    assert_eq!(
        count_buckets(&text, "fast_seconds"),
        Buckets::FAST.len() + 1
    );
    assert_eq!(
        count_buckets(&text, "medium_seconds"),
        Buckets::MEDIUM.len() + 1
    );
    assert_eq!(
        count_buckets(&text, "slow_seconds"),
        Buckets::SLOW.len() + 1
    );
    assert_eq!(count_buckets(&text, "exponential_seconds"), 21);
    assert_eq!(count_buckets(&text, "linear_celsius"), 6);
    assert_eq!(
        count_buckets(&text, "default_seconds"),
        Buckets::DEFAULT.len() + 1
    );
    assert!(
        text.contains("linear_celsius_bucket{hit=\"false\",le=\"-0.5\"} 0\n"),
        "{text}"
    );
    assert!(
        text.contains("exponential_seconds_bucket{le=\"0.128\"} 1\n"),
        "{text}"
    );
}
