//! A batch job that pushes its metrics to a Pushgateway when it ends: it
//! "processes" some items, then pushes its registry to the group
//! `job="push_batch_job"`, which Prometheus scrapes from the gateway.
//!
//! ```text
//! prometheus-pushgateway &        # Debian's prometheus-pushgateway, on :9091
//! cargo run --example push_batch_job --features push
//! curl -s localhost:9091/metrics | grep batch_
//! ```
//!
//! `PUSHGATEWAY_URL` sets the gateway (default `http://127.0.0.1:9091`). The
//! push happens through a guard: on an early return or a panic the metrics
//! are pushed all the same, and at the normal end `push_now` reports an
//! error as the job's own.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use promstrict::push::{Grouping, Pushgateway};
use promstrict::{Counter, Gauge, Metrics, Registry};

/// The job's metrics.
#[derive(Metrics)]
#[metrics(namespace = "batch")]
pub struct BatchMetrics {
    /// Items processed.
    pub items_processed_total: Counter,
    /// How long the last run took.
    pub duration_seconds: Gauge<f64>,
    /// When the job last succeeded (Unix time).
    pub last_success_timestamp_seconds: Gauge<f64>,
}

/// Processes `items` items and pushes the metrics to the gateway at `url`.
pub fn run(url: &str, items: u64) -> Result<(), Box<dyn std::error::Error>> {
    let registry = Arc::new(Registry::new());
    let metrics = BatchMetrics::register(&registry)?;
    let gateway = Pushgateway::builder(url)
        .timeout(Duration::from_secs(10))
        .build()?;
    // Pushed when dropped, however the job ends.
    let push = gateway.push_on_drop(Grouping::job("push_batch_job"), &registry);

    let start = Instant::now();
    for _ in 0..items {
        // The "work".
        std::hint::black_box((0..1_000u64).sum::<u64>());
        metrics.items_processed_total.inc();
    }
    metrics.duration_seconds.set(start.elapsed().as_secs_f64());
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?;
    metrics
        .last_success_timestamp_seconds
        .set(now.as_secs_f64());

    push.push_now()?;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("PUSHGATEWAY_URL").unwrap_or_else(|_| "http://127.0.0.1:9091".into());
    run(&url, 1_000)?;
    println!("pushed the metrics of job push_batch_job to {url}");
    Ok(())
}
