//! Counters: monotonic totals. Rates are derived from them by the server
//! (`rate()`), never stored, and a counter that could go down would be a gauge.

use std::fmt;
use std::ops::Deref;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

use super::exemplar::{unix_seconds, ExemplarCell, ExemplarLabels};
use super::{
    AtomicF64, Exemplar, FamilyMember, Metric, MetricType, SeriesExtras, SeriesValue, SeriesVisitor,
};
use crate::label::Labels;

mod sealed {
    pub trait Sealed {}
    impl Sealed for u64 {}
    impl Sealed for f64 {}
}

/// The number type of a counter: `u64` (the default) or `f64`.
pub trait CounterNumber: sealed::Sealed + Copy + Send + Sync + 'static {
    #[doc(hidden)]
    type Atomic: Default + Send + Sync + fmt::Debug + 'static;
    #[doc(hidden)]
    fn load(atomic: &Self::Atomic) -> SeriesValue<'static>;
}

impl CounterNumber for u64 {
    type Atomic = AtomicU64;
    #[inline]
    fn load(atomic: &AtomicU64) -> SeriesValue<'static> {
        SeriesValue::CounterU64(atomic.load(Relaxed))
    }
}

impl CounterNumber for f64 {
    type Atomic = AtomicF64;
    #[inline]
    fn load(atomic: &AtomicF64) -> SeriesValue<'static> {
        SeriesValue::CounterF64(atomic.get())
    }
}

/// A refused counter increment: counters only go up, by a finite amount.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InvalidIncrement {
    /// The value that was refused.
    pub value: f64,
}

impl fmt::Display for InvalidIncrement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = if self.value.is_nan() {
            "NaN"
        } else if self.value.is_infinite() {
            "infinite"
        } else if self.value < 0.0 {
            "negative"
        } else {
            "so large that the total would overflow to infinity"
        };
        write!(
            f,
            "counter increment {} refused: it is {why}; counters only go up by a finite, \
             non-negative amount (use a Gauge for values that go down)",
            self.value
        )
    }
}

impl std::error::Error for InvalidIncrement {}

/// The storage of one counter series. Reached through [`Counter`]'s `Deref`,
/// or from [`Family::labels`](crate::Family::labels).
pub struct AtomicCounter<N: CounterNumber = u64> {
    value: N::Atomic,
    /// The latest exemplar (a null pointer until one is recorded).
    exemplar: ExemplarCell,
}

impl<N: CounterNumber> Default for AtomicCounter<N> {
    fn default() -> Self {
        AtomicCounter {
            value: N::Atomic::default(),
            exemplar: ExemplarCell::default(),
        }
    }
}

impl<N: CounterNumber> fmt::Debug for AtomicCounter<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AtomicCounter")
            .field("value", &self.value)
            .field("exemplar", &self.exemplar)
            .finish()
    }
}

impl<N: CounterNumber> AtomicCounter<N> {
    /// The latest exemplar recorded with an increment, if any.
    pub fn exemplar(&self) -> Option<Exemplar> {
        self.exemplar.load()
    }
}

impl AtomicCounter<u64> {
    /// Adds one; returns the previous value. Saturates at `u64::MAX`.
    #[inline]
    pub fn inc(&self) -> u64 {
        self.inc_by(1)
    }

    /// Adds `v`; returns the previous value. (A `u64` cannot be negative, so
    /// this cannot fail.) A total that would pass `u64::MAX` stays at
    /// `u64::MAX` instead of wrapping to a small number, which `rate()` would
    /// read as a counter reset.
    #[inline]
    pub fn inc_by(&self, v: u64) -> u64 {
        let previous = self.value.fetch_add(v, Relaxed);
        if previous.checked_add(v).is_none() {
            self.saturate();
        }
        previous
    }

    /// The total wrapped: put it back at the top. Adds racing with this one
    /// land on the wrapped value and are overwritten, which is what
    /// saturation means for them too.
    #[cold]
    #[inline(never)]
    fn saturate(&self) {
        self.value.store(u64::MAX, Relaxed);
    }

    /// The current total.
    #[inline]
    pub fn get(&self) -> u64 {
        self.value.load(Relaxed)
    }

