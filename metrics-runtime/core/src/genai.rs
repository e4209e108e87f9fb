//! The metrics of calls to generative AI models, after OpenTelemetry's GenAI
//! semantic conventions, with Prometheus names: operation duration, time to
//! first token, time per output token, token usage by type, and operations
//! by outcome. The provider and the model are closed sets you declare
//! (`#[derive(LabelValue)]` enums), so a typo or a new model cannot add
//! series behind your back.
//!
//! | metric | type | OpenTelemetry |
//! | --- | --- | --- |
//! | `gen_ai_client_operation_duration_seconds` | histogram | `gen_ai.client.operation.duration` |
//! | `gen_ai_client_time_to_first_token_seconds` | histogram | `gen_ai.server.time_to_first_token`, seen by the client |
//! | `gen_ai_client_time_per_output_token_seconds` | histogram | `gen_ai.server.time_per_output_token`, seen by the client |
//! | `gen_ai_client_token_usage_tokens` | histogram | `gen_ai.client.token.usage` |
//! | `gen_ai_client_operations_total` | counter | (operations by `outcome`) |
//!
//! Every family is labelled `gen_ai_operation_name` ([`GenAiOperation`]),
//! `gen_ai_provider_name` and `gen_ai_request_model` (yours); token usage
//! adds `gen_ai_token_type` (`input`, `output`), operations add `outcome`
//! ([`Outcome`]). The buckets are the conventions' advice.
//!
//! ```
//! # extern crate promstrict_core as promstrict;
//! use promstrict::genai::{GenAiMetrics, GenAiOperation};
//! use promstrict::{assert_sample, LabelValue, Outcome, Registry};
//! # macro_rules! closed_set { ($t:ident [$($v:ident = $n:literal),*]) => {
//! #     #[derive(Clone, Copy, Debug)] enum $t { $($v),* }
//! #     impl LabelValue for $t {
//! #         const CARDINALITY: usize = [$($n),*].len();
//! #         const NAMES: &'static [&'static str] = &[$($n),*];
//! #         fn index(self) -> usize { self as usize }
//! #         fn name_at(i: usize) -> Option<&'static str> { Self::NAMES.get(i).copied() }
//! #     }
//! # } }
//! // With the derive: `#[derive(Clone, Copy, LabelValue)] enum Provider { OpenAi, Anthropic }`.
//! closed_set!(Provider [OpenAi = "openai", Anthropic = "anthropic"]);
//! closed_set!(Model [Small = "llama-3.1-8b", Large = "llama-3.3-70b"]);
//!
//! let registry = Registry::new();
//! let llm: GenAiMetrics<Provider, Model> = GenAiMetrics::register(&registry)?;
//!
//! let mut call = llm.start(GenAiOperation::Chat, Provider::OpenAi, Model::Small);
//! call.input_tokens(12);
//! call.first_token();          // the first token streamed in
//! call.output_tokens(40);      // … and forty in all
//! call.finish(Outcome::Ok);
//!
//! let labels = [
//!     ("gen_ai_operation_name", "chat"),
//!     ("gen_ai_provider_name", "openai"),
//!     ("gen_ai_request_model", "llama-3.1-8b"),
//! ];
//! assert_sample!(registry, "gen_ai_client_time_to_first_token_seconds_count", labels, 1);
//! # Ok::<(), promstrict::RegistryError>(())
//! ```
//!
//! With `#[instrument_latency]` on a streaming call, one annotation records
//! the duration (until the stream ends), the time to the first token and the
//! operation's outcome, into the families themselves (the `promstrict`
//! guide's chapter on web API sets runs this):
//!
//! ```ignore
//! #[instrument_latency(
//!     metric = LLM.operation_duration_seconds,
//!     labels = GenAiLabels::chat(Provider::OpenAi, model),
//!     first_item = LLM.time_to_first_token_seconds,
//!     calls = LLM.operations_total,
//! )]
//! fn complete(model: Model, prompt: &str) -> impl Iterator<Item = String> + '_ {
//!     prompt.split_whitespace().map(str::to_uppercase) // the tokens, as generated
//! }
//! ```

