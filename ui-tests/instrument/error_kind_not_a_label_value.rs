use promstrict::{instrument_latency, Counter, Family, Histogram, OutcomeKindLabels};

/// An error that is not a closed set of kinds: it carries a message.
#[derive(Debug)]
struct ChatError(String);

static LATENCY: std::sync::LazyLock<Histogram> = std::sync::LazyLock::new(Histogram::default);
static CALLS: std::sync::LazyLock<Family<OutcomeKindLabels<bool>, Counter>> =
    std::sync::LazyLock::new(Family::default);

#[instrument_latency(metric = LATENCY, calls = CALLS, error_kind)]
fn chat() -> Result<(), ChatError> {
    Err(ChatError("the model timed out".to_owned()))
}

fn main() {
    let _ = chat();
}
