//! Snapshots of a registry (or of a scraped `/metrics` page) taken at an
//! interval, kept in bounded per-series buffers, and the figures derived from
//! them the way Prometheus derives them: `rate` and `irate` of counters,
//! histogram quantiles over the bucket increases in a window.
//!
//! The sampler only reads: a registry is visited with
//! [`Registry::collect`], which changes nothing. Rates are never stored
//! anywhere; they are computed from the buffered totals each time they are
//! asked for, with [`crate::promql`].
//!
//! # Memory
//!
//! Every stored time series (a counter, a gauge, each `le` bucket of a
//! histogram plus its `_count` and `_sum`) keeps at most
//! [`SamplerConfig::ring_capacity`] samples, and samples that left the rate
//! window are dropped as new ones arrive. At most
//! [`SamplerConfig::max_series`] stored time series are tracked: a series
//! first seen once the cap is reached is not tracked (it is counted in
//! [`MemoryUsage::untracked`] for each snapshot it appears in, so a dashboard
//! can say so) until a tracked series disappears from the target for a whole
//! window and frees its slots. So the buffers never hold more than
//! `max_series × ring_capacity` samples, whatever the target does.
//!
//! # Determinism
//!
//! [`Sampler::record`] and [`Sampler::record_registry`] take the timestamp
//! (seconds since the sampler started) from the caller, so tests feed
//! snapshots at chosen times instead of sleeping:
//!
//! ```
//! # mod promstrict { pub use promstrict_core::*; pub use promstrict_watch::*; }
//! use promstrict::sampler::{Sampler, SamplerConfig, Snapshot};
//!
//! let mut sampler = Sampler::new(SamplerConfig::default());
//! for i in 0..=20 {
//!     let t = f64::from(i) * 0.25;
//!     // 4 tasks per second.
//!     sampler.record(t, &Snapshot::new().counter("tasks_processed_total", &[], f64::from(i)))?;
//! }
//! assert_eq!(sampler.total("tasks_processed_total"), Some(20.0));
//! // `rate(tasks_processed_total[5s])`
//! let rate = sampler.rate("tasks_processed_total").unwrap();
//! assert!((rate - 4.0).abs() < 1e-9, "{rate}");
//! assert_eq!(sampler.uptime(), 5.0);
//! # Ok::<(), promstrict::sampler::SampleError>(())
//! ```

mod alerts;
mod ring;
mod snapshot;

pub use alerts::{AlertCondition, AlertEngine, AlertRule, AlertState, AlertStatus, Severity};
pub use snapshot::{Snapshot, SnapshotSeries, SnapshotValue};

use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, Instant};

use promstrict_core::Labels;
use crate::promql::{self, Bucket, Sample};
use promstrict_core::Registry;
use promstrict_core::SeriesValue;
use ring::Ring;

/// How often to sample, over which window to derive rates, and how much to
/// keep.
#[derive(Clone, Debug, PartialEq)]
pub struct SamplerConfig {
    /// Time between two snapshots when sampling live (default 250 ms).
    pub interval: Duration,
    /// The range of `rate`, `irate` and the histogram quantiles, like the
    /// `[5s]` of a PromQL range selector (default 5 s). Like Prometheus,
    /// `rate` divides by the whole window, so a series younger than the
    /// window reads low until it has a window's worth of samples.
    pub window: Duration,
    /// The most stored time series tracked at once (default 2 000). A
    /// histogram takes one per bucket plus two (`_count`, `_sum`).
    pub max_series: usize,
    /// Samples kept per stored time series; `None` (the default) keeps what
    /// one window holds at `interval`, plus one.
    pub samples_per_series: Option<usize>,
}

impl Default for SamplerConfig {
    fn default() -> Self {
        SamplerConfig {
            interval: Duration::from_millis(250),
            window: Duration::from_secs(5),
            max_series: 2_000,
            samples_per_series: None,
        }
    }
}

