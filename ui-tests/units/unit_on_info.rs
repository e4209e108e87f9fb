//! Info metrics have no unit.

use metrics_runtime::{Info, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Build.
    #[metric(unit = "seconds")]
    build_info: Info,
}

fn main() {}
