//! The rule book of [promstrict](https://docs.rs/promstrict): every naming,
//! unit, reserved-name, label-name and bucket rule, as pure functions that
//! return messages saying what is wrong and what to write instead.
//!
//! The derive macros report these messages on the offending token at compile
//! time; the run-time registry returns the same messages in its errors, so a
//! name gets the same verdict however it is registered.
//!
//! ```
//! use promstrict_rules::{names, MetricType};
//!
//! assert!(names::check_metric_name("http_requests_total", MetricType::Counter).is_empty());
//! assert_eq!(
//!     names::check_metric_name("request_duration_ms", MetricType::Histogram),
//!     ["use the base unit `seconds` instead of `ms` (record `Duration::as_secs_f64()`): write `request_duration_seconds`"],
//! );
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod buckets;
pub mod exemplars;
pub mod names;
pub mod native;
pub mod objectives;

/// The kind of a metric, as announced in `# TYPE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MetricType {
    /// A monotonic counter.
    Counter,
    /// A value that goes up and down.
    Gauge,
    /// Bucketed observations with count and sum.
    Histogram,
    /// Count and sum of observations (no quantiles).
    Summary,
    /// Constant labels describing the target (`build_info`).
    Info,
    /// One series per state of a closed set, exactly one of them at 1.
    StateSet,
    /// Bucketed current values (a histogram whose buckets may go down),
    /// with `_gcount` and `_gsum` in OpenMetrics.
    GaugeHistogram,
}

impl MetricType {
    /// The OpenMetrics type name.
    pub const fn as_str(self) -> &'static str {
        match self {
            MetricType::Counter => "counter",
            MetricType::Gauge => "gauge",
            MetricType::Histogram => "histogram",
            MetricType::Summary => "summary",
            MetricType::Info => "info",
            MetricType::StateSet => "stateset",
            MetricType::GaugeHistogram => "gaugehistogram",
        }
    }

    /// How messages name a metric of this type ("a counter", "an info metric").
    pub const fn noun(self) -> &'static str {
        match self {
            MetricType::Info => "info metric",
            MetricType::StateSet => "state set",
            MetricType::GaugeHistogram => "gauge histogram",
            other => other.as_str(),
        }
    }
}

/// The most label combinations a family may have unless it raises the limit.
pub const DEFAULT_MAX_CARDINALITY: u64 = 1_000;
