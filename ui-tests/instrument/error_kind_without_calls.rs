use promstrict::{instrument_latency, Histogram, LabelValue};

#[derive(Clone, Copy, Debug, LabelValue)]
enum ChatError {
    Timeout,
}

static LATENCY: std::sync::LazyLock<Histogram> = std::sync::LazyLock::new(Histogram::default);

#[instrument_latency(metric = LATENCY, error_kind)]
fn chat() -> Result<(), ChatError> {
    Err(ChatError::Timeout)
}

#[instrument_latency(error_kind = true)]
fn chat_with_value() {}

fn main() {
    let _ = chat();
    chat_with_value();
}
