//! Run-time name checks: the rule book's verdicts (the crate
//! `promstrict-rules`, which the derive macros use at compile time) as
//! `Result`s, so a name registered by hand gets the same verdict and the same
//! message as one in a `#[derive(Metrics)]` struct.

use std::fmt;

use promstrict_rules::names;

use crate::MetricType;

/// A metric, label or namespace name that cannot be used, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameError {
    /// The offending name.
    pub name: String,
    /// What is wrong and what to write instead: the rule book's message (the
    /// one the derive macros report at compile time); several are joined
    /// with `; `.
    pub reason: String,
}

impl NameError {
    pub(crate) fn new(name: &str, reason: impl Into<String>) -> Self {
        NameError {
            name: name.to_owned(),
            reason: reason.into(),
        }
    }

    fn from_problems(name: &str, problems: Vec<String>) -> Result<(), Self> {
        if problems.is_empty() {
            Ok(())
        } else {
            Err(NameError::new(name, problems.join("; ")))
        }
    }
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid name `{}`: {}", self.name, self.reason)
    }
}

impl std::error::Error for NameError {}

/// Every naming rule for a metric of type `metric_type` named `name` (without
/// the registry's namespace): the checks `#[derive(Metrics)]` makes at
/// compile time.
///
/// ```
/// # extern crate promstrict_core as promstrict;
/// use promstrict::{check_metric_name, MetricType};
///
/// assert!(check_metric_name("http_requests_total", MetricType::Counter).is_ok());
/// let err = check_metric_name("latency_ms", MetricType::Histogram).unwrap_err();
/// assert_eq!(
///     err.reason,
///     "use the base unit `seconds` instead of `ms` (record `Duration::as_secs_f64()`): write `latency_seconds`"
/// );
/// ```
pub fn check_metric_name(name: &str, metric_type: MetricType) -> Result<(), NameError> {
    NameError::from_problems(name, names::check_metric_name(name, metric_type))
}

/// A label name: snake_case, not starting with `_`, and not one of the names
/// Prometheus gives a meaning (`le`, `quantile`, `job`, `instance`).
pub fn check_label_name(name: &str) -> Result<(), NameError> {
    names::check_label_name(name).map_err(|reason| NameError::new(name, reason))
}

/// A namespace: the characters of a name, without a metric type or a unit.
pub fn check_namespace(namespace: &str) -> Result<(), NameError> {
    NameError::from_problems(namespace, names::check_namespace(namespace))
}

/// A declared unit (`Descriptor::unit`): a base unit that the name ends in.
pub(crate) fn check_declared_unit(
    unit: &str,
    name: &str,
    metric_type: MetricType,
) -> Result<(), NameError> {
    NameError::from_problems(name, names::check_declared_unit(unit, name, metric_type))
}

/// What a name registered with the legacy opt-out must still satisfy: the
/// exposition formats' characters and the type suffix they derive the family
/// name from.
pub(crate) fn check_legacy_name(name: &str, metric_type: MetricType) -> Result<(), NameError> {
    names::check_exposition_name(name)
        .and_then(|()| names::check_exposition_suffix(name, metric_type))
        .map_err(|reason| NameError::new(name, reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule_book_decides() {
        for ok in ["http_requests_total", "jobs_total"] {
            check_metric_name(ok, MetricType::Counter).unwrap();
        }
        for bad in [
            "",
            "1a",
            "a-b",
            "é",
            "__x",
            "httpRequests_total",
            "job:rate5m",
        ] {
            assert!(
                check_metric_name(bad, MetricType::Counter).is_err(),
                "{bad:?}"
            );
        }
        check_label_name("method").unwrap();
        for bad in ["", "a:b", "__name__", "9", "a-b", "le", "job", "Method"] {
            assert!(check_label_name(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn legacy_names_keep_the_exposition_rules() {
        check_legacy_name("httpRequests_total", MetricType::Counter).unwrap();
        check_legacy_name("job:latency_ms", MetricType::Histogram).unwrap();
        assert!(check_legacy_name("requests", MetricType::Counter).is_err());
        assert!(check_legacy_name("a-b", MetricType::Gauge).is_err());
    }
}
