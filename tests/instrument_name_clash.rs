//! When a metric of the user's already holds one of the built-in family names
//! in the default registry, `#[instrument_latency]` still records and says why
//! its families are missing. (Its own test binary: it fills the default
//! registry first.)

use metrics_runtime::{default_registry, instrument, instrument_latency, Format, Gauge};

#[instrument_latency]
fn work() -> u32 {
    7
}

#[test]
fn a_taken_name_is_reported_not_hidden() {
    let mine: Gauge = default_registry()
        .register(
            "function_calls_in_flight",
            "Mine, not the macro's.",
            Gauge::new(),
        )
        .unwrap();
    mine.set(42);
    assert!(
        instrument::default_registration_error().is_none(),
        "nothing registered yet"
    );
    assert_eq!(work(), 7);
    let err = instrument::default_registration_error().expect("the clash is kept");
    assert!(
        err.to_string().contains("function_calls_in_flight"),
        "{err}"
    );
    // The user's metric is intact, and the other registry can still expose the calls.
    let text = default_registry().encode(Format::Prometheus);
    assert!(text.contains("function_calls_in_flight 42\n"), "{text}");
    assert!(
        !text.contains("function_calls_total"),
        "all or nothing:\n{text}"
    );
    let registry = metrics_runtime::Registry::new();
    instrument::register_function_metrics(&registry).unwrap();
    let text = registry.encode(Format::Prometheus);
    assert!(text.contains("outcome=\"ok\"} 1\n"), "{text}");
    assert!(text.contains("function_first_item_seconds"), "{text}");
}
