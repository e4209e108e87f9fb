//! End to end with a real Prometheus server: it scrapes the `axum_service`
//! example (run in-process) and the embedded exporter (with bearer auth) every
//! second, both targets come up with no scrape error, the metadata API shows
//! the right metric types, and `rate(http_requests_total[…])` is positive
//! while traffic flows.
//!
//! Needs `/usr/bin/prometheus` (Debian's `prometheus` package; `scripts/test`
//! installs it): skipped with a message without it, a failure under `CI=true`.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use metrics_toolkit::{
    free_loopback_port, http_request, percent_encode, poll_until, prometheus_server,
    spawn_prometheus, StopOnDrop, TempDir,
};
use promstrict::{Exporter, Metrics, Registry};
use serde_json::Value;

#[allow(dead_code)]
#[path = "../examples/axum_service.rs"]
mod axum_service;

#[allow(dead_code)]
#[path = "../examples/exporter.rs"]
mod exporter_example;

const TOKEN: &str = "e2e-scrape-token";

/// A Prometheus API call; `None` on any transport or status problem (the
/// callers poll).
fn api(prometheus: SocketAddr, path_and_query: &str) -> Option<Value> {
    let response = http_request(prometheus, "GET", path_and_query, &[]).ok()?;
    if response.status != 200 {
        return None;
    }
    let json: Value = serde_json::from_slice(&response.body).ok()?;
    (json["status"] == "success").then_some(json)
}

/// The value of an instant query's first sample.
fn query(prometheus: SocketAddr, promql: &str) -> Option<f64> {
    let json = api(
        prometheus,
        &format!("/api/v1/query?query={}", percent_encode(promql)),
    )?;
    json["data"]["result"][0]["value"][1].as_str()?.parse().ok()
}

