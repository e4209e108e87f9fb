//! A label set needs no `Copy` (nor `Clone`): it is passed by value and
//! read by reference.

use promstrict::{Counter, Family, LabelSet, LabelValue, Metrics};

#[derive(Clone, Copy, LabelValue)]
enum Method {
    Get,
    Post,
}

#[derive(LabelSet)]
struct RequestLabels {
    method: Method,
}

#[derive(Metrics)]
struct Http {
    /// Requests.
    requests_total: Family<RequestLabels, Counter>,
}

fn main() {
    let http = Http::new_unregistered();
    http.requests_total
        .labels(RequestLabels {
            method: Method::Get,
        })
        .inc();
    let _ = Method::Post;
}
