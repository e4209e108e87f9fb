use promstrict::instrument_latency;

#[instrument_latency]
const fn answer() -> u32 {
    42
}

// The function is still emitted, unchanged: no error cascades from here.
const ANSWER: u32 = answer();

fn main() {
    assert_eq!(ANSWER, 42);
}