#[test]
fn prometheus_scrapes_the_axum_example_and_the_exporter() {
    let Some(prometheus_bin) = prometheus_server() else {
        return;
    };

    // The axum example, in-process.
    let app_registry = Arc::new(Registry::new());
    let app = axum_service::app(Arc::clone(&app_registry)).unwrap();
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

    // The exporter, with auth, serving the worker example's metrics.
    let exporter_registry = Arc::new(Registry::new());
    let worker = exporter_example::WorkerMetrics::register(&exporter_registry).unwrap();
    let exporter = Exporter::builder()
        .addr("127.0.0.1:0")
        .registry(Arc::clone(&exporter_registry))
        .bearer_token(TOKEN)
        .spawn_thread()
        .unwrap();
    let exporter_addr = exporter.local_addr();

    // Traffic: API calls and worker tasks, until the test ends.
    let stop = Arc::new(AtomicBool::new(false));
    let _stop_traffic = StopOnDrop(Arc::clone(&stop));
    let traffic = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                exporter_example::process(&worker, n);
                // Errors ignored: at teardown the app may be gone first.
                for target in [
                    "/health",
                    &format!("/v1/conversations/{n}"),
                    "/v1/ws",
                    "/no/such/route",
                ] {
                    let _ = http_request(app_addr, "GET", target, &[]);
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };

    // Prometheus, on a free loopback port, with its own config and storage.
    let dir = TempDir::new("prometheus-e2e");
    let port = free_loopback_port();
    let prometheus: SocketAddr = ([127, 0, 0, 1], port).into();
    let config = format!(
        r#"global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: axum_service
    static_configs:
      - targets: ["{app_addr}"]
  - job_name: exporter
    authorization:
      type: Bearer
      credentials: {TOKEN}
    static_configs:
      - targets: ["{exporter_addr}"]
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

    // Both targets up, with no scrape error.
    let targets = poll_until(Duration::from_secs(30), Duration::from_millis(250), || {
        prometheus_process.assert_running();
        let json = api(prometheus, "/api/v1/targets?state=active")?;
        let active = json["data"]["activeTargets"].as_array()?.clone();
        let healthy = active.len() == 2
            && active
                .iter()
                .all(|t| t["health"] == "up" && t["lastError"] == "");
        healthy.then_some(active)
    });
    let targets = targets.unwrap_or_else(|| {
        let now = api(prometheus, "/api/v1/targets").unwrap_or_default();
        panic!(
            "targets not up within 30 s: {now:#}\n--- prometheus log ---\n{}",
            prometheus_log()
        )
    });
    let jobs: Vec<&str> = targets
        .iter()
        .filter_map(|t| t["labels"]["job"].as_str())
        .collect();
    assert!(
        jobs.contains(&"axum_service") && jobs.contains(&"exporter"),
        "{jobs:?}"
    );

    // The metadata API shows each metric with its type. (From OpenMetrics,
    // Prometheus keys a counter by its family name, without `_total`.)
    let expected_types = [
        ("http_requests", "counter"),
        ("http_request_duration_seconds", "histogram"),
        ("http_requests_in_flight", "gauge"),
        ("api_errors", "counter"),
        ("http_response_first_byte_seconds", "histogram"),
        ("gen_ai_client_operation_duration_seconds", "histogram"),
        ("gen_ai_client_time_to_first_token_seconds", "histogram"),
        ("websocket_connections_active", "gauge"),
        ("conversations_created", "counter"),
        ("worker_tasks_processed", "counter"),
        ("worker_queue_depth", "gauge"),
    ];
    let metadata = poll_until(Duration::from_secs(30), Duration::from_millis(250), || {
        let json = api(prometheus, "/api/v1/metadata")?;
        let data = json["data"].clone();
        let type_of = |name: &str| -> Option<String> {
            let entry = data
                .get(name)
                .or_else(|| data.get(format!("{name}_total").as_str()))?;
            entry[0]["type"].as_str().map(str::to_owned)
        };
        expected_types
            .iter()
            .all(|(name, _)| type_of(name).is_some())
            .then(|| {
                expected_types
                    .iter()
                    .map(|(name, _)| (name.to_string(), type_of(name).unwrap()))
                    .collect::<Vec<_>>()
            })
    })
    .unwrap_or_else(|| {
        panic!(
            "metadata incomplete: {:#}",
            api(prometheus, "/api/v1/metadata").unwrap_or_default()
        )
    });
    for ((name, want), (_, got)) in expected_types.iter().zip(&metadata) {
        assert_eq!(got, want, "type of {name}");
    }

    // Rates from the counters, as Prometheus computes them.
    let rate = poll_until(Duration::from_secs(30), Duration::from_millis(500), || {
        query(
            prometheus,
            r#"sum(rate(http_requests_total{job="axum_service"}[5s]))"#,
        )
        .filter(|v| *v > 0.0)
    });
    assert!(
        rate.is_some(),
        "no positive request rate\n--- prometheus log ---\n{}",
        prometheus_log()
    );
    let per_route = poll_until(Duration::from_secs(15), Duration::from_millis(500), || {
        query(
            prometheus,
            r#"sum(rate(http_requests_total{job="axum_service",route="/v1/conversations/{id}",status="4xx"}[5s]))"#,
        )
        .filter(|v| *v > 0.0)
    });
    assert!(per_route.is_some(), "no rate for the route template");
    let worker_rate = poll_until(Duration::from_secs(15), Duration::from_millis(500), || {
        query(prometheus, "rate(worker_tasks_processed_total[5s])").filter(|v| *v > 0.0)
    });
    assert!(worker_rate.is_some(), "no rate from the exporter");
    let p95 = query(
        prometheus,
        "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[10s])))",
    );
    assert!(
        p95.is_some_and(|v| v.is_finite() && v > 0.0),
        "p95 latency: {p95:?}"
    );
    // No raw path ever became a label value.
    let series = api(
        prometheus,
        &format!(
            "/api/v1/label/route/values?match[]={}",
            percent_encode("http_requests_total")
        ),
    )
    .expect("label values");
    let routes: Vec<&str> = series["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        routes.contains(&"/v1/conversations/{id}") && routes.contains(&"unmatched"),
        "{routes:?}"
    );
    assert!(
        routes
            .iter()
            .all(|r| !r.starts_with("/v1/conversations/") || r.ends_with("{id}")),
        "{routes:?}"
    );

    // Teardown, every server stopped: Prometheus (killed by its guard), the
    // traffic, the exporter and the app.
    drop(prometheus_process);
    stop.store(true, Ordering::Relaxed);
    traffic.join().unwrap();
    exporter.shutdown();
    app_server.abort();
    runtime.shutdown_timeout(Duration::from_secs(5));
}
