//! Rust-style abbreviations too.

use promstrict::{Metrics, Summary};

#[derive(Metrics)]
struct AppMetrics {
    /// GC pauses.
    gc_pause_micros: Summary,
}

fn main() {}
