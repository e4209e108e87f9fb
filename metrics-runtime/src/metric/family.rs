//! Families: one metric per label combination, stored densely.
//!
//! Every combination of a [`LabelSet`] has a slot in one boxed slice allocated
//! when the family is created, indexed by the set's mixed-radix index. Looking
//! a series up is arithmetic plus a bounds check: no hashing, no lock, no
//! allocation, and the returned reference can be held across `.await`.

use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;

use super::{FamilyMember, Metric, MetricType, SeriesVisitor};
use crate::label::{LabelSet, Labels};

struct Slot<C> {
    /// Set once the series is first asked for; only such series are exposed,
    /// so a family of 1 000 possible combinations does not print 1 000 zeros.
    touched: AtomicBool,
    cell: C,
}

/// One `M` per combination of the labels `L`.
///
/// ```
/// use metrics_runtime::{Counter, Family, LabelDescriptor, LabelSet, LabelValue};
///
/// # #[derive(Clone, Copy)] struct Cached { hit: bool }
/// # impl LabelSet for Cached {
/// #     const LABELS: &'static [LabelDescriptor] = &[LabelDescriptor::of::<bool>("hit")];
/// #     fn index(&self) -> usize { self.hit.index() }
/// # }
/// // Normally `#[derive(LabelSet)]` on `struct Cached { hit: bool }`.
/// let lookups: Family<Cached, Counter> = Family::default();
/// lookups.labels(Cached { hit: true }).inc();
/// lookups.labels(Cached { hit: true }).inc();
/// assert_eq!(lookups.labels(Cached { hit: true }).get(), 2);
/// assert_eq!(lookups.labels(Cached { hit: false }).get(), 0);
/// ```
pub struct Family<L: LabelSet, M: FamilyMember> {
    slots: Arc<[Slot<M::Cell>]>,
    _labels: PhantomData<fn(L) -> M>,
}

impl<L: LabelSet, M: FamilyMember> Family<L, M> {
    /// A family whose every member is built from `options` (the bucket bounds of
    /// a histogram family).
    pub fn with_options(options: M::Options) -> Self {
        Family {
            slots: (0..L::CARDINALITY)
                .map(|_| Slot {
                    touched: AtomicBool::new(false),
                    cell: M::new_cell(&options),
                })
                .collect(),
            _labels: PhantomData,
        }
    }

    /// The series for `labels`. Asking for a series makes it appear in the
    /// exposition (with its zero value until it is first updated).
    #[inline]
    pub fn labels(&self, labels: L) -> &M::Cell {
        let slot = &self.slots[labels.index()];
        // A load first: the flag is written once, then only read, so the
        // cache line stays shared between cores.
        if !slot.touched.load(Relaxed) {
            slot.touched.store(true, Relaxed);
        }
        &slot.cell
    }

    /// The series for `labels` if it has been asked for before, without
    /// making it appear.
    pub fn get(&self, labels: L) -> Option<&M::Cell> {
        let slot = &self.slots[labels.index()];
        slot.touched.load(Relaxed).then_some(&slot.cell)
    }

    /// How many series have been asked for (and so are exposed).
    pub fn len(&self) -> usize {
        self.slots
            .iter()
            .filter(|s| s.touched.load(Relaxed))
            .count()
    }

    /// Whether no series has been asked for yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<L: LabelSet, M: FamilyMember> Default for Family<L, M>
where
    M::Options: Default,
{
    fn default() -> Self {
        Family::with_options(M::Options::default())
    }
}

impl<L: LabelSet, M: FamilyMember> Clone for Family<L, M> {
    fn clone(&self) -> Self {
        Family {
            slots: Arc::clone(&self.slots),
            _labels: PhantomData,
        }
    }
}

impl<L: LabelSet, M: FamilyMember> fmt::Debug for Family<L, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Family")
            .field("cardinality", &L::CARDINALITY)
            .field("series", &self.len())
            .finish()
    }
}

impl<L: LabelSet, M: FamilyMember> Metric for Family<L, M> {
    const TYPE: MetricType = M::TYPE;

    fn label_descriptors() -> &'static [crate::LabelDescriptor] {
        L::LABELS
    }

    fn visit(&self, visitor: &mut dyn SeriesVisitor) {
        for (index, slot) in self.slots.iter().enumerate() {
            if !slot.touched.load(Relaxed) {
                continue;
            }
            // A slot is only touched through a value of `L`, and every label
            // value's text exists before its index is handed out.
            let labels = Labels::Dense {
                labels: L::LABELS,
                index,
            };
            M::visit_cell(&slot.cell, labels, visitor);
        }
    }
}
