//! The default registry keeps the names of `#[instrument_latency]`'s built-in
//! families from its creation: a metric of the user's under one of them is
//! refused where it is registered, with an error naming the owner, and the
//! families are always exposed. (Its own test binary: it registers into the
//! default registry.)

use promstrict::{default_registry, instrument, instrument_latency, Format, Gauge, RegistryError};

#[instrument_latency]
fn work() -> u32 {
    7
}

#[test]
fn a_taken_name_is_refused_where_it_is_registered() {
    let err = default_registry()
        .register(
            "function_calls_in_flight",
            "Mine, not the macro's.",
            Gauge::new(),
        )
        .unwrap_err();
    assert!(
        matches!(&err, RegistryError::Duplicate { owner, .. } if owner.contains("#[instrument_latency]")),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "metric `function_calls_in_flight` is already registered, by `#[instrument_latency]` (its built-in families): choose another name"
    );
    // A name a family takes in OpenMetrics (`function_calls_total`'s family
    // is `function_calls`) is kept too.
    let err = default_registry()
        .register("function_calls", "No.", Gauge::new())
        .unwrap_err();
    assert!(err.to_string().contains("#[instrument_latency]"), "{err}");
    // Nothing was registered, and the families are exposed once called.
    assert!(default_registry().is_empty());
    assert_eq!(work(), 7);
    let text = default_registry().encode(Format::Prometheus);
    assert!(text.contains("function_calls_total{"), "{text}");
    assert!(text.contains("function_calls_in_flight{"), "{text}");
    // Another registry can expose the same calls.
    let registry = promstrict::Registry::new();
    instrument::register_function_metrics(&registry).unwrap();
    let text = registry.encode(Format::Prometheus);
    assert!(text.contains("outcome=\"ok\"} 1\n"), "{text}");
    assert!(text.contains("function_first_item_seconds"), "{text}");
}
