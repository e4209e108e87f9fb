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
//! Parsing is this module's; judging is the rule book's
//! (`promstrict_rules::buckets`), which the runtime's `Buckets` uses too, so
//! the emitted literals equal what the runtime would have computed and a
//! list gets the same verdict and message at compile time and at run time.

use proc_macro2::{Literal, Punct, Spacing, Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens, TokenStreamExt};
use syn::spanned::Spanned;

use crate::ctxt::Ctxt;

#[cfg(test)]
use promstrict_rules::buckets::PRESETS;
use promstrict_rules::buckets::{self as rules, Argument, BucketsError, MAX_BUCKETS};

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
/// (`::promstrict::__private_<version>` unless the user re-exports the crate).
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
pub(crate) struct F64Literal(pub(crate) f64);

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
    let mut ok = true;
    let mut parsed: Vec<(&syn::Expr, f64)> = Vec::with_capacity(array.elems.len());
    for elem in &array.elems {
        match parse_number(elem, "a bucket bound", ctxt) {
            Some(value) => parsed.push((elem, value)),
            None => ok = false,
        }
    }
    let bounds: Vec<f64> = parsed.iter().map(|(_, value)| *value).collect();
    // The rule book judges the list; each bound's problem goes on its token.
    let mut problems = rules::check_bounds(&bounds);
    if array.elems.len() > MAX_BUCKETS
        && !problems
            .iter()
            .any(|p| matches!(p, BucketsError::TooMany(_)))
    {
        problems.push(BucketsError::TooMany(array.elems.len()));
    }
    for problem in &problems {
        match problem {
            BucketsError::NotFinite { index, .. } | BucketsError::NotIncreasing { index, .. } => {
                ctxt.error_spanned_by(parsed[*index].0, problem)
            }
            BucketsError::Empty if !ok => continue,
            _ => ctxt.error_spanned_by(array, problem),
        }
    }
    (ok && problems.is_empty()).then_some(bounds)
}

fn parse_preset(name: &syn::LitStr, ctxt: &Ctxt) -> Option<Vec<f64>> {
    match rules::preset(&name.value()) {
        Ok(bounds) => Some(bounds.to_vec()),
        Err(problem) => {
            ctxt.error_spanned_by(name, problem);
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
    let arguments = [&call.args[0], &call.args[1], &call.args[2]];
    let start = parse_number(arguments[0], "`start`", ctxt);
    let step = parse_number(arguments[1], &format!("`{second}`"), ctxt);
    let count = parse_count(arguments[2], ctxt);
    // Arguments that did not parse are reported already; the others are
    // judged with harmless stand-ins for the missing ones.
    let problems = match generator {
        Generator::Exponential => rules::check_exponential(
            start.unwrap_or(1.0),
            step.unwrap_or(2.0),
            count.unwrap_or(1),
        ),
        Generator::Linear => rules::check_linear(
            start.unwrap_or(0.0),
            step.unwrap_or(1.0),
            count.unwrap_or(1),
        ),
    };
    for problem in &problems {
        let token = match problem {
            BucketsError::BadArgument {
                argument: Argument::Start,
                ..
            } => arguments[0],
            BucketsError::BadArgument {
                argument: Argument::Step,
                ..
            } => arguments[1],
            _ => arguments[2],
        };
        ctxt.error_spanned_by(token, problem);
    }
    let (start, step, count) = (start?, step?, count?);
    if !problems.is_empty() {
        return None;
    }
    let bounds = match generator {
        Generator::Exponential => rules::exponential(start, step, count),
        Generator::Linear => rules::linear(start, step, count),
    };
    bounds
        .map_err(|problem| ctxt.error_spanned_by(call, problem))
        .ok()
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
