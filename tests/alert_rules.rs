//! The generated rules file and dashboard, checked by their real consumers:
//! `promtool check rules` accepts the file, `promtool test rules` shows each
//! alert firing on bad input only after its `for:` and never on healthy
//! input, and the dashboard has the structure Grafana imports.

use std::path::{Path, PathBuf};
use std::process::Command;

use metrics_toolkit::{grafana_sdk_decode, promtool};
use promstrict::generate::{DashboardOptions, RulesOptions};
use promstrict::{
    Buckets, Counter, Family, Histogram, LabelSet, LabelValue, Metrics, Objective, Registry,
};
use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
#[allow(dead_code)]
enum StatusClass {
    #[label(name = "2xx")]
    Success,
    #[label(name = "5xx")]
    ServerError,
}

#[derive(Clone, Copy, Debug, LabelSet)]
struct StatusLabels {
    status: StatusClass,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
#[allow(dead_code)]
enum LlmStatus {
    Ok,
    Error,
}

#[derive(Clone, Copy, Debug, LabelSet)]
struct LlmLabels {
    status: LlmStatus,
}

/// Families shaped like the HTTP layer's and an LLM client's, with one
/// objective of each kind.
#[derive(Metrics)]
struct ServiceMetrics {
    /// HTTP requests answered, by status class.
    #[metric(objective(errors(status = "5xx"), percent = 99.9))]
    http_requests_total: Family<StatusLabels, Counter>,
    /// HTTP request duration.
    #[metric(buckets = [0.1, 0.25, 0.5, 1.0, 2.0, 5.0], objective(latency = 0.25, percent = 99.0))]
    http_request_duration_seconds: Histogram,
    /// LLM requests, by outcome.
    llm_requests_total: Family<LlmLabels, Counter>,
}

fn registry() -> Registry {
    let registry = Registry::new();
    ServiceMetrics::register(&registry).unwrap();
    // A hand-registered objective too.
    registry
        .register(
            "export_duration_seconds",
            "Time to export a report.",
            Histogram::new(Buckets::new(&[1.0, 5.0, 30.0]).unwrap()),
        )
        .unwrap();
    registry
        .add_objective("export_duration_seconds", Objective::latency(5.0, 95.0))
        .unwrap();
    registry
}

/// A temporary directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(what: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let dir =
            std::env::temp_dir().join(format!("alert-rules-{what}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run_promtool(promtool: &Path, args: &[&str], dir: &Path) -> (bool, String) {
    let out = Command::new(promtool)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run promtool");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn promtool_accepts_the_rules_file() {
    let Some(promtool) = promtool() else {
        return;
    };
    let dir = TempDir::new("check");
    let rules = registry().alert_rules(&RulesOptions::default());
    std::fs::write(dir.0.join("rules.yml"), &rules).unwrap();
    let (ok, output) = run_promtool(&promtool, &["check", "rules", "rules.yml"], &dir.0);
    assert!(ok, "{output}\n--- rules.yml ---\n{rules}");
    // 2 counters' rates, 2 histograms' 3 quantiles, 3 objectives × 7 windows;
    // 3 objectives × 2 burn-rate alerts and the 3 service alerts.
    assert!(output.contains("SUCCESS: 38 rules found"), "{output}");
}

#[test]
fn promtool_accepts_an_empty_registry_and_hostile_help_texts() {
    let Some(promtool) = promtool() else {
        return;
    };
    let dir = TempDir::new("empty");
    std::fs::write(
        dir.0.join("empty.yml"),
        Registry::new().alert_rules(&RulesOptions::default()),
    )
    .unwrap();
    let (ok, output) = run_promtool(&promtool, &["check", "rules", "empty.yml"], &dir.0);
    assert!(ok, "{output}");

    let registry = Registry::with_namespace("odd");
    registry
        .register(
            "things_total",
            "Says \"hi\": {{ $value }}\n- alert: Injected\n\texpr: vector(1) # \\ ",
            Counter::new(),
        )
        .unwrap();
    let options = RulesOptions {
        group_prefix: "a \"quoted\": prefix\n".to_owned(),
        ..RulesOptions::default()
    };
    let rules = registry.alert_rules(&options);
    std::fs::write(dir.0.join("odd.yml"), &rules).unwrap();
    let (ok, output) = run_promtool(&promtool, &["check", "rules", "odd.yml"], &dir.0);
    assert!(ok, "{output}\n{rules}");
    assert!(output.contains("SUCCESS: 1 rules found"), "{output}");
}

/// `promtool test rules` cases: each alert fires on bad input once its
/// `for:` has passed, not before, and never on healthy input.
#[test]
fn alerts_fire_after_their_for_and_only_on_bad_input() {
    let Some(promtool) = promtool() else {
        return;
    };
    let dir = TempDir::new("test");
    std::fs::write(
        dir.0.join("rules.yml"),
        registry().alert_rules(&RulesOptions::default()),
    )
    .unwrap();
    let tests = r#"rule_files:
  - rules.yml
evaluation_interval: 1m
tests:
  # 10 % of the requests fail, all are slow (over 0.25 s, under 0.5 s), and
  # no LLM request is made.
  - interval: 1m
    input_series:
      - series: 'http_requests_total{job="api",status="2xx"}'
        values: '0+90x200'
      - series: 'http_requests_total{job="api",status="5xx"}'
        values: '0+10x200'
      - series: 'http_request_duration_seconds_bucket{job="api",le="0.25"}'
        values: '0+0x200'
      - series: 'http_request_duration_seconds_bucket{job="api",le="0.5"}'
        values: '0+100x200'
      - series: 'http_request_duration_seconds_bucket{job="api",le="+Inf"}'
        values: '0+100x200'
      - series: 'http_request_duration_seconds_count{job="api"}'
        values: '0+100x200'
      - series: 'http_request_duration_seconds_sum{job="api"}'
        values: '0+40x200'
      - series: 'llm_requests_total{job="api",status="ok"}'
        values: '5+0x200'
    alert_rule_test:
      # The error ratio is over 5 % from 1m; `for: 5m` holds it back until 6m.
      - eval_time: 5m
        alertname: HighErrorRate
        exp_alerts: []
      - eval_time: 7m
        alertname: HighErrorRate
        exp_alerts:
          - exp_labels: {severity: warning, job: api}
            exp_annotations: {summary: "High error rate detected"}
      - eval_time: 5m
        alertname: HighLatency
        exp_alerts: []
      - eval_time: 7m
        alertname: LLMServiceDown
        exp_alerts:
          - exp_labels: {severity: critical, job: api}
            exp_annotations: {summary: "LLM service appears to be down"}
      # Burning 100× the budget: the page alerts wait for `for: 2m` (from
      # 1m), the ticket alerts for `for: 15m`.
      - eval_time: 2m
        alertname: ErrorBudgetBurn
        exp_alerts: []
      - eval_time: 4m
        alertname: ErrorBudgetBurn
        exp_alerts:
          - exp_labels: {severity: page, slo: http_requests_status_errors, job: api}
            exp_annotations: {summary: "99.9 % of http_requests_total without status 5xx: the error budget burns too fast"}
          - exp_labels: {severity: page, slo: http_request_duration_seconds_le_0_25, job: api}
            exp_annotations: {summary: "99 % of http_request_duration_seconds at or under 0.25 s: the error budget burns too fast"}
      - eval_time: 17m
        alertname: ErrorBudgetBurn
        exp_alerts:
          - exp_labels: {severity: page, slo: http_requests_status_errors, job: api}
            exp_annotations: {summary: "99.9 % of http_requests_total without status 5xx: the error budget burns too fast"}
          - exp_labels: {severity: ticket, slo: http_requests_status_errors, job: api}
            exp_annotations: {summary: "99.9 % of http_requests_total without status 5xx: the error budget burns too fast"}
          - exp_labels: {severity: page, slo: http_request_duration_seconds_le_0_25, job: api}
            exp_annotations: {summary: "99 % of http_request_duration_seconds at or under 0.25 s: the error budget burns too fast"}
          - exp_labels: {severity: ticket, slo: http_request_duration_seconds_le_0_25, job: api}
            exp_annotations: {summary: "99 % of http_request_duration_seconds at or under 0.25 s: the error budget burns too fast"}
    promql_expr_test:
      - expr: job:http_requests_status_errors:error_ratio_rate5m
        eval_time: 10m
        exp_samples:
          - labels: 'job:http_requests_status_errors:error_ratio_rate5m{job="api"}'
            value: 0.1
      - expr: job:http_requests:rate5m
        eval_time: 10m
        exp_samples:
          - labels: 'job:http_requests:rate5m{job="api"}'
            value: 1.6666666666666667

  # Requests 3 s each: only HighLatency fires (p95 over 2 s), after 5m.
  - interval: 1m
    input_series:
      - series: 'http_request_duration_seconds_bucket{job="slow",le="2"}'
        values: '0+0x100'
      - series: 'http_request_duration_seconds_bucket{job="slow",le="5"}'
        values: '0+60x100'
      - series: 'http_request_duration_seconds_bucket{job="slow",le="+Inf"}'
        values: '0+60x100'
      - series: 'http_request_duration_seconds_count{job="slow"}'
        values: '0+60x100'
    alert_rule_test:
      - eval_time: 5m
        alertname: HighLatency
        exp_alerts: []
      - eval_time: 7m
        alertname: HighLatency
        exp_alerts:
          - exp_labels: {severity: warning, job: slow}
            exp_annotations: {summary: "API latency is high"}

  # Healthy: fast, no errors, LLM requests flowing. Nothing fires, even
  # after a day.
  - interval: 1m
    input_series:
      - series: 'http_requests_total{job="api",status="2xx"}'
        values: '0+100x1500'
      - series: 'http_request_duration_seconds_bucket{job="api",le="0.25"}'
        values: '0+100x1500'
      - series: 'http_request_duration_seconds_bucket{job="api",le="+Inf"}'
        values: '0+100x1500'
      - series: 'http_request_duration_seconds_count{job="api"}'
        values: '0+100x1500'
      - series: 'llm_requests_total{job="api",status="ok"}'
        values: '0+5x1500'
      - series: 'export_duration_seconds_bucket{job="api",le="5.0"}'
        values: '0+10x1500'
      - series: 'export_duration_seconds_count{job="api"}'
        values: '0+10x1500'
    alert_rule_test:
      - eval_time: 1d
        alertname: HighErrorRate
        exp_alerts: []
      - eval_time: 1d
        alertname: HighLatency
        exp_alerts: []
      - eval_time: 1d
        alertname: LLMServiceDown
        exp_alerts: []
      - eval_time: 1d
        alertname: ErrorBudgetBurn
        exp_alerts: []
    promql_expr_test:
      # The `le` matcher also finds a bound spelled `5.0`.
      - expr: job:export_duration_seconds_le_5:error_ratio_rate1h
        eval_time: 2h
        exp_samples:
          - labels: 'job:export_duration_seconds_le_5:error_ratio_rate1h{job="api"}'
            value: 0
"#;
    std::fs::write(dir.0.join("tests.yml"), tests).unwrap();
    let (ok, output) = run_promtool(&promtool, &["test", "rules", "tests.yml"], &dir.0);
    assert!(ok, "{output}");
    assert!(output.contains("SUCCESS"), "{output}");
}

/// Panels of a dashboard JSON, rows included.
fn panels(dashboard: &Value) -> &Vec<Value> {
    dashboard["panels"].as_array().expect("panels")
}

/// Asserts what Grafana's import needs: a schema version, a `datasource`
/// template variable every panel and target reads, targets with an `expr`,
/// unique ids, and grid positions inside the 24 columns that never overlap.
fn assert_importable(dashboard: &Value) {
    assert_eq!(dashboard["schemaVersion"], 39);
    assert!(dashboard["title"].as_str().is_some_and(|t| !t.is_empty()));
    let variables = dashboard["templating"]["list"].as_array().unwrap();
    assert!(variables.iter().any(|v| v["name"] == "datasource"
        && v["type"] == "datasource"
        && v["query"] == "prometheus"));
    let mut ids = Vec::new();
    let mut boxes: Vec<(u64, u64, u64, u64)> = Vec::new();
    for panel in panels(dashboard) {
        ids.push(panel["id"].as_u64().expect("panel id"));
        let grid = &panel["gridPos"];
        let (x, y, w, h) = (
            grid["x"].as_u64().unwrap(),
            grid["y"].as_u64().unwrap(),
            grid["w"].as_u64().unwrap(),
            grid["h"].as_u64().unwrap(),
        );
        assert!(w > 0 && h > 0 && x + w <= 24, "{panel}");
        for (x2, y2, w2, h2) in &boxes {
            let apart = x + w <= *x2 || x2 + w2 <= x || y + h <= *y2 || y2 + h2 <= y;
            assert!(apart, "overlapping panels at {grid}");
        }
        boxes.push((x, y, w, h));
        if panel["type"] == "row" {
            continue;
        }
        assert_eq!(panel["datasource"]["uid"], "${datasource}", "{panel}");
        let targets = panel["targets"].as_array().expect("targets");
        assert!(!targets.is_empty(), "{panel}");
        for target in targets {
            assert!(target["expr"].as_str().is_some_and(|e| !e.is_empty()));
            assert_eq!(target["datasource"]["uid"], "${datasource}");
            assert!(target["refId"].as_str().is_some());
        }
    }
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "panel ids are unique");
}

#[test]
fn the_dashboard_has_what_grafana_imports() {
    let json = registry().grafana_dashboard(&DashboardOptions::default());
    let dashboard: Value = serde_json::from_str(&json).expect("valid JSON");
    assert_importable(&dashboard);
    let titles: Vec<&str> = panels(&dashboard)
        .iter()
        .filter(|p| p["type"] == "row")
        .filter_map(|p| p["title"].as_str())
        .collect();
    assert_eq!(titles, ["ServiceMetrics", "Other metrics"]);
    let kinds: Vec<&str> = panels(&dashboard)
        .iter()
        .filter_map(|p| p["type"].as_str())
        .collect();
    assert_eq!(
        kinds,
        [
            "row",
            "timeseries",
            "timeseries",
            "timeseries",
            "heatmap",
            "timeseries",
            "timeseries",
            "row",
            "timeseries",
            "heatmap",
            "timeseries"
        ]
    );
    let requests = &panels(&dashboard)[1];
    assert_eq!(
        requests["targets"][0]["expr"],
        "sum by (status) (rate(http_requests_total[$__rate_interval]))"
    );
    assert_eq!(requests["targets"][0]["legendFormat"], "{{status}}");
    let errors_slo = &panels(&dashboard)[2];
    assert_eq!(
        errors_slo["title"],
        "SLO: 99.9 % of http_requests_total without status 5xx"
    );
    assert_eq!(errors_slo["fieldConfig"]["defaults"]["unit"], "percentunit");
    assert_eq!(
        errors_slo["fieldConfig"]["defaults"]["thresholds"]["steps"][1]["value"],
        0.001
    );
    let latency = &panels(&dashboard)[3];
    assert_eq!(latency["fieldConfig"]["defaults"]["unit"], "s");
    assert_eq!(latency["targets"].as_array().unwrap().len(), 3);
}

/// Grafana's foundation SDK decodes the dashboard as Grafana's own types:
/// each panel's options by its type, each target as a Prometheus query.
#[test]
fn grafanas_sdk_decodes_the_dashboard() {
    let json = registry().grafana_dashboard(&DashboardOptions::default());
    let Some(listing) = grafana_sdk_decode(&json).unwrap_or_else(|e| panic!("{e}\n{json}")) else {
        return;
    };
    let expected = r#"row 1 0 0 24 1
timeseries 2 0 1 12 8
  sum by (status) (rate(http_requests_total[$__rate_interval]))
timeseries 3 12 1 12 8
  (sum by (job) (rate(http_requests_total{status=~"5xx"}[$__rate_interval])) or 0 * sum by (job) (rate(http_requests_total[$__rate_interval]))) / sum by (job) (rate(http_requests_total[$__rate_interval]))
timeseries 4 0 9 12 8
  histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket[$__rate_interval])))
  histogram_quantile(0.9, sum by (le) (rate(http_request_duration_seconds_bucket[$__rate_interval])))
  histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[$__rate_interval])))
