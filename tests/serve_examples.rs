//! Every serving example, run in-process on loopback ports with traffic on
//! every route, and its exposition judged by tools we did not write:
//! `promtool check metrics` (Prometheus' parser and linter) must report
//! nothing for the text format, and Python's strict OpenMetrics parser must
//! accept the OpenMetrics one.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use metrics_toolkit::{
    http_get, http_request, promtool_check_metrics, python_parse_openmetrics, PROMETHEUS_ACCEPT,
};
use promstrict::{Format, Metrics, Registry};

#[allow(dead_code)]
#[path = "../examples/axum_service.rs"]
mod axum_service;

#[allow(dead_code)]
#[path = "../examples/actix_service.rs"]
mod actix_service;

#[allow(dead_code)]
#[path = "../examples/hyper_service.rs"]
mod hyper_service;

#[allow(dead_code)]
#[path = "../examples/exporter.rs"]
mod exporter_example;

/// Scrapes `addr` in both formats and has both judged; returns the text format.
fn scrape_and_validate(addr: SocketAddr, path: &str, families: &[(&str, &str)]) -> String {
    let text = http_get(addr, path, &[]);
    assert_eq!(text.status, 200);
    assert_eq!(
        text.header("content-type"),
        Some(Format::Prometheus.content_type())
    );
    let text = text.text().to_owned();
    promtool_check_metrics(&text).unwrap();
    for (name, kind) in families {
        let line = format!("# TYPE {name} {kind}\n");
        assert!(text.contains(&line), "missing `{}`\n{text}", line.trim());
    }

    let om = http_get(addr, path, &[("accept", PROMETHEUS_ACCEPT)]);
    assert_eq!(
        om.header("content-type"),
        Some(Format::OpenMetrics.content_type())
    );
    assert!(om.text().ends_with("# EOF\n"));
    python_parse_openmetrics(om.text()).unwrap();
    text
}

/// `POST target` with `body` (text); returns the status.
fn post(addr: SocketAddr, target: &str, body: &str) -> u16 {
    let len = body.len().to_string();
    post_with_body(
        addr,
        target,
        &[("content-length", &len), ("content-type", "text/plain")],
        body,
    )
}

fn post_with_body(addr: SocketAddr, target: &str, headers: &[(&str, &str)], body: &str) -> u16 {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut request = format!("POST {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad response {response:?}"))
}

const HTTP_FAMILIES: &[(&str, &str)] = &[
    ("http_requests_total", "counter"),
    ("http_request_duration_seconds", "histogram"),
    ("http_requests_in_flight", "gauge"),
];

