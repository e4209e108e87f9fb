use promstrict::instrument_latency;

#[instrument_latency(bucket = "fast")]
fn handler() {}

fn main() {
    handler();
}