    /// Adds `v` and keeps `exemplar` as this series' exemplar (the latest
    /// wins), with `v` as its value; returns the previous total.
    ///
    /// ```
    /// # extern crate promstrict_core as promstrict;
    /// use promstrict::{Counter, ExemplarLabels, Format, Registry};
    ///
    /// let registry = Registry::new();
    /// let orders = registry.register("orders_total", "Orders placed.", Counter::new())?;
    /// let trace = ExemplarLabels::new(&[("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736")])?;
    /// orders.inc_by_with_exemplar(2, &trace);
    /// let text = registry.encode(Format::OpenMetrics);
    /// assert!(text.contains(r#"orders_total 2 # {trace_id="4bf92f3577b34da6a3ce929d0e0e4736"} 2.0 "#));
    /// // The text format has no exemplars.
    /// assert!(registry.encode(Format::Prometheus).contains("orders_total 2\n"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn inc_by_with_exemplar(&self, v: u64, exemplar: &ExemplarLabels) -> u64 {
        let previous = self.inc_by(v);
        self.exemplar.store(exemplar, v as f64);
        previous
    }

    /// Adds one and keeps `exemplar` (value 1) as this series' exemplar.
    #[inline]
    pub fn inc_with_exemplar(&self, exemplar: &ExemplarLabels) -> u64 {
        self.inc_by_with_exemplar(1, exemplar)
    }
}

impl AtomicCounter<f64> {
    /// Adds one; returns the previous value.
    #[inline]
    pub fn inc(&self) -> f64 {
        self.value.add(1.0)
    }

    /// Adds `v` and returns the previous total; a negative, NaN or infinite
    /// `v` is refused and the counter keeps its value.
    ///
    /// ```
    /// # extern crate promstrict_core as promstrict;
    /// use promstrict::Counter;
    ///
    /// let seconds = Counter::<f64>::default();
    /// seconds.inc_by(1.5).unwrap();
    /// assert!(seconds.inc_by(-1.0).is_err());
    /// assert!(seconds.inc_by(f64::NAN).is_err());
    /// assert_eq!(seconds.get(), 1.5);
    /// ```
    #[inline]
    pub fn inc_by(&self, v: f64) -> Result<f64, InvalidIncrement> {
        if v.is_nan() || v < 0.0 || v.is_infinite() {
            return Err(InvalidIncrement { value: v });
        }
        self.value
            .try_update(|current| Some(current + v).filter(|total| total.is_finite()))
            .ok_or(InvalidIncrement { value: v })
    }

    /// The current total.
    #[inline]
    pub fn get(&self) -> f64 {
        self.value.get()
    }

    /// Adds `v` as [`inc_by`](Self::inc_by) does and keeps `exemplar` (with
    /// value `v`) as this series' exemplar. A refused increment keeps
    /// neither.
    #[inline]
    pub fn inc_by_with_exemplar(
        &self,
        v: f64,
        exemplar: &ExemplarLabels,
    ) -> Result<f64, InvalidIncrement> {
        let previous = self.inc_by(v)?;
        self.exemplar.store(exemplar, v);
        Ok(previous)
    }

    /// Adds one and keeps `exemplar` (value 1) as this series' exemplar.
    #[inline]
    pub fn inc_with_exemplar(&self, exemplar: &ExemplarLabels) -> f64 {
        let previous = self.inc();
        self.exemplar.store(exemplar, 1.0);
        previous
    }
}

/// A monotonic counter: `u64` by default, `Counter<f64>` for fractional totals
/// (seconds spent, bytes estimated).
///
/// Cloning shares the value. Its name must end in `_total`.
///
/// ```
/// # extern crate promstrict_core as promstrict;
/// use promstrict::{Counter, Format, Registry};
///
/// let registry = Registry::new();
/// let jobs = registry.register("jobs_processed_total", "Jobs processed.", Counter::new())?;
/// jobs.inc();
/// jobs.inc_by(2);
/// assert_eq!(jobs.get(), 3);
/// assert!(registry.encode(Format::Prometheus).contains("jobs_processed_total 3\n"));
/// # Ok::<(), promstrict::RegistryError>(())
/// ```
pub struct Counter<N: CounterNumber = u64> {
    inner: Arc<AtomicCounter<N>>,
    /// When it was made (Unix seconds): its `_created` sample.
    created: f64,
}

impl Counter<u64> {
    /// A new counter at zero. (`Counter::new()` is the `u64` one; write
    /// `Counter::<f64>::default()` for the float variant.)
    pub fn new() -> Self {
        Self::default()
    }
}

