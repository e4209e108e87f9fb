//! `error_kind`: failures of a function returning `Result<_, E: LabelValue>`
//! are counted by kind, sync and async.
#![deny(warnings)]

use promstrict::{
    instrument_latency, Counter, Family, Format, Histogram, LabelValue, OutcomeKindLabels,
    Registry,
};

#[derive(Clone, Copy, Debug, PartialEq, LabelValue)]
enum ChatError {
    RateLimited,
}

static REGISTRY: std::sync::LazyLock<Registry> = std::sync::LazyLock::new(Registry::new);
static LATENCY: std::sync::LazyLock<Histogram> = std::sync::LazyLock::new(Histogram::default);
static CALLS: std::sync::LazyLock<Family<OutcomeKindLabels<ChatError>, Counter>> =
    std::sync::LazyLock::new(|| {
        let calls = Family::default();
        REGISTRY
            .register("chat_calls_total", "Chat calls.", Family::clone(&calls))
            .unwrap();
        calls
    });

#[instrument_latency(metric = LATENCY, calls = CALLS, error_kind)]
fn chat(fail: bool) -> Result<u32, ChatError> {
    if fail {
        return Err(ChatError::RateLimited);
    }
    Ok(1)
}

#[instrument_latency(metric = LATENCY, calls = CALLS, error_kind)]
async fn chat_async() -> Result<u32, ChatError> {
    Ok(2)
}

fn main() {
    assert_eq!(chat(false), Ok(1));
    assert!(chat(true).is_err());
    drop(chat_async()); // never polled: not a call
    let text = REGISTRY.encode(Format::Prometheus);
    assert!(text.contains("chat_calls_total{outcome=\"rate_limited\"} 1"), "{text}");
    assert!(text.contains("chat_calls_total{outcome=\"ok\"} 1"), "{text}");
}
