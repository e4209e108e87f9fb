use super::MetricKind::*;
use super::*;

#[test]
fn snake_case() {
    let table = [
        ("ClientError", "client_error"),
        ("Get", "get"),
        ("HTTPRequests", "http_requests"),
        ("requestsTotal", "requests_total"),
        ("HttpRequestsTotal", "http_requests_total"),
        ("already_snake", "already_snake"),
        ("http-requests.total", "http_requests_total"),
        ("job:rate5m", "job_rate5m"),
        ("Http2Error", "http2_error"),
        ("IOError", "io_error"),
        ("A", "a"),
        ("__x__", "x"),
        ("a__b", "a_b"),
        ("ABC", "abc"),
    ];
    for (input, expected) in table {
        assert_eq!(to_snake_case(input), expected, "{input}");
    }
}

fn ok(name: &str, kind: MetricKind) {
    let problems = check_metric_name(name, kind);
    assert!(problems.is_empty(), "{name} ({kind:?}): {problems:?}");
}

fn bad(name: &str, kind: MetricKind, expected: &str) {
    let problems = check_metric_name(name, kind);
    assert!(
        problems.iter().any(|p| p.contains(expected)),
        "{name} ({kind:?}): expected {expected:?} in {problems:?}"
    );
}

#[test]
fn good_metric_names() {
    let table = [
        ("http_requests_total", Counter),
        ("requests_total", Counter),
        ("request_duration_seconds", Histogram),
        ("response_size_bytes", Summary),
        ("ws_connections_active", Gauge),
        ("process_uptime_seconds", Gauge),
        ("build_info", Info),
        ("disk_read_bytes_total", Counter),
        ("cpu_seconds_total", Counter),
        ("temperature_celsius", Gauge),
        ("cache_hit_ratio", Gauge),
        ("last_success_timestamp_seconds", Gauge),
        ("queue_depth", Gauge),
        ("http2_streams", Gauge),
        ("distance_metres", Gauge),
        ("color_temperature_kelvin", Gauge),
        ("status_messages_total", Counter),
        ("timestamps_seen_total", Counter),
    ];
    for (name, kind) in table {
        ok(name, kind);
    }
}

#[test]
fn charset() {
    let table = [
            ("", "cannot be empty"),
            ("requestsTotal", "snake_case, not camelCase: write `requests_total`"),
            ("Requests_total", "write `requests_total`"),
            ("job:requests_total", "`:` is reserved for recording rules, not for instrumented code: write `job_requests_total`"),
            ("http-requests_total", "may only contain lowercase ASCII letters, digits and `_`: write `http_requests_total`"),
            ("café_total", "may only contain"),
            ("5xx_total", "must start with a letter: write `n5xx_total`"),
            ("5xx_responses_total", "must start with a letter: write `responses_5xx_total`"),
            ("_requests_total", "cannot start with `_`"),
            ("requests__total", "cannot contain `__`"),
            ("requests_", "cannot end in `_`"),
        ];
    for (name, expected) in table {
        bad(name, Counter, expected);
        assert_eq!(check_metric_name(name, Counter).len(), 1, "{name}");
    }
}

#[test]
fn type_suffixes() {
    let table = [
        (
            "requests",
            Counter,
            "a counter's name ends in `_total`: write `requests_total`",
        ),
        ("requests_count", Counter, "write `requests_total`"),
        (
            "requests_total_bytes",
            Counter,
            "write `requests_bytes_total`",
        ),
        ("total", Counter, "write `total_total`"),
        (
            "requests_total_total",
            Counter,
            "ends in `_total` twice: write `requests_total`",
        ),
        (
            "queue_total",
            Gauge,
            "only counters end in `_total`, and this is a gauge: write `queue`",
        ),
        ("latency_seconds_total", Histogram, "this is a histogram"),
        (
            "build",
            Info,
            "an info metric's name ends in `_info`: write `build_info`",
        ),
        ("build_information", Info, "write `build_info`"),
        ("build_info", Gauge, "only info metrics end in `_info`"),
    ];
    for (name, kind, expected) in table {
        bad(name, kind, expected);
    }
}

#[test]
fn reserved_suffixes() {
    let table = [
            ("queue_bucket", Gauge, "`_bucket` is a reserved suffix"),
            ("jobs_count", Gauge, "`_count` is a reserved suffix (histograms and summaries expose their observation count as `<name>_count`): write `jobs` (a gauge), or `jobs_total` as a `Counter`"),
            ("latency_seconds_sum", Histogram, "`_sum` is a reserved suffix"),
            ("sessions_created", Gauge, "`_created` is a reserved suffix"),
            ("x_gsum", Summary, "`_gsum`"),
            ("last_run_timestamp_seconds", Histogram, "only a `Gauge` can: make it a `Gauge`"),
        ];
    for (name, kind, expected) in table {
        bad(name, kind, expected);
    }
}

