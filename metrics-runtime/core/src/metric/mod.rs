//! The metric types. Each public type (`Counter`, `Gauge`, …) is a cheap,
//! cloneable handle to shared atomic storage; the storage type (`AtomicCounter`,
//! …) carries the methods, reached through `Deref`, and is what a
//! [`Family`](crate::Family) stores inline for each label combination.

pub(crate) mod counter;
pub(crate) mod exemplar;
pub(crate) mod family;
pub(crate) mod func;
pub(crate) mod gauge;
pub(crate) mod gauge_histogram;
pub(crate) mod histogram;
pub(crate) mod info;
pub(crate) mod native_histogram;
pub(crate) mod stateset;
pub(crate) mod summary;

use crate::label::Labels;
pub use exemplar::Exemplar;

pub use promstrict_rules::MetricType;

/// The value of one series at the moment it was read.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SeriesValue<'a> {
    /// An integer counter.
    CounterU64(u64),
    /// A float counter.
    CounterF64(f64),
    /// An integer gauge.
    GaugeI64(i64),
    /// A float gauge.
    GaugeF64(f64),
    /// A histogram: `counts[i]` observations fell in `(bounds[i-1], bounds[i]]`,
    /// and `counts[bounds.len()]` above the last bound (the `+Inf` bucket).
    /// The count is the sum of `counts`, so `_count` always equals the `+Inf`
    /// bucket.
    Histogram {
        /// Upper bounds, strictly increasing, without `+Inf`.
        bounds: &'a [f64],
        /// Non-cumulative bucket counts, `bounds.len() + 1` of them.
        counts: &'a [u64],
        /// The sum of all observations.
        sum: f64,
    },
    /// A summary without quantiles.
    Summary {
        /// Number of observations.
        count: u64,
        /// Sum of observations.
        sum: f64,
    },
    /// An info metric (its value is always 1; the content is the labels).
    Info,
    /// A state set: one series per state, labelled with the metric's own
    /// name, the `active` one at 1 and the others at 0.
    StateSet {
        /// The states' names, in index order.
        states: &'a [&'static str],
        /// The index of the current state.
        active: usize,
    },
    /// A gauge histogram: like [`SeriesValue::Histogram`], but the buckets
    /// hold current values and may go down; `_gcount` and `_gsum` in
    /// OpenMetrics.
    GaugeHistogram {
        /// Upper bounds, strictly increasing, without `+Inf`.
        bounds: &'a [f64],
        /// Non-cumulative bucket counts, `bounds.len() + 1` of them.
        counts: &'a [u64],
        /// The sum of the current values.
        sum: f64,
    },
}

/// What a series carries besides its value, written in OpenMetrics only.
#[derive(Clone, Copy, Debug, Default)]
pub struct SeriesExtras<'a> {
    /// When the series was created (seconds since the Unix epoch): the
    /// `_created` sample of counters, histograms and summaries, written when
    /// the registry [asks for it](crate::Registry::set_created_samples).
    pub created: Option<f64>,
    /// The latest exemplar of a counter (one entry) or of each histogram
    /// bucket (one per bucket, `+Inf` last); empty when none was recorded.
    pub exemplars: &'a [Option<Exemplar>],
    /// The sparse buckets of a native histogram, beside its classic view in
    /// the [`SeriesValue::Histogram`] value; written only by the protobuf
    /// encoder (text formats have no syntax for them).
    pub native: Option<&'a native_histogram::NativeSnapshot>,
}

impl SeriesValue<'_> {
    /// The value as a float where it is a single number (counters, gauges);
    /// the count for histograms and summaries; 1 for info; the active
    /// state's index for a state set.
    pub fn as_f64(&self) -> f64 {
        match *self {
            SeriesValue::CounterU64(v) => v as f64,
            SeriesValue::CounterF64(v) => v,
            SeriesValue::GaugeI64(v) => v as f64,
            SeriesValue::GaugeF64(v) => v,
            SeriesValue::Histogram { counts, .. } => counts.iter().sum::<u64>() as f64,
            SeriesValue::Summary { count, .. } => count as f64,
            SeriesValue::Info => 1.0,
            SeriesValue::StateSet { active, .. } => active as f64,
            SeriesValue::GaugeHistogram { counts, .. } => counts.iter().sum::<u64>() as f64,
        }
    }
}

