//! Service-level objectives declared next to a metric, and when they are
//! refused.
//!
//! An objective says which share of events must be good:
//!
//! - a **latency** objective on a histogram: `percent` % of observations at
//!   or under `threshold` (a bucket bound, since PromQL can only count
//!   observations under an `le` bound that is exposed);
//! - an **errors** objective on a counter family: `percent` % of the events
//!   must *not* carry one of the bad values of one of its labels
//!   (`status="5xx"`, `outcome="error"`).
//!
//! The derive reports these messages on the offending token at compile time,
//! the registry returns them when an objective is registered by hand.
//!
//! ```
//! use promstrict_rules::objectives::{check_latency_threshold, check_percent};
//!
//! assert!(check_percent(99.9).is_ok());
//! assert_eq!(
//!     check_latency_threshold(0.3, &[0.1, 0.25, 0.5]).unwrap_err().to_string(),
//!     "latency threshold 0.3 is not a bucket bound of this histogram: PromQL can only count \
//!      observations under an exposed `le` bound; use 0.25 or 0.5, or add 0.3 to the buckets",
//! );
//! ```

use std::fmt;

use crate::MetricType;

/// What an objective measures.
#[derive(Clone, Debug, PartialEq)]
pub enum ObjectiveKind {
    /// Observations at or under `threshold` are good (histograms).
    Latency {
        /// A bucket bound of the histogram, in its unit.
        threshold: f64,
    },
    /// Events whose label `label` has one of `bad` are bad (counter
    /// families).
    Errors {
        /// The label that tells good from bad events (`status`).
        label: String,
        /// Its values that count as bad (`5xx`).
        bad: Vec<String>,
    },
}

impl ObjectiveKind {
    /// The key that declares it in `#[metric(objective(…))]`.
    pub const fn key(&self) -> &'static str {
        match self {
            ObjectiveKind::Latency { .. } => "latency",
            ObjectiveKind::Errors { .. } => "errors",
        }
    }
}

/// A service-level objective: `percent` % of a metric's events are good.
///
/// ```
/// use promstrict_rules::objectives::Objective;
///
/// let fast = Objective::latency(0.25, 99.0);
/// let available = Objective::errors("status", ["5xx"], 99.9);
/// assert_eq!(fast.error_budget(), 0.01);
/// assert!(available.error_budget() > 0.0009 && available.error_budget() < 0.0011);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Objective {
    /// What is measured.
    pub kind: ObjectiveKind,
    /// The share of good events, strictly between 0 and 100.
    pub percent: f64,
    /// Label values the objective is restricted to (`function="checkout"`):
    /// only the series with all of them count.
    pub selector: Vec<(String, String)>,
    /// The page alert's `for:` and severity, where not the rules file's.
    pub page: AlertSettings,
    /// The ticket alert's `for:` and severity, where not the rules file's.
    pub ticket: AlertSettings,
}

/// How one of an objective's alerts is written, where it differs from the
/// rules file's defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AlertSettings {
    /// `for:`, a Prometheus duration (`5m`, `1h30m`).
    pub for_duration: Option<String>,
    /// The `severity` label.
    pub severity: Option<String>,
}

impl Objective {
    /// `percent` % of observations at or under `threshold`.
    pub fn latency(threshold: f64, percent: f64) -> Self {
        Objective {
            kind: ObjectiveKind::Latency { threshold },
            percent,
            selector: Vec::new(),
            page: AlertSettings::default(),
            ticket: AlertSettings::default(),
        }
    }

    /// `percent` % of events without one of the `bad` values of `label`.
    pub fn errors<S: Into<String>>(
        label: impl Into<String>,
        bad: impl IntoIterator<Item = S>,
        percent: f64,
    ) -> Self {
        Objective {
            kind: ObjectiveKind::Errors {
                label: label.into(),
                bad: bad.into_iter().map(Into::into).collect(),
            },
            percent,
            selector: Vec::new(),
            page: AlertSettings::default(),
            ticket: AlertSettings::default(),
        }
    }

