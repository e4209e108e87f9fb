//! Histograms with fixed buckets.
//!
//! An observation touches one bucket counter and the sum; `_count` is not stored
//! but computed as the sum of the buckets when read, so `_count` always equals
//! the `+Inf` bucket in a scrape, however many threads are observing. (The sum
//! is read after the buckets, and an observation in flight at that instant may
//! be in the sum but not in the buckets or, since its bucket is counted before
//! its value is added, in the buckets but not yet in the sum; no parser can
//! tell, because none can relate sum to buckets. Each observation is in the
//! sum at most once, and a later read holds all that an earlier one did.)
//!
//! Contention is handled as Java's `LongAdder` does: observations go to one
//! set of cells until two threads collide on the sum (a failed compare-and-swap
//! is the signal); from then on each thread writes to its own stripe, a copy of
//! the cells on cache lines of its own, and reads add the stripes up. An
//! uncontended histogram pays one extra load for this and never allocates the
//! stripes.

use std::cell::Cell;
use std::fmt;
use std::ops::Deref;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

use super::exemplar::{unix_seconds, ExemplarCell, ExemplarLabels};
use super::{Exemplar, FamilyMember, Metric, MetricType, SeriesExtras, SeriesValue, SeriesVisitor};
use crate::label::Labels;
// std's atomics, `OnceLock` and `AtomicF64`, or loom's under `--cfg promstrict_loom`.
use crate::sync::{AtomicF64, AtomicU64, OnceLock};

use promstrict_rules::buckets as rules;
pub use promstrict_rules::buckets::{BucketsError, MAX_BUCKETS};

/// A validated list of bucket upper bounds: finite, strictly increasing,
/// 1 to [`MAX_BUCKETS`] long. Cloning shares the list.
///
/// ```
/// # extern crate promstrict_core as promstrict;
/// use promstrict::Buckets;
///
/// let b = Buckets::new(&[0.1, 0.5, 1.0]).unwrap();
/// assert_eq!(b.bounds(), &[0.1, 0.5, 1.0]);
/// assert!(Buckets::new(&[1.0, 0.5]).is_err());
/// assert_eq!(Buckets::exponential(0.001, 2.0, 4).unwrap().bounds(), &[0.001, 0.002, 0.004, 0.008]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Buckets(Arc<[f64]>);

impl Buckets {
    /// No bounds: only the `+Inf` bucket, a count and a sum (the classic
    /// view of a native histogram without classic buckets).
    pub(crate) fn count_only() -> Self {
        Buckets(Arc::from(&[][..]))
    }

    /// For operations well under a second: 0.01 … 1 s (`buckets = "fast"`).
    pub const FAST: &'static [f64] = rules::FAST;
    /// For operations of about a second: 0.25 … 10 s (`buckets = "medium"`).
    pub const MEDIUM: &'static [f64] = rules::MEDIUM;
    /// For slow operations: 1 … 120 s (`buckets = "slow"`).
    pub const SLOW: &'static [f64] = rules::SLOW;
    /// General-purpose latency buckets (seconds), 5 ms … 10 s, as most clients
    /// default to.
    pub const DEFAULT: &'static [f64] = rules::DEFAULT;

    /// Validates `bounds` by the same rules as `#[metric(buckets = [...])]`,
    /// with the same messages.
    pub fn new(bounds: &[f64]) -> Result<Self, BucketsError> {
        match rules::check_bounds(bounds).into_iter().next() {
            Some(problem) => Err(problem),
            None => Ok(Buckets(bounds.into())),
        }
    }

    /// `count` bounds `start, start*factor, start*factor², …`, exactly as
    /// `buckets = exponential(start, factor, count)` computes them.
    pub fn exponential(start: f64, factor: f64, count: usize) -> Result<Self, BucketsError> {
        Ok(Buckets(rules::exponential(start, factor, count)?.into()))
    }

