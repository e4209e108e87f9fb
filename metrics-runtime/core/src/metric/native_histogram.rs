//! Native histograms: Prometheus' sparse buckets with exponential bounds
//! (see [`NativeHistogram`]).

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Deref;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::sync::atomic::{AtomicU64, AtomicUsize};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use super::exemplar::{unix_seconds, Exemplar, ExemplarCell, ExemplarLabels};
use super::histogram::Buckets;
use super::{
    AtomicF64, FamilyMember, Metric, MetricType, SeriesExtras, SeriesValue, SeriesVisitor,
};
use crate::label::Labels;

#[cfg(test)]
use promstrict_rules::native::MAX_SCHEMA;
pub use promstrict_rules::native::{
    NativeError, DEFAULT_ZERO_THRESHOLD, MAX_NATIVE_BUCKETS, MIN_SCHEMA,
};

/// Buckets every finite `f64` (and ±∞) needs at schema −4: indices −67 to 65.
const WINDOW_AT_MIN_SCHEMA: usize = 134;

/// The parameters of a native histogram, validated by the same rules (and
/// with the same messages) as `#[metric(native(...))]`.
///
/// ```
/// # extern crate promstrict_core as promstrict;
/// use promstrict::{Buckets, NativeOptions};
///
/// let options = NativeOptions::new(3, 160, 1e-9)?.with_classic_buckets(Buckets::new(&[0.1, 1.0])?);
/// assert_eq!((options.schema(), options.max_buckets()), (3, 160));
/// assert!(NativeOptions::new(9, 160, 0.0).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct NativeOptions {
    schema: i32,
    max_buckets: usize,
    zero_threshold: f64,
    classic: Option<Buckets>,
}

impl NativeOptions {
    /// Schema `schema` (−4 to 8), at most `max_buckets` (1 to
    /// [`MAX_NATIVE_BUCKETS`]) buckets per sign, and observations `v` with
    /// `|v| <= zero_threshold` (finite, ≥ 0) in the zero bucket.
    pub fn new(schema: i32, max_buckets: usize, zero_threshold: f64) -> Result<Self, NativeError> {
        promstrict_rules::native::check(
            i64::from(schema),
            u64::try_from(max_buckets).unwrap_or(u64::MAX),
            zero_threshold,
        )?;
        Ok(NativeOptions {
            schema,
            max_buckets,
            zero_threshold,
            classic: None,
        })
    }

    /// Also keeps classic buckets over `buckets`: text formats then expose
    /// them as `_bucket` lines, and protobuf carries both.
    pub fn with_classic_buckets(mut self, buckets: Buckets) -> Self {
        self.classic = Some(buckets);
        self
    }

    /// The starting schema.
    pub fn schema(&self) -> i32 {
        self.schema
    }

    /// The most buckets of each sign.
    pub fn max_buckets(&self) -> usize {
        self.max_buckets
    }

    /// The zero bucket's threshold.
    pub fn zero_threshold(&self) -> f64 {
        self.zero_threshold
    }

    /// The classic buckets kept beside the native ones, if any.
    pub fn classic_buckets(&self) -> Option<&Buckets> {
        self.classic.as_ref()
    }
}

/// Parameters the derive macros have already validated at compile time.
#[doc(hidden)]
pub fn validated_native_options(
    schema: i32,
    max_buckets: usize,
    zero_threshold: f64,
) -> NativeOptions {
    NativeOptions::new(schema, max_buckets, zero_threshold)
        .unwrap_or_else(|e| panic!("native histogram parameters checked at compile time: {e}"))
}

impl Default for NativeOptions {
    /// Schema 3 (buckets grow by about 9 %), 160 buckets per sign, the zero
    /// threshold 2^-128, no classic buckets.
    fn default() -> Self {
        NativeOptions {
            schema: 3,
            max_buckets: 160,
            zero_threshold: DEFAULT_ZERO_THRESHOLD,
            classic: None,
        }
    }
}

/// A native histogram's state at the moment it was read.
#[derive(Clone, Debug, PartialEq)]
pub struct NativeSnapshot {
    /// The current schema (it only goes down, when buckets are merged).
    pub schema: i32,
    /// The zero bucket's threshold.
    pub zero_threshold: f64,
    /// Observations with `|v| <= zero_threshold`.
    pub zero_count: u64,
    /// All observations, NaN included.
    pub count: u64,
    /// The sum of all observations.
    pub sum: f64,
    /// Non-empty positive buckets as `(index, count)`, by increasing index.
    pub positive: Vec<(i32, u64)>,
    /// Non-empty negative buckets as `(index, count)`, by increasing index
    /// (bucket `i` holds `-base^i <= v < -base^(i-1)`).
    pub negative: Vec<(i32, u64)>,
}

impl NativeSnapshot {
    /// The upper bound `2^(index · 2^-schema)` of positive bucket `index`.
    ///
    /// ```
    /// # extern crate promstrict_core as promstrict;
    /// use promstrict::NativeSnapshot;
    ///
    /// assert_eq!(NativeSnapshot::bucket_upper_bound(0, 3), 8.0);
    /// assert_eq!(NativeSnapshot::bucket_upper_bound(1, 2), 2.0);
    /// ```
    pub fn bucket_upper_bound(schema: i32, index: i32) -> f64 {
        bucket_bound(schema, index)
    }

