//! PromQL's range-vector functions and classic `histogram_quantile`,
//! computed the way Prometheus 3 computes them.
//!
//! This is a port of the float-sample paths of `promql/functions.go`
//! (`extrapolatedRate`, `instantValue`, `funcResets`) and of
//! `promql/quantile.go` (`BucketQuantile`, `coalesceBuckets`,
//! `ensureMonotonicAndIgnoreSmallDeltas`) from prometheus/prometheus 3.x.
//! Native histograms, start-timestamp (created-timestamp) based reset
//! detection and the experimental `anchored`/`smoothed` selector modifiers are
//! out of scope.
//!
//! # Conventions shared by the range functions
//!
//! * Timestamps are seconds as `f64`. Prometheus keeps integer milliseconds
//!   and converts durations with `float64(ms) / 1000`; here the same
//!   durations are plain `f64` differences. Results are therefore
//!   bit-identical to Prometheus whenever timestamps, `at` and `range` are
//!   whole seconds or short binary fractions (0.5 s, 0.25 s, …), and can
//!   differ in the last bits otherwise (e.g. 0.1 s steps).
//! * `samples` must be sorted by `t`, non-decreasing (checked with
//!   `debug_assert!`). Samples outside the window may be included; they are
//!   skipped with a binary search.
//! * The window is `(at - range, at]`: a sample exactly at `at - range` is
//!   excluded and a sample exactly at `at` is included. This is the
//!   Prometheus 3 range selector; Prometheus 2 selected the closed interval
//!   `[at - range, at]`, so results differ from Prometheus 2 whenever a
//!   sample sits exactly on the left edge. A `range` that is not > 0, or a
//!   NaN `at`/`range`, selects nothing.
//! * Stale markers (the specific NaN bit pattern `0x7ff0000000000002` that
//!   Prometheus writes when a series disappears) are dropped while selecting,
//!   as the Prometheus engine does before any function sees the samples.
//! * Every other NaN value flows through upstream's arithmetic unchanged:
//!   a NaN first or last value makes `rate`/`increase`/`delta` NaN, and since
//!   every comparison with NaN is false, a NaN neighbour never counts as a
//!   counter reset.
//! * `None` means Prometheus returns no sample for the series at `at`;
//!   `Some(NaN)` means it returns a sample whose value is NaN.

use std::collections::BTreeMap;

#[cfg(test)]
mod tests;

/// One float sample of a time series.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    /// Timestamp in seconds.
    pub t: f64,
    /// Sample value.
    pub v: f64,
}

/// One bucket of a classic histogram, i.e. one `le` series.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bucket {
    /// The bucket's inclusive upper bound (the `le` label).
    pub upper_bound: f64,
    /// Cumulative count of observations `<= upper_bound`.
    pub count: f64,
}

/// `value.StaleNaN` in Prometheus' `model/value` package.
const STALE_NAN_BITS: u64 = 0x7ff0_0000_0000_0002;

/// Tolerance below which relative differences between adjacent bucket counts
/// are treated as floating point noise (upstream `smallDeltaTolerance`).
const SMALL_DELTA_TOLERANCE: f64 = 1e-12;

fn not_stale(s: &&Sample) -> bool {
    s.v.to_bits() != STALE_NAN_BITS
}

/// The non-stale samples in `(at - range, at]`, in time order.
fn select(
    samples: &[Sample],
    at: f64,
    range: f64,
) -> impl DoubleEndedIterator<Item = &Sample> + Clone {
    debug_assert!(
        samples.windows(2).all(|w| w[0].t <= w[1].t),
        "promql: samples must be sorted by timestamp"
    );
    let start = at - range;
    // False for range <= 0 and for NaN `at`/`range`: nothing to select.
    let window = if start < at {
        // Left-open like Prometheus 3 (`t > mint`); Prometheus 2 used `t >= mint`.
        let lo = samples.partition_point(|s| s.t <= start);
        let hi = samples.partition_point(|s| s.t <= at);
        &samples[lo..hi.max(lo)]
    } else {
        &samples[..0]
    };
    window.iter().filter(not_stale)
}

