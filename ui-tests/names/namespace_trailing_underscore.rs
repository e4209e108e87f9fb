//! `app_` would make `app__jobs_total`.

use promstrict::{Counter, Metrics};

#[derive(Metrics)]
#[metrics(namespace = "app_")]
struct AppMetrics {
    /// Jobs run.
    jobs_total: Counter,
}

fn main() {}