    /// Restricts the objective to the series whose label `label` is `value`
    /// (one function of a shared family, one route).
    ///
    /// ```
    /// use promstrict_rules::objectives::Objective;
    ///
    /// let checkout = Objective::latency(0.5, 99.0).only("route", "/checkout");
    /// assert_eq!(checkout.selector, [("route".to_owned(), "/checkout".to_owned())]);
    /// ```
    pub fn only(mut self, label: impl Into<String>, value: impl Into<String>) -> Self {
        self.selector.push((label.into(), value.into()));
        self
    }

    /// Sets the page alert's `for:` (a Prometheus duration) and severity.
    ///
    /// ```
    /// use promstrict_rules::objectives::Objective;
    ///
    /// let o = Objective::latency(0.5, 99.0).page("5m", "critical").ticket("1h", "warning");
    /// assert_eq!(o.page.for_duration.as_deref(), Some("5m"));
    /// assert_eq!(o.ticket.severity.as_deref(), Some("warning"));
    /// ```
    pub fn page(mut self, for_duration: impl Into<String>, severity: impl Into<String>) -> Self {
        self.page = AlertSettings {
            for_duration: Some(for_duration.into()),
            severity: Some(severity.into()),
        };
        self
    }

    /// Sets the ticket alert's `for:` (a Prometheus duration) and severity.
    pub fn ticket(mut self, for_duration: impl Into<String>, severity: impl Into<String>) -> Self {
        self.ticket = AlertSettings {
            for_duration: Some(for_duration.into()),
            severity: Some(severity.into()),
        };
        self
    }

    /// The share of events allowed to be bad (`1 - percent / 100`).
    pub fn error_budget(&self) -> f64 {
        (100.0 - self.percent) / 100.0
    }
}

/// Why an objective was refused.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ObjectiveError {
    /// The percentage is not strictly between 0 and 100.
    Percent(f64),
    /// The latency threshold is not one of the histogram's bounds.
    NotABound {
        /// The threshold.
        threshold: f64,
        /// The bound just under it, if any.
        below: Option<f64>,
        /// The bound just over it, if any.
        above: Option<f64>,
    },
    /// The objective does not apply to this kind of metric.
    WrongType {
        /// `latency` or `errors`.
        key: &'static str,
        /// The metric's type.
        metric_type: MetricType,
        /// Whether the metric is a family (has labels).
        family: bool,
    },
    /// The errors objective names a label the family does not have.
    UnknownLabel {
        /// The label named.
        label: String,
        /// The family's labels (empty where they are not known).
        labels: Vec<String>,
    },
    /// The errors objective names a value the label cannot take.
    UnknownValue {
        /// The label.
        label: String,
        /// The value named.
        value: String,
        /// The label's values.
        values: Vec<String>,
    },
    /// The errors objective names no bad value.
    NoBadValue,
    /// An alert's `for:` is not a Prometheus duration.
    Duration(String),
    /// An alert's severity is empty.
    EmptySeverity,
}