use std::fmt;
use std::time::Instant;

use crate::instrument::Outcome;
use crate::label::{LabelDescriptor, LabelSet, LabelValue};
use crate::metric::counter::Counter;
use crate::metric::family::Family;
use crate::metric::histogram::{Buckets, Histogram};
use crate::registry::{Descriptor, MetricGroup, Registry, RegistryError};

/// The kind of operation (`gen_ai_operation_name`): the conventions'
/// well-known values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GenAiOperation {
    /// `chat`: a chat completion.
    Chat,
    /// `text_completion`: a (legacy) text completion.
    TextCompletion,
    /// `generate_content`: a multimodal generation.
    GenerateContent,
    /// `embeddings`: an embeddings request.
    Embeddings,
    /// `execute_tool`: a tool call.
    ExecuteTool,
    /// `invoke_agent`: an agent's invocation.
    InvokeAgent,
}

crate::__impl_label_value!(
    GenAiOperation,
    [
        "chat",
        "text_completion",
        "generate_content",
        "embeddings",
        "execute_tool",
        "invoke_agent"
    ]
);

/// The type of tokens counted (`gen_ai_token_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenType {
    /// `input`: the prompt's tokens.
    Input,
    /// `output`: the completion's tokens.
    Output,
}

crate::__impl_label_value!(TokenType, ["input", "output"]);

/// The labels of an operation: `gen_ai_operation_name`,
/// `gen_ai_provider_name`, `gen_ai_request_model`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GenAiLabels<P, M> {
    /// The operation.
    pub operation: GenAiOperation,
    /// The provider (`openai`, `anthropic`, your own deployment…).
    pub provider: P,
    /// The model requested.
    pub model: M,
}

impl<P, M> GenAiLabels<P, M> {
    /// The labels of a chat completion.
    pub fn chat(provider: P, model: M) -> Self {
        GenAiLabels {
            operation: GenAiOperation::Chat,
            provider,
            model,
        }
    }
}

impl<P: LabelValue, M: LabelValue> LabelSet for GenAiLabels<P, M> {
    const LABELS: &'static [LabelDescriptor] = &[
        LabelDescriptor::of::<GenAiOperation>("gen_ai_operation_name"),
        LabelDescriptor::of::<P>("gen_ai_provider_name"),
        LabelDescriptor::of::<M>("gen_ai_request_model"),
    ];
    const LABEL_NAMES: &'static [&'static [&'static str]] =
        &[GenAiOperation::NAMES, P::NAMES, M::NAMES];

    #[inline]
    fn index(&self) -> usize {
        (self.operation.index() * P::CARDINALITY + self.provider.index()) * M::CARDINALITY
            + self.model.index()
    }
}

/// [`GenAiLabels`] and `gen_ai_token_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GenAiTokenLabels<P, M> {
    /// The operation's labels.
    pub call: GenAiLabels<P, M>,
    /// Input or output tokens.
    pub token_type: TokenType,
}

impl<P: LabelValue, M: LabelValue> LabelSet for GenAiTokenLabels<P, M> {
    const LABELS: &'static [LabelDescriptor] = &[
        LabelDescriptor::of::<GenAiOperation>("gen_ai_operation_name"),
        LabelDescriptor::of::<P>("gen_ai_provider_name"),
        LabelDescriptor::of::<M>("gen_ai_request_model"),
        LabelDescriptor::of::<TokenType>("gen_ai_token_type"),
    ];
    const LABEL_NAMES: &'static [&'static [&'static str]] =
        &[GenAiOperation::NAMES, P::NAMES, M::NAMES, TokenType::NAMES];

    #[inline]
    fn index(&self) -> usize {
        self.call.index() * TokenType::CARDINALITY + self.token_type.index()
    }
}

