//! The sampler's configuration: how often to sample, over which window to
//! derive rates, and how much to keep.

use std::time::Duration;

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
