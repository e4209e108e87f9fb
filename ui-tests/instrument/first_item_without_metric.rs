use promstrict::{instrument_latency, Histogram};

static TTFT: std::sync::LazyLock<Histogram> = std::sync::LazyLock::new(Histogram::default);

#[instrument_latency(first_item = TTFT)]
fn tokens() -> impl Iterator<Item = u8> {
    0..3
}

fn main() {
    tokens().for_each(drop);
}