impl fmt::Display for ObjectiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ObjectiveError::Percent(p) => write!(
                f,
                "an objective's percentage is strictly between 0 and 100, not {p}: write e.g. `percent = 99.9` (100 leaves no error budget to alert on)"
            ),
            ObjectiveError::NotABound {
                threshold,
                below,
                above,
            } => {
                write!(
                    f,
                    "latency threshold {threshold} is not a bucket bound of this histogram: PromQL can only count observations under an exposed `le` bound; use "
                )?;
                match (below, above) {
                    (Some(b), Some(a)) => write!(f, "{b} or {a}")?,
                    (Some(x), None) | (None, Some(x)) => write!(f, "{x}")?,
                    (None, None) => f.write_str("a bound")?,
                }
                write!(f, ", or add {threshold} to the buckets")
            }
            ObjectiveError::WrongType {
                key,
                metric_type,
                family,
            } => {
                let what = if *family {
                    format!("a family of {}s", metric_type.noun())
                } else {
                    format!("a single {}", metric_type.noun())
                };
                match *key {
                    "latency" => write!(
                        f,
                        "a `latency` objective needs a histogram (it counts observations under a bucket bound), and this metric is {what}: put it on a `Histogram` or `Family<L, Histogram>` field"
                    ),
                    _ => write!(
                        f,
                        "an `errors` objective needs a counter family with a label telling bad events from good ones, and this metric is {what}: put it on a `Family<L, Counter>` field, e.g. `objective(errors(status = \"5xx\"), percent = 99.9)`"
                    ),
                }
            }
            ObjectiveError::UnknownLabel { label, labels } => write!(
                f,
                "`{label}` is not a label of this family: name one of {}",
                list(labels)
            ),
            ObjectiveError::UnknownValue {
                label,
                value,
                values,
            } if values.is_empty() => write!(
                f,
                "`{value}` is not a value of label `{label}`: name one of the values of its type"
            ),
            ObjectiveError::UnknownValue {
                label,
                value,
                values,
            } => write!(
                f,
                "`{value}` is not a value of label `{label}`: name one of {}",
                list(values)
            ),
            ObjectiveError::Duration(d) => write!(
                f,
                "`{d}` is not a Prometheus duration: write a number and a unit, e.g. `\"5m\"`, `\"1h30m\"` (units ms, s, m, h, d, w, y)"
            ),
            ObjectiveError::EmptySeverity => f.write_str(
                "the severity is empty: write the label value your alert routing expects, e.g. `\"critical\"`",
            ),
            ObjectiveError::NoBadValue => f.write_str(
                "an `errors` objective names the label and its bad values: write e.g. `errors(status = \"5xx\")` or `errors(outcome = [\"error\", \"timeout\"])`",
            ),
        }
    }
}

impl std::error::Error for ObjectiveError {}

fn list(items: &[String]) -> String {
    // The derive checks a label set it cannot see into, so it lists nothing.
    if items.is_empty() {
        return "the labels of its label set".to_owned();
    }
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The share of good events must be strictly between 0 and 100 (and a number).
pub fn check_percent(percent: f64) -> Result<(), ObjectiveError> {
    if percent.is_finite() && percent > 0.0 && percent < 100.0 {
        Ok(())
    } else {
        Err(ObjectiveError::Percent(percent))
    }
}

/// An alert's `for:` must be a Prometheus duration: one or more of a number
/// and a unit (`ms`, `s`, `m`, `h`, `d`, `w`, `y`), largest unit first.
pub fn check_duration(duration: &str) -> Result<(), ObjectiveError> {
    const UNITS: &[&str] = &["y", "w", "d", "h", "m", "s", "ms"];
    let bad = || Err(ObjectiveError::Duration(duration.to_owned()));
    let mut rest = duration;
    let mut last_unit = None;
    if rest.is_empty() {
        return bad();
    }
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return bad();
        }
        rest = &rest[digits..];
        let unit = if rest.starts_with("ms") {
            "ms"
        } else {
            match rest.get(..1) {
                Some(u) if UNITS.contains(&u) => u,
                _ => return bad(),
            }
        };
        let rank = UNITS.iter().position(|u| *u == unit);
        if rank <= last_unit {
            return bad();
        }
        last_unit = rank;
        rest = &rest[unit.len()..];
    }
    Ok(())
}

fn check_alert(settings: &AlertSettings) -> Result<(), ObjectiveError> {
    if let Some(duration) = &settings.for_duration {
        check_duration(duration)?;
    }
    if settings
        .severity
        .as_deref()
        .is_some_and(|s| s.trim().is_empty())
    {
        return Err(ObjectiveError::EmptySeverity);
    }
    Ok(())
}

/// A latency threshold must be one of the histogram's `bounds`; the error
/// names the nearest bounds on either side.
pub fn check_latency_threshold(threshold: f64, bounds: &[f64]) -> Result<(), ObjectiveError> {
    if bounds.contains(&threshold) {
        return Ok(());
    }
    let below = bounds.iter().copied().rfind(|b| *b < threshold);
    let above = bounds.iter().copied().find(|b| *b > threshold);
    Err(ObjectiveError::NotABound {
        threshold,
        below,
        above,
    })
}

