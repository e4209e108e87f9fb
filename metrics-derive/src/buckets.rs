//! Histogram bucket specifications, parsed and validated at compile time.
//!
//! Shared by `#[derive(Metrics)]` (`#[metric(buckets = …)]`) and
//! `#[instrument_latency(buckets = …)]`. Accepted forms:
//!
//! - a literal list: `[0.01, 0.1, 1.0]` (numbers, optionally negative);
//! - a preset: `"fast"`, `"medium"`, `"slow"` (the values of `Buckets::FAST`, …);
//! - `exponential(start, factor, count)`: `start * factor^i` for `i in 0..count`;
//! - `linear(start, width, count)`: `start + width * i` for `i in 0..count`.
//!
//! Every list must be finite, strictly increasing and 1 to [`MAX_BUCKETS`] long.
//! The generators compute their bounds with exactly the runtime's formulas
//! (`Buckets::exponential` / `Buckets::linear`), so the emitted literals equal
//! what the runtime would have computed.

use proc_macro2::{Literal, Punct, Spacing, Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens, TokenStreamExt};
use syn::spanned::Spanned;

use crate::ctxt::Ctxt;

/// The most bucket bounds a compile-time list may have. Stricter than the
/// runtime's limit: every bucket is one more series per label combination.
pub(crate) const MAX_BUCKETS: usize = 20;

/// The presets, by name: the values of the runtime's `Buckets::FAST`,
/// `Buckets::MEDIUM` and `Buckets::SLOW` (a workspace test keeps them equal).
pub(crate) const PRESETS: &[(&str, &[f64])] = &[
    ("fast", &[0.01, 0.05, 0.1, 0.25, 0.5, 1.0]),
    ("medium", &[0.25, 0.5, 1.0, 2.0, 5.0, 10.0]),
    ("slow", &[1.0, 5.0, 10.0, 30.0, 60.0, 120.0]),
];

const FORMS: &str =
    "a list such as `[0.01, 0.1, 1.0]`, a preset (`\"fast\"`, `\"medium\"`, `\"slow\"`), \
                     `exponential(start, factor, count)` or `linear(start, width, count)`";

/// Parses and validates a bucket specification, recording every problem in
/// `ctxt` (on the offending token). `None` if anything was wrong.
pub(crate) fn parse_buckets(expr: &syn::Expr, ctxt: &Ctxt) -> Option<Vec<f64>> {
    match strip_groups(expr) {
        syn::Expr::Array(array) => parse_list(array, ctxt),
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(name),
            ..
        }) => parse_preset(name, ctxt),
        syn::Expr::Call(call) => parse_generator(call, ctxt),
        syn::Expr::Reference(reference) => {
            ctxt.error_at(
                reference.and_token.span(),
                "remove the `&`: write the bucket list as `buckets = [0.01, 0.1, 1.0]`",
            );
            None
        }
        other => {
            ctxt.error_spanned_by(other, format_args!("expected {FORMS}"));
            None
        }
    }
}