/// Per-second average rate of increase of a counter over `(at - range, at]`,
/// as PromQL `rate(v[range])` evaluated at `at`.
///
/// Port of upstream `extrapolatedRate(…, isCounter=true, isRate=true)`:
/// counter resets are corrected for, the result is extrapolated towards the
/// window edges (see [`increase`]) and divided by `range`.
///
/// Returns `None` when fewer than two samples fall into the window.
///
/// # Example
///
/// ```
/// # mod promstrict { pub use promstrict_core::*; pub use promstrict_watch::*; }
/// use promstrict::promql::{rate, Sample};
///
/// // A counter scraped every 10 s, growing by 10 per scrape.
/// let samples: Vec<Sample> = (0..=6)
///     .map(|i| Sample { t: 10.0 * i as f64, v: 100.0 + 10.0 * i as f64 })
///     .collect();
/// // The window (0, 60] excludes the sample at t = 0.
/// let r = rate(&samples, 60.0, 60.0).unwrap();
/// assert!((r - 1.0).abs() < 1e-12);
/// // A single sample in the window yields no result.
/// assert_eq!(rate(&samples, 60.0, 5.0), None);
/// ```
#[must_use]
pub fn rate(samples: &[Sample], at: f64, range: f64) -> Option<f64> {
    extrapolated_rate(samples, at, range, true, true)
}

/// Increase of a counter over `(at - range, at]`, as PromQL
/// `increase(v[range])` evaluated at `at`.
///
/// Port of upstream `extrapolatedRate(…, isCounter=true, isRate=false)`:
///
/// * Reset correction: whenever a value is lower than its predecessor, the
///   predecessor's value is added, modelling a restart from zero.
/// * Extrapolation: the difference between the first and last sample is
///   scaled up to cover the gaps between those samples and the window edges,
///   but a gap of at least 1.1× the average sample interval is assumed to be
///   where the series starts or ends, and only half an average interval is
///   extrapolated there.
/// * Zero-point clamp: if extrapolating backwards would take the counter
///   below zero, the start extrapolation stops at the estimated zero point
///   (`sampledInterval * (first / result)`). Prometheus 3 applies this after
///   the half-interval cap (taking the smaller of the two); older 2.x
///   releases (2.42 among them) clamped first and compared the clamped gap
///   with the threshold, which could extrapolate further.
///
/// Returns `None` when fewer than two samples fall into the window.
#[must_use]
pub fn increase(samples: &[Sample], at: f64, range: f64) -> Option<f64> {
    extrapolated_rate(samples, at, range, true, false)
}

/// Change of a gauge over `(at - range, at]`, as PromQL `delta(v[range])`
/// evaluated at `at`.
///
/// Port of upstream `extrapolatedRate(…, isCounter=false, isRate=false)`:
/// extrapolated like [`increase`], but without reset correction and without
/// the zero-point clamp, so the result can be negative.
///
/// Returns `None` when fewer than two samples fall into the window.
#[must_use]
pub fn delta(samples: &[Sample], at: f64, range: f64) -> Option<f64> {
    extrapolated_rate(samples, at, range, false, false)
}

/// Per-second rate between the last two samples in `(at - range, at]`, as
/// PromQL `irate(v[range])` evaluated at `at`.
///
/// Port of upstream `instantValue(…, isRate=true)`: if the last value is
/// lower than the one before (a counter reset), the last value itself is
/// taken as the increase.
///
/// Returns `None` when fewer than two samples fall into the window, or when
/// the last two share a timestamp (upstream avoids dividing by zero).
#[must_use]
pub fn irate(samples: &[Sample], at: f64, range: f64) -> Option<f64> {
    instant_value(samples, at, range, true)
}

/// Difference between the last two samples in `(at - range, at]`, as PromQL
/// `idelta(v[range])` evaluated at `at`.
///
/// Port of upstream `instantValue(…, isRate=false)`: no reset handling.
///
/// Returns `None` when fewer than two samples fall into the window, or when
/// the last two share a timestamp (upstream applies that check to `idelta`
/// too).
#[must_use]
pub fn idelta(samples: &[Sample], at: f64, range: f64) -> Option<f64> {
    instant_value(samples, at, range, false)
}

