//! Native histograms: every form of `native(…)`, classic buckets beside,
//! and families.

use promstrict::{Family, LabelSet, LabelValue, Metrics, NativeHistogram, Registry};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
enum Route {
    Home,
    Cart,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
struct RouteLabels {
    route: Route,
}

#[derive(Metrics)]
struct AppMetrics {
    /// Request latency.
    #[metric(native(schema = -4, max_buckets = 1, zero_threshold = 0))]
    request_duration_seconds: NativeHistogram,
    /// Latency by route.
    #[metric(native(schema = 8, max_buckets = 1024, zero_threshold = 1e-128), buckets = "fast")]
    route_duration_seconds: Family<RouteLabels, NativeHistogram>,
    /// Job time.
    #[metric(native)]
    job_duration_seconds: NativeHistogram,
    /// Batch time.
    batch_duration_seconds: promstrict::NativeHistogram,
}

fn main() {
    let registry = Registry::new();
    let m = AppMetrics::register(&registry).unwrap();
    m.request_duration_seconds.observe(1.0);
    m.route_duration_seconds.labels(RouteLabels { route: Route::Cart }).observe(0.2);
    m.job_duration_seconds.observe(2.0);
    m.batch_duration_seconds.observe(3.0);
    assert_eq!(m.request_duration_seconds.options().schema(), -4);
    let _ = Route::Home;
}
