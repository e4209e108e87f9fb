//! `#[instrument_latency(metric = …, labels = …, calls = …, in_flight = …)]`:
//! recording into metrics of the user's own, in a registry of the test's own.

use std::sync::OnceLock;
use std::time::Duration;

use promstrict::{
    instrument_latency, Counter, Family, Format, Gauge, Histogram, LabelDescriptor, LabelSet,
    LabelValue, Outcome, OutcomeLabels, Registry,
};

// What `#[derive(LabelValue)]` / `#[derive(LabelSet)]` write, by hand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Model {
    Small,
    Large,
}

impl LabelValue for Model {
    const CARDINALITY: usize = 2;
    fn index(self) -> usize {
        self as usize
    }
    fn name_at(index: usize) -> Option<&'static str> {
        ["small", "large"].get(index).copied()
    }
}

#[derive(Clone, Copy, Debug)]
struct LlmLabels {
    model: Model,
    stream: bool,
}

impl LabelSet for LlmLabels {
    const LABELS: &'static [LabelDescriptor] = &[
        LabelDescriptor::of::<Model>("model"),
        LabelDescriptor::of::<bool>("stream"),
    ];
    fn index(&self) -> usize {
        self.model.index() * 2 + self.stream.index()
    }
}

/// The call counter's labels: the model and the outcome.
#[derive(Clone, Copy, Debug)]
struct LlmCallLabels {
    model: Model,
    outcome: Outcome,
}

impl LabelSet for LlmCallLabels {
    const LABELS: &'static [LabelDescriptor] = &[
        LabelDescriptor::of::<Model>("model"),
        LabelDescriptor::of::<Outcome>("outcome"),
    ];
    fn index(&self) -> usize {
        self.model.index() * 4 + self.outcome.index()
    }
}

impl From<(LlmLabels, Outcome)> for LlmCallLabels {
    fn from((labels, outcome): (LlmLabels, Outcome)) -> Self {
        LlmCallLabels {
            model: labels.model,
            outcome,
        }
    }
}

struct LlmMetrics {
    latency_seconds: Family<LlmLabels, Histogram>,
    calls_total: Family<LlmCallLabels, Counter>,
    in_flight: Family<LlmLabels, Gauge>,
}

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Registry::new)
}

fn llm() -> &'static LlmMetrics {
    static LLM: OnceLock<LlmMetrics> = OnceLock::new();
    LLM.get_or_init(|| {
        let r = registry();
        LlmMetrics {
            latency_seconds: r
                .register(
                    "llm_latency_seconds",
                    "LLM call latency.",
                    Family::default(),
                )
                .unwrap(),
            calls_total: r
                .register("llm_calls_total", "LLM calls.", Family::default())
                .unwrap(),
            in_flight: r
                .register(
                    "llm_calls_in_flight",
                    "LLM calls in flight.",
                    Family::default(),
                )
                .unwrap(),
        }
    })
}

fn scrape() -> String {
    registry().encode(Format::Prometheus)
}

fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map(|v| v.parse().expect("a number"))
}

#[instrument_latency(
    metric = llm().latency_seconds,
    labels = LlmLabels { model, stream: false },
    calls = llm().calls_total,
    in_flight = llm().in_flight,
)]
fn complete(model: Model, prompt: &str) -> Result<String, String> {
    if prompt.is_empty() {
        return Err("empty prompt".to_owned());
    }
    Ok(format!("{prompt}…"))
}

#[test]
fn a_family_with_labels_from_the_arguments() {
    assert!(complete(Model::Small, "hi").is_ok());
    assert!(complete(Model::Small, "").is_err());
    assert!(complete(Model::Large, "hello").is_ok());
    let text = scrape();
    let count = |model: &str| {
        value(
            &text,
            &format!("llm_latency_seconds_count{{model=\"{model}\",stream=\"false\"}}"),
        )
    };
    assert_eq!(count("small"), Some(2.0), "{text}");
    assert_eq!(count("large"), Some(1.0));
    let calls = |model: &str, outcome: &str| {
        value(
            &text,
            &format!("llm_calls_total{{model=\"{model}\",outcome=\"{outcome}\"}}"),
        )
    };
    assert_eq!(calls("small", "ok"), Some(1.0));
    assert_eq!(calls("small", "error"), Some(1.0));
    assert_eq!(calls("large", "ok"), Some(1.0));
    assert_eq!(
        value(
            &text,
            "llm_calls_in_flight{model=\"small\",stream=\"false\"}"
        ),
        Some(0.0)
    );
}

struct Client {
    model: Model,
}

impl Client {
    #[instrument_latency(
        metric = llm().latency_seconds,
        labels = LlmLabels { model: self.model, stream: true },
        in_flight = llm().in_flight,
    )]
    async fn stream_completion(&self, tokens: u32) -> u32 {
        for _ in 0..tokens {
            tokio::task::yield_now().await;
        }
        tokens
    }
}

