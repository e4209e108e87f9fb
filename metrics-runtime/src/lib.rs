//! Prometheus metrics for Rust services: typed metric structs whose names and
//! labels are checked at compile time, lock-free storage, and both exposition
//! formats.
//!
//! Labels are closed sets: enums deriving [`LabelValue`] (or a
//! [`bounded_label!`] type for values only known at run time), grouped into a
//! [`LabelSet`]. A [`Family`] therefore knows its cardinality and keeps one
//! metric per combination in a dense array: a labelled update is an index
//! computation and one atomic operation.
//!
//! ```
//! use promstrict::{Counter, Family, Format, Gauge, Histogram, LabelSet, LabelValue, Metrics, Registry};
//!
//! #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
//! enum Method { Get, Post }
//!
//! #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
//! enum StatusClass {
//!     #[label(name = "2xx")] Success,
//!     #[label(name = "5xx")] ServerError,
//! }
//!
//! #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
//! struct RequestLabels { method: Method, status: StatusClass }
//!
//! /// Names, units, help texts, buckets and label sets are checked when this compiles.
//! #[derive(Metrics)]
//! #[metrics(namespace = "http")]
//! struct HttpMetrics {
//!     /// Total HTTP requests.
//!     requests_total: Family<RequestLabels, Counter>,
//!     /// HTTP request latency.
//!     #[metric(buckets = "fast")]
//!     request_duration_seconds: Family<RequestLabels, Histogram>,
//!     /// Open WebSocket connections.
//!     ws_connections_active: Gauge,
//! }
//!
//! let registry = Registry::new();
//! let http = HttpMetrics::register(&registry)?; // an Err if a name is taken
//! let get_ok = RequestLabels { method: Method::Get, status: StatusClass::Success };
//! http.requests_total.labels(get_ok).inc();
//! http.request_duration_seconds.labels(get_ok).observe(0.042);
//! http.ws_connections_active.inc();
//!
//! let text = registry.encode(Format::Prometheus);
//! assert!(text.contains("http_requests_total{method=\"get\",status=\"2xx\"} 1\n"));
//! let body = registry.encode(Format::from_accept(Some("application/openmetrics-text")));
//! assert!(body.ends_with("# EOF\n"));
//! # Ok::<(), promstrict::RegistryError>(())
//! ```
//!
//! A `String` label, a counter without `_total`, `_milliseconds` or unsorted
//! buckets do not compile, with an error on the offending token saying what to
//! write instead. Without the derive, metrics register by hand:
//!
//! ```
//! use promstrict::{Counter, Format, Registry};
//!
//! let registry = Registry::new();
//! let jobs = registry.register("jobs_total", "Jobs run.", Counter::new())?;
//! jobs.inc();
//! let body = registry.encode(Format::OpenMetrics);
//! assert_eq!(body, "# HELP jobs Jobs run.\n# TYPE jobs counter\njobs_total 1\n# EOF\n");
//! # Ok::<(), promstrict::RegistryError>(())
//! ```
//!
//! Also here: [`instrument_latency`] for function latency and outcomes, and
//! the [guide]. Everything else is a feature, so the default build holds only
//! what registering and encoding need:
//!
//! | feature | what you get |
//! | --- | --- |
//! | `http` | the `http` module: a `/metrics` handler on the `http` crate's types |
//! | `tower`, `axum`, `actix-web`, `hyper` | a tower layer recording request metrics, and each framework's adapter |
//! | `axum-ws` | `http::websocket::MeteredWebSocket`: axum's WebSocket recording the WebSocket set |
//! | `exporter` | `Exporter`: `GET /metrics` on an address of its own |
//! | `zstd` | zstd response bodies for scrapers that prefer them (besides gzip) |
//! | `push` | `push`: a Pushgateway client (push, push-add, delete, push on drop) for batch jobs |
//! | `remote-write` | `remote_write`: a Prometheus remote-write sender on a tokio task, with a bounded queue and retries |
//! | `watch` | `promql` (PromQL's counter math) and `sampler` (bounded sampling, derived rates, alerts) |
//! | `scrape` | `scrape`: reading another process's `/metrics` page |
//! | `dashboard` | `dashboard`: the live terminal dashboard |
//! | `process` | `register_process_metrics`: the process's CPU, memory, file descriptors, threads, start time (on in the exporter) |
//! | `tokio` | `register_tokio_metrics`: a tokio runtime's workers, tasks, queue depth, busy time |
//! | `opentelemetry` | `opentelemetry_exemplars`: instrumented calls and the HTTP layer attach the current sampled OpenTelemetry trace as exemplars |
//! | `tracing` | `tracing_exemplars`: the same from `tracing`'s current span, through `tracing-opentelemetry` |
//! | `stream` | `#[instrument_latency(stream)]` on `futures_core::Stream`s |
//! | `prometheus-client` | `Metrics::register_prometheus_client` and `register_into_prometheus_client`: metric structs inside an existing prometheus-client registry |
//!
//! The same dashboard watches any `/metrics` page from the terminal: `cargo
//! install promstrict-watch` installs the `promwatch` tool.
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]

