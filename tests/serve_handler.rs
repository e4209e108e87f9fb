//! The framework-agnostic handler (`http` types in, `http` types out), the
//! hyper adapter over a real loopback connection, and the tower layer around
//! services that fail or whose futures are dropped.

use std::future::Future;
use std::io::Read;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use flate2::read::GzDecoder;
use http::{header, Method, Request, Response, StatusCode};
use metrics_toolkit::{http_get, http_request, PROMETHEUS_ACCEPT};
use promstrict::http::hyper::MetricsService;
use promstrict::http::{HttpMetricsLayer, MetricsHandler, RequestBody, RouteTemplate};
use promstrict::{Counter, Family, Format, Gauge, LabelDescriptor, LabelSet, LabelValue, Registry};
use tower::{Layer, Service, ServiceExt};

#[derive(Clone, Copy)]
enum Queue {
    Fast,
    Slow,
}
impl LabelValue for Queue {
    const CARDINALITY: usize = 2;
    fn index(self) -> usize {
        self as usize
    }
    fn name_at(i: usize) -> Option<&'static str> {
        ["fast", "slow"].get(i).copied()
    }
}
#[derive(Clone, Copy)]
struct QueueLabels {
    queue: Queue,
}
impl LabelSet for QueueLabels {
    const LABELS: &'static [LabelDescriptor] = &[LabelDescriptor::of::<Queue>("queue")];
    fn index(&self) -> usize {
        self.queue.index()
    }
}

/// A registry with a few hundred series, so compression has something to do.
fn registry() -> Arc<Registry> {
    let registry = Arc::new(Registry::new());
    let jobs: Family<QueueLabels, Counter> = registry
        .register("jobs_total", "Jobs run, by queue.", Family::default())
        .unwrap();
    jobs.labels(QueueLabels { queue: Queue::Fast }).inc_by(3);
    jobs.labels(QueueLabels { queue: Queue::Slow }).inc();
    for i in 0..200 {
        let g: Gauge = registry
            .register(
                format!("worker_{i}_queue_depth"),
                "Jobs waiting for one worker.",
                Gauge::new(),
            )
            .unwrap();
        g.set(i);
    }
    registry
}

fn get(headers: &[(&str, &str)]) -> Request<()> {
    let mut request = Request::get("/metrics");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.body(()).unwrap()
}

fn gunzip(body: &[u8]) -> String {
    let mut text = String::new();
    GzDecoder::new(body)
        .read_to_string(&mut text)
        .expect("a valid gzip stream");
    text
}

#[test]
fn prometheus_own_accept_header_negotiates_openmetrics() {
    let registry = registry();
    let handler = MetricsHandler::new(Arc::clone(&registry));
    let response = handler.handle(&get(&[("accept", PROMETHEUS_ACCEPT)]));
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        Format::OpenMetrics.content_type()
    );
    assert_eq!(response.headers()[header::VARY], "Accept, Accept-Encoding");
    assert!(response.headers().get(header::CONTENT_ENCODING).is_none());
    assert_eq!(
        response.body(),
        registry.encode(Format::OpenMetrics).as_bytes()
    );
    assert_eq!(
        response.headers()[header::CONTENT_LENGTH],
        response.body().len().to_string().as_str()
    );
    assert!(response.body().ends_with(b"# EOF\n"));
}

#[test]
fn no_or_plain_accept_gets_the_text_format() {
    let registry = registry();
    let handler = MetricsHandler::new(Arc::clone(&registry));
    for headers in [
        &[][..],
        &[("accept", "text/plain")],
        &[("accept", "*/*")],
        &[("accept", "text/html")],
    ] {
        let response = handler.handle(&get(headers));
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "text/plain; version=0.0.4; charset=utf-8"
        );
        assert_eq!(
            response.body(),
            registry.encode(Format::Prometheus).as_bytes()
        );
    }
    // The text format, chosen explicitly over OpenMetrics by weight.
    let response = handler.handle(&get(&[(
        "accept",
        "application/openmetrics-text;q=0.2,text/plain;version=0.0.4;q=0.9",
    )]));
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        Format::Prometheus.content_type()
    );
}

