//! Exemplars, `_created` samples, state sets and gauge histograms, judged by
//! parsers we did not write: Python's strict OpenMetrics parser reads every
//! exemplar back with its labels, value and timestamp; Prometheus' own Go
//! parser (`promtool tsdb create-blocks-from openmetrics`) takes the
//! exposition; a real Prometheus with exemplar storage returns our exemplars
//! from `/api/v1/query_exemplars`. And the trace of the current span reaches
//! `#[instrument_latency]`'s and the HTTP layer's series through the
//! OpenTelemetry and `tracing` sources, sampled traces only.

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use metrics_toolkit::{
    free_loopback_port, http_request, poll_until, prometheus_server, promtool,
    promtool_check_metrics, python_with_prometheus_client, spawn_prometheus, ChildGuard,
    StopOnDrop, TempDir,
};
use promstrict::{
    Buckets, Counter, ExemplarLabels, Exporter, Family, Format, GaugeHistogram, Histogram,
    LabelSet, LabelValue, Metrics, Registry, StateSet, Summary,
};
use serde_json::Value;

#[allow(dead_code)]
#[path = "../examples/exemplars.rs"]
mod exemplars_example;

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN: &str = "00f067aa0ba902b7";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
enum Breaker {
    Closed,
    Open,
    HalfOpen,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
enum Tier {
    Free,
    Paid,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
struct TierLabels {
    tier: Tier,
}

#[derive(Metrics)]
#[metrics(namespace = "shop")]
struct ShopMetrics {
    /// Orders placed.
    orders_total: Counter,
    /// Revenue, in euros.
    revenue_euros_total: Counter<f64>,
    /// Checkouts by tier.
    checkouts_total: Family<TierLabels, Counter>,
    /// Time to place an order.
    #[metric(buckets = [0.1, 0.5, 1.0])]
    checkout_duration_seconds: Histogram,
    /// Payload sizes.
    payload_bytes: Summary,
    /// The payment client's circuit breaker.
    payments_breaker: StateSet<Breaker>,
    /// Jobs waiting, by size.
    #[metric(buckets = [1024.0, 65536.0])]
    queue_job_size_bytes: GaugeHistogram,
}

fn shop() -> (Registry, ShopMetrics) {
    let registry = Registry::new();
    let m = ShopMetrics::register(&registry).unwrap();
    let trace = ExemplarLabels::trace(TRACE, SPAN).unwrap();
    m.orders_total.inc_by_with_exemplar(3, &trace);
    m.revenue_euros_total
        .inc_by_with_exemplar(19.5, &trace)
        .unwrap();
    m.checkouts_total
        .labels(TierLabels { tier: Tier::Paid })
        .inc_with_exemplar(&ExemplarLabels::new(&[("trace_id", "abc")]).unwrap());
    m.checkouts_total
        .labels(TierLabels { tier: Tier::Free })
        .inc();
    m.checkout_duration_seconds.observe(0.05);
    m.checkout_duration_seconds
        .observe_with_exemplar(0.3, &trace);
    m.checkout_duration_seconds
        .observe_with_exemplar(7.0, &ExemplarLabels::new(&[]).unwrap());
    m.payload_bytes.observe(512.0);
    assert!(m.payments_breaker.is(Breaker::Closed), "the first state");
    m.payments_breaker.set(Breaker::Open);
    m.payments_breaker.set(Breaker::HalfOpen);
    m.queue_job_size_bytes.add(2048.0);
    m.queue_job_size_bytes.add(100.0);
    (registry, m)
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

const READ_EXEMPLARS: &str = r#"
import json, math, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
out = []
for f in text_string_to_metric_families(sys.stdin.read()):
    for s in f.samples:
        e = s.exemplar
        out.append({"family": f.name, "type": f.type, "name": s.name, "labels": s.labels,
                    "value": s.value,
                    "exemplar": None if e is None else {"labels": e.labels, "value": e.value,
                                                        "timestamp": float(e.timestamp)}})
print(json.dumps(out))
"#;

fn python_read(exposition: &str) -> Option<Vec<Value>> {
    let python = python_with_prometheus_client()?;
    let mut child = Command::new(python)
        .args(["-c", READ_EXEMPLARS])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(exposition.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the strict parser refused:\n{}\n--- input ---\n{exposition}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    Some(json.as_array().unwrap().clone())
}

fn find<'a>(samples: &'a [Value], name: &str, label: Option<(&str, &str)>) -> &'a Value {
    samples
        .iter()
        .find(|s| {
            s["name"] == name && label.is_none_or(|(k, v)| s["labels"][k].as_str() == Some(v))
        })
        .unwrap_or_else(|| panic!("no sample {name} {label:?} in {samples:#?}"))
}

#[test]
fn the_strict_parser_reads_every_exemplar_back() {
    let (registry, _m) = shop();
    registry.set_created_samples(true);
    let before = now();
    let text = registry.encode(Format::OpenMetrics);
    let Some(samples) = python_read(&text) else {
        return;
    };

    let orders = &find(&samples, "shop_orders_total", None)["exemplar"];
    assert_eq!(orders["labels"]["trace_id"], TRACE);
    assert_eq!(orders["labels"]["span_id"], SPAN);
    assert_eq!(orders["value"], 3.0);
    let ts = orders["timestamp"].as_f64().unwrap();
    assert!(ts <= before && ts > before - 60.0, "{ts} vs {before}");

    assert_eq!(
        find(&samples, "shop_revenue_euros_total", None)["exemplar"]["value"],
        19.5
    );
    let paid = find(&samples, "shop_checkouts_total", Some(("tier", "paid")));
    assert_eq!(paid["exemplar"]["labels"]["trace_id"], "abc");
    assert!(find(&samples, "shop_checkouts_total", Some(("tier", "free")))["exemplar"].is_null());

    // Each bucket keeps the exemplar of its own observations.
    let bucket = |le| {
        find(
            &samples,
            "shop_checkout_duration_seconds_bucket",
            Some(("le", le)),
        )
    };
    assert!(bucket("0.1")["exemplar"].is_null());
    assert_eq!(bucket("0.5")["exemplar"]["value"], 0.3);
    assert_eq!(bucket("0.5")["exemplar"]["labels"]["trace_id"], TRACE);
    assert!(bucket("1.0")["exemplar"].is_null());
    assert_eq!(bucket("+Inf")["exemplar"]["value"], 7.0);
    assert_eq!(bucket("+Inf")["exemplar"]["labels"], serde_json::json!({}));

    // `_created` for counters, histograms and summaries, and only those.
    for name in [
        "shop_orders_created",
        "shop_revenue_euros_created",
        "shop_checkout_duration_seconds_created",
        "shop_payload_bytes_created",
    ] {
        let created = find(&samples, name, None)["value"].as_f64().unwrap();
        assert!(
            created <= before && created > before - 60.0,
            "{name}: {created}"
        );
    }
    let paid_created = find(&samples, "shop_checkouts_created", Some(("tier", "paid")));
    assert!(paid_created["value"].as_f64().unwrap() <= before);
    assert!(!samples.iter().any(|s| s["name"]
        .as_str()
        .unwrap()
        .starts_with("shop_payments_breaker_created")));

    // The state set: one series per state, labelled with its own name.
    for (state, v) in [("closed", 0.0), ("open", 0.0), ("half_open", 1.0)] {
        let s = find(
            &samples,
            "shop_payments_breaker",
            Some(("shop_payments_breaker", state)),
        );
        assert_eq!(
            (s["type"].as_str(), s["value"].as_f64()),
            (Some("stateset"), Some(v))
        );
    }
    // The gauge histogram: current values, `_gcount` and `_gsum`.
    let gh = find(&samples, "shop_queue_job_size_bytes_gcount", None);
    assert_eq!(
        (gh["type"].as_str(), gh["value"].as_f64()),
        (Some("gaugehistogram"), Some(2.0))
    );
    assert_eq!(
        find(&samples, "shop_queue_job_size_bytes_gsum", None)["value"],
        2148.0
    );
    assert_eq!(
        find(
            &samples,
            "shop_queue_job_size_bytes_bucket",
            Some(("le", "1024.0"))
        )["value"],
        1.0
    );

    // Without `set_created_samples`, no `_created`.
    registry.set_created_samples(false);
    assert!(!registry.encode(Format::OpenMetrics).contains("_created"));
}

#[test]
fn the_text_format_has_none_of_it_and_promtool_accepts_it() {
    let (registry, _m) = shop();
    registry.set_created_samples(true);
    let text = registry.encode(Format::Prometheus);
    assert!(!text.contains(" # {"), "{text}");
    assert!(!text.contains("_created"), "{text}");
    assert!(text.contains("# TYPE shop_payments_breaker gauge\n"));
    assert!(text.contains("# TYPE shop_queue_job_size_bytes histogram\n"));
    assert!(text.contains("shop_queue_job_size_bytes_count 2\n"));
    promtool_check_metrics(&text).unwrap();
}

/// The OpenMetrics text with a timestamp after every sample's value (before
/// its exemplar), as `promtool tsdb create-blocks-from` needs.
fn with_timestamps(openmetrics: &str, seconds: i64) -> String {
    let mut out = String::new();
    for line in openmetrics.lines() {
        if line.starts_with('#') {
            out.push_str(line);
        } else if let Some((sample, exemplar)) = line.split_once(" # ") {
            out.push_str(&format!("{sample} {seconds} # {exemplar}"));
        } else {
            out.push_str(&format!("{line} {seconds}"));
        }
        out.push('\n');
    }
    out
}

#[test]
fn prometheus_go_parser_takes_exemplars_created_and_the_new_types() {
    let Some(promtool) = promtool() else {
        return;
    };
    let (registry, _m) = shop();
    registry.set_created_samples(true);
    let tmp = TempDir::new("exemplars-tsdb");
    let dir = &tmp.0;
    let input = dir.join("in.om");
    let seconds = now() as i64 - 3600;
    std::fs::write(
        &input,
        with_timestamps(&registry.encode(Format::OpenMetrics), seconds),
    )
    .unwrap();
    let out = Command::new(promtool)
        .args(["tsdb", "create-blocks-from", "openmetrics"])
        .arg(&input)
        .arg(dir.join("blocks"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "Prometheus' OpenMetrics parser refused our exposition:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn bad_exemplars_are_refused_with_an_err_and_lose_nothing() {
    let registry = Registry::new();
    let orders = registry
        .register("orders_total", "Orders.", Counter::new())
        .unwrap();
    for bad in [
        vec![("trace_id", "f".repeat(121))],
        vec![("TraceId", "abc".to_owned())],
        vec![("__name__", "x".to_owned())],
        vec![("a", "1".to_owned()), ("a", "2".to_owned())],
        vec![("", "1".to_owned())],
        vec![("trace id", "1".to_owned())],
    ] {
        let pairs: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let err = ExemplarLabels::new(&pairs).expect_err(&format!("{pairs:?}"));
        assert!(!err.to_string().is_empty());
    }
    assert!(ExemplarLabels::trace("0".repeat(32).as_str(), SPAN).is_err());
    assert!(ExemplarLabels::trace(&TRACE.to_uppercase(), SPAN).is_err());
    assert!(ExemplarLabels::trace(TRACE, "abc").is_err());
    // 128 characters exactly are fine, including multi-byte ones.
    let value = "é".repeat(128 - "trace_id".len());
    let at_limit = ExemplarLabels::new(&[("trace_id", &value)]).unwrap();
    orders.inc_with_exemplar(&at_limit);
    // A refused float increment keeps neither the increment nor the exemplar.
    let revenue = registry
        .register("revenue_total", "Revenue.", Counter::<f64>::default())
        .unwrap();
    assert!(revenue.inc_by_with_exemplar(-1.0, &at_limit).is_err());
    assert!(revenue.exemplar().is_none());
    // NaN observations are dropped, exemplar included.
    let h = registry
        .register(
            "latency_seconds",
            "Latency.",
            Histogram::new(Buckets::new(&[1.0]).unwrap()),
        )
        .unwrap();
    h.observe_with_exemplar(f64::NAN, &at_limit);
    assert_eq!(h.count(), 0);
    assert!(h.exemplars().iter().all(Option::is_none));
    let text = registry.encode(Format::OpenMetrics);
    if let Some(samples) = python_read(&text) {
        let ex = &find(&samples, "orders_total", None)["exemplar"];
        assert_eq!(ex["labels"]["trace_id"].as_str(), Some(value.as_str()));
    }
}

// --- the current trace, through the sources -----------------------------------

mod traced {
    use promstrict::{instrument_latency, Counter, Family, Histogram, Metrics, OutcomeLabels};

    #[derive(Metrics)]
    #[metrics(namespace = "traced")]
    pub struct TracedMetrics {
        /// Time to answer.
        #[metric(buckets = [0.1, 1.0])]
        pub answer_duration_seconds: Histogram,
        /// Answers, by outcome.
        pub answers_total: Family<OutcomeLabels, Counter>,
    }

    pub static METRICS: std::sync::LazyLock<(promstrict::Registry, TracedMetrics)> =
        std::sync::LazyLock::new(|| {
            let registry = promstrict::Registry::new();
            let m = TracedMetrics::register(&registry).unwrap();
            (registry, m)
        });

    #[instrument_latency(metric = METRICS.1.answer_duration_seconds, calls = METRICS.1.answers_total)]
    pub fn answer() -> Result<u32, String> {
        Ok(42)
    }

    #[instrument_latency]
    pub fn built_in_answer() -> u32 {
        42
    }
}

fn exemplar_trace_ids(text: &str, sample_prefix: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.starts_with(sample_prefix))
        .filter_map(|l| l.split_once(" # {").map(|(_, e)| e))
        .filter_map(|e| e.split("trace_id=\"").nth(1))
        .filter_map(|e| e.split('"').next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn sampled_traces_become_exemplars_and_unsampled_ones_do_not() {
    use opentelemetry::trace::{TraceContextExt, Tracer, TracerProvider as _};
    use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
    use tracing_subscriber::layer::SubscriberExt;

    let (registry, _) = &*traced::METRICS;
    let sampled = SdkTracerProvider::builder()
        .with_sampler(Sampler::AlwaysOn)
        .build();
    let unsampled = SdkTracerProvider::builder()
        .with_sampler(Sampler::AlwaysOff)
        .build();

    // OpenTelemetry's current context.
    promstrict::opentelemetry_exemplars();
    let tracer = sampled.tracer("test");
    let trace_id = tracer.in_span("answer", |cx| {
        traced::answer().unwrap();
        traced::built_in_answer();
        cx.span().span_context().trace_id().to_string()
    });
    let text = registry.encode(Format::OpenMetrics);
    assert_eq!(
        exemplar_trace_ids(&text, "traced_answer_duration_seconds_bucket"),
        vec![trace_id.clone()],
        "{text}"
    );
    assert_eq!(
        exemplar_trace_ids(&text, "traced_answers_total{outcome=\"ok\"}"),
        vec![trace_id.clone()],
        "{text}"
    );
    let builtin = promstrict::default_registry().encode(Format::OpenMetrics);
    assert!(
        builtin.lines().any(
            |l| l.starts_with("function_calls_total{function=\"built_in_answer\"")
                && l.contains(&format!("trace_id=\"{trace_id}\""))
        ),
        "{builtin}"
    );

    // An unsampled trace leaves the exemplars as they were.
    unsampled.tracer("test").in_span("answer", |_| {
        traced::answer().unwrap();
    });
    let text = registry.encode(Format::OpenMetrics);
    assert_eq!(
        exemplar_trace_ids(&text, "traced_answer_duration_seconds_bucket"),
        vec![trace_id.clone()]
    );
    assert!(text.contains("traced_answers_total{outcome=\"ok\"} 2 # {"));

    // `tracing`'s current span, through tracing-opentelemetry.
    promstrict::tracing_exemplars();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(sampled.tracer("tracing")));
    let tracing_trace = tracing::subscriber::with_default(subscriber, || {
        use tracing_opentelemetry::OpenTelemetrySpanExt;
        let span = tracing::info_span!("request");
        let _entered = span.enter();
        traced::answer().unwrap();
        span.context().span().span_context().trace_id().to_string()
    });
    assert_ne!(tracing_trace, trace_id);
    let text = registry.encode(Format::OpenMetrics);
    assert_eq!(
        exemplar_trace_ids(&text, "traced_answer_duration_seconds_bucket"),
        vec![tracing_trace.clone()],
        "{text}"
    );

    // The HTTP layer's recorder takes the same source.
    let http_registry = Registry::new();
    let http = promstrict::http::HttpMetrics::register(&http_registry).unwrap();
    promstrict::opentelemetry_exemplars();
    let http_trace = tracer.in_span("GET /health", |cx| {
        http.record(
            promstrict::http::HttpMethod::Get,
            promstrict::http::Route::new("/health"),
            200,
            Duration::from_millis(3),
        );
        cx.span().span_context().trace_id().to_string()
    });
    let text = http_registry.encode(Format::OpenMetrics);
    assert_eq!(
        exemplar_trace_ids(&text, "http_requests_total{").len(),
        1,
        "{text}"
    );
    assert!(
        exemplar_trace_ids(&text, "http_request_duration_seconds_bucket").contains(&http_trace)
    );
    promstrict::clear_exemplar_source();
}

// --- a real Prometheus ----------------------------------------------------------

fn api(prometheus: SocketAddr, path_and_query: &str) -> Option<Value> {
    let response = http_request(prometheus, "GET", path_and_query, &[]).ok()?;
    if response.status != 200 {
        return None;
    }
    let json: Value = serde_json::from_slice(&response.body).ok()?;
    (json["status"] == "success").then_some(json)
}

#[test]
fn prometheus_stores_our_exemplars() {
    let Some(prometheus_bin) = prometheus_server() else {
        return;
    };
    let registry = Arc::new(Registry::new());
    let metrics = Arc::new(exemplars_example::CheckoutMetrics::register(&registry).unwrap());
    let exporter = Exporter::builder()
        .addr("127.0.0.1:0")
        .registry(Arc::clone(&registry))
        .process_metrics(false)
        .spawn_thread()
        .unwrap();
    let target = exporter.local_addr();

    let stop = Arc::new(AtomicBool::new(false));
    let _stop = StopOnDrop(Arc::clone(&stop));
    let traffic = {
        let stop = Arc::clone(&stop);
        let metrics = Arc::clone(&metrics);
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) && n < 10_000 {
                n += 1;
                exemplars_example::checkout(&metrics, n);
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };

    let tmp = TempDir::new("exemplars-prom");
    let dir = &tmp.0;
    let prometheus: SocketAddr = ([127, 0, 0, 1], free_loopback_port()).into();
    let config = format!(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: checkout\n    static_configs:\n      - targets: [\"{target}\"]\n"
    );
    let mut process = spawn_prometheus(
        &prometheus_bin,
        dir,
        &config,
        prometheus,
        &["--enable-feature=exemplar-storage"],
        "prometheus.log",
    );

    let start = now() - 60.0;
    let exemplars_of = |process: &mut ChildGuard, query: &str| {
        process.assert_running();
        let json = api(
            prometheus,
            &format!(
                "/api/v1/query_exemplars?query={query}&start={start}&end={}",
                now() + 60.0
            ),
        )?;
        let series = json["data"].as_array()?;
        let exemplars: Vec<Value> = series
            .iter()
            .flat_map(|s| s["exemplars"].as_array().cloned().unwrap_or_default())
            .collect();
        (exemplars.len() >= 2).then_some(exemplars)
    };
    let counter = poll_until(Duration::from_secs(45), Duration::from_millis(500), || {
        exemplars_of(&mut process, "checkout_orders_total")
    });
    let buckets = poll_until(Duration::from_secs(15), Duration::from_millis(500), || {
        exemplars_of(&mut process, "checkout_duration_seconds_bucket")
    });
    stop.store(true, Ordering::Relaxed);
    traffic.join().unwrap();
    let log = std::fs::read_to_string(dir.join("prometheus.log")).unwrap_or_default();
    drop(process);
    let counter =
        counter.unwrap_or_else(|| panic!("no counter exemplars in Prometheus; its log:\n{log}"));
    let buckets =
        buckets.unwrap_or_else(|| panic!("no bucket exemplars in Prometheus; its log:\n{log}"));
    for exemplar in counter.iter().chain(&buckets) {
        let trace_id = exemplar["labels"]["trace_id"].as_str().unwrap();
        let n = u64::from_str_radix(&trace_id[16..], 16).unwrap();
        let expected = exemplars_example::trace_of(n);
        assert_eq!(Some(trace_id), expected.get("trace_id"), "{exemplar}");
        assert_eq!(
            exemplar["labels"]["span_id"].as_str(),
            expected.get("span_id")
        );
        let ts = exemplar["timestamp"].as_f64().unwrap();
        assert!(ts > start && ts < now() + 1.0, "{exemplar}");
    }
    for exemplar in &counter {
        assert_eq!(exemplar["value"], "1");
    }
}
