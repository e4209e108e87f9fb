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
];

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
