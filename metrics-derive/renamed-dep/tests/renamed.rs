use metrics::{default_registry, Format, Registry};
use promstrict_renamed_dep::{register, run, run_async, JobLabels, Kind, Tenant};

#[test]
fn derived_metrics_work_through_the_renamed_dependency() {
    let registry = Registry::new();
    let jobs = register(&registry).unwrap();
    let labels = JobLabels {
        kind: Kind::Streaming,
        tenant: Tenant::new("acme"),
    };
    jobs.runs_total.labels(labels).inc();
    jobs.queued.set(3);
    let text = registry.encode(Format::OpenMetrics);
    assert!(
        text.contains("jobs_runs_total{kind=\"stream\",tenant=\"acme\"} 1\n"),
        "{text}"
    );
    assert!(
        text.contains("# UNIT jobs_duration_seconds seconds\n"),
        "{text}"
    );
    assert!(text.contains("jobs_queued 3\n"), "{text}");
}

#[tokio::test]
async fn instrumented_functions_work_through_the_renamed_dependency() {
    assert_eq!(run(2), Ok(4));
    assert!(run(0).is_err());
    let labels = JobLabels {
        kind: Kind::Batch,
        tenant: Tenant::new("acme"),
    };
    assert_eq!(run_async(labels).await, 0);
    let text = default_registry().encode(Format::Prometheus);
    assert!(text.contains("outcome=\"error\"} 1\n"), "{text}");
    assert!(
        text.contains("jobs_duration_seconds_count{kind=\"batch\",tenant=\"acme\"} 1\n"),
        "{text}"
    );
}