impl SeriesValue<'_> {
    /// Calls `f(suffix, extra_label, value)` for each sample this series
    /// is written as in `format`: a histogram's cumulative `_bucket`s (with
    /// `le`, `+Inf` last), `_count` and `_sum`; a summary's `_count` and
    /// `_sum`; a gauge histogram's buckets with `_gcount`/`_gsum` in
    /// OpenMetrics and `_count`/`_sum` in the text format; a state set's
    /// states, labelled with `family` (the metric's name); anything else one
    /// sample with no suffix. The sample name is the metric's name followed
    /// by `suffix`.
    pub fn for_each_sample(
        &self,
        family: &str,
        format: crate::Format,
        mut f: impl FnMut(&str, Option<(&str, &str)>, f64),
    ) {
        match *self {
            SeriesValue::Histogram {
                bounds,
                counts,
                sum,
            } => {
                let count = cumulative_buckets(bounds, counts, &mut f);
                f("_count", None, count);
                f("_sum", None, sum);
            }
            SeriesValue::GaugeHistogram {
                bounds,
                counts,
                sum,
            } => {
                let count = cumulative_buckets(bounds, counts, &mut f);
                let (count_suffix, sum_suffix) = match format {
                    crate::Format::OpenMetrics => ("_gcount", "_gsum"),
                    crate::Format::Prometheus => ("_count", "_sum"),
                };
                f(count_suffix, None, count);
                f(sum_suffix, None, sum);
            }
            SeriesValue::StateSet { states, active } => {
                for (i, state) in states.iter().enumerate() {
                    f(
                        "",
                        Some((family, state)),
                        if i == active { 1.0 } else { 0.0 },
                    );
                }
            }
            SeriesValue::Summary { count, sum } => {
                f("_count", None, count as f64);
                f("_sum", None, sum);
            }
            other => f("", None, other.as_f64()),
        }
    }
}

/// Calls `f` with each cumulative `_bucket` sample (`le`, `+Inf` last) and
/// returns the count.
fn cumulative_buckets(
    bounds: &[f64],
    counts: &[u64],
    f: &mut impl FnMut(&str, Option<(&str, &str)>, f64),
) -> f64 {
    let mut cumulative = 0u64;
    let mut le = ryu::Buffer::new();
    for (i, count) in counts.iter().enumerate() {
        cumulative = cumulative.saturating_add(*count);
        let bound = match bounds.get(i) {
            Some(b) => le.format(*b),
            None => "+Inf",
        };
        f("_bucket", Some(("le", bound)), cumulative as f64);
    }
    cumulative as f64
}

/// Receives every series of a metric, one call each.
pub trait SeriesVisitor {
    /// One series: its labels and its value.
    fn series(&mut self, labels: Labels<'_>, value: SeriesValue<'_>);

    /// One series with its creation time and exemplars. Visitors that
    /// don't write them (everything but the OpenMetrics encoder) keep the
    /// default, which forwards to [`series`](SeriesVisitor::series).
    fn series_with_extras(
        &mut self,
        labels: Labels<'_>,
        value: SeriesValue<'_>,
        extras: SeriesExtras<'_>,
    ) {
        let _ = extras;
        self.series(labels, value)
    }

    /// A writer for a dense family's one-line series over `labels`, if this
    /// visitor is a text encoder that has their sample-line prefixes: the
    /// family then writes each plain series with
    /// [`PlainLines::write`](crate::PlainLines::write) and visits the others.
    #[doc(hidden)]
    fn plain_lines(
        &mut self,
        labels: &'static [crate::LabelDescriptor],
    ) -> Option<crate::PlainLines<'_>> {
        let _ = labels;
        None
    }

    /// The metric could not be read this time (a scrape-time closure
    /// panicked or returned a value its type cannot hold): an encoder leaves
    /// the whole family out of this exposition and counts the failure.
    fn failed(&mut self) {}
}

