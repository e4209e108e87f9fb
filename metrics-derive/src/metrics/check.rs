//! The checks of a `Metrics` struct: every name rule on the name token, help,
//! units, options that only apply to some metric types, and duplicates.

use super::ast::{MetricField, MetricsStruct, Shape};
use super::attr::{AlertAttr, ObjectiveKind};
use crate::ctxt::Ctxt;
use promstrict_rules::names::{
    check_declared_unit, check_metric_name, check_namespace, family_name,
};
use promstrict_rules::objectives::{
    check_applies, check_duration, check_latency_threshold, check_percent, ObjectiveError,
    ObjectiveKind as RuleKind,
};
use promstrict_rules::MetricType;
pub(crate) use promstrict_rules::DEFAULT_MAX_CARDINALITY;

pub(crate) fn check(model: &MetricsStruct, ctxt: &Ctxt) {
    if let Some(namespace) = &model.namespace {
        for problem in check_namespace(&namespace.value()) {
            ctxt.error_spanned_by(namespace, problem);
        }
    }
    if model.fields.is_empty() {
        ctxt.error_spanned_by(
            &model.input.ident,
            "a `Metrics` struct without metrics: add fields such as `/// Jobs run.\\n jobs_total: Counter`",
        );
    }
    for field in &model.fields {
        check_field(field, ctxt);
    }
    check_duplicates(model, ctxt);
}

fn check_field(field: &MetricField, ctxt: &Ctxt) {
    match &field.help {
        Some(help) if !help.is_empty() => {}
        Some(_) => ctxt.error_spanned_by(
            field.help_token.as_ref().unwrap_or(&field.name_token),
            "the help text is empty: say what the metric measures",
        ),
        None => ctxt.error_spanned_by(
            field.member,
            format_args!(
                "metric `{}` has no help text: add a `///` doc comment saying what it measures, or `#[metric(help = \"…\")]`",
                field.name
            ),
        ),
    }
    let Some(shape) = &field.shape else {
        return;
    };
    let kind = shape.kind();
    for problem in check_metric_name(&field.name, kind) {
        ctxt.error_spanned_by(&field.name_token, problem);
    }
    if let Some(unit) = &field.unit {
        for problem in check_declared_unit(&unit.value(), &field.name, kind) {
            ctxt.error_spanned_by(unit, problem);
        }
    }
    if let Some((key, _)) = &field.buckets {
        if !matches!(kind, MetricType::Histogram | MetricType::GaugeHistogram) {
            let what = match kind {
                MetricType::Summary => "a summary has no buckets (only a count and a sum)",
                _ => "only histograms have buckets",
            };
            ctxt.error_spanned_by(
                key,
                format_args!("`buckets` applies to `Histogram`, `NativeHistogram` and `GaugeHistogram` fields: {what}; remove it"),
            );
        }
    }
    check_objective(field, shape, ctxt);
    if let Some((key, args)) = &field.native {
        if !field.native_type {
            ctxt.error_spanned_by(
                key,
                "`native(…)` applies to `NativeHistogram` fields (and families of them); remove it, or make the field a `NativeHistogram`",
            );
        }
        args.check(ctxt);
    }
    if let (Some(key), Shape::Single(_)) = (&field.init_all, shape) {
        ctxt.error_spanned_by(
            key,
            "`init_all` applies to `Family<L, M>` fields: this metric has a single series, which is always exposed; remove it",
        );
    }
    if let Some((key, value)) = &field.max_cardinality {
        if !matches!(shape, Shape::Family { .. }) {
            ctxt.error_spanned_by(
                key,
                "`max_cardinality` applies to `Family<L, M>` fields: this metric has a single series; remove it",
            );
        } else {
            match value.base10_parse::<u64>() {
                Ok(0) | Err(_) => ctxt.error_spanned_by(
                    value,
                    "`max_cardinality` is the most label combinations the family may have: a positive integer",
                ),
                Ok(_) => {}
            }
        }
    }
}

/// The limit a family is checked against.
pub(crate) fn max_cardinality(field: &MetricField) -> u64 {
    field
        .max_cardinality
        .as_ref()
        .and_then(|(_, lit)| lit.base10_parse::<u64>().ok())
        .unwrap_or(DEFAULT_MAX_CARDINALITY)
}

