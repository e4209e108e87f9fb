//! Gauges: values that go up and down (connections open, queue depth).

use std::fmt;
use std::ops::Deref;
use std::sync::atomic::{AtomicI64, Ordering::Relaxed};
use std::sync::Arc;

use super::{AtomicF64, FamilyMember, Metric, MetricType, SeriesValue, SeriesVisitor};
use crate::label::Labels;

mod sealed {
    pub trait Sealed {}
    impl Sealed for i64 {}
    impl Sealed for f64 {}
}

/// The number type of a gauge: `i64` (the default) or `f64`.
pub trait GaugeNumber: sealed::Sealed + Copy + Send + Sync + 'static {
    #[doc(hidden)]
    type Atomic: Default + Send + Sync + fmt::Debug + 'static;
    #[doc(hidden)]
    fn load(atomic: &Self::Atomic) -> SeriesValue<'static>;
}

impl GaugeNumber for i64 {
    type Atomic = AtomicI64;
    #[inline]
    fn load(atomic: &AtomicI64) -> SeriesValue<'static> {
        SeriesValue::GaugeI64(atomic.load(Relaxed))
    }
}

impl GaugeNumber for f64 {
    type Atomic = AtomicF64;
    #[inline]
    fn load(atomic: &AtomicF64) -> SeriesValue<'static> {
        SeriesValue::GaugeF64(atomic.get())
    }
}

/// The storage of one gauge series. Reached through [`Gauge`]'s `Deref`, or
/// from [`Family::labels`](crate::Family::labels).
pub struct AtomicGauge<N: GaugeNumber = i64> {
    value: N::Atomic,
}

impl<N: GaugeNumber> Default for AtomicGauge<N> {
    fn default() -> Self {
        AtomicGauge {
            value: N::Atomic::default(),
        }
    }
}

impl<N: GaugeNumber> fmt::Debug for AtomicGauge<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AtomicGauge")
            .field("value", &self.value)
            .finish()
    }
}

impl AtomicGauge<i64> {
    /// Adds one; returns the previous value.
    #[inline]
    pub fn inc(&self) -> i64 {
        self.value.fetch_add(1, Relaxed)
    }
    /// Subtracts one; returns the previous value.
    #[inline]
    pub fn dec(&self) -> i64 {
        self.value.fetch_sub(1, Relaxed)
    }
    /// Adds `v` (which may be negative); returns the previous value.
    #[inline]
    pub fn add(&self, v: i64) -> i64 {
        self.value.fetch_add(v, Relaxed)
    }
    /// Subtracts `v`; returns the previous value.
    #[inline]
    pub fn sub(&self, v: i64) -> i64 {
        self.value.fetch_sub(v, Relaxed)
    }
    /// Sets the value; returns the previous one.
    #[inline]
    pub fn set(&self, v: i64) -> i64 {
        self.value.swap(v, Relaxed)
    }
    /// The current value.
    #[inline]
    pub fn get(&self) -> i64 {
        self.value.load(Relaxed)
    }
}

impl AtomicGauge<f64> {
    /// Adds one; returns the previous value.
    #[inline]
    pub fn inc(&self) -> f64 {
        self.value.add(1.0)
    }
    /// Subtracts one; returns the previous value.
    #[inline]
    pub fn dec(&self) -> f64 {
        self.value.add(-1.0)
    }
    /// Adds `v`; returns the previous value.
    #[inline]
    pub fn add(&self, v: f64) -> f64 {
        self.value.add(v)
    }
    /// Subtracts `v`; returns the previous value.
    #[inline]
    pub fn sub(&self, v: f64) -> f64 {
        self.value.add(-v)
    }
    /// Sets the value; returns the previous one.
    #[inline]
    pub fn set(&self, v: f64) -> f64 {
        self.value.swap(v)
    }
    /// The current value.
    #[inline]
    pub fn get(&self) -> f64 {
        self.value.get()
    }
}

/// A gauge: `i64` by default, `Gauge<f64>` for fractional values.
///
/// ```
/// # extern crate promstrict_core as promstrict;
/// use promstrict::Gauge;
///
/// let connections = Gauge::<i64>::default();
/// connections.inc();
/// connections.inc();
/// connections.dec();
/// assert_eq!(connections.get(), 1);
///
/// let temperature = Gauge::<f64>::default();
/// temperature.set(21.5);
/// assert_eq!(temperature.get(), 21.5);
/// ```
pub struct Gauge<N: GaugeNumber = i64> {
    inner: Arc<AtomicGauge<N>>,
}

impl Gauge<i64> {
    /// A new gauge at zero. (`Gauge::new()` is the `i64` one; write
    /// `Gauge::<f64>::default()` for the float variant.)
    pub fn new() -> Self {
        Self::default()
    }
}

impl<N: GaugeNumber> Default for Gauge<N> {
    fn default() -> Self {
        Gauge {
            inner: Arc::default(),
        }
    }
}

impl<N: GaugeNumber> Clone for Gauge<N> {
    fn clone(&self) -> Self {
        Gauge {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<N: GaugeNumber> fmt::Debug for Gauge<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.inner, f)
    }
}

impl<N: GaugeNumber> Deref for Gauge<N> {
    type Target = AtomicGauge<N>;
    #[inline]
    fn deref(&self) -> &AtomicGauge<N> {
        &self.inner
    }
}

impl<N: GaugeNumber> Metric for Gauge<N> {
    const TYPE: MetricType = MetricType::Gauge;
    fn visit(&self, visitor: &mut dyn SeriesVisitor) {
        Self::visit_cell(&self.inner, Labels::None, None, visitor)
    }
}

impl<N: GaugeNumber> FamilyMember for Gauge<N> {
    type Cell = AtomicGauge<N>;
    type Options = ();
    fn new_cell(_: &()) -> AtomicGauge<N> {
        AtomicGauge::default()
    }
    #[inline]
    fn write_plain(cell: &AtomicGauge<N>, index: usize, lines: &mut crate::PlainLines<'_>) -> bool {
        lines.write(index, N::load(&cell.value))
    }

    fn visit_cell(
        cell: &AtomicGauge<N>,
        labels: Labels<'_>,
        _created: Option<f64>,
        visitor: &mut dyn SeriesVisitor,
    ) {
        visitor.series(labels, N::load(&cell.value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_gauge_goes_both_ways() {
        let g = Gauge::<i64>::default();
        g.inc();
        g.add(10);
        g.dec();
        g.sub(3);
        assert_eq!(g.get(), 7);
        assert_eq!(g.set(-2), 7);
        assert_eq!(g.get(), -2);
    }

    #[test]
    fn float_gauge_goes_both_ways() {
        let g = Gauge::<f64>::default();
        g.inc();
        g.add(0.5);
        g.dec();
        g.sub(0.25);
        assert_eq!(g.get(), 0.25);
        g.set(f64::NAN);
        assert!(
            g.get().is_nan(),
            "a gauge may hold NaN, as Prometheus allows"
        );
    }
}
