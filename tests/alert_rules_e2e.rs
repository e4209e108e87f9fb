//! The `axum_service` example's generated rules file and dashboard against a
//! real Prometheus: `promtool check rules` accepts the file; loaded into a
//! Prometheus that scrapes the example (in-process) every second, every rule
//! evaluates with health `ok` and no error; every dashboard panel's query
//! runs without error, and those over metrics that have series return data;
//! Grafana's foundation SDK decodes the dashboard.
//!
//! Needs `/usr/bin/prometheus` and `promtool` (Debian's `prometheus`
//! package): skipped with a message without them, a failure under `CI=true`.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use metrics_toolkit::{
    free_loopback_port, grafana_sdk_decode, http_request, percent_encode, poll_until,
    prometheus_server, promtool, spawn_prometheus, StopOnDrop, TempDir,
};
use promstrict::Registry;
use serde_json::Value;

#[allow(dead_code)]
#[path = "../examples/axum_service.rs"]
mod axum_service;

/// A Prometheus API call's JSON, whatever its status (`None` on a transport
/// problem).
fn api(prometheus: SocketAddr, path_and_query: &str) -> Option<Value> {
    let response = http_request(prometheus, "GET", path_and_query, &[]).ok()?;
    serde_json::from_slice(&response.body).ok()
}

#[test]
fn prometheus_evaluates_the_generated_rules_and_panels() {
    let Some(prometheus_bin) = prometheus_server() else {
        return;
    };
    let Some(promtool) = promtool() else {
        return;
    };

    let app_registry = Arc::new(Registry::new());
    let app = axum_service::app(Arc::clone(&app_registry)).unwrap();
    let rules = axum_service::rules_file(&app_registry);
    let dashboard_json = axum_service::dashboard_json(&app_registry);
    let dashboard: Value = serde_json::from_str(&dashboard_json).unwrap();
    // Grafana's SDK decodes it (skipped without the SDK outside CI).
    if let Err(e) = grafana_sdk_decode(&dashboard_json) {
        panic!("{e}\n{dashboard_json}");
    }

    let dir = TempDir::new("alert-rules-e2e");
    std::fs::write(dir.0.join("rules.yml"), &rules).unwrap();
    let check = Command::new(&promtool)
        .args(["check", "rules", "rules.yml"])
        .current_dir(&dir.0)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let app_addr = listener.local_addr().unwrap();
    let app_server = runtime.spawn(async move { axum::serve(listener, app).await.unwrap() });

    let stop = Arc::new(AtomicBool::new(false));
    let _stop_traffic = StopOnDrop(Arc::clone(&stop));
    let traffic = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                for (method, target) in [
                    ("GET", "/health".to_owned()),
                    ("POST", "/v1/conversations".to_owned()),
                    ("GET", format!("/v1/conversations/{n}")),
                    ("GET", "/v1/ws".to_owned()),
                ] {
                    // Errors ignored: at teardown the app may be gone first.
                    let _ = http_request(app_addr, method, &target, &[]);
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };

    let port = free_loopback_port();
    let prometheus: SocketAddr = ([127, 0, 0, 1], port).into();
    let config = format!(
        r#"global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - rules.yml
scrape_configs:
  - job_name: axum_service
    static_configs:
      - targets: ["{app_addr}"]
"#
    );
    let mut prometheus_process = spawn_prometheus(
        &prometheus_bin,
        &dir.0,
        &config,
        prometheus,
        &[],
        "prometheus.log",
    );
    let prometheus_log =
        || std::fs::read_to_string(dir.0.join("prometheus.log")).unwrap_or_default();

    // Every rule loaded and evaluated at least once, without error.
    let expected_rules =
        rules.matches("\n      - record: ").count() + rules.matches("\n      - alert: ").count();
    let evaluated = poll_until(Duration::from_secs(60), Duration::from_millis(500), || {
        prometheus_process.assert_running();
        let json = api(prometheus, "/api/v1/rules")?;
        let rules: Vec<Value> = json["data"]["groups"]
            .as_array()?
            .iter()
            .flat_map(|g| g["rules"].as_array().cloned().unwrap_or_default())
            .collect();
        let done = rules.len() == expected_rules
            && rules
                .iter()
                .all(|r| r["health"] != "unknown" && !r["lastEvaluation"].is_null());
        done.then_some(rules)
    })
    .unwrap_or_else(|| {
        panic!(
            "rules not all evaluated within 60 s: {:#}\n--- prometheus log ---\n{}",
            api(prometheus, "/api/v1/rules").unwrap_or_default(),
            prometheus_log()
        )
    });
    for rule in &evaluated {
        assert_eq!(rule["health"], "ok", "{rule:#}");
        assert!(
            rule["lastError"].as_str().unwrap_or_default().is_empty(),
            "{rule:#}"
        );
    }

    // Every panel's query runs; those over a metric with series return data
    // once traffic has been scraped for a while.
    let catalog = app_registry.catalog();
    let mut with_series = HashSet::new();
    app_registry.collect(|family, _, _| {
        with_series.insert(family.name.to_owned());
    });
    let exprs: Vec<String> = dashboard["panels"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["type"] != "row")
        .flat_map(|p| p["targets"].as_array().cloned().unwrap_or_default())
        .map(|t| t["expr"].as_str().unwrap().to_owned())
        .collect();
    assert!(exprs.len() >= catalog.families.len(), "{exprs:?}");
    let family_of = |expr: &str| -> Option<String> {
        catalog
            .families
            .iter()
            .filter(|f| {
                [
                    "[", "{", "_bucket[", "_bucket{", "_count[", "_count{", "_sum[", ")",
                ]
                .iter()
                .any(|end| expr.contains(&format!("{}{end}", f.name)))
            })
            .map(|f| f.name.clone())
            .max_by_key(String::len)
    };
    let mut with_data = 0;
    for expr in &exprs {
        let promql = expr.replace("$__rate_interval", "10s");
        let family = family_of(expr).unwrap_or_else(|| panic!("no family in {expr}"));
        let expect_data = with_series.contains(&family);
        let result = poll_until(Duration::from_secs(30), Duration::from_millis(500), || {
            let json = api(
                prometheus,
                &format!("/api/v1/query?query={}", percent_encode(&promql)),
            )?;
            assert_eq!(json["status"], "success", "{promql}: {json:#}");
            let result = json["data"]["result"].as_array()?.clone();
            (!expect_data || !result.is_empty()).then_some(result)
        });
        let result = result.unwrap_or_else(|| panic!("no data for {promql}"));
        if !result.is_empty() {
            with_data += 1;
        }
    }
    assert!(
        with_series.contains("http_requests_total") && with_data > 0,
        "{with_series:?}"
    );

    drop(prometheus_process);
    stop.store(true, Ordering::Relaxed);
    traffic.join().unwrap();
    app_server.abort();
    runtime.shutdown_timeout(Duration::from_secs(5));
}
