//! Every macro, used through a dependency renamed `metrics`: no `promstrict`
//! is in scope, so generated code that named it would not compile.

use metrics::{
    bounded_label, instrument_latency, Counter, Family, Gauge, Histogram, Info, LabelSet,
    LabelValue, Metrics, Registry, RegistryError, Summary,
};

/// The kind of a job.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum Kind {
    /// A batch job.
    Batch,
    /// A streaming job.
    #[label(name = "stream")]
    Streaming,
}

bounded_label! {
    /// A tenant, at most 4 distinct ones.
    pub struct Tenant { max: 4, overflow: "other" }
}

/// A job's labels.
#[derive(Clone, Copy, Debug, LabelSet)]
pub struct JobLabels {
    /// The kind.
    pub kind: Kind,
    /// The tenant.
    pub tenant: Tenant,
}

/// The jobs' metrics.
#[derive(Metrics)]
#[metrics(namespace = "jobs")]
pub struct JobMetrics {
    /// Jobs run.
    #[metric(init_all)]
    pub runs_total: Family<JobLabels, Counter>,
    /// Time a job takes.
    #[metric(buckets = "fast")]
    pub duration_seconds: Family<JobLabels, Histogram>,
    /// Jobs waiting.
    pub queued: Gauge,
    /// Job payload sizes.
    pub payload_bytes: Summary,
    /// The runner's build.
    pub runner_info: Info,
}

/// Registers the metrics in `registry`.
pub fn register(registry: &Registry) -> Result<JobMetrics, RegistryError> {
    JobMetrics::register(registry)
}

/// A timed function, recorded in the built-in families.
#[instrument_latency]
pub fn run(n: u32) -> Result<u32, String> {
    if n == 0 {
        Err("nothing to do".to_owned())
    } else {
        Ok(n * 2)
    }
}

/// A timed async function, recorded into the job histogram.
#[instrument_latency(metric = JobMetrics::global().duration_seconds, labels = labels)]
pub async fn run_async(labels: JobLabels) -> u32 {
    labels.kind as u32
}
