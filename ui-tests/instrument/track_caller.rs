use promstrict::instrument_latency;

#[track_caller]
#[instrument_latency]
fn caller_location() -> &'static std::panic::Location<'static> {
    std::panic::Location::caller()
}

fn main() {
    let _ = caller_location();
}
