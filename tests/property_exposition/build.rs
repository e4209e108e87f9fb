//! Building the registry of a generated case, and the model of what its exposition must say.

use promstrict::{
    Buckets, Counter, Descriptor, Family, FamilyMember, Format, Gauge, Histogram, Info, LabelValue,
    Registry, Summary,
};

use crate::model::{
    CaseSpec, Flag, Kind, Op, Request, Route, SeriesSpec, Shape, CLASSES, METRIC_CONST_LABEL,
};

/// A value as the exposition should carry it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Val {
    Int(i128),
    Float(f64),
}

impl Val {
    pub(crate) fn as_f64(self) -> f64 {
        match self {
            Val::Int(v) => v as f64,
            Val::Float(v) => v,
        }
    }
}

pub(crate) fn same_f64(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
}

pub(crate) type Labels = Vec<(String, String)>;

/// One family of the OpenMetrics exposition, as the model expects it.
#[derive(Debug)]
pub(crate) struct Fam {
    pub(crate) name: String,
    pub(crate) typ: &'static str,
    pub(crate) unit: String,
    pub(crate) help: String,
    pub(crate) samples: Vec<(String, Labels, Val)>,
}

pub(crate) struct Built {
    pub(crate) openmetrics: String,
    pub(crate) prometheus: String,
    pub(crate) families: Vec<Fam>,
    /// Series whose getters disagree with the model (not an encoder problem).
    pub(crate) model_mismatches: Vec<String>,
}

/// `le` values compared as numbers: both sides spelled as Rust spells the
/// float they parse to.
pub(crate) fn normalize_le(labels: &mut Labels) {
    for (name, value) in labels.iter_mut() {
        if name == "le" {
            if let Ok(v) = value.parse::<f64>() {
                *value = format!("{v:?}");
            }
        }
    }
}

/// A series as the metric's own getters report it after the operations.
#[derive(Clone, Debug, PartialEq)]
enum Snap {
    Int(i128),
    /// Bits, so that NaN equals itself.
    Float(u64),
    Histogram(Vec<u64>, u64),
    Summary(u64, u64),
}

/// A registered series: its labels, every operation applied to it in order,
/// and what its getters said afterwards.
type Series = (Labels, Vec<Op>, Snap);

/// Registers `M` plain or in a family, applies every series' operations to
/// it, and returns each distinct series (series of equal labels are one).
fn register_series<M>(
    registry: &Registry,
    descriptor: Descriptor,
    shape: Shape,
    (plain, options): (M, M::Options),
    series: &[SeriesSpec],
    apply: impl Fn(&M::Cell, Op),
    read: impl Fn(&M::Cell) -> Snap,
) -> Vec<Series>
where
    M: FamilyMember + std::ops::Deref<Target = <M as FamilyMember>::Cell>,
{
    let mut out: Vec<Series> = Vec::new();
    let mut record = |labels: Labels, cell: &M::Cell, ops: &[Op]| {
        for op in ops {
            apply(cell, *op);
        }
        let snap = read(cell);
        match out.iter_mut().find(|(l, _, _)| *l == labels) {
            Some((_, all, last)) => {
                all.extend_from_slice(ops);
                *last = snap;
            }
            None => out.push((labels, ops.to_vec(), snap)),
        }
    };
    match shape {
        Shape::Plain => {
            let metric = registry.register_with(descriptor, plain).expect("register");
            record(Vec::new(), &metric, &series[0].ops);
        }
        Shape::ByFlag => {
            let family: Family<Flag, M> = registry
                .register_with(descriptor, Family::with_options(options))
                .expect("register");
            for s in series {
                let labels = Flag { ok: s.ok };
                let names = vec![("ok".into(), labels.ok.as_str().into())];
                record(names, family.labels(labels), &s.ops);
            }
        }
        Shape::ByRequest => {
            let family: Family<Request, M> = registry
                .register_with(descriptor, Family::with_options(options))
                .expect("register");
            for s in series {
                let labels = Request {
                    class: CLASSES[s.class],
                    route: Route::new(&s.route),
                };
                let names = vec![
                    ("class".into(), labels.class.as_str().into()),
                    ("route".into(), labels.route.as_str().into()),
                ];
                record(names, family.labels(labels), &s.ops);
            }
        }
    }
    out
}

