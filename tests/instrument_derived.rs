//! The API's example, end to end: derived labels and metrics, and
//! `#[instrument_latency(metric = …, labels = …)]` recording into a field of
//! the derived struct's global, with the labels taken from the arguments.

use promstrict::{
    default_registry, instrument_latency, Counter, Family, Format, Histogram, LabelSet, LabelValue,
    Metrics, Outcome,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
enum Model {
    Small,
    Large,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
enum StreamMode {
    Off,
    On,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
struct LlmLabels {
    model: Model,
    stream: StreamMode,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
struct LlmCallLabels {
    model: Model,
    outcome: Outcome,
}

impl From<(LlmLabels, Outcome)> for LlmCallLabels {
    fn from((labels, outcome): (LlmLabels, Outcome)) -> Self {
        LlmCallLabels {
            model: labels.model,
            outcome,
        }
    }
}

#[derive(Metrics)]
#[metrics(namespace = "llm")]
struct LlmMetrics {
    /// Completion latency.
    #[metric(buckets = "medium")]
    latency_seconds: Family<LlmLabels, Histogram>,
    /// Completions by outcome.
    completions_total: Family<LlmCallLabels, Counter>,
}

struct Completion(String);

#[instrument_latency(
    metric = LlmMetrics::global().latency_seconds,
    labels = LlmLabels { model, stream: StreamMode::Off },
    calls = LlmMetrics::global().completions_total,
)]
fn complete(model: Model, prompt: &str) -> Completion {
    Completion(format!("{prompt} → {model:?}"))
}

#[instrument_latency(
    metric = LlmMetrics::global().latency_seconds,
    labels = LlmLabels { model, stream: StreamMode::On },
    calls = LlmMetrics::global().completions_total,
)]
async fn try_complete(model: Model, prompt: String) -> Result<Completion, String> {
    tokio::task::yield_now().await;
    if prompt.is_empty() {
        return Err("empty prompt".into());
    }
    Ok(Completion(prompt))
}

#[tokio::test]
async fn recorded_into_the_derived_global() {
    assert_eq!(complete(Model::Small, "hi").0, "hi → Small");
    assert!(try_complete(Model::Large, "yo".into()).await.is_ok());
    assert!(try_complete(Model::Large, String::new()).await.is_err());
    let text = default_registry().encode(Format::Prometheus);
    for line in [
        "llm_latency_seconds_count{model=\"small\",stream=\"off\"} 1\n",
        "llm_latency_seconds_count{model=\"large\",stream=\"on\"} 2\n",
        "llm_latency_seconds_bucket{model=\"large\",stream=\"on\",le=\"0.25\"} 2\n",
        "llm_completions_total{model=\"small\",outcome=\"ok\"} 1\n",
        "llm_completions_total{model=\"large\",outcome=\"ok\"} 1\n",
        "llm_completions_total{model=\"large\",outcome=\"error\"} 1\n",
    ] {
        assert!(text.contains(line), "{line} in\n{text}");
    }
}