    /// `count` bounds `start, start+width, start+2·width, …`, exactly as
    /// `buckets = linear(start, width, count)` computes them.
    pub fn linear(start: f64, width: f64, count: usize) -> Result<Self, BucketsError> {
        Ok(Buckets(rules::linear(start, width, count)?.into()))
    }

    /// The preset `buckets = "name"` names (`"fast"`, `"medium"`, `"slow"`).
    pub fn preset(name: &str) -> Result<Self, BucketsError> {
        Ok(Buckets(rules::preset(name)?.into()))
    }

    /// The bounds, without the implicit `+Inf`.
    pub fn bounds(&self) -> &[f64] {
        &self.0
    }
}

/// Bounds the derive macros have already validated at compile time.
#[doc(hidden)]
pub fn validated_buckets(bounds: &[f64]) -> Buckets {
    Buckets::new(bounds).unwrap_or_else(|e| panic!("bucket bounds checked at compile time: {e}"))
}

impl Default for Buckets {
    fn default() -> Self {
        Buckets(Buckets::DEFAULT.into())
    }
}

/// The storage of one histogram series. Reached through [`Histogram`]'s
/// `Deref`, or from [`Family::labels`](crate::Family::labels).
pub struct AtomicHistogram {
    bounds: Buckets,
    /// Non-cumulative: `counts[i]` holds observations in `(bounds[i-1], bounds[i]]`;
    /// the last one is the `+Inf` bucket.
    counts: Box<[AtomicU64]>,
    sum: AtomicF64,
    /// Created on the first collision between two observing threads.
    stripes: OnceLock<Stripes>,
    /// The latest exemplar of each bucket, allocated with the first one.
    exemplars: std::sync::OnceLock<Box<[ExemplarCell]>>,
}

/// One cache line of cells, so stripes never share a line.
#[repr(align(64))]
struct Line([AtomicU64; 8]);

/// Per-thread copies of the cells: stripe `k` holds `bounds.len() + 1`
/// counts and then the sum's bits, in `lines_per_stripe` lines of its own.
struct Stripes {
    lines: Box<[Line]>,
    lines_per_stripe: usize,
    mask: usize,
}

impl Stripes {
    fn new(cells: usize) -> Self {
        let lines_per_stripe = cells.div_ceil(8);
        let stripes = stripe_count();
        Stripes {
            lines: (0..stripes * lines_per_stripe)
                .map(|_| Line(Default::default()))
                .collect(),
            lines_per_stripe,
            mask: stripes - 1,
        }
    }

    #[inline]
    fn cell(&self, stripe: usize, index: usize) -> &AtomicU64 {
        &self.lines[stripe * self.lines_per_stripe + index / 8].0[index % 8]
    }

    fn stripes(&self) -> usize {
        self.mask + 1
    }

    /// Records into this thread's stripe; on a collision there too, the
    /// thread moves to another stripe for next time.
    fn observe(&self, bucket: usize, sum_index: usize, v: f64) {
        self.cell(thread_probe() & self.mask, bucket)
            .fetch_add(1, Relaxed);
        self.add_sum(sum_index, v);
    }

    /// Adds `v` to this thread's stripe's sum.
    fn add_sum(&self, sum_index: usize, v: f64) {
        let probe = thread_probe();
        let sum = self.cell(probe & self.mask, sum_index);
        let mut current = sum.load(Relaxed);
        let mut collided = false;
        loop {
            let new = (f64::from_bits(current) + v).to_bits();
            match sum.compare_exchange_weak(current, new, Relaxed, Relaxed) {
                Ok(_) => break,
                Err(actual) => {
                    current = actual;
                    collided = true;
                }
            }
        }
        if collided {
            rehash_probe(probe);
        }
    }
}

/// Stripes per contended histogram: the parallelism, as a power of two, at most 16.
#[cfg(not(promstrict_loom))]
fn stripe_count() -> usize {
    static COUNT: OnceLock<usize> = OnceLock::new();
    *COUNT.get_or_init(|| {
        std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .clamp(2, 16)
            .next_power_of_two()
    })
}