/// Number of counter resets in `(at - range, at]`, as PromQL
/// `resets(v[range])` evaluated at `at`.
///
/// Port of upstream `funcResets`: counts the samples whose value is strictly
/// lower than their predecessor's. A single sample gives `Some(0.0)`; an
/// empty window gives `None`, because the engine never calls a range
/// function for a series without samples in the window.
#[must_use]
pub fn resets(samples: &[Sample], at: f64, range: f64) -> Option<f64> {
    let mut window = select(samples, at, range);
    let mut prev = window.next()?.v;
    let mut count = 0usize;
    for s in window {
        if s.v < prev {
            count += 1;
        }
        prev = s.v;
    }
    Some(count as f64)
}

/// The `q`-quantile of a classic histogram, as PromQL
/// `histogram_quantile(q, b)` evaluated over one set of `le` series.
///
/// Port of upstream `BucketQuantile`. The buckets may come in any order; they
/// are sorted by upper bound, buckets with equal upper bounds are merged
/// (`coalesceBuckets`), relative count differences below 1e-12 are flattened
/// and decreasing counts are raised to the running maximum
/// (`ensureMonotonicAndIgnoreSmallDeltas`). The quantile is then interpolated
/// linearly within the bucket it falls into, with 0 as the lower edge of the
/// lowest bucket if that bucket's upper bound is positive (otherwise that
/// upper bound is returned); if it falls into the `+Inf` bucket, the second
/// highest upper bound is returned.
///
/// Like Prometheus, the special cases yield a sample rather than no result:
///
/// * `q` NaN → `Some(NaN)`; `q < 0` → `Some(-Inf)`; `q > 1` → `Some(+Inf)`
///   (checked before the buckets are looked at);
/// * highest bucket not `+Inf`, fewer than two buckets after merging, or a
///   total count of 0 → `Some(NaN)`.
///
/// Only an empty `buckets` slice gives `None`: without any `le` series
/// Prometheus has nothing to output.
///
/// NaN upper bounds, which upstream does not expect, are ordered by
/// [`f64::total_cmp`] (a positive NaN sorts above `+Inf`, so the result is
/// NaN); NaN counts flow through the arithmetic as upstream's would.
#[must_use]
pub fn histogram_quantile(q: f64, buckets: &[Bucket]) -> Option<f64> {
    if buckets.is_empty() {
        return None;
    }
    Some(bucket_quantile(q, buckets.to_vec()))
}

/// A native histogram as PromQL sees it after `rate()` or at one instant:
/// float counts in sparse exponential buckets.
///
/// Bucket `i` at schema `s` holds `2^((i-1)·2^-s) < |v| <= 2^(i·2^-s)`;
/// `positive` and `negative` list `(index, count)` pairs in any order
/// (`NativeSnapshot`'s buckets, with counts as floats: `From<&NativeSnapshot>`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NativeBuckets {
    /// The schema, −4 to 8.
    pub schema: i32,
    /// The zero bucket's threshold.
    pub zero_threshold: f64,
    /// Observations in the zero bucket.
    pub zero_count: f64,
    /// All observations (NaN ones included, which are in no bucket).
    pub count: f64,
    /// The sum of observations (not used by the quantile).
    pub sum: f64,
    /// Positive buckets as `(index, count)`.
    pub positive: Vec<(i32, f64)>,
    /// Negative buckets as `(index, count)`.
    pub negative: Vec<(i32, f64)>,
}

impl From<&promstrict_core::NativeSnapshot> for NativeBuckets {
    fn from(s: &promstrict_core::NativeSnapshot) -> Self {
        let floats = |b: &[(i32, u64)]| b.iter().map(|&(i, c)| (i, c as f64)).collect();
        NativeBuckets {
            schema: s.schema,
            zero_threshold: s.zero_threshold,
            zero_count: s.zero_count as f64,
            count: s.count as f64,
            sum: s.sum,
            positive: floats(&s.positive),
            negative: floats(&s.negative),
        }
    }
}