/// The exposed name: `namespace_name`.
pub(crate) fn full_name(model: &MetricsStruct, field: &MetricField) -> String {
    match &model.namespace {
        Some(ns) => format!("{}_{}", ns.value(), field.name),
        None => field.name.clone(),
    }
}

/// Two metrics of one struct can neither share a name nor an OpenMetrics
/// family name (`jobs_total` as a counter and `jobs` as a gauge would both be
/// family `jobs`). Reported on the later one.
fn check_duplicates(model: &MetricsStruct, ctxt: &Ctxt) {
    let named: Vec<(&MetricField, String, MetricType)> = model
        .fields
        .iter()
        .filter_map(|f| Some((f, full_name(model, f), f.shape.as_ref()?.kind())))
        .collect();
    for (i, (field, name, kind)) in named.iter().enumerate() {
        for (earlier, earlier_name, earlier_kind) in &named[..i] {
            if name == earlier_name {
                ctxt.error_spanned_by(
                    &field.name_token,
                    format_args!(
                        "duplicate metric name `{name}`: field `{}` already has it; rename one with `#[metric(name = \"…\")]`",
                        earlier.member
                    ),
                );
                break;
            }
            let family = family_name(name, *kind);
            if family == family_name(earlier_name, *earlier_kind) {
                ctxt.error_spanned_by(
                    &field.name_token,
                    format_args!(
                        "metric `{name}` clashes with `{earlier_name}` (field `{}`): OpenMetrics exposes both as the family `{family}`; rename one with `#[metric(name = \"…\")]`",
                        earlier.member
                    ),
                );
                break;
            }
        }
    }
}

/// The objective's rule-book form (values as written).
pub(crate) fn rule_kind(kind: &ObjectiveKind) -> RuleKind {
    match kind {
        ObjectiveKind::Latency { threshold, .. } => RuleKind::Latency {
            threshold: *threshold,
        },
        ObjectiveKind::Errors { label, values, .. } => RuleKind::Errors {
            label: crate::attr::unraw(label),
            bad: values.iter().map(syn::LitStr::value).collect(),
        },
    }
}

/// An objective fits the metric's type, its percentage is strictly between 0
/// and 100, and a latency threshold is one of the histogram's bounds. An
/// objective on the wrong type gets that one error, not a cascade. Label
/// names are checked by the generated code (the label set is a type the
/// macro cannot see into), label values at registration.
fn check_objective(field: &MetricField, shape: &Shape, ctxt: &Ctxt) {
    let Some(objective) = &field.objective else {
        return;
    };
    let Some(kind) = &objective.kind else {
        ctxt.error_spanned_by(
            &objective.key,
            "an objective says what it measures: `objective(latency = 0.25, percent = 99.0)` on a histogram, `objective(errors(status = \"5xx\"), percent = 99.9)` on a counter family",
        );
        return;
    };
    let kind_key = match kind {
        ObjectiveKind::Latency { key, .. } | ObjectiveKind::Errors { key, .. } => key,
    };
    let family = matches!(shape, Shape::Family { .. });
    if let Err(e) = check_applies(&rule_kind(kind), shape.kind(), family) {
        ctxt.error_spanned_by(kind_key, e);
        return;
    }
    check_alert(&objective.page, ctxt);
    check_alert(&objective.ticket, ctxt);
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
    if let ObjectiveKind::Latency {
        value, threshold, ..
    } = kind
    {
        let bounds = match &field.buckets {
            Some((_, Some(bounds))) => Some(bounds.as_slice()),
            // Invalid buckets are reported already.
            Some((_, None)) => None,
            None => Some(promstrict_rules::buckets::DEFAULT),
        };
        if let Some(bounds) = bounds {
            if let Err(e) = check_latency_threshold(*threshold, bounds) {
                ctxt.error_spanned_by(value, e);
            }
        }
    }
}

/// An alert's `for` is a Prometheus duration and its severity is not empty.
pub(crate) fn check_alert(alert: &AlertAttr, ctxt: &Ctxt) {
    if let Some(lit) = &alert.for_duration {
        if let Err(e) = check_duration(&lit.value()) {
            ctxt.error_spanned_by(lit, e);
        }
    }
    if let Some(lit) = &alert.severity {
        if lit.value().trim().is_empty() {
            ctxt.error_spanned_by(lit, ObjectiveError::EmptySeverity);
        }
    }
}