// Generated code names `::promstrict`, also inside this crate.
extern crate self as promstrict;

pub mod guide;

// Everything of the core, the derive macros included; the macros are
// re-exported again below with their documentation, which shadows the glob in
// the macro namespace only (the traits of the same names stay).
pub use promstrict_core::*;

/// Serving `/metrics`: a handler on the `http` crate's types, a tower layer
/// recording request metrics, adapters for axum, actix-web and hyper, and the
/// embedded exporter (the `promstrict-serve` crate).
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub use promstrict_serve as http;

/// The embedded exporter (`GET /metrics` on its own address); see [`http::exporter`].
#[cfg(feature = "exporter")]
#[cfg_attr(docsrs, doc(cfg(feature = "exporter")))]
pub use promstrict_serve::exporter::Exporter;

/// Pushing to a Pushgateway, for batch jobs: push, push-add, delete, and a
/// guard that pushes when the job ends; see [`push::Pushgateway`].
#[cfg(feature = "push")]
#[cfg_attr(docsrs, doc(cfg(feature = "push")))]
pub use promstrict_serve::push;

/// Prometheus remote write: a background sender with a bounded queue and
/// retries; see [`remote_write::RemoteWrite`].
#[cfg(feature = "remote-write")]
#[cfg_attr(docsrs, doc(cfg(feature = "remote-write")))]
pub use promstrict_serve::remote_write;

#[cfg(feature = "watch")]
#[cfg_attr(docsrs, doc(cfg(feature = "watch")))]
pub use promstrict_watch::{promql, sampler};

#[cfg(feature = "scrape")]
#[cfg_attr(docsrs, doc(cfg(feature = "scrape")))]
pub use promstrict_watch::scrape;

#[cfg(feature = "dashboard")]
#[cfg_attr(docsrs, doc(cfg(feature = "dashboard")))]
pub use promstrict_watch::dashboard;

/// Derives a closed set of label values for a fieldless enum.
///
/// Each variant is a value, written in snake_case unless renamed; the type
/// knows its cardinality at compile time.
///
/// ```
/// use promstrict::LabelValue;
///
/// #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
/// enum StatusClass {
///     #[label(name = "2xx")]
///     Success,
///     ClientError,
/// }
///
/// assert_eq!(StatusClass::CARDINALITY, 2);
/// assert_eq!(StatusClass::Success.as_str(), "2xx");
/// assert_eq!(StatusClass::ClientError.as_str(), "client_error");
/// ```
///
/// See [the labels chapter](crate::guide) of the guide for every option.
pub use promstrict_derive::LabelValue;

