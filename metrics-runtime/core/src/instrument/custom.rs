//! Your own metrics: `metric = …`, `calls = …`, `in_flight = …`, `first_item = …`.

use std::sync::LazyLock;

use super::guard::Recorder;
use super::Outcome;
use crate::label::LabelSet;
use crate::metric::counter::Counter;
use crate::metric::exemplar::{current_exemplar, ExemplarLabels};
use crate::metric::family::Family;
use crate::metric::gauge::Gauge;
use crate::metric::histogram::{AtomicHistogram, Histogram};
use crate::metric::native_histogram::{AtomicNativeHistogram, NativeHistogram};

// Your own metrics: `metric = …`, `calls = …`, `in_flight = …`, `first_item = …`
// ---------------------------------------------------------------------------

/// One histogram series that `#[instrument_latency]` records a duration
/// into: classic ([`AtomicHistogram`]) or native ([`AtomicNativeHistogram`]).
#[derive(Clone, Copy, Debug)]
pub enum LatencyCell<'a> {
    /// A histogram with fixed buckets.
    Classic(&'a AtomicHistogram),
    /// A native histogram.
    Native(&'a AtomicNativeHistogram),
}

impl LatencyCell<'_> {
    /// Records one duration, in seconds.
    #[inline]
    pub fn observe(self, seconds: f64) {
        match self {
            LatencyCell::Classic(h) => h.observe(seconds),
            LatencyCell::Native(h) => h.observe(seconds),
        }
    }

    /// Records one duration and keeps `exemplar` with it.
    #[inline]
    pub fn observe_with_exemplar(self, seconds: f64, exemplar: &ExemplarLabels) {
        match self {
            LatencyCell::Classic(h) => h.observe_with_exemplar(seconds, exemplar),
            LatencyCell::Native(h) => h.observe_with_exemplar(seconds, exemplar),
        }
    }
}

/// A histogram `#[instrument_latency(metric = …)]` (or `first_item = …`) can
/// record into, for calls labelled `L` (the type of `labels = …`; `()`
/// without it): a [`Histogram`] or a [`NativeHistogram`] without labels, or a
/// `Family<L, Histogram>` or `Family<L, NativeHistogram>`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a histogram that `#[instrument_latency]` can record calls labelled `{L}` into",
    label = "expected a `Histogram` or `NativeHistogram`, or a `Family<{L}, Histogram>` or `Family<{L}, NativeHistogram>`",
    note = "`metric = …` and `first_item = …` take a `Histogram` or `NativeHistogram` (with no `labels = …`), or a `Family<L, Histogram>` or `Family<L, NativeHistogram>` together with `labels = <a value of L>` (behind a lazy global other than `LazyLock`, write `metric = *GLOBAL`)"
)]
pub trait LatencyMetric<L> {
    /// The histogram for a call labelled `labels`.
    fn cell(&self, labels: L) -> LatencyCell<'_>;
}

impl LatencyMetric<()> for Histogram {
    #[inline]
    fn cell(&self, _: ()) -> LatencyCell<'_> {
        LatencyCell::Classic(self)
    }
}

impl LatencyMetric<()> for AtomicHistogram {
    #[inline]
    fn cell(&self, _: ()) -> LatencyCell<'_> {
        LatencyCell::Classic(self)
    }
}

impl<L: LabelSet> LatencyMetric<L> for Family<L, Histogram> {
    #[inline]
    fn cell(&self, labels: L) -> LatencyCell<'_> {
        LatencyCell::Classic(self.labels(labels))
    }
}

impl LatencyMetric<()> for NativeHistogram {
    #[inline]
    fn cell(&self, _: ()) -> LatencyCell<'_> {
        LatencyCell::Native(self)
    }
}

impl LatencyMetric<()> for AtomicNativeHistogram {
    #[inline]
    fn cell(&self, _: ()) -> LatencyCell<'_> {
        LatencyCell::Native(self)
    }
}

impl<L: LabelSet> LatencyMetric<L> for Family<L, NativeHistogram> {
    #[inline]
    fn cell(&self, labels: L) -> LatencyCell<'_> {
        LatencyCell::Native(self.labels(labels))
    }
}

impl<L, M: LatencyMetric<L> + ?Sized> LatencyMetric<L> for &M {
    #[inline]
    fn cell(&self, labels: L) -> LatencyCell<'_> {
        (**self).cell(labels)
    }
}

impl<L, M: LatencyMetric<L>, F: FnOnce() -> M> LatencyMetric<L> for LazyLock<M, F> {
    #[inline]
    fn cell(&self, labels: L) -> LatencyCell<'_> {
        LazyLock::force(self).cell(labels)
    }
}

