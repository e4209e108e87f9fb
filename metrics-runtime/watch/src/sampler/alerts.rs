//! Alert-style rules over the sampler's derived figures, evaluated like
//! Prometheus alerting rules: a condition that holds becomes *pending*, and
//! *firing* once it has held for the rule's `for` duration.

use std::time::Duration;

use super::Sampler;

/// How bad a firing rule is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Severity {
    /// Worth a look.
    #[default]
    Warning,
    /// Something is down.
    Critical,
}

impl Severity {
    /// `warning` or `critical`, as in a rule's `severity` label.
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

/// What a rule checks. Every rate is over the sampler's window.
#[derive(Clone, Debug, PartialEq)]
pub enum AlertCondition {
    /// `sum(rate(numerator[w])) / sum(rate(denominator[w])) > threshold`,
    /// e.g. an error ratio over 5 %.
    RatioAbove {
        /// The counter on top (`tasks_failed_total`).
        numerator: String,
        /// The counter below (`tasks_processed_total`).
        denominator: String,
        /// The ratio above which the rule holds (0.05 for 5 %).
        threshold: f64,
    },
    /// `histogram_quantile(quantile, sum by (le) (rate(histogram_bucket[w]))) > threshold`,
    /// e.g. p95 latency over 2 s.
    QuantileAbove {
        /// The histogram's family name (`task_duration_seconds`).
        histogram: String,
        /// The quantile (0.95).
        quantile: f64,
        /// The value above which the rule holds, in the histogram's unit.
        threshold: f64,
    },
    /// `sum(rate(counter[w])) == 0`: a counter that stopped moving.
    Stalled {
        /// The counter (`tasks_processed_total`).
        counter: String,
    },
    /// `sum(gauge) > threshold`.
    GaugeAbove {
        /// The gauge.
        gauge: String,
        /// The value above which the rule holds.
        threshold: f64,
    },
}

impl AlertCondition {
    /// The value the condition compares, and whether it holds. No value (the
    /// series are missing or have too few samples) never holds, like a
    /// PromQL expression that returns nothing.
    pub fn evaluate(&self, sampler: &Sampler) -> (Option<f64>, bool) {
        match self {
            AlertCondition::RatioAbove {
                numerator,
                denominator,
                threshold,
            } => {
                let value = match (sampler.rate(numerator), sampler.rate(denominator)) {
                    // 0/0 is NaN, which compares false: no traffic, no alert.
                    (Some(n), Some(d)) => Some(n / d),
                    _ => None,
                };
                (value, value.is_some_and(|v| v > *threshold))
            }
            AlertCondition::QuantileAbove {
                histogram,
                quantile,
                threshold,
            } => {
                let value = sampler.quantile(histogram, *quantile);
                (value, value.is_some_and(|v| v > *threshold))
            }
            AlertCondition::Stalled { counter } => {
                let value = sampler.rate(counter);
                (value, value == Some(0.0))
            }
            AlertCondition::GaugeAbove { gauge, threshold } => {
                let value = sampler.total(gauge);
                (value, value.is_some_and(|v| v > *threshold))
            }
        }
    }

    /// The condition as a PromQL expression over a window of `window` seconds.
    pub fn promql(&self, window: f64) -> String {
        let w = format_range(window);
        match self {
            AlertCondition::RatioAbove {
                numerator,
                denominator,
                threshold,
            } => format!(
                "sum(rate({numerator}[{w}])) / sum(rate({denominator}[{w}])) > {threshold}"
            ),
            AlertCondition::QuantileAbove {
                histogram,
                quantile,
                threshold,
            } => format!(
                "histogram_quantile({quantile}, sum by (le) (rate({histogram}_bucket[{w}]))) > {threshold}"
            ),
            AlertCondition::Stalled { counter } => format!("sum(rate({counter}[{w}])) == 0"),
            AlertCondition::GaugeAbove { gauge, threshold } => {
                format!("sum({gauge}) > {threshold}")
            }
        }
    }
}

/// A PromQL range duration: `10s`, `1500ms`, `5m`.
fn format_range(secs: f64) -> String {
    let ms = (secs * 1000.0).round() as u64;
    if ms.is_multiple_of(60_000) && ms > 0 {
        format!("{}m", ms / 60_000)
    } else if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// A named condition with a `for` duration, like a Prometheus alerting rule.
///
/// ```
/// # mod promstrict { pub use promstrict_core::*; pub use promstrict_watch::*; }
/// use std::time::Duration;
/// use promstrict::sampler::AlertRule;
///
/// let rules = [
///     AlertRule::ratio_above("HighErrorRate", "tasks_failed_total", "tasks_processed_total", 0.05),
///     AlertRule::quantile_above("HighLatency", "task_duration_seconds", 0.95, 2.0),
///     AlertRule::stalled("TasksStalled", "tasks_processed_total").for_duration(Duration::from_secs(5)),
/// ];
/// assert_eq!(rules[2].name, "TasksStalled");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct AlertRule {
    /// The alert's name (`HighErrorRate`).
    pub name: String,
    /// What it checks.
    pub condition: AlertCondition,
    /// How long the condition must hold before the rule fires (0: at once).
    pub for_duration: Duration,
    /// How bad it is.
    pub severity: Severity,
}

impl AlertRule {
    /// A rule firing at once when `condition` holds.
    pub fn new(name: impl Into<String>, condition: AlertCondition) -> Self {
        AlertRule {
            name: name.into(),
            condition,
            for_duration: Duration::ZERO,
            severity: Severity::Warning,
        }
    }