impl SamplerConfig {
    /// The number of samples each stored time series keeps (at least 2, so
    /// `rate` always has a pair to work with).
    pub fn ring_capacity(&self) -> usize {
        let derived = || {
            let interval = self.interval.as_secs_f64();
            if interval > 0.0 {
                (self.window.as_secs_f64() / interval).ceil() as usize + 1
            } else {
                2
            }
        };
        self.samples_per_series.unwrap_or_else(derived).max(2)
    }

    /// The most samples all buffers together can hold:
    /// `max_series × ring_capacity`.
    pub fn sample_bound(&self) -> usize {
        self.max_series.saturating_mul(self.ring_capacity())
    }
}

/// Why a snapshot was refused.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SampleError {
    /// Snapshots must come in strictly increasing time order (like samples in
    /// a Prometheus TSDB); this one was not after the previous one.
    OutOfOrder {
        /// The previous snapshot's time.
        last: f64,
        /// The refused snapshot's time.
        t: f64,
    },
    /// The timestamp was NaN or infinite.
    InvalidTime(f64),
}

impl fmt::Display for SampleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SampleError::OutOfOrder { last, t } => write!(
                f,
                "snapshot at t={t}s is not after the previous one (t={last}s)"
            ),
            SampleError::InvalidTime(t) => write!(f, "snapshot time {t} is not a finite number"),
        }
    }
}

impl std::error::Error for SampleError {}

/// What the buffers hold, against their bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryUsage {
    /// Stored time series tracked now.
    pub series: usize,
    /// The cap on `series`.
    pub max_series: usize,
    /// Samples held in all buffers together.
    pub samples: usize,
    /// The cap on `samples` (`max_series × ring_capacity`).
    pub max_samples: usize,
    /// Series of the latest snapshot that were not tracked because the cap
    /// was reached.
    pub untracked: usize,
}

/// A counter series with its derived figures.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CounterStat<'a> {
    /// The sample name (`tasks_processed_total`).
    pub name: &'a str,
    /// The labels.
    pub labels: &'a [(String, String)],
    /// The raw total, as last read.
    pub total: f64,
    /// `rate(name[window])`: per-second increase over the window, corrected
    /// for resets and extrapolated as Prometheus does. `None` until two
    /// samples fall into the window.
    pub rate: Option<f64>,
    /// `irate(name[window])`: per-second increase between the last two samples.
    pub irate: Option<f64>,
    /// The series was missing from the latest snapshot.
    pub stale: bool,
}

/// A gauge (or untyped) series.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GaugeStat<'a> {
    /// The sample name.
    pub name: &'a str,
    /// The labels.
    pub labels: &'a [(String, String)],
    /// The last value read.
    pub value: f64,
    /// Exposed without a type (scraped targets only).
    pub untyped: bool,
    /// The series was missing from the latest snapshot.
    pub stale: bool,
}

/// Three quantiles of a distribution.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Quantiles {
    /// The median.
    pub p50: Option<f64>,
    /// The 95th percentile.
    pub p95: Option<f64>,
    /// The 99th percentile.
    pub p99: Option<f64>,
}

/// Whether a distribution is a histogram or a summary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DistributionKind {
    /// Buckets: quantiles can be estimated.
    Histogram,
    /// Count and sum only.
    Summary,
}

/// A histogram or summary series with its derived figures.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DistributionStat<'a> {
    /// The family name (`task_duration_seconds`).
    pub name: &'a str,
    /// The labels (without `le`).
    pub labels: &'a [(String, String)],
    /// Histogram or summary.
    pub kind: DistributionKind,
    /// Observations so far (`_count`).
    pub count: f64,
    /// Sum of observations so far (`_sum`).
    pub sum: f64,
    /// Observations per second over the window (`rate(name_count[window])`).
    pub rate: Option<f64>,
    /// Mean observation over the window (`rate(_sum) / rate(_count)`);
    /// `None` when nothing was observed in it.
    pub mean: Option<f64>,
    /// `histogram_quantile(q, rate(name_bucket[window]))` for q = 0.5, 0.95,
    /// 0.99; `None` when nothing was observed in the window.
    pub window: Quantiles,
    /// The same quantiles over every observation since the target started
    /// (from the raw cumulative buckets).
    pub lifetime: Quantiles,
    /// The series was missing from the latest snapshot.
    pub stale: bool,
}

