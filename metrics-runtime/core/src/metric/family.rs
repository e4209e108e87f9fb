//! Families: one metric per label combination, stored densely.
//!
//! Every combination of a [`LabelSet`] has a slot in one boxed slice allocated
//! when the family is created, indexed by the set's mixed-radix index. Looking
//! a series up is arithmetic plus a bounds check: no hashing, no lock, no
//! allocation, and the returned reference can be held across `.await`.

use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

use super::exemplar::unix_nanos;
use super::{FamilyMember, Metric, MetricType, SeriesVisitor};
use crate::label::{LabelSet, Labels};

struct Slot<C> {
    /// When the series was first asked for (Unix nanoseconds), 0 before:
    /// only asked-for series are exposed, so a family of 1 000 possible
    /// combinations does not print 1 000 zeros, and this is their `_created`.
    created: AtomicU64,
    cell: C,
}

impl<C> Slot<C> {
    #[inline]
    fn touched(&self) -> bool {
        self.created.load(Relaxed) != 0
    }

    /// Marks the series as created now, unless it already was.
    #[cold]
    #[inline(never)]
    fn touch(&self) {
        let _ = self
            .created
            .compare_exchange(0, unix_nanos(), Relaxed, Relaxed);
    }
}

/// One `M` per combination of the labels `L`.
///
/// ```
/// # extern crate promstrict_core as promstrict;
/// use promstrict::{Counter, Family, LabelDescriptor, LabelSet, LabelValue};
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
/// assert_eq!(lookups.len(), 2);
/// ```
pub struct Family<L: LabelSet, M: FamilyMember> {
    slots: Slots<M::Cell>,
    _labels: PhantomData<fn(L) -> M>,
}

/// A slot on cache lines of its own.
#[repr(align(128))]
struct Padded<T>(T);

/// The slots of a family: each on its own cache line(s) in a tiny family,
/// so that threads updating different series of one family don't contend
/// for a line (as they wouldn't with two separate metrics); packed in a
/// larger one, where the padding would cost scrapes more than it saves.
enum Slots<C> {
    Packed(Arc<[Slot<C>]>),
    Padded(Arc<[Padded<Slot<C>>]>),
}

/// Families of at most this many series whose slots are smaller than a
/// padded one get padded slots (at most 2 KiB). Not more: a scrape reads
/// every slot, and spread over eight times the memory, 100-series families
/// no longer stay in cache (10 000 counter series encoded 40 % slower).
const MAX_PADDED_SERIES: usize = 16;

impl<C> Slots<C> {
    fn new(len: usize, mut cell: impl FnMut() -> C) -> Self {
        let mut slot = || Slot {
            created: AtomicU64::new(0),
            cell: cell(),
        };
        if len <= MAX_PADDED_SERIES
            && std::mem::size_of::<Slot<C>>() < std::mem::size_of::<Padded<Slot<C>>>()
        {
            Slots::Padded((0..len).map(|_| Padded(slot())).collect())
        } else {
            Slots::Packed((0..len).map(|_| slot()).collect())
        }
    }

    #[inline]
    fn get(&self, index: usize) -> &Slot<C> {
        match self {
            Slots::Packed(slots) => &slots[index],
            Slots::Padded(slots) => &slots[index].0,
        }
    }

    fn len(&self) -> usize {
        match self {
            Slots::Packed(slots) => slots.len(),
            Slots::Padded(slots) => slots.len(),
        }
    }

    fn iter(&self) -> impl Iterator<Item = &Slot<C>> {
        (0..self.len()).map(|i| self.get(i))
    }
}

impl<C> Clone for Slots<C> {
    fn clone(&self) -> Self {
        match self {
            Slots::Packed(slots) => Slots::Packed(Arc::clone(slots)),
            Slots::Padded(slots) => Slots::Padded(Arc::clone(slots)),
        }
    }
}

impl<L: LabelSet, M: FamilyMember> Family<L, M> {
    /// A family whose every member is built from `options` (the bucket bounds of
    /// a histogram family).
    pub fn with_options(options: M::Options) -> Self {
        Family {
            slots: Slots::new(L::CARDINALITY, || M::new_cell(&options)),
            _labels: PhantomData,
        }
    }

    /// The series for `labels`. Asking for a series makes it appear in the
    /// exposition (with its zero value until it is first updated).
    #[inline]
    pub fn labels(&self, labels: L) -> &M::Cell {
        let slot = self.slots.get(labels.index());
        // A load first: the flag is written once, then only read, so the
        // cache line stays shared between cores.
        if !slot.touched() {
            slot.touch();
        }
        &slot.cell
    }

    /// The series for `labels` if it has been asked for before, without
    /// making it appear.
    pub fn get(&self, labels: L) -> Option<&M::Cell> {
        let slot = self.slots.get(labels.index());
        slot.touched().then_some(&slot.cell)
    }

