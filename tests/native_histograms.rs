//! Native histograms and the protobuf exposition, judged by a real
//! Prometheus started with `--enable-feature=native-histograms`: it scrapes
//! an in-process exporter over protobuf, and its PromQL reads our native
//! histogram (count, sum, rate, quantiles within the bucket of the observed
//! values, and the same quantiles as our `histogram_quantile_native`), our
//! classic histogram, counter, gauge, summary, info, state set and gauge
//! histogram. The text formats'
//! view of a native histogram (count, sum and `+Inf`) passes promtool and
//! Python's strict OpenMetrics parser, and `#[derive(Metrics)]` builds
//! native histograms from `#[metric(native(…))]`.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use metrics_toolkit::{
    free_loopback_port, http_request, percent_encode, poll_until, prometheus_server,
    promtool_check_metrics, python_parse_openmetrics, spawn_prometheus, StopOnDrop, TempDir,
};
use promstrict::promql::{histogram_quantile_native, rate_native, NativeBuckets, NativeSample};
use promstrict::{
    protobuf, Buckets, Counter, Exporter, Family, Format, Gauge, GaugeHistogram, Histogram, Info,
    LabelSet, LabelValue, Metrics, NativeHistogram, NativeOptions, NativeSnapshot, Registry,
    StateSet, Summary,
};
use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
enum Breaker {
    Closed,
    Open,
}

/// Most observations: 4 in 5.
const COMMON: f64 = 0.3;
/// The rest.
const RARE: f64 = 5.0;
const SCHEMA: i32 = 3;

/// `(lower, upper]` of the bucket holding `v` at `SCHEMA`.
fn bucket_of(v: f64) -> (f64, f64) {
    let index = (v.log2() * f64::from(1 << SCHEMA)).ceil() as i32;
    let (lower, upper) = (
        NativeSnapshot::bucket_upper_bound(SCHEMA, index - 1),
        NativeSnapshot::bucket_upper_bound(SCHEMA, index),
    );
    assert!(lower < v && v <= upper);
    (lower, upper)
}

struct Shop {
    registry: Arc<Registry>,
    run: NativeHistogram,
    runs: Counter,
}

fn shop() -> Shop {
    let registry = Arc::new(Registry::new());
    let run = registry
        .register(
            "run_seconds",
            "Run time.",
            NativeHistogram::new(NativeOptions::new(SCHEMA, 160, 1e-9).unwrap()),
        )
        .unwrap();
    let runs = registry
        .register("runs_total", "Runs.", Counter::new())
        .unwrap();
    let classic = registry
        .register(
            "classic_seconds",
            "Classic buckets.",
            Histogram::new(Buckets::new(&[0.1, 1.0]).unwrap()),
        )
        .unwrap();
    for v in [0.05, 0.5, 0.7, 3.0] {
        classic.observe(v);
    }
    registry
        .register("jobs_total", "Jobs.", Counter::new())
        .unwrap()
        .inc_by(7);
    registry
        .register("queue_depth", "Queue depth.", Gauge::new())
        .unwrap()
        .set(-4);
    let sizes = registry
        .register("payload_bytes", "Payload sizes.", Summary::default())
        .unwrap();
    sizes.observe(100.0);
    sizes.observe(300.0);
    registry
        .register(
            "shop_build_info",
            "Build.",
            Info::new([("version", "1.2")]).unwrap(),
        )
        .unwrap();
    registry
        .register(
            "breaker",
            "The payment breaker.",
            StateSet::new(Breaker::Closed),
        )
        .unwrap()
        .set(Breaker::Open);
    let jobs = registry
        .register(
            "queue_job_bytes",
            "Queued jobs by size.",
            GaugeHistogram::new(Buckets::new(&[10.0]).unwrap()),
        )
        .unwrap();
    jobs.add(5.0);
    jobs.add(50.0);
    Shop {
        registry,
        run,
        runs,
    }
}

