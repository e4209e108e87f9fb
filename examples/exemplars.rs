//! Exemplars: every checkout carries the id of the trace it ran in, and the
//! latest one per counter series and per latency bucket is exposed beside
//! the numbers, so a latency spike on a graph links to a trace that made it.
//!
//! ```text
//! cargo run --example exemplars --features exporter
//! curl -H 'Accept: application/openmetrics-text' localhost:9464/metrics
//! ```
//!
//! Exemplars exist only in OpenMetrics (the text format has no syntax for
//! them), which Prometheus asks for by itself. To keep them, start
//! Prometheus with exemplar storage and scrape this program:
//!
//! ```text
//! # prometheus.yml
//! scrape_configs:
//!   - job_name: checkout
//!     static_configs:
//!       - targets: ["127.0.0.1:9464"]
//!
//! prometheus --config.file=prometheus.yml --enable-feature=exemplar-storage
//! curl 'localhost:9090/api/v1/query_exemplars?query=checkout_duration_seconds_bucket'
//! ```
//!
//! (Grafana shows them on a panel of `histogram_quantile(…)` with
//! "Exemplars" switched on.) In a real service the trace ids come from your
//! tracer: with feature `opentelemetry` (or `tracing`),
//! `promstrict::opentelemetry_exemplars()` makes `#[instrument_latency]` and
//! the HTTP layer attach the current sampled trace without a line at the
//! call sites. Here they are made up, so that the example needs no tracer.
//!
//! `METRICS_ADDR` sets the address (default `127.0.0.1:9464`); `RUN_SECONDS`
//! stops the program after that long (default: run until killed).

use std::thread;
use std::time::{Duration, Instant};

use promstrict::{default_registry, Counter, ExemplarLabels, Exporter, Histogram, Metrics};

/// The checkout service's metrics.
#[derive(Metrics)]
#[metrics(namespace = "checkout")]
pub struct CheckoutMetrics {
    /// Orders placed.
    pub orders_total: Counter,
    /// Time to place an order.
    #[metric(buckets = [0.05, 0.1, 0.25, 0.5, 1.0])]
    pub duration_seconds: Histogram,
}

/// The made-up trace of checkout number `n`: W3C ids (32 and 16 hex digits).
pub fn trace_of(n: u64) -> ExemplarLabels {
    let trace_id = format!("{:032x}", 0x4bf9_2f35_77b3_4da6_u128 << 64 | u128::from(n));
    let span_id = format!("{:016x}", 0x00f0_67aa_0000_0000_u64 | n);
    ExemplarLabels::trace(&trace_id, &span_id).expect("well-formed ids")
}

/// Checkout number `n`: it took between 20 ms and 620 ms.
pub fn checkout(metrics: &CheckoutMetrics, n: u64) {
    let trace = trace_of(n);
    let seconds = 0.02 + (n * 37 % 61) as f64 / 100.0;
    metrics
        .duration_seconds
        .observe_with_exemplar(seconds, &trace);
    metrics.orders_total.inc_with_exemplar(&trace);
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = std::env::var("METRICS_ADDR").unwrap_or_else(|_| "127.0.0.1:9464".into());
    let run_for = std::env::var("RUN_SECONDS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .map(|s| Duration::from_secs_f64(s.max(0.0)));

    let metrics = CheckoutMetrics::register(default_registry())?;
    let exporter = Exporter::builder().addr(addr.as_str()).spawn_thread()?;
    println!("metrics at http://{}/metrics", exporter.local_addr());

    let start = Instant::now();
    let mut n = 0;
    while !matches!(run_for, Some(d) if start.elapsed() >= d) {
        n += 1;
        checkout(&metrics, n);
        thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}
