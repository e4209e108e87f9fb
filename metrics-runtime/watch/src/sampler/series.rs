//! Storage of one series: the rings it keeps (by type), the readings
//! appended to them, where its labels come from, and its lookup key.

use promstrict_core::Labels;

use super::ring::Ring;
use crate::promql::{NativeBuckets, NativeSample, Sample};

#[derive(Debug)]
pub(super) enum Stored {
    Counter(Ring),
    Gauge(Ring),
    Untyped(Ring),
    Histogram {
        /// Upper bounds, the last one `+Inf`.
        upper_bounds: Vec<f64>,
        /// One ring per bound, of cumulative counts.
        buckets: Vec<Ring>,
        count: Ring,
        sum: Ring,
    },
    Summary {
        count: Ring,
        sum: Ring,
    },
    /// A native histogram: its count and sum as rings (so `…_count` and
    /// `…_sum` read like a classic histogram's), and its buckets at each
    /// reading, bounded like a ring (by `capacity` and by age).
    Native {
        count: Ring,
        sum: Ring,
        /// Oldest first; a `Vec` so PromQL reads it as one slice (dropping
        /// from the front moves at most `capacity` pointers).
        readings: Vec<NativeSample>,
        capacity: usize,
    },
}

/// Stored samples of one native reading: its buckets, plus the zero bucket.
fn native_samples(h: &NativeBuckets) -> usize {
    h.positive.len() + h.negative.len() + 1
}

impl Stored {
    pub(super) fn rings(&self) -> usize {
        match self {
            Stored::Counter(_) | Stored::Gauge(_) | Stored::Untyped(_) => 1,
            Stored::Histogram { buckets, .. } => buckets.len() + 2,
            Stored::Summary { .. } => 2,
            // Count, sum and the bucket readings.
            Stored::Native { .. } => 3,
        }
    }

    pub(super) fn samples(&self) -> usize {
        match self {
            Stored::Counter(r) | Stored::Gauge(r) | Stored::Untyped(r) => r.len(),
            Stored::Histogram {
                buckets,
                count,
                sum,
                ..
            } => buckets.iter().map(Ring::len).sum::<usize>() + count.len() + sum.len(),
            Stored::Summary { count, sum } => count.len() + sum.len(),
            Stored::Native {
                count,
                sum,
                readings,
                ..
            } => {
                count.len()
                    + sum.len()
                    + readings.iter().map(|r| native_samples(&r.h)).sum::<usize>()
            }
        }
    }

    /// Whether `reading` can be appended to this series (same type, same
    /// buckets); if not, the series starts over.
    pub(super) fn fits(&self, reading: &Reading<'_>) -> bool {
        match (self, reading) {
            (Stored::Counter(_), Reading::Counter(_))
            | (Stored::Gauge(_), Reading::Gauge(_))
            | (Stored::Untyped(_), Reading::Untyped(_))
            | (Stored::Summary { .. }, Reading::Summary { .. })
            // A schema change is a layout change PromQL itself handles.
            | (Stored::Native { .. }, Reading::Native(_)) => true,
            (Stored::Histogram { upper_bounds, .. }, Reading::Histogram { buckets, .. }) => {
                upper_bounds.len() == buckets.len()
                    && upper_bounds.iter().zip(*buckets).all(|(a, b)| *a == b.0)
            }
            _ => false,
        }
    }

    pub(super) fn for_reading(reading: &Reading<'_>, capacity: usize) -> Stored {
        match reading {
            Reading::Counter(_) => Stored::Counter(Ring::new(capacity)),
            Reading::Gauge(_) => Stored::Gauge(Ring::new(capacity)),
            Reading::Untyped(_) => Stored::Untyped(Ring::new(capacity)),
            Reading::Histogram { buckets, .. } => Stored::Histogram {
                upper_bounds: buckets.iter().map(|b| b.0).collect(),
                buckets: buckets.iter().map(|_| Ring::new(capacity)).collect(),
                count: Ring::new(capacity),
                sum: Ring::new(capacity),
            },
            Reading::Summary { .. } => Stored::Summary {
                count: Ring::new(capacity),
                sum: Ring::new(capacity),
            },
            Reading::Native(_) => Stored::Native {
                count: Ring::new(capacity),
                sum: Ring::new(capacity),
                readings: Vec::with_capacity(capacity),
                capacity,
            },
        }
    }