fn observe(shop: &Shop, n: u64) -> f64 {
    let v = if n % 5 == 4 { RARE } else { COMMON };
    shop.run.observe(v);
    shop.runs.inc();
    v
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// The single value of an instant query, if it has one.
fn query(prometheus: SocketAddr, q: &str, time: Option<f64>) -> Option<f64> {
    let mut target = format!("/api/v1/query?query={}", percent_encode(q));
    if let Some(time) = time {
        target.push_str(&format!("&time={time:.3}"));
    }
    let response = http_request(prometheus, "GET", &target, &[]).ok()?;
    if response.status != 200 {
        return None;
    }
    let json: Value = serde_json::from_slice(&response.body).ok()?;
    let result = json["data"]["result"].as_array()?;
    let [sample] = result.as_slice() else {
        return None;
    };
    sample["value"][1].as_str()?.parse().ok()
}

/// The raw native samples of `selector` (a range selector such as
/// `run_seconds[1m]`) at `time`, as Prometheus stored them, read back into
/// buckets at `schema` (the API gives each bucket's bounds, not its index).
fn raw_native(prometheus: SocketAddr, selector: &str, time: f64, schema: i32) -> Vec<NativeSample> {
    let target = format!(
        "/api/v1/query?query={}&time={time:.3}",
        percent_encode(selector)
    );
    let response = http_request(prometheus, "GET", &target, &[]).unwrap();
    assert_eq!(response.status, 200);
    let json: Value = serde_json::from_slice(&response.body).unwrap();
    let series = json["data"]["result"].as_array().unwrap();
    assert_eq!(series.len(), 1, "{json}");
    let number = |v: &Value| -> f64 { v.as_str().unwrap().parse().unwrap() };
    series[0]["histograms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|point| {
            let h = &point[1];
            let mut buckets = NativeBuckets {
                schema,
                zero_threshold: 1e-9,
                count: number(&h["count"]),
                sum: number(&h["sum"]),
                ..NativeBuckets::default()
            };
            for b in h["buckets"].as_array().into_iter().flatten() {
                let (lower, upper, count) = (number(&b[1]), number(&b[2]), number(&b[3]));
                if lower < 0.0 && upper > 0.0 {
                    buckets.zero_count += count;
                } else {
                    assert!(lower > 0.0, "only positive observations: {b}");
                    let index = (upper.log2() * f64::from(1 << schema)).round() as i32;
                    assert_eq!(NativeSnapshot::bucket_upper_bound(schema, index), upper);
                    buckets.positive.push((index, count));
                }
            }
            NativeSample {
                t: point[0].as_f64().unwrap(),
                h: buckets,
            }
        })
        .collect()
}