#[test]
fn type_words() {
    let table = [
        (
            "requests_counter_total",
            Counter,
            "(`counter`): `# TYPE` already says it; write `requests_total`",
        ),
        (
            "requests_counter",
            Counter,
            "a counter's name ends in `_total`: write `requests_total`",
        ),
        ("queue_gauge", Gauge, "write `queue`"),
        ("gauge_queue_depth", Gauge, "write `queue_depth`"),
        (
            "latency_histogram_seconds",
            Histogram,
            "write `latency_seconds`",
        ),
        ("size_summary_bytes", Summary, "(`summary`)"),
    ];
    for (name, kind, expected) in table {
        bad(name, kind, expected);
    }
}

#[test]
fn units() {
    let table = [
            ("request_duration_milliseconds", Histogram, "use the base unit `seconds` instead of `milliseconds` (record `Duration::as_secs_f64()`): write `request_duration_seconds`"),
            ("request_duration_ms", Histogram, "write `request_duration_seconds`"),
            ("timeout_us", Gauge, "instead of `us`"),
            ("gc_pause_ns", Summary, "instead of `ns`"),
            ("uptime_secs", Gauge, "instead of `secs`"),
            ("wait_millis_total", Counter, "write `wait_seconds_total`"),
            ("age_minutes", Gauge, "instead of `minutes`"),
            ("age_hours", Gauge, "`seconds`"),
            ("cert_expiry_days", Gauge, "`seconds`"),
            ("retention_weeks", Gauge, "`seconds`"),
            ("heap_kilobytes", Gauge, "use the base unit `bytes` instead of `kilobytes`: write `heap_bytes`"),
            ("heap_megabytes", Gauge, "`bytes`"),
            ("heap_gibibytes", Gauge, "`bytes`"),
            ("heap_mb", Gauge, "`bytes`"),
            ("heap_kib", Gauge, "`bytes`"),
            ("received_bits_total", Counter, "write `received_bytes_total`"),
            ("sent_megabits_total", Counter, "`bytes`"),
            ("temperature_fahrenheit", Gauge, "`celsius`"),
            ("temperature_kelvins", Gauge, "`kelvin`"),
            ("distance_kilometers", Gauge, "`meters`"),
            ("distance_miles", Gauge, "`meters`"),
            ("distance_feet", Gauge, "`meters`"),
            ("height_millimeters", Gauge, "`meters`"),
            ("weight_kilograms", Gauge, "`grams`"),
            ("weight_pounds", Gauge, "`grams`"),
            ("supply_millivolts", Gauge, "`volts`"),
            ("current_milliamperes", Gauge, "`amperes`"),
            ("energy_kilojoules_total", Counter, "`joules`"),
            ("energy_calories_total", Counter, "`joules`"),
            ("cpu_usage_percent", Gauge, "record a fraction between 0 and 1 instead of a percentage: write `cpu_usage_ratio`"),
            ("disk_m", Gauge, "`m` is ambiguous"),
        ];
    for (name, kind, expected) in table {
        bad(name, kind, expected);
    }
}

#[test]
fn durations_need_seconds() {
    let table = [
            ("request_duration", Histogram, "a duration is measured in seconds, and the name ends in its unit: write `request_duration_seconds`"),
            ("request_latency", Summary, "write `request_latency_seconds`"),
            ("response_time", Histogram, "write `response_time_seconds`"),
            ("cpu_time_total", Counter, "write `cpu_time_seconds_total`"),
            ("last_seen_timestamp", Gauge, "a timestamp is measured in seconds since the Unix epoch"),
        ];
    for (name, kind, expected) in table {
        bad(name, kind, expected);
    }
    // One message per mistake: a non-base time unit is not also "missing seconds".
    assert_eq!(check_metric_name("request_duration_ms", Histogram).len(), 1);
}

#[test]
fn declared_units() {
    let table: [(&str, &str, MetricKind, Option<&str>); 11] = [
            ("seconds", "response_size_bytes", Histogram, Some("the unit is `seconds` but the name ends in `_bytes`: make them agree, `unit = \"bytes\"` or the name `response_size_seconds`")),
            ("seconds", "read_bytes_total", Counter, Some("or the name `read_seconds_total`")),
            ("seconds", "request_duration_seconds", Histogram, None),
            ("bytes", "read_bytes_total", Counter, None),
            ("seconds", "request_duration", Histogram, Some("must end in `_seconds`: name it `request_duration_seconds`")),
            ("bytes", "read_total", Counter, Some("must end in `_bytes` (before `_total`): name it `read_bytes_total`")),
            ("milliseconds", "x_milliseconds", Gauge, Some("use the base unit `seconds` instead of `milliseconds` (record `Duration::as_secs_f64()`): write `seconds`")),
            ("Seconds", "x_seconds", Gauge, Some("a unit is a lowercase snake_case word: write `seconds`")),
            ("seconds", "build_info", Info, Some("an info metric has no unit")),
            ("conds", "x_seconds", Gauge, Some("the unit is `conds` but the name ends in `_seconds`")),
            ("seconds", "queue", Gauge, Some("must end in `_seconds`: name it `queue_seconds`")),
        ];
    for (unit, name, kind, expected) in table {
        let problems = check_declared_unit(unit, name, kind);
        match expected {
            None => assert!(problems.is_empty(), "{unit} {name}: {problems:?}"),
            Some(expected) => assert!(
                problems.iter().any(|p| p.contains(expected)),
                "{unit} {name}: expected {expected:?} in {problems:?}"
            ),
        }
    }
}