    /// `rate(numerator) / rate(denominator) > threshold`.
    pub fn ratio_above(
        name: impl Into<String>,
        numerator: impl Into<String>,
        denominator: impl Into<String>,
        threshold: f64,
    ) -> Self {
        AlertRule::new(
            name,
            AlertCondition::RatioAbove {
                numerator: numerator.into(),
                denominator: denominator.into(),
                threshold,
            },
        )
    }

    /// The `quantile` of `histogram` over the window above `threshold`.
    pub fn quantile_above(
        name: impl Into<String>,
        histogram: impl Into<String>,
        quantile: f64,
        threshold: f64,
    ) -> Self {
        AlertRule::new(
            name,
            AlertCondition::QuantileAbove {
                histogram: histogram.into(),
                quantile,
                threshold,
            },
        )
    }

    /// `counter` did not move over the window.
    pub fn stalled(name: impl Into<String>, counter: impl Into<String>) -> Self {
        AlertRule::new(
            name,
            AlertCondition::Stalled {
                counter: counter.into(),
            },
        )
        .severity(Severity::Critical)
    }

    /// `gauge` above `threshold`.
    pub fn gauge_above(name: impl Into<String>, gauge: impl Into<String>, threshold: f64) -> Self {
        AlertRule::new(
            name,
            AlertCondition::GaugeAbove {
                gauge: gauge.into(),
                threshold,
            },
        )
    }

    /// Sets the `for` duration.
    pub fn for_duration(mut self, duration: Duration) -> Self {
        self.for_duration = duration;
        self
    }

    /// Sets the severity.
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
}

/// Where a rule stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AlertStatus {
    /// The condition does not hold (shown as `ok`).
    #[default]
    Inactive,
    /// The condition holds, not yet for the rule's `for` duration.
    Pending,
    /// The condition has held for the `for` duration.
    Firing,
}

impl AlertStatus {
    /// `ok`, `pending` or `FIRING`.
    pub const fn label(self) -> &'static str {
        match self {
            AlertStatus::Inactive => "ok",
            AlertStatus::Pending => "pending",
            AlertStatus::Firing => "FIRING",
        }
    }
}

/// A rule's state after the latest evaluation.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct AlertState {
    /// Ok, pending or firing.
    pub status: AlertStatus,
    /// The value the condition compared (`None`: no data).
    pub value: Option<f64>,
    /// Since when (sampler time) the condition has held.
    pub active_since: Option<f64>,
}

/// Evaluates a set of rules after each snapshot and remembers how long each
/// condition has held.
///
/// ```
/// # mod promstrict { pub use promstrict_core::*; pub use promstrict_watch::*; }
/// use promstrict::sampler::{AlertEngine, AlertRule, AlertStatus, Sampler, Snapshot};
///
/// let mut sampler = Sampler::default();
/// let mut alerts = AlertEngine::new(vec![AlertRule::ratio_above(
///     "HighErrorRate", "failed_total", "processed_total", 0.05,
/// )]);
/// for i in 0..5 {
///     let t = f64::from(i);
///     let snapshot = Snapshot::new()
///         .counter("processed_total", &[], 6.0 * t)
///         .counter("failed_total", &[], t);
///     sampler.record(t, &snapshot)?;
///     alerts.evaluate(&sampler);
/// }
/// let (_, state) = alerts.iter().next().unwrap();
/// assert_eq!(state.status, AlertStatus::Firing);
/// assert!((state.value.unwrap() - 1.0 / 6.0).abs() < 1e-9);
/// # Ok::<(), promstrict::sampler::SampleError>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct AlertEngine {
    rules: Vec<AlertRule>,
    states: Vec<AlertState>,
}

impl AlertEngine {
    /// An engine for `rules`, all ok.
    pub fn new(rules: Vec<AlertRule>) -> Self {
        let states = vec![AlertState::default(); rules.len()];
        AlertEngine { rules, states }
    }

    /// Evaluates every rule at the sampler's latest snapshot.
    pub fn evaluate(&mut self, sampler: &Sampler) {
        let now = sampler.uptime();
        for (rule, state) in self.rules.iter().zip(&mut self.states) {
            let (value, holds) = rule.condition.evaluate(sampler);
            state.value = value;
            if !holds {
                state.status = AlertStatus::Inactive;
                state.active_since = None;
                continue;
            }
            let since = *state.active_since.get_or_insert(now);
            state.status = if now - since >= rule.for_duration.as_secs_f64() {
                AlertStatus::Firing
            } else {
                AlertStatus::Pending
            };
        }
    }

    /// The rules with their states, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&AlertRule, &AlertState)> {
        self.rules.iter().zip(&self.states)
    }

    /// The names of the firing rules.
    pub fn firing(&self) -> impl Iterator<Item = &str> {
        self.iter()
            .filter(|(_, s)| s.status == AlertStatus::Firing)
            .map(|(r, _)| r.name.as_str())
    }

    /// How many rules there are.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}