#[test]
fn prometheus_reads_native_histograms_over_protobuf() {
    let Some(prometheus_bin) = prometheus_server() else {
        return;
    };
    let shop = Arc::new(shop());
    let exporter = Exporter::builder()
        .addr("127.0.0.1:0")
        .registry(Arc::clone(&shop.registry))
        .process_metrics(false)
        .spawn_thread()
        .unwrap();
    let target = exporter.local_addr();

    let stop = Arc::new(AtomicBool::new(false));
    let _stop = StopOnDrop(Arc::clone(&stop));
    let observed = Arc::new(AtomicU64::new(0));
    let traffic = {
        let (stop, shop, observed) = (Arc::clone(&stop), Arc::clone(&shop), Arc::clone(&observed));
        std::thread::spawn(move || {
            let mut sum = 0.0;
            let mut n = 0;
            // At most 10 minutes' worth, whatever happens.
            while !stop.load(Ordering::Relaxed) && n < 120_000 {
                sum += observe(&shop, n);
                n += 1;
                observed.store(n, Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(5));
            }
            (n, sum)
        })
    };

    let dir = TempDir::new("native-prom");
    let prometheus: SocketAddr = ([127, 0, 0, 1], free_loopback_port()).into();
    let config = format!(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: shop\n    static_configs:\n      - targets: [\"{target}\"]\n"
    );
    let mut process = spawn_prometheus(
        &prometheus_bin,
        &dir.0,
        &config,
        prometheus,
        &["--enable-feature=native-histograms"],
        "prometheus.log",
    );
    let read_log = || std::fs::read_to_string(dir.0.join("prometheus.log")).unwrap_or_default();

    // Rates need two scrapes of a growing histogram.
    let at = poll_until(Duration::from_secs(60), Duration::from_millis(500), || {
        process.assert_running();
        let t = now();
        let count = query(
            prometheus,
            "histogram_count(rate(run_seconds[1m]))",
            Some(t),
        )?;
        (count > 0.0).then_some(t)
    })
    .unwrap_or_else(|| {
        panic!(
            "no native histogram rate in Prometheus; its log:\n{}",
            read_log()
        )
    });

    // The histogram's count rate is the rate of the counter incremented
    // with every observation (same scrapes, same extrapolation; a scrape may
    // fall between the two increments of one observation).
    let native_rate = query(
        prometheus,
        "histogram_count(rate(run_seconds[1m]))",
        Some(at),
    )
    .unwrap();
    let counter_rate = query(prometheus, "rate(runs_total[1m])", Some(at)).unwrap();
    assert!(
        (native_rate - counter_rate).abs() <= 0.05 * counter_rate,
        "histogram_count(rate) {native_rate} vs rate(runs_total) {counter_rate}"
    );
    // Our `rate_native` over the samples Prometheus stored gives its
    // `rate()`: the count rate and the quantiles of the rate, to rounding.
    // (Traffic started with the first scrapes, so the window's first
    // sample is small: a float counter's zero clamp would differ here.)
    // Queries give the time in milliseconds.
    let mut at_ours = (at * 1000.0).round() / 1000.0;
    let raw = loop {
        let raw = raw_native(prometheus, "run_seconds[1m]", at_ours, SCHEMA);
        // A sample exactly on the window's left edge is inside for
        // Prometheus 2, outside for `promql` (Prometheus 3): step past it.
        if raw.iter().any(|r| (r.t - (at_ours - 60.0)).abs() < 5e-4) {
            at_ours += 0.001;
            continue;
        }
        break raw;
    };
    assert!(raw.len() >= 2, "{raw:?}");
    // Prometheus subtracts times in integer milliseconds; near 1.8e9 s an
    // f64 carries only ~0.2 µs, so the times are taken from a nearby base.
    let base = at_ours.floor() - 120.0;
    let rebased: Vec<NativeSample> = raw
        .iter()
        .map(|r| NativeSample {
            t: ((r.t - base) * 1000.0).round() / 1000.0,
            h: r.h.clone(),
        })
        .collect();
    let ours = rate_native(&rebased, ((at_ours - base) * 1000.0).round() / 1000.0, 60.0).unwrap();
    let theirs = query(
        prometheus,
        "histogram_count(rate(run_seconds[1m]))",
        Some(at_ours),
    )
    .unwrap();
    assert!(
        (ours.count - theirs).abs() <= 1e-9 * theirs,
        "count rate: ours {}, Prometheus {theirs}; at {at_ours}, samples {:?}",
        ours.count,
        raw.iter().map(|r| (r.t, r.h.count)).collect::<Vec<_>>()
    );
    for q in [0.5, 0.9, 0.95, 0.99] {
        let theirs = query(
            prometheus,
            &format!("histogram_quantile({q}, rate(run_seconds[1m]))"),
            Some(at_ours),
        )
        .unwrap();
        let ours = histogram_quantile_native(q, &ours);
        assert!(
            (ours - theirs).abs() <= 1e-9 * theirs.abs(),
            "q={q} of the rate: ours {ours}, Prometheus {theirs}"
        );
    }

    // Four in five observations are COMMON: the median lies in its bucket,
    // the 0.95 quantile in RARE's.
    let median = query(
        prometheus,
        "histogram_quantile(0.5, rate(run_seconds[1m]))",
        Some(at),
    )
    .unwrap();
    let (lower, upper) = bucket_of(COMMON);
    assert!(
        lower <= median && median <= upper,
        "median {median} outside ({lower}, {upper}]"
    );
    let p95 = query(
        prometheus,
        "histogram_quantile(0.95, rate(run_seconds[1m]))",
        Some(at),
    )
    .unwrap();
    let (lower, upper) = bucket_of(RARE);
    assert!(
        lower <= p95 && p95 <= upper,
        "p95 {p95} outside ({lower}, {upper}]"
    );

    // Stop the traffic: the last scrape then holds exactly what was observed.
    stop.store(true, Ordering::Relaxed);
    let (n, sum) = traffic.join().unwrap();
    assert_eq!(observed.load(Ordering::Relaxed), n);
    let seen = poll_until(Duration::from_secs(30), Duration::from_millis(500), || {
        process.assert_running();
        let count = query(prometheus, "histogram_count(run_seconds)", None)?;
        (count == n as f64).then_some(count)
    });
    assert_eq!(seen, Some(n as f64), "Prometheus' log:\n{}", read_log());
    let stored_sum = query(prometheus, "histogram_sum(run_seconds)", None).unwrap();
    assert!(
        (stored_sum - sum).abs() <= 1e-9 * sum,
        "{stored_sum} vs {sum}"
    );

    // Our PromQL computes the same quantiles from the same buckets.
    let native = NativeBuckets::from(&shop.run.snapshot());
    for q in [0.01, 0.1, 0.5, 0.79, 0.8, 0.9, 0.99, 1.0] {
        let theirs = query(
            prometheus,
            &format!("histogram_quantile({q}, run_seconds)"),
            None,
        )
        .unwrap();
        let ours = histogram_quantile_native(q, &native);
        assert!(
            (ours - theirs).abs() <= 1e-12 * theirs.abs(),
            "q={q}: ours {ours}, Prometheus {theirs}"
        );
    }

    // Classic histograms, counters and gauges over protobuf.
    let value = |q: &str| query(prometheus, q, None);
    assert_eq!(value("classic_seconds_bucket{le=\"0.1\"}"), Some(1.0));
    assert_eq!(value("classic_seconds_bucket{le=\"1.0\"}"), Some(3.0));
    assert_eq!(value("classic_seconds_bucket{le=\"+Inf\"}"), Some(4.0));
    assert_eq!(value("classic_seconds_count"), Some(4.0));
    assert_eq!(value("classic_seconds_sum"), Some(4.25));
    assert_eq!(value("jobs_total"), Some(7.0));
    assert_eq!(value("queue_depth"), Some(-4.0));
    assert_eq!(value("payload_bytes_count"), Some(2.0));
    assert_eq!(value("payload_bytes_sum"), Some(400.0));
    assert_eq!(value("shop_build_info{version=\"1.2\"}"), Some(1.0));
    assert_eq!(value("breaker{breaker=\"open\"}"), Some(1.0));
    assert_eq!(value("breaker{breaker=\"closed\"}"), Some(0.0));
    assert_eq!(value("queue_job_bytes_bucket{le=\"10.0\"}"), Some(1.0));
    assert_eq!(value("queue_job_bytes_count"), Some(2.0));
    drop(process);
    drop(exporter);
}

#[test]
fn protobuf_bytes_decode_to_the_observed_values() {
    let shop = shop();
    let mut sum = 0.0;
    for n in 0..10 {
        sum += observe(&shop, n);
    }
    let families = protobuf::decode_delimited(&shop.registry.encode_protobuf()).unwrap();
    let names: Vec<&str> = families.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "run_seconds",
            "runs_total",
            "classic_seconds",
            "jobs_total",
            "queue_depth",
            "payload_bytes",
            "shop_build_info",
            "breaker",
            "queue_job_bytes"
        ]
    );
    let h = families[0].metric[0].histogram.as_ref().unwrap();
    assert_eq!(
        (h.sample_count, h.schema, h.zero_threshold),
        (10, SCHEMA, 1e-9)
    );
    assert_eq!(h.sample_sum, sum);
    // Two buckets: COMMON's with 8, RARE's with 2.
    let index = |v: f64| (v.log2() * 8.0).ceil() as i32;
    let gap = index(RARE) - index(COMMON) - 1;
    let spans: Vec<(i32, u32)> = h
        .positive_span
        .iter()
        .map(|s| (s.offset, s.length))
        .collect();
    assert_eq!(spans, vec![(index(COMMON), 1), (gap, 1)]);
    assert_eq!(h.positive_delta, vec![8, -6]);
}

