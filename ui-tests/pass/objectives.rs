//! Objectives on a histogram (latency, with and without `buckets`) and on a
//! counter family (errors, one or several bad values) compile and reach the
//! registry; a bad value of a label filled at run time (`bounded_label!`) is
//! refused at registration with the rule book's message.

use promstrict::generate::RulesOptions;
use promstrict::{Counter, Family, Histogram, LabelSet, LabelValue, Metrics, Registry};

#[derive(Clone, Copy, LabelValue)]
enum Outcome {
    Ok,
    Error,
    Timeout,
}

#[derive(Clone, Copy, LabelSet)]
struct CallLabels {
    outcome: Outcome,
}

#[derive(Metrics)]
#[metrics(namespace = "api")]
struct ApiMetrics {
    /// Call latency.
    #[metric(buckets = [0.1, 0.25, 1.0], objective(latency = 0.25, percent = 99.0))]
    call_duration_seconds: Family<CallLabels, Histogram>,
    /// Queue latency.
    #[metric(objective(latency = 1, percent = 95, page(for = "10m"), ticket(for = "1h30m", severity = "low")))]
    queue_duration_seconds: Histogram,
    /// Calls.
    #[metric(objective(errors(outcome = ["error", "timeout"]), percent = 99.9))]
    calls_total: Family<CallLabels, Counter>,
}

promstrict::bounded_label! {
    struct Tenant { max: 4, overflow: "other" }
}

#[derive(Clone, Copy, LabelSet)]
struct TenantLabels {
    tenant: Tenant,
    outcome: Outcome,
}

#[derive(Metrics)]
struct TenantMetrics {
    /// Calls by tenant: the tenant's values arrive at run time, the
    /// outcome's are known.
    #[metric(objective(errors(tenant = "acme"), percent = 99.9))]
    other_calls_total: Family<TenantLabels, Counter>,
}

fn main() {
    let registry = Registry::new();
    ApiMetrics::register(&registry).unwrap();
    let rules = registry.alert_rules(&RulesOptions::default());
    assert!(rules.contains("job:api_call_duration_seconds_le_0_25:error_ratio_rate5m"));
    assert!(rules.contains("job:api_queue_duration_seconds_le_1:error_ratio_rate5m"));
    assert!(rules.contains("job:api_calls_outcome_errors:error_ratio_rate5m"));
    assert!(rules.contains("        for: \"10m\"\n        labels:\n          severity: \"page\"\n          slo: \"api_queue_duration_seconds_le_1\""), "{rules}");
    assert!(rules.contains("        for: \"1h30m\"\n        labels:\n          severity: \"low\"\n          slo: \"api_queue_duration_seconds_le_1\""), "{rules}");
    // `acme` may still arrive: only known values are checked.
    TenantMetrics::register(&registry).unwrap();
}