impl<F: FnMut(Labels<'_>, SeriesValue<'_>)> SeriesVisitor for F {
    fn series(&mut self, labels: Labels<'_>, value: SeriesValue<'_>) {
        self(labels, value)
    }
}

/// A metric that a [`Registry`](crate::Registry) can hold and encode.
///
/// Implemented by the handle types ([`Counter`](crate::Counter),
/// [`Gauge`](crate::Gauge), [`Histogram`](crate::Histogram),
/// [`Summary`](crate::Summary), [`Info`](crate::Info),
/// [`Family`](crate::Family)); cloning a handle shares the storage.
pub trait Metric: Clone + Send + Sync + 'static {
    /// The metric's type.
    const TYPE: MetricType;

    /// Reads every series of the metric into `visitor`.
    fn visit(&self, visitor: &mut dyn SeriesVisitor);

    /// The labels every series carries (a family's label set; none otherwise).
    fn label_descriptors() -> &'static [crate::LabelDescriptor] {
        &[]
    }

    /// The labels of this metric's series: [`label_descriptors`](Self::label_descriptors),
    /// unless the metric names its labels at run time (a wrapper renaming a
    /// family's labels returns its own descriptors here, and they are checked
    /// against the rule book when it is registered).
    #[doc(hidden)]
    fn series_labels(&self) -> &'static [crate::LabelDescriptor] {
        Self::label_descriptors()
    }

    /// Called when the metric is registered with these constant labels: a
    /// metric whose label names are only known at run time (`Info`) refuses
    /// a clash now and remembers the names to refuse later ones.
    #[doc(hidden)]
    fn reserve_label_names(&self, _names: &[&str]) -> Result<(), crate::NameError> {
        Ok(())
    }

    /// A histogram's bucket bounds (without `+Inf`), which latency
    /// objectives are checked against; `None` for the other types.
    #[doc(hidden)]
    fn histogram_bounds(&self) -> Option<Vec<f64>> {
        None
    }

    /// Objectives the metric declares itself, read when a catalog is made
    /// (the `#[instrument_latency]` families: one per instrumented function
    /// with an objective).
    #[doc(hidden)]
    fn objectives(&self) -> Vec<crate::Objective> {
        Vec::new()
    }
}

/// A metric type that can be a [`Family`](crate::Family) member: its storage
/// (`Cell`) lives inline in the family's dense array.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a member of a `Family`",
    label = "a `Family<L, M>` holds counters, gauges, histograms (classic, native or gauge histograms), summaries or state sets",
    note = "an `Info` is one series whose labels are set with `Info::set`: use a plain `Info` field; a family of families is one family whose `LabelSet` has every label: `Family<Labels, Counter>`"
)]
pub trait FamilyMember: Metric {
    /// The per-series storage.
    type Cell: Send + Sync + 'static;
    /// What every cell of a family is built from (bucket bounds for histograms).
    type Options: Clone + Send + Sync + 'static;

    /// A fresh, zeroed cell.
    fn new_cell(options: &Self::Options) -> Self::Cell;

    /// Reads one cell into `visitor`; `created` is when the series was
    /// created (Unix seconds), for the types that expose it.
    fn visit_cell(
        cell: &Self::Cell,
        labels: Labels<'_>,
        created: Option<f64>,
        visitor: &mut dyn SeriesVisitor,
    );

    /// The bucket bounds of a cell (histograms).
    #[doc(hidden)]
    fn cell_bounds(_cell: &Self::Cell) -> Option<Vec<f64>> {
        None
    }

    /// Writes a cell's series with `lines` (the text encoder's writer for a
    /// family's pre-rendered series, in the family's own loop) when it is
    /// only sample lines (no exemplar, no `_created`); `false`, having
    /// written nothing, sends the cell through
    /// [`visit_cell`](FamilyMember::visit_cell).
    #[doc(hidden)]
    #[inline]
    fn write_plain(_cell: &Self::Cell, _index: usize, _lines: &mut crate::PlainLines<'_>) -> bool {
        false
    }
}