#[test]
fn axum_service() {
    let registry = Arc::new(Registry::new());
    let app = axum_service::app(Arc::clone(&registry)).unwrap();
    assert!(
        axum_service::app(Arc::clone(&registry)).is_err(),
        "a second registration is refused"
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let server = runtime.spawn(async move { axum::serve(listener, app).await.unwrap() });

    assert_eq!(http_get(addr, "/health", &[]).status, 200);
    assert_eq!(post(addr, "/v1/conversations", ""), 201);
    assert_eq!(post(addr, "/v1/conversations", ""), 201);
    assert_eq!(http_get(addr, "/v1/conversations/1", &[]).status, 200);
    assert_eq!(http_get(addr, "/v1/conversations/99", &[]).status, 404);
    // Ten LLM calls: the tenth times out (504).
    let mut statuses = Vec::new();
    for i in 0..10 {
        let target = if i % 2 == 0 {
            "/v1/conversations/1/messages?stream=true"
        } else {
            "/v1/conversations/2/messages"
        };
        statuses.push(post(addr, target, "What is the capital of France?"));
    }
    assert_eq!(
        statuses.iter().filter(|&&s| s == 200).count(),
        9,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|&&s| s == 504).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(post(addr, "/v1/conversations/1/messages", ""), 400);
    assert_eq!(
        post(
            addr,
            "/v1/conversations/1/escalate?reason=negative_sentiment",
            ""
        ),
        202
    );
    assert_eq!(
        post(addr, "/v1/conversations/1/escalate?reason=bored", ""),
        400
    );
    assert_eq!(http_get(addr, "/v1/ws", &[]).status, 200);
    assert_eq!(http_get(addr, "/no/such/route", &[]).status, 404);

    let mut families = HTTP_FAMILIES.to_vec();
    families.extend_from_slice(&[
        ("http_response_first_byte_seconds", "histogram"),
        ("http_request_body_size_bytes", "histogram"),
        ("http_response_body_size_bytes", "histogram"),
        ("api_errors_total", "counter"),
        ("gen_ai_client_operations_total", "counter"),
        ("gen_ai_client_operation_duration_seconds", "histogram"),
        ("gen_ai_client_time_to_first_token_seconds", "histogram"),
        ("gen_ai_client_time_per_output_token_seconds", "histogram"),
        ("gen_ai_client_token_usage_tokens", "histogram"),
        ("websocket_connections_active", "gauge"),
        ("websocket_messages_total", "counter"),
        ("websocket_connection_duration_seconds", "histogram"),
        ("websocket_closes_total", "counter"),
        ("conversations_created_total", "counter"),
        ("escalations_total", "counter"),
    ]);
    let text = scrape_and_validate(addr, "/metrics", &families);
    let chat = r#"gen_ai_operation_name="chat",gen_ai_provider_name="self_hosted",gen_ai_request_model="llama-3.1-8b""#;
    for line in [
        r#"http_requests_total{method="post",route="/v1/conversations/{id}/messages",status="2xx"} 9"#,
        r#"http_requests_total{method="post",route="/v1/conversations/{id}/messages",status="5xx"} 1"#,
        r#"http_requests_total{method="get",route="unmatched",status="4xx"} 1"#,
        // The five streamed answers, timed to their first byte.
        r#"http_response_first_byte_seconds_count{method="post",route="/v1/conversations/{id}/messages"} 5"#,
        r#"api_errors_total{error_type="upstream_timeout",error_code="504"} 1"#,
        r#"api_errors_total{error_type="not_found",error_code="404"} 1"#,
        r#"api_errors_total{error_type="validation",error_code="400"} 2"#,
        &format!("gen_ai_client_operations_total{{{chat},outcome=\"ok\"}} 9"),
        &format!("gen_ai_client_operations_total{{{chat},outcome=\"error\"}} 1"),
        &format!("gen_ai_client_time_to_first_token_seconds_count{{{chat}}} 9"),
        &format!("gen_ai_client_operation_duration_seconds_count{{{chat}}} 10"),
        r#"escalations_total{reason="negative_sentiment"} 1"#,
        r#"websocket_messages_total{direction="received",kind="text"} 3"#,
        r#"websocket_closes_total{code="1000"} 1"#,
        "websocket_connections_active 0",
        "conversations_created_total 2",
    ] {
        assert!(text.contains(line), "missing {line}\n{text}");
    }
    assert!(
        text.contains(&format!(
            "gen_ai_client_token_usage_tokens_count{{{chat},gen_ai_token_type=\"input\"}} 10"
        )),
        "{text}"
    );
    // `stream=true` really streams: the head first, the tokens after it as
    // they are generated (at least five, 20 ms or more apart).
    {
        use std::io::{BufRead, BufReader, Read, Write};
        let start = std::time::Instant::now();
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        write!(
            stream,
            "POST /v1/conversations/1/messages?stream=true HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: 5\r\n\r\nHello"
        )
        .unwrap();
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        while line != "\r\n" {
            line.clear();
            reader.read_line(&mut line).unwrap();
        }
        let head = start.elapsed();
        let mut body = String::new();
        reader.read_to_string(&mut body).unwrap();
        let end = start.elapsed();
        assert!(body.contains("wisdom"), "{body}");
        assert!(
            end - head >= Duration::from_millis(80),
            "head after {head:?}, end after {end:?}: not streamed"
        );
    }
    assert!(
        !text.contains("/v1/conversations/1/"),
        "a raw path leaked\n{text}"
    );
    server.abort();
    runtime.shutdown_timeout(Duration::from_secs(5));
}

#[test]
fn actix_service() {
    use actix_web::{App, HttpServer};
    let registry = Arc::new(Registry::new());
    let setup = actix_service::Setup::new(Arc::clone(&registry)).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(move || {
                let setup = setup.clone();
                App::new()
                    .configure(|config| setup.configure(config))
                    .wrap(setup.http_metrics.clone())
            })
            .workers(1)
            .disable_signals()
            .bind(("127.0.0.1", 0))
            .unwrap();
            let addr = server.addrs()[0];
            let server = server.run();
            tx.send((addr, server.handle())).unwrap();
            server.await.unwrap();
        })
    });
    let (addr, handle) = rx.recv_timeout(Duration::from_secs(30)).unwrap();
    // Stops the server even if an assertion below fails.
    struct Stop(
        actix_web::dev::ServerHandle,
        Option<std::thread::JoinHandle<()>>,
    );
    impl Drop for Stop {
        fn drop(&mut self) {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(self.0.stop(true));
            if let Some(thread) = self.1.take() {
                let _ = thread.join();
            }
        }
    }
    let _stop = Stop(handle, Some(thread));

    assert_eq!(http_get(addr, "/health", &[]).status, 200);
    assert_eq!(post(addr, "/v1/orders", ""), 201);
    assert_eq!(
        post_with_body(
            addr,
            "/v1/orders",
            &[("content-length", "0"), ("x-api-key", "k")],
            ""
        ),
        201
    );
    assert_eq!(http_get(addr, "/v1/orders/1", &[]).status, 200);
    assert_eq!(http_get(addr, "/v1/orders/9", &[]).status, 404);
    assert_eq!(http_get(addr, "/nope", &[]).status, 404);
    let mut families = HTTP_FAMILIES.to_vec();
    families.push(("orders_created_total", "counter"));
    let text = scrape_and_validate(addr, "/metrics", &families);
    for line in [
        r#"http_requests_total{method="get",route="/v1/orders/{id}",status="2xx"} 1"#,
        r#"http_requests_total{method="get",route="/v1/orders/{id}",status="4xx"} 1"#,
        r#"http_requests_total{method="get",route="unmatched",status="4xx"} 1"#,
        r#"orders_created_total{channel="web"} 1"#,
        r#"orders_created_total{channel="api"} 1"#,
    ] {
        assert!(text.contains(line), "missing {line}\n{text}");
    }
}

