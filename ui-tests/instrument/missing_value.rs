use metrics_runtime::instrument_latency;

#[instrument_latency(metric)]
fn handler() {}

fn main() {
    handler();
}
