//! An owned reading of every series of a target at one moment: what a test
//! hands the sampler, and what a scrape of a `/metrics` page turns into.

use promstrict_core::Registry;
use promstrict_core::SeriesValue;

/// The value of one series in a [`Snapshot`].
#[derive(Clone, Debug, PartialEq)]
pub enum SnapshotValue {
    /// A counter's current total.
    Counter(f64),
    /// A gauge's current value.
    Gauge(f64),
    /// A value exposed without a type (`untyped` in the text format).
    Untyped(f64),
    /// A classic histogram.
    Histogram {
        /// `(le, cumulative count)` per bucket, upper bounds strictly
        /// increasing, the last one `+Inf`.
        buckets: Vec<(f64, f64)>,
        /// The `_count` series (equal to the `+Inf` bucket in a consistent
        /// exposition).
        count: f64,
        /// The `_sum` series.
        sum: f64,
    },
    /// A summary's count and sum (its quantile series, if any, are gauges).
    Summary {
        /// The `_count` series.
        count: f64,
        /// The `_sum` series.
        sum: f64,
    },
}

/// One series of a [`Snapshot`].
#[derive(Clone, Debug, PartialEq)]
pub struct SnapshotSeries {
    /// The series name: a counter's full sample name (`tasks_total`), a
    /// histogram's or summary's family name (`task_duration_seconds`, without
    /// `_bucket`/`_count`/`_sum`).
    pub name: String,
    /// Label pairs, without `le` on histograms.
    pub labels: Vec<(String, String)>,
    /// The value.
    pub value: SnapshotValue,
}

/// Every series of a target read at one moment.
///
/// Build one by hand to drive a [`Sampler`](crate::sampler::Sampler)
/// deterministically:
///
/// ```
/// # mod promstrict { pub use promstrict_core::*; pub use promstrict_watch::*; }
/// use promstrict::sampler::Snapshot;
///
/// let snapshot = Snapshot::new()
///     .counter("tasks_total", &[], 60.0)
///     .gauge("tasks_in_progress", &[("worker", "a")], 2.0)
///     .histogram("task_duration_seconds", &[], &[(0.1, 3.0), (0.5, 9.0), (f64::INFINITY, 10.0)], 2.5);
/// assert_eq!(snapshot.series().len(), 3);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    series: Vec<SnapshotSeries>,
}

fn owned_labels(labels: &[(&str, &str)]) -> Vec<(String, String)> {
    labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

impl Snapshot {
    /// An empty snapshot.
    pub fn new() -> Self {
        Snapshot::default()
    }

    /// Reads every series of `registry` (without changing it).
    pub fn from_registry(registry: &Registry) -> Self {
        let mut snapshot = Snapshot::new();
        registry.collect(|family, labels, value| {
            let mut pairs: Vec<(String, String)> = family.const_labels.to_vec();
            pairs.extend(labels.to_pairs());
            let value = match value {
                SeriesValue::CounterU64(v) => SnapshotValue::Counter(v as f64),
                SeriesValue::CounterF64(v) => SnapshotValue::Counter(v),
                SeriesValue::GaugeI64(v) => SnapshotValue::Gauge(v as f64),
                SeriesValue::GaugeF64(v) => SnapshotValue::Gauge(v),
                SeriesValue::Histogram {
                    bounds,
                    counts,
                    sum,
                } => {
                    let mut cumulative = 0u64;
                    let buckets = bounds
                        .iter()
                        .copied()
                        .chain(std::iter::once(f64::INFINITY))
                        .zip(counts)
                        .map(|(le, c)| {
                            cumulative += c;
                            (le, cumulative as f64)
                        })
                        .collect();
                    SnapshotValue::Histogram {
                        buckets,
                        count: cumulative as f64,
                        sum,
                    }
                }
                SeriesValue::Summary { count, sum } => SnapshotValue::Summary {
                    count: count as f64,
                    sum,
                },
                // An info metric is constant text about the target, not a
                // figure to watch; state sets and gauge histograms are
                // current states and distributions, which the sampler does
                // not follow over time.
                SeriesValue::Info
                | SeriesValue::StateSet { .. }
                | SeriesValue::GaugeHistogram { .. } => return,
            };
            snapshot.push(SnapshotSeries {
                name: family.name.to_owned(),
                labels: pairs,
                value,
            });
        });
        snapshot
    }

    /// Adds a series.
    pub fn push(&mut self, series: SnapshotSeries) {
        self.series.push(series);
    }

    fn with(mut self, name: &str, labels: &[(&str, &str)], value: SnapshotValue) -> Self {
        self.push(SnapshotSeries {
            name: name.to_owned(),
            labels: owned_labels(labels),
            value,
        });
        self
    }

    /// Adds a counter series.
    pub fn counter(self, name: &str, labels: &[(&str, &str)], value: f64) -> Self {
        self.with(name, labels, SnapshotValue::Counter(value))
    }

    /// Adds a gauge series.
    pub fn gauge(self, name: &str, labels: &[(&str, &str)], value: f64) -> Self {
        self.with(name, labels, SnapshotValue::Gauge(value))
    }

    /// Adds a histogram series from its cumulative `(le, count)` buckets (the
    /// last one `+Inf`, whose count is also the `_count`).
    pub fn histogram(
        self,
        name: &str,
        labels: &[(&str, &str)],
        buckets: &[(f64, f64)],
        sum: f64,
    ) -> Self {
        let count = buckets.last().map_or(0.0, |b| b.1);
        self.with(
            name,
            labels,
            SnapshotValue::Histogram {
                buckets: buckets.to_vec(),
                count,
                sum,
            },
        )
    }

    /// The series, in the order they were added.
    pub fn series(&self) -> &[SnapshotSeries] {
        &self.series
    }

    /// The series, to update values in place (a long-lived snapshot reused
    /// between reads allocates nothing).
    pub fn series_mut(&mut self) -> &mut [SnapshotSeries] {
        &mut self.series
    }

    /// The first series named `name` whose labels include every pair of
    /// `labels` (handy in tests).
    pub fn find(&self, name: &str, labels: &[(&str, &str)]) -> Option<&SnapshotSeries> {
        self.series.iter().find(|s| {
            s.name == name
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.iter().any(|(sk, sv)| sk == k && sv == v))
        })
    }
}
