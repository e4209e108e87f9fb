use promstrict::instrument_latency;

#[instrument_latency(buckets = "fast", buckets = "slow")]
fn handler() {}

fn main() {
    handler();
}