/// The bounds as a `&'static [f64]`-typed expression (`&[0.01f64, 0.1f64]`).
pub(crate) fn bounds_tokens(bounds: &[f64]) -> TokenStream {
    let values = bounds.iter().map(|&b| F64Literal(b));
    quote!(&[#(#values),*])
}

/// An expression of type `Buckets` holding `bounds`, which must come from
/// [`parse_buckets`]. `private` is the path of the runtime's private module
/// (`::metrics_runtime::__private` unless the user re-exports the crate).
pub(crate) fn buckets_expr(bounds: &[f64], private: &TokenStream, span: Span) -> TokenStream {
    let bounds = bounds_tokens(bounds);
    // One call into the runtime rather than a `match` with a panic per
    // histogram field: generated code is compile time paid per struct.
    quote_spanned! {span=>
        #private::validated_buckets(#bounds)
    }
}

/// An `f64` written as a suffixed literal, with a separate `-` for negative
/// values (a negative literal token is not valid everywhere an expression is).
struct F64Literal(f64);

impl ToTokens for F64Literal {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        if self.0.is_sign_negative() {
            tokens.append(Punct::new('-', Spacing::Alone));
        }
        tokens.append(Literal::f64_suffixed(self.0.abs()));
    }
}

fn strip_groups(mut expr: &syn::Expr) -> &syn::Expr {
    loop {
        match expr {
            syn::Expr::Group(g) => expr = &g.expr,
            syn::Expr::Paren(p) => expr = &p.expr,
            _ => return expr,
        }
    }
}

fn parse_list(array: &syn::ExprArray, ctxt: &Ctxt) -> Option<Vec<f64>> {
    if array.elems.is_empty() {
        ctxt.error_spanned_by(
            array,
            "a histogram needs at least one bucket bound: write e.g. `[0.01, 0.1, 1.0]` or a preset such as `\"fast\"`",
        );
        return None;
    }
    let mut ok = true;
    let mut bounds = Vec::with_capacity(array.elems.len());
    let mut previous: Option<f64> = None;
    for elem in &array.elems {
        let Some(value) = parse_number(elem, "a bucket bound", ctxt) else {
            ok = false;
            continue;
        };
        if !value.is_finite() {
            ctxt.error_spanned_by(
                elem,
                "bucket bounds must be finite: remove this one, the `+Inf` bucket is always added",
            );
            ok = false;
            continue;
        }
        if let Some(prev) = previous {
            if value <= prev {
                ctxt.error_spanned_by(
                    elem,
                    format_args!(
                        "bucket bounds must be strictly increasing: {} is not greater than the bound before it ({}); sort the list and remove duplicates",
                        Shortest(value),
                        Shortest(prev)
                    ),
                );
                ok = false;
            }
        }
        previous = Some(value);
        bounds.push(value);
    }
    if array.elems.len() > MAX_BUCKETS {
        ctxt.error_spanned_by(
            array,
            format_args!(
                "{} bucket bounds is more than the {MAX_BUCKETS} allowed: each bucket is one more time series per label combination; keep the bounds that matter for your SLOs",
                array.elems.len()
            ),
        );
        ok = false;
    }
    ok.then_some(bounds)
}

fn parse_preset(name: &syn::LitStr, ctxt: &Ctxt) -> Option<Vec<f64>> {
    let value = name.value();
    match PRESETS.iter().find(|(preset, _)| *preset == value) {
        Some((_, bounds)) => Some(bounds.to_vec()),
        None => {
            ctxt.error_spanned_by(
                name,
                format_args!(
                    "unknown bucket preset {:?}: expected \"fast\" (0.01 … 1 s), \"medium\" (0.25 … 10 s) or \"slow\" (1 … 120 s)",
                    value
                ),
            );
            None
        }
    }
}

#[derive(Clone, Copy)]
enum Generator {
    Exponential,
    Linear,
}

fn parse_generator(call: &syn::ExprCall, ctxt: &Ctxt) -> Option<Vec<f64>> {
    let generator = match strip_groups(&call.func) {
        syn::Expr::Path(p) if p.path.is_ident("exponential") => Generator::Exponential,
        syn::Expr::Path(p) if p.path.is_ident("linear") => Generator::Linear,
        other => {
            ctxt.error_spanned_by(
                other,
                "unknown bucket generator: expected `exponential(start, factor, count)` or `linear(start, width, count)`",
            );
            return None;
        }
    };
    let (name, second) = match generator {
        Generator::Exponential => ("exponential", "factor"),
        Generator::Linear => ("linear", "width"),
    };
    if call.args.len() != 3 {
        ctxt.error_spanned_by(
            call,
            format_args!(
                "`{name}` takes 3 arguments: `{name}(start, {second}, count)`, found {}",
                call.args.len()
            ),
        );
        return None;
    }
    let start_expr = &call.args[0];
    let second_expr = &call.args[1];
    let count_expr = &call.args[2];
    let start = parse_number(start_expr, "`start`", ctxt);
    let step = parse_number(second_expr, &format!("`{second}`"), ctxt);
    let count = parse_count(count_expr, ctxt);

    let mut ok = start.is_some() && step.is_some() && count.is_some();
    match generator {
        Generator::Exponential => {
            if let Some(start) = start {
                if !(start > 0.0 && start.is_finite()) {
                    ctxt.error_spanned_by(
                        start_expr,
                        "exponential buckets need a finite `start` greater than 0, e.g. `exponential(0.001, 2.0, 10)`",
                    );
                    ok = false;
                }
            }
            if let Some(factor) = step {
                if !(factor > 1.0 && factor.is_finite()) {
                    ctxt.error_spanned_by(
                        second_expr,
                        "exponential buckets need a finite `factor` greater than 1, e.g. `exponential(0.001, 2.0, 10)`",
                    );
                    ok = false;
                }
            }
        }
        Generator::Linear => {
            if let Some(start) = start {
                if !start.is_finite() {
                    ctxt.error_spanned_by(start_expr, "linear buckets need a finite `start`");
                    ok = false;
                }
            }
            if let Some(width) = step {
                if !(width > 0.0 && width.is_finite()) {
                    ctxt.error_spanned_by(
                        second_expr,
                        "linear buckets need a finite `width` greater than 0, e.g. `linear(0.1, 0.1, 10)`",
                    );
                    ok = false;
                }
            }
        }
    }
    if !ok {
        return None;
    }
    let (start, step, count) = (start?, step?, count?);
    // The runtime's formulas, verbatim (`Buckets::exponential`, `Buckets::linear`).
    let bounds: Vec<f64> = match generator {
        Generator::Exponential => (0..count).map(|i| start * step.powi(i as i32)).collect(),
        Generator::Linear => (0..count).map(|i| start + step * i as f64).collect(),
    };
    if let Some(i) = bounds.iter().position(|b| !b.is_finite()) {
        ctxt.error_spanned_by(
            call,
            format_args!(
                "these buckets overflow: bound #{i} is not finite; use a smaller `start`, `{second}` or `count`"
            ),
        );
        return None;
    }
    if let Some(i) = (1..bounds.len()).find(|&i| bounds[i] <= bounds[i - 1]) {
        ctxt.error_spanned_by(
            call,
            format_args!(
                "these buckets are not strictly increasing: bound #{i} equals the one before it after rounding; use a larger `{second}`"
            ),
        );
        return None;
    }
    Some(bounds)
}

fn parse_count(expr: &syn::Expr, ctxt: &Ctxt) -> Option<usize> {
    let count = match strip_groups(expr) {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(int),
            ..
        }) => match int.base10_parse::<usize>() {
            Ok(count) => count,
            Err(_) => usize::MAX,
        },
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Float(float),
            ..
        }) if float
            .base10_parse::<f64>()
            .is_ok_and(|f| f.fract() == 0.0 && f >= 1.0) =>
        {
            ctxt.error_spanned_by(
                float,
                format_args!(
                    "`count` is a whole number of buckets: write `{}`",
                    float.base10_parse::<f64>().unwrap_or(1.0)
                ),
            );
            return None;
        }
        other => {
            ctxt.error_spanned_by(
                other,
                format_args!(
                    "expected an integer literal for `count` (1 to {MAX_BUCKETS}): buckets are checked at compile time"
                ),
            );
            return None;
        }
    };
    if count == 0 || count > MAX_BUCKETS {
        ctxt.error_spanned_by(
            expr,
            format_args!(
                "`count` must be between 1 and {MAX_BUCKETS}: each bucket is one more time series per label combination"
            ),
        );
        return None;
    }
    Some(count)
}

