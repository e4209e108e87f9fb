//! The sampler's memory stays bounded whatever the target does: long runs,
//! more series than the cap, series that come and go.

use std::time::Duration;

use promstrict::sampler::{Sampler, SamplerConfig, Snapshot, SnapshotValue};
use promstrict::{Buckets, Counter, Gauge, Histogram, Registry};

fn config(max_series: usize) -> SamplerConfig {
    SamplerConfig {
        interval: Duration::from_secs(1),
        window: Duration::from_secs(10),
        max_series,
        samples_per_series: None,
    }
}

/// A million snapshots of a target with more series than the cap, where
/// some series keep appearing and disappearing: the buffers never hold more
/// than `max_series × ring_capacity` samples, nor more series than the cap.
#[test]
fn a_million_snapshots_never_exceed_the_bound() {
    const SNAPSHOTS: u32 = 1_000_000;
    let config = config(12);
    let capacity = config.ring_capacity();
    assert_eq!(capacity, 11);
    let bound = config.sample_bound();
    let mut sampler = Sampler::new(config);
    let buckets = [(0.1, 0.0), (0.5, 0.0), (1.0, 0.0), (f64::INFINITY, 0.0)];
    let mut max_samples = 0;
    let mut max_series = 0;
    let mut saw_untracked = false;
    let mut snapshot = Snapshot::new()
        .counter("requests_total", &[("method", "get")], 0.0)
        .counter("requests_total", &[("method", "post")], 0.0)
        .gauge("in_flight", &[], 0.0)
        .histogram("latency_seconds", &[], &buckets, 0.0)
        .counter("shard_total", &[("shard", "0")], 0.0)
        .counter("overflow_a_total", &[], 0.0)
        .counter("overflow_b_total", &[], 0.0);
    for i in 0..SNAPSHOTS {
        let v = f64::from(i);
        for (k, series) in snapshot.series_mut().iter_mut().enumerate() {
            series.value = match &series.value {
                SnapshotValue::Counter(_) if k == 1 => SnapshotValue::Counter(v * 2.0),
                SnapshotValue::Counter(_) => SnapshotValue::Counter(v),
                SnapshotValue::Gauge(_) => SnapshotValue::Gauge(v % 7.0),
                SnapshotValue::Histogram { buckets, .. } => SnapshotValue::Histogram {
                    buckets: buckets
                        .iter()
                        .enumerate()
                        .map(|(b, (le, _))| (*le, v * (b + 1) as f64))
                        .collect(),
                    count: v * buckets.len() as f64,
                    sum: v,
                },
                other => other.clone(),
            };
            // A churning label: a new value every 100 snapshots, so series
            // keep appearing (and old ones must be evicted to make room).
            if series.name == "shard_total" && i % 100 == 0 {
                series.labels[0].1 = (i / 100).to_string();
            }
        }
        sampler.record(v, &snapshot).unwrap();
        let memory = sampler.memory();
        assert!(memory.samples <= bound, "snapshot {i}: {memory:?}");
        assert!(
            memory.series <= memory.max_series,
            "snapshot {i}: {memory:?}"
        );
        max_samples = max_samples.max(memory.samples);
        max_series = max_series.max(memory.series);
        saw_untracked |= memory.untracked > 0;
    }
    assert!(saw_untracked, "the test must push past the cap");
    assert_eq!(max_series, 12, "the cap is used up, not exceeded");
    assert!(max_samples <= bound);
    // The tracked series still derive correct figures at the end.
    let rate = sampler.rate("requests_total").unwrap();
    assert!((rate - 3.0).abs() < 1e-9, "{rate}");
    assert_eq!(sampler.snapshots(), u64::from(SNAPSHOTS));
}

/// Reading a real registry with thousands of series (beyond the cap) keeps
/// the same bound, and says how many series it could not track.
#[test]
fn a_registry_with_many_series_is_capped() {
    let registry = Registry::new();
    let mut counters = Vec::new();
    for i in 0..3_000 {
        let c = registry
            .register(format!("c{i}_total"), "A counter.", Counter::new())
            .unwrap();
        counters.push(c);
    }
    let gauge = registry.register("g", "A gauge.", Gauge::new()).unwrap();
    let h = registry
        .register(
            "hist_seconds",
            "A histogram.",
            Histogram::new(Buckets::new(&[0.1, 1.0]).unwrap()),
        )
        .unwrap();
    let config = config(1_000);
    let bound = config.sample_bound();
    let mut sampler = Sampler::new(config);
    for step in 0..60 {
        for c in counters.iter().step_by(7) {
            c.inc();
        }
        gauge.set(step);
        h.observe(0.5);
        sampler
            .record_registry(f64::from(step as i32), &registry)
            .unwrap();
        let memory = sampler.memory();
        assert!(memory.samples <= bound, "{memory:?}");
        assert_eq!(memory.series, 1_000);
        // 3 000 counters + gauge + histogram (4 rings, admitted whole or not
        // at all) were offered; 1 000 rings fit.
        assert_eq!(memory.untracked, 2_002, "{memory:?}");
    }
    // First come, first tracked: the first thousand counters.
    let counters_seen = sampler.counters();
    assert_eq!(counters_seen.len(), 1_000);
    assert_eq!(counters_seen[0].name, "c0_total");
    assert_eq!(counters_seen[999].name, "c999_total");
    assert!(sampler.total("g").is_none());
}

/// A series that leaves the target frees its slots one window later, and a
/// waiting series takes them.
#[test]
fn gone_series_make_room_for_new_ones() {
    let mut sampler = Sampler::new(config(2));
    for t in 0..5 {
        let t = f64::from(t);
        let s = Snapshot::new()
            .counter("a_total", &[], t)
            .counter("b_total", &[], t)
            .counter("c_total", &[], t);
        sampler.record(t, &s).unwrap();
    }
    assert_eq!(sampler.memory().untracked, 1);
    assert!(sampler.total("c_total").is_none());
    // `b_total` disappears.
    for t in 5..30 {
        let t = f64::from(t);
        let s = Snapshot::new()
            .counter("a_total", &[], t)
            .counter("c_total", &[], t);
        sampler.record(t, &s).unwrap();
        let stale_b = sampler
            .counters()
            .iter()
            .any(|c| c.name == "b_total" && c.stale);
        if t < 14.0 {
            // Kept (and shown as gone) while its samples are in the window.
            assert!(stale_b, "t={t}");
            assert!(sampler.total("c_total").is_none(), "t={t}");
        }
    }
    assert!(sampler.total("b_total").is_none());
    assert_eq!(sampler.total("c_total"), Some(29.0));
    assert_eq!(sampler.memory().untracked, 0);
}