/// Two under loom, whatever the machine, so models are the same everywhere:
/// odd probes share stripe 1, even ones stripe 0.
#[cfg(promstrict_loom)]
fn stripe_count() -> usize {
    2
}

#[cfg(not(promstrict_loom))]
std::thread_local! {
    /// This thread's stripe hint; 0 until first needed.
    static PROBE: Cell<usize> = const { Cell::new(0) };
}

#[cfg(promstrict_loom)]
loom::thread_local! {
    static PROBE: Cell<usize> = Cell::new(0);
}

/// Threads get consecutive probes, so the first few threads to contend land
/// on different stripes without any hashing.
fn thread_probe() -> usize {
    PROBE.with(|p| {
        let mut probe = p.get();
        if probe == 0 {
            #[cfg(not(promstrict_loom))]
            static NEXT: AtomicU64 = AtomicU64::new(1);
            #[cfg(promstrict_loom)]
            loom::lazy_static! {
                static ref NEXT: AtomicU64 = AtomicU64::new(1);
            }
            probe = NEXT.fetch_add(1, Relaxed) as usize;
            p.set(probe);
        }
        probe
    })
}

fn rehash_probe(probe: usize) {
    // An odd step walks every stripe before repeating.
    // (0 means "not yet assigned", so it is skipped.)
    PROBE.with(|p| p.set(probe.wrapping_add(0x9E37_79B9).max(1)));
}

impl fmt::Debug for AtomicHistogram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AtomicHistogram")
            .field("bounds", &self.bounds.bounds())
            .field("count", &self.count())
            .field("sum", &self.sum())
            .field("striped", &self.is_striped())
            .finish()
    }
}

impl AtomicHistogram {
    /// An empty histogram over `buckets`.
    pub fn new(buckets: &Buckets) -> Self {
        AtomicHistogram {
            bounds: buckets.clone(),
            counts: (0..=buckets.bounds().len())
                .map(|_| AtomicU64::new(0))
                .collect(),
            sum: AtomicF64::new(0.0),
            stripes: OnceLock::new(),
            exemplars: std::sync::OnceLock::new(),
        }
    }

    /// Records one observation. NaN and ±∞ are dropped: they would turn
    /// `_sum` into NaN or ∞ for the life of the process.
    #[inline]
    pub fn observe(&self, v: f64) {
        if !v.is_finite() {
            return;
        }
        // Written out rather than through `bucket_of` and `observe_in`: the
        // uncontended path stays one inlined block.
        let bounds = self.bounds.bounds();
        let i = if bounds.len() <= 16 {
            bounds.iter().map(|&b| (b < v) as usize).sum()
        } else {
            bounds.partition_point(|&b| b < v)
        };
        if let Some(stripes) = self.stripes.get() {
            return stripes.observe(i, self.counts.len(), v);
        }
        self.counts[i].fetch_add(1, Relaxed);
        if !self.sum.try_add(v) {
            self.contended(v);
        }
    }

    /// The bucket `v` falls in: `le` is inclusive, so the first one whose
    /// bound is >= v.
    #[inline]
    fn bucket_of(&self, v: f64) -> usize {
        let bounds = self.bounds.bounds();
        // For short lists a branch-free count beats a binary search (no
        // mispredictions on spread-out values).
        if bounds.len() <= 16 {
            bounds.iter().map(|&b| (b < v) as usize).sum()
        } else {
            bounds.partition_point(|&b| b < v)
        }
    }

