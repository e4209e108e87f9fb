use promstrict::instrument_latency;

#[instrument_latency(metric)]
fn handler() {}

fn main() {
    handler();
}
