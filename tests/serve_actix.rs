//! actix-web: `/metrics` through `configure`, and the middleware labelling
//! requests by the matched resource pattern, over real loopback connections.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{web, App, HttpResponse, HttpServer};
use metrics_toolkit::{
    http_get, http_request, promtool_check_metrics, python_parse_openmetrics, PROMETHEUS_ACCEPT,
};
use promstrict::http::actix::{configure, HttpMetricsMiddleware};
use promstrict::{Format, Registry};

#[path = "support/large_page.rs"]
mod large_page;
use large_page::{assert_large_pages_are_streamed, large_registry};

/// An actix-web server on a loopback port, on its own thread and actix
/// system; stopped (and its thread joined) on drop, even if the test fails.
struct ActixServer {
    addr: SocketAddr,
    handle: ServerHandle,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ActixServer {
    fn start(
        middleware: HttpMetricsMiddleware,
        routes: impl Fn(&mut web::ServiceConfig) + Send + Clone + 'static,
    ) -> Self {
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = HttpServer::new(move || {
                    let routes = routes.clone();
                    App::new()
                        .configure(move |c| routes(c))
                        .wrap(middleware.clone())
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
        let (addr, handle) = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("actix server started");
        ActixServer {
            addr,
            handle,
            thread: Some(thread),
        }
    }
}

impl Drop for ActixServer {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(handle.stop(true));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn routes(registry: Arc<Registry>) -> impl Fn(&mut web::ServiceConfig) + Send + Clone + 'static {
    move |config: &mut web::ServiceConfig| {
        config
            .route("/users/{id}", web::get().to(|| async { "user\n" }))
            .route(
                "/boom",
                web::get().to(|| async { HttpResponse::ServiceUnavailable().finish() }),
            )
            .service(web::scope("/api").route(
                "/items/{item}/parts/{part}",
                web::get().to(|| async { "part\n" }),
            ))
            .configure(configure(Arc::clone(&registry)));
    }
}

#[test]
fn resource_patterns_label_requests_and_unmatched_share_one_value() {
    let registry = Arc::new(Registry::new());
    let middleware = HttpMetricsMiddleware::new(&registry).unwrap();
    assert!(
        HttpMetricsMiddleware::new(&registry).is_err(),
        "registered once"
    );
    let server = ActixServer::start(middleware, routes(Arc::clone(&registry)));
    let addr = server.addr;
    for id in 1..=4 {
        assert_eq!(http_get(addr, &format!("/users/{id}"), &[]).status, 200);
    }
    assert_eq!(http_get(addr, "/api/items/7/parts/9", &[]).status, 200);
    assert_eq!(http_get(addr, "/boom", &[]).status, 503);
    for path in ["/nope", "/api/nothing", "/users/1/extra"] {
        assert_eq!(http_get(addr, path, &[]).status, 404, "{path}");
    }
    let text = http_get(addr, "/metrics", &[]).text().to_owned();
    for line in [
        r#"http_requests_total{method="get",route="/users/{id}",status="2xx"} 4"#,
        r#"http_requests_total{method="get",route="/api/items/{item}/parts/{part}",status="2xx"} 1"#,
        r#"http_requests_total{method="get",route="/boom",status="5xx"} 1"#,
        r#"http_requests_total{method="get",route="unmatched",status="4xx"} 3"#,
        r#"http_request_duration_seconds_count{method="get",route="/users/{id}"} 4"#,
        "http_requests_in_flight 1",
    ] {
        assert!(text.contains(line), "missing {line}\n{text}");
    }
    assert!(!text.contains("/users/1"), "raw path leaked\n{text}");
    promtool_check_metrics(&text).unwrap();
    let om = http_get(addr, "/metrics", &[("accept", PROMETHEUS_ACCEPT)]);
    assert_eq!(
        om.header("content-type"),
        Some(Format::OpenMetrics.content_type())
    );
    python_parse_openmetrics(om.text()).unwrap();
    drop(server);
    assert!(registry
        .encode(Format::Prometheus)
        .contains("http_requests_in_flight 0"));
}

/// A page past 256 KiB is streamed from the second scrape on.
#[test]
fn large_pages_are_streamed_in_chunks() {
    let registry = large_registry();
    let middleware = HttpMetricsMiddleware::new(&Registry::new()).unwrap();
    let server = ActixServer::start(middleware, routes(Arc::clone(&registry)));
    assert_large_pages_are_streamed(server.addr, &registry);
}

#[test]
fn metrics_endpoint_head_405_gzip_and_auth() {
    let registry = Arc::new(Registry::new());
    registry
        .register("ticks_total", "Ticks.", promstrict::Counter::new())
        .unwrap()
        .inc_by(5);
    let middleware = HttpMetricsMiddleware::new(&registry).unwrap();
    let server = ActixServer::start(middleware, routes(Arc::clone(&registry)));
    let addr = server.addr;

    let get = http_get(addr, "/metrics", &[]);
    assert_eq!(get.status, 200);
    assert_eq!(
        get.header("content-type"),
        Some(Format::Prometheus.content_type())
    );
    assert_eq!(get.header("vary"), Some("Accept, Accept-Encoding"));
    assert!(get.text().contains("ticks_total 5\n"));

    let head = http_request(addr, "HEAD", "/metrics", &[]).unwrap();
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(head.header("content-type"), get.header("content-type"));
    let head_len: usize = head
        .header("content-length")
        .expect("content-length on HEAD")
        .parse()
        .unwrap();
    assert!(head_len > 0);

    let put = http_request(addr, "PUT", "/metrics", &[("content-length", "0")]).unwrap();
    assert_eq!(put.status, 405);
    assert_eq!(put.header("allow"), Some("GET, HEAD"));

    let gz = http_get(addr, "/metrics", &[("accept-encoding", "gzip")]);
    assert_eq!(gz.header("content-encoding"), Some("gzip"));
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz.body[..]), &mut text)
        .unwrap();
    assert!(text.contains("ticks_total 5\n"), "{text}");
    drop(server);

    // With a token.
    let registry = Arc::new(Registry::new());
    let handler =
        promstrict::http::MetricsHandler::new(Arc::clone(&registry)).with_bearer_token("t0ken");
    let middleware = HttpMetricsMiddleware::new(&registry).unwrap();
    let server = ActixServer::start(middleware, move |config: &mut web::ServiceConfig| {
        config.configure(promstrict::http::actix::configure_with(handler.clone()));
    });
    let denied = http_get(server.addr, "/metrics", &[("authorization", "Bearer nope")]);
    assert_eq!(denied.status, 401);
    assert_eq!(
        denied.header("www-authenticate"),
        Some("Bearer realm=\"metrics\"")
    );
    assert_eq!(denied.header("content-length"), Some("0"));
    assert_eq!(
        http_get(
            server.addr,
            "/metrics",
            &[("authorization", "Bearer t0ken")]
        )
        .status,
        200
    );
}

/// Five chunks, one every 100 ms, the first after 100 ms too.
struct Ticks {
    interval: tokio::time::Interval,
    left: usize,
}

impl actix_web::body::MessageBody for Ticks {
    type Error = std::convert::Infallible;

