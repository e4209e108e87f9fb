//! The text-format parser the dashboard scrapes with: the grammar's corners
//! (escapes, `+Inf`/`NaN`, timestamps, histograms, label values holding `,`,
//! `}` or `"`), the errors Prometheus also raises, round trips of our own
//! encoder, and agreement with Python's `prometheus_client` parser.

use promstrict::sampler::{Snapshot, SnapshotValue};
use promstrict::scrape::{parse_text, to_snapshot, FamilyType, ParsedSample};
use promstrict::{Buckets, Counter, Descriptor, Format, Gauge, Histogram, Registry, Summary};

fn sample<'a>(families: &'a [promstrict::scrape::ParsedFamily], name: &str) -> &'a ParsedSample {
    families
        .iter()
        .flat_map(|f| &f.samples)
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no sample {name} in {families:#?}"))
}

fn pairs(labels: &[(&str, &str)]) -> Vec<(String, String)> {
    labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn label_values_may_hold_anything_escaped() {
    let text = concat!(
        "# HELP http_requests_total Requests, with \\\\ and a\\nnewline.\n",
        "# TYPE http_requests_total counter\n",
        r##"http_requests_total{path="/a,b}c",query="x=\"1\"",win="C:\\dir",multi="l1\nl2",hash="# not a comment",brace="{}"} 7"##,
        "\n",
    );
    let families = parse_text(text).unwrap();
    assert_eq!(families.len(), 1);
    let f = &families[0];
    assert_eq!(f.family_type, FamilyType::Counter);
    assert_eq!(f.help.as_deref(), Some("Requests, with \\ and a\nnewline."));
    let s = &f.samples[0];
    assert_eq!(
        s.labels,
        pairs(&[
            ("path", "/a,b}c"),
            ("query", "x=\"1\""),
            ("win", "C:\\dir"),
            ("multi", "l1\nl2"),
            ("hash", "# not a comment"),
            ("brace", "{}"),
        ])
    );
    assert_eq!(s.value, 7.0);
}

#[test]
fn special_values_and_timestamps() {
    let text = "\
a +Inf
b -Inf
c NaN
d Inf
e nan
f 1e3
g -0.5
h 2.5e-3 1700000000123
i 1 -1
j 0x1p0
k 3 1700000000.5
";
    let result = parse_text(text);
    // Go's ParseFloat takes hex floats; they do not occur in practice and are
    // refused here, which Prometheus would not do.
    let err = result.unwrap_err();
    assert_eq!(err.line, 10, "{err}");
    let text = text.replace("j 0x1p0\n", "");
    let families = parse_text(&text).unwrap();
    let v = |n: &str| sample(&families, n).value;
    assert_eq!(v("a"), f64::INFINITY);
    assert_eq!(v("b"), f64::NEG_INFINITY);
    assert!(v("c").is_nan());
    assert_eq!(v("d"), f64::INFINITY);
    assert!(v("e").is_nan());
    assert_eq!(v("f"), 1000.0);
    assert_eq!(v("g"), -0.5);
    assert_eq!(v("h"), 0.0025);
    assert_eq!(sample(&families, "h").timestamp_ms, Some(1_700_000_000_123));
    assert_eq!(sample(&families, "i").timestamp_ms, Some(-1));
    assert_eq!(sample(&families, "a").timestamp_ms, None);
    // OpenMetrics timestamps are seconds with a fraction.
    assert_eq!(sample(&families, "k").timestamp_ms, Some(1_700_000_000_500));
    assert!(families
        .iter()
        .all(|f| f.family_type == FamilyType::Untyped));
}

#[test]
fn whitespace_comments_and_line_endings() {
    let text = "# just a comment\n#\n\n  \t\r\n# HELP  x   Spaced   help.  \r\n# TYPE x gauge\r\n  x{ a = \"1\" ,b=\"2\", }\t3\t 42 \r\n# EOF\n";
    let families = parse_text(text).unwrap();
    assert_eq!(families.len(), 1);
    let f = &families[0];
    assert_eq!(f.help.as_deref(), Some("Spaced   help.  "));
    assert_eq!(f.family_type, FamilyType::Gauge);
    assert_eq!(f.samples[0].labels, pairs(&[("a", "1"), ("b", "2")]));
    assert_eq!(f.samples[0].value, 3.0);
    assert_eq!(f.samples[0].timestamp_ms, Some(42));
    assert_eq!(parse_text("").unwrap(), vec![]);
    assert_eq!(parse_text("x{} 1").unwrap()[0].samples[0].labels, vec![]);
}

#[test]
fn histograms_group_their_samples() {
    let text = r#"# HELP rpc_duration_seconds RPC latency.
# TYPE rpc_duration_seconds histogram
rpc_duration_seconds_bucket{method="get",le="0.5"} 8
rpc_duration_seconds_bucket{method="get",le="0.1"} 2
rpc_duration_seconds_bucket{method="get",le="+Inf"} 10
rpc_duration_seconds_sum{method="get"} 3.5
rpc_duration_seconds_count{method="get"} 10
rpc_duration_seconds_bucket{le="1",method="put"} 1
rpc_duration_seconds_count{method="put"} 4
rpc_duration_seconds_sum{method="put"} 9
"#;
    let families = parse_text(text).unwrap();
    assert_eq!(families.len(), 1);
    assert_eq!(families[0].family_type, FamilyType::Histogram);
    assert_eq!(families[0].samples.len(), 8);
    let snapshot = to_snapshot(&families);
    assert_eq!(snapshot.series().len(), 2);
    let get = snapshot
        .find("rpc_duration_seconds", &[("method", "get")])
        .unwrap();
    assert_eq!(get.labels, pairs(&[("method", "get")]));
    assert_eq!(
        get.value,
        SnapshotValue::Histogram {
            buckets: vec![(0.1, 2.0), (0.5, 8.0), (f64::INFINITY, 10.0)],
            count: 10.0,
            sum: 3.5,
        }
    );
    // No `+Inf` bucket: `_count` stands in for it.
    let put = snapshot
        .find("rpc_duration_seconds", &[("method", "put")])
        .unwrap();
    assert_eq!(
        put.value,
        SnapshotValue::Histogram {
            buckets: vec![(1.0, 1.0), (f64::INFINITY, 4.0)],
            count: 4.0,
            sum: 9.0,
        }
    );
}

#[test]
fn summaries_counters_and_openmetrics_names() {
    let text = r#"# TYPE rpc_seconds summary
rpc_seconds{quantile="0.5"} 0.2
rpc_seconds{quantile="0.99"} 1.5
rpc_seconds_sum 30
rpc_seconds_count 100
# TYPE jobs counter
jobs_total{queue="a"} 3
jobs_created{queue="a"} 1.7e9
# TYPE legacy_total counter
legacy_total 5
# TYPE build info
build_info{version="1.2"} 1
{"my.dotted.metric", "label.with.dots"="v"} 9
loose_untyped 1
"#;
    let families = parse_text(text).unwrap();
    let names: Vec<(&str, FamilyType)> = families
        .iter()
        .map(|f| (f.name.as_str(), f.family_type))
        .collect();
    assert_eq!(
        names,
        vec![
            ("rpc_seconds", FamilyType::Summary),
            ("jobs", FamilyType::Counter),
            ("legacy_total", FamilyType::Counter),
            ("build", FamilyType::Other),
            ("my.dotted.metric", FamilyType::Untyped),
            ("loose_untyped", FamilyType::Untyped),
        ]
    );
    assert_eq!(
        sample(&families, "my.dotted.metric").labels,
        pairs(&[("label.with.dots", "v")])
    );
    let snapshot = to_snapshot(&families);
    let find = |n: &str, l: &[(&str, &str)]| snapshot.find(n, l).map(|s| s.value.clone());
    assert_eq!(
        find("rpc_seconds", &[("quantile", "0.99")]),
        Some(SnapshotValue::Gauge(1.5))
    );
    let summary = snapshot
        .series()
        .iter()
        .find(|s| s.name == "rpc_seconds" && s.labels.is_empty())
        .map(|s| s.value.clone());
    assert_eq!(
        summary,
        Some(SnapshotValue::Summary {
            count: 100.0,
            sum: 30.0
        })
    );
    assert_eq!(
        find("jobs_total", &[("queue", "a")]),
        Some(SnapshotValue::Counter(3.0))
    );
    assert_eq!(
        find("jobs_created", &[]),
        None,
        "_created is not a counter value"
    );
    assert_eq!(find("legacy_total", &[]), Some(SnapshotValue::Counter(5.0)));
    assert_eq!(find("build_info", &[]), None);
    assert_eq!(
        find("loose_untyped", &[]),
        Some(SnapshotValue::Untyped(1.0))
    );
}

#[test]
fn exemplars_are_skipped() {
    let text = "# TYPE a counter\na_total 5 # {trace_id=\"abc\"} 1.0 1700000000.1\na_created 1\n";
    let families = parse_text(text).unwrap();
    assert_eq!(sample(&families, "a_total").value, 5.0);
    let text = "b 5 123 # {trace_id=\"x\"} 2\n";
    assert_eq!(
        sample(&parse_text(text).unwrap(), "b").timestamp_ms,
        Some(123)
    );
}

#[test]
fn malformed_lines_are_errors_with_their_line_number() {
    let cases: &[(&str, usize, &str)] = &[
        ("ok 1\nnovalue\n", 2, "expected a value"),
        ("x abc\n", 1, "invalid value"),
        ("x{a=\"1} 2\n", 1, "unterminated"),
        ("x{a=\"\\t\"} 2\n", 1, "invalid escape"),
        ("x{a=\"1\",a=\"2\"} 2\n", 1, "given twice"),
        ("x{a=1} 2\n", 1, "must be quoted"),
        ("x{a} 2\n", 1, "expected `=`"),
        ("x{a=\"1\" b=\"2\"} 2\n", 1, "expected `,`"),
        ("x{1a=\"1\"} 2\n", 1, "invalid label name"),
        ("1abc 2\n", 1, "invalid metric name"),
        ("x 1 2 3\n", 1, "unexpected"),
        ("x 1 soon\n", 1, "invalid timestamp"),
        ("x 1\n# TYPE x gauge\n", 2, "after its samples"),
        ("# TYPE x gauge\n# TYPE x counter\n", 2, "second TYPE"),
        ("# TYPE x untyped\n# TYPE x untyped\n", 2, "second TYPE"),
        ("# HELP x a\n# HELP x b\n", 2, "second HELP"),
        ("# TYPE x histogrom\n", 1, "unknown metric type"),
        ("# TYPE\n", 1, "metric name"),
        ("# HELP x bad \\q escape\n", 1, "invalid escape"),
        ("{\"a\", \"b\"} 1\n", 1, "given twice"),
        ("{\"a\"} 1\n{\"b\" 1\n", 2, "expected `,`"),
        ("{} 1\n", 1, "needs a metric name"),
    ];
    for (text, line, message) in cases {
        let err = parse_text(text).expect_err(text);
        assert_eq!(err.line, *line, "{text:?}: {err}");
        assert!(err.message.contains(message), "{text:?}: {err}");
    }
    // Checks across lines: every bucket has a numeric `le`, every summary
    // sample a `quantile`.
    let err = parse_text("# TYPE h histogram\nh_bucket{le=\"x\"} 1\n").unwrap_err();
    assert!(err.message.contains("not a number"), "{err}");
    let err = parse_text("# TYPE h histogram\nh_bucket 1\n").unwrap_err();
    assert!(err.message.contains("no `le`"), "{err}");
    let err = parse_text("# TYPE s summary\ns 1\n").unwrap_err();
    assert!(err.message.contains("no `quantile`"), "{err}");
}

/// Our own encoder's output reads back as the registry's values, label
/// values with every special character included.
#[test]
fn our_exposition_round_trips() {
    let registry = Registry::new();
    let weird = "a,b}c\"d\\e\nf=g{h";
    let c = registry
        .register_with(
            Descriptor::new("jobs_total", "Jobs \\ with \n help.").const_label("queue", weird),
            Counter::new(),
        )
        .unwrap();
    c.inc_by(42);
    let g = registry
        .register("temperature_celsius", "Temp.", Gauge::<f64>::default())
        .unwrap();
    g.set(-3.25);
    let h = registry
        .register(
            "job_duration_seconds",
            "Latency.",
            Histogram::new(Buckets::new(&[0.005, 0.1, 2.5]).unwrap()),
        )
        .unwrap();
    for v in [0.001, 0.05, 0.05, 1.0, 7.0] {
        h.observe(v);
    }
    let s = registry
        .register("payload_bytes", "Sizes.", Summary::default())
        .unwrap();
    s.observe(512.0);
    let text = registry.encode(Format::Prometheus);
    let families = parse_text(&text).unwrap();
    assert_eq!(sample(&families, "jobs_total").label("queue"), Some(weird));
    assert_eq!(families[0].help.as_deref(), Some("Jobs \\ with \n help."));
    let parsed = to_snapshot(&families);
    let direct = Snapshot::from_registry(&registry);
    assert_eq!(parsed.series().len(), direct.series().len(), "{text}");
    for series in direct.series() {
        let got = parsed
            .series()
            .iter()
            .find(|p| p.name == series.name && p.labels == series.labels)
            .unwrap_or_else(|| panic!("{series:?} missing from\n{text}"));
        assert_eq!(got.value, series.value, "{text}");
    }
}

/// Python's `prometheus_client` text parser (the reference client library's)
/// reads the same samples from the same tricky exposition.
#[test]
fn agrees_with_pythons_parser() {
    let Some(python) = metrics_toolkit::python_with_prometheus_client() else {
        return;
    };
    let text = concat!(
        "# HELP a_total Help with \\\\ and \\n.\n",
        "# TYPE a_total counter\n",
        "a_total{path=\"/x,y}z\",q=\"say \\\"hi\\\"\",nl=\"1\\n2\",bs=\"C:\\\\\"} 1.5\n",
        "a_total{path=\"\"} 0 1700000000000\n",
        "# TYPE g gauge\n",
        "g +Inf\n",
        "g{x=\"1\"} -Inf\n",
        "g{x=\"2\"} NaN\n",
        "g{x=\"3\"} -1.5e-7\n",
        "# TYPE h histogram\n",
        "h_bucket{le=\"0.1\"} 1\n",
        "h_bucket{le=\"1\"} 3\n",
        "h_bucket{le=\"+Inf\"} 4\n",
        "h_sum 2.25\n",
        "h_count 4\n",
        "# TYPE s summary\n",
        "s{quantile=\"0.5\"} 0.3\n",
        "s_sum 12\n",
        "s_count 40\n",
        "untyped_thing{a=\"b\",} 17\n",
    );
    const SCRIPT: &str = r#"
import sys, json, math, struct
from prometheus_client.parser import text_string_to_metric_families
out = []
for f in text_string_to_metric_families(sys.stdin.read()):
    for s in f.samples:
        v = float(s.value)
        bits = "nan" if math.isnan(v) else str(struct.unpack("<Q", struct.pack("<d", v))[0])
        out.append([s.name, sorted(s.labels.items()), bits])
print(json.dumps(sorted(out, key=json.dumps)))
"#;
    let mut child = std::process::Command::new(python)
        .args(["-c", SCRIPT])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let theirs = String::from_utf8(output.stdout).unwrap();

    let families = parse_text(text).unwrap();
    let mut ours: Vec<String> = Vec::new();
    for s in families.iter().flat_map(|f| &f.samples) {
        // Python's client names the OpenMetrics way: a counter family
        // without `_total`, but samples keep it.
        let mut labels: Vec<String> = s
            .labels
            .iter()
            .map(|(k, v)| format!("[{},{}]", json(k), json(v)))
            .collect();
        labels.sort();
        // Compared bit for bit (NaN payloads aside).
        let value = if s.value.is_nan() {
            "\"nan\"".to_owned()
        } else {
            format!("\"{}\"", s.value.to_bits())
        };
        ours.push(format!(
            "[{}, [{}], {}]",
            json(&s.name),
            labels.join(", "),
            value
        ));
    }
    let theirs: Vec<String> = split_top_level(&theirs);
    let mut ours_sorted = ours.clone();
    ours_sorted.sort();
    let mut theirs_sorted: Vec<String> = theirs.iter().map(|s| normalise(s)).collect();
    theirs_sorted.sort();
    let ours_sorted: Vec<String> = ours_sorted.iter().map(|s| normalise(s)).collect();
    assert_eq!(ours_sorted, theirs_sorted);
}

fn json(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The elements of a JSON array of arrays, as text.
fn split_top_level(array: &str) -> Vec<String> {
    let inner = array
        .trim()
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .unwrap();
    let mut items = Vec::new();
    let (mut depth, mut in_string, mut escaped, mut start) = (0, false, false, 0);
    for (i, c) in inner.char_indices() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '[' => {
                if depth == 0 {
                    start = i;
                }
                depth += 1;
            }
            ']' => {
                depth -= 1;
                if depth == 0 {
                    items.push(inner[start..=i].to_owned());
                }
            }
            _ => {}
        }
    }
    items
}

