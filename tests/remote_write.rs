//! The remote-write sender against a stub receiver (a small hyper server in
//! the test that decodes what it gets) and against a real Prometheus with
//! its remote-write receiver:
//!
//! - the requests carry the spec's headers, snappy-compressed protobuf, and
//!   the series sorted by label name, `__name__` first;
//! - a 400 answer is not retried and counts as failed; 503 then 200 is
//!   retried and the same samples arrive;
//! - a tiny queue drops the oldest batches and counts them, and every
//!   collected sample is accounted for (sent, failed, or dropped);
//! - Prometheus stores a counter, a gauge and a histogram with the right
//!   values; killed mid-run and restarted on the same storage, it ends up
//!   with every sample the sender collected, with no gap.
//!
//! The Prometheus test needs `/usr/bin/prometheus` (Debian's `prometheus`
//! package; `scripts/test` installs it): skipped with a message without it,
//! a failure under `CI=true`.
//!
//! `throughput_with_10k_series` (ignored; run with `--ignored --nocapture`)
//! measures the samples per second one sender sustains and its CPU time.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use metrics_toolkit::{
    free_loopback_port, http_request, percent_encode, poll_until, prometheus_server,
    spawn_prometheus, ChildGuard, TempDir,
};
use promstrict::remote_write::proto::WriteRequest;
use promstrict::remote_write::{RemoteWrite, RemoteWriteHandle};
use promstrict::{Buckets, Counter, CounterFn, Gauge, Histogram, Registry};
use prost::Message as _;
use serde_json::Value;

#[allow(dead_code)]
#[path = "../examples/remote_write.rs"]
mod remote_write_example;

// --- a stub receiver ---------------------------------------------------------------

/// One request the stub got.
struct Received {
    headers: http::HeaderMap,
    /// The decoded request (`None`: not snappy + protobuf).
    request: Option<WriteRequest>,
}