    /// The sum of `snapshots` (several series read as one): at the lowest
    /// of their schemas, each bucket of a higher one folded into the bucket
    /// that contains it, with the widest zero threshold. `None` if empty.
    pub fn merged<'a>(snapshots: impl IntoIterator<Item = &'a NativeSnapshot>) -> Option<Self> {
        let snapshots: Vec<&NativeSnapshot> = snapshots.into_iter().collect();
        let schema = snapshots.iter().map(|s| s.schema).min()?;
        let (mut positive, mut negative) = (BTreeMap::new(), BTreeMap::new());
        let mut out = NativeSnapshot {
            schema,
            zero_threshold: 0.0,
            zero_count: 0,
            count: 0,
            sum: 0.0,
            positive: Vec::new(),
            negative: Vec::new(),
        };
        for s in snapshots {
            let steps = s.schema - schema;
            for &(key, count) in &s.positive {
                *positive.entry(reduce_key(key, steps)).or_insert(0u64) += count;
            }
            for &(key, count) in &s.negative {
                *negative.entry(reduce_key(key, steps)).or_insert(0u64) += count;
            }
            out.zero_threshold = out.zero_threshold.max(s.zero_threshold);
            out.zero_count += s.zero_count;
            out.count += s.count;
            out.sum += s.sum;
        }
        out.positive = positive.into_iter().collect();
        out.negative = negative.into_iter().collect();
        Some(out)
    }

    /// Spans and deltas as protobuf and remote write carry buckets: each
    /// span `(offset, length)` starts `offset` indices after the previous
    /// span's end (the first at its absolute index), and each delta is a
    /// bucket's count minus the previous bucket's.
    pub fn spans_and_deltas(buckets: &[(i32, u64)]) -> (Vec<(i32, u32)>, Vec<i64>) {
        let mut spans: Vec<(i32, u32)> = Vec::new();
        let mut deltas = Vec::with_capacity(buckets.len());
        let mut next_index: Option<i32> = None;
        let mut previous = 0i64;
        for &(index, count) in buckets {
            match next_index {
                Some(next) if next == index => {
                    if let Some(last) = spans.last_mut() {
                        last.1 += 1;
                    }
                }
                Some(next) => spans.push((index - next, 1)),
                None => spans.push((index, 1)),
            }
            next_index = Some(index + 1);
            let count = i64::try_from(count).unwrap_or(i64::MAX);
            deltas.push(count.wrapping_sub(previous));
            previous = count;
        }
        (spans, deltas)
    }
}

/// `2^(index · 2^-schema)`, exactly for schemas ≤ 0.
fn bucket_bound(schema: i32, index: i32) -> f64 {
    if schema <= 0 {
        let exp = i64::from(index) << -schema;
        if exp > 1024 {
            f64::INFINITY
        } else if exp < -1074 {
            0.0
        } else {
            // 2^exp in two steps, so subnormals come out right.
            let half = (exp / 2) as i32;
            2f64.powi(half) * 2f64.powi(exp as i32 - half)
        }
    } else {
        let n = 1i64 << schema;
        let whole = i64::from(index).div_euclid(n);
        let part = i64::from(index).rem_euclid(n);
        // 2^(whole + part/n) = frac_table(part) · 2^(whole + 1)
        let frac = fraction_bounds()[(part as usize) << (8 - schema)];
        let exp = whole + 1;
        if exp > 1024 {
            f64::INFINITY
        } else {
            let half = (exp / 2) as i32;
            frac * 2f64.powi(half) * 2f64.powi(exp as i32 - half)
        }
    }
}

/// `2^(j/256 - 1)` for `j` in `0..256`: the mantissa bounds of schema 8;
/// schema `s` uses every `2^(8-s)`-th entry.
#[inline]
fn fraction_bounds() -> &'static [f64; 256] {
    &tables().bounds
}

/// The bounds, and where to start looking in them for a mantissa.
struct Tables {
    bounds: [f64; 256],
    /// For each of the 1024 cells `[0.5 + c/2048, 0.5 + (c+1)/2048)` of
    /// mantissas (their top 10 bits), the first `j` whose bound is at least
    /// the cell's low end. Bounds are more than a cell apart, so the answer
    /// for any mantissa in the cell is this `j` or the next.
    start: [u16; 1024],
}

#[inline]
fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut bounds = [0.0; 256];
        for (j, bound) in bounds.iter_mut().enumerate() {
            *bound = (j as f64 / 256.0 - 1.0).exp2();
        }
        let mut start = [0u16; 1024];
        for (c, first) in start.iter_mut().enumerate() {
            let low = 0.5 + c as f64 / 2048.0;
            *first = bounds.partition_point(|&b| b < low) as u16;
        }
        Tables { bounds, start }
    })
}

/// The index at schema 8 within one octave: the first `j` in `0..=256`
/// whose bound is at least `frac` (in `[0.5, 1)`), by one table look-up and
/// at most one step.
#[inline]
fn octave_index(frac: f64) -> usize {
    let tables = tables();
    // The top 10 bits of the 52-bit mantissa.
    let cell = ((frac.to_bits() >> 42) & 0x3ff) as usize;
    let mut j = usize::from(tables.start[cell]);
    while j < 256 && tables.bounds[j] < frac {
        j += 1;
    }
    j
}

