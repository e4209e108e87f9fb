//! Checks that involve more than one option, or the function itself.

use super::model::{Function, Options, StreamReturn};
use crate::ctxt::Ctxt;
use crate::metrics::attr::ObjectiveKind;
use promstrict_rules::objectives::{check_latency_threshold, check_percent};

/// Options that only make sense with `metric = …`, by name.
const NEEDS_METRIC: &[(&str, &str)] = &[
    (
        "labels",
        "`labels` labels `metric = …`: add `metric = <a Family<_, Histogram>>`, or remove `labels` (the built-in families are labelled by function and module)",
    ),
    (
        "calls",
        "`calls` goes with `metric = …`: without it, calls are already counted in `function_calls_total`",
    ),
    (
        "in_flight",
        "`in_flight` goes with `metric = …`: without it, calls in flight are already in `function_calls_in_flight`",
    ),
    (
        "first_item",
        "`first_item` goes with `metric = …`: without it, write `stream` and the time to the first item goes to `function_first_item_seconds`",
    ),
];

/// The objective of the built-in duration histogram: a latency objective
/// whose threshold is one of the callsite's bounds. With `metric = …` the
/// objective belongs on the user's histogram.
fn check_objective(options: &Options, ctxt: &Ctxt) {
    let Some(objective) = &options.objective else {
        return;
    };
    if options.metric.is_some() {
        ctxt.error_spanned_by(
            &objective.key,
            "`objective` applies to the built-in `function_duration_seconds`; with `metric = …`, declare it on your histogram: `#[metric(objective(latency = 0.25, percent = 99.0))]` on its field",
        );
        return;
    }
    match &objective.kind {
        None => ctxt.error_spanned_by(
            &objective.key,
            "an objective says what it measures: `objective(latency = 0.25, percent = 99.0)`",
        ),
        Some(ObjectiveKind::Errors { key, .. }) => ctxt.error_spanned_by(
            key,
            "an instrumented function's objective is a latency objective, `objective(latency = 0.25, percent = 99.0)`: its calls by outcome are a counter the function does not own; declare an errors objective on a `calls = …` family of yours",
        ),
        Some(ObjectiveKind::Latency {
            value, threshold, ..
        }) => {
            let bounds = match &options.buckets {
                Some(buckets) => buckets.value.as_slice(),
                None => promstrict_rules::buckets::DEFAULT,
            };
            if let Err(e) = check_latency_threshold(*threshold, bounds) {
                ctxt.error_spanned_by(value, e);
            }
        }
    }
    crate::metrics::check::check_alert(&objective.page, ctxt);
    crate::metrics::check::check_alert(&objective.ticket, ctxt);
    match &objective.percent {
        None => ctxt.error_spanned_by(
            &objective.key,
            "an objective needs its target: add `percent = 99.9`, the share of good events",
        ),
        Some((lit, percent)) => {
            if let Err(e) = check_percent(*percent) {
                ctxt.error_spanned_by(lit, e);
            }
        }
    }
}

/// `error_kind` counts failures into `calls = …` by kind, so it needs that
/// family, and a call that returns (not a stream that ends later).
fn check_error_kind(options: &Options, ctxt: &Ctxt) {
    let Some(key) = &options.error_kind else {
        return;
    };
    if options.calls.is_none() {
        ctxt.error_spanned_by(
            key,
            "`error_kind` counts failures by kind into `calls = …`: add `metric = <a histogram>, calls = <a Family<L2, Counter>>` with `L2: From<(L, OutcomeKind<E>)>` (`OutcomeKindLabels<E>`, say)",
        );
    } else if options.streaming() {
        ctxt.error_spanned_by(
            key,
            "`error_kind` labels the error a call returns; a `stream` call ends when its stream does: remove `error_kind` (or `stream`)",
        );
    }
}

