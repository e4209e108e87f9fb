use metrics_runtime::instrument_latency;

#[instrument_latency(bucket = "fast")]
fn handler() {}

fn main() {
    handler();
}