/// A counter `#[instrument_latency(calls = …)]` counts calls labelled `L`
/// into: a [`Counter`] (every call), or a `Family<L2, Counter>` whose labels are
/// built from the call's labels and its [`Outcome`] by `From<(L, Outcome)>` —
/// [`OutcomeLabels`](super::OutcomeLabels) is one, for any `L`.
///
/// ```
/// # extern crate promstrict_core as promstrict;
/// use promstrict::{LabelSet, LabelValue, Outcome};
///
/// # #[derive(Clone, Copy)] struct LlmLabels { model: bool }
/// #[derive(Clone, Copy, LabelSet)]
/// struct LlmCallLabels { model: bool, outcome: Outcome }
///
/// impl From<(LlmLabels, Outcome)> for LlmCallLabels {
///     fn from((labels, outcome): (LlmLabels, Outcome)) -> Self {
///         LlmCallLabels { model: labels.model, outcome }
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot count calls labelled `{L}`",
    label = "expected a `Counter`, or a `Family<_, Counter>` whose labels implement `From<({L}, Outcome)>`",
    note = "`calls = …` takes a `Counter`, or a `Family<L2, Counter>` where `L2: From<(L, Outcome)>` (`OutcomeLabels` is one, for any `L`)"
)]
pub trait CallsMetric<L>: Sync {
    /// Counts one call labelled `labels` that ended `outcome`.
    fn record_call(&self, labels: L, outcome: Outcome);

    /// Counts one call and keeps `exemplar` as the counter's exemplar.
    /// The default ignores the exemplar.
    fn record_call_with_exemplar(&self, labels: L, outcome: Outcome, exemplar: &ExemplarLabels) {
        let _ = exemplar;
        self.record_call(labels, outcome)
    }
}

impl<L> CallsMetric<L> for Counter {
    #[inline]
    fn record_call(&self, _: L, _: Outcome) {
        self.inc();
    }
    #[inline]
    fn record_call_with_exemplar(&self, _: L, _: Outcome, exemplar: &ExemplarLabels) {
        self.inc_with_exemplar(exemplar);
    }
}

impl<L, L2: LabelSet + From<(L, Outcome)>> CallsMetric<L> for Family<L2, Counter> {
    #[inline]
    fn record_call(&self, labels: L, outcome: Outcome) {
        self.labels(L2::from((labels, outcome))).inc();
    }
    #[inline]
    fn record_call_with_exemplar(&self, labels: L, outcome: Outcome, exemplar: &ExemplarLabels) {
        self.labels(L2::from((labels, outcome)))
            .inc_with_exemplar(exemplar);
    }
}

impl<L, M: CallsMetric<L> + ?Sized> CallsMetric<L> for &M {
    #[inline]
    fn record_call(&self, labels: L, outcome: Outcome) {
        (**self).record_call(labels, outcome)
    }
    #[inline]
    fn record_call_with_exemplar(&self, labels: L, outcome: Outcome, exemplar: &ExemplarLabels) {
        (**self).record_call_with_exemplar(labels, outcome, exemplar)
    }
}

impl<L, M: CallsMetric<L> + Send, F: FnOnce() -> M + Send> CallsMetric<L> for LazyLock<M, F> {
    #[inline]
    fn record_call(&self, labels: L, outcome: Outcome) {
        LazyLock::force(self).record_call(labels, outcome)
    }
    #[inline]
    fn record_call_with_exemplar(&self, labels: L, outcome: Outcome, exemplar: &ExemplarLabels) {
        LazyLock::force(self).record_call_with_exemplar(labels, outcome, exemplar)
    }
}

/// A gauge `#[instrument_latency(in_flight = …)]` tracks calls labelled `L`
/// in: a [`Gauge`], or a `Family<L, Gauge>`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot track calls labelled `{L}` in flight",
    label = "expected a `Gauge`, or a `Family<{L}, Gauge>`",
    note = "`in_flight = …` takes a `Gauge` or a `Family<L, Gauge>` labelled like `labels = …`"
)]
pub trait InFlightMetric<L>: Sync {
    /// A call labelled `labels` starts.
    fn start(&self, labels: L);
    /// A call labelled `labels` ends.
    fn end(&self, labels: L);
}

impl<L> InFlightMetric<L> for Gauge {
    #[inline]
    fn start(&self, _: L) {
        self.inc();
    }
    #[inline]
    fn end(&self, _: L) {
        self.dec();
    }
}

