use metrics_runtime::instrument_latency;

trait Handler {
    #[instrument_latency]
    fn handle(&self) -> u32;
}

fn main() {}
