use promstrict::instrument_latency;

#[instrument_latency(labels = ())]
fn handler() {}

fn main() {
    handler();
}
