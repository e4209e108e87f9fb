//! The `promwatch` binary, run as a user runs it, against a loopback page
//! that a registry of ours renders.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use promstrict_core::{Buckets, Counter, Format, Gauge, Histogram, Registry};

/// Serves `body` to every GET on 127.0.0.1 (a free port) until dropped.
struct Page {
    url: String,
    stop: Arc<AtomicBool>,
}

impl Page {
    fn serve(body: String) -> Page {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}/metrics", listener.local_addr().unwrap());
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        thread::spawn(move || {
            // Bounded: at most 60 s, then the page goes away whatever happens.
            for _ in 0..6000 {
                if stopped.load(Ordering::Relaxed) {
                    return;
                }
                let Ok((stream, _)) = listener.accept() else {
                    thread::sleep(Duration::from_millis(10));
                    continue;
                };
                stream.set_nonblocking(false).unwrap();
                stream
                    .set_read_timeout(Some(Duration::from_secs(5)))
                    .unwrap();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                }
                let mut stream = stream;
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    Format::Prometheus.content_type(),
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(body.as_bytes());
            }
        });
        Page { url, stop }
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn promwatch(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_promwatch"))
        .args(args)
        .env_remove("METRICS_TOKEN")
        .output()
        .expect("run promwatch")
}

fn page_of_a_finished_batch() -> String {
    let registry = Registry::new();
    registry
        .register("tasks_total", "Tasks.", Counter::new())
        .unwrap()
        .inc_by(6);
    registry
        .register("tasks_processed_total", "Done.", Counter::new())
        .unwrap()
        .inc_by(6);
    registry
        .register("tasks_failed_total", "Failed.", Counter::new())
        .unwrap()
        .inc();
    registry
        .register("queue_depth", "Waiting.", Gauge::new())
        .unwrap()
        .set(3);
    let latency = registry
        .register(
            "task_duration_seconds",
            "Latency.",
            Histogram::new(Buckets::new(&[0.1, 1.0]).unwrap()),
        )
        .unwrap();
    for v in [0.05, 0.05, 0.5, 2.0] {
        latency.observe(v);
    }
    registry.encode(Format::Prometheus)
}

#[test]
fn once_prints_every_series_and_exits_zero() {
    let page = Page::serve(page_of_a_finished_batch());
    let out = promwatch(&["--once", &page.url]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected = [
        "queue_depth gauge 3",
        // PromQL answers a quantile in the `+Inf` bucket with the highest finite bound.
        "task_duration_seconds histogram count=4 sum=2.6 p50=0.1 p90=1 p99=1",
        "tasks_failed_total counter 1",
        "tasks_processed_total counter 6",
        "tasks_total counter 6",
    ];
    assert_eq!(stdout.lines().collect::<Vec<_>>(), expected, "{stdout}");
}

#[test]
fn a_bad_target_is_an_error_with_a_message() {
    let dead = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let out = promwatch(&[
        "--once",
        "--timeout",
        "1",
        &format!("http://127.0.0.1:{dead}/metrics"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("promwatch: http://127.0.0.1:"));

    let out = promwatch(&["--once", "ftp://example.com/metrics"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("only http:// is supported"));

    let out = promwatch(&["--interval", "0", "http://127.0.0.1:1/"]);
    assert_eq!(out.status.code(), Some(2), "clap refuses a zero interval");
}

/// Without a terminal the dashboard prints one plain line per interval; with
/// `--exit-when-done` it returns once the status counters say the batch is
/// done.
#[test]
fn watches_until_the_batch_is_done_without_a_terminal() {
    let page = Page::serve(page_of_a_finished_batch());
    let out = promwatch(&["--exit-when-done", "--interval", "0.1", &page.url]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let last = stdout.lines().last().unwrap_or_default();
    assert!(last.contains("(1 - 6 / 6) done"), "{stdout}");
}

/// `promwatch rules` and `promwatch dashboard` write files generated from
/// the page's metadata; the default subcommand-less form still works.
#[test]
fn rules_and_dashboard_are_generated_from_the_page() {
    let registry = Registry::new();
    registry
        .register("http_requests_total", "Requests.", Counter::new())
        .unwrap()
        .inc();
    let latency = registry
        .register(
            "job_duration_seconds",
            "Job time.",
            Histogram::new(Buckets::new(&[0.5, 1.0]).unwrap()),
        )
        .unwrap();
    latency.observe(0.7);
    let page = Page::serve(registry.encode(Format::Prometheus));
    let dir = std::env::temp_dir().join(format!("promwatch-generate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rules_path = dir.join("rules.yml");

    let out = promwatch(&[
        "rules",
        "--url",
        &page.url,
        "--out",
        rules_path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let rules = std::fs::read_to_string(&rules_path).unwrap();
    assert!(
        rules.contains(
            "      - record: \"job:http_requests:rate5m\"\n        expr: \"sum by (job) (rate(http_requests_total[5m]))\"\n"
        ),
        "{rules}"
    );
    assert!(
        rules.contains("job:job_duration_seconds:p99_rate5m"),
        "{rules}"
    );

    let out = promwatch(&["dashboard", "--url", &page.url, "--title", "Jobs \"A\""]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let json = String::from_utf8(out.stdout).unwrap();
    assert!(json.contains(r#""title": "Jobs \"A\"""#), "{json}");
    assert!(json.contains(
        r#""expr": "histogram_quantile(0.5, sum by (le) (rate(job_duration_seconds_bucket[$__rate_interval])))""#
    ));

    // Objectives given on the command line, checked by the rule book.
    let out = promwatch(&[
        "rules",
        "--url",
        &page.url,
        "--objective",
        "job_duration_seconds:latency=1.0:99.5",
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let rules = String::from_utf8(out.stdout).unwrap();
    assert!(
        rules.contains("slo: \"job_duration_seconds_le_1\""),
        "{rules}"
    );
    let out = promwatch(&[
        "rules",
        "--url",
        &page.url,
        "--objective",
        "job_duration_seconds:latency=0.7:99",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "promwatch: objective `job_duration_seconds:latency=0.7:99`: latency threshold 0.7 is not a bucket bound of this histogram: PromQL can only count observations under an exposed `le` bound; use 0.5 or 1, or add 0.7 to the buckets\n"
    );
    for bad in [
        "http_requests_total:status=5xx:99",
        "nope_total:status=5xx:99",
        "job_duration_seconds:latency=1.0",
    ] {
        let out = promwatch(&["rules", "--url", &page.url, "--objective", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
    }

    // A dead target is an error, and the watching form is unchanged.
    let out = promwatch(&[
        "rules",
        "--url",
        "http://127.0.0.1:1/metrics",
        "--timeout",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("promwatch: http://127.0.0.1:1/"));
    let out = promwatch(&["--once", &page.url]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let out = promwatch(&[]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "the URL is required without a subcommand"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