heatmap 5 12 9 12 8
  sum by (le) (increase(http_request_duration_seconds_bucket[$__rate_interval]))
timeseries 6 0 17 12 8
  1 - (sum by (job) (rate(http_request_duration_seconds_bucket{le=~"0\\.25"}[$__rate_interval])) / sum by (job) (rate(http_request_duration_seconds_count[$__rate_interval])))
timeseries 7 12 17 12 8
  sum by (status) (rate(llm_requests_total[$__rate_interval]))
row 8 0 25 24 1
timeseries 9 0 26 12 8
  histogram_quantile(0.5, sum by (le) (rate(export_duration_seconds_bucket[$__rate_interval])))
  histogram_quantile(0.9, sum by (le) (rate(export_duration_seconds_bucket[$__rate_interval])))
  histogram_quantile(0.99, sum by (le) (rate(export_duration_seconds_bucket[$__rate_interval])))
heatmap 10 12 26 12 8
  sum by (le) (increase(export_duration_seconds_bucket[$__rate_interval]))
timeseries 11 0 34 12 8
  1 - (sum by (job) (rate(export_duration_seconds_bucket{le=~"5|5\\.0"}[$__rate_interval])) / sum by (job) (rate(export_duration_seconds_count[$__rate_interval])))
"#;
    assert_eq!(listing, expected);

    // A gauge's stat panel, and a dashboard the SDK must refuse.
    let registry = Registry::new();
    registry
        .register("queue_depth", "Jobs waiting.", promstrict::Gauge::new())
        .unwrap();
    let listing = grafana_sdk_decode(&registry.grafana_dashboard(&DashboardOptions::default()))
        .unwrap()
        .unwrap();
    assert!(
        listing.contains("stat 2 0 1 12 8\n  sum (queue_depth)\n"),
        "{listing}"
    );
    for (from, to) in [
        (r#""type": "heatmap""#, r#""type": "graph""#),
        (
            r#""uid": "${datasource}"}, "expr""#,
            r#""uid": "prometheus"}, "expr""#,
        ),
        (r#""schemaVersion": 39,"#, ""),
    ] {
        let broken = json.replacen(from, to, 1);
        assert_ne!(broken, json);
        assert!(grafana_sdk_decode(&broken).is_err(), "{to}");
    }
}

/// The first message of a compile-fail case's `.stderr`.
fn compile_error(case: &str) -> String {
    let path = metrics_toolkit::workspace_root().join(format!("ui-tests/objectives/{case}.stderr"));
    let stderr = std::fs::read_to_string(&path).unwrap();
    let first = stderr.lines().next().unwrap();
    first
        .split_once(": ")
        .map(|(_, message)| message)
        .unwrap()
        .trim_start_matches("evaluation panicked: ")
        .to_owned()
}

/// A hand-registered objective gets the verdict and the message the derive
/// gives at compile time.
#[test]
fn run_time_objectives_get_the_compile_time_messages() {
    let registry = Registry::new();
    registry
        .register(
            "request_duration_seconds",
            "Latency.",
            Histogram::new(Buckets::new(&[0.1, 0.25, 0.5, 1.0]).unwrap()),
        )
        .unwrap();
    registry
        .register(
            "requests_total",
            "Requests.",
            Family::<StatusLabels, Counter>::default(),
        )
        .unwrap();
    registry
        .register("single_total", "Requests.", Counter::new())
        .unwrap();
    let message = |name: &str, objective: Objective| {
        let err = registry.add_objective(name, objective).unwrap_err();
        let text = err.to_string();
        let prefix = format!("objective of metric `{name}`: ");
        text.strip_prefix(&prefix)
            .unwrap_or_else(|| panic!("{text}"))
            .to_owned()
    };
    assert_eq!(
        message("request_duration_seconds", Objective::latency(0.3, 99.0)),
        compile_error("latency_not_a_bound")
    );
    assert_eq!(
        message("request_duration_seconds", Objective::latency(0.25, 100.0)),
        compile_error("percent_100")
    );
    assert_eq!(
        message("requests_total", Objective::latency(0.25, 99.0)),
        compile_error("latency_on_counter")
    );
    assert_eq!(
        message("single_total", Objective::errors("status", ["5xx"], 99.9)),
        compile_error("errors_on_single_counter")
    );
    // At run time the label set is known, so the message lists its labels.
    assert_eq!(
        message("requests_total", Objective::errors("code", ["5xx"], 99.9)),
        "`code` is not a label of this family: name one of `status`"
    );
    assert!(compile_error("errors_unknown_label")
        .starts_with("`code` is not a label of this family: name one of "));
    assert_eq!(
        message("requests_total", Objective::errors("status", ["500"], 99.9)),
        "`500` is not a value of label `status`: name one of `2xx`, `5xx`"
    );
    assert!(compile_error("errors_unknown_value")
        .starts_with("`500` is not a value of label `status`: name one of "));
    assert!(matches!(
        registry.add_objective("nope_total", Objective::errors("status", ["5xx"], 99.9)),
        Err(promstrict::RegistryError::UnknownMetric { .. })
    ));
    // Nothing refused was kept.
    assert!(registry
        .catalog()
        .families
        .iter()
        .all(|f| f.objectives.is_empty()));
}

#[promstrict::instrument_latency(
    buckets = [0.05, 0.1, 0.5],
    objective(latency = 0.1, percent = 99.0, page(for = "1m", severity = "critical"))
)]
fn lookup(key: u32) -> u32 {
    key + 1
}