#[derive(Debug)]
enum Stored {
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
}

impl Stored {
    fn rings(&self) -> usize {
        match self {
            Stored::Counter(_) | Stored::Gauge(_) | Stored::Untyped(_) => 1,
            Stored::Histogram { buckets, .. } => buckets.len() + 2,
            Stored::Summary { .. } => 2,
        }
    }

    fn samples(&self) -> usize {
        match self {
            Stored::Counter(r) | Stored::Gauge(r) | Stored::Untyped(r) => r.len(),
            Stored::Histogram {
                buckets,
                count,
                sum,
                ..
            } => buckets.iter().map(Ring::len).sum::<usize>() + count.len() + sum.len(),
            Stored::Summary { count, sum } => count.len() + sum.len(),
        }
    }

    /// Whether `reading` can be appended to this series (same type, same
    /// buckets); if not, the series starts over.
    fn fits(&self, reading: &Reading<'_>) -> bool {
        match (self, reading) {
            (Stored::Counter(_), Reading::Counter(_))
            | (Stored::Gauge(_), Reading::Gauge(_))
            | (Stored::Untyped(_), Reading::Untyped(_))
            | (Stored::Summary { .. }, Reading::Summary { .. }) => true,
            (Stored::Histogram { upper_bounds, .. }, Reading::Histogram { buckets, .. }) => {
                upper_bounds.len() == buckets.len()
                    && upper_bounds.iter().zip(*buckets).all(|(a, b)| *a == b.0)
            }
            _ => false,
        }
    }

    fn for_reading(reading: &Reading<'_>, capacity: usize) -> Stored {
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
        }
    }

    /// Appends `reading` at `t`; returns the change in buffered samples.
    fn push(&mut self, t: f64, reading: &Reading<'_>, oldest_kept_after: f64) -> isize {
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
            // `fits` was checked before pushing.
            _ => 0,
        }
    }
}

/// One series' value as the ingest path sees it (borrowed: reading a
/// registry allocates nothing for series already tracked).
#[derive(Clone, Copy, Debug)]
enum Reading<'a> {
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
}

impl Reading<'_> {
    fn rings(&self) -> usize {
        match self {
            Reading::Counter(_) | Reading::Gauge(_) | Reading::Untyped(_) => 1,
            Reading::Histogram { buckets, .. } => buckets.len() + 2,
            Reading::Summary { .. } => 2,
        }
    }
}

/// Label pairs from either source, without collecting them.
#[derive(Clone, Copy)]
enum LabelSource<'a> {
    Registry {
        consts: &'a [(String, String)],
        labels: Labels<'a>,
    },
    Owned(&'a [(String, String)]),
}

impl LabelSource<'_> {
    fn for_each(&self, mut f: impl FnMut(&str, &str)) {
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
    fn equals(&self, pairs: &[(String, String)]) -> bool {
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
struct Series {
    name: String,
    labels: Vec<(String, String)>,
    stored: Stored,
    /// Time of the newest sample.
    last_seen: f64,
    /// The snapshot that last contained the series.
    seen_in: u64,
}

/// Keeps the recent history of every series of a target and derives rates
/// and quantiles from it. See the [module docs](self).
pub struct Sampler {
    config: SamplerConfig,
    capacity: usize,
    window: f64,
    started: Instant,
    series: Vec<Series>,
    /// Series key (name and labels, length-prefixed) to position in `series`.
    index: HashMap<Box<str>, usize>,
    stored_series: usize,
    stored_samples: usize,
    untracked: usize,
    last_t: Option<f64>,
    snapshots: u64,
    key: String,
    /// Where the next series of the snapshot being read probably is: targets
    /// list their series in the same order every time, so a comparison with
    /// that one series usually replaces building a key and hashing it.
    cursor: usize,
    /// Cumulative buckets of the registry histogram being read.
    scratch: Vec<(f64, f64)>,
}

impl fmt::Debug for Sampler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sampler")
            .field("config", &self.config)
            .field("snapshots", &self.snapshots)
            .field("memory", &self.memory())
            .finish_non_exhaustive()
    }
}