    /// Records one observation and keeps `exemplar` as the exemplar of the
    /// bucket it falls in (the latest wins), with `v` as its value. NaN and
    /// ±∞ are dropped, exemplar included, as by [`observe`](Self::observe).
    ///
    /// ```
    /// # extern crate promstrict_core as promstrict;
    /// use promstrict::{Buckets, ExemplarLabels, Histogram};
    ///
    /// let latency = Histogram::new(Buckets::new(&[0.1, 0.5, 1.0])?);
    /// let trace = ExemplarLabels::new(&[("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736")])?;
    /// latency.observe_with_exemplar(0.3, &trace);
    /// let le_05 = latency.exemplars()[1].clone().unwrap();
    /// assert_eq!((le_05.value(), le_05.labels().get("trace_id")), (0.3, Some("4bf92f3577b34da6a3ce929d0e0e4736")));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn observe_with_exemplar(&self, v: f64, exemplar: &ExemplarLabels) {
        if !v.is_finite() {
            return;
        }
        let i = self.bucket_of(v);
        self.observe_in(i, v);
        let cells = self.exemplars.get_or_init(|| {
            (0..self.counts.len())
                .map(|_| ExemplarCell::default())
                .collect()
        });
        cells[i].store(exemplar, v);
    }

    /// Each bucket's exemplar cell, once one was recorded.
    pub(crate) fn exemplar_cells(&self) -> Option<&[ExemplarCell]> {
        self.exemplars.get().map(|cells| &**cells)
    }

    /// The latest exemplar of each bucket (`+Inf` last), `None` where none
    /// was recorded.
    pub fn exemplars(&self) -> Vec<Option<Exemplar>> {
        match self.exemplars.get() {
            Some(cells) => cells.iter().map(ExemplarCell::load).collect(),
            None => vec![None; self.counts.len()],
        }
    }

    #[inline]
    fn observe_in(&self, i: usize, v: f64) {
        if let Some(stripes) = self.stripes.get() {
            return stripes.observe(i, self.counts.len(), v);
        }
        self.counts[i].fetch_add(1, Relaxed);
        // One attempt: failing it means another thread is observing right
        // now, and the sum's cache line is bouncing between cores.
        if !self.sum.try_add(v) {
            self.contended(v);
        }
    }

    /// Moves to striped cells and records `v`'s sum there (its count is
    /// already in the shared cells; reads add both up).
    #[cold]
    fn contended(&self, v: f64) {
        let sum_index = self.counts.len();
        self.stripes
            .get_or_init(|| Stripes::new(sum_index + 1))
            .add_sum(sum_index, v);
    }

    /// Whether contention has spread this histogram over per-thread stripes.
    pub fn is_striped(&self) -> bool {
        self.stripes.get().is_some()
    }

    /// Starts a timer that records the elapsed seconds when it is dropped (or
    /// [stopped](HistogramTimer::stop)), so early returns and `?` are timed too.
    ///
    /// ```
    /// # extern crate promstrict_core as promstrict;
    /// use promstrict::Histogram;
    ///
    /// let latency = Histogram::default();
    /// {
    ///     let _timer = latency.start_timer();
    ///     // … the work …
    /// }
    /// assert_eq!(latency.count(), 1);
    /// ```
    pub fn start_timer(&self) -> HistogramTimer<'_> {
        HistogramTimer {
            histogram: self,
            start: std::time::Instant::now(),
            armed: true,
        }
    }

    /// Times `f` and records its duration in seconds.
    pub fn time<T>(&self, f: impl FnOnce() -> T) -> T {
        let start = std::time::Instant::now();
        let out = f();
        self.observe(start.elapsed().as_secs_f64());
        out
    }

    /// The number of observations.
    pub fn count(&self) -> u64 {
        let mut counts = [0u64; MAX_BUCKETS + 1];
        let counts = &mut counts[..self.counts.len()];
        self.snapshot_into(counts);
        counts.iter().sum()
    }

    /// The sum of observations.
    pub fn sum(&self) -> f64 {
        let mut counts = [0u64; MAX_BUCKETS + 1];
        self.snapshot_into(&mut counts[..self.counts.len()])
    }

    /// The bucket bounds.
    pub fn buckets(&self) -> &Buckets {
        &self.bounds
    }

    /// Reads the buckets (non-cumulative, `+Inf` last) into `counts` and returns the sum.
    pub(crate) fn snapshot_into(&self, counts: &mut [u64]) -> f64 {
        for (out, c) in counts.iter_mut().zip(self.counts.iter()) {
            *out = c.load(Relaxed);
        }
        let mut sum = self.sum.get();
        if let Some(stripes) = self.stripes.get() {
            let sum_index = self.counts.len();
            for stripe in 0..stripes.stripes() {
                for (i, out) in counts.iter_mut().enumerate() {
                    *out += stripes.cell(stripe, i).load(Relaxed);
                }
                sum += f64::from_bits(stripes.cell(stripe, sum_index).load(Relaxed));
            }
        }
        sum
    }

    /// The cumulative bucket counts as `(upper bound, count)` pairs, `+Inf` last.
    pub fn cumulative(&self) -> Vec<(f64, u64)> {
        let mut counts = vec![0u64; self.counts.len()];
        self.snapshot_into(&mut counts);
        let mut acc = 0;
        self.bounds
            .bounds()
            .iter()
            .copied()
            .chain(std::iter::once(f64::INFINITY))
            .zip(counts)
            .map(|(b, c)| {
                acc += c;
                (b, acc)
            })
            .collect()
    }
}