/// Derives a label set for a struct whose fields are label values.
///
/// Label names are the field names, checked by the naming rules; an
/// unbounded field type (`String`, integers, ids) is a compile error.
///
/// ```
/// use promstrict::{LabelSet, LabelValue};
///
/// #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
/// enum Method { Get, Post }
///
/// #[derive(Clone, Copy, Debug, LabelSet)]
/// struct RequestLabels {
///     method: Method,
///     cached: bool,
/// }
///
/// assert_eq!(RequestLabels::CARDINALITY, 4);
/// ```
///
/// ```compile_fail
/// #[derive(promstrict::LabelSet)]
/// struct ByUser {
///     user_id: String, // error: unbounded values; use a closed set
/// }
/// ```
pub use promstrict_derive::LabelSet;

/// Derives registration for a struct of metrics whose names, units, help
/// texts, buckets and label sets are checked at compile time.
///
/// Container attributes: `#[metrics(namespace = "…", crate = "…", init_all)]`.
/// Field attributes: `#[metric(name = "…", help = "…", unit = "…", buckets = …,
/// max_cardinality = N, init_all, objective(…))]`. The doc comment of a field
/// is its help text; `objective(latency = 0.25, percent = 99.0)` on a
/// histogram and `objective(errors(status = "5xx"), percent = 99.9)` on a
/// counter family declare what the [generated alert rules](guide::alert_rules_and_dashboards)
/// watch. Outputs: `S::register(&Registry)`, `S::new_unregistered()`,
/// `s.metric_group()`, `S::register_prometheus_client(&mut …)` and, for
/// non-generic structs, `S::global()` / `S::try_global()` in the
/// [default registry](default_registry).
///
/// ```
/// use promstrict::{Counter, Format, Gauge, Histogram, Metrics, Registry};
///
/// #[derive(Metrics)]
/// #[metrics(namespace = "worker")]
/// struct WorkerMetrics {
///     /// Jobs processed.
///     jobs_total: Counter,
///     /// Time a job takes.
///     #[metric(buckets = "medium")]
///     job_duration_seconds: Histogram,
///     /// Jobs waiting.
///     queue_depth: Gauge,
/// }
///
/// let registry = Registry::new();
/// let worker = WorkerMetrics::register(&registry)?;
/// worker.jobs_total.inc();
/// assert!(registry.encode(Format::Prometheus).contains("worker_jobs_total 1\n"));
/// # Ok::<(), promstrict::RegistryError>(())
/// ```
///
/// ```compile_fail
/// #[derive(promstrict::Metrics)]
/// struct Bad {
///     /// Requests.
///     requests: promstrict::Counter, // error: a counter's name ends in `_total`
/// }
/// ```
pub use promstrict_derive::Metrics;

/// Records a function's latency, outcome (`ok`, `error`, `panic`,
/// `cancelled`) and calls in flight.
///
/// Bare, it records into the built-in families `function_duration_seconds`,
/// `function_calls_total` and `function_calls_in_flight` of the
/// [default registry](default_registry); with `metric = …` (and `labels = …`,
/// `calls = …`, `in_flight = …`, `first_item = …`, `stream`) into metrics of
/// yours. Other options: `buckets = …`, `name = "…"`, `crate = "…"`, and
/// `objective(latency = 0.25, percent = 99.0)`: a latency objective on the
/// function's series of `function_duration_seconds` (the threshold is one of
/// its buckets), in the [generated alert rules](guide::alert_rules_and_dashboards)
/// once the function has been called. See the [`instrument`] module for
/// every form.
///
/// ```
/// use promstrict::{default_registry, instrument_latency, Format};
///
/// #[instrument_latency]
/// fn parse(input: &str) -> Result<u32, std::num::ParseIntError> {
///     input.parse()
/// }
///
/// assert!(parse("42").is_ok());
/// assert!(parse("x").is_err());
/// let text = default_registry().encode(Format::Prometheus);
/// assert!(text.contains("function_calls_total{function=\"parse\""));
/// assert!(text.contains("outcome=\"error\"} 1\n"));
/// ```
pub use promstrict_derive::instrument_latency;