#[test]
fn head_sends_the_get_headers_without_a_body() {
    let handler = MetricsHandler::new(registry());
    for accept_encoding in ["identity", "gzip"] {
        let get_response = handler.handle(&get(&[("accept-encoding", accept_encoding)]));
        let mut head = get(&[("accept-encoding", accept_encoding)]);
        *head.method_mut() = Method::HEAD;
        let head_response = handler.handle(&head);
        assert_eq!(head_response.status(), StatusCode::OK);
        assert!(head_response.body().is_empty());
        assert_eq!(head_response.headers(), get_response.headers());
        assert_eq!(
            head_response.headers()[header::CONTENT_LENGTH],
            get_response.body().len().to_string().as_str()
        );
    }
}

#[test]
fn other_methods_get_405_with_allow() {
    let handler = MetricsHandler::new(registry());
    for method in [
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
        Method::OPTIONS,
        Method::TRACE,
    ] {
        let request = Request::builder()
            .method(method.clone())
            .uri("/metrics")
            .body(())
            .unwrap();
        let response = handler.handle(&request);
        assert_eq!(
            response.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method}"
        );
        assert_eq!(response.headers()[header::ALLOW], "GET, HEAD");
        assert!(response.body().is_empty());
    }
}

#[test]
fn gzip_when_accepted_and_the_same_text_inside() {
    let registry = registry();
    let handler = MetricsHandler::new(Arc::clone(&registry));
    for accept_encoding in [
        "gzip",
        "gzip, deflate, br",
        "br;q=1.0, gzip;q=0.8, *;q=0.1",
        "*",
    ] {
        let response = handler.handle(&get(&[
            ("accept-encoding", accept_encoding),
            ("accept", PROMETHEUS_ACCEPT),
        ]));
        // `*` covers zstd too, preferred on a tie.
        let zstd = cfg!(feature = "zstd") && accept_encoding == "*";
        assert_eq!(
            response.headers()[header::CONTENT_ENCODING],
            if zstd { "zstd" } else { "gzip" },
            "{accept_encoding}"
        );
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            Format::OpenMetrics.content_type()
        );
        let text = if zstd {
            unzstd(response.body())
        } else {
            gunzip(response.body())
        };
        assert_eq!(text, registry.encode(Format::OpenMetrics));
        assert!(
            response.body().len() * 4 < text.len(),
            "compressed {} of {}",
            response.body().len(),
            text.len()
        );
    }
    for accept_encoding in ["gzip;q=0", "deflate", "identity", "*;q=0"] {
        let response = handler.handle(&get(&[("accept-encoding", accept_encoding)]));
        assert!(
            response.headers().get(header::CONTENT_ENCODING).is_none(),
            "{accept_encoding}"
        );
        assert_eq!(
            response.body(),
            registry.encode(Format::Prometheus).as_bytes()
        );
    }
    // Compression turned off: never compressed, and the response no longer
    // varies by Accept-Encoding.
    let plain = MetricsHandler::new(Arc::clone(&registry)).with_gzip(false);
    let response = plain.handle(&get(&[("accept-encoding", "gzip")]));
    assert!(response.headers().get(header::CONTENT_ENCODING).is_none());
    assert_eq!(response.headers()[header::VARY], "Accept");
}

#[cfg(feature = "zstd")]
fn unzstd(body: &[u8]) -> String {
    String::from_utf8(zstd::decode_all(body).expect("a valid zstd stream")).unwrap()
}

#[cfg(not(feature = "zstd"))]
fn unzstd(_: &[u8]) -> String {
    unreachable!("zstd is only negotiated with the zstd feature")
}

