//! Figures derived from the buffers the way PromQL derives them: per-series
//! stats, `rate`, `irate`, totals and histogram quantiles.

use super::ring::Ring;
use super::series::{Series, Stored};
use super::Sampler;
use crate::promql::{self, Bucket};

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

impl Sampler {
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
                    Stored::Native {
                        count,
                        sum,
                        readings,
                        ..
                    } => {
                        let window = promql::rate_native(readings, self.at(), self.window)
                            .map(|rate| native_quantiles(&rate))
                            .unwrap_or_default();
                        let lifetime = readings
                            .last()
                            .map(|r| native_quantiles(&r.h))
                            .unwrap_or_default();
                        (DistributionKind::Histogram, count, sum, window, lifetime)
                    }
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
            Stored::Histogram { count, sum, .. }
            | Stored::Summary { count, sum }
            | Stored::Native { count, sum, .. } => match name.strip_prefix(s.name.as_str()) {
                Some("_count") => Some(count),
                Some("_sum") => Some(sum),
                _ => None,
            },
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
        // Native series: `histogram_quantile(q, sum(rate(name[window])))`.
        let mut native: Option<promql::NativeBuckets> = None;
        for s in self.series.iter().filter(|s| s.name == name) {
            if let Stored::Native { readings, .. } = &s.stored {
                if let Some(rate) = promql::rate_native(readings, self.at(), self.window) {
                    native = Some(match native {
                        Some(total) => total.add(&rate),
                        None => rate,
                    });
                }
            }
        }
        if let Some(native) = native {
            let v = promql::histogram_quantile_native(q, &native);
            return (!v.is_nan()).then_some(v);
        }
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

fn native_quantiles(h: &promql::NativeBuckets) -> Quantiles {
    let q = |q| Some(promql::histogram_quantile_native(q, h)).filter(|v: &f64| !v.is_nan());
    Quantiles {
        p50: q(0.5),
        p95: q(0.95),
        p99: q(0.99),
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
