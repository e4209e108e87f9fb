//! `#[metrics(…)]` on the struct and `#[metric(…)]` on its fields. Values are
//! parsed here; what they mean together is `check`'s business.

use proc_macro2::TokenStream;
use quote::ToTokens;

use crate::attr::{crate_path, for_each_key, lit_str};
use crate::ctxt::Ctxt;

/// `#[metrics(namespace = "…", crate = "…", init_all)]`.
pub(crate) struct Container {
    pub(crate) namespace: Option<syn::LitStr>,
    pub(crate) krate: Option<syn::Path>,
    /// Every family exposes all its label combinations from the start.
    pub(crate) init_all: bool,
}

impl Container {
    pub(crate) fn from_ast(attrs: &[syn::Attribute], ctxt: &Ctxt) -> Self {
        let mut namespace = None;
        let mut krate = None;
        let mut init_all = false;
        for_each_key(
            attrs,
            "metrics",
            &["namespace", "crate", "init_all"],
            ctxt,
            |key, meta| {
                match key {
                    "namespace" => namespace = Some(lit_str(meta)?),
                    "init_all" => init_all = flag(meta)?,
                    _ => krate = Some(crate_path(meta)?),
                }
                Ok(())
            },
        );
        for attr in attrs.iter().filter(|a| a.path().is_ident("metric")) {
            ctxt.error_spanned_by(
                attr.path(),
                "`#[metric(…)]` goes on a field; on the struct, use `#[metrics(namespace = \"…\")]`",
            );
        }
        Container {
            namespace,
            krate,
            init_all,
        }
    }
}

/// A key without a value (`init_all`); `init_all = …` is an error.
fn flag(meta: &syn::meta::ParseNestedMeta) -> syn::Result<bool> {
    if meta.input.peek(syn::Token![=]) {
        return Err(meta.error(format_args!(
            "`{}` takes no value: write it alone",
            meta.path.to_token_stream()
        )));
    }
    Ok(true)
}

pub(crate) const FIELD_KEYS: &[&str] = &[
    "name",
    "help",
    "unit",
    "buckets",
    "max_cardinality",
    "init_all",
    "objective",
    "native",
];

/// What `objective(…)` measures.
pub(crate) enum ObjectiveKind {
    /// `latency = 0.25`: the key and the threshold literal.
    Latency {
        key: TokenStream,
        value: TokenStream,
        threshold: f64,
    },
    /// `errors(status = "5xx")` or `errors(outcome = ["error", "timeout"])`.
    Errors {
        key: TokenStream,
        label: syn::Ident,
        values: Vec<syn::LitStr>,
    },
}

/// `objective(latency = 0.25, percent = 99.0)` or
/// `objective(errors(status = "5xx"), percent = 99.9)`.
pub(crate) struct ObjectiveAttr {
    /// The `objective` key.
    pub(crate) key: TokenStream,
    pub(crate) kind: Option<ObjectiveKind>,
    /// The `percent` literal and its value.
    pub(crate) percent: Option<(TokenStream, f64)>,
    /// `page(for = "…", severity = "…")`.
    pub(crate) page: AlertAttr,
    /// `ticket(for = "…", severity = "…")`.
    pub(crate) ticket: AlertAttr,
}

/// `for = "5m", severity = "critical"` of one of an objective's alerts.
#[derive(Default)]
pub(crate) struct AlertAttr {
    pub(crate) for_duration: Option<syn::LitStr>,
    pub(crate) severity: Option<syn::LitStr>,
}

const OBJECTIVE_KEYS: &[&str] = &["latency", "errors", "percent", "page", "ticket"];

/// `page(for = "5m", severity = "critical")`.
fn parse_alert(meta: &syn::meta::ParseNestedMeta, alert: &mut AlertAttr) -> syn::Result<()> {
    let which = meta.path.to_token_stream().to_string();
    if !meta.input.peek(syn::token::Paren) {
        return Err(meta.error(format_args!(
            "`{which}` sets its alert's `for:` and severity: `{which}(for = \"5m\", severity = \"critical\")`"
        )));
    }
    meta.parse_nested_meta(|setting| {
        let key = setting.path.to_token_stream().to_string();
        let slot = match key.as_str() {
            "for" => &mut alert.for_duration,
            "severity" => &mut alert.severity,
            _ => {
                return Err(setting.error(format_args!(
                    "unknown `{which}` option `{key}`: expected `for` or `severity`"
                )))
            }
        };
        *slot = Some(lit_str(&setting)?);
        Ok(())
    })
}

