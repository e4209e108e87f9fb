use promstrict::instrument_latency;

#[instrument_latency(name = Handler::get)]
fn get() {}

fn main() {
    get();
}
