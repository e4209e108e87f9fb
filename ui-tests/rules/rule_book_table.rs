//! The rule book's table, as the derive sees it: every name, label name and
//! bucket list here is refused at compile time with the message that
//! `Registry::register` returns at run time for the same input
//! (`tests/rule_book.rs` checks that both say the same thing).

use promstrict::{Counter, Family, Gauge, Histogram, Info, LabelSet, LabelValue, Metrics, Summary};

#[derive(Clone, Copy, LabelValue)]
enum Flag {
    On,
    Off,
}

#[derive(Clone, Copy, LabelSet)]
struct BadLabels {
    #[label(name = "le")]
    l0: Flag,
    #[label(name = "quantile")]
    l1: Flag,
    #[label(name = "job")]
    l2: Flag,
    #[label(name = "instance")]
    l3: Flag,
    #[label(name = "statusCode")]
    l4: Flag,
    #[label(name = "_method")]
    l5: Flag,
    #[label(name = "a__b")]
    l6: Flag,
}

#[derive(Metrics)]
struct BadNames {
    /// Row 0.
    #[metric(name = "httpRequests_total")]
    m0: Counter,
    /// Row 1.
    #[metric(name = "http:requests_total")]
    m1: Counter,
    /// Row 2.
    #[metric(name = "requests")]
    m2: Counter,
    /// Row 3.
    #[metric(name = "requests_total_total")]
    m3: Counter,
    /// Row 4.
    #[metric(name = "received_bits_total")]
    m4: Counter,
    /// Row 5.
    #[metric(name = "queue_total")]
    m5: Gauge,
    /// Row 6.
    #[metric(name = "memory_gauge")]
    m6: Gauge,
    /// Row 7.
    #[metric(name = "heap_kilobytes")]
    m7: Gauge,
    /// Row 8.
    #[metric(name = "jobs_count")]
    m8: Gauge,
    /// Row 9.
    #[metric(name = "cpu_usage_percent")]
    m9: Gauge,
    /// Row 10.
    #[metric(name = "latency_ms")]
    m10: Histogram,
    /// Row 11.
    #[metric(name = "request_duration_milliseconds")]
    m11: Histogram,
    /// Row 12.
    #[metric(name = "request_duration")]
    m12: Histogram,
    /// Row 13.
    #[metric(name = "last_run_timestamp_seconds")]
    m13: Histogram,
    /// Row 14.
    #[metric(name = "size_bucket")]
    m14: Summary,
    /// Row 15.
    #[metric(name = "build")]
    m15: Info,
    /// Row 16.
    #[metric(name = "5xx_responses_total")]
    m16: Counter,
    /// Row 17.
    #[metric(name = "_requests_total")]
    m17: Counter,
}

#[derive(Metrics)]
struct BadBuckets {
    /// Row 0.
    #[metric(buckets = [1.0, 0.5])]
    b0_seconds: Histogram,
    /// Row 1.
    #[metric(buckets = [])]
    b1_seconds: Histogram,
    /// Row 2.
    #[metric(buckets = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0])]
    b2_seconds: Histogram,
    /// Row 3.
    #[metric(buckets = exponential(0.0, 2.0, 4))]
    b3_seconds: Histogram,
    /// Row 4.
    #[metric(buckets = linear(1.0, 0.0, 3))]
    b4_seconds: Histogram,
    /// Row 5.
    #[metric(buckets = exponential(1.0, 2.0, 21))]
    b5_seconds: Histogram,
}

fn main() {
    let _ = (Flag::On, Flag::Off);
    let _: Option<Family<BadLabels, Counter>> = None;
    let _: Option<(Gauge, Summary, Info)> = None;
}