impl Default for Sampler {
    fn default() -> Self {
        Sampler::new(SamplerConfig::default())
    }
}

fn push_len_prefixed(key: &mut String, s: &str) {
    let mut digits = itoa::Buffer::new();
    key.push_str(digits.format(s.len()));
    key.push(':');
    key.push_str(s);
}

impl Sampler {
    /// A sampler with no history; its clock ([`Sampler::now`]) starts now.
    pub fn new(config: SamplerConfig) -> Self {
        Sampler {
            capacity: config.ring_capacity(),
            window: config.window.as_secs_f64(),
            config,
            started: Instant::now(),
            series: Vec::new(),
            index: HashMap::new(),
            stored_series: 0,
            stored_samples: 0,
            untracked: 0,
            last_t: None,
            snapshots: 0,
            key: String::new(),
            cursor: 0,
            scratch: Vec::new(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &SamplerConfig {
        &self.config
    }

    /// The window as seconds.
    pub fn window_secs(&self) -> f64 {
        self.window
    }

    /// Seconds since the sampler was made: the timestamp live sampling uses.
    pub fn now(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// `instant` as a sampler timestamp (0 for instants before the start).
    pub fn time_of(&self, instant: Instant) -> f64 {
        instant
            .saturating_duration_since(self.started)
            .as_secs_f64()
    }

    /// Reads `registry` now. Returns the timestamp used.
    pub fn sample(&mut self, registry: &Registry) -> Result<f64, SampleError> {
        let t = self.now();
        self.record_registry(t, registry).map(|()| t)
    }

    /// Reads every series of `registry` as of time `t` (seconds since the
    /// sampler started; must be after the previous snapshot's).
    pub fn record_registry(&mut self, t: f64, registry: &Registry) -> Result<(), SampleError> {
        self.begin(t)?;
        let mut scratch = std::mem::take(&mut self.scratch);
        registry.collect(|family, labels, value| {
            let labels = LabelSource::Registry {
                consts: family.const_labels,
                labels,
            };
            let reading = match value {
                SeriesValue::CounterU64(v) => Reading::Counter(v as f64),
                SeriesValue::CounterF64(v) => Reading::Counter(v),
                SeriesValue::GaugeI64(v) => Reading::Gauge(v as f64),
                SeriesValue::GaugeF64(v) => Reading::Gauge(v),
                SeriesValue::Histogram {
                    bounds,
                    counts,
                    sum,
                } => {
                    scratch.clear();
                    let mut cumulative = 0u64;
                    let les = bounds.iter().copied().chain([f64::INFINITY]);
                    for (le, c) in les.zip(counts) {
                        cumulative += c;
                        scratch.push((le, cumulative as f64));
                    }
                    Reading::Histogram {
                        buckets: &scratch,
                        count: cumulative as f64,
                        sum,
                    }
                }
                SeriesValue::Summary { count, sum } => Reading::Summary {
                    count: count as f64,
                    sum,
                },
                SeriesValue::Info => return,
            };
            self.ingest(t, family.name, labels, reading);
        });
        self.scratch = scratch;
        self.finish(t);
        Ok(())
    }

    /// Records `snapshot` as read at time `t` (seconds since the sampler
    /// started; must be after the previous snapshot's).
    pub fn record(&mut self, t: f64, snapshot: &Snapshot) -> Result<(), SampleError> {
        self.begin(t)?;
        for series in snapshot.series() {
            let reading = match &series.value {
                SnapshotValue::Counter(v) => Reading::Counter(*v),
                SnapshotValue::Gauge(v) => Reading::Gauge(*v),
                SnapshotValue::Untyped(v) => Reading::Untyped(*v),
                SnapshotValue::Histogram {
                    buckets,
                    count,
                    sum,
                } => {
                    let well_formed = !buckets.is_empty()
                        && buckets.last().is_some_and(|b| b.0 == f64::INFINITY)
                        && buckets.windows(2).all(|w| w[0].0 < w[1].0);
                    if !well_formed {
                        // No quantile can be derived from it; keep the
                        // count and sum at least.
                        Reading::Summary {
                            count: *count,
                            sum: *sum,
                        }
                    } else {
                        Reading::Histogram {
                            buckets,
                            count: *count,
                            sum: *sum,
                        }
                    }
                }
                SnapshotValue::Summary { count, sum } => Reading::Summary {
                    count: *count,
                    sum: *sum,
                },
            };
            self.ingest(t, &series.name, LabelSource::Owned(&series.labels), reading);
        }
        self.finish(t);
        Ok(())
    }

    fn begin(&mut self, t: f64) -> Result<(), SampleError> {
        if !t.is_finite() {
            return Err(SampleError::InvalidTime(t));
        }
        if let Some(last) = self.last_t {
            if t <= last {
                return Err(SampleError::OutOfOrder { last, t });
            }
        }
        self.snapshots += 1;
        self.untracked = 0;
        self.cursor = 0;
        Ok(())
    }

    fn ingest(&mut self, t: f64, name: &str, labels: LabelSource<'_>, reading: Reading<'_>) {
        let oldest_kept_after = t - self.window;
        let hinted = self
            .series
            .get(self.cursor)
            .is_some_and(|s| s.name == name && labels.equals(&s.labels));
        self.key.clear();
        let mut found = if hinted {
            Some(self.cursor)
        } else {
            push_len_prefixed(&mut self.key, name);
            let key = &mut self.key;
            labels.for_each(|k, v| {
                push_len_prefixed(key, k);
                push_len_prefixed(key, v);
            });
            self.index.get(self.key.as_str()).copied()
        };
        if let Some(position) = found {
            if !self.series[position].stored.fits(&reading) {
                // A type or bucket layout change: the old history says
                // nothing about the new series, so it starts over (and is
                // admitted against the cap like any new series).
                self.remove_where(|p, _| p == position);
                found = None;
            }
        }
        let position = match found {
            Some(position) => position,
            None => {
                if self.stored_series + reading.rings() > self.config.max_series {
                    self.untracked += 1;
                    return;
                }
                if self.key.is_empty() {
                    // The hinted series changed shape and was removed: its
                    // key was not built.
                    push_len_prefixed(&mut self.key, name);
                    let key = &mut self.key;
                    labels.for_each(|k, v| {
                        push_len_prefixed(key, k);
                        push_len_prefixed(key, v);
                    });
                }
                let mut owned = Vec::new();
                labels.for_each(|k, v| owned.push((k.to_owned(), v.to_owned())));
                let stored = Stored::for_reading(&reading, self.capacity);
                self.stored_series += stored.rings();
                self.series.push(Series {
                    name: name.to_owned(),
                    labels: owned,
                    stored,
                    last_seen: t,
                    // Set below, with the first sample.
                    seen_in: 0,
                });
                let position = self.series.len() - 1;
                self.index.insert(self.key.as_str().into(), position);
                position
            }
        };
        self.cursor = position + 1;
        let series = &mut self.series[position];
        if series.seen_in == self.snapshots && series.last_seen == t {
            // The same series twice in one snapshot (an invalid exposition
            // Prometheus would reject): the first one counts.
            return;
        }
        series.last_seen = t;
        series.seen_in = self.snapshots;
        let delta = series.stored.push(t, &reading, oldest_kept_after);
        self.stored_samples = self.stored_samples.wrapping_add_signed(delta);
    }

    fn finish(&mut self, t: f64) {
        self.last_t = Some(t);
        // A series gone from the target for a whole window has no sample left
        // in it: free its slots.
        let window = self.window;
        let now = self.snapshots;
        self.remove_where(|_, s| s.seen_in != now && t - s.last_seen >= window);
    }

    /// Drops the series for which `gone(position, series)` holds and
    /// re-indexes the rest (rare: a series disappeared or changed type).
    fn remove_where(&mut self, mut gone: impl FnMut(usize, &Series) -> bool) {
        if !self.series.iter().enumerate().any(|(p, s)| gone(p, s)) {
            return;
        }
        let (mut rings, mut samples, mut position) = (0, 0, 0);
        self.series.retain(|s| {
            let keep = !gone(position, s);
            position += 1;
            if !keep {
                rings += s.stored.rings();
                samples += s.stored.samples();
            }
            keep
        });
        self.stored_series -= rings;
        self.stored_samples -= samples;
        self.index.clear();
        let mut key = String::new();
        for (position, s) in self.series.iter().enumerate() {
            key.clear();
            push_len_prefixed(&mut key, &s.name);
            for (k, v) in &s.labels {
                push_len_prefixed(&mut key, k);
                push_len_prefixed(&mut key, v);
            }
            self.index.insert(key.as_str().into(), position);
        }
    }

    /// Seconds from the sampler's start to the latest snapshot (0 before the
    /// first one).
    pub fn uptime(&self) -> f64 {
        self.last_t.unwrap_or(0.0)
    }

    /// The latest snapshot's time.
    pub fn latest_time(&self) -> Option<f64> {
        self.last_t
    }

    /// How many snapshots were recorded.
    pub fn snapshots(&self) -> u64 {
        self.snapshots
    }

    /// What the buffers hold.
    pub fn memory(&self) -> MemoryUsage {
        MemoryUsage {
            series: self.stored_series,
            max_series: self.config.max_series,
            samples: self.stored_samples,
            max_samples: self.config.sample_bound(),
            untracked: self.untracked,
        }
    }

    fn at(&self) -> f64 {
        self.last_t.unwrap_or(0.0)
    }

    fn stale(&self, s: &Series) -> bool {
        s.seen_in != self.snapshots
    }

    fn rate_of(&self, ring: &Ring) -> Option<f64> {
        promql::rate(&ring.as_slice(), self.at(), self.window)
    }

    fn window_quantiles(&self, upper_bounds: &[f64], rings: &[Ring]) -> Quantiles {
        let mut buckets = Vec::with_capacity(rings.len());
        for (le, ring) in upper_bounds.iter().zip(rings) {
            match self.rate_of(ring) {
                Some(rate) => buckets.push(Bucket {
                    upper_bound: *le,
                    count: rate,
                }),
                None => return Quantiles::default(),
            }
        }
        quantiles(&buckets)
    }

    /// Every counter series, in the order first seen.
    pub fn counters(&self) -> Vec<CounterStat<'_>> {
        self.series
            .iter()
            .filter_map(|s| match &s.stored {
                Stored::Counter(ring) => {
                    let samples = ring.as_slice();
                    Some(CounterStat {
                        name: &s.name,
                        labels: &s.labels,
                        total: ring.last().map_or(f64::NAN, |x| x.v),
                        rate: promql::rate(&samples, self.at(), self.window),
                        irate: promql::irate(&samples, self.at(), self.window),
                        stale: self.stale(s),
                    })
                }
                _ => None,
            })
            .collect()
    }

    /// Every gauge and untyped series, in the order first seen.
    pub fn gauges(&self) -> Vec<GaugeStat<'_>> {
        self.series
            .iter()
            .filter_map(|s| {
                let (ring, untyped) = match &s.stored {
                    Stored::Gauge(ring) => (ring, false),
                    Stored::Untyped(ring) => (ring, true),
                    _ => return None,
                };
                Some(GaugeStat {
                    name: &s.name,
                    labels: &s.labels,
                    value: ring.last().map_or(f64::NAN, |x| x.v),
                    untyped,
                    stale: self.stale(s),
                })
            })
            .collect()
    }

    /// Every histogram and summary series, in the order first seen.
    pub fn distributions(&self) -> Vec<DistributionStat<'_>> {
        self.series
            .iter()
            .filter_map(|s| {
                let (kind, count, sum, window, lifetime) = match &s.stored {
                    Stored::Histogram {
                        upper_bounds,
                        buckets,
                        count,
                        sum,
                    } => {
                        let cumulative: Vec<Bucket> = upper_bounds
                            .iter()
                            .zip(buckets)
                            .map(|(le, ring)| Bucket {
                                upper_bound: *le,
                                count: ring.last().map_or(0.0, |x| x.v),
                            })
                            .collect();
                        (
                            DistributionKind::Histogram,
                            count,
                            sum,
                            self.window_quantiles(upper_bounds, buckets),
                            quantiles(&cumulative),
                        )
                    }
                    Stored::Summary { count, sum } => (
                        DistributionKind::Summary,
                        count,
                        sum,
                        Quantiles::default(),
                        Quantiles::default(),
                    ),
                    _ => return None,
                };
                let rate = self.rate_of(count);
                let mean = match (self.rate_of(sum), rate) {
                    (Some(s), Some(c)) if c > 0.0 => Some(s / c),
                    _ => None,
                };
                Some(DistributionStat {
                    name: &s.name,
                    labels: &s.labels,
                    kind,
                    count: count.last().map_or(0.0, |x| x.v),
                    sum: sum.last().map_or(0.0, |x| x.v),
                    rate,
                    mean,
                    window,
                    lifetime,
                    stale: self.stale(s),
                })
            })
            .collect()
    }

    /// The rings holding the scalar series called `name`: counters, gauges
    /// and untyped series of that name, and the `_count`/`_sum` of the
    /// histograms and summaries it names.
    fn rings_named<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s Ring> + 's {
        self.series.iter().filter_map(move |s| match &s.stored {
            Stored::Counter(r) | Stored::Gauge(r) | Stored::Untyped(r) => {
                (s.name == name).then_some(r)
            }
            Stored::Histogram { count, sum, .. } | Stored::Summary { count, sum } => {
                match name.strip_prefix(s.name.as_str()) {
                    Some("_count") => Some(count),
                    Some("_sum") => Some(sum),
                    _ => None,
                }
            }
        })
    }