/// A float or integer literal (`0.25`, `99`).
fn number(meta: &syn::meta::ParseNestedMeta) -> syn::Result<(TokenStream, f64)> {
    let expr: syn::Expr = meta.value()?.parse()?;
    let parsed = match &expr {
        syn::Expr::Lit(syn::ExprLit { lit, .. }) => match lit {
            syn::Lit::Float(f) => f
                .base10_parse::<f64>()
                .ok()
                .map(|v| (lit.to_token_stream(), v)),
            syn::Lit::Int(i) => i
                .base10_parse::<f64>()
                .ok()
                .map(|v| (lit.to_token_stream(), v)),
            _ => None,
        },
        _ => None,
    };
    parsed.ok_or_else(|| {
        syn::Error::new_spanned(
            &expr,
            format_args!(
                "expected a number: `{} = 0.25`",
                meta.path.to_token_stream()
            ),
        )
    })
}

fn parse_objective(meta: &syn::meta::ParseNestedMeta, ctxt: &Ctxt) -> syn::Result<ObjectiveAttr> {
    let mut objective = ObjectiveAttr {
        key: meta.path.to_token_stream(),
        kind: None,
        percent: None,
        page: AlertAttr::default(),
        ticket: AlertAttr::default(),
    };
    if !meta.input.peek(syn::token::Paren) {
        return Err(meta.error(
            "an objective says what it measures: `objective(latency = 0.25, percent = 99.0)` on a histogram, `objective(errors(status = \"5xx\"), percent = 99.9)` on a counter family",
        ));
    }
    meta.parse_nested_meta(|inner| parse_objective_option(&inner, &mut objective, ctxt))?;
    Ok(objective)
}

/// One option of `objective(…)`: `latency = …`, `errors(…)` or `percent = …`.
pub(crate) fn parse_objective_option(
    inner: &syn::meta::ParseNestedMeta,
    objective: &mut ObjectiveAttr,
    ctxt: &Ctxt,
) -> syn::Result<()> {
    let key = inner
        .path
        .get_ident()
        .map(ToString::to_string)
        .unwrap_or_default();
    if !OBJECTIVE_KEYS.contains(&key.as_str()) {
        return Err(inner.error(format_args!(
            "unknown objective option `{}`: expected `latency`, `errors`, `percent`, `page` or `ticket`",
            inner.path.to_token_stream()
        )));
    }
    match key.as_str() {
        "page" => return parse_alert(inner, &mut objective.page),
        "ticket" => return parse_alert(inner, &mut objective.ticket),
        _ => {}
    }
    let taken = match key.as_str() {
        "percent" => objective.percent.is_some(),
        _ => objective.kind.is_some(),
    };
    if taken {
        let what = if key == "percent" {
            "`percent` is given twice: keep one"
        } else {
            "an objective measures one thing, `latency` or `errors`: declare the other with `Registry::add_objective`"
        };
        ctxt.error_spanned_by(&inner.path, what);
        // Skip the value so parsing carries on.
        if inner.input.peek(syn::Token![=]) {
            inner.value()?.parse::<syn::Expr>()?;
        } else if inner.input.peek(syn::token::Paren) {
            inner.input.parse::<proc_macro2::TokenTree>()?;
        }
        return Ok(());
    }
    match key.as_str() {
        "percent" => objective.percent = Some(number(inner)?),
        "latency" => {
            let (value, threshold) = number(inner)?;
            objective.kind = Some(ObjectiveKind::Latency {
                key: inner.path.to_token_stream(),
                value,
                threshold,
            });
        }
        _ => {
            let key = inner.path.to_token_stream();
            let mut found: Option<(syn::Ident, Vec<syn::LitStr>)> = None;
            let shape_error = || {
                syn::Error::new_spanned(
                    &key,
                    "`errors` names the label and its bad values: write `errors(status = \"5xx\")` or `errors(outcome = [\"error\", \"timeout\"])`",
                )
            };
            if !inner.input.peek(syn::token::Paren) {
                return Err(shape_error());
            }
            inner.parse_nested_meta(|label| {
                let Some(ident) = label.path.get_ident() else {
                    return Err(label.error("expected a label name: `errors(status = \"5xx\")`"));
                };
                if found.is_some() {
                    return Err(label.error(
                        "`errors` names one label: declare an objective on another label with `Registry::add_objective`",
                    ));
                }
                let expr: syn::Expr = label.value()?.parse()?;
                let values = match expr {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) => vec![s],
                    syn::Expr::Array(array) => array
                        .elems
                        .iter()
                        .map(|e| match e {
                            syn::Expr::Lit(syn::ExprLit {
                                lit: syn::Lit::Str(s),
                                ..
                            }) => Ok(syn::LitStr::new(&s.value(), s.span())),
                            other => Err(syn::Error::new_spanned(
                                other,
                                "expected a label value as a string literal: `\"5xx\"`",
                            )),
                        })
                        .collect::<syn::Result<_>>()?,
                    other => {
                        return Err(syn::Error::new_spanned(
                            other,
                            format_args!(
                                "expected the bad value(s) of `{ident}`: `{ident} = \"5xx\"` or `{ident} = [\"500\", \"503\"]`"
                            ),
                        ))
                    }
                };
                found = Some((ident.clone(), values));
                Ok(())
            })?;
            let (label, values) = found.ok_or_else(shape_error)?;
            objective.kind = Some(ObjectiveKind::Errors { key, label, values });
        }
    }
    Ok(())
}