/// Hooks for the loom model test (`tests/loom_histogram.rs`); they exist only
/// under `--cfg promstrict_loom`.
#[cfg(promstrict_loom)]
impl AtomicHistogram {
    /// Sets the calling thread's stripe hint, so a model can put observers
    /// on the same stripe (`probe & 1` equal: a loom build has 2 stripes) or
    /// on different ones. Not 0, which means "not yet assigned".
    #[doc(hidden)]
    pub fn loom_set_thread_probe(probe: usize) {
        assert_ne!(probe, 0, "probe 0 means unassigned");
        PROBE.with(|p| p.set(probe));
    }

    /// An empty histogram that is already striped, as after a collision.
    #[doc(hidden)]
    pub fn loom_new_striped(buckets: &Buckets) -> Self {
        let histogram = AtomicHistogram::new(buckets);
        let cells = histogram.counts.len() + 1;
        histogram.stripes.get_or_init(|| Stripes::new(cells));
        histogram
    }
}

/// Records the time since [`AtomicHistogram::start_timer`] when dropped.
#[must_use = "a timer records when it is dropped; dropping it at once records ~0 s"]
#[derive(Debug)]
pub struct HistogramTimer<'a> {
    histogram: &'a AtomicHistogram,
    start: std::time::Instant,
    armed: bool,
}

impl HistogramTimer<'_> {
    /// Records now and returns the seconds recorded.
    pub fn stop(mut self) -> f64 {
        self.armed = false;
        let seconds = self.start.elapsed().as_secs_f64();
        self.histogram.observe(seconds);
        seconds
    }

    /// Drops the timer without recording anything.
    pub fn discard(mut self) {
        self.armed = false;
    }
}

impl Drop for HistogramTimer<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.histogram.observe(self.start.elapsed().as_secs_f64());
        }
    }
}

/// A histogram with fixed buckets.
///
/// ```
/// # extern crate promstrict_core as promstrict;
/// use promstrict::{Buckets, Histogram};
///
/// let latency = Histogram::new(Buckets::new(&[0.1, 0.5, 1.0]).unwrap());
/// latency.observe(0.2);
/// latency.observe(3.0);
/// assert_eq!(latency.count(), 2);
/// assert_eq!(latency.cumulative(), vec![(0.1, 0), (0.5, 1), (1.0, 1), (f64::INFINITY, 2)]);
/// ```
#[derive(Clone)]
pub struct Histogram {
    inner: Arc<AtomicHistogram>,
    /// When it was made (Unix seconds): its `_created` sample.
    created: f64,
}

impl Histogram {
    /// An empty histogram over `buckets`.
    pub fn new(buckets: Buckets) -> Self {
        Histogram {
            inner: Arc::new(AtomicHistogram::new(&buckets)),
            created: unix_seconds(),
        }
    }
}

impl Default for Histogram {
    /// A histogram over [`Buckets::DEFAULT`].
    fn default() -> Self {
        Histogram::new(Buckets::default())
    }
}

impl fmt::Debug for Histogram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.inner, f)
    }
}

