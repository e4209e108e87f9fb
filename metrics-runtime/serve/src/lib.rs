//! Serving [promstrict](https://docs.rs/promstrict) metrics: a `/metrics`
//! handler on the `http` crate's types, adapters for axum, actix-web and
//! hyper, a tower layer recording HTTP request metrics, and an embedded
//! exporter. Re-exported by `promstrict` as its `http` module (features
//! `http`, `tower`, `axum`, `actix-web`, `hyper`, `exporter`), where most
//! users reach it. Metrics can also be pushed instead of scraped: to a
//! Pushgateway ([`push`], feature `push`) or with Prometheus remote write
//! ([`remote_write`], feature `remote-write`), re-exported by `promstrict`
//! as `promstrict::push` and `promstrict::remote_write`.
//!
//! Every adapter is a few lines over one [`MetricsHandler`], which does the
//! work a scrape needs: bearer-token auth if configured, `GET`/`HEAD` only
//! (`405` with `Allow: GET, HEAD` otherwise), content negotiation
//! ([`Format::from_accept`](promstrict_core::Format::from_accept)), gzip (or, with the `zstd` feature, zstd) when the
//! client accepts it, and `Vary: Accept, Accept-Encoding`.
//!
//! | feature     | what you get                                                         |
//! |-------------|----------------------------------------------------------------------|
//! | (always)    | [`MetricsHandler`], [`HttpMetrics`] and its label types, [`websocket::WebSocketMetrics`] |
//! | `tower`     | [`HttpMetricsLayer`]: request counts, latency to the end of the body, first byte, body sizes, in-flight per route |
//! | `axum`      | [`axum::router`]: `/metrics` as a `Router` to merge                  |
//! | `axum-ws`   | `websocket::MeteredWebSocket`: axum's WebSocket recording the WebSocket metrics |
//! | `actix-web` | [`actix::configure`] and the [`actix::HttpMetricsMiddleware`]        |
//! | `hyper`     | [`hyper::MetricsService`], a hyper 1 `Service`                       |
//! | `zstd`      | zstd response bodies ([`MetricsHandler::with_zstd`])                 |
//! | `exporter`  | [`exporter::Exporter`]: `GET /metrics` on its own address            |
//! | `push`      | [`push::Pushgateway`]: push, push-add, delete a Pushgateway group    |
//! | `remote-write` | [`remote_write::RemoteWrite`]: Prometheus remote write on a tokio task |
//!
//! ```
//! # mod promstrict { pub use promstrict_core::*; pub mod http { pub use promstrict_serve::*; } #[cfg(feature = "exporter")] pub use promstrict_serve::exporter::Exporter; }
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

#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
// The table above links every feature's items; docs.rs builds them all, and
// without them those links have no target.
#![cfg_attr(
    not(all(
        feature = "axum",
        feature = "actix-web",
        feature = "exporter",
        feature = "push",
        feature = "remote-write"
    )),
    allow(rustdoc::broken_intra_doc_links)
)]

mod auth;
mod handler;
mod recorder;
mod relabel;
pub mod websocket;

pub use handler::{MetricsHandler, RegistryRef};
pub use recorder::{
    HttpMethod, HttpMetrics, HttpMetricsBuilder, RequestGuard, Route, RouteTemplate, StatusClass,
};

#[cfg(feature = "tower")]
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
mod layer;
#[cfg(feature = "tower")]
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
pub use layer::{
    default_route, HttpMetricsLayer, HttpMetricsService, RequestBody, ResponseBody, ResponseFuture,
    RouteFn,
};

#[cfg(feature = "actix-web")]
#[cfg_attr(docsrs, doc(cfg(feature = "actix-web")))]
pub mod actix;
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod axum;
#[cfg(feature = "exporter")]
#[cfg_attr(docsrs, doc(cfg(feature = "exporter")))]
pub mod exporter;
#[cfg(feature = "hyper")]
#[cfg_attr(docsrs, doc(cfg(feature = "hyper")))]
pub mod hyper;
#[cfg(any(feature = "exporter", feature = "axum", feature = "actix-web"))]
mod stream;

#[cfg(feature = "client")]
mod client;
#[cfg(feature = "client")]
#[cfg_attr(docsrs, doc(cfg(any(feature = "push", feature = "remote-write"))))]
pub use client::Auth;
#[cfg(feature = "push")]
#[cfg_attr(docsrs, doc(cfg(feature = "push")))]
pub mod push;
#[cfg(feature = "remote-write")]
#[cfg_attr(docsrs, doc(cfg(feature = "remote-write")))]
pub mod remote_write;
