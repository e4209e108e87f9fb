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
    "native",
];

/// `native(schema = 3, max_buckets = 160, zero_threshold = 1e-128)`: each
/// value with its tokens, for spans; the rule book judges them in `check`.
#[derive(Default)]
pub(crate) struct NativeArgs {
    pub(crate) schema: Option<(TokenStream, i64)>,
    pub(crate) max_buckets: Option<(TokenStream, u64)>,
    pub(crate) zero_threshold: Option<(TokenStream, f64)>,
}

/// A number literal, possibly negated: `(value, is_integer)`.
fn number(expr: &syn::Expr) -> Option<(f64, Option<i64>)> {
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
        }) => number(expr).map(|(v, i)| (-v, i.map(|i| -i))),
        syn::Expr::Group(g) => number(&g.expr),
        syn::Expr::Paren(p) => number(&p.expr),
        _ => None,
    }
}

fn native_args(meta: &syn::meta::ParseNestedMeta) -> syn::Result<NativeArgs> {
    let mut args = NativeArgs::default();
    if !meta.input.peek(syn::token::Paren) {
        // `native` alone: the defaults.
        return Ok(args);
    }
    meta.parse_nested_meta(|inner| {
        let key = inner
            .path
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        let expr: syn::Expr = inner.value()?.parse()?;
        let tokens = expr.to_token_stream();
        let value = number(&expr);
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
    })?;
    Ok(args)
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
