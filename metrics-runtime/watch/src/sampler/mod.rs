//! Snapshots of a registry (or of a scraped `/metrics` page) taken at an
//! interval, kept in bounded per-series buffers, and the figures derived from
//! them the way Prometheus derives them: `rate` and `irate` of counters,
//! histogram quantiles over the bucket increases in a window.
//!
//! The sampler only reads: a registry is visited with
//! [`Registry::collect`](promstrict_core::Registry::collect), which changes nothing. Rates are never stored
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
mod config;
mod derived;
mod error;
mod ingest;
mod memory;
mod ring;
mod series;
mod snapshot;
mod store;

pub use alerts::{AlertCondition, AlertEngine, AlertRule, AlertState, AlertStatus, Severity};
pub use config::SamplerConfig;
pub use derived::{CounterStat, DistributionKind, DistributionStat, GaugeStat, Quantiles};
pub use error::SampleError;
pub use memory::MemoryUsage;
pub use snapshot::{Snapshot, SnapshotSeries, SnapshotValue};
pub use store::Sampler;