impl Deref for Histogram {
    type Target = AtomicHistogram;
    #[inline]
    fn deref(&self) -> &AtomicHistogram {
        &self.inner
    }
}

impl Metric for Histogram {
    const TYPE: MetricType = MetricType::Histogram;
    fn visit(&self, visitor: &mut dyn SeriesVisitor) {
        Self::visit_cell(&self.inner, Labels::None, Some(self.created), visitor)
    }
    fn histogram_bounds(&self) -> Option<Vec<f64>> {
        Self::cell_bounds(&self.inner)
    }
}

impl FamilyMember for Histogram {
    type Cell = AtomicHistogram;
    type Options = Buckets;
    fn new_cell(buckets: &Buckets) -> AtomicHistogram {
        AtomicHistogram::new(buckets)
    }
    fn cell_bounds(cell: &AtomicHistogram) -> Option<Vec<f64>> {
        Some(cell.bounds.bounds().to_vec())
    }
    #[inline]
    fn write_plain(
        cell: &AtomicHistogram,
        index: usize,
        lines: &mut crate::PlainLines<'_>,
    ) -> bool {
        if cell.exemplars.get().is_some() {
            return false;
        }
        with_snapshot(cell, |counts, sum| {
            lines.write_histogram(index, cell.bounds.bounds(), counts, sum)
        })
    }
    fn visit_cell(
        cell: &AtomicHistogram,
        labels: Labels<'_>,
        created: Option<f64>,
        visitor: &mut dyn SeriesVisitor,
    ) {
        with_snapshot(cell, |counts, sum| {
            // Most histograms never get an exemplar: no array to fill and drop.
            let filled: [Option<Exemplar>; MAX_BUCKETS + 1];
            let exemplars: &[Option<Exemplar>] = match cell.exemplars.get() {
                None => &[],
                Some(cells) => {
                    filled = std::array::from_fn(|i| cells.get(i).and_then(|c| c.load()));
                    &filled[..counts.len()]
                }
            };
            visitor.series_with_extras(
                labels,
                SeriesValue::Histogram {
                    bounds: cell.bounds.bounds(),
                    counts,
                    sum,
                },
                SeriesExtras {
                    created,
                    exemplars,
                    native: None,
                },
            )
        })
    }
}