    /// Appends `reading` at `t`; returns the change in buffered samples.
    pub(super) fn push(&mut self, t: f64, reading: &Reading<'_>, oldest_kept_after: f64) -> isize {
        let at = |v: f64| Sample { t, v };
        match (self, reading) {
            (Stored::Counter(r), Reading::Counter(v))
            | (Stored::Gauge(r), Reading::Gauge(v))
            | (Stored::Untyped(r), Reading::Untyped(v)) => r.push(at(*v), oldest_kept_after),
            (
                Stored::Histogram {
                    buckets: rings,
                    count: count_ring,
                    sum: sum_ring,
                    ..
                },
                Reading::Histogram {
                    buckets,
                    count,
                    sum,
                },
            ) => {
                let mut delta = 0;
                for (ring, (_, c)) in rings.iter_mut().zip(*buckets) {
                    delta += ring.push(at(*c), oldest_kept_after);
                }
                delta += count_ring.push(at(*count), oldest_kept_after);
                delta + sum_ring.push(at(*sum), oldest_kept_after)
            }
            (
                Stored::Summary {
                    count: count_ring,
                    sum: sum_ring,
                },
                Reading::Summary { count, sum },
            ) => {
                count_ring.push(at(*count), oldest_kept_after)
                    + sum_ring.push(at(*sum), oldest_kept_after)
            }
            (
                Stored::Native {
                    count,
                    sum,
                    readings,
                    capacity,
                },
                Reading::Native(h),
            ) => {
                let mut delta = count.push(at(h.count), oldest_kept_after)
                    + sum.push(at(h.sum), oldest_kept_after);
                if readings.len() == *capacity && !readings.is_empty() {
                    delta -= native_samples(&readings.remove(0).h) as isize;
                }
                delta += native_samples(h) as isize;
                readings.push(NativeSample { t, h: (*h).clone() });
                let expired = readings.partition_point(|r| r.t <= oldest_kept_after);
                for old in readings.drain(..expired) {
                    delta -= native_samples(&old.h) as isize;
                }
                delta
            }
            // `fits` was checked before pushing.
            _ => 0,
        }
    }
}

/// One series' value as the ingest path sees it (borrowed: reading a
/// registry allocates nothing for series already tracked).
#[derive(Clone, Copy, Debug)]
pub(super) enum Reading<'a> {
    Counter(f64),
    Gauge(f64),
    Untyped(f64),
    Histogram {
        buckets: &'a [(f64, f64)],
        count: f64,
        sum: f64,
    },
    Summary {
        count: f64,
        sum: f64,
    },
    Native(&'a NativeBuckets),
}

impl Reading<'_> {
    pub(super) fn rings(&self) -> usize {
        match self {
            Reading::Counter(_) | Reading::Gauge(_) | Reading::Untyped(_) => 1,
            Reading::Histogram { buckets, .. } => buckets.len() + 2,
            Reading::Summary { .. } => 2,
            Reading::Native(_) => 3,
        }
    }
}

/// Label pairs from either source, without collecting them.
#[derive(Clone, Copy)]
pub(super) enum LabelSource<'a> {
    Registry {
        consts: &'a [(String, String)],
        labels: Labels<'a>,
    },
    Owned(&'a [(String, String)]),
}

impl LabelSource<'_> {
    pub(super) fn for_each(&self, mut f: impl FnMut(&str, &str)) {
        match self {
            LabelSource::Registry { consts, labels } => {
                for (k, v) in consts.iter() {
                    f(k, v);
                }
                labels.for_each(f);
            }
            LabelSource::Owned(pairs) => {
                for (k, v) in pairs.iter() {
                    f(k, v);
                }
            }
        }
    }

    /// Whether these are exactly `pairs`, in order.
    pub(super) fn equals(&self, pairs: &[(String, String)]) -> bool {
        if let LabelSource::Owned(own) = self {
            return *own == pairs;
        }
        let mut i = 0;
        let mut same = true;
        self.for_each(|k, v| {
            same = same && pairs.get(i).is_some_and(|(pk, pv)| pk == k && pv == v);
            i += 1;
        });
        same && i == pairs.len()
    }
}

#[derive(Debug)]
pub(super) struct Series {
    pub(super) name: String,
    pub(super) labels: Vec<(String, String)>,
    pub(super) stored: Stored,
    /// Time of the newest sample.
    pub(super) last_seen: f64,
    /// The snapshot that last contained the series.
    pub(super) seen_in: u64,
}

pub(super) fn push_len_prefixed(key: &mut String, s: &str) {
    let mut digits = itoa::Buffer::new();
    key.push_str(digits.format(s.len()));
    key.push(':');
    key.push_str(s);
}
