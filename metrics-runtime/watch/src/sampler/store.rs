//! The [`Sampler`] itself: its state, clock and plain accessors.

use std::collections::HashMap;
use std::fmt;
use std::time::Instant;

use super::series::Series;
use super::SamplerConfig;

/// Keeps the recent history of every series of a target and derives rates
/// and quantiles from it. See the [module docs](crate::sampler).
pub struct Sampler {
    pub(super) config: SamplerConfig,
    pub(super) capacity: usize,
    pub(super) window: f64,
    pub(super) started: Instant,
    pub(super) series: Vec<Series>,
    /// Series key (name and labels, length-prefixed) to position in `series`.
    pub(super) index: HashMap<Box<str>, usize>,
    pub(super) stored_series: usize,
    pub(super) stored_samples: usize,
    pub(super) untracked: usize,
    pub(super) last_t: Option<f64>,
    pub(super) snapshots: u64,
    pub(super) key: String,
    /// Where the next series of the snapshot being read probably is: targets
    /// list their series in the same order every time, so a comparison with
    /// that one series usually replaces building a key and hashing it.
    pub(super) cursor: usize,
    /// Cumulative buckets of the registry histogram being read.
    pub(super) scratch: Vec<(f64, f64)>,
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
}
