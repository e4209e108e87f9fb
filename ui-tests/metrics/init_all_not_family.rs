//! `init_all` exposes every label combination of a family: a single series
//! has nothing to initialize.

use promstrict::{Counter, Metrics};

#[derive(Metrics)]
struct Jobs {
    /// Jobs run.
    #[metric(init_all)]
    jobs_total: Counter,
}

fn main() {}
