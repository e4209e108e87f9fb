//! A namespace prefixes every name; `name = "…"` renames a field's metric and
//! `#[label(name = "…")]` a label; raw identifiers lose their `r#`.

use promstrict::{Counter, Family, Format, Gauge, LabelSet, LabelValue, Metrics, Registry};

#[derive(Clone, Copy, LabelValue)]
enum Kind {
    #[label(name = "batch-job")]
    Batch,
    Interactive,
}

#[derive(Clone, Copy, LabelSet)]
struct JobLabels {
    #[label(name = "job_kind")]
    r#type: Kind,
    /// A name that looks like an id, but the values are a closed set.
    #[label(allow_high_cardinality_name)]
    tenant_id: bool,
}

#[derive(Metrics)]
#[metrics(namespace = "worker")]
struct WorkerMetrics {
    /// Jobs run.
    #[metric(name = "jobs_total")]
    runs: Family<JobLabels, Counter>,
    /// Jobs waiting.
    r#queue: Gauge,
}

fn main() {
    let registry = Registry::new();
    let m = WorkerMetrics::register(&registry).unwrap();
    m.runs
        .labels(JobLabels {
            r#type: Kind::Batch,
            tenant_id: true,
        })
        .inc();
    m.r#queue.set(2);
    assert_eq!(registry.names(), ["worker_jobs_total", "worker_queue"]);
    let text = registry.encode(Format::Prometheus);
    assert!(
        text.contains("worker_jobs_total{job_kind=\"batch-job\",tenant_id=\"true\"} 1\n"),
        "{text}"
    );
    assert!(text.contains("worker_queue 2\n"), "{text}");
    let _ = Kind::Interactive;
}