pub(crate) fn check_options(options: &Options, ctxt: &Ctxt) {
    check_objective(options, ctxt);
    if let Some(native) = &options.native {
        if options.metric.is_some() {
            ctxt.error_spanned_by(
                &native.key,
                "`native` makes the built-in `function_duration_seconds` native; with `metric = …` your metric's type decides: declare it as a `NativeHistogram` (or a `Family<_, NativeHistogram>`) and remove `native`",
            );
        } else if let Some(objective) = &options.objective {
            ctxt.error_spanned_by(
                &objective.key,
                "a latency objective is measured on classic buckets (the `le` bucket at its threshold), which a native histogram scraped as native does not keep: remove `native`, or the objective",
            );
        }
    }
    check_error_kind(options, ctxt);
    if options.metric.is_none() {
        let given = [
            &options.labels,
            &options.calls,
            &options.in_flight,
            &options.first_item,
        ];
        for (option, (_, message)) in given.iter().zip(NEEDS_METRIC) {
            if let Some(option) = option {
                ctxt.error_spanned_by(&option.key, message);
            }
        }
    } else {
        if let Some(buckets) = &options.buckets {
            ctxt.error_spanned_by(
                &buckets.key,
                "`buckets` sets the buckets of the built-in `function_duration_seconds`; with `metric = …` the buckets are your histogram's: remove `buckets` (or set them where the histogram is declared)",
            );
        }
        if let Some(name) = &options.name {
            ctxt.error_spanned_by(
                &name.key,
                "`name` sets the `function` label of the built-in families, which `metric = …` does not use: remove `name`",
            );
        }
    }
}

/// Checks that the function can be instrumented, and returns how a `stream`
/// function's value is wrapped.
pub(crate) fn check_function(function: &Function, options: &Options, ctxt: &Ctxt) -> StreamReturn {
    let sig = &function.sig;
    if let Some(constness) = &sig.constness {
        ctxt.error_spanned_by(
            constness,
            "`#[instrument_latency]` cannot time a `const fn` (a clock cannot be read at compile time): remove `const`, or the attribute",
        );
    }
    if let Some(abi) = &sig.abi {
        ctxt.error_spanned_by(
            abi,
            "`#[instrument_latency]` cannot go on an `extern` function (a panic must not unwind across its ABI): instrument a Rust function that it calls instead",
        );
    }
    if let Some(attr) = function
        .outer_attrs
        .iter()
        .find(|attr| attr.path().is_ident("track_caller"))
    {
        ctxt.error_spanned_by(
            attr,
            "`#[track_caller]` cannot be kept with `#[instrument_latency]`: the body runs in a closure, and `Location::caller()` there would name this function, not its caller; remove one of the two attributes",
        );
    }
    if let Some(variadic) = &sig.variadic {
        ctxt.error_spanned_by(
            variadic,
            "`#[instrument_latency]` cannot time a variadic function",
        );
    }
    let Some(stream) = options
        .stream
        .as_ref()
        .or(options.first_item.as_ref().map(|k| &k.key))
    else {
        return StreamReturn::Direct;
    };
    // An `async fn` returning a future of a stream is wrapped where its output
    // is known; an async tail (`Box::pin(async move { … })`) keeps its future
    // type, so its output is wrapped as is.
    let returned = match &sig.output {
        syn::ReturnType::Type(_, ty) => Some(&**ty),
        syn::ReturnType::Default => None,
    };
    match (function.body_kind(), returned) {
        (super::model::BodyKind::AsyncTail(_), _) => StreamReturn::Direct,
        (_, Some(ty)) => match StreamReturn::of(ty) {
            Some(shape) => shape,
            None => {
                ctxt.error_spanned_by(
                    ty,
                    format_args!(
                        "`{stream}` returns the iterator or stream wrapped (to time its items), so the function must return `impl Iterator<…>`, `impl Stream<…>`, `Box<dyn …>` or `Pin<Box<dyn …>>`"
                    ),
                );
                StreamReturn::Direct
            }
        },
        (_, None) => {
            ctxt.error_spanned_by(
                stream,
                format_args!("`{stream}` times the iterator or stream the function returns, and this one returns nothing: remove `{stream}`"),
            );
            StreamReturn::Direct
        }
    }
}
