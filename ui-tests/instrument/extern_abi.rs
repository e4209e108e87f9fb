use promstrict::instrument_latency;

#[instrument_latency]
pub extern "C" fn callback(x: i32) -> i32 {
    x + 1
}

fn main() {
    let _: extern "C" fn(i32) -> i32 = callback;
}
