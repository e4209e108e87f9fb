//! Exemplar sources for OpenTelemetry and `tracing`: the trace and span id of
//! the current span, when its trace is sampled.

use crate::metric::exemplar::{set_exemplar_source, ExemplarLabels};

/// `trace_id`/`span_id` of a valid, sampled span context.
fn labels_of(context: &opentelemetry::trace::SpanContext) -> Option<ExemplarLabels> {
    if !context.is_valid() || !context.is_sampled() {
        return None;
    }
    ExemplarLabels::trace(
        &context.trace_id().to_string(),
        &context.span_id().to_string(),
    )
    .ok()
}

/// The exemplar of the current OpenTelemetry context: its span's
/// `trace_id` and `span_id`, if the trace is sampled.
pub fn opentelemetry_exemplar() -> Option<ExemplarLabels> {
    use opentelemetry::trace::TraceContextExt;
    let context = opentelemetry::Context::current();
    let span = context.span();
    labels_of(span.span_context())
}

/// Makes `#[instrument_latency]` and the HTTP layer attach the current
/// OpenTelemetry span's `trace_id` and `span_id` as exemplars (sampled traces
/// only), so a latency spike on a dashboard links to a trace that made it.
///
/// ```
/// # extern crate promstrict_core as promstrict;
/// promstrict::opentelemetry_exemplars();
/// // Outside any span, calls record no exemplar.
/// assert!(promstrict::current_exemplar().is_none());
/// # promstrict::clear_exemplar_source();
/// ```
pub fn opentelemetry_exemplars() {
    set_exemplar_source(opentelemetry_exemplar);
}

/// The exemplar of `tracing`'s current span, read through
/// `tracing-opentelemetry` (the subscriber must have its layer): the span's
/// `trace_id` and `span_id`, if the trace is sampled.
#[cfg(feature = "tracing")]
pub fn tracing_exemplar() -> Option<ExemplarLabels> {
    use opentelemetry::trace::TraceContextExt;
    use tracing_opentelemetry::OpenTelemetrySpanExt;
    let span = tracing::Span::current();
    if span.is_none() {
        return None;
    }
    let context = span.context();
    let otel_span = context.span();
    labels_of(otel_span.span_context())
}

/// Makes `#[instrument_latency]` and the HTTP layer attach the current
/// `tracing` span's trace as exemplars (through `tracing-opentelemetry`;
/// sampled traces only).
///
/// ```
/// # extern crate promstrict_core as promstrict;
/// promstrict::tracing_exemplars();
/// // Outside any span, calls record no exemplar.
/// assert!(promstrict::current_exemplar().is_none());
/// # promstrict::clear_exemplar_source();
/// ```
#[cfg(feature = "tracing")]
pub fn tracing_exemplars() {
    set_exemplar_source(tracing_exemplar);
}
