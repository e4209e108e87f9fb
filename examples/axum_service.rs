//! A chat API instrumented the way a web-API metrics guideline asks, in Rust:
//! HTTP request metrics from a tower layer (route templates, never raw
//! paths), API errors by type, a simulated LLM call (latency, time to first
//! token, prompt and completion tokens), a simulated WebSocket connections
//! gauge, business counters, and `/metrics` for Prometheus.
//!
//! ```text
//! cargo run --example axum_service --features axum
//! curl -X POST localhost:3000/v1/conversations
//! curl -X POST localhost:3000/v1/conversations/1/messages?stream=true -d 'Hello there'
//! curl -X POST 'localhost:3000/v1/conversations/1/escalate?reason=negative_sentiment'
//! curl localhost:3000/v1/ws
//! curl localhost:3000/metrics
//! ```
//!
//! `APP_ADDR` sets the address (default `127.0.0.1:3000`); `RUN_SECONDS`
//! stops the server after that long (default: run until killed).
//!
//! The metrics declare their objectives, so the alert rules and the Grafana
//! dashboard are generated from them:
//!
//! ```text
//! cargo run --example axum_service --features axum -- --rules > rules.yml
//! cargo run --example axum_service --features axum -- --dashboard > dashboard.json
//! ```
//!
//! Useful queries: `rate(http_requests_total[5m])`,
//! `histogram_quantile(0.95, rate(http_request_duration_seconds_bucket[5m]))`,
//! `sum(rate(api_errors_total[5m])) / sum(rate(http_requests_total[5m]))`,
//! `histogram_quantile(0.95, rate(llm_ttft_seconds_bucket[5m]))`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use promstrict::generate::{DashboardOptions, RulesOptions};
use promstrict::http::HttpMetricsLayer;
use promstrict::{
    Counter, Family, Gauge, Histogram, LabelSet, LabelValue, Metrics, Objective, Registry,
    RegistryError,
};

// --- labels: closed sets only ---------------------------------------------------

/// What went wrong, as the API reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum ErrorType {
    Validation,
    NotFound,
    UpstreamTimeout,
}

/// The HTTP status code of an error response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum ErrorCode {
    #[label(name = "400")]
    BadRequest,
    #[label(name = "404")]
    NotFound,
    #[label(name = "504")]
    GatewayTimeout,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