/// The `q`-quantile of a native histogram, as Prometheus 2.42's
/// `histogram_quantile(q, h)` computes it for native histograms.
///
/// A sibling of [`histogram_quantile`] (which takes classic `le` buckets)
/// rather than an overload of it. Buckets are walked from the most negative
/// through the zero bucket to the most positive, until the cumulative count
/// reaches `q · count`; the result is interpolated **linearly** within that
/// bucket (2.42 does not interpolate exponentially). A positive bucket's lower
/// edge is raised to the zero threshold and a negative bucket's upper edge
/// lowered to minus it; the zero bucket spans `[-threshold, threshold]`, or
/// `[0, threshold]` when there are only positive buckets (`[-threshold, 0]`
/// with only negative ones). Special cases, as upstream: `q < 0` → −∞,
/// `q > 1` → +∞, `q` NaN or a count of 0 → NaN; a rank beyond every bucket
/// (NaN observations) gives the highest bucket's upper edge.
///
/// ```
/// use promstrict_watch::promql::{histogram_quantile_native, NativeBuckets};
///
/// // Schema 0: bucket 1 is (1, 2], bucket 2 is (2, 4].
/// let h = NativeBuckets {
///     schema: 0,
///     count: 4.0,
///     positive: vec![(1, 2.0), (2, 2.0)],
///     ..NativeBuckets::default()
/// };
/// assert_eq!(histogram_quantile_native(0.5, &h), 2.0);
/// assert_eq!(histogram_quantile_native(0.75, &h), 3.0);
/// ```
#[must_use]
pub fn histogram_quantile_native(q: f64, h: &NativeBuckets) -> f64 {
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    if h.count == 0.0 || q.is_nan() {
        return f64::NAN;
    }
    let bound = promstrict_core::NativeSnapshot::bucket_upper_bound;
    let mut negative = h.negative.clone();
    negative.sort_by_key(|b| std::cmp::Reverse(b.0));
    let mut positive = h.positive.clone();
    positive.sort_by_key(|b| b.0);
    let zt = h.zero_threshold;
    // (lower, upper, count) in Prometheus' order.
    let buckets = negative
        .iter()
        .map(|&(i, c)| (-bound(h.schema, i), (-bound(h.schema, i - 1)).min(-zt), c))
        .chain((h.zero_count > 0.0).then_some((-zt, zt, h.zero_count)))
        .chain(
            positive
                .iter()
                .map(|&(i, c)| (bound(h.schema, i - 1).max(zt), bound(h.schema, i), c)),
        );
    let rank = q * h.count;
    let (mut lower, mut upper, mut bucket_count, mut count) = (0.0, 0.0, 0.0, 0.0);
    for (l, u, c) in buckets {
        (lower, upper, bucket_count) = (l, u, c);
        count += c;
        if count >= rank {
            break;
        }
    }
    if lower < 0.0 && upper > 0.0 {
        if h.negative.is_empty() && !h.positive.is_empty() {
            lower = 0.0;
        } else if h.positive.is_empty() && !h.negative.is_empty() {
            upper = 0.0;
        }
    }
    if count > h.count {
        count = h.count;
    }
    if count < rank {
        return upper;
    }
    let rank = rank - (count - bucket_count);
    lower + (upper - lower) * (rank / bucket_count)
}

/// One reading of a native histogram: when, and its buckets.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NativeSample {
    /// Seconds, on the same clock as the evaluation time.
    pub t: f64,
    /// The cumulative-since-start buckets at `t`.
    pub h: NativeBuckets,
}

impl NativeBuckets {
    /// The same histogram at `schema` (at most its own): each bucket folded
    /// into the wider bucket that contains it, as Prometheus'
    /// `CopyToSchema` does.
    #[must_use]
    pub fn at_schema(&self, schema: i32) -> NativeBuckets {
        let steps = self.schema - schema;
        if steps <= 0 {
            return self.clone();
        }
        let reduce = |buckets: &[(i32, f64)]| {
            let mut out: BTreeMap<i32, f64> = BTreeMap::new();
            for &(i, c) in buckets {
                let key = ((i64::from(i) + (1i64 << steps) - 1) >> steps) as i32;
                *out.entry(key).or_insert(0.0) += c;
            }
            out.into_iter().collect()
        };
        NativeBuckets {
            schema,
            positive: reduce(&self.positive),
            negative: reduce(&self.negative),
            ..self.clone()
        }
    }

