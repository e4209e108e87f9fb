//! A chat API instrumented the way a web-API metrics guideline asks, in Rust,
//! on the ready-made sets: HTTP request metrics from a tower layer (route
//! templates, timed to the end of streamed bodies), API errors by type, a
//! simulated LLM on the GenAI set (duration, time to first token, tokens by
//! type, outcomes), a simulated WebSocket session on the WebSocket set,
//! business counters, and `/metrics` for Prometheus.
//!
//! ```text
//! cargo run --example axum_service --features axum
//! curl -X POST localhost:3000/v1/conversations
//! curl -N -X POST 'localhost:3000/v1/conversations/1/messages?stream=true' -d 'Hello there'
//! curl -X POST 'localhost:3000/v1/conversations/1/escalate?reason=negative_sentiment'
//! curl localhost:3000/v1/ws
//! curl localhost:3000/metrics
//! ```
//!
//! With `stream=true` the answer streams: the headers first, then the tokens
//! as they are generated, over a few hundred milliseconds.
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
//! `histogram_quantile(0.95, rate(gen_ai_client_time_to_first_token_seconds_bucket[5m]))`.

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use promstrict::genai::{GenAiCall, GenAiMetrics, GenAiOperation};
use promstrict::generate::{DashboardOptions, RulesOptions};
use promstrict::http::websocket::{Direction, MessageKind, WebSocketMetrics};
use promstrict::http::HttpMetricsLayer;
use promstrict::{
    Counter, Family, LabelSet, LabelValue, Metrics, Objective, Outcome, Registry, RegistryError,
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

/// The LLM providers this service calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum Provider {
    #[label(name = "self_hosted")]
    SelfHosted,
}

/// The models it asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum Model {
    #[label(name = "llama-3.1-8b")]
    Llama31_8b,
    #[label(name = "llama-3.3-70b")]
    Llama33_70b,
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

/// The API's own metrics; HTTP, LLM and WebSocket ones come from the sets.
#[derive(Metrics)]
pub struct ApiMetrics {
    /// API errors returned to clients, by error type and status code.
    pub api_errors_total: Family<ErrorLabels, Counter>,
    /// Conversations created.
    pub conversations_created_total: Counter,
    /// Conversations escalated to a human, by reason.
    pub escalations_total: Family<ReasonLabels, Counter>,
}

// --- the app ----------------------------------------------------------------------

pub struct AppState {
    metrics: ApiMetrics,
    llm: GenAiMetrics<Provider, Model>,
    ws: WebSocketMetrics,
    conversations: AtomicU64,
    llm_calls: AtomicU64,
}

type Shared = State<Arc<AppState>>;

/// The app, its metrics registered in `registry`, which it also serves at
/// `/metrics`. `Err` if the metrics are already registered there.
pub fn app(registry: Arc<Registry>) -> Result<Router, RegistryError> {
    let state = Arc::new(AppState {
        metrics: ApiMetrics::register(&registry)?,
        llm: GenAiMetrics::register(&registry)?,
        ws: WebSocketMetrics::register(&registry)?,
        conversations: AtomicU64::new(0),
        llm_calls: AtomicU64::new(0),
    });
    let http_metrics = HttpMetricsLayer::new(&registry)?;
    // The sets' objectives, for the generated alert rules.
    for (name, objective) in [
        (
            "http_requests_total",
            Objective::errors("status", ["5xx"], 99.9),
        ),
        (
            "http_request_duration_seconds",
            Objective::latency(2.0, 99.0),
        ),
        (
            "gen_ai_client_operations_total",
            Objective::errors("outcome", ["error"], 99.0),
        ),
        (
            "gen_ai_client_operation_duration_seconds",
            Objective::latency(5.12, 95.0),
        ),
    ] {
        registry.add_objective(name, objective)?;
    }
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
    let labels = ErrorLabels {
        error_type,
        error_code,
    };
    state.metrics.api_errors_total.labels(labels).inc();
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
    let model = if prompt.len() > 200 {
        Model::Llama33_70b
    } else {
        Model::Llama31_8b
    };
    let Some(tokens) = call_llm(&state, model, &prompt).await else {
        return api_error(&state, ErrorType::UpstreamTimeout, "the model timed out\n");
    };
    if query_param(&query, "stream") == Some("true") {
        // The headers now, the tokens as they are generated.
        return Body::from_stream(tokens).into_response();
    }
    let mut text = String::new();
    let mut tokens = tokens;
    while let Some(token) = std::future::poll_fn(|cx| Pin::new(&mut tokens).poll_token(cx)).await {
        text.push_str(&token);
    }
    text.push('\n');
    text.into_response()
}

/// A simulated LLM: a deterministic mix of latencies, every tenth call timing
/// out before its first token; the others stream 5 to 14 tokens, one every
/// 20–70 ms.
async fn call_llm(state: &AppState, model: Model, prompt: &str) -> Option<Tokens> {
    let call = state.llm_calls.fetch_add(1, Ordering::Relaxed) + 1;
    let jitter = (call.wrapping_mul(2_654_435_761) >> 8) % 100; // 0..100, spread out
    let mut llm = state
        .llm
        .start(GenAiOperation::Chat, Provider::SelfHosted, model);
    llm.input_tokens(prompt.split_whitespace().count() as u64 + 8);
    if call % 10 == 0 {
        tokio::time::sleep(Duration::from_millis(150)).await;
        llm.finish(Outcome::Error);
        return None;
    }
    let every = Duration::from_millis(20 + jitter / 2);
    Some(Tokens {
        left: 5 + jitter % 10,
        tick: tokio::time::interval_at(tokio::time::Instant::now() + every, every),
        llm: Some(llm),
    })
}

/// The tokens of one completion, as they are generated. It carries the LLM
/// call: finished when the last token is out, cancelled if the client leaves
/// first (the HTTP layer then counts the request as `aborted`).
struct Tokens {
    left: u64,
    tick: tokio::time::Interval,
    llm: Option<GenAiCall<Provider, Model>>,
}

impl Tokens {
    fn poll_token(&mut self, cx: &mut Context<'_>) -> Poll<Option<String>> {
        if self.left == 0 {
            if let Some(llm) = self.llm.take() {
                llm.finish(Outcome::Ok);
            }
            return Poll::Ready(None);
        }
        std::task::ready!(self.tick.poll_tick(cx));
        self.left -= 1;
        if let Some(llm) = &mut self.llm {
            llm.token();
        }
        Poll::Ready(Some(format!("wisdom{} ", self.left)))
    }
}

impl futures_core::Stream for Tokens {
    type Item = Result<Bytes, std::convert::Infallible>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let token = std::task::ready!(self.get_mut().poll_token(cx));
        Poll::Ready(token.map(|token| Ok(Bytes::from(token))))
    }
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
    let labels = ReasonLabels { reason };
    state.metrics.escalations_total.labels(labels).inc();
    (StatusCode::ACCEPTED, "escalated\n").into_response()
}

/// A simulated WebSocket session: a few messages each way, then a normal
/// close. (With the `axum-ws` feature, `MeteredWebSocket` records a real
/// socket's the same way.)
async fn websocket_session(State(state): Shared) -> &'static str {
    let mut session = state.ws.connection(); // active until dropped, however the session ends
    for _ in 0..3 {
        session.message(Direction::Received, MessageKind::Text);
        tokio::time::sleep(Duration::from_millis(20)).await;
        session.message(Direction::Sent, MessageKind::Text);
    }
    session.closed(1000);
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
        // Builds the app for its metrics (the sets register theirs).
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