#[test]
fn namespaces() {
    assert!(check_namespace("http").is_empty());
    assert!(check_namespace("my_service").is_empty());
    let table = [
        ("Http", "write `http`"),
        ("http_", "cannot end in `_`"),
        ("_http", "cannot start with `_`"),
        ("app:http", "`:`"),
        ("counter", "should not include a metric type"),
        ("http_seconds", "should not include a unit"),
    ];
    for (ns, expected) in table {
        let problems = check_namespace(ns);
        assert!(
            problems.iter().any(|p| p.contains(expected)),
            "{ns}: expected {expected:?} in {problems:?}"
        );
    }
}

#[test]
fn label_names() {
    for ok in [
        "method",
        "status",
        "route",
        "type_",
        "http2",
        "tier",
        "user_tier",
        "kind",
    ] {
        assert_eq!(check_label_name(ok), Ok(()), "{ok}");
        assert_eq!(check_high_cardinality_label_name(ok), Ok(()), "{ok}");
    }
    let table = [
        ("Method", "write `method`"),
        ("statusCode", "write `status_code`"),
        ("_method", "cannot start with `_`"),
        ("__name__", "cannot start with `_`"),
        ("a__b", "cannot contain `__`"),
        ("le", "histograms use it"),
        ("quantile", "summaries use it"),
        ("job", "exported_job"),
        ("instance", "exported_instance"),
    ];
    for (name, expected) in table {
        let err = check_label_name(name).unwrap_err();
        assert!(err.contains(expected), "{name}: {err}");
    }
}

#[test]
fn high_cardinality_label_names() {
    for name in [
        "id",
        "user_id",
        "request_id",
        "trace_id",
        "timestamp",
        "time",
        "date",
        "email",
        "user_email",
        "ip",
        "client_ip",
        "ip_address",
        "uuid",
        "order_uuid",
        "session",
        "token",
        "url",
        "path_raw",
        "user",
        "username",
    ] {
        assert!(check_high_cardinality_label_name(name).is_err(), "{name}");
    }
}

#[test]
fn units_from_names() {
    assert_eq!(
        unit_of_name("request_duration_seconds", Histogram),
        Some("seconds")
    );
    assert_eq!(unit_of_name("read_bytes_total", Counter), Some("bytes"));
    assert_eq!(unit_of_name("cache_hit_ratio", Gauge), Some("ratio"));
    assert_eq!(unit_of_name("queue_depth", Gauge), None);
    assert_eq!(unit_of_name("seconds", Gauge), None);
    assert_eq!(unit_of_name("seconds_total", Counter), None);
    assert_eq!(unit_of_name("build_bytes_info", Info), None);
}

#[test]
fn legacy_names() {
    assert!(check_exposition_name("httpRequests_total").is_ok());
    assert!(check_exposition_name("job:rate5m").is_ok());
    assert!(check_exposition_name("__x").is_err());
    assert!(check_exposition_name("a-b").is_err());
    assert!(check_exposition_name("").is_err());
    assert!(check_exposition_suffix("latency_ms", Histogram).is_ok());
    assert!(check_exposition_suffix("requests", Counter).is_err());
    assert!(check_exposition_suffix("build", Info).is_err());
}

#[test]
fn family_names() {
    assert_eq!(family_name("requests_total", Counter), "requests");
    assert_eq!(family_name("build_info", Info), "build");
    assert_eq!(family_name("queue_total", Gauge), "queue_total");
}

#[test]
fn unit_words() {
    let table = [
        ("milliseconds", Some("seconds")),
        ("seconds", None),
        ("kibibytes", Some("bytes")),
        ("kilobits", Some("bytes")),
        ("picoseconds", Some("seconds")),
        ("millicelsius", Some("celsius")),
        ("status", None),
        ("ratio", None),
        ("milliratio", None),
    ];
    for (word, expected) in table {
        assert_eq!(non_base_unit(word), expected, "{word}");
    }
}
