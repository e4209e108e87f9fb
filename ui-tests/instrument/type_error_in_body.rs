use promstrict::instrument_latency;

#[instrument_latency]
fn parse(input: &str) -> Result<u32, std::num::ParseIntError> {
    let n: u32 = input.trim();
    Ok(n)
}

fn main() {
    let _ = parse("1");
}
