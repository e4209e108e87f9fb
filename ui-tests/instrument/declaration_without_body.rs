use promstrict::instrument_latency;

trait Handler {
    #[instrument_latency]
    fn handle(&self) -> u32;
}

fn main() {}
