use promstrict::instrument_latency;

#[instrument_latency]
struct Handler;

fn main() {
    let _ = Handler;
}
