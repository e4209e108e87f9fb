//! The exposition of a registry holding every metric type, checked three ways:
//! against the exact expected text, by `promtool check metrics` (Prometheus' own
//! parser and linter) for the text format, and by the strict OpenMetrics parser
//! of Python's prometheus-client for OpenMetrics.

use metrics_toolkit::{promtool_check_metrics, python_parse_openmetrics};
use promstrict::{
    bounded_label, Buckets, Counter, Descriptor, Family, Format, Gauge, Histogram, Info,
    LabelDescriptor, LabelSet, LabelValue, Registry, Summary,
};

// Hand-written impls: the derive has its own tests; this file pins the runtime.
#[derive(Clone, Copy)]
enum Method {
    Get,
    Post,
}
impl LabelValue for Method {
    const CARDINALITY: usize = 2;
    fn index(self) -> usize {
        self as usize
    }
    fn name_at(i: usize) -> Option<&'static str> {
        ["get", "post"].get(i).copied()
    }
}

bounded_label! {
    /// Values chosen to need escaping.
    struct Route { max: 4, overflow: "other" }
}

#[derive(Clone, Copy)]
struct RequestLabels {
    method: Method,
    route: Route,
}
impl LabelSet for RequestLabels {
    const LABELS: &'static [LabelDescriptor] = &[
        LabelDescriptor::of::<Method>("method"),
        LabelDescriptor::of::<Route>("route"),
    ];
    fn index(&self) -> usize {
        self.method.index() * Route::CARDINALITY + self.route.index()
    }
}

fn populated_registry() -> Registry {
    let registry = Registry::with_namespace("demo")
        .with_const_label("instance_name", "a \"quoted\" \\ name")
        .unwrap();
    let requests: Family<RequestLabels, Counter> = registry
        .register(
            "http_requests_total",
            "Total HTTP requests.",
            Family::default(),
        )
        .unwrap();
    let latency: Family<RequestLabels, Histogram> = registry
        .register_with(
            Descriptor::new("http_request_duration_seconds", "HTTP request latency.")
                .unit("seconds"),
            Family::with_options(Buckets::new(&[0.05, 0.1, 1.0]).unwrap()),
        )
        .unwrap();
    let cpu: Counter<f64> = registry
        .register_with(
            Descriptor::new(
                "cpu_seconds_total",
                "CPU time \"spent\", in seconds.\nSecond line \\ with a backslash.",
            )
            .unit("seconds"),
            Counter::default(),
        )
        .unwrap();
    let connections: Gauge = registry
        .register(
            "ws_connections_active",
            "Open WebSocket connections.",
            Gauge::default(),
        )
        .unwrap();
    let temperature: Gauge<f64> = registry
        .register_with(
            Descriptor::new("room_temperature_celsius", "Room temperature.").unit("celsius"),
            Gauge::default(),
        )
        .unwrap();
    let payload: Summary = registry
        .register_with(
            Descriptor::new("payload_size_bytes", "Request payload sizes.").unit("bytes"),
            Summary::default(),
        )
        .unwrap();
    let build: Info = registry
        .register("build_info", "Build information.", Info::default())
        .unwrap();

    let users = Route::new("/users/{id}");
    let weird = Route::new("/q?name=\"x\"\\y\nz/é");
    requests
        .labels(RequestLabels {
            method: Method::Get,
            route: users,
        })
        .inc_by(3);
    requests
        .labels(RequestLabels {
            method: Method::Post,
            route: weird,
        })
        .inc();
    let get_users = latency.labels(RequestLabels {
        method: Method::Get,
        route: users,
    });
    for v in [0.01, 0.07, 0.07, 0.5, 2.0] {
        get_users.observe(v);
    }
    cpu.inc_by(1.25).unwrap();
    assert!(cpu.inc_by(-1.0).is_err());
    connections.set(2);
    temperature.set(21.5);
    payload.observe(512.0);
    payload.observe(1024.0);
    build
        .set([("version", "1.2.3"), ("rustc", "1.95 \"stable\"")])
        .unwrap();
    registry
}

const C: &str = r#"instance_name="a \"quoted\" \\ name""#;