/// `(frac, exp)` with `v = frac · 2^exp` and `frac` in `[0.5, 1)`, for
/// finite `v > 0` (Go's `math.Frexp`).
#[inline]
fn frexp(v: f64) -> (f64, i32) {
    let mut bits = v.to_bits();
    let mut exp = ((bits >> 52) & 0x7ff) as i32;
    let mut adjust = 0;
    if exp == 0 {
        // Subnormal: scale up by 2^64 first.
        bits = (v * 18_446_744_073_709_551_616.0).to_bits();
        exp = ((bits >> 52) & 0x7ff) as i32;
        adjust = -64;
    }
    let frac = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (frac, exp - 1022 + adjust)
}

/// The bucket index of `abs` (> 0, possibly +∞) at `schema`, as
/// client_golang computes it.
#[inline]
fn key_of(abs: f64, schema: i32) -> i32 {
    let (value, infinite) = if abs.is_infinite() {
        (f64::MAX, true)
    } else {
        (abs, false)
    };
    let (frac, exp) = frexp(value);
    let key = if schema > 0 {
        // The key at schema 8, reduced: buckets of lower schemas are unions
        // of schema-8 buckets, so the first bound >= frac at schema `s` is
        // the first one at schema 8, rounded up to a multiple of 2^(8-s).
        let key8 = octave_index(frac) as i32 + (exp - 1) * 256;
        reduce_key(key8, 8 - schema)
    } else {
        let k = if frac == 0.5 { exp - 1 } else { exp };
        reduce_key(k, -schema)
    };
    key + infinite as i32
}

/// The index at `schema - steps` of the bucket `key` at `schema`:
/// `ceil(key / 2^steps)`.
#[inline]
fn reduce_key(key: i32, steps: i32) -> i32 {
    ((i64::from(key) + (1i64 << steps) - 1) >> steps) as i32
}

/// One sign's window of buckets.
struct Side {
    /// The bucket index of `counts[0]`.
    base: i32,
    counts: Box<[AtomicU64]>,
}

impl Side {
    fn new(base: i32, len: usize) -> Self {
        Side {
            base,
            counts: (0..len).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    #[inline]
    fn slot(&self, key: i32) -> Option<&AtomicU64> {
        let offset = i64::from(key) - i64::from(self.base);
        usize::try_from(offset)
            .ok()
            .and_then(|i| self.counts.get(i))
    }

    fn populated(&self) -> impl Iterator<Item = (i32, u64)> + '_ {
        self.counts.iter().enumerate().filter_map(|(i, c)| {
            let c = c.load(Relaxed);
            (c > 0).then_some((self.base + i as i32, c))
        })
    }
}

/// The buckets at one schema; replaced whole when the schema or a
/// window's position changes.
struct Window {
    schema: i32,
    positive: Side,
    negative: Side,
}

impl Window {
    fn side(&self, positive: bool) -> &Side {
        if positive {
            &self.positive
        } else {
            &self.negative
        }
    }
}

/// The most windows a series ever has: the last one possible is a
/// full-range window at schema −4, which never needs replacing.
const MAX_WINDOWS: usize = 16;

/// The storage of one native histogram series. Reached through
/// [`NativeHistogram`]'s `Deref`, or from
/// [`Family::labels`](crate::Family::labels).
pub struct AtomicNativeHistogram {
    options: NativeOptions,
    /// The first window, made with the histogram.
    first: Window,
    /// Later windows, each set once by the slow path; `windows[0]` unused.
    windows: Box<[OnceLock<Window>]>,
    /// The index of the window observations go to; it only grows.
    current: AtomicUsize,
    zero_count: AtomicU64,
    nan_count: AtomicU64,
    sum: AtomicF64,
    /// Classic buckets (`+Inf` last), when kept.
    classic: Option<Box<[AtomicU64]>>,
    /// Taken by the slow path and by readers, never by observers in the window.
    rescale: Mutex<()>,
    /// The latest exemplar of each classic bucket (`+Inf` last; only `+Inf`
    /// without classic buckets), allocated with the first one.
    exemplars: OnceLock<Box<[ExemplarCell]>>,
}

impl fmt::Debug for AtomicNativeHistogram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let snapshot = self.snapshot();
        f.debug_struct("AtomicNativeHistogram")
            .field("schema", &snapshot.schema)
            .field("count", &snapshot.count)
            .field("sum", &snapshot.sum)
            .finish()
    }
}

impl AtomicNativeHistogram {
    /// An empty native histogram.
    pub fn new(options: &NativeOptions) -> Self {
        let len = window_len(options.schema, options.max_buckets);
        // Centred on bucket 0 (values near 1) until observations say where.
        let base = -(len as i32) / 2;
        AtomicNativeHistogram {
            first: Window {
                schema: options.schema,
                positive: Side::new(base, len),
                negative: Side::new(base, len),
            },
            windows: (0..MAX_WINDOWS).map(|_| OnceLock::new()).collect(),
            current: AtomicUsize::new(0),
            zero_count: AtomicU64::new(0),
            nan_count: AtomicU64::new(0),
            sum: AtomicF64::new(0.0),
            classic: options
                .classic
                .as_ref()
                .map(|b| (0..=b.bounds().len()).map(|_| AtomicU64::new(0)).collect()),
            rescale: Mutex::new(()),
            exemplars: OnceLock::new(),
            options: options.clone(),
        }
    }

    /// Window `i` (the first one if `i` was never set, which the slow path
    /// rules out by setting a window before pointing `current` at it).
    #[inline]
    fn window_at(&self, i: usize) -> &Window {
        if i == 0 {
            return &self.first;
        }
        match self.windows.get(i).and_then(OnceLock::get) {
            Some(window) if i > 0 => window,
            _ => &self.first,
        }
    }

