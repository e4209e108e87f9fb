use promstrict::instrument_latency;

#[instrument_latency(labels = (), buckets = [2.0, 1.0], timeout = 3, stream, stream)]
const fn handler() -> u32 {
    1
}

fn main() {
    let _ = handler();
}
