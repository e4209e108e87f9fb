//! The core of [promstrict](https://docs.rs/promstrict): metric types,
//! closed-set labels, the registry, both text exposition formats and function
//! instrumentation, with the derive macros re-exported.
//!
//! Most users depend on `promstrict`, which re-exports everything here and
//! adds serving and watching behind features; depend on this crate directly
//! to keep a library's dependency graph to what registering and encoding
//! need. The guide and the examples live in `promstrict`'s documentation.
//!
//! ```
//! # extern crate promstrict_core as promstrict;
//! use promstrict::{Counter, Format, Metrics, Registry};
//!
//! #[derive(Metrics)]
//! struct JobMetrics {
//!     /// Jobs run.
//!     jobs_total: Counter,
//! }
//!
//! let registry = Registry::new();
//! let jobs = JobMetrics::register(&registry)?;
//! jobs.jobs_total.inc();
//! assert!(registry.encode(Format::Prometheus).contains("jobs_total 1\n"));
//! # Ok::<(), promstrict::RegistryError>(())
//! ```
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]

// Generated code names `::promstrict_core` when only this crate is a
// dependency, as here.
extern crate self as promstrict_core;

mod bounded;
mod build_info;
mod encoding;
pub mod genai;
pub mod generate;
pub mod instrument;
#[cfg(feature = "prometheus-client")]
mod interop;
mod label;
mod metric;
mod metrics;
mod naming;
#[cfg(feature = "process")]
#[cfg_attr(docsrs, doc(cfg(feature = "process")))]
pub mod process;
mod registry;
mod sync;
pub mod testing;
#[cfg(feature = "tokio")]
mod tokio_runtime;
#[cfg(feature = "opentelemetry")]
mod trace_exemplars;

pub use bounded::BoundedInterner;
pub use build_info::RUSTC_VERSION;
#[cfg(feature = "protobuf")]
#[cfg_attr(docsrs, doc(cfg(feature = "protobuf")))]
pub use encoding::protobuf;
#[doc(hidden)]
pub use encoding::text::PlainLines;
#[cfg(feature = "protobuf")]
pub use encoding::Exposition;
pub use encoding::Format;
pub use label::{cardinality_of, LabelDescriptor, LabelSet, LabelValue, Labels};
pub use metric::counter::{AtomicCounter, Counter, CounterNumber, InvalidIncrement};
pub use metric::exemplar::{
    clear_exemplar_source, current_exemplar, set_exemplar_source, ExemplarError, ExemplarLabels,
    MAX_EXEMPLAR_LABEL_CHARS,
};
pub use metric::family::Family;
pub use metric::func::{Collector, CounterFn, CounterSet, GaugeFn, GaugeSet, MAX_COLLECTED_SERIES};
pub use metric::gauge::{AtomicGauge, Gauge, GaugeNumber};
pub use metric::gauge_histogram::{AtomicGaugeHistogram, GaugeHistogram, NothingToRemove};
pub use metric::histogram::{
    AtomicHistogram, Buckets, BucketsError, Histogram, HistogramTimer, MAX_BUCKETS,
};
pub use metric::info::Info;
pub use metric::native_histogram::{
    AtomicNativeHistogram, NativeError, NativeHistogram, NativeOptions, NativeSnapshot,
    MAX_NATIVE_BUCKETS,
};
pub use metric::stateset::{AtomicStateSet, StateSet};
pub use metric::summary::{AtomicSummary, Summary};
pub use metric::{
    AtomicF64, Exemplar, FamilyMember, Metric, MetricType, SeriesExtras, SeriesValue, SeriesVisitor,
};
pub use metrics::Metrics;
pub use naming::{check_label_name, check_metric_name, check_namespace, NameError};
pub use promstrict_rules::objectives::{AlertSettings, Objective, ObjectiveError, ObjectiveKind};
pub use registry::{
    default_registry, Descriptor, FamilyInfo, MetricGroup, Registry, RegistryError,
};
pub use testing::Sample;
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub use tokio_runtime::register_tokio_metrics;

pub use instrument::{IsError, Outcome, OutcomeKind, OutcomeKindLabels, OutcomeLabels};
#[cfg(feature = "prometheus-client")]
#[cfg_attr(docsrs, doc(cfg(feature = "prometheus-client")))]
pub use interop::register_into_prometheus_client;
#[cfg(feature = "process")]
#[cfg_attr(docsrs, doc(cfg(feature = "process")))]
pub use process::register_process_metrics;
#[cfg(feature = "opentelemetry")]
#[cfg_attr(docsrs, doc(cfg(feature = "opentelemetry")))]
pub use trace_exemplars::{opentelemetry_exemplar, opentelemetry_exemplars};
#[cfg(feature = "tracing")]
#[cfg_attr(docsrs, doc(cfg(feature = "tracing")))]
pub use trace_exemplars::{tracing_exemplar, tracing_exemplars};

pub use promstrict_derive::{instrument_latency, LabelSet, LabelValue, Metrics};

/// What generated code names, reached through the facade as
/// `promstrict::__private_<version>`. Not a public API: it changes without
/// notice, and its name carries this crate's exact version so that a derive
/// and a runtime of different releases fail to build instead of
/// misbehaving.
#[doc(hidden)]
pub mod __private_0_1_0 {
    pub use crate::build_info::register_build_info;
    pub use crate::generate::{has_label, may_have_value};
    pub use crate::label::{check_cardinality, mixed_radix_step};
    pub use crate::metric::histogram::validated_buckets;
    pub use crate::metric::native_histogram::validated_native_options;
    pub use crate::metrics::{GlobalCell, StaticCell};
    pub use crate::registry::derived_metric;
    pub use crate::{
        cardinality_of, default_registry, AlertSettings, AtomicCounter, AtomicGauge,
        AtomicHistogram, AtomicSummary, Buckets, Counter, Descriptor, Family, FamilyMember, Gauge,
        GaugeHistogram, Histogram, Info, LabelDescriptor, LabelSet, LabelValue, Labels, Metric,
        MetricGroup, MetricType, Metrics, NativeHistogram, NativeOptions, Objective, Outcome,
        Registry, RegistryError, StateSet, Summary,
    };
    pub use ::core;
    pub use ::std;

    pub use crate::instrument::support::*;
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_private_module_is_named_after_this_version() {
        let expected = format!(
            "__private_{}",
            env!("CARGO_PKG_VERSION").replace(['.', '-', '+'], "_")
        );
        // Kept in step by hand: the derive emits `expected`.
        assert_eq!(
            expected, "__private_0_1_0",
            "rename the module `__private_0_1_0` in lib.rs"
        );
    }
}