    /// `self + sign · other`, bucket by bucket, at the lower of the two
    /// schemas.
    fn combine(&self, other: &NativeBuckets, sign: f64) -> NativeBuckets {
        let schema = self.schema.min(other.schema);
        let (a, b) = (self.at_schema(schema), other.at_schema(schema));
        let merge = |x: &[(i32, f64)], y: &[(i32, f64)]| {
            let mut out: BTreeMap<i32, f64> = x.iter().copied().collect();
            for &(i, c) in y {
                *out.entry(i).or_insert(0.0) += sign * c;
            }
            out.into_iter().collect()
        };
        NativeBuckets {
            schema,
            zero_threshold: a.zero_threshold.max(b.zero_threshold),
            zero_count: a.zero_count + sign * b.zero_count,
            count: a.count + sign * b.count,
            sum: a.sum + sign * b.sum,
            positive: merge(&a.positive, &b.positive),
            negative: merge(&a.negative, &b.negative),
        }
    }

    /// The bucket-wise sum of two histograms (at the lower schema): what
    /// `sum(…)` of two native series gives.
    #[must_use]
    pub fn add(&self, other: &NativeBuckets) -> NativeBuckets {
        self.combine(other, 1.0)
    }

    /// Every count multiplied by `factor` (the sum too).
    fn scale(&mut self, factor: f64) {
        self.zero_count *= factor;
        self.count *= factor;
        self.sum *= factor;
        for b in self.positive.iter_mut().chain(self.negative.iter_mut()) {
            b.1 *= factor;
        }
    }

    /// Whether `self`, read after `previous`, shows a counter reset:
    /// Prometheus' `DetectReset` (a count, the zero bucket or any bucket
    /// went down, the schema went up, or the zero threshold changed).
    fn is_reset_after(&self, previous: &NativeBuckets) -> bool {
        if self.count < previous.count
            || self.schema > previous.schema
            || self.zero_threshold != previous.zero_threshold
            || self.zero_count < previous.zero_count
        {
            return true;
        }
        let schema = self.schema.min(previous.schema);
        let (now, before) = (self.at_schema(schema), previous.at_schema(schema));
        let went_down = |now: &[(i32, f64)], before: &[(i32, f64)]| {
            let now: BTreeMap<i32, f64> = now.iter().copied().collect();
            before
                .iter()
                .any(|&(i, c)| now.get(&i).copied().unwrap_or(0.0) < c)
        };
        went_down(&now.positive, &before.positive) || went_down(&now.negative, &before.negative)
    }
}

/// `rate(v[range])` of a native histogram evaluated at `at`, as Prometheus
/// 2.42 computes it: the last histogram minus the first in `(at - range,
/// at]` (at the lowest schema among them), plus the histogram before each
/// counter reset, extrapolated to the window's edges and divided by
/// `range`. Unlike a float counter's rate, the extrapolation toward the
/// start is not clamped where the count would reach zero (upstream applies
/// that clamp to floats only). `None` with fewer than two samples in the
/// window.
///
/// ```
/// use promstrict_watch::promql::{histogram_quantile_native, rate_native, NativeBuckets, NativeSample};
///
/// // Every 10 s, 10 more observations in bucket 1 (1, 2] at schema 0.
/// let samples: Vec<NativeSample> = (0..=6)
///     .map(|i| {
///         let n = 10.0 * i as f64;
///         NativeSample {
///             t: 10.0 * i as f64,
///             h: NativeBuckets { schema: 0, count: n, sum: 1.5 * n, positive: vec![(1, n)], ..NativeBuckets::default() },
///         }
///     })
///     .collect();
/// let r = rate_native(&samples, 60.0, 60.0).unwrap();
/// assert!((r.count - 1.0).abs() < 1e-12);
/// assert_eq!(histogram_quantile_native(0.5, &r), 1.5);
/// ```
#[must_use]
pub fn rate_native(samples: &[NativeSample], at: f64, range: f64) -> Option<NativeBuckets> {
    let start = at - range;
    // False for range <= 0 and for NaN `at`/`range`: nothing to select.
    if start.partial_cmp(&at) != Some(std::cmp::Ordering::Less) {
        return None;
    }
    debug_assert!(
        samples.windows(2).all(|w| w[0].t <= w[1].t),
        "promql: samples must be sorted by timestamp"
    );
    let lo = samples.partition_point(|s| s.t <= start);
    let hi = samples.partition_point(|s| s.t <= at);
    let window = samples.get(lo..hi.max(lo))?;
    let (first, last) = (window.first()?, window.last()?);
    if window.len() < 2 {
        return None;
    }
    let schema = window.iter().map(|s| s.h.schema).min()?;
    let mut result = last.h.at_schema(schema).combine(&first.h, -1.0);
    let mut previous = &first.h;
    for s in &window[1..] {
        if s.h.is_reset_after(previous) {
            result = result.add(previous);
        }
        previous = &s.h;
    }
    let sampled_interval = last.t - first.t;
    let average = sampled_interval / (window.len() - 1) as f64;
    let threshold = average * 1.1;
    let mut to_start = first.t - start;
    if to_start >= threshold {
        to_start = average / 2.0;
    }
    let mut to_end = at - last.t;
    if to_end >= threshold {
        to_end = average / 2.0;
    }
    result.scale((sampled_interval + to_start + to_end) / sampled_interval / range);
    Some(result)
}

