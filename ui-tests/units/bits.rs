//! `bits` names `bytes`, keeping `_total` last.

use promstrict::{Counter, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Received.
    received_bits_total: Counter,
}

fn main() {}