/// The model of one series: what the operations must have made of it,
/// computed here from the documented semantics, not read from the metric.
fn model(kind: &Kind, ops: &[Op]) -> Snap {
    let float = |v: f64| Snap::Float(v.to_bits());
    match kind {
        // Saturates at u64::MAX rather than wrapping (a wrap would read as a reset).
        Kind::CounterU64 => Snap::Int(
            ops.iter()
                .fold(0u64, |t, op| match *op {
                    Op::IncU(v) => t.saturating_add(v),
                    _ => t,
                })
                .into(),
        ),
        // Refused: a negative, NaN or infinite increment, or one that would
        // make the total infinite.
        Kind::CounterF64 => float(ops.iter().fold(0.0, |t, op| match *op {
            Op::IncF(v) if v.is_nan() || v < 0.0 || v.is_infinite() => t,
            Op::IncF(v) if !(t + v).is_finite() => t,
            Op::IncF(v) => t + v,
            _ => t,
        })),
        Kind::GaugeI64 => Snap::Int(
            ops.iter()
                .fold(0i64, |t, op| match *op {
                    Op::SetI(v) => v,
                    Op::AddI(v) => t.wrapping_add(v),
                    _ => t,
                })
                .into(),
        ),
        Kind::GaugeF64 => float(ops.iter().fold(0.0, |t, op| match *op {
            Op::SetF(v) => v,
            Op::AddF(v) => t + v,
            _ => t,
        })),
        // NaN and ±∞ are dropped; `le` is inclusive.
        Kind::Histogram(bounds) => {
            let mut counts = vec![0u64; bounds.len() + 1];
            let mut sum = 0.0f64;
            for op in ops {
                if let Op::Observe(v) = *op {
                    if v.is_finite() {
                        counts[bounds.iter().filter(|b| **b < v).count()] += 1;
                        sum += v;
                    }
                }
            }
            let cumulative = counts
                .iter()
                .scan(0, |acc, c| {
                    *acc += c;
                    Some(*acc)
                })
                .collect();
            Snap::Histogram(cumulative, sum.to_bits())
        }
        Kind::Summary => {
            let (mut count, mut sum) = (0u64, 0.0f64);
            for op in ops {
                if let Op::Observe(v) = *op {
                    if v.is_finite() {
                        count += 1;
                        sum += v;
                    }
                }
            }
            Snap::Summary(count, sum.to_bits())
        }
        Kind::Info(_) => Snap::Int(1),
    }
}

