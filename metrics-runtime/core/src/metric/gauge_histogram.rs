//! Gauge histograms: the distribution of what is there now (jobs waiting, by
//! how long; connections open, by age), whose buckets go down as well as up.

use std::fmt;
use std::ops::Deref;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

use super::histogram::{Buckets, MAX_BUCKETS};
use super::{AtomicF64, FamilyMember, Metric, MetricType, SeriesValue, SeriesVisitor};
use crate::label::Labels;

/// A refused [`AtomicGaugeHistogram::remove`]: no item of that value is in
/// the histogram's bucket, or the value is not finite.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NothingToRemove {
    /// The value that was refused.
    pub value: f64,
}

impl fmt::Display for NothingToRemove {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.value.is_finite() {
            write!(
                f,
                "cannot remove {} from the gauge histogram: its bucket is empty (remove only what was added)",
                self.value
            )
        } else {
            write!(
                f,
                "cannot remove {} from the gauge histogram: only finite values are added",
                self.value
            )
        }
    }
}

impl std::error::Error for NothingToRemove {}

/// The storage of one gauge histogram series.
pub struct AtomicGaugeHistogram {
    bounds: Buckets,
    /// Non-cumulative; the last one is the `+Inf` bucket.
    counts: Box<[AtomicU64]>,
    sum: AtomicF64,
}

impl AtomicGaugeHistogram {
    /// An empty gauge histogram over `buckets`.
    pub fn new(buckets: &Buckets) -> Self {
        AtomicGaugeHistogram {
            bounds: buckets.clone(),
            counts: (0..=buckets.bounds().len())
                .map(|_| AtomicU64::new(0))
                .collect(),
            sum: AtomicF64::new(0.0),
        }
    }

    fn bucket_of(&self, v: f64) -> usize {
        self.bounds.bounds().partition_point(|&b| b < v)
    }

    /// One more item of value `v` is there. NaN and ±∞ are dropped.
    #[inline]
    pub fn add(&self, v: f64) {
        if !v.is_finite() {
            return;
        }
        self.counts[self.bucket_of(v)].fetch_add(1, Relaxed);
        self.sum.add(v);
    }

    /// An item of value `v` is gone. Refused, changing nothing, if its
    /// bucket is empty: the buckets never go below zero.
    pub fn remove(&self, v: f64) -> Result<(), NothingToRemove> {
        if !v.is_finite() {
            return Err(NothingToRemove { value: v });
        }
        self.counts[self.bucket_of(v)]
            .fetch_update(Relaxed, Relaxed, |c| c.checked_sub(1))
            .map_err(|_| NothingToRemove { value: v })?;
        self.sum.add(-v);
        Ok(())
    }

    /// Empties every bucket (and the sum).
    pub fn clear(&self) {
        for c in self.counts.iter() {
            c.store(0, Relaxed);
        }
        self.sum.set(0.0);
    }

    /// How many items are there.
    pub fn count(&self) -> u64 {
        self.counts.iter().map(|c| c.load(Relaxed)).sum()
    }

    /// The sum of the items' values.
    pub fn sum(&self) -> f64 {
        self.sum.get()
    }
}

impl fmt::Debug for AtomicGaugeHistogram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AtomicGaugeHistogram")
            .field("bounds", &self.bounds.bounds())
            .field("count", &self.count())
            .field("sum", &self.sum())
            .finish()
    }
}

/// A gauge histogram: buckets of current values, which go down when items
/// leave (OpenMetrics type `gaugehistogram`, with `_gcount` and `_gsum`; a
/// histogram with `_count` and `_sum` in the text format, which has no such
/// type, as client_golang writes it). Use it for "how long have the jobs now
/// waiting been waiting"; a [`Histogram`](crate::Histogram) counts events.
///
/// ```
/// # extern crate promstrict_core as promstrict;
/// use promstrict::{Buckets, Format, GaugeHistogram, Registry};
///
/// let registry = Registry::new();
/// let waiting = registry.register(
///     "queue_job_size_bytes",
///     "Jobs waiting in the queue, by size.",
///     GaugeHistogram::new(Buckets::new(&[1024.0, 65536.0])?),
/// )?;
/// waiting.add(512.0);
/// waiting.add(4096.0);
/// waiting.remove(512.0)?;
/// assert!(waiting.remove(512.0).is_err(), "it is gone already");
/// let text = registry.encode(Format::OpenMetrics);
/// assert!(text.contains("queue_job_size_bytes_bucket{le=\"65536.0\"} 1\n"));
/// assert!(text.contains("queue_job_size_bytes_gcount 1\n"));
/// assert!(text.contains("queue_job_size_bytes_gsum 4096.0\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct GaugeHistogram {
    inner: Arc<AtomicGaugeHistogram>,
}

impl GaugeHistogram {
    /// An empty gauge histogram over `buckets`.
    pub fn new(buckets: Buckets) -> Self {
        GaugeHistogram {
            inner: Arc::new(AtomicGaugeHistogram::new(&buckets)),
        }
    }
}

impl Default for GaugeHistogram {
    /// Over [`Buckets::DEFAULT`].
    fn default() -> Self {
        GaugeHistogram::new(Buckets::default())
    }
}

impl fmt::Debug for GaugeHistogram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.inner, f)
    }
}

impl Deref for GaugeHistogram {
    type Target = AtomicGaugeHistogram;
    #[inline]
    fn deref(&self) -> &AtomicGaugeHistogram {
        &self.inner
    }
}

impl Metric for GaugeHistogram {
    const TYPE: MetricType = MetricType::GaugeHistogram;
    fn visit(&self, visitor: &mut dyn SeriesVisitor) {
        Self::visit_cell(&self.inner, Labels::None, None, visitor)
    }
}

impl FamilyMember for GaugeHistogram {
    type Cell = AtomicGaugeHistogram;
    type Options = Buckets;
    fn new_cell(buckets: &Buckets) -> AtomicGaugeHistogram {
        AtomicGaugeHistogram::new(buckets)
    }
    fn visit_cell(
        cell: &AtomicGaugeHistogram,
        labels: Labels<'_>,
        _created: Option<f64>,
        visitor: &mut dyn SeriesVisitor,
    ) {
        let n = cell.counts.len();
        let mut stack = [0u64; MAX_BUCKETS + 1];
        let counts = &mut stack[..n];
        for (out, c) in counts.iter_mut().zip(cell.counts.iter()) {
            *out = c.load(Relaxed);
        }
        visitor.series(
            labels,
            SeriesValue::GaugeHistogram {
                bounds: cell.bounds.bounds(),
                counts,
                sum: cell.sum(),
            },
        )
    }
}
