//! Many threads, one metric: no increment is lost, and a scrape taken while
//! threads observe is self-consistent (`_count` equals the `+Inf` bucket and
//! buckets are cumulative), as strict parsers demand.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;

use metrics_toolkit::python_parse_openmetrics;
use promstrict::{
    Buckets, Counter, Family, Format, Gauge, Histogram, LabelDescriptor, LabelSet, LabelValue,
    Registry, Summary,
};

const THREADS: usize = 4;
const PER_THREAD: u64 = 1_000_000;

#[derive(Clone, Copy)]
struct Shard {
    odd: bool,
}
impl LabelSet for Shard {
    const LABELS: &'static [LabelDescriptor] = &[LabelDescriptor::of::<bool>("odd")];
    fn index(&self) -> usize {
        self.odd.index()
    }
}

#[test]
fn no_increment_is_lost() {
    let counter = Counter::<u64>::default();
    let float_counter = Counter::<f64>::default();
    let gauge = Gauge::<i64>::default();
    let float_gauge = Gauge::<f64>::default();
    let family: Family<Shard, Counter> = Family::default();
    let histogram = Histogram::new(Buckets::new(&[0.5, 1.5]).unwrap());
    let summary = Summary::default();
    thread::scope(|s| {
        for t in 0..THREADS {
            let (counter, float_counter, gauge, float_gauge, family, histogram, summary) = (
                &counter,
                &float_counter,
                &gauge,
                &float_gauge,
                &family,
                &histogram,
                &summary,
            );
            s.spawn(move || {
                let series = family.labels(Shard { odd: t % 2 == 1 });
                for i in 0..PER_THREAD {
                    counter.inc();
                    float_counter.inc();
                    gauge.inc();
                    gauge.dec();
                    float_gauge.add(1.0);
                    series.inc();
                    histogram.observe((i % 3) as f64);
                    summary.observe(1.0);
                }
            });
        }
    });
    let total = THREADS as u64 * PER_THREAD;
    assert_eq!(counter.get(), total);
    // Integers up to 2^53 are exact in f64, so float adds of 1.0 are exact too.
    assert_eq!(float_counter.get(), total as f64);
    assert_eq!(gauge.get(), 0);
    assert_eq!(float_gauge.get(), total as f64);
    let per_shard = (THREADS as u64 / 2) * PER_THREAD;
    assert_eq!(family.labels(Shard { odd: false }).get(), per_shard);
    assert_eq!(family.labels(Shard { odd: true }).get(), per_shard);
    assert_eq!(histogram.count(), total);
    let cumulative = histogram.cumulative();
    // i % 3 ∈ {0, 1, 2}: a third each in (-inf, 0.5], (0.5, 1.5], (1.5, +inf).
    let third = THREADS as u64 * PER_THREAD.div_ceil(3);
    assert_eq!(cumulative[0].1, third);
    assert_eq!(histogram.sum(), {
        let per_thread: u64 = (0..PER_THREAD).map(|i| i % 3).sum();
        (per_thread * THREADS as u64) as f64
    });
    assert_eq!(summary.count(), total);
    assert_eq!(summary.sum(), total as f64);
}

/// Parses the `_bucket`/`_count` lines of one unlabelled histogram.
fn check_histogram_consistency(text: &str, name: &str) -> u64 {
    let mut last_bucket = 0u64;
    let mut inf_bucket = None;
    let mut count = None;
    for line in text.lines() {
        let (sample, value) = line.rsplit_once(' ').unwrap();
        if sample.starts_with(&format!("{name}_bucket")) {
            let v: u64 = value.parse().unwrap();
            assert!(v >= last_bucket, "buckets not cumulative in\n{text}");
            last_bucket = v;
            if sample.contains("le=\"+Inf\"") {
                inf_bucket = Some(v);
            }
        } else if sample == format!("{name}_count") {
            count = Some(value.parse::<u64>().unwrap());
        }
    }
    let (inf, count) = (inf_bucket.expect("+Inf bucket"), count.expect("_count"));
    assert_eq!(inf, count, "_count differs from the +Inf bucket in\n{text}");
    count
}

#[test]
fn scrapes_during_observation_are_self_consistent() {
    let registry = Registry::new();
    let histogram: Histogram = registry
        .register(
            "work_duration_seconds",
            "Work latency.",
            Histogram::new(Buckets::new(&[0.001, 0.01, 0.1, 1.0]).unwrap()),
        )
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let values = [0.0005, 0.005, 0.05, 0.5, 5.0];
    let observers: Vec<_> = (0..2)
        .map(|t| {
            let (h, stop) = (histogram.clone(), Arc::clone(&stop));
            thread::spawn(move || {
                let mut n = 0u64;
                // Bounded in count as well as by the stop flag.
                while !stop.load(Ordering::Relaxed) && n < 50_000_000 {
                    h.observe(values[(n as usize + t) % values.len()]);
                    n += 1;
                }
                n
            })
        })
        .collect();
    let mut last_count = 0;
    let mut om_samples = Vec::new();
    for i in 0..2_000 {
        let text = registry.encode(Format::Prometheus);
        let count = check_histogram_consistency(&text, "work_duration_seconds");
        assert!(count >= last_count, "count went backwards");
        last_count = count;
        if i % 400 == 0 {
            om_samples.push(registry.encode(Format::OpenMetrics));
        }
    }
    stop.store(true, Ordering::Relaxed);
    let observed: u64 = observers.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(histogram.count(), observed);
    assert!(last_count > 0, "scrapes never overlapped observations");
    // The strict parser rejects `_count` != `+Inf`: let it judge some mid-flight scrapes.
    for text in om_samples {
        python_parse_openmetrics(&text).unwrap();
    }
}
