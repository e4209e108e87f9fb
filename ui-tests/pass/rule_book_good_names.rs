//! The rule book's good names compile (`tests/rule_book.rs` registers the
//! same names at run time).

use promstrict::{Counter, Gauge, Histogram, Info, Metrics, Registry, Summary};

#[derive(Metrics)]
struct GoodNames {
    /// Requests.
    http_requests_total: Counter,
    /// Bytes read.
    disk_read_bytes_total: Counter,
    /// Latency.
    request_duration_seconds: Histogram,
    /// Open connections.
    ws_connections_active: Gauge,
    /// Hits per lookup.
    cache_hit_ratio: Gauge<f64>,
    /// Response sizes.
    response_size_bytes: Summary,
    /// Build facts.
    build_info: Info,
}

fn main() {
    let registry = Registry::new();
    GoodNames::register(&registry).unwrap();
    assert_eq!(registry.len(), 7);
}