fn extrapolated_rate(
    samples: &[Sample],
    at: f64,
    range: f64,
    is_counter: bool,
    is_rate: bool,
) -> Option<f64> {
    let range_start = at - range;
    let window = select(samples, at, range);
    let mut rest = window.clone();
    let first = rest.next()?;
    let (last, num_samples_minus_one) = rest.fold((first, 0usize), |(_, n), s| (s, n + 1));
    if num_samples_minus_one == 0 {
        return None;
    }

    // Same operation order as upstream (difference first, then each reset's
    // pre-reset value in time order) so the sums round identically.
    let mut result = last.v - first.v;
    if is_counter {
        let mut prev = first.v;
        for s in window.skip(1) {
            if s.v < prev {
                result += prev;
            }
            prev = s.v;
        }
    }

    let mut duration_to_start = first.t - range_start;
    let mut duration_to_end = at - last.t;
    let sampled_interval = last.t - first.t;
    let average_duration_between_samples = sampled_interval / num_samples_minus_one as f64;

    // A gap this much larger than the usual scrape interval means the series
    // most likely starts (or ends) inside the window, so only half an
    // interval is assumed beyond the outermost sample.
    let extrapolation_threshold = average_duration_between_samples * 1.1;
    if duration_to_start >= extrapolation_threshold {
        duration_to_start = average_duration_between_samples / 2.0;
    }
    if is_counter {
        // Counters cannot be negative: never extrapolate back past the point
        // where the counter would have been zero. Applied after the cap above,
        // as in Prometheus 3; older 2.x releases clamped before the cap.
        let mut duration_to_zero = duration_to_start;
        if result > 0.0 && first.v >= 0.0 {
            duration_to_zero = sampled_interval * (first.v / result);
        }
        if duration_to_zero < duration_to_start {
            duration_to_start = duration_to_zero;
        }
    }
    if duration_to_end >= extrapolation_threshold {
        duration_to_end = average_duration_between_samples / 2.0;
    }

    let mut factor = (sampled_interval + duration_to_start + duration_to_end) / sampled_interval;
    if is_rate {
        factor /= range;
    }
    Some(result * factor)
}

fn instant_value(samples: &[Sample], at: f64, range: f64, is_rate: bool) -> Option<f64> {
    let mut newest_first = select(samples, at, range).rev();
    let last = newest_first.next()?;
    let previous = newest_first.next()?;
    let sampled_interval = last.t - previous.t;
    if sampled_interval == 0.0 {
        return None;
    }
    // Upstream writes `!isRate || !(last < previous)` for the difference
    // branch; with NaN on either side that comparison is false, so NaN takes
    // the difference branch here as well.
    let mut result = if is_rate && last.v < previous.v {
        last.v
    } else {
        last.v - previous.v
    };
    if is_rate {
        result /= sampled_interval;
    }
    Some(result)
}