#[test]
fn text_formats_of_a_native_histogram_pass_the_strict_parsers() {
    let shop = shop();
    for n in 0..10 {
        observe(&shop, n);
    }
    let text = shop.registry.encode(Format::Prometheus);
    assert!(
        text.contains("run_seconds_bucket{le=\"+Inf\"} 10\nrun_seconds_count 10\n"),
        "{text}"
    );
    promtool_check_metrics(&text).unwrap();
    let openmetrics = shop.registry.encode(Format::OpenMetrics);
    if let Some(json) = python_parse_openmetrics(&openmetrics).unwrap() {
        assert!(json.contains("[\"run_seconds_count\", {}, 10]"), "{json}");
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
enum Route {
    Home,
    Cart,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
struct RouteLabels {
    route: Route,
}

#[derive(Metrics)]
#[metrics(namespace = "shop")]
struct NativeMetrics {
    /// Request latency.
    #[metric(native(schema = 2, max_buckets = 40, zero_threshold = 1e-6))]
    request_duration_seconds: NativeHistogram,
    /// Latency by route, with classic buckets beside the native ones.
    #[metric(native(schema = -1), buckets = [0.1, 1.0])]
    route_duration_seconds: Family<RouteLabels, NativeHistogram>,
    /// Job time, with the default parameters.
    #[metric(native)]
    job_duration_seconds: NativeHistogram,
    /// Batch time, without an attribute.
    batch_duration_seconds: NativeHistogram,
}

#[test]
fn derived_native_histograms_take_their_parameters() {
    let registry = Registry::new();
    let m = NativeMetrics::register(&registry).unwrap();
    let options = m.request_duration_seconds.options();
    assert_eq!(
        (
            options.schema(),
            options.max_buckets(),
            options.zero_threshold()
        ),
        (2, 40, 1e-6)
    );
    let home = m
        .route_duration_seconds
        .labels(RouteLabels { route: Route::Home });
    assert_eq!(home.options().schema(), -1);
    assert_eq!(
        home.options().classic_buckets().map(Buckets::bounds),
        Some(&[0.1, 1.0][..])
    );
    home.observe(0.5);
    m.route_duration_seconds
        .labels(RouteLabels { route: Route::Cart });
    assert_eq!(m.job_duration_seconds.options(), &NativeOptions::default());
    assert_eq!(
        m.batch_duration_seconds.options(),
        &NativeOptions::default()
    );
    let text = registry.encode(Format::Prometheus);
    assert!(
        text.contains("shop_route_duration_seconds_bucket{route=\"home\",le=\"1.0\"} 1\n"),
        "{text}"
    );
    let families = protobuf::decode_delimited(&registry.encode_protobuf()).unwrap();
    let routes = &families[1];
    assert_eq!(routes.name, "shop_route_duration_seconds");
    let home = routes
        .metric
        .iter()
        .find(|m| m.label[0].value == "home")
        .unwrap();
    let h = home.histogram.as_ref().unwrap();
    assert_eq!((h.schema, h.sample_count, h.bucket.len()), (-1, 1, 2));
}

#[promstrict::instrument_latency(native(schema = 2, max_buckets = 160))]
fn native_bare(ms: u64) -> Result<(), ()> {
    std::thread::sleep(Duration::from_millis(ms));
    if ms == 0 {
        Err(())
    } else {
        Ok(())
    }
}

#[promstrict::instrument_latency(native, buckets = [0.001, 0.1], stream)]
fn native_bare_stream(n: u32) -> impl Iterator<Item = u32> {
    0..n
}

/// `#[instrument_latency(native)]`: the built-in duration (and first-item)
/// series of that function are native, with the calls still counted by
/// outcome; with `buckets` the classic buckets are kept beside.
#[test]
fn the_bare_form_records_native_histograms() {
    native_bare(12).unwrap();
    native_bare(0).unwrap_err();
    assert_eq!(native_bare_stream(3).count(), 3);
    let registry = promstrict::default_registry();
    let families = protobuf::decode_delimited(&registry.encode_protobuf()).unwrap();
    let series = |family: &str, function: &str| {
        let f = families
            .iter()
            .find(|f| f.name == family)
            .unwrap_or_else(|| panic!("no {family}"));
        f.metric
            .iter()
            .find(|m| {
                m.label
                    .iter()
                    .any(|l| l.name == "function" && l.value == function)
            })
            .unwrap_or_else(|| panic!("no {family} for {function}"))
            .clone()
    };
    let duration = series("function_duration_seconds", "native_bare");
    let h = duration.histogram.unwrap();
    assert_eq!((h.schema, h.sample_count), (2, 2));
    assert!(h.bucket.is_empty(), "no classic buckets: {h:?}");
    assert!(h.sample_sum >= 0.012);
    let populated: i64 = h
        .positive_delta
        .iter()
        .scan(0, |c, d| {
            *c += d;
            Some(*c)
        })
        .sum();
    // The 0 ms call may land in the zero bucket or a tiny positive one.
    assert_eq!(populated as u64 + h.zero_count, 2, "{h:?}");
    let calls = series("function_calls_total", "native_bare");
    assert!(calls.counter.is_some());

    let stream = series("function_duration_seconds", "native_bare_stream");
    let h = stream.histogram.unwrap();
    assert_eq!((h.schema, h.sample_count), (3, 1));
    // The classic buckets kept beside: 0.001, 0.1 (+Inf only with an exemplar).
    assert_eq!(h.bucket.len(), 2, "{h:?}");
    let first = series("function_first_item_seconds", "native_bare_stream");
    assert_eq!(first.histogram.unwrap().sample_count, 1);

    let text = registry.encode(Format::Prometheus);
    promtool_check_metrics(&text).unwrap();
    assert!(
        text.contains("function_duration_seconds_count{function=\"native_bare\","),
        "{text}"
    );
}

/// The compile errors of `ui-tests/native/` carry the messages
/// `NativeOptions::new` returns for the same values: one rule book.
#[test]
fn compile_time_and_run_time_messages_agree() {
    let zero = 2f64.powi(-128);
    let cases = [
        ("schema_too_high", NativeOptions::new(9, 160, zero)),
        ("schema_too_low", NativeOptions::new(-5, 160, zero)),
        ("max_buckets_zero", NativeOptions::new(3, 0, zero)),
        ("max_buckets_too_many", NativeOptions::new(3, 5000, zero)),
        ("zero_threshold_negative", NativeOptions::new(3, 160, -1e-9)),
    ];
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for (case, result) in cases {
        let stderr =
            std::fs::read_to_string(root.join(format!("ui-tests/native/{case}.stderr"))).unwrap();
        let message = format!("error: {}\n", result.unwrap_err());
        assert!(
            stderr.starts_with(&message),
            "{case}: {stderr}\nvs {message}"
        );
    }
}

#[allow(dead_code)]
#[path = "../examples/native_histograms.rs"]
mod native_example;

/// The example's distribution: four in five at 30 ms, one at 500 ms, so the
/// median sits in 30 ms's bucket and the 0.9 quantile in 500 ms's.
#[test]
fn the_example_observes_the_distribution_its_docs_state() {
    let h = NativeHistogram::new(NativeOptions::new(SCHEMA, 160, 1e-9).unwrap());
    for n in 0..100 {
        h.observe(native_example::latency_of(n));
    }
    let s = h.snapshot();
    let buckets = |b: &[(i32, u64)]| b.iter().map(|&(i, c)| (i, c as f64)).collect();
    let native = NativeBuckets {
        schema: s.schema,
        zero_threshold: s.zero_threshold,
        zero_count: s.zero_count as f64,
        count: s.count as f64,
        sum: s.sum,
        positive: buckets(&s.positive),
        negative: buckets(&s.negative),
    };
    let (lower, upper) = bucket_of(0.03);
    let median = histogram_quantile_native(0.5, &native);
    assert!(lower < median && median <= upper, "{median}");
    let (lower, upper) = bucket_of(0.5);
    let p90 = histogram_quantile_native(0.9, &native);
    assert!(lower < p90 && p90 <= upper, "{p90}");
}
