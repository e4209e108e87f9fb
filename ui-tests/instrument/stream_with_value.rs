use promstrict::instrument_latency;

#[instrument_latency(stream = true)]
fn numbers() -> impl Iterator<Item = u8> {
    0..3
}

fn main() {
    numbers().for_each(drop);
}