    /// Makes every label combination appear (at zero) now, as Prometheus'
    /// instrumentation guide recommends for closed sets, so that `rate()` and
    /// alerts see a series before its first event. Combinations involving a
    /// bounded label's not-yet-seen values are left out: they have no text.
    pub fn init_all(&self) {
        for (index, slot) in self.slots.iter().enumerate() {
            let mut complete = true;
            let mut rest = index;
            for label in L::LABELS.iter().rev() {
                complete &= (label.name_at)(rest % label.cardinality).is_some();
                rest /= label.cardinality;
            }
            if complete {
                slot.touch();
            }
        }
    }

    /// How many series have been asked for (and so are exposed).
    pub fn len(&self) -> usize {
        self.slots.iter().filter(|s| s.touched()).count()
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
            slots: self.slots.clone(),
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

    fn histogram_bounds(&self) -> Option<Vec<f64>> {
        (self.slots.len() > 0)
            .then(|| M::cell_bounds(&self.slots.get(0).cell))
            .flatten()
    }

    fn visit(&self, visitor: &mut dyn SeriesVisitor) {
        let len = self.slots.len();
        let mut index = 0;
        // A text encoder with the family's sample-line prefixes writes the
        // plain series in this loop, without a call per series; the others
        // (the first scrape's, those with an exemplar…) go the general way.
        while index < len {
            let Some(mut lines) = visitor.plain_lines(L::LABELS) else {
                break;
            };
            index = match &self.slots {
                Slots::Packed(slots) => plain_run::<M, _>(slots, index, &mut lines, |s| s),
                Slots::Padded(slots) => plain_run::<M, _>(slots, index, &mut lines, |s| &s.0),
            };
            if index < len {
                self.visit_slot(index, visitor);
                index += 1;
            }
        }
        for index in index..len {
            self.visit_slot(index, visitor);
        }
    }
}

impl<L: LabelSet, M: FamilyMember> Family<L, M> {
    /// Visits one series, if it was ever asked for.
    #[inline]
    fn visit_slot(&self, index: usize, visitor: &mut dyn SeriesVisitor) {
        let slot = self.slots.get(index);
        let created = slot.created.load(Relaxed);
        if created == 0 {
            return;
        }
        // A slot is only touched through a value of `L`, and every label
        // value's text exists before its index is handed out.
        let labels = Labels::Dense {
            labels: L::LABELS,
            index,
        };
        M::visit_cell(&slot.cell, labels, Some(created as f64 / 1e9), visitor);
    }
}

/// Writes the plain series from `index` on; where it stopped (the length,
/// or a series `lines` cannot write).
#[inline]
fn plain_run<M: FamilyMember, S>(
    slots: &[S],
    mut index: usize,
    lines: &mut crate::PlainLines<'_>,
    slot: impl Fn(&S) -> &Slot<M::Cell>,
) -> usize {
    while let Some(s) = slots.get(index) {
        let s = slot(s);
        if s.touched() && !M::write_plain(&s.cell, index, lines) {
            return index;
        }
        index += 1;
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Counter, LabelDescriptor, LabelValue};

    crate::bounded_label! {
        struct Shard { max: 3, overflow: "other" }
    }

    #[derive(Clone, Copy)]
    struct Labels2 {
        ok: bool,
        shard: Shard,
    }
    impl LabelSet for Labels2 {
        const LABELS: &'static [LabelDescriptor] = &[
            LabelDescriptor::of::<bool>("ok"),
            LabelDescriptor::of::<Shard>("shard"),
        ];
        fn index(&self) -> usize {
            self.ok.index() * Shard::CARDINALITY + self.shard.index()
        }
    }

    #[test]
    fn only_asked_for_series_are_exposed_until_init_all() {
        let family: Family<Labels2, Counter> = Family::default();
        assert!(family.is_empty());
        let a = Shard::new("a");
        assert!(family.get(Labels2 { ok: true, shard: a }).is_none());
        family.labels(Labels2 { ok: true, shard: a }).inc();
        assert_eq!(family.len(), 1);
        assert_eq!(
            family.get(Labels2 { ok: true, shard: a }).map(|c| c.get()),
            Some(1)
        );
        // `a` and the overflow value have text; shards not seen yet do not.
        family.init_all();
        assert_eq!(family.len(), 4, "2 × {{a, other}}");
        let mut seen = Vec::new();
        family.visit(&mut |labels: Labels<'_>, _: crate::SeriesValue<'_>| {
            seen.push(labels.to_pairs())
        });
        assert!(seen
            .iter()
            .all(|pairs| pairs.iter().all(|(_, v)| !v.is_empty())));
    }
}