/// zstd for scrapers that weigh it at least as high as gzip; the text
/// inside is the same.
#[cfg(feature = "zstd")]
#[test]
fn zstd_when_preferred_and_the_same_text_inside() {
    let registry = registry();
    let handler = MetricsHandler::new(Arc::clone(&registry));
    for (accept_encoding, want) in [
        ("zstd", Some("zstd")),
        ("gzip, zstd", Some("zstd")),
        ("zstd;q=0.5, gzip", Some("gzip")),
        ("zstd;q=0, gzip;q=0", None),
        ("identity;q=1, zstd;q=0.5", None),
    ] {
        let response = handler.handle(&get(&[("accept-encoding", accept_encoding)]));
        let coding = response
            .headers()
            .get(header::CONTENT_ENCODING)
            .map(|v| v.to_str().unwrap());
        assert_eq!(coding, want, "{accept_encoding}");
        let text = match coding {
            Some("zstd") => unzstd(response.body()),
            Some(_) => gunzip(response.body()),
            None => String::from_utf8(response.body().to_vec()).unwrap(),
        };
        assert_eq!(text, registry.encode(Format::Prometheus));
        assert_eq!(response.headers()[header::VARY], "Accept, Accept-Encoding");
    }
    // zstd off alone: gzip instead; compression off: neither.
    let response = handler
        .clone()
        .with_zstd(false)
        .handle(&get(&[("accept-encoding", "zstd, gzip")]));
    assert_eq!(response.headers()[header::CONTENT_ENCODING], "gzip");
    let response = handler
        .with_gzip(false)
        .handle(&get(&[("accept-encoding", "zstd")]));
    assert!(response.headers().get(header::CONTENT_ENCODING).is_none());
}

#[test]
fn concurrent_scrapes_all_get_whole_consistent_bodies() {
    // Overlapping scrapes (compressed ones stream through their own
    // compressor) must each get a whole, valid body.
    let registry = registry();
    let handler = MetricsHandler::new(Arc::clone(&registry));
    let expected = registry.encode(Format::Prometheus);
    std::thread::scope(|s| {
        for i in 0..8 {
            let handler = &handler;
            let expected = &expected;
            s.spawn(move || {
                for _ in 0..50 {
                    let gzip = i % 2 == 0;
                    let response = handler.handle(&get(&[(
                        "accept-encoding",
                        if gzip { "gzip" } else { "identity" },
                    )]));
                    let text = if gzip {
                        gunzip(response.body())
                    } else {
                        String::from_utf8(response.body().to_vec()).unwrap()
                    };
                    assert_eq!(&text, expected);
                }
            });
        }
    });
}

#[test]
fn bearer_token_is_required_when_configured() {
    let handler = MetricsHandler::new(registry()).with_bearer_token("s3cret-token");
    for auth in [
        None,
        Some("Bearer wrong"),
        Some("Bearer s3cret-toke"),
        Some("Basic s3cret-token"),
        Some("s3cret-token"),
    ] {
        let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("authorization", *a)).collect();
        let response = handler.handle(&get(&headers));
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{auth:?}");
        assert_eq!(
            response.headers()[header::WWW_AUTHENTICATE],
            "Bearer realm=\"metrics\""
        );
        assert!(
            response.body().is_empty(),
            "no details for the unauthenticated"
        );
        assert!(response.headers().get(header::CONTENT_TYPE).is_none());
    }
    // Auth comes before the method check: nothing is revealed without it.
    let post = Request::post("/metrics").body(()).unwrap();
    assert_eq!(handler.handle(&post).status(), StatusCode::UNAUTHORIZED);
    let response = handler.handle(&get(&[("authorization", "Bearer s3cret-token")]));
    assert_eq!(response.status(), StatusCode::OK);
    let response = handler.handle(&get(&[("authorization", "bearer s3cret-token")]));
    assert_eq!(response.status(), StatusCode::OK);
    assert!(!format!("{handler:?}").contains("s3cret"));
}