pub struct ErrorLabels {
    pub error_type: ErrorType,
    pub error_code: ErrorCode,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum Model {
    #[label(name = "llama-3.1-8b")]
    Llama31_8b,
    #[label(name = "llama-3.3-70b")]
    Llama33_70b,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum StreamMode {
    Streaming,
    Blocking,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum LlmStatus {
    Ok,
    Error,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
pub struct LlmRequestLabels {
    pub model: Model,
    pub stream_mode: StreamMode,
    pub status: LlmStatus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
pub struct LlmLabels {
    pub model: Model,
    pub stream_mode: StreamMode,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
pub struct ModelLabels {
    pub model: Model,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum TokenType {
    Prompt,
    Completion,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
pub struct TokenLabels {
    pub model: Model,
    #[label(name = "type")]
    pub kind: TokenType,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum Direction {
    Inbound,
    Outbound,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
pub struct DirectionLabels {
    pub direction: Direction,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum EscalationReason {
    UserRequest,
    NegativeSentiment,
    LowConfidence,
}

impl EscalationReason {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "user_request" => Some(Self::UserRequest),
            "negative_sentiment" => Some(Self::NegativeSentiment),
            "low_confidence" => Some(Self::LowConfidence),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
pub struct ReasonLabels {
    pub reason: EscalationReason,
}

// --- metrics ----------------------------------------------------------------------

/// The API's own metrics (the HTTP ones come from `HttpMetricsLayer`).
#[derive(Metrics)]
pub struct ApiMetrics {
    /// API errors returned to clients, by error type and status code.
    pub api_errors_total: Family<ErrorLabels, Counter>,
    /// LLM requests, by model, stream mode and outcome.
    #[metric(objective(errors(status = "error"), percent = 99.0))]
    pub llm_requests_total: Family<LlmRequestLabels, Counter>,
    /// LLM request latency, until the last token.
    #[metric(buckets = "medium", objective(latency = 5.0, percent = 95.0))]
    pub llm_latency_seconds: Family<LlmLabels, Histogram>,
    /// Time from sending a streaming LLM request to its first token.
    #[metric(buckets = "fast")]
    pub llm_ttft_seconds: Family<ModelLabels, Histogram>,
    /// LLM tokens used, by model and type (prompt or completion).
    pub llm_tokens_used_total: Family<TokenLabels, Counter>,
    /// Open WebSocket connections.
    pub ws_connections_active: Gauge,
    /// WebSocket messages, by direction.
    pub ws_messages_total: Family<DirectionLabels, Counter>,
    /// Conversations created.
    pub conversations_created_total: Counter,
    /// Conversations escalated to a human, by reason.
    pub escalations_total: Family<ReasonLabels, Counter>,
}

// --- the app ----------------------------------------------------------------------

pub struct AppState {
    metrics: ApiMetrics,
    conversations: AtomicU64,
    llm_calls: AtomicU64,
}

type Shared = State<Arc<AppState>>;

/// The app, its metrics registered in `registry`, which it also serves at
/// `/metrics`. `Err` if the metrics are already registered there.
pub fn app(registry: Arc<Registry>) -> Result<Router, RegistryError> {
    let state = Arc::new(AppState {
        metrics: ApiMetrics::register(&registry)?,
        conversations: AtomicU64::new(0),
        llm_calls: AtomicU64::new(0),
    });
    let http_metrics = HttpMetricsLayer::new(&registry)?;
    // The HTTP layer's families are registered by the layer; their
    // objectives are declared here, for the generated alert rules.
    registry.add_objective(
        "http_requests_total",
        Objective::errors("status", ["5xx"], 99.9),
    )?;
    registry.add_objective(
        "http_request_duration_seconds",
        Objective::latency(0.5, 99.0),
    )?;
    Ok(Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/v1/conversations", post(create_conversation))
        .route("/v1/conversations/{id}", get(get_conversation))
        .route("/v1/conversations/{id}/messages", post(send_message))
        .route("/v1/conversations/{id}/escalate", post(escalate))
        .route("/v1/ws", get(websocket_session))
        .with_state(state)
        .merge(promstrict::http::axum::router(registry))
        // Last, so it wraps every route (and the fallback) and sees the
        // matched route template.
        .layer(http_metrics))
}

/// Counts the error and builds its response.
fn api_error(state: &AppState, error_type: ErrorType, message: &'static str) -> Response {
    let (error_code, status) = match error_type {
        ErrorType::Validation => (ErrorCode::BadRequest, StatusCode::BAD_REQUEST),
        ErrorType::NotFound => (ErrorCode::NotFound, StatusCode::NOT_FOUND),
        ErrorType::UpstreamTimeout => (ErrorCode::GatewayTimeout, StatusCode::GATEWAY_TIMEOUT),
    };
    state
        .metrics
        .api_errors_total
        .labels(ErrorLabels {
            error_type,
            error_code,
        })
        .inc();
    (status, message).into_response()
}

async fn create_conversation(State(state): Shared) -> Response {
    let id = state.conversations.fetch_add(1, Ordering::Relaxed) + 1;
    state.metrics.conversations_created_total.inc();
    (StatusCode::CREATED, format!("{id}\n")).into_response()
}

/// The conversation `id`, if it exists.
fn conversation(state: &AppState, id: &str) -> Option<u64> {
    let id: u64 = id.parse().ok()?;
    (1..=state.conversations.load(Ordering::Relaxed))
        .contains(&id)
        .then_some(id)
}

async fn get_conversation(State(state): Shared, Path(id): Path<String>) -> Response {
    match conversation(&state, &id) {
        Some(id) => format!("conversation {id}\n").into_response(),
        None => api_error(&state, ErrorType::NotFound, "no such conversation\n"),
    }
}

fn query_param<'a>(query: &'a Option<String>, key: &str) -> Option<&'a str> {
    query
        .as_deref()?
        .split('&')
        .find_map(|pair| pair.strip_prefix(key)?.strip_prefix('='))
}

async fn send_message(
    State(state): Shared,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    prompt: String,
) -> Response {
    if conversation(&state, &id).is_none() {
        return api_error(&state, ErrorType::NotFound, "no such conversation\n");
    }
    if prompt.trim().is_empty() {
        return api_error(&state, ErrorType::Validation, "empty message\n");
    }
    let stream_mode = match query_param(&query, "stream") {
        Some("true") => StreamMode::Streaming,
        _ => StreamMode::Blocking,
    };
    let model = if prompt.len() > 200 {
        Model::Llama33_70b
    } else {
        Model::Llama31_8b
    };
    match call_llm(&state, model, stream_mode, &prompt).await {
        Ok(completion_tokens) => {
            format!("({completion_tokens} tokens of simulated wisdom)\n").into_response()
        }
        Err(()) => api_error(&state, ErrorType::UpstreamTimeout, "the model timed out\n"),
    }
}

/// A simulated LLM call: a deterministic mix of latencies, every tenth call
/// timing out.
async fn call_llm(
    state: &AppState,
    model: Model,
    stream_mode: StreamMode,
    prompt: &str,
) -> Result<u64, ()> {
    let m = &state.metrics;
    let call = state.llm_calls.fetch_add(1, Ordering::Relaxed) + 1;
    let jitter = (call.wrapping_mul(2_654_435_761) >> 8) % 100; // 0..100, spread out
    let start = Instant::now();
    let outcome = if call % 10 == 0 {
        tokio::time::sleep(Duration::from_millis(150)).await;
        Err(())
    } else {
        let first_token = Duration::from_millis(10 + jitter / 2);
        tokio::time::sleep(first_token).await;
        if stream_mode == StreamMode::Streaming {
            m.llm_ttft_seconds
                .labels(ModelLabels { model })
                .observe(start.elapsed().as_secs_f64());
        }
        tokio::time::sleep(Duration::from_millis(jitter)).await;
        let prompt_tokens = prompt.split_whitespace().count() as u64 + 8;
        let completion_tokens = 20 + jitter * 2;
        m.llm_tokens_used_total
            .labels(TokenLabels {
                model,
                kind: TokenType::Prompt,
            })
            .inc_by(prompt_tokens);
        m.llm_tokens_used_total
            .labels(TokenLabels {
                model,
                kind: TokenType::Completion,
            })
            .inc_by(completion_tokens);
        Ok(completion_tokens)
    };
    // Latency in every case: a timeout is a latency too.
    m.llm_latency_seconds
        .labels(LlmLabels { model, stream_mode })
        .observe(start.elapsed().as_secs_f64());
    let status = if outcome.is_ok() {
        LlmStatus::Ok
    } else {
        LlmStatus::Error
    };
    m.llm_requests_total
        .labels(LlmRequestLabels {
            model,
            stream_mode,
            status,
        })
        .inc();
    outcome
}

async fn escalate(
    State(state): Shared,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    if conversation(&state, &id).is_none() {
        return api_error(&state, ErrorType::NotFound, "no such conversation\n");
    }
    let Some(reason) = query_param(&query, "reason").and_then(EscalationReason::parse) else {
        return api_error(
            &state,
            ErrorType::Validation,
            "reason must be user_request, negative_sentiment or low_confidence\n",
        );
    };
    state
        .metrics
        .escalations_total
        .labels(ReasonLabels { reason })
        .inc();
    (StatusCode::ACCEPTED, "escalated\n").into_response()
}

/// Keeps the connections gauge right however the session ends (a client
/// that disconnects drops the handler's future).
struct Connected<'a>(&'a Gauge);

impl<'a> Connected<'a> {
    fn new(gauge: &'a Gauge) -> Self {
        gauge.inc();
        Connected(gauge)
    }
}

impl Drop for Connected<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// A simulated WebSocket session: a few messages each way, then close.
async fn websocket_session(State(state): Shared) -> &'static str {
    let m = &state.metrics;
    let _connected = Connected::new(&m.ws_connections_active);
    for _ in 0..3 {
        m.ws_messages_total
            .labels(DirectionLabels {
                direction: Direction::Inbound,
            })
            .inc();
        tokio::time::sleep(Duration::from_millis(20)).await;
        m.ws_messages_total
            .labels(DirectionLabels {
                direction: Direction::Outbound,
            })
            .inc();
    }
    "session closed\n"
}

// --- main -------------------------------------------------------------------------

/// `RUN_SECONDS` as a duration, if set.
fn run_for() -> Option<Duration> {
    let secs: f64 = std::env::var("RUN_SECONDS").ok()?.parse().ok()?;
    Some(Duration::from_secs_f64(secs.max(0.0)))
}

/// The Prometheus rules file generated from `registry`'s metrics.
pub fn rules_file(registry: &Registry) -> String {
    registry.alert_rules(&RulesOptions::default())
}

/// The Grafana dashboard generated from `registry`'s metrics.
pub fn dashboard_json(registry: &Registry) -> String {
    registry.grafana_dashboard(&DashboardOptions {
        title: "Chat API".to_owned(),
        uid: "chat-api".to_owned(),
        ..DashboardOptions::default()
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // `--rules` or `--dashboard`: print the generated file and exit.
    if let Some(flag) = std::env::args().nth(1) {
        let registry = Arc::new(Registry::new());
        // Builds the app for its metrics (the layer registers the HTTP ones).
        let _app = app(Arc::clone(&registry))?;
        match flag.as_str() {
            "--rules" => print!("{}", rules_file(&registry)),
            "--dashboard" => print!("{}", dashboard_json(&registry)),
            other => {
                return Err(format!(
                    "unknown option `{other}`: expected `--rules` or `--dashboard`"
                )
                .into())
            }
        }
        return Ok(());
    }
    let addr = std::env::var("APP_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".into());
    let registry = Arc::new(Registry::new());
    let app = app(Arc::clone(&registry))?;
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!(
        "axum_service on http://{}/ (metrics at /metrics)",
        listener.local_addr()?
    );
    let run_for = run_for();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            match run_for {
                Some(d) => tokio::time::sleep(d).await,
                None => std::future::pending().await,
            }
        })
        .await?;
    Ok(())
}
