//! `#[derive(Metrics)]`: the README example registers, counts and encodes to
//! the exact expected text in both formats; duplicate registration fails
//! without touching the first; `global()`; prometheus-client registration.

use std::collections::BTreeSet;

use promstrict::{
    default_registry, Buckets, Counter, Family, Format, Gauge, Histogram, Info, LabelSet,
    LabelValue, Metric, Metrics, Registry, RegistryError, Summary,
};

#[allow(dead_code)] // every variant is a label value, used or not
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

#[allow(dead_code)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum StatusClass {
    #[label(name = "2xx")]
    Success,
    #[label(name = "4xx")]
    ClientError,
    #[label(name = "5xx")]
    ServerError,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
pub struct RequestLabels {
    pub method: Method,
    pub status: StatusClass,
}

#[derive(Metrics)]
#[metrics(namespace = "http")]
pub struct HttpMetrics {
    /// Total HTTP requests.
    pub requests_total: Family<RequestLabels, Counter>,
    /// HTTP request latency.
    #[metric(buckets = [0.01, 0.05, 0.1, 0.5, 1.0, 2.0, 5.0])]
    pub request_duration_seconds: Family<RequestLabels, Histogram>,
    /// Open WebSocket connections.
    pub ws_connections_active: Gauge,
    /// Renamed: the field name is free, the metric name is checked.
    #[metric(name = "process_uptime_seconds")]
    pub uptime: Gauge,
}

fn exercise(http: &HttpMetrics) {
    let labels = RequestLabels {
        method: Method::Get,
        status: StatusClass::Success,
    };
    http.requests_total.labels(labels).inc();
    http.requests_total.labels(labels).inc();
    http.requests_total
        .labels(RequestLabels {
            method: Method::Post,
            status: StatusClass::ServerError,
        })
        .inc();
    http.request_duration_seconds.labels(labels).observe(0.042);
    http.request_duration_seconds.labels(labels).observe(3.0);
    http.ws_connections_active.inc();
    http.uptime.set(12);
}

