//! axum: `/metrics` merged into an app, and the layer labelling requests by
//! the matched route template, over real loopback connections.

use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;
use metrics_toolkit::{
    http_get, http_request, promtool_check_metrics, python_parse_openmetrics, PROMETHEUS_ACCEPT,
};
use promstrict::http::{axum as metrics_axum, HttpMetricsLayer, MetricsHandler};
use promstrict::{Counter, Format, Registry};

#[path = "support/axum_server.rs"]
mod axum_server;
use axum_server::with_server;
#[path = "support/large_page.rs"]
mod large_page;
use large_page::{assert_large_pages_are_streamed, large_registry};

fn app(registry: &Arc<Registry>) -> Router {
    let orders = registry
        .register("orders_created_total", "Orders created.", Counter::new())
        .unwrap();
    Router::new()
        .route("/users/{id}", get(|| async { "user\n" }))
        .route(
            "/orders",
            post(move || {
                let orders = orders.clone();
                async move {
                    orders.inc();
                    (axum::http::StatusCode::CREATED, "created\n")
                }
            }),
        )
        .route(
            "/boom",
            get(|| async { axum::http::StatusCode::SERVICE_UNAVAILABLE }),
        )
        .merge(metrics_axum::router(Arc::clone(registry)))
        .layer(HttpMetricsLayer::new(registry).unwrap())
}

#[test]
fn routes_are_labelled_by_template_and_unmatched_requests_share_one_value() {
    let registry = Arc::new(Registry::new());
    with_server(app(&registry), |addr| {
        for id in 1..=5 {
            assert_eq!(http_get(addr, &format!("/users/{id}"), &[]).status, 200);
        }
        assert_eq!(
            http_request(addr, "POST", "/orders", &[("content-length", "0")])
                .unwrap()
                .status,
            201
        );
        assert_eq!(http_get(addr, "/boom", &[]).status, 503);
        // Matched path, wrong method: the template, with the 4xx.
        assert_eq!(
            http_request(addr, "DELETE", "/users/7", &[])
                .unwrap()
                .status,
            405
        );
        for path in ["/nope", "/users", "/admin/secret/123", "/.env"] {
            assert_eq!(http_get(addr, path, &[]).status, 404, "{path}");
        }
        let text = http_get(addr, "/metrics", &[]).text().to_owned();
        for line in [
            r#"http_requests_total{method="get",route="/users/{id}",status="2xx"} 5"#,
            r#"http_requests_total{method="post",route="/orders",status="2xx"} 1"#,
            r#"http_requests_total{method="get",route="/boom",status="5xx"} 1"#,
            r#"http_requests_total{method="delete",route="/users/{id}",status="4xx"} 1"#,
            r#"http_requests_total{method="get",route="unmatched",status="4xx"} 4"#,
            r#"http_request_duration_seconds_count{method="get",route="/users/{id}"} 5"#,
            r#"http_request_duration_seconds_bucket{method="get",route="/users/{id}",le="+Inf"} 5"#,
            // The scrape being answered is in flight while it is encoded.
            "http_requests_in_flight 1",
            "orders_created_total 1",
        ] {
            assert!(text.contains(line), "missing {line}\n{text}");
        }
        for raw in ["/users/1", "/nope", "/admin", ".env"] {
            assert!(
                !text.contains(raw),
                "raw path {raw} leaked into labels\n{text}"
            );
        }
        promtool_check_metrics(&text).unwrap();

        // The scrape itself is counted under its own route.
        let text = http_get(addr, "/metrics", &[]).text().to_owned();
        assert!(
            text.contains(r#"http_requests_total{method="get",route="/metrics",status="2xx"} 1"#),
            "{text}"
        );

        let om = http_get(addr, "/metrics", &[("accept", PROMETHEUS_ACCEPT)]);
        assert_eq!(
            om.header("content-type"),
            Some(Format::OpenMetrics.content_type())
        );
        python_parse_openmetrics(om.text()).unwrap();
    });
    // Everything finished: nothing in flight.
    assert!(registry
        .encode(Format::Prometheus)
        .contains("http_requests_in_flight 0"));
}

#[test]
fn metrics_endpoint_head_405_and_gzip_through_axum() {
    let registry = Arc::new(Registry::new());
    registry
        .register("ticks_total", "Ticks.", Counter::new())
        .unwrap()
        .inc_by(42);
    with_server(app(&registry), |addr| {
        let get_response = http_get(addr, "/metrics", &[]);
        let head = http_request(addr, "HEAD", "/metrics", &[]).unwrap();
        assert_eq!(head.status, 200);
        assert!(head.body.is_empty());
        assert_eq!(
            head.header("content-type"),
            get_response.header("content-type")
        );
        assert!(head.header("content-length").is_some());

        let post = http_request(addr, "POST", "/metrics", &[("content-length", "0")]).unwrap();
        assert_eq!(post.status, 405);
        assert_eq!(post.header("allow"), Some("GET, HEAD"));

        let gz = http_get(addr, "/metrics", &[("accept-encoding", "gzip")]);
        assert_eq!(gz.header("content-encoding"), Some("gzip"));
        assert_eq!(gz.header("vary"), Some("Accept, Accept-Encoding"));
        let mut text = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz.body[..]), &mut text)
            .unwrap();
        assert!(text.contains("ticks_total 42\n"), "{text}");
    });
}

