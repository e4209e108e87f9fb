//! Serving: a `/metrics` handler on the `http` crate's types, adapters for
//! axum, actix-web and hyper, a tower layer recording HTTP request metrics,
//! and an embedded exporter.
//!
//! Every adapter is a few lines over one [`MetricsHandler`], which does the
//! work a scrape needs: bearer-token auth if configured, `GET`/`HEAD` only
//! (`405` with `Allow: GET, HEAD` otherwise), content negotiation
//! ([`Format::from_accept`](crate::Format::from_accept)), gzip when the
//! client accepts it, and `Vary: Accept, Accept-Encoding`.
//!
//! | feature     | what you get                                                         |
//! |-------------|----------------------------------------------------------------------|
//! | `http`      | [`MetricsHandler`], [`HttpMetrics`] and its label types              |
//! | `tower`     | [`HttpMetricsLayer`]: request counts, latency, in-flight per route   |
//! | `axum`      | [`axum::router`]: `/metrics` as a `Router` to merge                  |
//! | `actix-web` | [`actix::configure`] and the [`actix::HttpMetricsMiddleware`]        |
//! | `hyper`     | [`hyper::MetricsService`], a hyper 1 `Service`                       |
//! | `exporter`  | [`exporter::Exporter`]: `GET /metrics` on its own address            |
//!
//! ```
//! use promstrict::http::MetricsHandler;
//! use promstrict::{Counter, Registry};
//! use std::sync::Arc;
//!
//! let registry = Arc::new(Registry::new());
//! registry.register("jobs_total", "Jobs run.", Counter::new())?.inc();
//! let handler = MetricsHandler::new(registry);
//!
//! let request = http::Request::get("/metrics")
//!     .header("accept", "application/openmetrics-text; version=1.0.0")
//!     .body(())
//!     .unwrap();
//! let response = handler.handle(&request);
//! assert_eq!(response.status(), 200);
//! assert_eq!(
//!     response.headers()["content-type"],
//!     "application/openmetrics-text; version=1.0.0; charset=utf-8"
//! );
//! assert!(response.body().ends_with(b"jobs_total 1\n# EOF\n"));
//! # Ok::<(), promstrict::RegistryError>(())
//! ```

mod auth;
mod handler;
mod recorder;

pub use handler::{MetricsHandler, RegistryRef};
pub use recorder::{HttpMethod, HttpMetrics, RequestGuard, Route, RouteTemplate, StatusClass};

#[cfg(feature = "tower")]
mod layer;
#[cfg(feature = "tower")]
pub use layer::{default_route, HttpMetricsLayer, HttpMetricsService, ResponseFuture, RouteFn};

#[cfg(feature = "actix-web")]
pub mod actix;
#[cfg(feature = "axum")]
pub mod axum;
#[cfg(feature = "exporter")]
pub mod exporter;
#[cfg(feature = "hyper")]
pub mod hyper;