/// Object-safe view of a [`Metric`], for storing different metrics side by side.
pub(crate) trait DynMetric: Send + Sync {
    fn metric_type(&self) -> MetricType;
    fn visit(&self, visitor: &mut dyn SeriesVisitor);
    fn reserve_label_names(&self, names: &[&str]) -> Result<(), crate::NameError>;
    fn histogram_bounds(&self) -> Option<Vec<f64>>;
    fn objectives(&self) -> Vec<crate::Objective>;
}

impl<M: Metric> DynMetric for M {
    fn metric_type(&self) -> MetricType {
        M::TYPE
    }
    fn visit(&self, visitor: &mut dyn SeriesVisitor) {
        Metric::visit(self, visitor)
    }
    fn reserve_label_names(&self, names: &[&str]) -> Result<(), crate::NameError> {
        Metric::reserve_label_names(self, names)
    }
    fn histogram_bounds(&self) -> Option<Vec<f64>> {
        Metric::histogram_bounds(self)
    }
    fn objectives(&self) -> Vec<crate::Objective> {
        Metric::objectives(self)
    }
}

/// An `f64` stored in an `AtomicU64` by its bits; additions are
/// compare-and-swap loops. The storage of float counters and gauges.
#[derive(Debug, Default)]
pub struct AtomicF64(std::sync::atomic::AtomicU64);

impl AtomicF64 {
    /// Holds `v`.
    pub const fn new(v: f64) -> Self {
        AtomicF64(std::sync::atomic::AtomicU64::new(v.to_bits()))
    }

    /// The value.
    #[inline]
    pub fn get(&self) -> f64 {
        f64::from_bits(self.0.load(std::sync::atomic::Ordering::Relaxed))
    }

    /// Replaces the value.
    #[inline]
    pub fn set(&self, v: f64) {
        self.0
            .store(v.to_bits(), std::sync::atomic::Ordering::Relaxed)
    }

    /// Adds `delta` with a single compare-and-swap; `false` (and nothing
    /// added) if another thread changed the value in between.
    #[inline]
    pub fn try_add(&self, delta: f64) -> bool {
        use std::sync::atomic::Ordering::Relaxed;
        let current = self.0.load(Relaxed);
        let new = (f64::from_bits(current) + delta).to_bits();
        self.0
            .compare_exchange(current, new, Relaxed, Relaxed)
            .is_ok()
    }

    /// Replaces the value by `f(value)` unless `f` returns `None`; returns
    /// the previous value, or `None` if `f` refused.
    #[inline]
    pub fn try_update(&self, f: impl Fn(f64) -> Option<f64>) -> Option<f64> {
        use std::sync::atomic::Ordering::Relaxed;
        let mut current = self.0.load(Relaxed);
        loop {
            let new = f(f64::from_bits(current))?;
            match self
                .0
                .compare_exchange_weak(current, new.to_bits(), Relaxed, Relaxed)
            {
                Ok(previous) => return Some(f64::from_bits(previous)),
                Err(actual) => current = actual,
            }
        }
    }

    /// Replaces the value and returns the previous one.
    #[inline]
    pub fn swap(&self, v: f64) -> f64 {
        f64::from_bits(
            self.0
                .swap(v.to_bits(), std::sync::atomic::Ordering::Relaxed),
        )
    }

    /// Adds `delta` and returns the previous value (like `fetch_add`).
    #[inline]
    pub fn add(&self, delta: f64) -> f64 {
        use std::sync::atomic::Ordering::Relaxed;
        let mut current = self.0.load(Relaxed);
        loop {
            let new = f64::from_bits(current) + delta;
            match self
                .0
                .compare_exchange_weak(current, new.to_bits(), Relaxed, Relaxed)
            {
                Ok(previous) => return f64::from_bits(previous),
                Err(actual) => current = actual,
            }
        }
    }
}
