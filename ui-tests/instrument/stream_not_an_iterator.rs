use promstrict::instrument_latency;

#[instrument_latency(stream)]
fn greeting() -> impl std::fmt::Display {
    "hello"
}

fn main() {
    println!("{}", greeting());
}