/// A page past 256 KiB is streamed from the second scrape on.
#[test]
fn large_pages_are_streamed_in_chunks() {
    let registry = large_registry();
    let app = Router::new().merge(metrics_axum::router(Arc::clone(&registry)));
    with_server(app, |addr| assert_large_pages_are_streamed(addr, &registry));
}

#[test]
fn a_custom_path_and_auth_with_method_router() {
    let registry = Arc::new(Registry::new());
    let handler = MetricsHandler::new(Arc::clone(&registry)).with_bearer_token("t0ken");
    let app: Router =
        Router::new().route("/internal/metrics", metrics_axum::method_router(handler));
    with_server(app, |addr| {
        let denied = http_get(addr, "/internal/metrics", &[]);
        assert_eq!(denied.status, 401);
        assert_eq!(
            denied.header("www-authenticate"),
            Some("Bearer realm=\"metrics\"")
        );
        assert!(denied.body.is_empty());
        let ok = http_get(
            addr,
            "/internal/metrics",
            &[("authorization", "Bearer t0ken")],
        );
        assert_eq!(ok.status, 200);
        assert_eq!(http_get(addr, "/metrics", &[]).status, 404);
    });
}

/// Nested routers and services mounted with `nest_service` are labelled by
/// their templates, never `unmatched` and never their raw paths.
#[test]
fn nested_routers_and_services_are_labelled_by_their_templates() {
    use tower::ServiceExt;
    let registry = Arc::new(Registry::new());
    let layer = HttpMetricsLayer::new(&registry).unwrap();
    let api = Router::new().route("/users/{id}", get(|| async { "a user" }));
    let assets = tower::service_fn(|_request: axum::http::Request<axum::body::Body>| async {
        Ok::<_, std::convert::Infallible>(axum::response::Response::new(axum::body::Body::from(
            "a file",
        )))
    });
    let app = Router::new()
        .nest("/api", api)
        .nest_service("/static", metrics_axum::nested(assets))
        .layer(layer);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        for path in [
            "/api/users/1",
            "/api/users/2",
            "/static/app.css",
            "/static/img/logo.png",
        ] {
            let request = axum::http::Request::get(path)
                .body(axum::body::Body::empty())
                .unwrap();
            let response = app.clone().oneshot(request).await.unwrap();
            assert_eq!(response.status(), 200, "{path}");
            // The request is recorded when its body has been read to the end.
            axum::body::to_bytes(axum::body::Body::new(response.into_body()), 1024)
                .await
                .unwrap();
        }
    });
    let get_ok = |route| [("method", "get"), ("route", route), ("status", "2xx")];
    promstrict::assert_sample!(
        registry,
        "http_requests_total",
        get_ok("/api/users/{id}"),
        2
    );
    promstrict::assert_sample!(
        registry,
        "http_requests_total",
        get_ok("/static/{*rest}"),
        2
    );
    assert_eq!(
        registry.sample("http_requests_total", &get_ok("unmatched")),
        None
    );
    let text = registry.encode(Format::Prometheus);
    assert!(
        !text.contains("app.css") && !text.contains("logo.png"),
        "{text}"
    );
}

/// Label names chosen within the rule book, through a real server.
#[test]
fn label_names_can_be_chosen() {
    use promstrict::http::HttpMetrics;
    let registry = Arc::new(Registry::new());
    let metrics = HttpMetrics::builder()
        .route_label("path")
        .register(&registry)
        .unwrap();
    let app = Router::new()
        .route("/users/{id}", get(|| async { "user\n" }))
        .merge(metrics_axum::router(Arc::clone(&registry)))
        .layer(HttpMetricsLayer::from_metrics(metrics));
    with_server(app, |addr| {
        assert_eq!(http_get(addr, "/users/7", &[]).status, 200);
        let text = http_get(addr, "/metrics", &[]).text().to_owned();
        assert!(
            text.contains(r#"http_requests_total{method="get",path="/users/{id}",status="2xx"} 1"#),
            "{text}"
        );
        promtool_check_metrics(&text).unwrap();
    });
    let err = HttpMetrics::builder()
        .status_label("__status")
        .register(&Registry::new())
        .unwrap_err();
    assert!(err.to_string().contains("__status"), "{err}");
}