/// Which metrics can carry an objective: a latency objective needs a
/// histogram (single or family), an errors objective a counter family.
pub fn check_applies(
    kind: &ObjectiveKind,
    metric_type: MetricType,
    family: bool,
) -> Result<(), ObjectiveError> {
    let fits = match kind {
        ObjectiveKind::Latency { .. } => metric_type == MetricType::Histogram,
        ObjectiveKind::Errors { .. } => metric_type == MetricType::Counter && family,
    };
    if fits {
        Ok(())
    } else {
        Err(ObjectiveError::WrongType {
            key: kind.key(),
            metric_type,
            family,
        })
    }
}

/// The errors objective's label must be one of the family's `labels`.
pub fn check_error_label(label: &str, labels: &[&str]) -> Result<(), ObjectiveError> {
    if labels.contains(&label) {
        Ok(())
    } else {
        Err(ObjectiveError::UnknownLabel {
            label: label.to_owned(),
            labels: labels.iter().map(|l| (*l).to_owned()).collect(),
        })
    }
}

/// Each bad value must be one of the label's `values`.
pub fn check_error_value(label: &str, value: &str, values: &[&str]) -> Result<(), ObjectiveError> {
    if values.contains(&value) {
        Ok(())
    } else {
        Err(ObjectiveError::UnknownValue {
            label: label.to_owned(),
            value: value.to_owned(),
            values: values.iter().map(|v| (*v).to_owned()).collect(),
        })
    }
}

/// One label of the metric an objective is checked against: its name and,
/// where they are known, its values.
#[derive(Clone, Copy, Debug)]
pub struct LabelValues<'a> {
    /// The label name.
    pub name: &'a str,
    /// Its values, or `None` where they are only known at run time.
    pub values: Option<&'a [&'a str]>,
}