fn expected_prometheus() -> String {
    format!(
        r#"# HELP demo_http_requests_total Total HTTP requests.
# TYPE demo_http_requests_total counter
demo_http_requests_total{{{C},method="get",route="/users/{{id}}"}} 3
demo_http_requests_total{{{C},method="post",route="/q?name=\"x\"\\y\nz/é"}} 1
# HELP demo_http_request_duration_seconds HTTP request latency.
# TYPE demo_http_request_duration_seconds histogram
demo_http_request_duration_seconds_bucket{{{C},method="get",route="/users/{{id}}",le="0.05"}} 1
demo_http_request_duration_seconds_bucket{{{C},method="get",route="/users/{{id}}",le="0.1"}} 3
demo_http_request_duration_seconds_bucket{{{C},method="get",route="/users/{{id}}",le="1.0"}} 4
demo_http_request_duration_seconds_bucket{{{C},method="get",route="/users/{{id}}",le="+Inf"}} 5
demo_http_request_duration_seconds_count{{{C},method="get",route="/users/{{id}}"}} 5
demo_http_request_duration_seconds_sum{{{C},method="get",route="/users/{{id}}"}} 2.65
# HELP demo_cpu_seconds_total CPU time "spent", in seconds.\nSecond line \\ with a backslash.
# TYPE demo_cpu_seconds_total counter
demo_cpu_seconds_total{{{C}}} 1.25
# HELP demo_ws_connections_active Open WebSocket connections.
# TYPE demo_ws_connections_active gauge
demo_ws_connections_active{{{C}}} 2
# HELP demo_room_temperature_celsius Room temperature.
# TYPE demo_room_temperature_celsius gauge
demo_room_temperature_celsius{{{C}}} 21.5
# HELP demo_payload_size_bytes Request payload sizes.
# TYPE demo_payload_size_bytes summary
demo_payload_size_bytes_count{{{C}}} 2
demo_payload_size_bytes_sum{{{C}}} 1536.0
# HELP demo_build_info Build information.
# TYPE demo_build_info gauge
demo_build_info{{{C},version="1.2.3",rustc="1.95 \"stable\""}} 1
"#
    )
}

#[test]
fn prometheus_text_is_exact() {
    let text = populated_registry().encode(Format::Prometheus);
    assert_eq!(text, expected_prometheus());
}

#[test]
fn openmetrics_text_is_exact() {
    let text = populated_registry().encode(Format::OpenMetrics);
    let expected = format!(
        r#"# HELP demo_http_requests Total HTTP requests.
# TYPE demo_http_requests counter
demo_http_requests_total{{{C},method="get",route="/users/{{id}}"}} 3
demo_http_requests_total{{{C},method="post",route="/q?name=\"x\"\\y\nz/é"}} 1
# HELP demo_http_request_duration_seconds HTTP request latency.
# TYPE demo_http_request_duration_seconds histogram
# UNIT demo_http_request_duration_seconds seconds
demo_http_request_duration_seconds_bucket{{{C},method="get",route="/users/{{id}}",le="0.05"}} 1
demo_http_request_duration_seconds_bucket{{{C},method="get",route="/users/{{id}}",le="0.1"}} 3
demo_http_request_duration_seconds_bucket{{{C},method="get",route="/users/{{id}}",le="1.0"}} 4
demo_http_request_duration_seconds_bucket{{{C},method="get",route="/users/{{id}}",le="+Inf"}} 5
demo_http_request_duration_seconds_count{{{C},method="get",route="/users/{{id}}"}} 5
demo_http_request_duration_seconds_sum{{{C},method="get",route="/users/{{id}}"}} 2.65
# HELP demo_cpu_seconds CPU time \"spent\", in seconds.\nSecond line \\ with a backslash.
# TYPE demo_cpu_seconds counter
# UNIT demo_cpu_seconds seconds
demo_cpu_seconds_total{{{C}}} 1.25
# HELP demo_ws_connections_active Open WebSocket connections.
# TYPE demo_ws_connections_active gauge
demo_ws_connections_active{{{C}}} 2
# HELP demo_room_temperature_celsius Room temperature.
# TYPE demo_room_temperature_celsius gauge
# UNIT demo_room_temperature_celsius celsius
demo_room_temperature_celsius{{{C}}} 21.5
# HELP demo_payload_size_bytes Request payload sizes.
# TYPE demo_payload_size_bytes summary
# UNIT demo_payload_size_bytes bytes
demo_payload_size_bytes_count{{{C}}} 2
demo_payload_size_bytes_sum{{{C}}} 1536.0
# HELP demo_build Build information.
# TYPE demo_build info
demo_build_info{{{C},version="1.2.3",rustc="1.95 \"stable\""}} 1
# EOF
"#
    );
    assert_eq!(text, expected);
}