/// A remote-write receiver on a free loopback port, answering request `i`
/// (from 0) with status `answer(i)`.
struct Stub {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    samples: Arc<AtomicU64>,
    /// Thread CPU time spent decoding, in nanoseconds.
    decode_cpu_ns: Arc<AtomicU64>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Stub {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

fn process_cpu_seconds() -> f64 {
    // SAFETY: `usage` is a valid, writable rusage.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

impl Stub {
    /// Starts the stub on the current runtime. With `keep` false it only
    /// counts samples (for the throughput measurement).
    fn start(answer: impl Fn(usize) -> u16 + Send + Sync + 'static, keep: bool) -> Stub {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let listener = tokio::net::TcpListener::from_std(listener).unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let samples = Arc::new(AtomicU64::new(0));
        let decode_cpu_ns = Arc::new(AtomicU64::new(0));
        let count = Arc::new(AtomicUsize::new(0));
        let answer = Arc::new(answer);
        let state = (
            Arc::clone(&received),
            Arc::clone(&samples),
            Arc::clone(&decode_cpu_ns),
        );
        let server = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let (received, samples, decode_cpu_ns) = state.clone();
                let (count, answer) = (Arc::clone(&count), Arc::clone(&answer));
                tokio::spawn(async move {
                    let service = service_fn(move |req: hyper::Request<Incoming>| {
                        let (received, samples, decode_cpu_ns) =
                            (received.clone(), samples.clone(), decode_cpu_ns.clone());
                        let i = count.fetch_add(1, Ordering::Relaxed);
                        let status = answer(i);
                        async move {
                            let (parts, body) = req.into_parts();
                            let body = body.collect().await?.to_bytes();
                            let start = thread_cpu_ns();
                            let request = snap::raw::Decoder::new()
                                .decompress_vec(&body)
                                .ok()
                                .and_then(|raw| WriteRequest::decode(raw.as_slice()).ok());
                            if status / 100 == 2 {
                                let n: usize = request
                                    .iter()
                                    .flat_map(|r| &r.timeseries)
                                    .map(|s| s.samples.len())
                                    .sum();
                                samples.fetch_add(n as u64, Ordering::Relaxed);
                            }
                            decode_cpu_ns.fetch_add(thread_cpu_ns() - start, Ordering::Relaxed);
                            if keep {
                                received.lock().unwrap().push(Received {
                                    headers: parts.headers,
                                    request,
                                });
                            }
                            let mut response = hyper::Response::new(Full::new(Bytes::from_static(
                                b"stub says so",
                            )));
                            *response.status_mut() = http::StatusCode::from_u16(status).unwrap();
                            Ok::<_, hyper::Error>(response)
                        }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Stub {
            addr,
            received,
            samples,
            decode_cpu_ns,
            server,
        }
    }

    fn url(&self) -> String {
        format!("http://{}/api/v1/write", self.addr)
    }

    fn requests(&self) -> usize {
        self.received.lock().unwrap().len()
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// A registry whose counter `collections_total` goes up by one each time it
/// is read: each collection of the sender reads it once, so its values
/// number the collections.
fn numbered_registry() -> (Arc<Registry>, Arc<AtomicU64>) {
    let registry = Arc::new(Registry::new());
    let reads = Arc::new(AtomicU64::new(0));
    let r = Arc::clone(&reads);
    registry
        .register(
            "rw_test_collections_total",
            "Collections of this registry.",
            CounterFn::new(move || (r.fetch_add(1, Ordering::Relaxed) + 1) as f64),
        )
        .unwrap();
    (registry, reads)
}

fn wait(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let ok = poll_until(timeout, Duration::from_millis(20), || done().then_some(()));
    assert!(ok.is_some(), "timed out waiting for {what}");
}

// --- against the stub ---------------------------------------------------------------

#[test]
fn requests_follow_the_spec_and_a_503_is_retried() {
    let rt = runtime();
    let _enter = rt.enter();
    // 503 twice, then 200.
    let stub = Stub::start(|i| if i < 2 { 503 } else { 200 }, true);
    let registry = Arc::new(Registry::new().with_const_label("region", "eu").unwrap());
    registry
        .register("jobs_total", "Jobs.", Counter::new())
        .unwrap()
        .inc_by(5);
    let sender = RemoteWrite::builder(stub.url())
        .registry(&registry)
        .interval(Duration::from_secs(3600))
        .external_label("instance", "test-1")
        .bearer_token("s3cret")
        .backoff(Duration::from_millis(10), Duration::from_millis(20))
        .spawn()
        .unwrap();
    wait("a sent sample", Duration::from_secs(30), || {
        sender.stats().samples_sent >= 1
    });
    let report = rt.block_on(sender.shutdown(Duration::from_secs(30)));
    assert!(report.flushed);
    // The first collection (once at start) and the one at shutdown.
    assert_eq!(report.stats.samples_sent, 2, "{report:?}");
    assert_eq!(report.stats.retries, 2, "{report:?}");
    assert_eq!(report.stats.samples_failed, 0);
    assert_eq!(report.stats.samples_dropped, 0);

    let received = stub.received.lock().unwrap();
    assert_eq!(received.len(), 4, "two refused tries, then two requests");
    for r in received.iter() {
        let h = &r.headers;
        assert_eq!(h["content-encoding"], "snappy");
        assert_eq!(h["content-type"], "application/x-protobuf");
        assert_eq!(h["x-prometheus-remote-write-version"], "0.1.0");
        assert!(h["user-agent"].to_str().unwrap().starts_with("promstrict/"));
        assert_eq!(h["authorization"], "Bearer s3cret");
    }
    let decoded: Vec<&WriteRequest> = received
        .iter()
        .map(|r| r.request.as_ref().expect("snappy-compressed protobuf"))
        .collect();
    // A retry sends the same samples again.
    assert_eq!(decoded[0], decoded[1]);
    assert_eq!(decoded[1], decoded[2]);
    let series = &decoded[0].timeseries;
    assert_eq!(series.len(), 1);
    let labels: Vec<(&str, &str)> = series[0]
        .labels
        .iter()
        .map(|l| (l.name.as_str(), l.value.as_str()))
        .collect();
    assert_eq!(
        labels,
        [
            ("__name__", "jobs_total"),
            ("instance", "test-1"),
            ("region", "eu")
        ]
    );
    assert_eq!(series[0].samples[0].value, 5.0);
    assert_eq!(decoded[0].metadata[0].metric_family_name, "jobs_total");
    assert_eq!(decoded[0].metadata[0].help, "Jobs.");
    // The second collection is later.
    assert!(decoded[3].timeseries[0].samples[0].timestamp >= series[0].samples[0].timestamp);
}

#[test]
fn a_400_is_not_retried_and_counts_as_failed() {
    let rt = runtime();
    let _enter = rt.enter();
    let stub = Stub::start(|_| 400, true);
    let (registry, reads) = numbered_registry();
    let own = Arc::new(Registry::new());
    let sender = RemoteWrite::builder(stub.url())
        .registry(&registry)
        .metrics_registry(&own)
        .interval(Duration::from_millis(20))
        .backoff(Duration::from_millis(1), Duration::from_millis(1))
        .spawn()
        .unwrap();
    wait("three refused requests", Duration::from_secs(30), || {
        stub.requests() >= 3
    });
    let report = rt.block_on(sender.shutdown(Duration::from_secs(30)));
    assert!(report.flushed);
    let collected = reads.load(Ordering::Relaxed);
    assert_eq!(report.stats.retries, 0, "{report:?}");
    assert_eq!(report.stats.samples_sent, 0);
    assert_eq!(report.stats.samples_failed, collected, "{report:?}");
    assert!(report
        .stats
        .last_error
        .as_deref()
        .is_some_and(|e| e.contains("400") && e.contains("stub says so")));
    // One request per collection: nothing was sent twice.
    assert_eq!(stub.requests() as u64, collected);
    assert_eq!(
        own.sample("promstrict_remote_write_samples_failed_total", &[]),
        Some(collected as f64)
    );
    assert_eq!(
        own.sample("promstrict_remote_write_retries_total", &[]),
        Some(0.0)
    );
}

#[test]
fn a_tiny_queue_drops_the_oldest_and_counts_them() {
    let rt = runtime();
    let _enter = rt.enter();
    // The receiver is down (503) for the first 50 requests.
    let stub = Stub::start(|i| if i < 50 { 503 } else { 200 }, true);
    let (registry, reads) = numbered_registry();
    let own = Arc::new(Registry::new());
    let sender = RemoteWrite::builder(stub.url())
        .registry(&registry)
        .metrics_registry(&own)
        .interval(Duration::from_millis(5))
        .queue_capacity(3)
        .backoff(Duration::from_millis(2), Duration::from_millis(2))
        .spawn()
        .unwrap();
    wait("dropped samples", Duration::from_secs(30), || {
        sender.stats().samples_dropped >= 5
    });
    wait("sent samples", Duration::from_secs(30), || {
        sender.stats().samples_sent >= 3
    });
    let report = rt.block_on(sender.shutdown(Duration::from_secs(30)));
    assert!(report.flushed, "{report:?}");
    let collected = reads.load(Ordering::Relaxed);
    let s = &report.stats;
    // Every collected sample is accounted for.
    assert_eq!(
        s.samples_sent + s.samples_failed + s.samples_dropped,
        collected,
        "{report:?}"
    );
    assert_eq!(
        own.sample("promstrict_remote_write_samples_dropped_total", &[]),
        Some(s.samples_dropped as f64)
    );
    // What arrived arrived in order.
    let values: Vec<f64> = stub
        .received
        .lock()
        .unwrap()
        .iter()
        .skip(50)
        .flat_map(|r| r.request.clone().unwrap().timeseries)
        .map(|s| s.samples[0].value)
        .collect();
    assert!(values.windows(2).all(|w| w[0] < w[1]), "{values:?}");
}

#[test]
fn a_shutdown_past_its_deadline_counts_what_is_left_as_dropped() {
    let rt = runtime();
    let _enter = rt.enter();
    let stub = Stub::start(|_| 503, false);
    let (registry, reads) = numbered_registry();
    let sender = RemoteWrite::builder(stub.url())
        .registry(&registry)
        .interval(Duration::from_millis(5))
        .backoff(Duration::from_millis(5), Duration::from_millis(5))
        .spawn()
        .unwrap();
    wait("a few collections", Duration::from_secs(30), || {
        reads.load(Ordering::Relaxed) >= 5
    });
    let report = rt.block_on(sender.shutdown(Duration::from_millis(100)));
    assert!(!report.flushed);
    let collected = reads.load(Ordering::Relaxed);
    assert_eq!(report.samples_left, collected);
    assert_eq!(report.stats.samples_dropped, collected);
    assert_eq!(report.stats.queue_samples, 0);
}

#[test]
fn dropping_the_handle_counts_what_is_queued_as_dropped() {
    let rt = runtime();
    let _enter = rt.enter();
    let stub = Stub::start(|_| 503, false);
    let (registry, reads) = numbered_registry();
    let own = Arc::new(Registry::new());
    let sender = RemoteWrite::builder(stub.url())
        .registry(&registry)
        .metrics_registry(&own)
        .interval(Duration::from_millis(5))
        .backoff(Duration::from_millis(5), Duration::from_millis(5))
        .spawn()
        .unwrap();
    wait("a few collections", Duration::from_secs(30), || {
        reads.load(Ordering::Relaxed) >= 5
    });
    drop(sender);
    // The aborted tasks let go at their next await.
    wait(
        "every collected sample counted",
        Duration::from_secs(30),
        || {
            own.sample("promstrict_remote_write_samples_dropped_total", &[])
                == Some(reads.load(Ordering::Relaxed) as f64)
                && own.sample("promstrict_remote_write_queue_samples", &[]) == Some(0.0)
        },
    );
}

/// A TCP server on a free loopback port that reads what comes and answers
/// `reply` (or nothing, holding the connection, when `None`), until the
/// test ends.
fn raw_server(reply: Option<&'static [u8]>) -> SocketAddr {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        // Bounded: at most 1,000 connections.
        for stream in listener.incoming().take(1_000) {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
                let mut buf = [0u8; 65536];
                let _ = stream.read(&mut buf);
                match reply {
                    Some(reply) => {
                        let _ = stream.write_all(reply);
                    }
                    // Hold the connection until the client gives up.
                    None => while matches!(stream.read(&mut buf), Ok(n) if n > 0) {},
                }
            });
        }
    });
    addr
}

#[test]
fn a_receiver_that_hangs_or_talks_garbage_is_retried_without_panic() {
    let rt = runtime();
    let _enter = rt.enter();
    for (reply, what) in [
        (None, "did not answer in time"),
        (Some(&b"garbage\r\n\r\n"[..]), "unreachable"),
        (
            Some(&b"HTTP/1.1 200 OK\r\ncontent-length: 99\r\n\r\nshort"[..]),
            "unreachable",
        ),
    ] {
        let addr = raw_server(reply);
        let (registry, reads) = numbered_registry();
        let sender = RemoteWrite::builder(format!("http://{addr}/api/v1/write"))
            .registry(&registry)
            .timeout(Duration::from_millis(200))
            .backoff(Duration::from_millis(5), Duration::from_millis(5))
            .spawn()
            .unwrap();
        wait(what, Duration::from_secs(30), || {
            sender.stats().retries >= 2
        });
        let error = sender.stats().last_error.unwrap_or_default();
        assert!(error.contains(what), "{what}: {error}");
        let report = rt.block_on(sender.shutdown(Duration::from_millis(50)));
        assert!(!report.flushed);
        assert_eq!(report.stats.samples_sent, 0);
        assert_eq!(
            report.stats.samples_dropped,
            reads.load(Ordering::Relaxed),
            "{report:?}"
        );
    }
}

// --- against Prometheus ----------------------------------------------------------------

/// A Prometheus with the remote-write receiver, on a fixed port and storage
/// directory (so it can be restarted on them).
fn start_prometheus(
    bin: &std::path::Path,
    dir: &TempDir,
    addr: SocketAddr,
    run: u32,
) -> ChildGuard {
    let mut guard = spawn_prometheus(
        bin,
        &dir.0,
        "global:
  scrape_interval: 1m
",
        addr,
        &["--web.enable-remote-write-receiver"],
        &format!("prometheus-{run}.log"),
    );
    let ready = poll_until(Duration::from_secs(60), Duration::from_millis(100), || {
        guard.assert_running();
        let r = http_request(addr, "GET", "/-/ready", &[]).ok()?;
        (r.status == 200).then_some(())
    });
    assert!(ready.is_some(), "prometheus did not become ready");
    guard
}

/// An instant query's result array; `None` on any problem (callers poll).
fn query(prometheus: SocketAddr, promql: &str) -> Option<Vec<Value>> {
    let target = format!("/api/v1/query?query={}", percent_encode(promql));
    let response = http_request(prometheus, "GET", &target, &[]).ok()?;
    if response.status != 200 {
        return None;
    }
    let json: Value = serde_json::from_slice(&response.body).ok()?;
    json["data"]["result"].as_array().cloned()
}

/// The value of the single series `promql` selects.
fn query_value(prometheus: SocketAddr, promql: &str) -> Option<f64> {
    let result = query(prometheus, promql)?;
    if result.len() != 1 {
        return None;
    }
    result[0]["value"][1].as_str()?.parse().ok()
}

/// The raw values of a range selector's single series, oldest first.
fn range_values(prometheus: SocketAddr, promql: &str) -> Option<Vec<f64>> {
    let result = query(prometheus, promql)?;
    if result.len() != 1 {
        return None;
    }
    result[0]["values"]
        .as_array()?
        .iter()
        .map(|v| v[1].as_str()?.parse().ok())
        .collect()
}

#[test]
fn prometheus_stores_every_sample_across_a_restart() {
    let Some(bin) = prometheus_server() else {
        return;
    };
    let dir = TempDir::new("remote-write-e2e");
    let prometheus: SocketAddr = ([127, 0, 0, 1], free_loopback_port()).into();
    let mut process = Some(start_prometheus(&bin, &dir, prometheus, 1));

    let rt = runtime();
    let _enter = rt.enter();
    let (registry, reads) = numbered_registry();
    registry
        .register("rw_test_temperature_celsius", "A gauge.", Gauge::new())
        .unwrap()
        .set(21);
    let latency = registry
        .register(
            "rw_test_latency_seconds",
            "A histogram.",
            Histogram::new(Buckets::new(&[0.1, 1.0]).unwrap()),
        )
        .unwrap();
    for v in [0.05, 0.5, 5.0] {
        latency.observe(v);
    }
    let own = Arc::new(Registry::new());
    let sender: RemoteWriteHandle =
        RemoteWrite::builder(format!("http://{prometheus}/api/v1/write"))
            .registry(&registry)
            .metrics_registry(&own)
            .interval(Duration::from_millis(200))
            .timeout(Duration::from_secs(5))
            .backoff(Duration::from_millis(50), Duration::from_millis(400))
            .external_label("job", "rw_test")
            .spawn()
            .unwrap();

    // The values, as Prometheus stores them.
    let expect = [
        ("rw_test_temperature_celsius{job=\"rw_test\"}", 21.0),
        ("rw_test_latency_seconds_bucket{le=\"0.1\"}", 1.0),
        ("rw_test_latency_seconds_bucket{le=\"1.0\"}", 2.0),
        ("rw_test_latency_seconds_bucket{le=\"+Inf\"}", 3.0),
        ("rw_test_latency_seconds_count", 3.0),
        ("rw_test_latency_seconds_sum", 5.55),
    ];
    for (promql, value) in expect {
        let got = poll_until(Duration::from_secs(30), Duration::from_millis(200), || {
            query_value(prometheus, promql)
        });
        assert_eq!(got, Some(value), "{promql}");
    }
    let counter = poll_until(Duration::from_secs(30), Duration::from_millis(200), || {
        query_value(prometheus, "rw_test_collections_total").filter(|v| *v >= 2.0)
    });
    assert!(counter.is_some(), "the counter arrives");

    // Kill Prometheus; the sender retries while collections go on.
    let retries_before = sender.stats().retries;
    let collected_before = reads.load(Ordering::Relaxed);
    drop(process.take());
    wait(
        "retries and collections while down",
        Duration::from_secs(60),
        || {
            sender.stats().retries >= retries_before + 3
                && reads.load(Ordering::Relaxed) >= collected_before + 5
        },
    );
    assert!(sender.stats().queue_samples > 0);

    // Restart on the same storage and port; the queue drains.
    let _process = start_prometheus(&bin, &dir, prometheus, 2);
    wait("the queue to drain", Duration::from_secs(60), || {
        sender.stats().queue_samples == 0 && sender.stats().samples_sent > 0
    });
    let report = rt.block_on(sender.shutdown(Duration::from_secs(30)));
    assert!(report.flushed, "{report:?}");
    let n = reads.load(Ordering::Relaxed);

    // Every collection's counter value is stored, 1..=n, with no gap.
    let values = poll_until(Duration::from_secs(30), Duration::from_millis(200), || {
        range_values(prometheus, "rw_test_collections_total[10m]").filter(|v| v.len() as u64 >= n)
    })
    .unwrap_or_else(|| {
        panic!(
            "fewer than {n} values stored: {:?}",
            range_values(prometheus, "rw_test_collections_total[10m]")
        )
    });
    let expected: Vec<f64> = (1..=n).map(|i| i as f64).collect();
    assert_eq!(values, expected);
    println!(
        "{n} collections stored, {} of them from the kill on; {} retries",
        n - collected_before,
        report.stats.retries
    );

    assert!(report.stats.retries > retries_before, "{report:?}");
    assert_eq!(report.stats.samples_dropped, 0);
    assert_eq!(report.stats.samples_failed, 0, "{report:?}");
    assert!(own
        .sample("promstrict_remote_write_retries_total", &[])
        .is_some_and(|v| v >= 3.0));
    assert_eq!(
        own.sample("promstrict_remote_write_samples_dropped_total", &[]),
        Some(0.0)
    );
}

#[test]
fn the_example_runs_and_shuts_down_cleanly() {
    let rt = runtime();
    let stub = rt.block_on(async { Stub::start(|_| 204, true) });
    let report = rt
        .block_on(remote_write_example::run(
            &stub.url(),
            Duration::from_millis(300),
            Duration::from_millis(50),
        ))
        .unwrap();
    assert!(report.flushed);
    assert!(report.stats.samples_sent > 0);
    assert_eq!(report.stats.samples_dropped, 0);
    assert!(stub.samples.load(Ordering::Relaxed) >= report.stats.samples_sent);
}

// --- measurement ------------------------------------------------------------------------

promstrict::bounded_label!(struct SeriesId { max: 10_000, overflow: "other" });

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, promstrict::LabelSet)]
struct SeriesLabels {
    series: SeriesId,
}

/// Samples per second one sender sustains for a 10,000-series registry,
/// and the CPU seconds per second it uses (the stub's decoding excluded).
/// `BENCH_SECONDS` (default 10) and `BENCH_INTERVAL_MS` (default 10).
#[test]
#[ignore = "a measurement: run with --ignored --nocapture"]
fn throughput_with_10k_series() {
    let seconds: f64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10.0);
    let interval_ms: u64 = std::env::var("BENCH_INTERVAL_MS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let rt = runtime();
    let _enter = rt.enter();
    let stub = Stub::start(|_| 204, false);
    let registry = Arc::new(Registry::new());
    let family = registry
        .register(
            "bench_requests_total",
            "Requests.",
            promstrict::Family::<SeriesLabels, Counter>::default(),
        )
        .unwrap();
    for i in 0..10_000 {
        family
            .labels(SeriesLabels {
                series: SeriesId::new(&format!("s{i}")),
            })
            .inc_by(i);
    }
    let sender = RemoteWrite::builder(stub.url())
        .registry(&registry)
        .interval(Duration::from_millis(interval_ms))
        .queue_capacity(200_000)
        .spawn()
        .unwrap();
    // Warm up, then measure.
    std::thread::sleep(Duration::from_secs(1));
    let (sent0, dropped0) = (sender.stats().samples_sent, sender.stats().samples_dropped);
    let (received0, decode0) = (
        stub.samples.load(Ordering::Relaxed),
        stub.decode_cpu_ns.load(Ordering::Relaxed),
    );
    let cpu0 = process_cpu_seconds();
    let start = Instant::now();
    std::thread::sleep(Duration::from_secs_f64(seconds));
    let elapsed = start.elapsed().as_secs_f64();
    let cpu = process_cpu_seconds() - cpu0;
    let stats = sender.stats();
    let sent = stats.samples_sent - sent0;
    let dropped = stats.samples_dropped - dropped0;
    let received = stub.samples.load(Ordering::Relaxed) - received0;
    let decode = (stub.decode_cpu_ns.load(Ordering::Relaxed) - decode0) as f64 / 1e9;
    drop(rt.block_on(sender.shutdown(Duration::from_secs(5))));
    println!(
        "interval {interval_ms} ms, {elapsed:.1} s: {:.0} samples/s sent ({received} received), \
         {:.0} samples/s dropped; CPU {:.2} s/s of which the stub's decoding {:.2} s/s, \
         so the sender {:.2} s/s",
        sent as f64 / elapsed,
        dropped as f64 / elapsed,
        cpu / elapsed,
        decode / elapsed,
        (cpu - decode) / elapsed,
    );
    assert!(sent > 0);
}
