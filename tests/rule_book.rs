//! One rule book: the same bad names, label names and bucket lists are
//! refused by `#[derive(Metrics)]`/`#[derive(LabelSet)]` at compile time
//! (the trybuild case `ui-tests/rules/rule_book_table`) and by
//! `Registry::register`/`Buckets` at run time, with the same message; the
//! same good names pass both (`ui-tests/pass/rule_book_good_names`).

use promstrict::{
    Buckets, Counter, Descriptor, Gauge, GaugeHistogram, Histogram, Info, MetricType, Registry,
    RegistryError, StateSet, Summary,
};

const BAD_NAMES: &[(&str, MetricType)] = &[
    ("httpRequests_total", MetricType::Counter),
    ("http:requests_total", MetricType::Counter),
    ("requests", MetricType::Counter),
    ("requests_total_total", MetricType::Counter),
    ("received_bits_total", MetricType::Counter),
    ("queue_total", MetricType::Gauge),
    ("memory_gauge", MetricType::Gauge),
    ("heap_kilobytes", MetricType::Gauge),
    ("jobs_count", MetricType::Gauge),
    ("cpu_usage_percent", MetricType::Gauge),
    ("latency_ms", MetricType::Histogram),
    ("request_duration_milliseconds", MetricType::Histogram),
    ("request_duration", MetricType::Histogram),
    ("last_run_timestamp_seconds", MetricType::Histogram),
    ("size_bucket", MetricType::Summary),
    ("build", MetricType::Info),
    ("5xx_responses_total", MetricType::Counter),
    ("_requests_total", MetricType::Counter),
];

const GOOD_NAMES: &[(&str, MetricType)] = &[
    ("http_requests_total", MetricType::Counter),
    ("disk_read_bytes_total", MetricType::Counter),
    ("request_duration_seconds", MetricType::Histogram),
    ("ws_connections_active", MetricType::Gauge),
    ("cache_hit_ratio", MetricType::Gauge),
    ("response_size_bytes", MetricType::Summary),
    ("build_info", MetricType::Info),
];

const BAD_LABELS: &[&str] = &[
    "le",
    "quantile",
    "job",
    "instance",
    "statusCode",
    "_method",
    "a__b",
];

fn register(registry: &Registry, name: &str, t: MetricType) -> Result<(), RegistryError> {
    register_with(registry, Descriptor::new(name.to_owned(), "Help."), t)
}

fn register_with(registry: &Registry, d: Descriptor, t: MetricType) -> Result<(), RegistryError> {
    match t {
        MetricType::Counter => registry.register_with(d, Counter::new()).map(drop),
        MetricType::Gauge => registry.register_with(d, Gauge::new()).map(drop),
        MetricType::Histogram => registry.register_with(d, Histogram::default()).map(drop),
        MetricType::Summary => registry.register_with(d, Summary::default()).map(drop),
        MetricType::Info => registry.register_with(d, Info::default()).map(drop),
        MetricType::StateSet => registry
            .register_with(d, StateSet::<bool>::default())
            .map(drop),
        MetricType::GaugeHistogram => registry
            .register_with(d, GaugeHistogram::default())
            .map(drop),
    }
}

/// The compile errors of the ui case, in order.
fn derive_errors() -> Vec<String> {
    let stderr = std::fs::read_to_string("ui-tests/rules/rule_book_table.stderr")
        .expect("the ui case's expected output");
    stderr
        .lines()
        .filter_map(|line| line.strip_prefix("error: "))
        .map(str::to_owned)
        .collect()
}

fn assert_derive_says(errors: &[String], input: &str, runtime: &str) {
    assert!(
        errors
            .iter()
            .any(|e| e == runtime || runtime.split("; ").any(|r| r == e)),
        "for {input:?} the runtime says\n  {runtime}\nbut the derive says none of that; it says:\n  {}",
        errors.join("\n  ")
    );
}

#[test]
fn the_ui_case_holds_the_same_inputs() {
    let source = std::fs::read_to_string("ui-tests/rules/rule_book_table.rs").unwrap();
    for (name, t) in BAD_NAMES {
        let field = format!("#[metric(name = \"{name}\")]");
        assert!(source.contains(&field), "{field} missing from the ui case");
        let _ = t;
    }
    for label in BAD_LABELS {
        assert!(source.contains(&format!("#[label(name = \"{label}\")]")));
    }
    let good = std::fs::read_to_string("ui-tests/pass/rule_book_good_names.rs").unwrap();
    for (name, _) in GOOD_NAMES {
        assert!(
            good.contains(&format!("{name}: ")),
            "{name} missing from the pass case"
        );
    }
}

#[test]
fn bad_names_get_the_same_verdict_and_message() {
    let errors = derive_errors();
    let registry = Registry::new();
    for &(name, t) in BAD_NAMES {
        let err = register(&registry, name, t).expect_err(name);
        let RegistryError::InvalidName(e) = &err else {
            panic!("{name}: {err:?}")
        };
        assert_derive_says(&errors, name, &e.reason);
        // The opt-out keeps the names the exposition formats can carry.
        let legacy = Descriptor::new(name.to_owned(), "Help.").allow_legacy_name();
        let kept = match t {
            MetricType::Counter => registry.register_with(legacy, Counter::new()).map(drop),
            MetricType::Gauge => registry.register_with(legacy, Gauge::new()).map(drop),
            MetricType::Histogram => registry
                .register_with(legacy, Histogram::default())
                .map(drop),
            MetricType::Summary => registry.register_with(legacy, Summary::default()).map(drop),
            MetricType::Info => registry.register_with(legacy, Info::default()).map(drop),
            MetricType::StateSet | MetricType::GaugeHistogram => {
                register_with(&registry, legacy, t)
            }
        };
        let structurally_invalid = matches!(
            name,
            "requests" | "build" | "5xx_responses_total" | "requests_total_total"
        );
        assert_eq!(kept.is_err(), structurally_invalid, "{name}: {kept:?}");
    }
}

#[test]
fn good_names_pass_both() {
    let registry = Registry::new();
    for &(name, t) in GOOD_NAMES {
        register(&registry, name, t).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    assert_eq!(registry.len(), GOOD_NAMES.len());
}

#[test]
fn bad_label_names_get_the_same_message() {
    let errors = derive_errors();
    let registry = Registry::new();
    for label in BAD_LABELS {
        let d = Descriptor::new("up", "Up.").const_label(*label, "x");
        let err = registry.register_with(d, Gauge::new()).unwrap_err();
        let RegistryError::InvalidName(e) = &err else {
            panic!("{label}: {err:?}")
        };
        assert_derive_says(&errors, label, &e.reason);
    }
}

#[test]
fn bad_bucket_lists_get_the_same_message() {
    let errors = derive_errors();
    let twenty_one: Vec<f64> = (1..=21).map(f64::from).collect();
    let cases = [
        ("[1.0, 0.5]", Buckets::new(&[1.0, 0.5])),
        ("[]", Buckets::new(&[])),
        ("21 bounds", Buckets::new(&twenty_one)),
        (
            "exponential(0.0, 2.0, 4)",
            Buckets::exponential(0.0, 2.0, 4),
        ),
        ("linear(1.0, 0.0, 3)", Buckets::linear(1.0, 0.0, 3)),
        (
            "exponential(1.0, 2.0, 21)",
            Buckets::exponential(1.0, 2.0, 21),
        ),
    ];
    for (input, result) in cases {
        assert_derive_says(&errors, input, &result.unwrap_err().to_string());
    }
}
