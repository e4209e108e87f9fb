use promstrict::instrument_latency;

#[instrument_latency(metric LATENCY)]
fn handler() {}

fn main() {
    handler();
}