#[test]
fn a_static_registry_works_too() {
    let handler = MetricsHandler::new(promstrict::default_registry());
    let response = handler.handle(&get(&[("accept", PROMETHEUS_ACCEPT)]));
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.body().ends_with(b"# EOF\n"));
}

/// Serves `service` with hyper on a loopback port for the duration of `f`.
fn with_hyper_server(service: MetricsService, f: impl FnOnce(std::net::SocketAddr)) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let server = runtime.spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let service = service.clone();
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service),
            );
        }
    });
    f(addr);
    server.abort();
    runtime.shutdown_timeout(Duration::from_secs(5));
}

#[test]
fn hyper_service_over_the_wire() {
    let registry = registry();
    let expected = registry.encode(Format::Prometheus);
    with_hyper_server(MetricsService::new(Arc::clone(&registry)), |addr| {
        let response = http_get(addr, "/metrics", &[]);
        assert_eq!(response.status, 200);
        assert_eq!(response.text(), expected);
        assert_eq!(
            response.header("content-length"),
            Some(expected.len().to_string().as_str())
        );

        let response = http_get(addr, "/metrics?name[]=x", &[("accept", PROMETHEUS_ACCEPT)]);
        assert_eq!(
            response.header("content-type"),
            Some(Format::OpenMetrics.content_type())
        );

        let response = http_request(addr, "HEAD", "/metrics", &[]).unwrap();
        assert_eq!(response.status, 200);
        assert_eq!(
            response.header("content-length"),
            Some(expected.len().to_string().as_str())
        );
        assert!(response.body.is_empty());

        let response = http_get(addr, "/metrics", &[("accept-encoding", "gzip")]);
        assert_eq!(response.header("content-encoding"), Some("gzip"));
        assert_eq!(gunzip(&response.body), expected);

        let response = http_request(addr, "DELETE", "/metrics", &[]).unwrap();
        assert_eq!(response.status, 405);
        assert_eq!(response.header("allow"), Some("GET, HEAD"));

        for path in ["/", "/metric", "/metrics/", "/favicon.ico"] {
            let response = http_get(addr, path, &[]);
            assert_eq!(response.status, 404, "{path}");
            assert!(response.body.is_empty());
        }
    });
    with_hyper_server(
        MetricsService::new(registry).with_path("/internal/prom"),
        |addr| {
            assert_eq!(http_get(addr, "/internal/prom", &[]).status, 200);
            assert_eq!(http_get(addr, "/metrics", &[]).status, 404);
        },
    );
}

// --- the tower layer, around hand-written services -------------------------------

#[derive(Debug)]
struct Boom;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn prometheus_text(registry: &Registry) -> String {
    registry.encode(Format::Prometheus)
}

#[test]
fn layer_records_status_classes_and_route_templates_from_extensions() {
    let registry = Registry::new();
    let layer = HttpMetricsLayer::new(&registry).unwrap();
    // A router stand-in: names the route on the response for `/users/…`,
    // answers 404 for anything else.
    let inner = tower::service_fn(|request: Request<RequestBody<()>>| async move {
        let mut response = Response::new(String::new());
        if request.uri().path().starts_with("/users/") {
            response
                .extensions_mut()
                .insert(RouteTemplate::new("/users/{id}"));
        } else if request.extensions().get::<RouteTemplate>().is_none() {
            *response.status_mut() = StatusCode::NOT_FOUND;
        }
        Ok::<_, Boom>(response)
    });
    let service = layer.layer(inner);
    runtime().block_on(async {
        for path in ["/users/1", "/users/2", "/users/3", "/nope/1", "/nope/2"] {
            let request = Request::get(path).body(()).unwrap();
            service.clone().oneshot(request).await.unwrap();
        }
        let mut request = Request::post("/orders/9").body(()).unwrap();
        request
            .extensions_mut()
            .insert(RouteTemplate::new("/orders/{id}"));
        service.clone().oneshot(request).await.unwrap();
    });
    let text = prometheus_text(&registry);
    for line in [
        r#"http_requests_total{method="get",route="/users/{id}",status="2xx"} 3"#,
        r#"http_requests_total{method="get",route="unmatched",status="4xx"} 2"#,
        r#"http_requests_total{method="post",route="/orders/{id}",status="2xx"} 1"#,
        r#"http_request_duration_seconds_count{method="get",route="/users/{id}"} 3"#,
        "http_requests_in_flight 0",
    ] {
        assert!(text.contains(line), "missing {line}\n{text}");
    }
    assert!(
        !text.contains("/users/1") && !text.contains("/nope"),
        "raw paths leaked\n{text}"
    );
    metrics_toolkit::promtool_check_metrics(&text).unwrap();
}