impl<N: CounterNumber> Default for Counter<N> {
    fn default() -> Self {
        Counter {
            inner: Arc::default(),
            created: unix_seconds(),
        }
    }
}

impl<N: CounterNumber> Clone for Counter<N> {
    fn clone(&self) -> Self {
        Counter {
            inner: Arc::clone(&self.inner),
            created: self.created,
        }
    }
}

impl<N: CounterNumber> fmt::Debug for Counter<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.inner, f)
    }
}

impl<N: CounterNumber> Deref for Counter<N> {
    type Target = AtomicCounter<N>;
    #[inline]
    fn deref(&self) -> &AtomicCounter<N> {
        &self.inner
    }
}

impl<N: CounterNumber> Metric for Counter<N> {
    const TYPE: MetricType = MetricType::Counter;
    fn visit(&self, visitor: &mut dyn SeriesVisitor) {
        Self::visit_cell(&self.inner, Labels::None, Some(self.created), visitor)
    }
}

impl<N: CounterNumber> FamilyMember for Counter<N> {
    type Cell = AtomicCounter<N>;
    type Options = ();
    fn new_cell(_: &()) -> AtomicCounter<N> {
        AtomicCounter::default()
    }
    #[inline]
    fn write_plain(
        cell: &AtomicCounter<N>,
        index: usize,
        lines: &mut crate::PlainLines<'_>,
    ) -> bool {
        cell.exemplar.never_set() && lines.write(index, N::load(&cell.value))
    }

    fn visit_cell(
        cell: &AtomicCounter<N>,
        labels: Labels<'_>,
        created: Option<f64>,
        visitor: &mut dyn SeriesVisitor,
    ) {
        let exemplar = [cell.exemplar.load()];
        let exemplars: &[Option<Exemplar>] = if exemplar[0].is_some() {
            &exemplar
        } else {
            &[]
        };
        visitor.series_with_extras(
            labels,
            N::load(&cell.value),
            SeriesExtras {
                created,
                exemplars,
                native: None,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_counter_counts() {
        let c = Counter::<u64>::default();
        assert_eq!(c.inc(), 0);
        assert_eq!(c.inc_by(41), 1);
        assert_eq!(c.get(), 42);
        let shared = c.clone();
        shared.inc();
        assert_eq!(c.get(), 43);
    }

    #[test]
    fn float_counter_refuses_bad_increments_and_keeps_its_value() {
        let c = Counter::<f64>::default();
        assert_eq!(c.inc_by(0.25), Ok(0.0));
        for bad in [
            -0.5,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -f64::MIN_POSITIVE,
        ] {
            let err = c.inc_by(bad).unwrap_err();
            assert!(err.value.to_bits() == bad.to_bits());
            assert!(err.to_string().contains("counters only go up"), "{err}");
            assert_eq!(
                c.get(),
                0.25,
                "a refused increment of {bad} changed the counter"
            );
        }
        // An increment that would overflow the total to infinity is refused too.
        let big = Counter::<f64>::default();
        big.inc_by(f64::MAX).unwrap();
        assert!(big.inc_by(f64::MAX).is_err());
        assert_eq!(big.get(), f64::MAX);
        // Zero is a valid (no-op) increment, and so is negative zero.
        assert_eq!(c.inc_by(0.0), Ok(0.25));
        assert_eq!(c.inc_by(-0.0), Ok(0.25));
        assert_eq!(c.inc(), 0.25);
        assert_eq!(c.get(), 1.25);
    }

    #[test]
    fn an_integer_counter_saturates_instead_of_wrapping() {
        let near = Counter::<u64>::default();
        assert_eq!(near.inc_by(u64::MAX - 1), 0);
        assert_eq!(near.inc_by(5), u64::MAX - 1);
        assert_eq!(near.get(), u64::MAX);
        near.inc();
        assert_eq!(near.get(), u64::MAX);
    }

    #[test]
    fn error_messages_say_why() {
        assert!(InvalidIncrement { value: f64::NAN }
            .to_string()
            .contains("NaN"));
        assert!(InvalidIncrement { value: -1.0 }
            .to_string()
            .contains("negative"));
        assert!(InvalidIncrement {
            value: f64::INFINITY
        }
        .to_string()
        .contains("infinite"));
    }
}
