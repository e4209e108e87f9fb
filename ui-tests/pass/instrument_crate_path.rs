//! `#[instrument_latency(crate = "…")]` points generated code at a re-export
//! of the runtime.

mod wrapper {
    pub use promstrict as rt;
}

#[promstrict::instrument_latency(crate = "crate::wrapper::rt")]
fn work() -> u32 {
    7
}

fn main() {
    assert_eq!(work(), 7);
    let text = wrapper::rt::default_registry().encode(wrapper::rt::Format::Prometheus);
    assert!(text.contains("function_calls_total{function=\"work\""), "{text}");
}