impl<L: LabelSet> InFlightMetric<L> for Family<L, Gauge> {
    #[inline]
    fn start(&self, labels: L) {
        self.labels(labels).inc();
    }
    #[inline]
    fn end(&self, labels: L) {
        self.labels(labels).dec();
    }
}

impl<L, M: InFlightMetric<L> + ?Sized> InFlightMetric<L> for &M {
    #[inline]
    fn start(&self, labels: L) {
        (**self).start(labels)
    }
    #[inline]
    fn end(&self, labels: L) {
        (**self).end(labels)
    }
}

impl<L, M: InFlightMetric<L> + Send, F: FnOnce() -> M + Send> InFlightMetric<L> for LazyLock<M, F> {
    #[inline]
    fn start(&self, labels: L) {
        LazyLock::force(self).start(labels)
    }
    #[inline]
    fn end(&self, labels: L) {
        LazyLock::force(self).end(labels)
    }
}

/// The histogram of `metric` for `labels`; the bound is where a wrong
/// `metric = …` is reported (the labels come first so that the error names
/// their type). Not a public API.
#[doc(hidden)]
#[inline(always)]
pub fn latency_cell<L, M: LatencyMetric<L> + ?Sized>(labels: L, metric: &M) -> LatencyCell<'_> {
    metric.cell(labels)
}

/// `calls = …`, checked. Not a public API.
#[doc(hidden)]
#[inline(always)]
pub fn calls_metric<'m, L, M: CallsMetric<L> + 'm>(
    _labels: &L,
    metric: &'m M,
) -> &'m (dyn CallsMetric<L> + 'm) {
    metric
}

/// `in_flight = …`, checked. Not a public API.
#[doc(hidden)]
#[inline(always)]
pub fn in_flight_metric<'m, L, M: InFlightMetric<L> + 'm>(
    _labels: &L,
    metric: &'m M,
) -> &'m (dyn InFlightMetric<L> + 'm) {
    metric
}

/// Records into the user's metrics. Not a public API.
#[doc(hidden)]
pub struct Custom<'m, L: Copy> {
    histogram: LatencyCell<'m>,
    labels: L,
    calls: Option<&'m (dyn CallsMetric<L> + 'm)>,
    in_flight: Option<&'m (dyn InFlightMetric<L> + 'm)>,
    first_item: Option<LatencyCell<'m>>,
}

impl<'m, L: Copy> Custom<'m, L> {
    /// Records durations into `histogram`.
    #[inline]
    pub fn new(histogram: LatencyCell<'m>, labels: L) -> Self {
        Custom {
            histogram,
            labels,
            calls: None,
            in_flight: None,
            first_item: None,
        }
    }

    /// Also counts calls.
    #[inline]
    pub fn calls(mut self, calls: &'m (dyn CallsMetric<L> + 'm)) -> Self {
        self.calls = Some(calls);
        self
    }

    /// Also tracks calls in flight.
    #[inline]
    pub fn in_flight(mut self, in_flight: &'m (dyn InFlightMetric<L> + 'm)) -> Self {
        self.in_flight = Some(in_flight);
        self
    }

    /// Also times the first item.
    #[inline]
    pub fn first_item(mut self, first_item: LatencyCell<'m>) -> Self {
        self.first_item = Some(first_item);
        self
    }

    /// The call's labels.
    #[inline]
    pub(super) fn labels(&self) -> L {
        self.labels
    }
}

impl<L: Copy> Recorder for Custom<'_, L> {
    #[inline]
    fn enter(&self) {
        if let Some(g) = self.in_flight {
            g.start(self.labels);
        }
    }

    #[inline]
    fn exit(&self, outcome: Outcome, seconds: f64) {
        match current_exemplar() {
            None => {
                self.histogram.observe(seconds);
                if let Some(c) = self.calls {
                    c.record_call(self.labels, outcome);
                }
            }
            Some(exemplar) => {
                self.histogram.observe_with_exemplar(seconds, &exemplar);
                if let Some(c) = self.calls {
                    c.record_call_with_exemplar(self.labels, outcome, &exemplar);
                }
            }
        }
        if let Some(g) = self.in_flight {
            g.end(self.labels);
        }
    }

    #[inline]
    fn first_item(&self, seconds: f64) {
        if let Some(h) = self.first_item {
            match current_exemplar() {
                None => h.observe(seconds),
                Some(exemplar) => h.observe_with_exemplar(seconds, &exemplar),
            }
        }
    }
}

// ---------------------------------------------------------------------------
