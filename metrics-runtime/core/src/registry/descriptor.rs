//! How a metric is named and described, and why a registration is refused.

use std::borrow::Cow;
use std::fmt;

use crate::naming::NameError;
use promstrict_rules::objectives::Objective;

/// How a metric is named and described.
///
/// ```
/// # extern crate promstrict_core as promstrict;
/// use promstrict::Descriptor;
///
/// let d = Descriptor::new("request_duration_seconds", "Request latency.")
///     .unit("seconds")
///     .const_label("region", "eu-west-1");
/// assert_eq!(d.name(), "request_duration_seconds");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Descriptor {
    pub(super) name: Cow<'static, str>,
    pub(super) help: Cow<'static, str>,
    pub(super) unit: Option<Cow<'static, str>>,
    pub(super) const_labels: Vec<(Cow<'static, str>, Cow<'static, str>)>,
    pub(super) owner: Option<Cow<'static, str>>,
    pub(super) legacy_name: bool,
    pub(super) objectives: Vec<Objective>,
    pub(super) group: Option<Cow<'static, str>>,
    /// Set by the built-in `#[instrument_latency]` families, which the
    /// default registry keeps their names for.
    pub(crate) claims_reservation: bool,
}

impl Descriptor {
    /// A metric named `name` (the full sample name: a counter's ends in
    /// `_total`, an info's in `_info`) with help text `help`.
    pub fn new(name: impl Into<Cow<'static, str>>, help: impl Into<Cow<'static, str>>) -> Self {
        Descriptor {
            name: name.into(),
            help: help.into(),
            unit: None,
            const_labels: Vec::new(),
            owner: None,
            legacy_name: false,
            objectives: Vec::new(),
            group: None,
            claims_reservation: false,
        }
    }

    /// Says who registers this metric (`"struct HttpMetrics, field
    /// requests_total"`, `"the job runner"`): a registration that clashes
    /// with it later names the owner in its error. Without it, the place of
    /// the `register` call is used.
    pub fn owner(mut self, owner: impl Into<Cow<'static, str>>) -> Self {
        self.owner = Some(owner.into());
        self
    }

    /// Keeps a name that the naming rules refuse (`httpRequests_total`,
    /// `latency_ms`, `job:requests_total`), for a metric whose name
    /// dashboards and alerts already depend on. Only what the exposition
    /// formats need is still checked: the characters
    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`, no leading `__`, and a counter's `_total`
    /// (an info's `_info`). Label names and units follow the rules as always.
    ///
    /// ```
    /// # extern crate promstrict_core as promstrict;
    /// use promstrict::{Counter, Descriptor, Registry};
    ///
    /// let registry = Registry::new();
    /// assert!(registry.register("httpRequests_total", "Requests.", Counter::new()).is_err());
    /// let legacy = Descriptor::new("httpRequests_total", "Requests.").allow_legacy_name();
    /// registry.register_with(legacy, Counter::new())?;
    /// # Ok::<(), promstrict::RegistryError>(())
    /// ```
    pub fn allow_legacy_name(mut self) -> Self {
        self.legacy_name = true;
        self
    }

    /// Declares the unit (OpenMetrics `# UNIT`): a base unit the name ends in
    /// (before `_total`), checked as `#[metric(unit = "…")]` is. Without it,
    /// a name ending in a base unit (`_seconds`, `_bytes`, `_ratio`, …)
    /// announces that unit anyway.
    pub fn unit(mut self, unit: impl Into<Cow<'static, str>>) -> Self {
        self.unit = Some(unit.into());
        self
    }

    /// Adds a label with the same value on every series of this metric.
    pub fn const_label(
        mut self,
        name: impl Into<Cow<'static, str>>,
        value: impl Into<Cow<'static, str>>,
    ) -> Self {
        self.const_labels.push((name.into(), value.into()));
        self
    }