/// Whitespace outside strings removed, so both sides compare as text.
fn normalise(s: &str) -> String {
    let mut out = String::new();
    let (mut in_string, mut escaped) = (false, false);
    for c in s.chars() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if !c.is_whitespace() {
            if c == '"' {
                in_string = true;
            }
            out.push(c);
        }
    }
    out
}

/// OpenMetrics escapes `"` in HELP texts; our own OpenMetrics output must
/// read back with the help text as registered.
#[test]
fn reads_quotes_escaped_in_help_texts() {
    let registry = promstrict::Registry::new();
    registry
        .register(
            "cpu_seconds_total",
            "CPU time \"spent\" \\ here",
            promstrict::Counter::<f64>::default(),
        )
        .unwrap();
    for format in [
        promstrict::Format::OpenMetrics,
        promstrict::Format::Prometheus,
    ] {
        let text = registry.encode(format);
        let families = parse_text(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(
            families[0].help.as_deref(),
            Some("CPU time \"spent\" \\ here"),
            "{text}"
        );
    }
}

/// A hostile page with one sample of 100,000 labels parses in linear time
/// (the duplicate check used to compare every label with every earlier one),
/// and a duplicate among many labels is still found, wherever it is.
#[test]
fn many_labels_parse_and_duplicates_among_them_are_found() {
    let labels: Vec<String> = (0..100_000).map(|i| format!("l{i}=\"v\"")).collect();
    let page = format!("x{{{}}} 1\n", labels.join(","));
    let families = parse_text(&page).unwrap();
    assert_eq!(families[0].samples[0].labels.len(), 100_000);
    assert_eq!(families[0].samples[0].label("l99999"), Some("v"));

    for (len, dup_at) in [(20, 19), (17, 16), (16, 15), (100_000, 99_999)] {
        let mut labels: Vec<String> = (0..len).map(|i| format!("l{i}=\"v\"")).collect();
        labels[dup_at] = "l3=\"w\"".to_owned();
        let page = format!("x{{{}}} 1\n", labels.join(","));
        let err = parse_text(&page).unwrap_err();
        assert!(
            err.to_string().contains("label `l3` given twice"),
            "{len}: {err}"
        );
    }
}