/// Every check of an objective against a metric of type `metric_type` with
/// these `labels` (empty for a single metric) and histogram `bounds`: the
/// first problem found, as the registry reports it.
///
/// ```
/// use promstrict_rules::objectives::{check_objective, LabelValues, Objective};
/// use promstrict_rules::MetricType;
///
/// let status = LabelValues { name: "status", values: Some(&["2xx", "5xx"]) };
/// let ok = Objective::errors("status", ["5xx"], 99.9);
/// assert!(check_objective(&ok, MetricType::Counter, &[status], &[]).is_ok());
/// let typo = Objective::errors("status", ["500"], 99.9);
/// assert!(check_objective(&typo, MetricType::Counter, &[status], &[]).is_err());
/// ```
pub fn check_objective(
    objective: &Objective,
    metric_type: MetricType,
    labels: &[LabelValues<'_>],
    bounds: &[f64],
) -> Result<(), ObjectiveError> {
    check_applies(&objective.kind, metric_type, !labels.is_empty())?;
    check_percent(objective.percent)?;
    check_alert(&objective.page)?;
    check_alert(&objective.ticket)?;
    let names: Vec<&str> = labels.iter().map(|l| l.name).collect();
    for (label, value) in &objective.selector {
        check_error_label(label, &names)?;
        let values = labels
            .iter()
            .find(|l| l.name == label)
            .and_then(|l| l.values);
        if let Some(values) = values {
            check_error_value(label, value, values)?;
        }
    }
    match &objective.kind {
        ObjectiveKind::Latency { threshold } => check_latency_threshold(*threshold, bounds),
        ObjectiveKind::Errors { label, bad } => {
            check_error_label(label, &names)?;
            if bad.is_empty() {
                return Err(ObjectiveError::NoBadValue);
            }
            let values = labels
                .iter()
                .find(|l| l.name == label)
                .and_then(|l| l.values);
            if let Some(values) = values {
                for value in bad {
                    check_error_value(label, value, values)?;
                }
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_is_strictly_between_0_and_100() {
        for good in [0.1, 50.0, 99.0, 99.99] {
            assert_eq!(check_percent(good), Ok(()));
        }
        for bad in [0.0, -1.0, 100.0, 101.0, f64::NAN, f64::INFINITY] {
            assert!(check_percent(bad).is_err(), "{bad}");
        }
        assert_eq!(
            check_percent(100.0).unwrap_err().to_string(),
            "an objective's percentage is strictly between 0 and 100, not 100: write e.g. `percent = 99.9` (100 leaves no error budget to alert on)"
        );
    }

    #[test]
    fn durations_are_prometheus_durations() {
        for good in ["5m", "1h30m", "90s", "1d", "100ms", "1w2d"] {
            assert_eq!(check_duration(good), Ok(()), "{good}");
        }
        for bad in ["", "5", "m", "5 m", "5min", "30m1h", "-5m", "1.5h", "5m5m"] {
            assert!(check_duration(bad).is_err(), "{bad}");
        }
        let objective = Objective::latency(1.0, 99.0).page("soon", "critical");
        assert_eq!(
            check_objective(&objective, MetricType::Histogram, &[], &[1.0])
                .unwrap_err()
                .to_string(),
            "`soon` is not a Prometheus duration: write a number and a unit, e.g. `\"5m\"`, `\"1h30m\"` (units ms, s, m, h, d, w, y)"
        );
        let objective = Objective::latency(1.0, 99.0).ticket("1h", " ");
        assert_eq!(
            check_objective(&objective, MetricType::Histogram, &[], &[1.0]),
            Err(ObjectiveError::EmptySeverity)
        );
    }

    #[test]
    fn a_threshold_names_its_nearest_bounds() {
        let bounds = [0.1, 0.25, 0.5];
        assert_eq!(check_latency_threshold(0.25, &bounds), Ok(()));
        let msg = |t| check_latency_threshold(t, &bounds).unwrap_err().to_string();
        assert!(
            msg(0.05).contains("; use 0.1, or add 0.05"),
            "{}",
            msg(0.05)
        );
        assert!(msg(0.3).contains("; use 0.25 or 0.5, or add 0.3"));
        assert!(msg(2.0).contains("; use 0.5, or add 2"));
        assert!(check_latency_threshold(0.3, &[]).is_err());
    }

    #[test]
    fn objectives_apply_to_their_metric_types() {
        let latency = ObjectiveKind::Latency { threshold: 1.0 };
        let errors = ObjectiveKind::Errors {
            label: "status".into(),
            bad: vec!["5xx".into()],
        };
        assert!(check_applies(&latency, MetricType::Histogram, false).is_ok());
        assert!(check_applies(&latency, MetricType::Histogram, true).is_ok());
        assert!(check_applies(&latency, MetricType::Counter, true).is_err());
        assert!(check_applies(&errors, MetricType::Counter, true).is_ok());
        assert!(check_applies(&errors, MetricType::Counter, false).is_err());
        assert!(check_applies(&errors, MetricType::Gauge, true).is_err());
        assert_eq!(
            check_applies(&latency, MetricType::Gauge, false)
                .unwrap_err()
                .to_string(),
            "a `latency` objective needs a histogram (it counts observations under a bucket bound), and this metric is a single gauge: put it on a `Histogram` or `Family<L, Histogram>` field"
        );
    }

    #[test]
    fn errors_objectives_name_existing_labels_and_values() {
        let labels = [
            LabelValues {
                name: "method",
                values: None,
            },
            LabelValues {
                name: "status",
                values: Some(&["2xx", "5xx"]),
            },
        ];
        let check = |o: &Objective| check_objective(o, MetricType::Counter, &labels, &[]);
        assert!(check(&Objective::errors("status", ["5xx"], 99.0)).is_ok());
        assert_eq!(
            check(&Objective::errors("code", ["5xx"], 99.0))
                .unwrap_err()
                .to_string(),
            "`code` is not a label of this family: name one of `method`, `status`"
        );
        assert_eq!(
            check(&Objective::errors("status", ["500"], 99.0))
                .unwrap_err()
                .to_string(),
            "`500` is not a value of label `status`: name one of `2xx`, `5xx`"
        );
        assert_eq!(
            check(&Objective::errors("status", Vec::<String>::new(), 99.0)),
            Err(ObjectiveError::NoBadValue)
        );
        // Values only known at run time are not checked.
        assert!(check(&Objective::errors("method", ["brew"], 99.0)).is_ok());
    }
}