/// [`GenAiLabels`] and `outcome`: the labels of
/// `gen_ai_client_operations_total`, built from an operation's labels and
/// its [`Outcome`] (so `#[instrument_latency(calls = …)]` can count into it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GenAiOutcomeLabels<P, M> {
    /// The operation's labels.
    pub call: GenAiLabels<P, M>,
    /// How it ended.
    pub outcome: Outcome,
}

impl<P: LabelValue, M: LabelValue> LabelSet for GenAiOutcomeLabels<P, M> {
    const LABELS: &'static [LabelDescriptor] = &[
        LabelDescriptor::of::<GenAiOperation>("gen_ai_operation_name"),
        LabelDescriptor::of::<P>("gen_ai_provider_name"),
        LabelDescriptor::of::<M>("gen_ai_request_model"),
        LabelDescriptor::of::<Outcome>("outcome"),
    ];
    const LABEL_NAMES: &'static [&'static [&'static str]] =
        &[GenAiOperation::NAMES, P::NAMES, M::NAMES, Outcome::NAMES];

    #[inline]
    fn index(&self) -> usize {
        self.call.index() * Outcome::CARDINALITY + self.outcome.index()
    }
}

impl<P, M> From<(GenAiLabels<P, M>, Outcome)> for GenAiOutcomeLabels<P, M> {
    fn from((call, outcome): (GenAiLabels<P, M>, Outcome)) -> Self {
        GenAiOutcomeLabels { call, outcome }
    }
}

/// The GenAI client metrics, for providers `P` and models `M` (closed sets
/// of yours). See the [module](self) for the names and an example.
pub struct GenAiMetrics<P: LabelValue, M: LabelValue> {
    /// `gen_ai_client_operation_duration_seconds`: an operation's duration,
    /// until its last token.
    pub operation_duration_seconds: Family<GenAiLabels<P, M>, Histogram>,
    /// `gen_ai_client_time_to_first_token_seconds`: time to the first token
    /// of a streamed response.
    pub time_to_first_token_seconds: Family<GenAiLabels<P, M>, Histogram>,
    /// `gen_ai_client_time_per_output_token_seconds`: time per output token
    /// after the first one.
    pub time_per_output_token_seconds: Family<GenAiLabels<P, M>, Histogram>,
    /// `gen_ai_client_token_usage_tokens`: tokens per operation, by type.
    pub token_usage_tokens: Family<GenAiTokenLabels<P, M>, Histogram>,
    /// `gen_ai_client_operations_total`: operations, by outcome.
    pub operations_total: Family<GenAiOutcomeLabels<P, M>, Counter>,
}

impl<P: LabelValue, M: LabelValue> Clone for GenAiMetrics<P, M> {
    fn clone(&self) -> Self {
        GenAiMetrics {
            operation_duration_seconds: self.operation_duration_seconds.clone(),
            time_to_first_token_seconds: self.time_to_first_token_seconds.clone(),
            time_per_output_token_seconds: self.time_per_output_token_seconds.clone(),
            token_usage_tokens: self.token_usage_tokens.clone(),
            operations_total: self.operations_total.clone(),
        }
    }
}

impl<P: LabelValue, M: LabelValue> fmt::Debug for GenAiMetrics<P, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GenAiMetrics")
            .field("operations_total", &self.operations_total)
            .finish_non_exhaustive()
    }
}

