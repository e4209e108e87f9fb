//! Prometheus metrics for Rust services: typed metric structs whose names and
//! labels are checked at compile time, lock-free storage, and both exposition
//! formats.
//!
//! ```
//! use metrics_runtime::{Counter, Format, Registry};
//!
//! let registry = Registry::new();
//! let jobs = registry.register("jobs_total", "Jobs run.", Counter::new())?;
//! jobs.inc();
//! let body = registry.encode(Format::from_accept(Some("application/openmetrics-text")));
//! assert_eq!(body, "# HELP jobs Jobs run.\n# TYPE jobs counter\njobs_total 1\n# EOF\n");
//! # Ok::<(), metrics_runtime::RegistryError>(())
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod bounded;
#[cfg(feature = "dashboard")]
pub mod dashboard;
mod encoding;
#[cfg(feature = "http")]
pub mod http;
pub mod instrument;
mod interop;
mod label;
mod metric;
mod naming;
pub mod promql;
mod registry;
pub mod sampler;

pub use bounded::BoundedInterner;
pub use encoding::Format;
pub use label::{cardinality_of, LabelDescriptor, LabelSet, LabelValue, Labels};
pub use metric::counter::{AtomicCounter, Counter, CounterNumber, InvalidIncrement};
pub use metric::family::Family;
pub use metric::gauge::{AtomicGauge, Gauge, GaugeNumber};
pub use metric::histogram::{
    AtomicHistogram, Buckets, BucketsError, Histogram, HistogramTimer, MAX_BUCKETS,
};
pub use metric::info::Info;
pub use metric::summary::{AtomicSummary, Summary};
pub use metric::{AtomicF64, FamilyMember, Metric, MetricType, SeriesValue, SeriesVisitor};
pub use naming::{check_label_name, check_metric_name, NameError};
pub use registry::{
    default_registry, Descriptor, FamilyInfo, MetricGroup, Registry, RegistryError,
};

pub use instrument::{IsError, Outcome, OutcomeLabels};
pub use interop::register_into_prometheus_client;

/// The embedded exporter (`GET /metrics` on its own address); see [`http::exporter`].
#[cfg(feature = "exporter")]
pub use http::exporter::Exporter;

/// The derive and attribute macros.
#[allow(unused_imports)]
pub use metrics_derive::*;

/// Re-exported so users need no direct dependency to register into an
/// existing prometheus-client registry.
pub use prometheus_client;

/// What generated code names. Not a public API: it changes without notice.
#[doc(hidden)]
pub mod __private {
    pub use crate::label::mixed_radix_step;
    pub use crate::metric::histogram::validated_buckets;
    pub use crate::{
        cardinality_of, default_registry, register_into_prometheus_client, AtomicCounter,
        AtomicGauge, AtomicHistogram, AtomicSummary, Buckets, Counter, Descriptor, Family,
        FamilyMember, Gauge, Histogram, Info, LabelDescriptor, LabelSet, LabelValue, Labels,
        Metric, MetricGroup, MetricType, Registry, RegistryError, Summary,
    };
    pub use ::core;
    pub use ::prometheus_client;
    pub use ::std;
    pub use ::std::sync::OnceLock;

    pub use crate::instrument::{
        call_once, calls_metric, in_flight_metric, latency_cell, BoxStreamProbe, Callsite, Custom,
        ErrorOutcome, Guard, IterProbe, NotStreamProbe, OkOutcome, OutcomeProbe, Polled,
        StreamProbe, UnpinStreamProbe,
    };
    pub use crate::Outcome;
}