    /// Declares a service-level objective of this metric (a latency
    /// objective on a histogram, an errors objective on a counter family),
    /// checked when the metric is registered, as `#[metric(objective(…))]`
    /// is at compile time. [`Registry::alert_rules`](crate::Registry::alert_rules)
    /// turns it into burn-rate alerts.
    ///
    /// ```
    /// # extern crate promstrict_core as promstrict;
    /// use promstrict::{Buckets, Descriptor, Histogram, Objective, Registry};
    ///
    /// let registry = Registry::new();
    /// let latency = Descriptor::new("job_duration_seconds", "Job run time.")
    ///     .objective(Objective::latency(0.25, 99.0));
    /// registry.register_with(latency, Histogram::new(Buckets::new(&[0.1, 0.25, 1.0])?))?;
    ///
    /// let wrong = Descriptor::new("queue_duration_seconds", "Queue time.")
    ///     .objective(Objective::latency(0.3, 99.0));
    /// let err = registry.register_with(wrong, Histogram::new(Buckets::new(&[0.1, 0.25, 1.0])?));
    /// assert!(err.unwrap_err().to_string().contains("use 0.25 or 1"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn objective(mut self, objective: Objective) -> Self {
        self.objectives.push(objective);
        self
    }

    /// Names the group the metric belongs to (a metrics struct's name, for
    /// `#[derive(Metrics)]`): a generated dashboard has one row per group.
    pub fn group(mut self, group: impl Into<Cow<'static, str>>) -> Self {
        self.group = Some(group.into());
        self
    }

    /// The declared objectives.
    pub fn objectives(&self) -> &[Objective] {
        &self.objectives
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The help text.
    pub fn help(&self) -> &str {
        &self.help
    }

    /// The unit, if declared.
    pub fn unit_name(&self) -> Option<&str> {
        self.unit.as_deref()
    }

    /// The constant labels.
    pub fn const_labels(&self) -> &[(Cow<'static, str>, Cow<'static, str>)] {
        &self.const_labels
    }

    /// Who registers the metric, if said.
    pub fn owner_name(&self) -> Option<&str> {
        self.owner.as_deref()
    }
}

/// Why a registration was refused. Nothing is registered when it is returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegistryError {
    /// The name (or a sample name it produces) is taken.
    Duplicate {
        /// The metric being registered.
        name: String,
        /// The exposition name both would produce.
        clash: String,
        /// The metric already holding it.
        existing: String,
        /// Who registered (or reserved) the metric already holding it: a
        /// struct and field, `#[instrument_latency]`, the HTTP layer, or the
        /// place of a `register` call.
        owner: String,
    },
    /// A metric or label name is not valid.
    InvalidName(NameError),
    /// The help text is empty.
    MissingHelp {
        /// The metric.
        name: String,
    },
    /// An objective does not fit its metric (see
    /// [`ObjectiveError`](crate::ObjectiveError) for the rules).
    Objective {
        /// The metric.
        name: String,
        /// What is wrong and what to write instead.
        message: String,
    },
    /// No metric of that name is registered.
    UnknownMetric {
        /// The name asked for.
        name: String,
    },
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegistryError::Duplicate {
                name,
                clash,
                existing,
                owner,
            } => {
                if name == existing {
                    write!(
                        f,
                        "metric `{name}` is already registered, by {owner}: choose another name"
                    )
                } else {
                    write!(
                        f,
                        "metric `{name}` would expose `{clash}`, which metric `{existing}` (registered by {owner}) already exposes: choose another name"
                    )
                }
            }
            RegistryError::InvalidName(e) => fmt::Display::fmt(e, f),
            RegistryError::MissingHelp { name } => {
                write!(f, "metric `{name}` has no help text: say what it measures")
            }
            RegistryError::Objective { name, message } => {
                write!(f, "objective of metric `{name}`: {message}")
            }
            RegistryError::UnknownMetric { name } => write!(
                f,
                "no metric `{name}` is registered: register it before its objective"
            ),
        }
    }
}

impl std::error::Error for RegistryError {}

impl From<NameError> for RegistryError {
    fn from(e: NameError) -> Self {
        RegistryError::InvalidName(e)
    }
}
