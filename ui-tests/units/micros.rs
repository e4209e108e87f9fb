//! Rust-style abbreviations too.

use metrics_runtime::{Metrics, Summary};

#[derive(Metrics)]
struct AppMetrics {
    /// GC pauses.
    gc_pause_micros: Summary,
}

fn main() {}
