//! `#[instrument_latency(metric = …, calls = …, error_kind)]`: failures
//! counted by the error's kind (a `LabelValue` error enum), not as one
//! `error` outcome.

use std::future::Future as _;
use std::sync::LazyLock;

use promstrict::{
    assert_sample, instrument_latency, Counter, Family, Format, Histogram, LabelSet, LabelValue,
    Metrics, OutcomeKind, OutcomeKindLabels, Registry,
};

/// Why a chat call failed: a closed set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, LabelValue)]
enum ChatError {
    RateLimited,
    Timeout,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, LabelValue)]
enum Model {
    Small,
    Large,
}

#[derive(Clone, Copy, Debug, LabelSet)]
struct ModelLabels {
    model: Model,
}

#[derive(Clone, Copy, Debug, LabelSet)]
struct ChatCallLabels {
    model: Model,
    outcome: OutcomeKind<ChatError>,
}

impl From<(ModelLabels, OutcomeKind<ChatError>)> for ChatCallLabels {
    fn from((labels, outcome): (ModelLabels, OutcomeKind<ChatError>)) -> Self {
        ChatCallLabels {
            model: labels.model,
            outcome,
        }
    }
}

#[derive(Metrics)]
struct ChatMetrics {
    /// Chat call latency.
    chat_duration_seconds: Family<ModelLabels, Histogram>,
    /// Chat calls, by model and outcome (failures by kind).
    chat_calls_total: Family<ChatCallLabels, Counter>,
}

static REGISTRY: LazyLock<Registry> = LazyLock::new(Registry::new);
static METRICS: LazyLock<ChatMetrics> = LazyLock::new(|| ChatMetrics::register(&REGISTRY).unwrap());

#[instrument_latency(
    metric = METRICS.chat_duration_seconds,
    labels = ModelLabels { model },
    calls = METRICS.chat_calls_total,
    error_kind
)]
fn chat(model: Model, fail: Option<ChatError>) -> Result<&'static str, ChatError> {
    match fail {
        None => Ok("hello"),
        Some(kind) => Err(kind),
    }
}

#[instrument_latency(
    metric = METRICS.chat_duration_seconds,
    labels = ModelLabels { model },
    calls = METRICS.chat_calls_total,
    error_kind
)]
async fn chat_async(model: Model, fail: Option<ChatError>) -> Result<&'static str, ChatError> {
    tokio::task::yield_now().await;
    fail.map_or(Ok("hello"), Err)
}

#[test]
fn failures_are_counted_by_their_kind() {
    chat(Model::Small, None).unwrap();
    chat(Model::Small, Some(ChatError::Timeout)).unwrap_err();
    chat(Model::Small, Some(ChatError::Timeout)).unwrap_err();
    chat(Model::Large, Some(ChatError::RateLimited)).unwrap_err();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        chat_async(Model::Large, None).await.unwrap();
        chat_async(Model::Large, Some(ChatError::Timeout))
            .await
            .unwrap_err();
        // Dropped before it finished: cancelled, as without `error_kind`.
        let pending = chat_async(Model::Small, None);
        drop(pending);
        let mut pending = Box::pin(chat_async(Model::Small, None));
        let waker = std::task::Waker::noop();
        let _ = pending
            .as_mut()
            .poll(&mut std::task::Context::from_waker(waker));
        drop(pending);
    });
    let calls = |model, outcome| [("model", model), ("outcome", outcome)];
    assert_sample!(REGISTRY, "chat_calls_total", calls("small", "ok"), 1);
    assert_sample!(REGISTRY, "chat_calls_total", calls("small", "timeout"), 2);
    assert_sample!(
        REGISTRY,
        "chat_calls_total",
        calls("large", "rate_limited"),
        1
    );
    assert_sample!(REGISTRY, "chat_calls_total", calls("large", "ok"), 1);
    assert_sample!(REGISTRY, "chat_calls_total", calls("large", "timeout"), 1);
    assert_sample!(REGISTRY, "chat_calls_total", calls("small", "cancelled"), 1);
    assert_eq!(
        REGISTRY.sample("chat_calls_total", &calls("small", "error")),
        None,
        "no generic `error` when the kind is known"
    );
    // Every call's duration, whatever the outcome.
    assert_sample!(
        REGISTRY,
        "chat_duration_seconds_count",
        [("model", "small")],
        4
    );
    let text = REGISTRY.encode(Format::Prometheus);
    metrics_toolkit::promtool_check_metrics(&text).unwrap();
}

/// The outcome-only label set works for any call labels.
#[test]
fn outcome_kind_labels_count_by_outcome_alone() {
    let registry = Registry::new();
    let calls: Family<OutcomeKindLabels<ChatError>, Counter> = Family::default();
    registry
        .register("jobs_total", "Jobs, by outcome.", calls.clone())
        .unwrap();
    let histogram = Histogram::default();

    #[instrument_latency(metric = histogram, calls = calls, error_kind)]
    fn job(
        histogram: &Histogram,
        calls: &Family<OutcomeKindLabels<ChatError>, Counter>,
    ) -> Result<(), ChatError> {
        let _ = (histogram, calls);
        Err(ChatError::RateLimited)
    }
    job(&histogram, &calls).unwrap_err();
    assert_sample!(registry, "jobs_total", [("outcome", "rate_limited")], 1);
}
