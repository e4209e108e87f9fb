//! Summaries without quantiles: count and sum. (Client-side quantiles cannot
//! be aggregated across instances; use a histogram for those.)

use std::fmt;
use std::ops::Deref;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

use super::exemplar::unix_seconds;
use super::{
    AtomicF64, FamilyMember, Metric, MetricType, SeriesExtras, SeriesValue, SeriesVisitor,
};
use crate::label::Labels;

/// The storage of one summary series.
#[derive(Debug, Default)]
pub struct AtomicSummary {
    count: AtomicU64,
    sum: AtomicF64,
}

impl AtomicSummary {
    /// Records one observation; NaN and ±∞ are dropped (they would poison `_sum`).
    #[inline]
    pub fn observe(&self, v: f64) {
        if !v.is_finite() {
            return;
        }
        self.count.fetch_add(1, Relaxed);
        self.sum.add(v);
    }

    /// The number of observations.
    pub fn count(&self) -> u64 {
        self.count.load(Relaxed)
    }

    /// The sum of observations.
    pub fn sum(&self) -> f64 {
        self.sum.get()
    }
}

/// Count and sum of observations (a summary with no quantiles).
///
/// ```
/// # extern crate promstrict_core as promstrict;
/// use promstrict::Summary;
///
/// let payload = Summary::default();
/// payload.observe(512.0);
/// payload.observe(1024.0);
/// assert_eq!((payload.count(), payload.sum()), (2, 1536.0));
/// ```
#[derive(Clone)]
pub struct Summary {
    inner: Arc<AtomicSummary>,
    /// When it was made (Unix seconds): its `_created` sample.
    created: f64,
}

impl Default for Summary {
    fn default() -> Self {
        Summary {
            inner: Arc::default(),
            created: unix_seconds(),
        }
    }
}

impl fmt::Debug for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.inner, f)
    }
}

impl Deref for Summary {
    type Target = AtomicSummary;
    #[inline]
    fn deref(&self) -> &AtomicSummary {
        &self.inner
    }
}

impl Metric for Summary {
    const TYPE: MetricType = MetricType::Summary;
    fn visit(&self, visitor: &mut dyn SeriesVisitor) {
        Self::visit_cell(&self.inner, Labels::None, Some(self.created), visitor)
    }
}

impl FamilyMember for Summary {
    type Cell = AtomicSummary;
    type Options = ();
    fn new_cell(_: &()) -> AtomicSummary {
        AtomicSummary::default()
    }
    fn visit_cell(
        cell: &AtomicSummary,
        labels: Labels<'_>,
        created: Option<f64>,
        visitor: &mut dyn SeriesVisitor,
    ) {
        visitor.series_with_extras(
            labels,
            SeriesValue::Summary {
                count: cell.count(),
                sum: cell.sum(),
            },
            SeriesExtras {
                created,
                exemplars: &[],
                native: None,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_sums_and_drops_nan() {
        let s = Summary::default();
        s.observe(1.5);
        s.observe(f64::NAN);
        s.observe(2.5);
        assert_eq!(s.count(), 2);
        assert_eq!(s.sum(), 4.0);
    }
}
