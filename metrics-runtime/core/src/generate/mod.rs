//! Alert rules, SLO burn-rate alerts and Grafana dashboards, generated from
//! what the metric definitions already say: every family's name, type, unit,
//! labels, buckets and objectives.
//!
//! A [`Catalog`] is that description. A [`Registry`](crate::Registry) makes
//! one of its metrics ([`Registry::catalog`](crate::Registry::catalog)), and
//! the watch crate makes one from a scraped `/metrics` page, so both write
//! the same files:
//!
//! - [`Catalog::alert_rules`]: a Prometheus rules file (YAML, for
//!   `rule_files`);
//! - [`Catalog::grafana_dashboard`]: a Grafana dashboard (JSON, for import).
//!
//! Every expression is written with the exposed names (namespace, `_total`,
//! `_bucket`, `le`) taken from the catalog, so renaming a metric renames it
//! in its alerts and panels too.
//!
//! ```
//! # extern crate promstrict_core as promstrict;
//! use promstrict::generate::{DashboardOptions, RulesOptions};
//! use promstrict::{Buckets, Descriptor, Family, Histogram, Objective, Registry};
//!
//! let registry = Registry::with_namespace("shop");
//! let latency = Descriptor::new("checkout_duration_seconds", "Checkout time.")
//!     .objective(Objective::latency(0.5, 99.0));
//! registry.register_with(latency, Histogram::new(Buckets::new(&[0.1, 0.5, 2.0])?))?;
//!
//! let rules = registry.alert_rules(&RulesOptions::default());
//! assert!(rules.contains(r#"record: "job:shop_checkout_duration_seconds:p99_rate5m""#));
//! assert!(rules.contains(r#"alert: "ErrorBudgetBurn""#));
//! let dashboard = registry.grafana_dashboard(&DashboardOptions::default());
//! assert!(dashboard.contains(r#""schemaVersion": 39"#));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod dashboard;
mod quote;
mod rules;

pub use dashboard::SCHEMA_VERSION;
pub use promstrict_rules::objectives::{Objective, ObjectiveKind};

use crate::MetricType;

/// One metric family as the generators see it.
#[derive(Clone, Debug, PartialEq)]
pub struct CatalogFamily {
    /// The full sample name (namespace applied; a counter's ends in `_total`).
    pub name: String,
    /// The type.
    pub metric_type: MetricType,
    /// The help text.
    pub help: String,
    /// The unit, declared or read from the name (`seconds`, `bytes`, `ratio`).
    pub unit: Option<String>,
    /// The names of the labels that vary between series (not `le`, not the
    /// constant ones).
    pub labels: Vec<String>,
    /// A histogram's bucket bounds, without `+Inf`.
    pub buckets: Vec<f64>,
    /// The declared objectives.
    pub objectives: Vec<Objective>,
    /// The group (a metrics struct's name): a dashboard row.
    pub group: Option<String>,
}

impl CatalogFamily {
    /// The name without a counter's `_total`, for recording rule names.
    pub fn base_name(&self) -> &str {
        match self.metric_type {
            MetricType::Counter => self.name.strip_suffix("_total").unwrap_or(&self.name),
            _ => &self.name,
        }
    }

    /// The unit: declared, or the base unit the name ends in.
    pub fn unit(&self) -> Option<&str> {
        self.unit
            .as_deref()
            .or_else(|| promstrict_rules::names::unit_of_name(&self.name, self.metric_type))
    }
}

/// Every metric family of a registry or a scraped target.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Catalog {
    /// The families, in exposition order.
    pub families: Vec<CatalogFamily>,
}

/// How [`Catalog::alert_rules`] writes the rules file.
#[derive(Clone, Debug, PartialEq)]
pub struct RulesOptions {
    /// The prefix of the rule groups' names (`<prefix>-recording`,
    /// `<prefix>-slo`, `<prefix>-service`).
    pub group_prefix: String,
    /// The window of the recorded rates and quantiles (a PromQL duration).
    pub rate_window: String,
    /// `for:` of the page burn-rate alerts (1h/5m at 14.4×, 6h/30m at 6×).
    pub page_for: String,
    /// `for:` of the ticket burn-rate alerts (1d/2h at 3×, 3d/6h at 1×).
    pub ticket_for: String,
    /// `severity` of the page alerts.
    pub page_severity: String,
    /// `severity` of the ticket alerts.
    pub ticket_severity: String,
    /// `HighErrorRate` fires above this share of 5xx responses.
    pub high_error_ratio: f64,
    /// `HighLatency` fires when the p95 request duration is above this
    /// many seconds.
    pub high_latency_seconds: f64,
    /// `for:` of `HighErrorRate`, `HighLatency` and `LLMServiceDown`.
    pub service_for: String,
}

