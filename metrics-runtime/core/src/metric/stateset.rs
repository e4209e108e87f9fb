//! State sets: which one of a closed set of states something is in, as one
//! series per state labelled with the metric's own name, exactly one at 1.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;

use super::{FamilyMember, Metric, MetricType, SeriesValue, SeriesVisitor};
use crate::label::{LabelValue, Labels};

/// The storage of one state set series.
pub struct AtomicStateSet<E: LabelValue> {
    active: AtomicUsize,
    /// The states' names, in index order (`E::name_at`).
    states: Box<[&'static str]>,
    _states: PhantomData<fn(E)>,
}

impl<E: LabelValue> AtomicStateSet<E> {
    fn with_index(index: usize) -> Self {
        AtomicStateSet {
            active: AtomicUsize::new(index),
            states: (0..E::CARDINALITY)
                .map(|i| E::name_at(i).unwrap_or(""))
                .collect(),
            _states: PhantomData,
        }
    }

    /// Makes `state` the current state.
    #[inline]
    pub fn set(&self, state: E) {
        self.active.store(state.index(), Relaxed);
    }

    /// Whether `state` is the current state.
    #[inline]
    pub fn is(&self, state: E) -> bool {
        self.active.load(Relaxed) == state.index()
    }

    /// The current state's encoded name.
    pub fn state_name(&self) -> &'static str {
        self.states
            .get(self.active.load(Relaxed))
            .copied()
            .unwrap_or("")
    }
}

impl<E: LabelValue> fmt::Debug for AtomicStateSet<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AtomicStateSet")
            .field("state", &self.state_name())
            .finish()
    }
}

/// A state set over the values of a [`LabelValue`] enum: the exposition has
/// one series per state, labelled with the metric's name, the current one at
/// 1 and every other at 0 (OpenMetrics type `stateset`; a gauge in the text
/// format). It starts in the enum's first state.
///
/// ```
/// # extern crate promstrict_core as promstrict;
/// use promstrict::{Format, LabelValue, Registry, StateSet};
///
/// #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
/// enum Breaker { Closed, Open, HalfOpen }
///
/// let registry = Registry::new();
/// let breaker = registry.register("payments_breaker", "Circuit breaker of the payments client.", StateSet::<Breaker>::default())?;
/// breaker.set(Breaker::Open);
/// let text = registry.encode(Format::OpenMetrics);
/// assert!(text.contains("# TYPE payments_breaker stateset\n"));
/// assert!(text.contains("payments_breaker{payments_breaker=\"closed\"} 0\n"));
/// assert!(text.contains("payments_breaker{payments_breaker=\"open\"} 1\n"));
/// assert!(text.contains("payments_breaker{payments_breaker=\"half_open\"} 0\n"));
/// # Ok::<(), promstrict::RegistryError>(())
/// ```
pub struct StateSet<E: LabelValue> {
    inner: Arc<AtomicStateSet<E>>,
}

impl<E: LabelValue> StateSet<E> {
    /// A state set in `state`.
    pub fn new(state: E) -> Self {
        StateSet {
            inner: Arc::new(AtomicStateSet::with_index(state.index())),
        }
    }
}

impl<E: LabelValue> Default for StateSet<E> {
    /// A state set in the enum's first state.
    fn default() -> Self {
        StateSet {
            inner: Arc::new(AtomicStateSet::with_index(0)),
        }
    }
}

impl<E: LabelValue> Clone for StateSet<E> {
    fn clone(&self) -> Self {
        StateSet {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<E: LabelValue> fmt::Debug for StateSet<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.inner, f)
    }
}

impl<E: LabelValue> Deref for StateSet<E> {
    type Target = AtomicStateSet<E>;
    #[inline]
    fn deref(&self) -> &AtomicStateSet<E> {
        &self.inner
    }
}

impl<E: LabelValue> Metric for StateSet<E> {
    const TYPE: MetricType = MetricType::StateSet;
    fn visit(&self, visitor: &mut dyn SeriesVisitor) {
        Self::visit_cell(&self.inner, Labels::None, None, visitor)
    }
}

impl<E: LabelValue> FamilyMember for StateSet<E> {
    type Cell = AtomicStateSet<E>;
    type Options = ();
    fn new_cell(_: &()) -> AtomicStateSet<E> {
        AtomicStateSet::with_index(0)
    }
    fn visit_cell(
        cell: &AtomicStateSet<E>,
        labels: Labels<'_>,
        _created: Option<f64>,
        visitor: &mut dyn SeriesVisitor,
    ) {
        visitor.series(
            labels,
            SeriesValue::StateSet {
                states: &cell.states,
                active: cell.active.load(Relaxed),
            },
        )
    }
}