impl<P: LabelValue, M: LabelValue> GenAiMetrics<P, M> {
    /// `gen_ai.client.operation.duration`'s advised buckets, in seconds.
    pub const DURATION_BUCKETS: &'static [f64] = &[
        0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
    ];
    /// `gen_ai.server.time_to_first_token`'s advised buckets, in seconds.
    pub const FIRST_TOKEN_BUCKETS: &'static [f64] = &[
        0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
    ];
    /// `gen_ai.server.time_per_output_token`'s advised buckets, in seconds.
    pub const PER_TOKEN_BUCKETS: &'static [f64] = &[
        0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5,
    ];
    /// `gen_ai.client.token.usage`'s advised buckets, in tokens.
    pub const TOKEN_BUCKETS: &'static [f64] = &[
        1.0,
        4.0,
        16.0,
        64.0,
        256.0,
        1024.0,
        4096.0,
        16384.0,
        65536.0,
        262_144.0,
        1_048_576.0,
        4_194_304.0,
        16_777_216.0,
        67_108_864.0,
    ];

    /// Registers the families in `registry`; `Err` (and nothing registered)
    /// if a name is taken.
    pub fn register(registry: &Registry) -> Result<Self, RegistryError> {
        let buckets = |bounds| Buckets::new(bounds).expect("the conventions' buckets are valid");
        let metrics = GenAiMetrics {
            operation_duration_seconds: Family::with_options(buckets(Self::DURATION_BUCKETS)),
            time_to_first_token_seconds: Family::with_options(buckets(Self::FIRST_TOKEN_BUCKETS)),
            time_per_output_token_seconds: Family::with_options(buckets(Self::PER_TOKEN_BUCKETS)),
            token_usage_tokens: Family::with_options(buckets(Self::TOKEN_BUCKETS)),
            operations_total: Family::default(),
        };
        const OWNER: &str = "the GenAI metrics (`genai::GenAiMetrics`)";
        const GROUP: &str = "GenAiMetrics";
        let descriptor = |name, help| Descriptor::new(name, help).owner(OWNER).group(GROUP);
        let mut group = MetricGroup::new();
        group
            .add(
                descriptor(
                    "gen_ai_client_operation_duration_seconds",
                    "GenAI operation duration, until the last token.",
                ),
                &metrics.operation_duration_seconds,
            )
            .add(
                descriptor(
                    "gen_ai_client_time_to_first_token_seconds",
                    "Time to the first token of a streamed GenAI response.",
                ),
                &metrics.time_to_first_token_seconds,
            )
            .add(
                descriptor(
                    "gen_ai_client_time_per_output_token_seconds",
                    "Time per output token after the first one.",
                ),
                &metrics.time_per_output_token_seconds,
            )
            .add(
                descriptor(
                    "gen_ai_client_token_usage_tokens",
                    "Tokens used per GenAI operation, by type (input, output).",
                ),
                &metrics.token_usage_tokens,
            )
            .add(
                descriptor(
                    "gen_ai_client_operations_total",
                    "GenAI operations, by outcome.",
                ),
                &metrics.operations_total,
            );
        registry.register_group(group)?;
        Ok(metrics)
    }

    /// Starts timing an operation; it is recorded when finished, or as
    /// `cancelled` when dropped unfinished.
    pub fn start(&self, operation: GenAiOperation, provider: P, model: M) -> GenAiCall<P, M> {
        GenAiCall {
            metrics: self.clone(),
            labels: GenAiLabels {
                operation,
                provider,
                model,
            },
            start: Instant::now(),
            first_token: None,
            input_tokens: None,
            output_tokens: None,
            done: false,
        }
    }
}

/// One operation being timed ([`GenAiMetrics::start`]). It owns a handle
/// on the metrics, so it can move into the stream that produces the tokens.
#[must_use = "an operation is recorded when finished or dropped"]
pub struct GenAiCall<P: LabelValue, M: LabelValue> {
    metrics: GenAiMetrics<P, M>,
    labels: GenAiLabels<P, M>,
    start: Instant,
    first_token: Option<f64>,
    input_tokens: Option<u64>,
    output_tokens: Option<u64>,
    done: bool,
}

impl<P: LabelValue, M: LabelValue> fmt::Debug for GenAiCall<P, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GenAiCall")
            .field("labels", &self.labels.index())
            .field("elapsed", &self.start.elapsed())
            .finish_non_exhaustive()
    }
}

impl<P: LabelValue, M: LabelValue> GenAiCall<P, M> {
    /// The first token arrived now (recorded once).
    pub fn first_token(&mut self) {
        if self.first_token.is_none() {
            let seconds = self.start.elapsed().as_secs_f64();
            self.first_token = Some(seconds);
            self.metrics
                .time_to_first_token_seconds
                .labels(self.labels)
                .observe(seconds);
        }
    }