    /// Records one observation (see [`NativeHistogram`] for NaN and ±∞).
    #[inline]
    pub fn observe(&self, v: f64) {
        let abs = v.abs();
        if abs <= self.options.zero_threshold {
            self.zero_count.fetch_add(1, Relaxed);
        } else if v.is_nan() {
            self.nan_count.fetch_add(1, Relaxed);
        } else {
            let window = self.window_at(self.current.load(Acquire));
            let key = key_of(abs, window.schema);
            match window.side(v > 0.0).slot(key) {
                Some(slot) => {
                    slot.fetch_add(1, Relaxed);
                }
                None => self.observe_outside(v),
            }
        }
        self.sum.add(v);
        if let (Some(classic), Some(buckets)) = (&self.classic, &self.options.classic) {
            // Go's `sort.SearchFloat64s`: NaN lands in `+Inf`.
            let i = buckets.bounds().partition_point(|&b| {
                b.partial_cmp(&v) == Some(std::cmp::Ordering::Less) || v.is_nan()
            });
            // Release: a reader that sees this count sees the native one too.
            classic[i].fetch_add(1, Release);
        }
    }

    /// Records one observation, as [`observe`](Self::observe), and keeps
    /// `exemplar` with `v` as its value: the latest exemplar of the classic
    /// bucket `v` falls in, or of the whole histogram without classic
    /// buckets. The protobuf exposition carries it both on that bucket and
    /// in the histogram's exemplar list (where Prometheus reads the
    /// exemplars of native histograms); OpenMetrics on that bucket's line.
    /// NaN and ±∞ are counted but keep no exemplar.
    ///
    /// ```
    /// # extern crate promstrict_core as promstrict;
    /// use promstrict::{ExemplarLabels, NativeHistogram};
    ///
    /// let latency = NativeHistogram::default();
    /// let trace = ExemplarLabels::trace("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7")?;
    /// latency.observe_with_exemplar(0.25, &trace);
    /// let kept = latency.exemplars()[0].clone().unwrap();
    /// assert_eq!((kept.value(), latency.count()), (0.25, 1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn observe_with_exemplar(&self, v: f64, exemplar: &ExemplarLabels) {
        self.observe(v);
        if !v.is_finite() {
            return;
        }
        let i = match &self.options.classic {
            Some(buckets) => buckets.bounds().partition_point(|&b| b < v),
            None => 0,
        };
        let cells = self.exemplars.get_or_init(|| {
            let n = self.classic.as_ref().map_or(1, |c| c.len());
            (0..n).map(|_| ExemplarCell::default()).collect()
        });
        if let Some(cell) = cells.get(i) {
            cell.store(exemplar, v);
        }
    }

    /// The latest exemplar of each classic bucket (`+Inf` last; one entry
    /// without classic buckets), `None` where none was recorded.
    pub fn exemplars(&self) -> Vec<Option<Exemplar>> {
        match self.exemplars.get() {
            Some(cells) => cells.iter().map(ExemplarCell::load).collect(),
            None => vec![None; self.classic.as_ref().map_or(1, |c| c.len())],
        }
    }

    /// The slow path: `v` falls outside the current window. A new window is
    /// set up and made current; observers still writing to older windows
    /// keep doing so, and reads add every window up.
    #[cold]
    fn observe_outside(&self, v: f64) {
        let _lock = self.rescale.lock().unwrap_or_else(PoisonError::into_inner);
        let positive = v > 0.0;
        let index = self.current.load(Acquire);
        let current = self.window_at(index);
        let key = key_of(v.abs(), current.schema);
        if let Some(slot) = current.side(positive).slot(key) {
            slot.fetch_add(1, Relaxed);
            return;
        }
        if index + 1 >= self.windows.len() {
            // Not reached: the last window holds every index. Counted
            // rather than lost.
            self.zero_count.fetch_add(1, Relaxed);
            return;
        }
        let next = if index + 2 >= MAX_WINDOWS {
            // The last window: every index at schema -4.
            let len = window_len(MIN_SCHEMA, self.options.max_buckets);
            Window {
                schema: MIN_SCHEMA,
                positive: Side::new(-67, len),
                negative: Side::new(-67, len),
            }
        } else {
            self.plan(index, (positive, key))
        };
        let key = reduce_key(key, current.schema - next.schema);
        match next.side(positive).slot(key) {
            Some(slot) => {
                slot.fetch_add(1, Relaxed);
            }
            // Not reached: the plan covers `key`.
            None => {
                self.zero_count.fetch_add(1, Relaxed);
            }
        }
        if self.windows[index + 1].set(next).is_ok() {
            self.current.store(index + 1, Release);
        }
    }

    /// Every populated bucket of windows `0..=last`, at `last`'s schema.
    fn merged(&self, last: usize) -> (i32, BTreeMap<i32, u64>, BTreeMap<i32, u64>) {
        let schema = self.window_at(last).schema;
        let (mut positive, mut negative) = (BTreeMap::new(), BTreeMap::new());
        for i in 0..=last {
            let window = self.window_at(i);
            let steps = window.schema - schema;
            for (key, count) in window.positive.populated() {
                *positive.entry(reduce_key(key, steps)).or_insert(0) += count;
            }
            for (key, count) in window.negative.populated() {
                *negative.entry(reduce_key(key, steps)).or_insert(0) += count;
            }
        }
        (schema, positive, negative)
    }

    /// A window holding every populated bucket so far and `new`.
    fn plan(&self, index: usize, new: (bool, i32)) -> Window {
        let (current_schema, positive, negative) = self.merged(index);
        let range = |map: &BTreeMap<i32, u64>, sign: bool| {
            let mut keys: Vec<i32> = map.keys().copied().collect();
            if new.0 == sign {
                keys.push(new.1);
            }
            let lo = keys.iter().min().copied()?;
            let hi = keys.iter().max().copied()?;
            Some((lo, hi))
        };
        let (pos, neg) = (range(&positive, true), range(&negative, false));
        let mut schema = current_schema;
        loop {
            let steps = current_schema - schema;
            let span = |r: Option<(i32, i32)>| {
                r.map_or(0, |(lo, hi)| {
                    (i64::from(reduce_key(hi, steps)) - i64::from(reduce_key(lo, steps)) + 1)
                        as usize
                })
            };
            if schema == MIN_SCHEMA
                || (span(pos) <= self.options.max_buckets && span(neg) <= self.options.max_buckets)
            {
                break;
            }
            schema -= 1;
        }
        let steps = current_schema - schema;
        let len = window_len(schema, self.options.max_buckets);
        let current = self.window_at(index);
        let side = |r: Option<(i32, i32)>, old: &Side| {
            let base = match r {
                Some((lo, hi)) => {
                    let (lo, hi) = (reduce_key(lo, steps), reduce_key(hi, steps));
                    let span = (hi - lo + 1) as usize;
                    lo - (len.saturating_sub(span) / 2) as i32
                }
                None => reduce_key(old.base, steps),
            };
            Side::new(base, len)
        };
        Window {
            schema,
            positive: side(pos, &current.positive),
            negative: side(neg, &current.negative),
        }
    }

    /// The current state: schema, buckets, zero bucket, count and sum.
    pub fn snapshot(&self) -> NativeSnapshot {
        self.read().0
    }

    /// The snapshot and, when classic buckets are kept, their
    /// non-cumulative counts (`+Inf` last) consistent with its count.
    fn read(&self) -> (NativeSnapshot, Vec<u64>) {
        let _lock = self.rescale.lock().unwrap_or_else(PoisonError::into_inner);
        // Classic counts first: each is preceded by its native count.
        let mut classic: Vec<u64> = self
            .classic
            .iter()
            .flat_map(|c| c.iter().map(|c| c.load(Acquire)))
            .collect();
        let (schema, positive, negative) = self.merged(self.current.load(Acquire));
        let positive: Vec<(i32, u64)> = positive.into_iter().collect();
        let negative: Vec<(i32, u64)> = negative.into_iter().collect();
        let zero_count = self.zero_count.load(Relaxed);
        let count = zero_count
            + self.nan_count.load(Relaxed)
            + positive.iter().map(|b| b.1).sum::<u64>()
            + negative.iter().map(|b| b.1).sum::<u64>();
        if let Some((inf, finite)) = classic.split_last_mut() {
            *inf = count.saturating_sub(finite.iter().sum());
        }
        let snapshot = NativeSnapshot {
            schema,
            zero_threshold: self.options.zero_threshold,
            zero_count,
            count,
            sum: self.sum.get(),
            positive,
            negative,
        };
        (snapshot, classic)
    }

    /// The number of observations.
    pub fn count(&self) -> u64 {
        self.snapshot().count
    }

    /// The sum of observations.
    pub fn sum(&self) -> f64 {
        self.sum.get()
    }

    /// The current schema: the configured one until buckets were merged.
    pub fn schema(&self) -> i32 {
        self.window_at(self.current.load(Acquire)).schema
    }

    /// The options it was made with.
    pub fn options(&self) -> &NativeOptions {
        &self.options
    }
}