fn bucket_quantile(q: f64, mut buckets: Vec<Bucket>) -> f64 {
    if q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    // Stable, so equal bounds are merged in input order.
    buckets.sort_by(|a, b| a.upper_bound.total_cmp(&b.upper_bound));
    if buckets[buckets.len() - 1].upper_bound != f64::INFINITY {
        return f64::NAN;
    }

    coalesce_buckets(&mut buckets);
    ensure_monotonic_and_ignore_small_deltas(&mut buckets, SMALL_DELTA_TOLERANCE);

    if buckets.len() < 2 {
        return f64::NAN;
    }
    let n = buckets.len();
    let observations = buckets[n - 1].count;
    if observations == 0.0 {
        return f64::NAN;
    }
    let mut rank = q * observations;
    let b = go_sort_search(n - 1, |i| buckets[i].count >= rank);

    if b == n - 1 {
        return buckets[n - 2].upper_bound;
    }
    if b == 0 && buckets[0].upper_bound <= 0.0 {
        return buckets[0].upper_bound;
    }
    let mut bucket_start = 0.0;
    let bucket_end = buckets[b].upper_bound;
    let mut count = buckets[b].count;
    if b > 0 {
        bucket_start = buckets[b - 1].upper_bound;
        count -= buckets[b - 1].count;
        rank -= buckets[b - 1].count;
    }
    // Go does not fuse this into an FMA on amd64 (it may on arm64), and Rust
    // never does, so this matches amd64 builds of Prometheus to the bit.
    bucket_start + (bucket_end - bucket_start) * (rank / count)
}

/// Upstream `coalesceBuckets`: merges adjacent buckets (input sorted) with
/// equal upper bounds by summing their counts.
fn coalesce_buckets(buckets: &mut Vec<Bucket>) {
    let mut last = buckets[0];
    let mut i = 0;
    for j in 1..buckets.len() {
        let b = buckets[j];
        if b.upper_bound == last.upper_bound {
            last.count += b.count;
        } else {
            buckets[i] = last;
            last = b;
            i += 1;
        }
    }
    buckets[i] = last;
    buckets.truncate(i + 1);
}

/// Upstream `ensureMonotonicAndIgnoreSmallDeltas`. `prev` is deliberately not
/// advanced past an ignored or lowered count, so a run of tiny increments
/// cannot creep upwards.
fn ensure_monotonic_and_ignore_small_deltas(buckets: &mut [Bucket], tolerance: f64) {
    let mut prev = buckets[0].count;
    for b in buckets.iter_mut().skip(1) {
        let curr = b.count;
        if curr == prev {
            continue;
        }
        if almost_equal(prev, curr, tolerance) || curr < prev {
            b.count = prev;
            continue;
        }
        prev = curr;
    }
}

/// Upstream `util/almost.Equal`.
fn almost_equal(a: f64, b: f64, epsilon: f64) -> bool {
    if a.is_nan() && b.is_nan() {
        return true;
    }
    if a == b {
        return true;
    }
    let abs_sum = a.abs() + b.abs();
    let diff = (a - b).abs();
    if a == 0.0 || b == 0.0 || abs_sum < f64::MIN_POSITIVE {
        return diff < epsilon * f64::MIN_POSITIVE;
    }
    // Go's math.Min propagates NaN where f64::min would not, but a NaN here
    // implies a NaN `diff`, and the comparison is false either way.
    diff / abs_sum.min(f64::MAX) < epsilon
}

/// Go's `sort.Search`: the smallest index in `[0, n)` for which `f` is true,
/// or `n`. Reproduced exactly (rather than using `partition_point`) so that
/// non-monotonic predicates, e.g. with NaN counts, probe the same indices.
fn go_sort_search(n: usize, f: impl Fn(usize) -> bool) -> usize {
    let (mut i, mut j) = (0, n);
    while i < j {
        let h = i + (j - i) / 2;
        if f(h) {
            j = h;
        } else {
            i = h + 1;
        }
    }
    i
}
