//! The generated registries: label types, what a case holds, and the strategies generating it.

use promstrict::{
    bounded_label, check_metric_name, check_namespace, LabelSet, LabelValue, MetricType,
};
use proptest::prelude::*;

use crate::nasty::{
    any_f64, any_i64, any_u64, finite_f64, help_text, increment_f64, nasty_string, next_float,
};

// --- label types ---------------------------------------------------------------

bounded_label! {
    /// Random label values, interned process-wide (the model reads the value
    /// back with `as_str`, so folding into `overflow` is modelled too).
    pub(crate) struct Route { max: 1024, overflow: "overflow" }
}

/// Derived values, renamed to strings that need escaping.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub(crate) enum Class {
    Alpha,
    #[label(name = "5xx \"quoted\" \\ back\nslash é 😀")]
    ServerError,
    #[label(name = "}, le=\"+Inf\"} 1 # EOF")]
    Injection,
}

pub(crate) const CLASSES: [Class; 3] = [Class::Alpha, Class::ServerError, Class::Injection];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
pub(crate) struct Flag {
    pub(crate) ok: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
pub(crate) struct Request {
    pub(crate) class: Class,
    pub(crate) route: Route,
}

// --- what is generated ---------------------------------------------------------

const NAMESPACES: &[&str] = &["app", "svc", "acme_io"];
const CONST_LABEL_NAMES: &[&str] = &["region", "zone_name", "tier_level"];
/// A descriptor's own constant label (after the registry's).
pub(crate) const METRIC_CONST_LABEL: &str = "shard_name";
const INFO_LABEL_NAMES: &[&str] = &["version", "commit", "rustc", "branch"];
const STEMS: &[&str] = &[
    "queue", "cache", "worker", "pool", "disk", "shard", "batch", "upload", "lookup", "session",
    "packet", "ledger",
];
/// The metric's position in its registry: a word of its own in every name, so
/// no two metrics of a registry can clash.
const POSITIONS: &[&str] = &["one", "two", "three", "four", "five", "six"];
const UNITS: &[&str] = &[
    "seconds", "bytes", "ratio", "celsius", "meters", "volts", "amperes", "joules", "grams",
    "kelvin",
];

#[derive(Clone, Debug)]
pub(crate) struct CaseSpec {
    pub(crate) namespace: Option<&'static str>,
    pub(crate) const_labels: Vec<(&'static str, String)>,
    pub(crate) metrics: Vec<MetricSpec>,
}

#[derive(Clone, Debug)]
pub(crate) struct MetricSpec {
    pub(crate) stem: &'static str,
    pub(crate) unit: Option<&'static str>,
    /// Declare the unit with `Descriptor::unit` (otherwise the name announces it).
    pub(crate) declare_unit: bool,
    pub(crate) help: String,
    pub(crate) metric_const: Option<String>,
    pub(crate) kind: Kind,
    pub(crate) shape: Shape,
    pub(crate) series: Vec<SeriesSpec>,
}

#[derive(Clone, Debug)]
pub(crate) enum Kind {
    CounterU64,
    CounterF64,
    GaugeI64,
    GaugeF64,
    Histogram(Vec<f64>),
    Summary,
    Info(Vec<(&'static str, String)>),
}

impl Kind {
    fn metric_type(&self) -> MetricType {
        match self {
            Kind::CounterU64 | Kind::CounterF64 => MetricType::Counter,
            Kind::GaugeI64 | Kind::GaugeF64 => MetricType::Gauge,
            Kind::Histogram(_) => MetricType::Histogram,
            Kind::Summary => MetricType::Summary,
            Kind::Info(_) => MetricType::Info,
        }
    }
}

/// A plain metric, or a family over `Flag` or `Request`.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Shape {
    Plain,
    ByFlag,
    ByRequest,
}

/// One series of a metric (only `ok` matters for `ByFlag`, `class` and
/// `route` for `ByRequest`, nothing for `Plain`) and what is done to it.
#[derive(Clone, Debug)]
pub(crate) struct SeriesSpec {
    pub(crate) ok: bool,
    pub(crate) class: usize,
    pub(crate) route: String,
    pub(crate) ops: Vec<Op>,
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum Op {
    IncU(u64),
    IncF(f64),
    SetI(i64),
    AddI(i64),
    SetF(f64),
    AddF(f64),
    Observe(f64),
}

impl MetricSpec {
    /// The name registered (without the namespace).
    pub(crate) fn name(&self, position: usize) -> String {
        let mut name = format!("{}_{}", self.stem, POSITIONS[position]);
        if let Some(unit) = self.unit {
            name.push('_');
            name.push_str(unit);
        }
        match self.kind.metric_type() {
            MetricType::Counter => name.push_str("_total"),
            MetricType::Info => name.push_str("_info"),
            _ => {}
        }
        name
    }
}

fn labels_named(
    names: &'static [&'static str],
    max: usize,
) -> BoxedStrategy<Vec<(&'static str, String)>> {
    prop::sample::subsequence(names, 0..=max)
        .prop_flat_map(|names| {
            names
                .into_iter()
                .map(|name| (Just(name), nasty_string()))
                .collect::<Vec<_>>()
        })
        .boxed()
}

fn series(op: BoxedStrategy<Op>) -> impl Strategy<Value = SeriesSpec> {
    (
        any::<bool>(),
        0..CLASSES.len(),
        nasty_string(),
        prop::collection::vec(op, 0..5),
    )
        .prop_map(|(ok, class, route, ops)| SeriesSpec {
            ok,
            class,
            route,
            ops,
        })
}

fn kind_and_ops() -> impl Strategy<Value = (Kind, BoxedStrategy<Op>)> {
    let histogram = prop::collection::vec(finite_f64(), 1..=10).prop_map(|mut bounds| {
        bounds.sort_by(f64::total_cmp);
        bounds.dedup_by(|a, b| a == b); // also -0.0 and 0.0
        bounds
    });
    prop_oneof![
        Just((Kind::CounterU64, any_u64().prop_map(Op::IncU).boxed())),
        Just((Kind::CounterF64, increment_f64().prop_map(Op::IncF).boxed())),
        Just((
            Kind::GaugeI64,
            prop_oneof![any_i64().prop_map(Op::SetI), any_i64().prop_map(Op::AddI)].boxed()
        )),
        Just((
            Kind::GaugeF64,
            prop_oneof![any_f64().prop_map(Op::SetF), any_f64().prop_map(Op::AddF)].boxed()
        )),
        histogram.prop_map(|bounds| {
            let b = bounds.clone();
            let observation = prop_oneof![
                3 => any_f64(),
                1 => prop::sample::select(b.clone()),
                1 => prop::sample::select(b.clone()).prop_map(|x| next_float(x, true)),
                1 => prop::sample::select(b).prop_map(|x| next_float(x, false)),
            ];
            (
                Kind::Histogram(bounds),
                observation.prop_map(Op::Observe).boxed(),
            )
        }),
        Just((Kind::Summary, any_f64().prop_map(Op::Observe).boxed())),
        labels_named(INFO_LABEL_NAMES, 3)
            .prop_map(|labels| (Kind::Info(labels), Just(Op::IncU(0)).boxed())),
    ]
}

fn metric_spec() -> impl Strategy<Value = MetricSpec> {
    (
        kind_and_ops(),
        prop::sample::select(STEMS),
        prop::option::of(prop::sample::select(UNITS)),
        any::<bool>(),
        help_text(),
        prop::option::weighted(0.25, nasty_string()),
        prop::sample::select(vec![Shape::Plain, Shape::ByFlag, Shape::ByRequest]),
    )
        .prop_flat_map(
            |((kind, op), stem, unit, declare_unit, help, metric_const, shape)| {
                let (unit, shape, count) = match kind {
                    // An info metric has no unit, one series and labels of its own.
                    Kind::Info(_) => (None, Shape::Plain, 1..=1),
                    _ if matches!(shape, Shape::Plain) => (unit, shape, 1..=1),
                    _ => (unit, shape, 1..=3),
                };
                let is_info = matches!(kind, Kind::Info(_));
                prop::collection::vec(series(op), count).prop_map(move |mut series| {
                    if is_info {
                        series[0].ops.clear();
                    }
                    MetricSpec {
                        stem,
                        unit,
                        declare_unit,
                        help: help.clone(),
                        metric_const: metric_const.clone(),
                        kind: kind.clone(),
                        shape,
                        series,
                    }
                })
            },
        )
}

pub(crate) fn case_spec() -> impl Strategy<Value = CaseSpec> {
    (
        prop::option::of(prop::sample::select(NAMESPACES)),
        labels_named(CONST_LABEL_NAMES, 2),
        prop::collection::vec(metric_spec(), 1..=6),
    )
        .prop_map(|(namespace, const_labels, metrics)| CaseSpec {
            namespace,
            const_labels,
            metrics,
        })
        .prop_filter("every name passes the rule book", |case| {
            case.namespace.is_none_or(|ns| check_namespace(ns).is_ok())
                && case
                    .metrics
                    .iter()
                    .enumerate()
                    .all(|(i, m)| check_metric_name(&m.name(i), m.kind.metric_type()).is_ok())
        })
}