/// The window length at `schema`: `max_buckets`, and at least every index
/// at schema −4.
fn window_len(schema: i32, max_buckets: usize) -> usize {
    if schema == MIN_SCHEMA {
        max_buckets.max(WINDOW_AT_MIN_SCHEMA)
    } else {
        max_buckets.max(1)
    }
}

/// A native histogram: exponential buckets that need no bounds chosen in
/// advance, exposed over protobuf to a Prometheus started with
/// `--enable-feature=native-histograms`. Text formats expose its count and
/// sum (and its classic buckets if it keeps them); the protobuf exposition
/// (feature `protobuf`) carries its buckets, and so does
/// [`Registry::collect_with_extras`](crate::Registry::collect_with_extras),
/// through which the terminal dashboard's sampler derives quantiles from
/// them. Remote write and [`Registry::collect`](crate::Registry::collect)
/// see the classic view.
///
/// At schema `s` the buckets grow by the factor `2^(2^-s)`; bucket `i`
/// holds the observations `v` with `base^(i-1) < |v| <= base^i`, in one set
/// of buckets for positive and one for negative values. Observations with
/// `|v| <=` the zero threshold count in the zero bucket.
///
/// # Storage and cost
///
/// Each sign's buckets live in a window of atomic counters covering
/// `max_buckets` consecutive bucket indices (at schema −4, where every
/// `f64` fits in 134 buckets, at least that many): 16 bytes per bucket of
/// the window (2.5 KiB for `max_buckets = 160`). An observation inside the
/// window costs two loads to find the window, the bucket index (from the
/// float's bits and a search of at most 8 steps in a table of bounds), one
/// `fetch_add` and a compare-and-swap loop on the sum: no lock, no
/// allocation.
///
/// An observation outside the window takes the rare slow path under a
/// mutex: a new window is placed around the populated buckets, at the same
/// schema while their span fits in `max_buckets`, otherwise at a schema
/// lowered one step at a time (each step merges bucket pairs, as
/// client_golang does), never below −4. Earlier windows are kept, and
/// observers still writing to them are counted: scrapes (which take the
/// same mutex) add every window up at the current schema. A series has at
/// most 16 windows, the last possible one covering every index at schema
/// −4, so memory stays bounded (most series keep one or two windows).
/// `max_buckets` bounds the span of bucket indices of each sign
/// (client_golang bounds the number of populated buckets, which is never
/// more).
///
/// # NaN and infinities
///
/// As in client_golang: NaN counts in the count and makes the sum NaN, but
/// falls in no bucket; `+Inf` and `-Inf` fall in the bucket just beyond
/// `f64::MAX` (or `-f64::MAX`) and make the sum infinite. A classic bucket
/// list kept beside counts NaN in `+Inf`.
///
/// ```
/// # extern crate promstrict_core as promstrict;
/// use promstrict::{NativeHistogram, NativeOptions};
///
/// let latency = NativeHistogram::new(NativeOptions::new(0, 160, 0.0)?);
/// latency.observe(3.0); // bucket 2: (2, 4]
/// latency.observe(-1.0); // negative bucket 0: [-1, -0.5)
/// latency.observe(0.0); // the zero bucket
/// let s = latency.snapshot();
/// assert_eq!((s.count, s.sum, s.zero_count), (3, 2.0, 1));
/// assert_eq!((s.positive, s.negative), (vec![(2, 1)], vec![(0, 1)]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct NativeHistogram {
    inner: Arc<AtomicNativeHistogram>,
    created: f64,
}

