//! The HTTP layer on streamed responses, over real loopback connections:
//! the duration runs to the end of the body, the time to first byte is its
//! own histogram, body sizes are counted, and a client that disconnects
//! mid-stream is counted as `aborted` with the in-flight gauge back at zero.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::routing::{get, post};
use axum::Router;
use metrics_toolkit::{http_get, poll_until, promtool_check_metrics, python_parse_openmetrics};
use promstrict::http::{axum as metrics_axum, HttpMetricsLayer};
use promstrict::{Format, Registry};

#[path = "support/axum_server.rs"]
mod axum_server;
use axum_server::with_server;

/// `count` chunks of `token ` (6 bytes), one every `every`, the first after
/// `every` too.
struct Tokens {
    interval: tokio::time::Interval,
    left: usize,
}

impl Tokens {
    fn body(count: usize, every: Duration) -> Body {
        let start = tokio::time::Instant::now() + every;
        Body::from_stream(Tokens {
            interval: tokio::time::interval_at(start, every),
            left: count,
        })
    }
}

impl futures_core::Stream for Tokens {
    type Item = Result<Bytes, std::convert::Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.left == 0 {
            return Poll::Ready(None);
        }
        std::task::ready!(self.interval.poll_tick(cx));
        self.left -= 1;
        Poll::Ready(Some(Ok(Bytes::from_static(b"token "))))
    }
}

const TICK: Duration = Duration::from_millis(100);

fn app(registry: &Arc<Registry>) -> Router {
    Router::new()
        // Five tokens over about half a second.
        .route("/stream", get(|| async { Tokens::body(5, TICK) }))
        // Tokens for up to a minute: the client leaves long before.
        .route(
            "/endless",
            get(|| async { Tokens::body(1200, Duration::from_millis(50)) }),
        )
        .route(
            "/echo",
            post(|body: String| async move { body.len().to_string() }),
        )
        .merge(metrics_axum::router(Arc::clone(registry)))
        .layer(HttpMetricsLayer::new(registry).unwrap())
}

/// Sends `GET target` and reads the head and, with `first_chunk`, the first
/// chunk of the body; returns the open connection and when the head arrived.
fn open_stream(addr: SocketAddr, target: &str) -> (BufReader<TcpStream>, Duration) {
    let start = Instant::now();
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(stream, "GET {target} HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert!(line.starts_with("HTTP/1.1 200"), "{line}");
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        if line == "\r\n" {
            break;
        }
    }
    (reader, start.elapsed())
}

/// One chunk of a chunked body (its data), or `None` at the last chunk.
fn read_chunk(reader: &mut BufReader<TcpStream>) -> Option<Vec<u8>> {
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let size = usize::from_str_radix(line.trim(), 16).expect("a chunk size");
    let mut data = vec![0; size + 2];
    reader.read_exact(&mut data).unwrap();
    data.truncate(size);
    (size > 0).then_some(data)
}

fn sample(registry: &Registry, name: &str, route: &str, status: Option<&str>) -> f64 {
    let mut labels = vec![("method", "get"), ("route", route)];
    labels.extend(status.map(|s| ("status", s)));
    registry.sample(name, &labels).unwrap_or(0.0)
}

