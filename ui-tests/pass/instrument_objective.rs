//! `#[instrument_latency(objective(…))]` puts a latency objective on the
//! function's series of `function_duration_seconds` once it is called.

use promstrict::generate::RulesOptions;
use promstrict::{default_registry, instrument_latency};

#[instrument_latency(buckets = [0.1, 0.25, 1.0], objective(latency = 0.25, percent = 99.5, page(for = "1m", severity = "critical")))]
fn handler() -> u32 {
    7
}

fn main() {
    assert_eq!(handler(), 7);
    let rules = default_registry().alert_rules(&RulesOptions::default());
    assert!(
        rules.contains("rate(function_duration_seconds_count{function=\\\"handler\\\",module=\\\""),
        "{rules}"
    );
    assert!(rules.contains("slo: \"function_duration_seconds_le_0_25_handler_"), "{rules}");
    assert!(rules.contains("        for: \"1m\"\n        labels:\n          severity: \"critical\"\n"), "{rules}");
}
