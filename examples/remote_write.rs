//! Sending a program's metrics to Prometheus with remote write: a background
//! task reads the registry every interval and posts the samples to the
//! receiver, retrying while it is unreachable; at the end, the sender is shut
//! down cleanly, flushing what is queued.
//!
//! ```text
//! prometheus --web.enable-remote-write-receiver &   # Debian's prometheus, on :9090
//! RUN_SECONDS=30 cargo run --example remote_write --features remote-write
//! # then, in Prometheus: rate(worker_tasks_processed_total[1m])
//! ```
//!
//! `REMOTE_WRITE_URL` sets the receiver (default
//! `http://127.0.0.1:9090/api/v1/write`); `RUN_SECONDS` how long the program
//! runs (default 10). It prints what the sender did.

use std::sync::Arc;
use std::time::{Duration, Instant};

use promstrict::remote_write::{RemoteWrite, ShutdownReport};
use promstrict::{Counter, Gauge, Histogram, Metrics, Registry};

/// The worker's metrics.
#[derive(Metrics)]
#[metrics(namespace = "worker")]
pub struct WorkerMetrics {
    /// Tasks processed.
    pub tasks_processed_total: Counter,
    /// Tasks waiting in the queue.
    pub queue_depth: Gauge,
    /// Time a task takes.
    #[metric(buckets = "fast")]
    pub task_duration_seconds: Histogram,
}

/// Works for `run_for`, sending the metrics to `url` every `interval`, then
/// shuts the sender down (flushing within 5 seconds).
pub async fn run(
    url: &str,
    run_for: Duration,
    interval: Duration,
) -> Result<ShutdownReport, Box<dyn std::error::Error>> {
    let registry = Arc::new(Registry::new());
    let metrics = WorkerMetrics::register(&registry)?;
    let sender = RemoteWrite::builder(url)
        .registry(&registry)
        .interval(interval)
        .external_label("job", "remote_write_example")
        // The sender's own metrics travel with the others.
        .metrics_registry(&registry)
        .spawn()?;

    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < run_for {
        n += 1;
        let task = Instant::now();
        std::hint::black_box((0..10_000u64).sum::<u64>());
        metrics.tasks_processed_total.inc();
        metrics.queue_depth.set((n * 7 % 13) as i64);
        metrics
            .task_duration_seconds
            .observe(task.elapsed().as_secs_f64());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(sender.shutdown(Duration::from_secs(5)).await)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("REMOTE_WRITE_URL")
        .unwrap_or_else(|_| "http://127.0.0.1:9090/api/v1/write".into());
    let run_for = std::env::var("RUN_SECONDS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .map(|s| Duration::from_secs_f64(s.clamp(0.0, 1e9)))
        .unwrap_or(Duration::from_secs(10));
    println!("sending to {url} for {run_for:?}");
    let report = run(&url, run_for, Duration::from_secs(5)).await?;
    let s = &report.stats;
    println!(
        "flushed: {}; samples sent {}, failed {}, dropped {}; retries {}",
        report.flushed, s.samples_sent, s.samples_failed, s.samples_dropped, s.retries
    );
    if let Some(e) = &s.last_error {
        println!("last error: {e}");
    }
    Ok(())
}