const PROMETHEUS_TEXT: &str = "\
# HELP http_requests_total Total HTTP requests.
# TYPE http_requests_total counter
http_requests_total{method=\"get\",status=\"2xx\"} 2
http_requests_total{method=\"post\",status=\"5xx\"} 1
# HELP http_request_duration_seconds HTTP request latency.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{method=\"get\",status=\"2xx\",le=\"0.01\"} 0
http_request_duration_seconds_bucket{method=\"get\",status=\"2xx\",le=\"0.05\"} 1
http_request_duration_seconds_bucket{method=\"get\",status=\"2xx\",le=\"0.1\"} 1
http_request_duration_seconds_bucket{method=\"get\",status=\"2xx\",le=\"0.5\"} 1
http_request_duration_seconds_bucket{method=\"get\",status=\"2xx\",le=\"1.0\"} 1
http_request_duration_seconds_bucket{method=\"get\",status=\"2xx\",le=\"2.0\"} 1
http_request_duration_seconds_bucket{method=\"get\",status=\"2xx\",le=\"5.0\"} 2
http_request_duration_seconds_bucket{method=\"get\",status=\"2xx\",le=\"+Inf\"} 2
http_request_duration_seconds_count{method=\"get\",status=\"2xx\"} 2
http_request_duration_seconds_sum{method=\"get\",status=\"2xx\"} 3.042
# HELP http_ws_connections_active Open WebSocket connections.
# TYPE http_ws_connections_active gauge
http_ws_connections_active 1
# HELP http_process_uptime_seconds Renamed: the field name is free, the metric name is checked.
# TYPE http_process_uptime_seconds gauge
http_process_uptime_seconds 12
";

const OPENMETRICS_TEXT: &str = "\
# HELP http_requests Total HTTP requests.
# TYPE http_requests counter
http_requests_total{method=\"get\",status=\"2xx\"} 2
http_requests_total{method=\"post\",status=\"5xx\"} 1
# HELP http_request_duration_seconds HTTP request latency.
# TYPE http_request_duration_seconds histogram
# UNIT http_request_duration_seconds seconds
http_request_duration_seconds_bucket{method=\"get\",status=\"2xx\",le=\"0.01\"} 0
http_request_duration_seconds_bucket{method=\"get\",status=\"2xx\",le=\"0.05\"} 1
http_request_duration_seconds_bucket{method=\"get\",status=\"2xx\",le=\"0.1\"} 1
http_request_duration_seconds_bucket{method=\"get\",status=\"2xx\",le=\"0.5\"} 1
http_request_duration_seconds_bucket{method=\"get\",status=\"2xx\",le=\"1.0\"} 1
http_request_duration_seconds_bucket{method=\"get\",status=\"2xx\",le=\"2.0\"} 1
http_request_duration_seconds_bucket{method=\"get\",status=\"2xx\",le=\"5.0\"} 2
http_request_duration_seconds_bucket{method=\"get\",status=\"2xx\",le=\"+Inf\"} 2
http_request_duration_seconds_count{method=\"get\",status=\"2xx\"} 2
http_request_duration_seconds_sum{method=\"get\",status=\"2xx\"} 3.042
# HELP http_ws_connections_active Open WebSocket connections.
# TYPE http_ws_connections_active gauge
http_ws_connections_active 1
# HELP http_process_uptime_seconds Renamed: the field name is free, the metric name is checked.
# TYPE http_process_uptime_seconds gauge
# UNIT http_process_uptime_seconds seconds
http_process_uptime_seconds 12
# EOF
";

#[test]
// Some users pass `&mut registry` (registration takes `&Registry`; it coerces).
#[allow(clippy::unnecessary_mut_passed)]
fn api_example_registers_counts_and_encodes_exactly() {
    let mut registry = Registry::new();
    let http = HttpMetrics::register(&mut registry).expect("a fresh registry has no clashes");
    assert_eq!(
        registry.names(),
        [
            "http_requests_total",
            "http_request_duration_seconds",
            "http_ws_connections_active",
            "http_process_uptime_seconds"
        ]
    );
    exercise(&http);
    assert_eq!(registry.encode(Format::Prometheus), PROMETHEUS_TEXT);
    assert_eq!(registry.encode(Format::OpenMetrics), OPENMETRICS_TEXT);
}

#[test]
fn registering_twice_fails_and_keeps_the_first_registration() {
    let registry = Registry::new();
    let first = HttpMetrics::register(&registry).unwrap();
    let second = HttpMetrics::register(&registry);
    match second {
        Err(RegistryError::Duplicate { name, .. }) => assert_eq!(name, "http_requests_total"),
        Err(other) => panic!("expected a duplicate, got {other}"),
        Ok(_) => panic!("registered the same names twice"),
    }
    // Nothing of the second attempt got in, and the first still works.
    assert_eq!(registry.len(), 4);
    exercise(&first);
    assert_eq!(registry.encode(Format::Prometheus), PROMETHEUS_TEXT);
}

#[test]
fn registration_is_all_or_nothing() {
    let registry = Registry::new();
    // Only the last metric's name is taken: none of the others may appear.
    registry
        .register(
            "http_process_uptime_seconds",
            "Taken.",
            Gauge::<i64>::default(),
        )
        .unwrap();
    assert!(HttpMetrics::register(&registry).is_err());
    assert_eq!(registry.names(), ["http_process_uptime_seconds"]);
}

#[test]
fn unregistered_metrics_work_and_can_be_registered_later() {
    let http = HttpMetrics::new_unregistered();
    exercise(&http);
    assert_eq!(http.ws_connections_active.get(), 1);
    // The same storage, exposed in two registries.
    let a = Registry::new();
    let b = Registry::new();
    a.register_group(http.metric_group()).unwrap();
    b.register_group(http.metric_group()).unwrap();
    assert_eq!(a.encode(Format::Prometheus), PROMETHEUS_TEXT);
    assert_eq!(b.encode(Format::OpenMetrics), OPENMETRICS_TEXT);
}

/// Sample lines as (name, sorted labels, value): prometheus-client writes `le`
/// first, we write it last, which no parser distinguishes.
fn samples(text: &str) -> BTreeSet<(String, Vec<String>, String)> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').unwrap();
            let (name, labels) = match series.split_once('{') {
                Some((name, rest)) => {
                    let mut labels: Vec<String> = rest
                        .trim_end_matches('}')
                        .split(',')
                        .map(str::to_owned)
                        .collect();
                    labels.sort();
                    (name.to_owned(), labels)
                }
                None => (series.to_owned(), Vec::new()),
            };
            (name, labels, value.to_owned())
        })
        .collect()
}

#[test]
fn registers_into_a_prometheus_client_registry_with_the_same_samples() {
    let mut pc = prometheus_client::registry::Registry::default();
    let http = HttpMetrics::register_prometheus_client(&mut pc);
    exercise(&http);
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &pc).unwrap();
    assert_eq!(samples(&text), samples(OPENMETRICS_TEXT));
    assert!(
        text.contains("# HELP http_requests Total HTTP requests.\n"),
        "{text}"
    );
    assert!(text.ends_with("# EOF\n"));
}

#[derive(Metrics)]
#[metrics(namespace = "derive_global_test")]
struct GlobalMetrics {
    /// Jobs run.
    jobs_total: Counter,
}

#[test]
fn global_registers_once_in_the_default_registry() {
    let a = GlobalMetrics::global();
    let b = GlobalMetrics::global();
    assert!(std::ptr::eq(a, b));
    assert!(std::ptr::eq(a, GlobalMetrics::try_global().unwrap()));
    a.jobs_total.inc_by(3);
    let text = default_registry().encode(Format::Prometheus);
    assert!(
        text.contains(
            "# TYPE derive_global_test_jobs_total counter\nderive_global_test_jobs_total 3\n"
        ),
        "{text}"
    );
}

#[derive(Metrics)]
struct ClashingGlobal {
    /// Clashes with a metric registered by hand.
    derive_clash_test_total: Counter,
}

#[test]
fn try_global_reports_a_clash_and_global_panics_with_a_clear_message() {
    default_registry()
        .register(
            "derive_clash_test_total",
            "Registered first.",
            Counter::<u64>::default(),
        )
        .unwrap();
    for _ in 0..2 {
        match ClashingGlobal::try_global() {
            Err(RegistryError::Duplicate { name, .. }) => {
                assert_eq!(name, "derive_clash_test_total")
            }
            Err(other) => panic!("expected a duplicate, got {other}"),
            Ok(_) => panic!("registered a taken name"),
        }
    }
    let panic = std::panic::catch_unwind(|| {
        ClashingGlobal::global();
    })
    .unwrap_err();
    let message = panic.downcast_ref::<String>().expect("a formatted message");
    assert!(
        message.starts_with("`ClashingGlobal::global()` could not register its metrics in the default registry: metric `derive_clash_test_total` is already registered, by the registration at tests/derive_metrics.rs:"),
        "{message}"
    );
    assert!(
        message.contains("ClashingGlobal::try_global()"),
        "{message}"
    );
}

#[allow(dead_code)]
#[derive(Clone, Copy, Debug, LabelValue)]
enum Tier {
    Free,
    Pro,
}

#[derive(Clone, Copy, Debug, LabelSet)]
struct TierLabels {
    tier: Tier,
}

/// Every metric type, units, help overrides, multi-line docs, every bucket form.
#[derive(Metrics)]
struct EveryKind {
    /// Bytes read,
    /// in total.
    ///
    /// Across all disks.
    #[metric(unit = "bytes")]
    read_bytes_total: Counter<f64>,
    /// Ignored: the attribute wins.
    #[metric(help = "Temperature of the room.", unit = "celsius")]
    room_temperature_celsius: Gauge<f64>,
    /// Default buckets.
    default_seconds: Histogram,
    /// Preset.
    #[metric(buckets = "fast")]
    fast_seconds: Histogram,
    /// Preset.
    #[metric(buckets = "medium")]
    medium_seconds: Histogram,
    /// Preset.
    #[metric(buckets = "slow")]
    slow_seconds: Histogram,
    /// Generated.
    #[metric(buckets = exponential(0.001, 2.0, 4))]
    exponential_seconds: Histogram,
    /// Generated.
    #[metric(buckets = linear(100, 100, 3), unit = "bytes")]
    payload_bytes: Family<TierLabels, Histogram>,
    /// Observed sizes.
    response_size_bytes: Summary,
    /// Build information.
    build_info: Info,
    /// Per tier.
    #[metric(max_cardinality = 2)]
    tier_requests_total: Family<TierLabels, Counter<f64>>,
    /// Per tier.
    tier_balance: Family<TierLabels, Gauge<f64>>,
    /// Per tier.
    tier_latency_seconds: Family<TierLabels, Summary>,
}

fn bounds(histogram: &Histogram) -> Vec<f64> {
    let mut out = Vec::new();
    histogram.visit(
        &mut |_: promstrict::Labels<'_>, value: promstrict::SeriesValue<'_>| {
            if let promstrict::SeriesValue::Histogram { bounds, .. } = value {
                out = bounds.to_vec();
            }
        },
    );
    out
}

#[test]
fn every_metric_type_and_bucket_form() {
    let registry = Registry::new();
    let m = EveryKind::register(&registry).unwrap();
    assert_eq!(bounds(&m.default_seconds), Buckets::DEFAULT);
    assert_eq!(bounds(&m.fast_seconds), Buckets::FAST);
    assert_eq!(bounds(&m.medium_seconds), Buckets::MEDIUM);
    assert_eq!(bounds(&m.slow_seconds), Buckets::SLOW);
    assert_eq!(
        bounds(&m.exponential_seconds),
        Buckets::exponential(0.001, 2.0, 4).unwrap().bounds()
    );
    m.read_bytes_total.inc_by(1.5).unwrap();
    m.room_temperature_celsius.set(21.5);
    m.payload_bytes
        .labels(TierLabels { tier: Tier::Pro })
        .observe(150.0);
    m.response_size_bytes.observe(10.0);
    m.build_info.set([("version", "1.2.3")]).unwrap();
    m.tier_requests_total
        .labels(TierLabels { tier: Tier::Free })
        .inc_by(0.5)
        .unwrap();
    m.tier_balance
        .labels(TierLabels { tier: Tier::Pro })
        .set(-2.5);
    m.tier_latency_seconds
        .labels(TierLabels { tier: Tier::Pro })
        .observe(0.25);
    let text = registry.encode(Format::OpenMetrics);
    for expected in [
        "# HELP read_bytes Bytes read, in total. Across all disks.\n# TYPE read_bytes counter\n# UNIT read_bytes bytes\nread_bytes_total 1.5\n",
        "# HELP room_temperature_celsius Temperature of the room.\n# TYPE room_temperature_celsius gauge\n# UNIT room_temperature_celsius celsius\nroom_temperature_celsius 21.5\n",
        "payload_bytes_bucket{tier=\"pro\",le=\"200.0\"} 1\n",
        "payload_bytes_bucket{tier=\"pro\",le=\"100.0\"} 0\n",
        "payload_bytes_bucket{tier=\"pro\",le=\"300.0\"} 1\n",
        "response_size_bytes_count 1\n",
        "build_info{version=\"1.2.3\"} 1\n",
        "tier_requests_total{tier=\"free\"} 0.5\n",
        "tier_balance{tier=\"pro\"} -2.5\n",
        "tier_latency_seconds_sum{tier=\"pro\"} 0.25\n",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
}

/// Generic structs work (without `global()`, which needs one static per type).
#[derive(Metrics)]
struct PerLabels<L: LabelSet> {
    /// Per label combination.
    #[metric(max_cardinality = 10)]
    generic_events_total: Family<L, Counter>,
}

#[test]
fn generic_metrics_struct() {
    let registry = Registry::new();
    let m = PerLabels::<TierLabels>::register(&registry).unwrap();
    m.generic_events_total
        .labels(TierLabels { tier: Tier::Pro })
        .inc();
    assert!(registry
        .encode(Format::Prometheus)
        .contains("generic_events_total{tier=\"pro\"} 1\n"));
}

/// Generic structs get `global()` too: one instance per type argument,
/// found by type.
#[test]
fn generic_structs_have_one_global_per_instantiation() {
    let a: &'static PerLabels<TierLabels> = PerLabels::<TierLabels>::global();
    let b: &'static PerLabels<TierLabels> = PerLabels::<TierLabels>::global();
    assert!(std::ptr::eq(a, b));
    a.generic_events_total
        .labels(TierLabels { tier: Tier::Free })
        .inc();
    assert!(default_registry()
        .encode(Format::Prometheus)
        .contains("generic_events_total{tier=\"free\"} 1\n"));
    // Another instantiation is another struct: its names clash with the
    // first one's in the same registry, and the error says so.
    #[derive(Clone, Copy, Debug, LabelSet)]
    struct HitLabels {
        hit: bool,
    }
    match PerLabels::<HitLabels>::try_global() {
        Err(RegistryError::Duplicate { name, .. }) => assert_eq!(name, "generic_events_total"),
        other => panic!("expected a clash, got {:?}", other.map(|_| ())),
    }
}

/// Code generic over any metrics struct, through the trait the derive
/// implements.
#[test]
fn code_generic_over_metrics_structs() {
    fn names_of<M: Metrics>() -> Vec<String> {
        let registry = Registry::with_namespace("probe");
        M::register(&registry).unwrap();
        registry.names()
    }
    assert_eq!(
        names_of::<InitAllStruct>(),
        ["probe_init_struct_requests_total"]
    );
    let group = InitAllStruct::new_unregistered().metric_group();
    assert_eq!(group.len(), 1);
}

#[derive(Metrics)]
#[metrics(namespace = "init")]
struct InitAll {
    /// Exposed from registration, every combination at zero.
    #[metric(init_all)]
    requests_total: Family<RequestLabels, Counter>,
    /// Exposed as series are used.
    errors_total: Family<RequestLabels, Counter>,
}

#[derive(Metrics)]
#[metrics(init_all)]
struct InitAllStruct {
    /// Every family of the struct starts complete.
    init_struct_requests_total: Family<RequestLabels, Counter>,
}

#[test]
fn init_all_exposes_every_combination_at_zero_from_registration() {
    let registry = Registry::new();
    InitAll::register(&registry).unwrap();
    InitAllStruct::register(&registry).unwrap();
    let text = registry.encode(Format::Prometheus);
    let count = |prefix: &str| text.lines().filter(|l| l.starts_with(prefix)).count();
    let combinations = <RequestLabels as promstrict::LabelSet>::CARDINALITY;
    assert_eq!(count("init_requests_total{"), combinations, "{text}");
    assert_eq!(count("init_struct_requests_total{"), combinations, "{text}");
    assert_eq!(count("init_errors_total{"), 0, "{text}");
    assert!(
        text.contains("init_requests_total{method=\"get\",status=\"2xx\"} 0\n"),
        "{text}"
    );
}