impl Default for RulesOptions {
    fn default() -> Self {
        RulesOptions {
            group_prefix: "promstrict".to_owned(),
            rate_window: "5m".to_owned(),
            page_for: "2m".to_owned(),
            ticket_for: "15m".to_owned(),
            page_severity: "page".to_owned(),
            ticket_severity: "ticket".to_owned(),
            high_error_ratio: 0.05,
            high_latency_seconds: 2.0,
            service_for: "5m".to_owned(),
        }
    }
}

/// How [`Catalog::grafana_dashboard`] writes the dashboard.
#[derive(Clone, Debug, PartialEq)]
pub struct DashboardOptions {
    /// The dashboard's title.
    pub title: String,
    /// Its uid (letters, digits, `-` and `_`; at most 40 characters).
    pub uid: String,
    /// The row title of families without a group (registered one by one).
    pub ungrouped_title: String,
}

impl Default for DashboardOptions {
    fn default() -> Self {
        DashboardOptions {
            title: "Service metrics".to_owned(),
            uid: "promstrict-service".to_owned(),
            ungrouped_title: "Other metrics".to_owned(),
        }
    }
}

/// The families the service alerts are written for, recognised by their
/// exposed name (with or without a namespace), type and labels. This table
/// is the one place that knows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// The HTTP layer's request counter, with a `status` label.
    HttpRequests,
    /// The HTTP layer's request duration histogram.
    HttpDuration,
    /// An LLM client's request counter.
    LlmRequests,
}

const KNOWN_FAMILIES: &[(Role, &str, MetricType, Option<&str>)] = &[
    (
        Role::HttpRequests,
        "http_requests_total",
        MetricType::Counter,
        Some("status"),
    ),
    (
        Role::HttpDuration,
        "http_request_duration_seconds",
        MetricType::Histogram,
        None,
    ),
    (
        Role::LlmRequests,
        "llm_requests_total",
        MetricType::Counter,
        None,
    ),
    // The GenAI set's operations (`genai::GenAiMetrics`).
    (
        Role::LlmRequests,
        "gen_ai_client_operations_total",
        MetricType::Counter,
        None,
    ),
];

impl Catalog {
    /// The first family playing `role`.
    pub(crate) fn find(&self, role: Role) -> Option<&CatalogFamily> {
        KNOWN_FAMILIES
            .iter()
            .filter(|k| k.0 == role)
            .find_map(|(_, name, metric_type, label)| {
                self.families.iter().find(|f| {
                    let named = f.name == *name
                        || f.name
                            .strip_suffix(name)
                            .is_some_and(|prefix| prefix.ends_with('_'));
                    named
                        && f.metric_type == *metric_type
                        && label.is_none_or(|l| f.labels.iter().any(|have| have == l))
                })
            })
    }
}

/// Whether `labels` has one named `name`: the generated check that an
/// errors objective names a label of its family's label set.
#[doc(hidden)]
pub const fn has_label(labels: &[crate::LabelDescriptor], name: &str) -> bool {
    let mut i = 0;
    while i < labels.len() {
        let have = labels[i].name.as_bytes();
        let want = name.as_bytes();
        if have.len() == want.len() {
            let mut j = 0;
            while j < have.len() && have[j] == want[j] {
                j += 1;
            }
            if j == have.len() {
                return true;
            }
        }
        i += 1;
    }
    false
}

/// Whether `value` can be a value of label `name`: false only when the label
/// is one of `labels` and its values, known at compile time (`names`, in the
/// order of `labels`), do not include `value`. The generated check that an
/// errors objective's bad values exist.
#[doc(hidden)]
pub const fn may_have_value(
    labels: &[crate::LabelDescriptor],
    names: &[&[&str]],
    name: &str,
    value: &str,
) -> bool {
    let mut i = 0;
    while i < labels.len() {
        if str_eq(labels[i].name, name) {
            if i >= names.len() || names[i].is_empty() {
                return true;
            }
            let values = names[i];
            let mut j = 0;
            while j < values.len() {
                if str_eq(values[j], value) {
                    return true;
                }
                j += 1;
            }
            return false;
        }
        i += 1;
    }
    true
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}