    /// One output token arrived now: the first one's time is recorded, and
    /// the output tokens are counted (for a stream, call it per token).
    pub fn token(&mut self) {
        self.first_token();
        let tokens = self.output_tokens.get_or_insert(0);
        *tokens = tokens.saturating_add(1);
    }

    /// The prompt used `tokens` input tokens.
    pub fn input_tokens(&mut self, tokens: u64) {
        self.input_tokens = Some(tokens);
    }

    /// The response had `tokens` output tokens in all.
    pub fn output_tokens(&mut self, tokens: u64) {
        self.output_tokens = Some(tokens);
    }

    /// Records the operation as ended with `outcome`.
    pub fn finish(mut self, outcome: Outcome) {
        self.record(outcome);
    }

    fn record(&mut self, outcome: Outcome) {
        if self.done {
            return;
        }
        self.done = true;
        let m = &self.metrics;
        let seconds = self.start.elapsed().as_secs_f64();
        m.operation_duration_seconds
            .labels(self.labels)
            .observe(seconds);
        for (token_type, tokens) in [
            (TokenType::Input, self.input_tokens),
            (TokenType::Output, self.output_tokens),
        ] {
            if let Some(tokens) = tokens {
                m.token_usage_tokens
                    .labels(GenAiTokenLabels {
                        call: self.labels,
                        token_type,
                    })
                    .observe(tokens as f64);
            }
        }
        // The conventions' time per output token: after the first one.
        if let (Some(first), Some(tokens)) = (self.first_token, self.output_tokens) {
            if tokens > 1 {
                m.time_per_output_token_seconds
                    .labels(self.labels)
                    .observe((seconds - first).max(0.0) / (tokens - 1) as f64);
            }
        }
        m.operations_total
            .labels(GenAiOutcomeLabels {
                call: self.labels,
                outcome,
            })
            .inc();
    }
}

impl<P: LabelValue, M: LabelValue> Drop for GenAiCall<P, M> {
    fn drop(&mut self) {
        self.record(Outcome::Cancelled);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Format;

    #[test]
    fn names_pass_the_rule_book_and_a_call_records_everything() {
        let registry = Registry::new();
        let llm: GenAiMetrics<bool, TokenType> = GenAiMetrics::register(&registry).unwrap();
        let mut call = llm.start(GenAiOperation::Chat, true, TokenType::Output);
        call.input_tokens(10);
        call.first_token();
        call.output_tokens(5);
        call.finish(Outcome::Ok);
        drop(llm.start(GenAiOperation::Embeddings, false, TokenType::Input));
        let text = registry.encode(Format::Prometheus);
        let chat = r#"gen_ai_operation_name="chat",gen_ai_provider_name="true",gen_ai_request_model="output""#;
        for line in [
            format!("gen_ai_client_operation_duration_seconds_count{{{chat}}} 1"),
            format!("gen_ai_client_time_to_first_token_seconds_count{{{chat}}} 1"),
            format!("gen_ai_client_time_per_output_token_seconds_count{{{chat}}} 1"),
            format!("gen_ai_client_token_usage_tokens_sum{{{chat},gen_ai_token_type=\"input\"}} 10.0"),
            format!("gen_ai_client_token_usage_tokens_sum{{{chat},gen_ai_token_type=\"output\"}} 5.0"),
            format!("gen_ai_client_operations_total{{{chat},outcome=\"ok\"}} 1"),
            r#"gen_ai_client_operations_total{gen_ai_operation_name="embeddings",gen_ai_provider_name="false",gen_ai_request_model="input",outcome="cancelled"} 1"#.to_owned(),
        ] {
            assert!(text.contains(&line), "missing {line}\n{text}");
        }
        assert!(GenAiMetrics::<bool, bool>::register(&registry).is_err());
    }
}
