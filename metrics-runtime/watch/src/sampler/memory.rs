//! Memory accounting: what the sampler's buffers hold, against their bounds.

use super::Sampler;

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

impl Sampler {
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
}