#[tokio::test]
async fn an_async_method_labelled_by_its_receiver() {
    let client = Client {
        model: Model::Large,
    };
    assert_eq!(client.stream_completion(3).await, 3);
    let cancelled = tokio::time::timeout(Duration::from_millis(5), async {
        let never = client.stream_completion(u32::MAX);
        never.await
    })
    .await;
    assert!(cancelled.is_err());
    let text = scrape();
    assert_eq!(
        value(
            &text,
            "llm_latency_seconds_count{model=\"large\",stream=\"true\"}"
        ),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        value(
            &text,
            "llm_calls_in_flight{model=\"large\",stream=\"true\"}"
        ),
        Some(0.0)
    );
}

struct Plain {
    seconds: Histogram,
    calls: Family<OutcomeLabels, Counter>,
    every_call: Counter,
    running: Gauge,
}

fn plain() -> &'static Plain {
    static PLAIN: OnceLock<Plain> = OnceLock::new();
    PLAIN.get_or_init(|| {
        let r = registry();
        Plain {
            seconds: r
                .register("plain_seconds", "Plain.", Histogram::default())
                .unwrap(),
            calls: r
                .register("plain_calls_total", "Plain calls.", Family::default())
                .unwrap(),
            every_call: r
                .register("plain_every_call_total", "Every call.", Counter::default())
                .unwrap(),
            running: r
                .register("plain_running", "Running.", Gauge::default())
                .unwrap(),
        }
    })
}

#[instrument_latency(metric = plain().seconds, calls = plain().calls, in_flight = plain().running)]
fn checked_div(a: u32, b: u32) -> Option<u32> {
    a.checked_div(b)
}

#[instrument_latency(metric = plain().seconds, calls = plain().every_call)]
fn may_panic(really: bool) -> Result<(), ()> {
    assert!(!really, "plain boom (expected by the test)");
    Err(())
}

#[test]
fn a_plain_histogram_counter_by_outcome_and_gauge() {
    assert_eq!(checked_div(6, 3), Some(2));
    assert_eq!(checked_div(1, 0), None);
    assert!(may_panic(false).is_err());
    assert!(std::panic::catch_unwind(|| may_panic(true)).is_err());
    let text = scrape();
    assert_eq!(value(&text, "plain_seconds_count"), Some(4.0), "{text}");
    assert_eq!(value(&text, "plain_calls_total{outcome=\"ok\"}"), Some(2.0));
    assert_eq!(value(&text, "plain_every_call_total"), Some(2.0));
    assert_eq!(value(&text, "plain_running"), Some(0.0));
}

// Native histograms: the same attribute, the metric's type decides.

struct NativeMetrics {
    seconds: promstrict::NativeHistogram,
    by_model: Family<LlmLabels, promstrict::NativeHistogram>,
    first_token: Family<LlmLabels, promstrict::NativeHistogram>,
}

fn native() -> &'static NativeMetrics {
    static NATIVE: OnceLock<NativeMetrics> = OnceLock::new();
    NATIVE.get_or_init(|| {
        let r = registry();
        let options = promstrict::NativeOptions::new(3, 160, 1e-9).unwrap();
        NativeMetrics {
            seconds: r
                .register(
                    "native_call_seconds",
                    "Native.",
                    promstrict::NativeHistogram::new(options.clone()),
                )
                .unwrap(),
            by_model: r
                .register(
                    "native_model_seconds",
                    "Native, by model.",
                    Family::with_options(options.clone()),
                )
                .unwrap(),
            first_token: r
                .register(
                    "native_first_token_seconds",
                    "Native, first item.",
                    Family::with_options(options),
                )
                .unwrap(),
        }
    })
}

#[instrument_latency(metric = native().seconds)]
fn native_sleep(ms: u64) -> Result<(), ()> {
    std::thread::sleep(Duration::from_millis(ms));
    Ok(())
}

#[instrument_latency(metric = native().by_model, labels = LlmLabels { model, stream: true })]
fn native_by_model(model: Model) -> u32 {
    model.index() as u32
}

#[instrument_latency(metric = native().by_model, labels = LlmLabels { model, stream: false }, first_item = native().first_token)]
fn native_tokens(model: Model) -> impl Iterator<Item = u32> {
    (0..3).map(move |i| i + model.index() as u32)
}

#[test]
fn native_histograms_record_calls() {
    native_sleep(20).unwrap();
    native_sleep(0).unwrap();
    assert_eq!(native_by_model(Model::Large), 1);
    assert_eq!(native_tokens(Model::Small).count(), 3);

    let n = native();
    let s = n.seconds.snapshot();
    assert_eq!(s.count, 2);
    assert!(s.sum >= 0.02, "{s:?}");
    // The 20 ms call sits in a bucket whose upper bound is at least 20 ms.
    let (top, _) = *s.positive.last().expect("a populated bucket");
    assert!(promstrict::NativeSnapshot::bucket_upper_bound(s.schema, top) >= 0.02);
    let large = n.by_model.labels(LlmLabels {
        model: Model::Large,
        stream: true,
    });
    assert_eq!(large.count(), 1);
    let small = n.by_model.labels(LlmLabels {
        model: Model::Small,
        stream: false,
    });
    assert_eq!(small.count(), 1);
    let first = n.first_token.labels(LlmLabels {
        model: Model::Small,
        stream: false,
    });
    assert_eq!(first.count(), 1);
    let text = scrape();
    assert_eq!(
        value(&text, "native_call_seconds_count"),
        Some(2.0),
        "{text}"
    );
}