    /// The sum of the latest values of every series called `name` (counters,
    /// gauges, or a histogram's `…_count`/`…_sum`): PromQL `sum(name)`.
    /// `None` when there is no such series.
    pub fn total(&self, name: &str) -> Option<f64> {
        self.rings_named(name)
            .filter_map(Ring::last)
            .map(|s| s.v)
            .fold(None, |acc, v| Some(acc.unwrap_or(0.0) + v))
    }

    /// `sum(rate(name[window]))`: `None` when no series of that name has two
    /// samples in the window.
    pub fn rate(&self, name: &str) -> Option<f64> {
        self.rings_named(name)
            .filter_map(|r| self.rate_of(r))
            .fold(None, |acc, v| Some(acc.unwrap_or(0.0) + v))
    }

    /// `sum(irate(name[window]))`.
    pub fn irate(&self, name: &str) -> Option<f64> {
        self.rings_named(name)
            .filter_map(|r| promql::irate(&r.as_slice(), self.at(), self.window))
            .fold(None, |acc, v| Some(acc.unwrap_or(0.0) + v))
    }

    /// `histogram_quantile(q, sum by (le) (rate(name_bucket[window])))` over
    /// every series of the histogram `name`. `None` when there is no such
    /// histogram or nothing was observed in the window.
    pub fn quantile(&self, name: &str, q: f64) -> Option<f64> {
        let mut buckets = Vec::new();
        for s in self.series.iter().filter(|s| s.name == name) {
            if let Stored::Histogram {
                upper_bounds,
                buckets: rings,
                ..
            } = &s.stored
            {
                for (le, ring) in upper_bounds.iter().zip(rings) {
                    if let Some(rate) = self.rate_of(ring) {
                        // Equal bounds of different series are summed by
                        // `histogram_quantile` itself (upstream's
                        // `coalesceBuckets`), which is `sum by (le)`.
                        buckets.push(Bucket {
                            upper_bound: *le,
                            count: rate,
                        });
                    }
                }
            }
        }
        promql::histogram_quantile(q, &buckets).filter(|v| !v.is_nan())
    }
}

fn quantiles(buckets: &[Bucket]) -> Quantiles {
    let q = |q| promql::histogram_quantile(q, buckets).filter(|v: &f64| !v.is_nan());
    Quantiles {
        p50: q(0.5),
        p95: q(0.95),
        p99: q(0.99),
    }
}
