//! A native histogram served over protobuf to Prometheus.
//!
//! A service handles requests whose latency follows a known distribution:
//! four in five take 30 ms, one in five 500 ms. A native histogram needs no
//! bucket bounds chosen in advance: at schema 3 its buckets grow by about
//! 9 %, so any quantile Prometheus computes lies within 9 % of the truth.
//!
//! ```text
//! cargo run --example native_histograms --features protobuf,exporter
//! ```
//!
//! `METRICS_ADDR` sets the address (default `127.0.0.1:9464`); `RUN_SECONDS`
//! stops the program after that long (default: run until killed).
//!
//! Prometheus scrapes protobuf, the only format that carries native
//! histograms, once started with the feature flag:
//!
//! ```text
//! cat > prometheus.yml <<'YAML'
//! global:
//!   scrape_interval: 5s
//! scrape_configs:
//!   - job_name: native
//!     static_configs:
//!       - targets: ["127.0.0.1:9464"]
//! YAML
//! prometheus --config.file=prometheus.yml --enable-feature=native-histograms
//! ```
//!
//! Then query `histogram_quantile(0.5, rate(request_duration_seconds[1m]))`
//! (about 0.03) or `histogram_count(rate(request_duration_seconds[1m]))`
//! (about 20 requests a second). `curl localhost:9464/metrics` shows the text
//! view: the count, the sum and the `+Inf` bucket.

use std::thread;
use std::time::{Duration, Instant};

use promstrict::{default_registry, Exporter, NativeHistogram, NativeOptions};

/// The latency of request number `n`: 30 ms, every fifth one 500 ms.
pub fn latency_of(n: u64) -> f64 {
    if n % 5 == 4 {
        0.5
    } else {
        0.03
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = std::env::var("METRICS_ADDR").unwrap_or_else(|_| "127.0.0.1:9464".into());
    let run_for = std::env::var("RUN_SECONDS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .map(|s| Duration::from_secs_f64(s.max(0.0)));

    // Schema 3, at most 160 buckets per sign, |v| <= 1e-9 in the zero bucket.
    let latency = default_registry().register(
        "request_duration_seconds",
        "Request latency.",
        NativeHistogram::new(NativeOptions::new(3, 160, 1e-9)?),
    )?;
    let exporter = Exporter::builder().addr(addr.as_str()).spawn_thread()?;
    println!("metrics at http://{}/metrics", exporter.local_addr());

    let start = Instant::now();
    let mut n = 0;
    while !matches!(run_for, Some(d) if start.elapsed() >= d) {
        latency.observe(latency_of(n));
        n += 1;
        thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}