/// `native(schema = 3, max_buckets = 160, zero_threshold = 1e-128)`: each
/// value with its tokens, for spans; the rule book judges them in `check`.
#[derive(Default)]
pub(crate) struct NativeArgs {
    pub(crate) schema: Option<(TokenStream, i64)>,
    pub(crate) max_buckets: Option<(TokenStream, u64)>,
    pub(crate) zero_threshold: Option<(TokenStream, f64)>,
}

/// A number literal, possibly negated: `(value, is_integer)`.
fn number_literal(expr: &syn::Expr) -> Option<(f64, Option<i64>)> {
    match expr {
        syn::Expr::Lit(syn::ExprLit { lit, .. }) => match lit {
            syn::Lit::Int(i) => {
                let v = i.base10_parse::<i64>().ok()?;
                Some((v as f64, Some(v)))
            }
            syn::Lit::Float(f) => Some((f.base10_parse::<f64>().ok()?, None)),
            _ => None,
        },
        syn::Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        }) => number_literal(expr).map(|(v, i)| (-v, i.map(|i| -i))),
        syn::Expr::Group(g) => number_literal(&g.expr),
        syn::Expr::Paren(p) => number_literal(&p.expr),
        _ => None,
    }
}

fn native_args(meta: &syn::meta::ParseNestedMeta) -> syn::Result<NativeArgs> {
    let mut args = NativeArgs::default();
    if !meta.input.peek(syn::token::Paren) {
        // `native` alone: the defaults.
        return Ok(args);
    }
    meta.parse_nested_meta(|inner| native_param(&inner, &mut args))?;
    Ok(args)
}

/// The parameters inside `native(…)`, from the parentheses' tokens.
pub(crate) fn native_params(tokens: TokenStream) -> syn::Result<NativeArgs> {
    use syn::parse::Parser;
    let mut args = NativeArgs::default();
    syn::meta::parser(|inner| native_param(&inner, &mut args)).parse2(tokens)?;
    Ok(args)
}

/// One `key = value` of `native(…)`.
fn native_param(inner: &syn::meta::ParseNestedMeta, args: &mut NativeArgs) -> syn::Result<()> {
    let key = inner
        .path
        .get_ident()
        .map(ToString::to_string)
        .unwrap_or_default();
    let expr: syn::Expr = inner.value()?.parse()?;
    let tokens = expr.to_token_stream();
    let value = number_literal(&expr);
    match (key.as_str(), value) {
        ("schema", Some((_, Some(i)))) => args.schema = Some((tokens, i)),
        ("schema", _) => {
            return Err(syn::Error::new_spanned(
                expr,
                "expected an integer literal for `schema` (-4 to 8): native histogram parameters are checked at compile time",
            ))
        }
        ("max_buckets", Some((_, Some(i)))) if i >= 0 => {
            args.max_buckets = Some((tokens, i as u64))
        }
        ("max_buckets", _) => {
            return Err(syn::Error::new_spanned(
                expr,
                "expected a positive integer literal for `max_buckets`: native histogram parameters are checked at compile time",
            ))
        }
        ("zero_threshold", Some((v, _))) => args.zero_threshold = Some((tokens, v)),
        ("zero_threshold", None) => {
            return Err(syn::Error::new_spanned(
                expr,
                "expected a number literal for `zero_threshold`: native histogram parameters are checked at compile time",
            ))
        }
        _ => {
            return Err(syn::Error::new_spanned(
                &inner.path,
                "unknown `native` parameter: expected `schema`, `max_buckets` or `zero_threshold`",
            ))
        }
    }
    Ok(())
}