/// A number literal (`1`, `0.5`, `-2.5`, `1e-3`); `what` names it in errors.
fn parse_number(expr: &syn::Expr, what: &str, ctxt: &Ctxt) -> Option<f64> {
    let (negative, inner) = match strip_groups(expr) {
        syn::Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        }) => (true, strip_groups(expr)),
        other => (false, other),
    };
    let value = match inner {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Float(float),
            ..
        }) if matches!(float.suffix(), "" | "f64" | "f32") => float.base10_parse::<f64>().ok(),
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(int),
            ..
        }) if matches!(int.suffix(), "" | "f64" | "f32") => int.base10_digits().parse::<f64>().ok(),
        syn::Expr::Path(path)
            if path.path.segments.last().is_some_and(|s| {
                matches!(
                    s.ident.to_string().as_str(),
                    "INFINITY" | "NEG_INFINITY" | "NAN"
                )
            }) =>
        {
            ctxt.error_spanned_by(
                expr,
                "bucket bounds must be finite: remove this one, the `+Inf` bucket is always added",
            );
            return None;
        }
        _ => None,
    };
    match value {
        Some(v) => Some(if negative { -v } else { v }),
        None => {
            ctxt.error_at(
                expr.span(),
                format_args!(
                    "expected a number literal for {what}: buckets are checked at compile time, so consts and expressions cannot be used"
                ),
            );
            None
        }
    }
}

/// Formats a bound the way a user would have written it (`0.1`, `2`, `1e-9`).
struct Shortest(f64);

