use promstrict::instrument_latency;

#[instrument_latency(stream)]
fn tick() {}

fn main() {
    tick();
}
