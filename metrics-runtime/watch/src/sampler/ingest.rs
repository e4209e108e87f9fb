//! Recording snapshots: reading a registry or a [`Snapshot`] into the
//! per-series buffers, and evicting series that left the target.

use promstrict_core::{Registry, SeriesValue};

use super::series::{push_len_prefixed, LabelSource, Reading, Series, Stored};
use super::{SampleError, Sampler, Snapshot, SnapshotValue};
use crate::promql::NativeBuckets;

impl Sampler {
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
        registry.collect_with_extras(|family, labels, value, extras| {
            let labels = LabelSource::Registry {
                consts: family.const_labels,
                labels,
            };
            if let Some(native) = extras.native {
                // The buckets, not the classic view beside them.
                let native = NativeBuckets::from(native);
                self.ingest(t, family.name, labels, Reading::Native(&native));
                return;
            }
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
                // Text about the target, and current states and
                // distributions: nothing to derive a rate or a quantile of
                // over time.
                SeriesValue::Info
                | SeriesValue::StateSet { .. }
                | SeriesValue::GaugeHistogram { .. } => return,
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
}
