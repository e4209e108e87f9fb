use promstrict::instrument_latency;

#[instrument_latency(buckets = [0.1, 0.05, 1.0])]
fn handler() {}

fn main() {
    handler();
}