#[test]
fn hyper_service() {
    let registry = Arc::new(Registry::new());
    let app = hyper_service::App::new(&registry).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (app_listener, metrics_listener) = runtime.block_on(async {
        (
            tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
            tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
        )
    });
    let app_addr = app_listener.local_addr().unwrap();
    let metrics_addr = metrics_listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let until_stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let servers = runtime.spawn(async move {
        tokio::join!(
            hyper_service::serve(
                app_listener,
                hyper_service::app_service(app),
                until_stopped(stopped.clone())
            ),
            hyper_service::serve(
                metrics_listener,
                promstrict::http::hyper::MetricsService::new(Arc::clone(&registry)),
                until_stopped(stopped),
            ),
        )
    });

    assert_eq!(http_get(app_addr, "/hello", &[]).status, 200);
    assert_eq!(http_get(app_addr, "/items/7", &[]).status, 200);
    assert_eq!(http_get(app_addr, "/items/seven", &[]).status, 400);
    assert_eq!(
        http_request(app_addr, "DELETE", "/hello", &[])
            .unwrap()
            .status,
        405
    );
    assert_eq!(http_get(app_addr, "/elsewhere", &[]).status, 404);
    let mut families = HTTP_FAMILIES.to_vec();
    families.push(("greetings_total", "counter"));
    let text = scrape_and_validate(metrics_addr, "/metrics", &families);
    for line in [
        r#"http_requests_total{method="get",route="/hello",status="2xx"} 1"#,
        r#"http_requests_total{method="get",route="/items/{id}",status="4xx"} 1"#,
        r#"http_requests_total{method="delete",route="/hello",status="4xx"} 1"#,
        r#"http_requests_total{method="get",route="unmatched",status="4xx"} 1"#,
        "greetings_total 1",
    ] {
        assert!(text.contains(line), "missing {line}\n{text}");
    }
    assert_eq!(http_get(metrics_addr, "/hello", &[]).status, 404);
    stop.send(true).unwrap();
    runtime
        .block_on(async { tokio::time::timeout(Duration::from_secs(10), servers).await })
        .expect("servers stopped")
        .unwrap();
}

#[test]
fn exporter() {
    let registry = Arc::new(Registry::new());
    let metrics = exporter_example::WorkerMetrics::register(&registry).unwrap();
    for n in 1..=12 {
        exporter_example::process(&metrics, n);
    }
    let exporter = promstrict::Exporter::builder()
        .addr("127.0.0.1:0")
        .registry(Arc::clone(&registry))
        .spawn_thread()
        .unwrap();
    let text = scrape_and_validate(
        exporter.local_addr(),
        "/metrics",
        &[
            ("worker_tasks_processed_total", "counter"),
            ("worker_tasks_failed_total", "counter"),
            ("worker_queue_depth", "gauge"),
            // The process's own metrics, on by default in the exporter.
            ("process_cpu_seconds_total", "counter"),
            ("process_resident_memory_bytes", "gauge"),
            ("process_virtual_memory_bytes", "gauge"),
            ("process_virtual_memory_max_bytes", "gauge"),
            ("process_open_fds", "gauge"),
            ("process_max_fds", "gauge"),
            ("process_start_time_seconds", "gauge"),
            ("process_threads", "gauge"),
        ],
    );
    assert!(text.contains("worker_tasks_processed_total 12\n"), "{text}");
    assert!(text.contains("worker_tasks_failed_total 2\n"), "{text}");
    exporter.shutdown();
}
