//! An `Info` ends in `_info`.

use promstrict::{Info, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Build information.
    build: Info,
}

fn main() {}
