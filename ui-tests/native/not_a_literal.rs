//! Parameters are checked at compile time: literals only.

use promstrict::{Metrics, NativeHistogram};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    #[metric(native(schema = SCHEMA))]
    request_duration_seconds: NativeHistogram,
}

const SCHEMA: i32 = 3;

fn main() {
    let _ = SCHEMA;
}