#[test]
fn promtool_accepts_the_text_format_without_lint_problems() {
    let text = populated_registry().encode(Format::Prometheus);
    promtool_check_metrics(&text).unwrap();
}

#[test]
fn python_strict_parser_accepts_openmetrics_and_reads_the_same_values() {
    let text = populated_registry().encode(Format::OpenMetrics);
    let Some(json) = python_parse_openmetrics(&text).unwrap() else {
        return;
    };
    // The parser read back what we meant, escapes included.
    for fragment in [
        r#"{"name": "demo_http_requests", "type": "counter", "unit": "", "help": "Total HTTP requests.""#,
        r#"["demo_http_requests_total", {"instance_name": "a \"quoted\" \\ name", "method": "post", "route": "/q?name=\"x\"\\y\nz/\u00e9"}, 1]"#,
        r#""help": "CPU time \"spent\", in seconds.\nSecond line \\ with a backslash.""#,
        r#"{"name": "demo_http_request_duration_seconds", "type": "histogram", "unit": "seconds""#,
        r#""type": "info""#,
        r#""rustc": "1.95 \"stable\"""#,
        r#""type": "summary", "unit": "bytes""#,
    ] {
        assert!(
            json.contains(fragment),
            "parser output lacks {fragment}\n{json}"
        );
    }
}

#[test]
fn an_empty_registry_is_valid_in_both_formats() {
    let registry = Registry::new();
    assert_eq!(registry.encode(Format::Prometheus), "");
    assert_eq!(registry.encode(Format::OpenMetrics), "# EOF\n");
    python_parse_openmetrics("# EOF\n").unwrap();
}

#[test]
fn negative_buckets_drop_the_sum_in_openmetrics_only() {
    let registry = Registry::new();
    let h: Histogram = registry
        .register(
            "temperature_delta_celsius",
            "Change in temperature.",
            Histogram::new(Buckets::new(&[-1.0, 0.0, 1.0]).unwrap()),
        )
        .unwrap();
    h.observe(-2.0);
    h.observe(0.5);
    let om = registry.encode(Format::OpenMetrics);
    assert!(!om.contains("_sum") && !om.contains("_count"), "{om}");
    python_parse_openmetrics(&om).unwrap();
    let text = registry.encode(Format::Prometheus);
    assert!(
        text.contains("temperature_delta_celsius_sum -1.5\n"),
        "{text}"
    );
    promtool_check_metrics(&text).unwrap();
}

#[test]
fn a_negative_sum_is_left_out_of_openmetrics_for_histograms_and_summaries() {
    let registry = Registry::new();
    let h: Histogram = registry
        .register(
            "offset_seconds",
            "Clock offsets.",
            Histogram::new(Buckets::new(&[1.0]).unwrap()),
        )
        .unwrap();
    let s: Summary = registry
        .register("drift_seconds", "Clock drift.", Summary::default())
        .unwrap();
    h.observe(-3.0);
    s.observe(-1.0);
    // Infinities are dropped rather than turning the sum into NaN for good.
    h.observe(f64::INFINITY);
    h.observe(f64::NEG_INFINITY);
    let om = registry.encode(Format::OpenMetrics);
    assert!(!om.contains("_sum") && !om.contains("_count"), "{om}");
    assert!(
        om.contains("offset_seconds_bucket{le=\"+Inf\"} 1\n"),
        "{om}"
    );
    python_parse_openmetrics(&om).unwrap();
    let text = registry.encode(Format::Prometheus);
    assert!(text.contains("offset_seconds_sum -3.0\n"), "{text}");
    assert!(text.contains("drift_seconds_sum -1.0\n"), "{text}");
    promtool_check_metrics(&text).unwrap();
}
