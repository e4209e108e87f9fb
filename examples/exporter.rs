//! A plain synchronous program (no async runtime of its own) exporting its
//! metrics with the embedded exporter, in one line.
//!
//! A worker processes tasks; every sixth one fails. Counters only go up:
//! Prometheus derives the rates (`rate(worker_tasks_processed_total[1m])`).
//!
//! ```text
//! cargo run --example exporter --features exporter
//! curl localhost:9464/metrics
//! ```
//!
//! `METRICS_ADDR` sets the address (default `127.0.0.1:9464`); `RUN_SECONDS`
//! stops the program after that long (default: run until killed).

use std::thread;
use std::time::{Duration, Instant};

use promstrict::{default_registry, Counter, Exporter, Gauge, Metrics};

/// The worker's metrics.
#[derive(Metrics)]
#[metrics(namespace = "worker")]
pub struct WorkerMetrics {
    /// Tasks processed, failed or not.
    pub tasks_processed_total: Counter,
    /// Tasks that failed.
    pub tasks_failed_total: Counter,
    /// Tasks waiting in the queue.
    pub queue_depth: Gauge,
}

/// Processes task number `n`: every sixth one fails.
pub fn process(metrics: &WorkerMetrics, n: u64) {
    metrics.tasks_processed_total.inc();
    if n % 6 == 0 {
        metrics.tasks_failed_total.inc();
    }
    metrics.queue_depth.set((n * 7 % 13) as i64);
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = std::env::var("METRICS_ADDR").unwrap_or_else(|_| "127.0.0.1:9464".into());
    let run_for = std::env::var("RUN_SECONDS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .map(|s| Duration::from_secs_f64(s.max(0.0)));

    let metrics = WorkerMetrics::register(default_registry())?;
    // The one line: `GET /metrics` on its own thread, stopped when dropped.
    let exporter = Exporter::builder().addr(addr.as_str()).spawn_thread()?;
    println!("metrics at http://{}/metrics", exporter.local_addr());

    let start = Instant::now();
    let mut n = 0;
    while !matches!(run_for, Some(d) if start.elapsed() >= d) {
        n += 1;
        process(&metrics, n);
        thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}
