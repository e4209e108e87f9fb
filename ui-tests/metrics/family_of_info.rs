//! `Info` cannot be a family member: one error, from the struct itself, with
//! what to write instead.

use promstrict::{Family, Info, LabelSet, LabelValue, Metrics};

#[derive(Clone, Copy, LabelValue)]
enum Method {
    Get,
    Post,
}

#[derive(Clone, Copy, LabelSet)]
struct RequestLabels {
    method: Method,
}

#[derive(Metrics)]
struct AppMetrics {
    /// Build information.
    build_info: Family<RequestLabels, Info>,
}

fn main() {}
