use promstrict::instrument_latency;

#[instrument_latency(stream)]
fn numbers() -> std::ops::Range<u8> {
    0..3
}

fn main() {
    numbers().for_each(drop);
}