#[test]
fn layer_records_failed_services_as_5xx() {
    let registry = Registry::new();
    let service = HttpMetricsLayer::new(&registry)
        .unwrap()
        .layer(tower::service_fn(|_: Request<RequestBody<()>>| async {
            Err::<Response<String>, _>(Boom)
        }));
    let mut request = Request::put("/jobs/1").body(()).unwrap();
    request
        .extensions_mut()
        .insert(RouteTemplate::new("/jobs/{id}"));
    assert!(runtime().block_on(service.oneshot(request)).is_err());
    let text = prometheus_text(&registry);
    assert!(
        text.contains(r#"http_requests_total{method="put",route="/jobs/{id}",status="5xx"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"http_request_duration_seconds_count{method="put",route="/jobs/{id}"} 1"#),
        "{text}"
    );
    assert!(text.contains("http_requests_in_flight 0"), "{text}");
}

/// A service whose responses never come.
#[derive(Clone)]
struct Never;
impl Service<Request<RequestBody<()>>> for Never {
    type Response = Response<String>;
    type Error = Boom;
    type Future = Pin<Box<dyn Future<Output = Result<Response<String>, Boom>> + Send>>;
    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Boom>> {
        Poll::Ready(Ok(()))
    }
    fn call(&mut self, _: Request<RequestBody<()>>) -> Self::Future {
        Box::pin(std::future::pending())
    }
}

#[test]
fn a_dropped_response_future_is_recorded_as_aborted() {
    let registry = Registry::new();
    let layer = HttpMetricsLayer::new(&registry).unwrap();
    let mut service = layer.layer(Never);
    let mut request = Request::get("/slow").body(()).unwrap();
    request.extensions_mut().insert(RouteTemplate::new("/slow"));
    let future = service.call(request);
    assert_eq!(layer.metrics().in_flight(), 1);
    assert!(prometheus_text(&registry).contains("http_requests_in_flight 1"));
    // The client went away: the server drops the future (here: a timeout).
    let timed_out =
        runtime().block_on(async { tokio::time::timeout(Duration::from_millis(20), future).await });
    assert!(timed_out.is_err());
    let text = prometheus_text(&registry);
    assert!(text.contains("http_requests_in_flight 0"), "{text}");
    assert!(
        text.contains(r#"http_request_duration_seconds_count{method="get",route="/slow"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"http_requests_total{method="get",route="/slow",status="aborted"} 1"#),
        "{text}"
    );
}

#[test]
fn a_second_layer_on_the_same_registry_is_an_error_not_a_panic() {
    let registry = Registry::new();
    let _first = HttpMetricsLayer::new(&registry).unwrap();
    let err = HttpMetricsLayer::new(&registry).unwrap_err();
    assert!(err.to_string().contains("already registered"), "{err}");
    // A second layer can share the first one's metrics instead.
    let shared = HttpMetricsLayer::from_metrics(_first.metrics().clone());
    assert_eq!(shared.metrics().in_flight(), 0);
}