/// Builds the registry of `spec`, encodes it both ways, and computes what the
/// OpenMetrics text must say from the model (independently of the encoder).
/// Where the metric's own getters disagree with the model, the disagreement
/// is recorded: that is the storage or the model, not the encoder.
pub(crate) fn build(spec: &CaseSpec) -> Built {
    let mut registry = match spec.namespace {
        Some(ns) => Registry::with_namespace(ns),
        None => Registry::new(),
    };
    for (name, value) in &spec.const_labels {
        registry = registry
            .with_const_label(*name, value.clone())
            .expect("const label");
    }
    let mut families = Vec::new();
    let mut model_mismatches = Vec::new();
    for (i, m) in spec.metrics.iter().enumerate() {
        let name = m.name(i);
        let full = match spec.namespace {
            Some(ns) => format!("{ns}_{name}"),
            None => name.clone(),
        };
        let mut descriptor = Descriptor::new(name, m.help.clone());
        if let (true, Some(unit)) = (m.declare_unit, m.unit) {
            descriptor = descriptor.unit(unit);
        }
        let mut consts: Labels = spec
            .const_labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        if let Some(value) = &m.metric_const {
            descriptor = descriptor.const_label(METRIC_CONST_LABEL, value.clone());
            consts.push((METRIC_CONST_LABEL.to_owned(), value.clone()));
        }
        let (s, shape) = (&m.series, m.shape);
        let int = |v: i128| Snap::Int(v);
        let float = |v: f64| Snap::Float(v.to_bits());
        let (family_name, typ, series) = match &m.kind {
            Kind::CounterU64 => (
                full.strip_suffix("_total").unwrap(),
                "counter",
                register_series(
                    &registry,
                    descriptor,
                    shape,
                    (Counter::<u64>::default(), ()),
                    s,
                    |c, op| {
                        if let Op::IncU(v) = op {
                            c.inc_by(v);
                        }
                    },
                    |c| int(c.get().into()),
                ),
            ),
            Kind::CounterF64 => (
                full.strip_suffix("_total").unwrap(),
                "counter",
                register_series(
                    &registry,
                    descriptor,
                    shape,
                    (Counter::<f64>::default(), ()),
                    s,
                    |c, op| {
                        if let Op::IncF(v) = op {
                            let _ = c.inc_by(v);
                        }
                    },
                    |c| float(c.get()),
                ),
            ),
            Kind::GaugeI64 => (
                full.as_str(),
                "gauge",
                register_series(
                    &registry,
                    descriptor,
                    shape,
                    (Gauge::<i64>::default(), ()),
                    s,
                    |g, op| match op {
                        Op::SetI(v) => drop(g.set(v)),
                        Op::AddI(v) => drop(g.add(v)),
                        _ => {}
                    },
                    |g| int(g.get().into()),
                ),
            ),
            Kind::GaugeF64 => (
                full.as_str(),
                "gauge",
                register_series(
                    &registry,
                    descriptor,
                    shape,
                    (Gauge::<f64>::default(), ()),
                    s,
                    |g, op| match op {
                        Op::SetF(v) => drop(g.set(v)),
                        Op::AddF(v) => drop(g.add(v)),
                        _ => {}
                    },
                    |g| float(g.get()),
                ),
            ),
            Kind::Histogram(bounds) => {
                let buckets = Buckets::new(bounds).expect("generated bounds are valid");
                (
                    full.as_str(),
                    "histogram",
                    register_series(
                        &registry,
                        descriptor,
                        shape,
                        (Histogram::new(buckets.clone()), buckets),
                        s,
                        |h, op| {
                            if let Op::Observe(v) = op {
                                h.observe(v);
                            }
                        },
                        |h| {
                            let cumulative = h.cumulative().into_iter().map(|(_, c)| c).collect();
                            Snap::Histogram(cumulative, h.sum().to_bits())
                        },
                    ),
                )
            }
            Kind::Summary => (
                full.as_str(),
                "summary",
                register_series(
                    &registry,
                    descriptor,
                    shape,
                    (Summary::default(), ()),
                    s,
                    |h, op| {
                        if let Op::Observe(v) = op {
                            h.observe(v);
                        }
                    },
                    |h| Snap::Summary(h.count(), h.sum().to_bits()),
                ),
            ),
            Kind::Info(pairs) => {
                let info =
                    Info::new(pairs.iter().map(|(k, v)| (*k, v.clone()))).expect("info labels");
                registry.register_with(descriptor, info).expect("register");
                let labels = pairs
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), v.clone()))
                    .collect();
                (
                    full.strip_suffix("_info").unwrap(),
                    "info",
                    vec![(labels, Vec::new(), Snap::Int(1))],
                )
            }
        };
        let mut fam = Fam {
            name: family_name.to_owned(),
            typ,
            unit: m.unit.unwrap_or("").to_owned(),
            help: m.help.clone(),
            samples: Vec::new(),
        };
        for (labels, ops, read) in series {
            let expected = model(&m.kind, &ops);
            if read != expected {
                model_mismatches.push(format!(
                    "{full} {labels:?} after {ops:?}: the model says {expected:?}, the metric's getters {read:?}"
                ));
            }
            let labels: Labels = consts.iter().chain(&labels).cloned().collect();
            let mut sample = |suffix: &str, labels: Labels, value: Val| {
                fam.samples.push((format!("{full}{suffix}"), labels, value))
            };
            match expected {
                Snap::Int(v) => sample("", labels, Val::Int(v)),
                Snap::Float(bits) => sample("", labels, Val::Float(f64::from_bits(bits))),
                Snap::Histogram(cumulative, sum) => {
                    let Kind::Histogram(bounds) = &m.kind else {
                        unreachable!()
                    };
                    let les = bounds.iter().chain([&f64::INFINITY]);
                    for (le, count) in les.zip(&cumulative) {
                        let mut labels = labels.clone();
                        labels.push(("le".into(), format!("{le:?}")));
                        sample("_bucket", labels, Val::Int((*count).into()));
                    }
                    // OpenMetrics: no `_sum` with negative buckets, no
                    // negative or NaN `_sum`, and `_count` only with `_sum`.
                    let sum = f64::from_bits(sum);
                    if !(bounds[0] < 0.0 || sum.is_nan() || sum < 0.0) {
                        let count = *cumulative.last().unwrap();
                        sample("_count", labels.clone(), Val::Int(count.into()));
                        sample("_sum", labels, Val::Float(sum));
                    }
                }
                Snap::Summary(count, sum) => {
                    let sum = f64::from_bits(sum);
                    if !(sum.is_nan() || sum < 0.0) {
                        sample("_count", labels.clone(), Val::Int(count.into()));
                        sample("_sum", labels, Val::Float(sum));
                    }
                }
            }
        }
        families.push(fam);
    }
    // The first scrape renders each series' line prefixes; the ones checked
    // here copy them, as every scrape after the first does (the unit tests
    // hold both ways to the same bytes).
    let _ = registry.encode(Format::Prometheus);
    Built {
        openmetrics: registry.encode(Format::OpenMetrics),
        prometheus: registry.encode(Format::Prometheus),
        families,
        model_mismatches,
    }
}
