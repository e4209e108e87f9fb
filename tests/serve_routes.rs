//! Route templates are a bounded label: an app with more routes than the cap
//! keeps the series count bounded, folding the excess into `overflow`, and
//! requests that match no route still count as `unmatched`.
//!
//! Alone in its binary: the route table is process-wide, and this test fills it.

use std::sync::Arc;

use axum::routing::get;
use axum::Router;
use promstrict::http::{HttpMetricsLayer, Route};
use promstrict::{Format, LabelValue, Registry};
use tower::ServiceExt;

#[test]
fn more_routes_than_the_cap_fold_into_overflow_and_unmatched_stays_distinct() {
    const ROUTES: usize = 300;
    let registry = Arc::new(Registry::new());
    // Registering the layer reserves `unmatched` before any route arrives.
    let layer = HttpMetricsLayer::new(&registry).unwrap();
    let mut app = Router::new();
    for i in 0..ROUTES {
        app = app.route(&format!("/r{i}/{{id}}"), get(|| async { "ok" }));
    }
    let app = app.layer(layer);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        for round in 0..2 {
            for i in 0..ROUTES {
                let request = axum::http::Request::get(format!("/r{i}/{round}"))
                    .body(axum::body::Body::empty())
                    .unwrap();
                let response = app.clone().oneshot(request).await.unwrap();
                assert_eq!(response.status(), 200);
                // Recorded when the body has been read to its end.
                axum::body::to_bytes(axum::body::Body::new(response.into_body()), 1024)
                    .await
                    .unwrap();
            }
        }
        for path in ["/missing", "/also/missing"] {
            let request = axum::http::Request::get(path)
                .body(axum::body::Body::empty())
                .unwrap();
            assert_eq!(app.clone().oneshot(request).await.unwrap().status(), 404);
        }
    });

    let max = Route::CARDINALITY - 1;
    assert_eq!(max, 256);
    assert_eq!(
        Route::interner().len(),
        max,
        "the table is full, and no bigger"
    );
    assert_eq!(Route::unmatched().as_str(), "unmatched");

    let text = registry.encode(Format::Prometheus);
    let series: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("http_requests_total{"))
        .collect();
    // One slot is `unmatched`, the other 255 hold the first routes seen.
    assert_eq!(
        series.len(),
        max - 1 + 2,
        "255 routes + overflow + unmatched"
    );
    let overflow = format!(
        r#"http_requests_total{{method="get",route="overflow",status="2xx"}} {}"#,
        2 * (ROUTES - (max - 1))
    );
    assert!(
        series.contains(&overflow.as_str()),
        "missing {overflow}\n{text}"
    );
    assert!(
        series.contains(&r#"http_requests_total{method="get",route="unmatched",status="4xx"} 2"#)
    );
    assert!(
        series.contains(&r#"http_requests_total{method="get",route="/r0/{id}",status="2xx"} 2"#)
    );
    assert!(
        series.contains(&r#"http_requests_total{method="get",route="/r254/{id}",status="2xx"} 2"#)
    );
    assert!(
        !text.contains("/r255/"),
        "the 256th route has no slot of its own"
    );
    // Every request is counted somewhere.
    let total: u64 = series
        .iter()
        .map(|l| l.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(total, 2 * ROUTES as u64 + 2);
    metrics_toolkit::promtool_check_metrics(&text).unwrap();
}