impl NativeArgs {
    /// The parameters, with the defaults of `NativeOptions` where not given:
    /// schema 3, 160 buckets, the default zero threshold.
    pub(crate) fn values(args: Option<&NativeArgs>) -> (i32, usize, f64) {
        use promstrict_rules::native::DEFAULT_ZERO_THRESHOLD;
        let schema = args.and_then(|a| a.schema.as_ref()).map_or(3, |s| s.1) as i32;
        let max_buckets = args
            .and_then(|a| a.max_buckets.as_ref())
            .map_or(160, |m| m.1) as usize;
        let zero_threshold = args
            .and_then(|a| a.zero_threshold.as_ref())
            .map_or(DEFAULT_ZERO_THRESHOLD, |z| z.1);
        (schema, max_buckets, zero_threshold)
    }

    /// Reports each parameter the rule book refuses, on its tokens.
    pub(crate) fn check(&self, ctxt: &crate::ctxt::Ctxt) {
        use promstrict_rules::native as rules;
        if let Some((tokens, schema)) = &self.schema {
            if let Err(e) = rules::check_schema(*schema) {
                ctxt.error_spanned_by(tokens, e);
            }
        }
        if let Some((tokens, max_buckets)) = &self.max_buckets {
            if let Err(e) = rules::check_max_buckets(*max_buckets) {
                ctxt.error_spanned_by(tokens, e);
            }
        }
        if let Some((tokens, zero_threshold)) = &self.zero_threshold {
            if let Err(e) = rules::check_zero_threshold(*zero_threshold) {
                ctxt.error_spanned_by(tokens, e);
            }
        }
    }
}

/// `#[metric(name = "…", help = "…", unit = "…", buckets = …, max_cardinality = N)]`.
#[derive(Default)]
pub(crate) struct Field {
    pub(crate) name: Option<syn::LitStr>,
    pub(crate) help: Option<syn::LitStr>,
    pub(crate) unit: Option<syn::LitStr>,
    /// The `buckets` key (for "not a histogram") and its value.
    pub(crate) buckets: Option<(TokenStream, syn::Expr)>,
    /// The `max_cardinality` key (for "not a family") and its value.
    pub(crate) max_cardinality: Option<(TokenStream, syn::LitInt)>,
    /// The `init_all` key (for "not a family").
    pub(crate) init_all: Option<TokenStream>,
    pub(crate) objective: Option<ObjectiveAttr>,
    /// The `native` key (for "not a native histogram") and its parameters.
    pub(crate) native: Option<(TokenStream, NativeArgs)>,
}

impl Field {
    pub(crate) fn from_ast(attrs: &[syn::Attribute], ctxt: &Ctxt) -> Self {
        let mut field = Field::default();
        for_each_key(attrs, "metric", FIELD_KEYS, ctxt, |key, meta| {
            match key {
                "name" => field.name = Some(lit_str(meta)?),
                "help" => field.help = Some(lit_str(meta)?),
                "unit" => field.unit = Some(lit_str(meta)?),
                "init_all" => {
                    flag(meta)?;
                    field.init_all = Some(meta.path.to_token_stream());
                }
                "objective" => field.objective = Some(parse_objective(meta, ctxt)?),
                "buckets" => {
                    let expr: syn::Expr = meta.value()?.parse()?;
                    field.buckets = Some((meta.path.to_token_stream(), expr));
                }
                "native" => {
                    field.native = Some((meta.path.to_token_stream(), native_args(meta)?));
                }
                _ => {
                    let expr: syn::Expr = meta.value()?.parse()?;
                    match expr {
                        syn::Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Int(int),
                            ..
                        }) => field.max_cardinality = Some((meta.path.to_token_stream(), int)),
                        other => {
                            return Err(syn::Error::new_spanned(
                                other,
                                "expected an integer literal: `max_cardinality = 5000`",
                            ))
                        }
                    }
                }
            }
            Ok(())
        });
        for attr in attrs.iter().filter(|a| a.path().is_ident("metrics")) {
            ctxt.error_spanned_by(
                attr.path(),
                "`#[metrics(…)]` goes on the struct; on a field, use `#[metric(…)]`",
            );
        }
        field
    }
}