#[test]
fn a_streamed_response_is_timed_to_its_end_and_its_first_byte_separately() {
    let registry = Arc::new(Registry::new());
    with_server(app(&registry), |addr| {
        let start = Instant::now();
        let (mut reader, head_after) = open_stream(addr, "/stream");
        // The head comes first, before any token is generated.
        assert!(head_after < 4 * TICK, "head after {head_after:?}");
        let mut body = Vec::new();
        while let Some(chunk) = read_chunk(&mut reader) {
            body.extend(chunk);
        }
        let elapsed = start.elapsed();
        assert_eq!(body, b"token token token token token ");
        assert!(elapsed >= 5 * TICK, "streamed in {elapsed:?}");
        drop(reader);

        let done = poll_until(Duration::from_secs(10), Duration::from_millis(20), || {
            let n = sample(&registry, "http_requests_total", "/stream", Some("2xx"));
            (n == 1.0).then_some(())
        });
        assert!(done.is_some(), "{}", registry.encode(Format::Prometheus));
        let duration = sample(
            &registry,
            "http_request_duration_seconds_sum",
            "/stream",
            None,
        );
        let ttfb = sample(
            &registry,
            "http_response_first_byte_seconds_sum",
            "/stream",
            None,
        );
        eprintln!("streamed: duration {duration} s, first byte {ttfb} s, client saw {elapsed:?}");
        // The whole stream (five ticks), not the head; slack only upwards.
        assert!(
            duration >= 0.45 && duration <= elapsed.as_secs_f64() + 1.0,
            "duration {duration} s, client saw {elapsed:?}"
        );
        // The first token after one tick, well before the end.
        assert!(
            ttfb >= 0.09 && ttfb < duration,
            "first byte {ttfb} s, duration {duration} s"
        );
        assert_eq!(
            sample(
                &registry,
                "http_response_first_byte_seconds_count",
                "/stream",
                None
            ),
            1.0
        );
        assert_eq!(
            sample(
                &registry,
                "http_response_body_size_bytes_sum",
                "/stream",
                None
            ),
            30.0
        );

        // A response whose length is known is not a stream: no first byte.
        let scrape = http_get(addr, "/metrics", &[]);
        assert_eq!(scrape.status, 200);
        let text = http_get(addr, "/metrics", &[]).text().to_owned();
        assert!(
            !text.contains(
                r#"http_response_first_byte_seconds_count{method="get",route="/metrics"}"#
            ),
            "{text}"
        );
        assert!(
            text.contains(
                r#"http_response_body_size_bytes_count{method="get",route="/metrics"} 1"#
            ),
            "{text}"
        );
        promtool_check_metrics(&text).unwrap();
        let om = registry.encode(Format::OpenMetrics);
        python_parse_openmetrics(&om).unwrap();
    });
    assert_eq!(registry.sample("http_requests_in_flight", &[]), Some(0.0));
}

#[test]
fn a_client_leaving_mid_stream_is_counted_as_aborted_and_leaves_no_flight() {
    let registry = Arc::new(Registry::new());
    with_server(app(&registry), |addr| {
        let (mut reader, _) = open_stream(addr, "/endless");
        let first = read_chunk(&mut reader).expect("a first token");
        assert_eq!(first, b"token ");
        assert_eq!(registry.sample("http_requests_in_flight", &[]), Some(1.0));
        let left_at = Instant::now();
        drop(reader); // the client goes away mid-stream

        // The server notices when its next write fails.
        let aborted = poll_until(Duration::from_secs(10), Duration::from_millis(20), || {
            let n = sample(
                &registry,
                "http_requests_total",
                "/endless",
                Some("aborted"),
            );
            (n == 1.0).then_some(())
        });
        assert!(aborted.is_some(), "{}", registry.encode(Format::Prometheus));
        assert_eq!(
            sample(&registry, "http_requests_total", "/endless", Some("2xx")),
            0.0
        );
        assert_eq!(registry.sample("http_requests_in_flight", &[]), Some(0.0));
        // Timed until the drop, not the minute the stream would have run.
        let duration = sample(
            &registry,
            "http_request_duration_seconds_sum",
            "/endless",
            None,
        );
        assert!(
            (0.04..30.0).contains(&duration),
            "duration {duration} s, left {:?} ago",
            left_at.elapsed()
        );
        let sent = sample(
            &registry,
            "http_response_body_size_bytes_sum",
            "/endless",
            None,
        );
        assert!(sent >= 6.0, "{sent} bytes sent");
    });
}

#[test]
fn request_body_sizes_are_the_bytes_the_service_read() {
    let registry = Arc::new(Registry::new());
    with_server(app(&registry), |addr| {
        let payload = "x".repeat(1000);
        let mut stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        write!(
            stream,
            "POST /echo HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: 1000\r\n\r\n{payload}"
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        assert!(response.ends_with("1000"), "{response}");
        let labels = [("method", "post"), ("route", "/echo")];
        let read = poll_until(Duration::from_secs(10), Duration::from_millis(20), || {
            registry.sample("http_request_body_size_bytes_sum", &labels)
        });
        assert_eq!(read, Some(1000.0));
        assert_eq!(
            registry.sample("http_response_body_size_bytes_sum", &labels),
            Some(4.0)
        );
    });
}