impl NativeHistogram {
    /// An empty native histogram.
    pub fn new(options: NativeOptions) -> Self {
        NativeHistogram {
            inner: Arc::new(AtomicNativeHistogram::new(&options)),
            created: unix_seconds(),
        }
    }
}

impl Default for NativeHistogram {
    /// With [`NativeOptions::default`].
    fn default() -> Self {
        NativeHistogram::new(NativeOptions::default())
    }
}

impl fmt::Debug for NativeHistogram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.inner, f)
    }
}

impl Deref for NativeHistogram {
    type Target = AtomicNativeHistogram;
    #[inline]
    fn deref(&self) -> &AtomicNativeHistogram {
        &self.inner
    }
}

impl Metric for NativeHistogram {
    const TYPE: MetricType = MetricType::Histogram;
    fn visit(&self, visitor: &mut dyn SeriesVisitor) {
        Self::visit_cell(&self.inner, Labels::None, Some(self.created), visitor)
    }
}

impl FamilyMember for NativeHistogram {
    type Cell = AtomicNativeHistogram;
    type Options = NativeOptions;
    fn new_cell(options: &NativeOptions) -> AtomicNativeHistogram {
        AtomicNativeHistogram::new(options)
    }
    fn visit_cell(
        cell: &AtomicNativeHistogram,
        labels: Labels<'_>,
        created: Option<f64>,
        visitor: &mut dyn SeriesVisitor,
    ) {
        let (snapshot, mut classic) = cell.read();
        let bounds = match &cell.options.classic {
            Some(b) => b.bounds(),
            None => {
                classic = vec![snapshot.count];
                &[]
            }
        };
        let exemplars = match cell.exemplars.get() {
            Some(cells) => cells.iter().map(ExemplarCell::load).collect(),
            None => Vec::new(),
        };
        visitor.series_with_extras(
            labels,
            SeriesValue::Histogram {
                bounds,
                counts: &classic,
                sum: snapshot.sum,
            },
            SeriesExtras {
                created,
                exemplars: &exemplars,
                native: Some(&snapshot),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(schema: i32, max_buckets: usize, zero: f64) -> NativeHistogram {
        NativeHistogram::new(NativeOptions::new(schema, max_buckets, zero).unwrap())
    }

    #[test]
    fn frexp_matches_go() {
        assert_eq!(frexp(1.0), (0.5, 1));
        assert_eq!(frexp(8.0), (0.5, 4));
        assert_eq!(frexp(3.0), (0.75, 2));
        assert_eq!(frexp(f64::MIN_POSITIVE), (0.5, -1021));
        assert_eq!(frexp(5e-324), (0.5, -1073));
        assert_eq!(frexp(f64::MAX).1, 1024);
    }

    #[test]
    fn keys_follow_the_bucket_definition() {
        // Bucket i holds base^(i-1) < v <= base^i.
        for schema in MIN_SCHEMA..=MAX_SCHEMA {
            for &v in &[
                1e-300, 1e-9, 0.001, 0.3, 0.5, 1.0, 1.5, 2.0, 3.0, 1000.0, 1e9, 1e300,
            ] {
                let k = key_of(v, schema);
                let (lower, upper) = (bucket_bound(schema, k - 1), bucket_bound(schema, k));
                assert!(
                    lower < v && v <= upper,
                    "schema {schema} v {v} key {k}: ({lower}, {upper}]"
                );
            }
        }
        // Powers of two sit on bounds at every schema.
        assert_eq!(key_of(1.0, 3), 0);
        assert_eq!(key_of(2.0, 3), 8);
        assert_eq!(key_of(2.0, 0), 1);
        assert_eq!(key_of(4.0, -1), 1);
        assert_eq!(key_of(5.0, -1), 2);
        // The extremes at schema -4 fit the window.
        assert_eq!(key_of(5e-324, -4), -67);
        assert_eq!(key_of(f64::MAX, -4), 64);
        assert_eq!(key_of(f64::INFINITY, -4), 65);
        assert!(65 - -67 < WINDOW_AT_MIN_SCHEMA as i32);
    }

    #[test]
    fn keys_by_table_match_a_search_of_the_bounds() {
        // A binary search of each schema's own bounds, as client_golang does.
        fn searched(abs: f64, schema: i32) -> i32 {
            let (frac, exp) = frexp(abs);
            let n = 1usize << schema;
            let stride = 8 - schema;
            let j = (0..n)
                .find(|&j| fraction_bounds()[j << stride] >= frac)
                .unwrap_or(n);
            j as i32 + (exp - 1) * n as i32
        }
        // Mantissas across every cell of the start table, their neighbours
        // and the bounds themselves, at a few exponents.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut values = Vec::new();
        for _ in 0..20_000 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            values.push(f64::from_bits((1022u64 << 52) | (state >> 12)));
        }
        for &b in fraction_bounds() {
            values.extend([
                b,
                f64::from_bits(b.to_bits() + 1),
                f64::from_bits(b.to_bits() - 1),
            ]);
        }
        for scale in [1.0, 2.0, 1e-9, 1e9] {
            for &v in &values {
                let v = v * scale;
                for schema in 1..=MAX_SCHEMA {
                    assert_eq!(
                        key_of(v, schema),
                        searched(v, schema),
                        "v {v:e} schema {schema}"
                    );
                }
            }
        }
    }

    #[test]
    fn merged_snapshots_fold_to_the_lowest_schema() {
        let a = h(1, 160, 0.0);
        let b = h(0, 160, 0.0);
        for v in [1.0, 1.5, 3.0] {
            a.observe(v);
        }
        b.observe(3.0);
        b.observe(-1.0);
        let m = NativeSnapshot::merged([&a.snapshot(), &b.snapshot()]).unwrap();
        assert_eq!((m.schema, m.count, m.sum), (0, 5, 7.5));
        // Schema 1: 1 -> 0, 1.5 -> 1, 3 -> 4; at schema 0: 0, 1, 2; plus b's 3 -> 2.
        assert_eq!(m.positive, vec![(0, 1), (1, 1), (2, 2)]);
        assert_eq!(m.negative, vec![(0, 1)]);
        assert!(NativeSnapshot::merged([]).is_none());
    }

    #[test]
    fn nan_and_infinities_as_client_golang() {
        let h = h(0, 160, 0.0);
        h.observe(f64::INFINITY);
        h.observe(f64::NEG_INFINITY);
        let s = h.snapshot();
        assert_eq!(s.count, 2);
        assert!(s.sum.is_nan()); // +Inf + -Inf
        assert_eq!(s.positive, vec![(1025, 1)]);
        assert_eq!(s.negative, vec![(1025, 1)]);
        let n = self::h(3, 160, 0.0);
        n.observe(1.0);
        n.observe(f64::NAN);
        let s = n.snapshot();
        assert_eq!(s.count, 2);
        assert!(s.sum.is_nan());
        assert_eq!(s.positive, vec![(0, 1)]);
    }

    #[test]
    fn zero_bucket_and_threshold() {
        let h = h(3, 160, 0.5);
        for v in [0.0, -0.0, 0.5, -0.5, 0.25, 0.51] {
            h.observe(v);
        }
        let s = h.snapshot();
        assert_eq!(s.zero_count, 5);
        assert_eq!(s.count, 6);
        assert_eq!(s.positive.len(), 1);
    }

    #[test]
    fn wide_spread_lowers_the_schema_by_merging_pairs() {
        let h = h(8, 20, 0.0);
        // 1 and 2 are 256 buckets apart at schema 8: too far for 20.
        h.observe(1.0);
        h.observe(2.0);
        h.observe(1.5);
        let s = h.snapshot();
        // Schema 4: 16 buckets per doubling, span 17 <= 20.
        assert_eq!(s.schema, 4);
        assert_eq!(s.count, 3);
        assert_eq!(s.positive.first(), Some(&(0, 1)));
        assert_eq!(s.positive.last(), Some(&(16, 1)));
        assert_eq!(s.positive.iter().map(|b| b.1).sum::<u64>(), 3);
        // Merging keeps every observation inside its bucket's bounds.
        let k = s.positive[1].0;
        assert!(bucket_bound(4, k - 1) < 1.5 && 1.5 <= bucket_bound(4, k));
    }

    #[test]
    fn extremes_end_at_schema_minus_4_with_nothing_lost() {
        let h = h(8, 1, 0.0);
        for v in [
            5e-324,
            1e-300,
            1.0,
            1e300,
            f64::MAX,
            f64::INFINITY,
            -1.0,
            -1e-200,
        ] {
            h.observe(v);
        }
        let s = h.snapshot();
        assert_eq!(s.schema, MIN_SCHEMA);
        assert_eq!(s.count, 8);
        assert_eq!(s.zero_count, 0);
        assert_eq!(
            s.positive
                .iter()
                .chain(&s.negative)
                .map(|b| b.1)
                .sum::<u64>(),
            8
        );
    }

    #[test]
    fn many_windows_stay_bounded_and_lose_nothing() {
        // Values creeping upward force window after window; the last one
        // possible covers every index at schema -4.
        let h = h(8, 1024, 0.0);
        for i in 0..20_000 {
            h.observe((f64::from(i) / 16.0).exp2());
        }
        let last = h.current.load(Relaxed);
        assert!((2..MAX_WINDOWS).contains(&last), "{last} windows");
        let s = h.snapshot();
        assert_eq!(s.count, 20_000);
        assert_eq!(s.positive.iter().map(|b| b.1).sum::<u64>(), 20_000);
        assert!(s.positive.windows(2).all(|w| w[0].0 < w[1].0));
        // From i = 16384 on, 2^(i/16) overflows to +Inf, which sits in the
        // bucket past f64::MAX's.
        assert_eq!(
            s.positive.last().map(|b| b.0),
            Some(key_of(f64::INFINITY, s.schema))
        );
    }

    #[test]
    fn sliding_window_keeps_the_schema_when_the_span_fits() {
        let h = h(0, 10, 0.0);
        h.observe(1e6); // key 20, outside the first window (-5..5)
        h.observe(1e7); // key 24
        let s = h.snapshot();
        assert_eq!(s.schema, 0);
        assert_eq!(s.positive, vec![(20, 1), (24, 1)]);
    }

    #[test]
    fn concurrent_observers_across_rescales_lose_nothing() {
        let h = h(8, 40, 0.0);
        const PER_THREAD: u64 = 20_000;
        std::thread::scope(|s| {
            for t in 0..4u64 {
                let h = &h;
                s.spawn(move || {
                    for i in 0..PER_THREAD {
                        // Spreads over many octaves, forcing rescales.
                        let v = 1.0 + ((i * 7 + t) % 1000) as f64 * 10.0;
                        h.observe(if i % 5 == 0 { -v } else { v });
                    }
                });
            }
        });
        let s = h.snapshot();
        assert_eq!(s.count, 4 * PER_THREAD);
        assert_eq!(
            s.positive
                .iter()
                .chain(&s.negative)
                .map(|b| b.1)
                .sum::<u64>(),
            4 * PER_THREAD
        );
        assert!(s.schema < 8);
    }

    #[test]
    fn classic_buckets_beside_native_ones() {
        let options = NativeOptions::new(3, 160, 0.0)
            .unwrap()
            .with_classic_buckets(Buckets::new(&[1.0, 2.0]).unwrap());
        let h = NativeHistogram::new(options);
        for v in [0.5, 1.5, 3.0, f64::NAN] {
            h.observe(v);
        }
        let (s, classic) = h.read();
        assert_eq!(s.count, 4);
        assert_eq!(classic, vec![1, 1, 2]);
    }

    #[test]
    fn spans_and_deltas() {
        let (spans, deltas) = NativeSnapshot::spans_and_deltas(&[(-2, 3), (-1, 1), (3, 4), (4, 4)]);
        assert_eq!(spans, vec![(-2, 2), (3, 2)]);
        assert_eq!(deltas, vec![3, -2, 3, 0]);
        assert_eq!(NativeSnapshot::spans_and_deltas(&[]), (vec![], vec![]));
    }

    #[test]
    fn bad_options_are_errors_with_the_rule_book_messages() {
        assert_eq!(
            NativeOptions::new(-5, 160, 0.0).unwrap_err().to_string(),
            promstrict_rules::native::check(-5, 160, 0.0)
                .unwrap_err()
                .to_string()
        );
        assert!(NativeOptions::new(0, 0, 0.0).is_err());
        assert!(NativeOptions::new(0, usize::MAX, 0.0).is_err());
        assert!(NativeOptions::new(0, 10, -1.0).is_err());
        assert!(NativeOptions::new(0, 10, f64::NAN).is_err());
    }
}

#[cfg(test)]
mod text_tests {
    use crate::{Buckets, Format, NativeHistogram, NativeOptions, Registry};

    #[test]
    fn text_formats_expose_count_sum_and_the_inf_bucket() {
        let registry = Registry::new();
        let h = registry
            .register("rpc_seconds", "RPC latency.", NativeHistogram::default())
            .unwrap();
        h.observe(0.5);
        h.observe(1.5);
        assert_eq!(
            registry.encode(Format::Prometheus),
            "# HELP rpc_seconds RPC latency.\n# TYPE rpc_seconds histogram\n\
             rpc_seconds_bucket{le=\"+Inf\"} 2\nrpc_seconds_count 2\nrpc_seconds_sum 2.0\n"
        );
        let with_classic = registry
            .register(
                "size_bytes",
                "Sizes.",
                NativeHistogram::new(
                    NativeOptions::default().with_classic_buckets(Buckets::new(&[1.0]).unwrap()),
                ),
            )
            .unwrap();
        with_classic.observe(0.5);
        with_classic.observe(7.0);
        let om = registry.encode(Format::OpenMetrics);
        assert!(om.contains(
            "size_bytes_bucket{le=\"1.0\"} 1\nsize_bytes_bucket{le=\"+Inf\"} 2\nsize_bytes_count 2\nsize_bytes_sum 7.5\n"
        ), "{om}");
    }
}