/// Calls `f` with a snapshot of `cell`'s bucket counts and its sum, taken on
/// the stack.
#[inline]
fn with_snapshot<R>(cell: &AtomicHistogram, f: impl FnOnce(&[u64], f64) -> R) -> R {
    let mut stack = [0u64; MAX_BUCKETS + 1];
    let counts = &mut stack[..cell.counts.len()];
    let sum = cell.snapshot_into(counts);
    f(counts, sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observations_land_in_the_inclusive_bucket() {
        let h = Histogram::new(Buckets::new(&[1.0, 2.0, 5.0]).unwrap());
        for v in [0.5, 1.0, 1.5, 2.0, 4.9, 5.0, 5.1, 1e9, -3.0] {
            h.observe(v);
        }
        assert_eq!(
            h.cumulative(),
            vec![(1.0, 3), (2.0, 5), (5.0, 7), (f64::INFINITY, 9)]
        );
        assert_eq!(h.count(), 9);
        assert_eq!(h.sum(), 0.5 + 1.0 + 1.5 + 2.0 + 4.9 + 5.0 + 5.1 + 1e9 - 3.0);
    }

    #[test]
    fn non_finite_observations_are_dropped() {
        let h = Histogram::new(Buckets::new(&[1.0]).unwrap());
        for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            h.observe(v);
        }
        assert_eq!(h.count(), 0);
        assert_eq!(h.sum(), 0.0);
        h.observe(1e300);
        assert_eq!(h.cumulative(), vec![(1.0, 0), (f64::INFINITY, 1)]);
    }

    #[test]
    fn long_bucket_lists_use_the_binary_search_path_consistently() {
        let bounds: Vec<f64> = (1..=20).map(f64::from).collect();
        let h = Histogram::new(Buckets::new(&bounds).unwrap());
        for v in 0..=21 {
            h.observe(v as f64);
        }
        let cum = h.cumulative();
        // Bucket le=k holds 0..=k.
        for (k, (b, c)) in cum.iter().take(20).enumerate() {
            assert_eq!(*b, (k + 1) as f64);
            assert_eq!(*c, k as u64 + 2);
        }
        assert_eq!(cum[20], (f64::INFINITY, 22));
    }

    #[test]
    fn contention_stripes_the_cells_and_loses_nothing() {
        let h = Histogram::new(Buckets::new(&[1.0, 2.0]).unwrap());
        // Force the striped path as a collision would.
        h.contended(0.0);
        assert!(h.is_striped());
        const PER_THREAD: u64 = 200_000;
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for i in 0..PER_THREAD {
                        h.observe((i % 3) as f64);
                    }
                });
            }
        });
        h.observe(0.5);
        // Values 0, 1, 2 in turn: 0 and 1 fall in le=1 (inclusive), 2 in le=2.
        let per_thread_le1 = (0..PER_THREAD).filter(|i| i % 3 < 2).count() as u64;
        assert_eq!(
            h.cumulative(),
            vec![
                (1.0, 4 * per_thread_le1 + 1),
                (2.0, 4 * PER_THREAD + 1),
                (f64::INFINITY, 4 * PER_THREAD + 1),
            ]
        );
        assert_eq!(h.count(), 4 * PER_THREAD + 1);
        let expected_sum: u64 = 4 * (0..PER_THREAD).map(|i| i % 3).sum::<u64>();
        assert_eq!(h.sum(), expected_sum as f64 + 0.5);
    }

    #[test]
    fn timers_record_once_unless_discarded() {
        let h = Histogram::default();
        drop(h.start_timer());
        let seconds = h.start_timer().stop();
        assert!(seconds >= 0.0);
        h.start_timer().discard();
        assert_eq!(h.count(), 2);
    }

    #[test]
    fn bucket_validation() {
        assert_eq!(Buckets::new(&[]), Err(BucketsError::Empty));
        assert!(matches!(
            Buckets::new(&[1.0, f64::INFINITY]),
            Err(BucketsError::NotFinite { index: 1, .. })
        ));
        assert!(matches!(
            Buckets::new(&[f64::NAN]),
            Err(BucketsError::NotFinite { index: 0, .. })
        ));
        assert_eq!(
            Buckets::new(&[1.0, 1.0]),
            Err(BucketsError::NotIncreasing {
                index: 1,
                value: 1.0,
                previous: 1.0
            })
        );
        assert!(matches!(
            Buckets::new(&vec![1.0; 65]),
            Err(BucketsError::TooMany(65))
        ));
        // The limit is the derive's: 20 bounds.
        let twenty_one: Vec<f64> = (0..21).map(f64::from).collect();
        assert_eq!(Buckets::new(&twenty_one), Err(BucketsError::TooMany(21)));
        Buckets::new(&twenty_one[..20]).unwrap();
        assert_eq!(
            Buckets::linear(1.0, 0.5, 3).unwrap().bounds(),
            &[1.0, 1.5, 2.0]
        );
        assert!(Buckets::exponential(0.0, 2.0, 3).is_err());
        assert!(Buckets::exponential(1.0, 1.0, 3).is_err());
        assert!(Buckets::linear(0.0, -1.0, 3).is_err());
        for huge in [
            Buckets::exponential(1.0, 2.0, usize::MAX),
            Buckets::linear(1.0, 1.0, 1 << 40),
        ] {
            assert_eq!(
                huge.unwrap_err().to_string(),
                "`count` must be between 1 and 20: each bucket is one more time series per label combination"
            );
        }
        for preset in [
            Buckets::FAST,
            Buckets::MEDIUM,
            Buckets::SLOW,
            Buckets::DEFAULT,
        ] {
            Buckets::new(preset).unwrap();
        }
    }
}
