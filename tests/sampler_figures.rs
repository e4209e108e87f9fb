//! The sampler's derived figures are PromQL's: `rate`, `irate` and
//! `histogram_quantile(q, rate(x_bucket[w]))` over the buffered samples,
//! computed the same way as [`promstrict::promql`] over the same series.

use std::time::Duration;

use promstrict::promql::{self, Bucket, Sample};
use promstrict::sampler::{
    AlertEngine, AlertRule, AlertStatus, DistributionKind, SampleError, Sampler, SamplerConfig,
    Snapshot, SnapshotValue,
};
use promstrict::{Buckets, Counter, Format, Gauge, Histogram, Registry};

fn sampler(interval_ms: u64, window_s: u64) -> Sampler {
    Sampler::new(SamplerConfig {
        interval: Duration::from_millis(interval_ms),
        window: Duration::from_secs(window_s),
        ..SamplerConfig::default()
    })
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

#[test]
fn counter_rate_and_irate_are_promqls() {
    let mut s = sampler(1_000, 10);
    // An irregular counter: the increments vary, so rate and irate differ.
    let values = [
        0.0, 3.0, 3.0, 10.0, 11.0, 20.0, 20.0, 21.0, 35.0, 40.0, 41.0, 50.0, 58.0,
    ];
    let mut history = Vec::new();
    for (i, v) in values.iter().enumerate() {
        let t = i as f64;
        s.record(t, &Snapshot::new().counter("jobs_total", &[], *v))
            .unwrap();
        history.push(Sample { t, v: *v });
    }
    let at = 12.0;
    let c = s.counters()[0];
    assert_eq!(c.total, 58.0);
    assert_eq!(c.rate, promql::rate(&history, at, 10.0));
    assert_eq!(c.irate, promql::irate(&history, at, 10.0));
    assert_eq!(c.irate, Some(8.0));
    // (2, 12] holds 10 … 58 at t = 3 … 12: an increase of 48 over 9 s,
    // extrapolated to the window's start one interval earlier: 48 × 10/9 / 10 s.
    assert!(close(c.rate.unwrap(), 48.0 / 9.0), "{:?}", c.rate);
    assert!(!c.stale);
    assert_eq!(s.rate("jobs_total"), c.rate);
    assert_eq!(s.irate("jobs_total"), c.irate);
    assert_eq!(s.uptime(), 12.0);
}

#[test]
fn a_counter_reset_is_corrected_not_negative() {
    let mut s = sampler(1_000, 10);
    // The target restarts between t = 4 and t = 5.
    let values = [100.0, 110.0, 120.0, 130.0, 140.0, 5.0, 15.0, 25.0];
    let mut history = Vec::new();
    for (i, v) in values.iter().enumerate() {
        let t = i as f64;
        s.record(t, &Snapshot::new().counter("jobs_total", &[], *v))
            .unwrap();
        history.push(Sample { t, v: *v });
    }
    let c = s.counters()[0];
    assert_eq!(c.rate, promql::rate(&history, 7.0, 10.0));
    assert!(c.rate.unwrap() > 0.0);
    assert_eq!(c.irate, Some(10.0));
    assert_eq!(promql::resets(&history, 7.0, 10.0), Some(1.0));
}

#[test]
fn one_sample_gives_no_rate_yet() {
    let mut s = sampler(250, 10);
    s.record(0.25, &Snapshot::new().counter("jobs_total", &[], 5.0))
        .unwrap();
    let c = s.counters()[0];
    assert_eq!((c.total, c.rate, c.irate), (5.0, None, None));
    assert_eq!(s.rate("jobs_total"), None);
    assert_eq!(s.rate("missing_total"), None);
    assert_eq!(s.total("missing_total"), None);
}

#[test]
fn only_the_window_counts() {
    let mut s = sampler(1_000, 5);
    // Fast at first, then stopped: after a whole window without increments
    // the rate is exactly 0, not an average since start.
    for i in 0..20 {
        let v = if i < 10 { f64::from(i) * 100.0 } else { 900.0 };
        s.record(f64::from(i), &Snapshot::new().counter("jobs_total", &[], v))
            .unwrap();
    }
    assert_eq!(s.rate("jobs_total"), Some(0.0));
    assert_eq!(s.irate("jobs_total"), Some(0.0));
    assert_eq!(s.total("jobs_total"), Some(900.0));
}

#[test]
fn family_sums_add_label_sets() {
    let mut s = sampler(1_000, 10);
    for i in 0..=10 {
        let t = f64::from(i);
        let snap = Snapshot::new()
            .counter("requests_total", &[("code", "200")], 3.0 * t)
            .counter("requests_total", &[("code", "500")], t)
            .gauge("in_flight", &[("pool", "a")], 2.0)
            .gauge("in_flight", &[("pool", "b")], 5.0);
        s.record(t, &snap).unwrap();
    }
    assert_eq!(s.total("requests_total"), Some(40.0));
    assert!(close(s.rate("requests_total").unwrap(), 4.0));
    assert_eq!(s.total("in_flight"), Some(7.0));
    let counters = s.counters();
    assert_eq!(counters.len(), 2);
    assert_eq!(counters[1].labels, &[("code".to_owned(), "500".to_owned())]);
}

/// Cumulative buckets at `le` 0.1, 0.5, 1, +Inf for `n` observations per
/// second spread as 10 % / 60 % / 25 % / 5 %.
fn latency(t: f64) -> Vec<(f64, f64)> {
    let n = 20.0 * t;
    vec![
        (0.1, 0.10 * n),
        (0.5, 0.70 * n),
        (1.0, 0.95 * n),
        (f64::INFINITY, n),
    ]
}

#[test]
fn histogram_quantiles_are_histogram_quantile_of_bucket_rates() {
    let mut s = sampler(1_000, 10);
    let mut rings: Vec<Vec<Sample>> = vec![Vec::new(); 4];
    for i in 0..=12 {
        let t = f64::from(i);
        let buckets = latency(t);
        for (ring, (_, c)) in rings.iter_mut().zip(&buckets) {
            ring.push(Sample { t, v: *c });
        }
        let snap =
            Snapshot::new().histogram("latency_seconds", &[("route", "/a")], &buckets, 7.0 * t);
        s.record(t, &snap).unwrap();
    }
    let at = 12.0;
    let rates: Vec<Bucket> = [0.1, 0.5, 1.0, f64::INFINITY]
        .iter()
        .zip(&rings)
        .map(|(le, r)| Bucket {
            upper_bound: *le,
            count: promql::rate(r, at, 10.0).unwrap(),
        })
        .collect();
    let d = s.distributions()[0];
    assert_eq!(d.kind, DistributionKind::Histogram);
    assert_eq!(d.count, 240.0);
    assert_eq!(d.sum, 84.0);
    for (q, got) in [
        (0.5, d.window.p50),
        (0.95, d.window.p95),
        (0.99, d.window.p99),
    ] {
        assert_eq!(got, promql::histogram_quantile(q, &rates), "q={q}");
    }
    // p50 falls in (0.1, 0.5]: 0.1 + 0.4 × (0.5 - 0.1) / 0.6.
    assert!(close(d.window.p50.unwrap(), 0.1 + 0.4 * 0.4 / 0.6));
    // p99 falls in +Inf: the highest finite bound.
    assert_eq!(d.window.p99, Some(1.0));
    assert!(close(d.rate.unwrap(), 20.0));
    assert!(close(d.mean.unwrap(), 7.0 / 20.0));
    // Same distribution since start.
    assert!(close(d.lifetime.p50.unwrap(), d.window.p50.unwrap()));
    // The family-level quantile (sum by le over label sets) agrees.
    assert_eq!(s.quantile("latency_seconds", 0.5), d.window.p50);
    assert_eq!(s.total("latency_seconds_count"), Some(240.0));
    assert!(close(s.rate("latency_seconds_count").unwrap(), 20.0));
}

#[test]
fn idle_histograms_have_no_window_quantile_but_keep_the_lifetime_one() {
    let mut s = sampler(1_000, 5);
    for i in 0..=20 {
        let t = f64::from(i);
        // Observations stop at t = 5.
        let buckets = latency(t.min(5.0));
        s.record(
            t,
            &Snapshot::new().histogram("latency_seconds", &[], &buckets, 1.0),
        )
        .unwrap();
    }
    let d = s.distributions()[0];
    assert_eq!(d.window.p95, None);
    assert_eq!(d.mean, None);
    assert_eq!(d.rate, Some(0.0));
    assert!(d.lifetime.p95.is_some());
    assert_eq!(s.quantile("latency_seconds", 0.95), None);
}

#[test]
fn reading_a_registry_changes_nothing_and_sees_everything() {
    let registry = Registry::new();
    let jobs = registry
        .register("jobs_total", "Jobs.", Counter::new())
        .unwrap();
    let depth = registry
        .register("queue_depth", "Depth.", Gauge::new())
        .unwrap();
    let latency = registry
        .register(
            "job_duration_seconds",
            "Latency.",
            Histogram::new(Buckets::new(&[0.1, 1.0]).unwrap()),
        )
        .unwrap();
    let mut s = sampler(1_000, 10);
    for i in 0..=10 {
        jobs.inc_by(5);
        depth.set(i);
        latency.observe(0.05);
        latency.observe(0.5);
        let before = registry.encode(Format::Prometheus);
        s.record_registry(f64::from(i as i32), &registry).unwrap();
        assert_eq!(
            registry.encode(Format::Prometheus),
            before,
            "the sampler wrote"
        );
    }
    assert_eq!(s.total("jobs_total"), Some(55.0));
    assert!(close(s.rate("jobs_total").unwrap(), 5.0));
    assert_eq!(s.gauges()[0].value, 10.0);
    let d = s.distributions()[0];
    assert_eq!(d.name, "job_duration_seconds");
    assert_eq!(d.count, 22.0);
    assert!(close(d.window.p50.unwrap(), 0.1));
    // The same reading through an owned snapshot gives the same series.
    let snap = Snapshot::from_registry(&registry);
    let SnapshotValue::Histogram {
        buckets,
        count,
        sum,
    } = &snap.find("job_duration_seconds", &[]).unwrap().value
    else {
        panic!("not a histogram");
    };
    assert_eq!(buckets, &[(0.1, 11.0), (1.0, 22.0), (f64::INFINITY, 22.0)]);
    assert_eq!(*count, 22.0);
    assert!(close(*sum, 11.0 * 0.55));
    assert_eq!(
        snap.find("jobs_total", &[]).unwrap().value,
        SnapshotValue::Counter(55.0)
    );
}

/// A native histogram read from a registry: its window quantiles are
/// `histogram_quantile(q, rate(x[w]))` over its buckets (`promql::rate_native`),
/// not a count-only classic view.
#[test]
fn native_histograms_from_a_registry_get_quantiles() {
    use promstrict::promql::{histogram_quantile_native, rate_native, NativeBuckets, NativeSample};
    use promstrict::{NativeHistogram, NativeOptions};

    let registry = Registry::new();
    let latency = registry
        .register(
            "rpc_duration_seconds",
            "RPC latency.",
            NativeHistogram::new(NativeOptions::new(3, 160, 1e-9).unwrap()),
        )
        .unwrap();
    let mut s = sampler(1_000, 10);
    let mut history = Vec::new();
    for i in 0..=20 {
        // Nine fast calls and one slow one per second; only slow ones
        // after t = 15, which moves the window's quantiles up.
        for k in 0..10 {
            latency.observe(if i > 15 || k == 9 { 0.8 } else { 0.02 });
        }
        let t = f64::from(i);
        s.record_registry(t, &registry).unwrap();
        history.push(NativeSample {
            t,
            h: NativeBuckets::from(&latency.snapshot()),
        });
    }
    let d = s.distributions()[0];
    assert_eq!(d.name, "rpc_duration_seconds");
    assert_eq!(d.kind, DistributionKind::Histogram);
    assert_eq!(d.count, 210.0);
    let rate = rate_native(&history, 20.0, 10.0).unwrap();
    assert!(
        close(d.rate.unwrap(), rate.count),
        "{:?} vs {}",
        d.rate,
        rate.count
    );
    for (ours, q) in [
        (d.window.p50, 0.5),
        (d.window.p95, 0.95),
        (d.window.p99, 0.99),
    ] {
        assert!(
            close(ours.unwrap(), histogram_quantile_native(q, &rate)),
            "q={q}"
        );
    }
    assert!(close(
        s.quantile("rpc_duration_seconds", 0.5).unwrap(),
        histogram_quantile_native(0.5, &rate)
    ));
    // Over the window half the calls were slow: the median is in 0.8's
    // bucket; over the whole life most were fast.
    let p50 = d.window.p50.unwrap();
    assert!((0.7..=0.8).contains(&p50), "{p50}");
    assert!(d.lifetime.p50.unwrap() < 0.03);
    assert_eq!(s.total("rpc_duration_seconds_count"), Some(210.0));
}

#[test]
fn snapshots_must_move_forward_in_time() {
    let mut s = sampler(1_000, 10);
    let snap = Snapshot::new().counter("x_total", &[], 1.0);
    s.record(1.0, &snap).unwrap();
    assert_eq!(
        s.record(1.0, &snap),
        Err(SampleError::OutOfOrder { last: 1.0, t: 1.0 })
    );
    assert!(s.record(0.5, &snap).is_err());
    assert!(matches!(
        s.record(f64::NAN, &snap),
        Err(SampleError::InvalidTime(_))
    ));
    assert_eq!(s.snapshots(), 1);
}

#[test]
fn a_series_that_changes_type_starts_over() {
    let mut s = sampler(1_000, 10);
    s.record(0.0, &Snapshot::new().counter("x", &[], 1.0))
        .unwrap();
    s.record(1.0, &Snapshot::new().counter("x", &[], 2.0))
        .unwrap();
    s.record(2.0, &Snapshot::new().gauge("x", &[], 7.0))
        .unwrap();
    assert!(s.counters().is_empty());
    assert_eq!(s.gauges()[0].value, 7.0);
    assert_eq!(s.memory().series, 1);
    assert_eq!(s.memory().samples, 1);
}

#[test]
fn duplicate_series_in_one_snapshot_count_once() {
    let mut s = sampler(1_000, 10);
    let snap = Snapshot::new()
        .counter("x_total", &[], 1.0)
        .counter("x_total", &[], 100.0);
    s.record(0.0, &snap).unwrap();
    assert_eq!(s.total("x_total"), Some(1.0));
    assert_eq!(s.memory().samples, 1);
}

#[test]
fn alerts_go_pending_then_firing_then_back_to_ok() {
    let mut s = sampler(1_000, 5);
    let mut alerts = AlertEngine::new(vec![
        AlertRule::ratio_above("HighErrorRate", "failed_total", "processed_total", 0.05),
        AlertRule::stalled("Stalled", "processed_total").for_duration(Duration::from_secs(3)),
        AlertRule::quantile_above("HighLatency", "latency_seconds", 0.95, 0.9),
        AlertRule::gauge_above("Backlog", "queue_depth", 10.0),
    ]);
    let mut processed = 0.0;
    let mut failed = 0.0;
    let mut states = Vec::new();
    for i in 0..=25 {
        let t = f64::from(i);
        if i <= 10 {
            processed += 6.0;
            failed += 1.0;
        }
        let snap = Snapshot::new()
            .counter("processed_total", &[], processed)
            .counter("failed_total", &[], failed)
            .histogram("latency_seconds", &[], &latency(t.min(10.0)), 1.0)
            .gauge("queue_depth", &[], if i < 3 { 20.0 } else { 0.0 });
        s.record(t, &snap).unwrap();
        alerts.evaluate(&s);
        let st: Vec<AlertStatus> = alerts.iter().map(|(_, st)| st.status).collect();
        states.push(st);
    }
    let (error_rate, stalled, latency_alert, backlog) = (0, 1, 2, 3);
    // 1 in 6 failing: 16.7 % > 5 %, from the second snapshot on.
    assert_eq!(
        states[0][error_rate],
        AlertStatus::Inactive,
        "one sample: no rate"
    );
    assert_eq!(states[5][error_rate], AlertStatus::Firing);
    let (_, st) = alerts.iter().next().unwrap();
    // No traffic in the window at the end: 0/0, no alert (as in Prometheus).
    assert_eq!(st.status, AlertStatus::Inactive);
    assert!(st.value.unwrap().is_nan());
    // The last increment lands at t = 10; the window (9, 14] is the first
    // with no increase in it, and the rule fires 3 s later.
    assert_eq!(states[13][stalled], AlertStatus::Inactive);
    assert_eq!(states[14][stalled], AlertStatus::Pending);
    assert_eq!(states[16][stalled], AlertStatus::Pending);
    assert_eq!(states[17][stalled], AlertStatus::Firing);
    assert_eq!(states[25][stalled], AlertStatus::Firing);
    // p95 of the latency buckets is 1.0 (in the +Inf bucket): over 0.9.
    assert_eq!(states[5][latency_alert], AlertStatus::Firing);
    assert_eq!(states[25][latency_alert], AlertStatus::Inactive);
    assert_eq!(states[0][backlog], AlertStatus::Firing);
    assert_eq!(states[3][backlog], AlertStatus::Inactive);
    assert_eq!(alerts.firing().collect::<Vec<_>>(), vec!["Stalled"]);
}

#[test]
fn promql_text_of_the_rules() {
    let rule = AlertRule::ratio_above("HighErrorRate", "a_total", "b_total", 0.05);
    assert_eq!(
        rule.condition.promql(300.0),
        "sum(rate(a_total[5m])) / sum(rate(b_total[5m])) > 0.05"
    );
    let rule = AlertRule::quantile_above("HighLatency", "d_seconds", 0.95, 2.0);
    assert_eq!(
        rule.condition.promql(10.0),
        "histogram_quantile(0.95, sum by (le) (rate(d_seconds_bucket[10s]))) > 2"
    );
    assert_eq!(
        AlertRule::stalled("S", "c_total").condition.promql(0.5),
        "sum(rate(c_total[500ms])) == 0"
    );
}
