use metrics_runtime::instrument_latency;

#[instrument_latency(labels = ())]
fn handler() {}

fn main() {
    handler();
}