/// Objectives narrowed to some series (an instrumented function's, by
/// function and module path) and with their own `for:` and severity make a
/// file promtool accepts, and their selector reaches every ratio.
#[test]
fn promtool_accepts_selectors_and_alert_settings() {
    assert_eq!(lookup(1), 2);
    let registry = Registry::new();
    promstrict::instrument::register_function_metrics(&registry).unwrap();
    registry
        .register(
            "calls_total",
            "Calls.",
            Family::<LlmLabels, Counter>::default(),
        )
        .unwrap();
    registry
        .add_objective(
            "calls_total",
            Objective::errors("status", ["error"], 99.5).ticket("3h", "low"),
        )
        .unwrap();
    let rules = registry.alert_rules(&RulesOptions::default());
    let module = module_path!();
    assert!(
        rules.contains(&format!(
            "rate(function_duration_seconds_count{{function=\\\"lookup\\\",module=\\\"{module}\\\"}}[1h])"
        )),
        "{rules}"
    );
    assert!(
        rules.contains("        for: \"1m\"\n        labels:\n          severity: \"critical\"\n")
    );
    assert!(rules.contains("        for: \"3h\"\n        labels:\n          severity: \"low\"\n"));
    let Some(promtool) = promtool() else {
        return;
    };
    let dir = TempDir::new("selectors");
    std::fs::write(dir.0.join("rules.yml"), &rules).unwrap();
    let (ok, output) = run_promtool(&promtool, &["check", "rules", "rules.yml"], &dir.0);
    assert!(ok, "{output}\n{rules}");
}