    fn size(&self) -> actix_web::body::BodySize {
        actix_web::body::BodySize::Stream
    }

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<actix_web::web::Bytes, Self::Error>>> {
        if self.left == 0 {
            return std::task::Poll::Ready(None);
        }
        std::task::ready!(self.interval.poll_tick(cx));
        self.left -= 1;
        std::task::Poll::Ready(Some(Ok(actix_web::web::Bytes::from_static(b"token "))))
    }
}

fn ticks(count: usize) -> HttpResponse {
    let every = Duration::from_millis(100);
    HttpResponse::Ok().body(Ticks {
        interval: tokio::time::interval_at(tokio::time::Instant::now() + every, every),
        left: count,
    })
}

/// Streamed responses through actix-web: timed to their end, their first
/// byte on its own, and a client leaving mid-stream counted as `aborted`.
#[test]
fn streamed_responses_are_timed_to_their_end_and_aborts_are_counted() {
    use std::io::{BufRead, BufReader, Read, Write};
    let registry = Arc::new(Registry::new());
    let server = ActixServer::start(HttpMetricsMiddleware::new(&registry).unwrap(), |config| {
        config
            .route("/stream", web::get().to(|| async { ticks(5) }))
            .route("/endless", web::get().to(|| async { ticks(600) }));
    });
    let addr = server.addr;
    let response = http_get(addr, "/stream", &[]);
    assert_eq!(response.text(), "token token token token token ");

    // A client that reads the head and one chunk, then leaves.
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(stream, "GET /endless HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    while line != "\r\n" {
        line.clear();
        reader.read_line(&mut line).unwrap();
    }
    let mut chunk = [0; 8];
    reader.read_exact(&mut chunk).unwrap();
    drop(reader);

    let labels = |route| [("method", "get"), ("route", route)];
    let aborted =
        metrics_toolkit::poll_until(Duration::from_secs(10), Duration::from_millis(20), || {
            let [a, b] = labels("/endless");
            let n = registry.sample("http_requests_total", &[a, b, ("status", "aborted")]);
            (n == Some(1.0)).then_some(())
        });
    assert!(aborted.is_some(), "{}", registry.encode(Format::Prometheus));
    let [a, b] = labels("/stream");
    assert_eq!(
        registry.sample("http_requests_total", &[a, b, ("status", "2xx")]),
        Some(1.0)
    );
    let duration = registry
        .sample("http_request_duration_seconds_sum", &labels("/stream"))
        .unwrap();
    let first = registry
        .sample("http_response_first_byte_seconds_sum", &labels("/stream"))
        .unwrap();
    eprintln!("actix streamed: duration {duration} s, first byte {first} s");
    assert!((0.45..30.0).contains(&duration), "duration {duration} s");
    assert!(first >= 0.09 && first < duration, "first byte {first} s");
    assert_eq!(
        registry.sample("http_response_body_size_bytes_sum", &labels("/stream")),
        Some(30.0)
    );
    let in_flight =
        metrics_toolkit::poll_until(Duration::from_secs(10), Duration::from_millis(20), || {
            (registry.sample("http_requests_in_flight", &[]) == Some(0.0)).then_some(())
        });
    assert!(
        in_flight.is_some(),
        "{}",
        registry.encode(Format::Prometheus)
    );
    promtool_check_metrics(&registry.encode(Format::Prometheus)).unwrap();
}
