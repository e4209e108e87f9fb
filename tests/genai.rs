//! The GenAI set: names after OpenTelemetry's conventions that pass the rule
//! book, a streaming call recorded by one `#[instrument_latency]` (duration
//! until the stream ends, time to first token, outcome), and the exposition
//! promtool and the OpenMetrics parser accept.

use std::sync::LazyLock;
use std::time::Duration;

use promstrict::genai::{GenAiLabels, GenAiMetrics, GenAiOperation};
use promstrict::{assert_sample, instrument_latency, Format, LabelValue, Outcome, Registry};

#[derive(Clone, Copy, Debug, PartialEq, Eq, LabelValue)]
enum Provider {
    #[label(name = "openai")]
    OpenAi,
    Local,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, LabelValue)]
enum Model {
    #[label(name = "llama-3.1-8b")]
    Small,
    #[label(name = "llama-3.3-70b")]
    Large,
}

static REGISTRY: LazyLock<Registry> = LazyLock::new(Registry::new);
static LLM: LazyLock<GenAiMetrics<Provider, Model>> =
    LazyLock::new(|| GenAiMetrics::register(&REGISTRY).unwrap());

const TOKEN: Duration = Duration::from_millis(30);

/// A completion streamed token by token: the first after one token's time.
#[instrument_latency(
    metric = LLM.operation_duration_seconds,
    labels = GenAiLabels::chat(Provider::Local, model),
    first_item = LLM.time_to_first_token_seconds,
    calls = LLM.operations_total,
)]
fn complete(model: Model, tokens: usize) -> impl Iterator<Item = &'static str> {
    (0..tokens).map(|_| {
        std::thread::sleep(TOKEN);
        "token"
    })
}

fn labels(provider: &'static str, model: &'static str) -> [(&'static str, &'static str); 3] {
    [
        ("gen_ai_operation_name", "chat"),
        ("gen_ai_provider_name", provider),
        ("gen_ai_request_model", model),
    ]
}

#[test]
fn one_annotation_times_a_streaming_call_and_its_first_token() {
    assert_eq!(complete(Model::Large, 5).count(), 5);
    // A client that stops reading: cancelled.
    let mut stream = complete(Model::Large, 5);
    stream.next();
    drop(stream);

    let large = labels("local", "llama-3.3-70b");
    assert_sample!(
        REGISTRY,
        "gen_ai_client_operation_duration_seconds_count",
        large,
        2
    );
    assert_sample!(
        REGISTRY,
        "gen_ai_client_time_to_first_token_seconds_count",
        large,
        2
    );
    let sum = |name| REGISTRY.sample(name, &large).unwrap();
    let duration = sum("gen_ai_client_operation_duration_seconds_sum");
    let first = sum("gen_ai_client_time_to_first_token_seconds_sum");
    // Five tokens plus one, two first tokens: durations to the end, not the call.
    assert!(duration >= 0.17, "duration {duration} s");
    assert!(first >= 0.05 && first < duration, "first token {first} s");
    let outcome = |o| {
        let [a, b, c] = large;
        [a, b, c, ("outcome", o)]
    };
    assert_sample!(REGISTRY, "gen_ai_client_operations_total", outcome("ok"), 1);
    assert_sample!(
        REGISTRY,
        "gen_ai_client_operations_total",
        outcome("cancelled"),
        1
    );
}

#[test]
fn a_call_by_hand_records_tokens_and_time_per_token() {
    let mut call = LLM.start(GenAiOperation::Chat, Provider::OpenAi, Model::Small);
    call.input_tokens(100);
    call.first_token();
    call.output_tokens(11);
    call.finish(Outcome::Error);
    let small = labels("openai", "llama-3.1-8b");
    let [a, b, c] = small;
    assert_sample!(
        REGISTRY,
        "gen_ai_client_token_usage_tokens_sum",
        [a, b, c, ("gen_ai_token_type", "input")],
        100
    );
    assert_sample!(
        REGISTRY,
        "gen_ai_client_time_per_output_token_seconds_count",
        small,
        1
    );
    assert_sample!(
        REGISTRY,
        "gen_ai_client_operations_total",
        [a, b, c, ("outcome", "error")],
        1
    );
    metrics_toolkit::promtool_check_metrics(&REGISTRY.encode(Format::Prometheus)).unwrap();
    metrics_toolkit::python_parse_openmetrics(&REGISTRY.encode(Format::OpenMetrics)).unwrap();
}