impl std::fmt::Display for Shortest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> Result<Vec<f64>, Vec<String>> {
        let expr: syn::Expr = syn::parse_str(src).expect("valid expression");
        let ctxt = Ctxt::new();
        let result = parse_buckets(&expr, &ctxt);
        let errors: Vec<String> = ctxt.into_errors().iter().map(|e| e.to_string()).collect();
        match result {
            Some(bounds) => {
                assert!(errors.is_empty(), "{src}: bounds and errors {errors:?}");
                Ok(bounds)
            }
            None => {
                assert!(!errors.is_empty(), "{src}: None without an error");
                Err(errors)
            }
        }
    }

    #[test]
    fn accepted_forms() {
        let table: &[(&str, &[f64])] = &[
            ("[0.01, 0.1, 1]", &[0.01, 0.1, 1.0]),
            ("[-1.5, 0, 2.5e1]", &[-1.5, 0.0, 25.0]),
            ("[1f64, 2.0f64]", &[1.0, 2.0]),
            ("\"fast\"", PRESETS[0].1),
            ("\"medium\"", PRESETS[1].1),
            ("\"slow\"", PRESETS[2].1),
            ("exponential(0.001, 2.0, 4)", &[0.001, 0.002, 0.004, 0.008]),
            ("exponential(1, 10, 3)", &[1.0, 10.0, 100.0]),
            ("linear(0.5, 0.5, 3)", &[0.5, 1.0, 1.5]),
            ("linear(-1, 1, 3)", &[-1.0, 0.0, 1.0]),
            ("(linear(0, 1, 1))", &[0.0]),
        ];
        for (src, expected) in table {
            assert_eq!(parse(src).as_deref(), Ok(*expected), "{src}");
        }
    }

    #[test]
    fn rejected_forms() {
        let table: &[(&str, &str)] = &[
            ("[]", "at least one bucket bound"),
            (
                "[1.0, 0.5]",
                "strictly increasing: 0.5 is not greater than the bound before it (1.0)",
            ),
            ("[1.0, 1.0]", "strictly increasing"),
            ("[1e400]", "must be finite"),
            ("[f64::INFINITY]", "must be finite"),
            ("[0.1, LIMIT]", "expected a number literal"),
            ("[1u8]", "expected a number literal"),
            ("&[0.1]", "remove the `&`"),
            ("\"quick\"", "unknown bucket preset \"quick\""),
            ("BUCKETS", "expected a list"),
            ("geometric(1, 2, 3)", "unknown bucket generator"),
            ("exponential(1, 2)", "takes 3 arguments"),
            ("exponential(0, 2, 3)", "`start` greater than 0"),
            ("exponential(1, 1, 3)", "`factor` greater than 1"),
            ("exponential(1, 2, 0)", "between 1 and 20"),
            ("exponential(1, 2, 21)", "between 1 and 20"),
            (
                "exponential(1e300, 1e10, 20)",
                "these buckets overflow: bound #1 is not finite",
            ),
            ("exponential(1, 2, n)", "integer literal for `count`"),
            (
                "exponential(1, 2, 5.0)",
                "`count` is a whole number of buckets: write `5`",
            ),
            ("linear(0, 0, 3)", "`width` greater than 0"),
            ("linear(0, -1, 3)", "`width` greater than 0"),
            ("linear(1e17, 1, 3)", "not strictly increasing: bound #1"),
        ];
        for (src, expected) in table {
            let errors = parse(src).expect_err(src);
            assert!(
                errors.iter().any(|e| e.contains(expected)),
                "{src}: expected {expected:?} in {errors:?}"
            );
        }
    }

    #[test]
    fn too_many_bounds() {
        let list: Vec<String> = (1..=21).map(|i| i.to_string()).collect();
        let errors = parse(&format!("[{}]", list.join(", "))).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with("21 bucket bounds is more than the 20 allowed"));
    }

    #[test]
    fn every_error_of_a_list_is_reported() {
        let errors = parse("[2, 1, x, 0.5]").unwrap_err();
        assert_eq!(errors.len(), 3, "{errors:?}");
    }

    #[test]
    fn tokens_round_trip() {
        let bounds = [-2.5, 0.0, 1e-9, 0.001, 1.0, 123456.789];
        let tokens = bounds_tokens(&bounds).to_string();
        let expr: syn::Expr = syn::parse_str(&tokens).unwrap();
        let syn::Expr::Reference(r) = expr else {
            panic!("{tokens}")
        };
        let ctxt = Ctxt::new();
        let parsed = parse_buckets(&r.expr, &ctxt);
        ctxt.check().unwrap();
        assert_eq!(parsed.unwrap(), bounds);
    }
}
