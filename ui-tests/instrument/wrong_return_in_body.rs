use promstrict::instrument_latency;

#[instrument_latency]
async fn count(items: &[u8]) -> u32 {
    if items.is_empty() {
        return "none";
    }
    items.len() as u32
}

fn main() {
    let _ = count(&[]);
}
