//! `crate = "…"` points generated code at a re-export of the runtime, for
//! crates that wrap it (the user of the wrapper needs no `promstrict`
//! in scope).

mod wrapper {
    pub use promstrict as rt;
}

use promstrict::{Counter, Family, LabelSet, LabelValue, Metrics};

#[derive(Clone, Copy, LabelValue)]
#[label(crate = "crate::wrapper::rt")]
enum Outcome {
    Ok,
    Error,
}

#[derive(Clone, Copy, LabelSet)]
#[label(crate = "crate::wrapper::rt")]
struct OutcomeLabels {
    outcome: Outcome,
}

#[derive(Metrics)]
#[metrics(crate = "crate::wrapper::rt")]
struct Wrapped {
    /// Calls.
    calls_total: Family<OutcomeLabels, Counter>,
}

fn main() {
    let registry = wrapper::rt::Registry::new();
    let w = Wrapped::register(&registry).unwrap();
    w.calls_total
        .labels(OutcomeLabels {
            outcome: Outcome::Error,
        })
        .inc();
    assert!(registry
        .encode(wrapper::rt::Format::Prometheus)
        .contains("calls_total{outcome=\"error\"} 1\n"));
    let _ = Outcome::Ok;
}
