//! `#[label(…)]` on the item, its variants and its fields.

use crate::attr::{crate_path, for_each_key, lit_str};
use crate::ctxt::Ctxt;

/// `#[label(crate = "…")]` on the enum or struct.
pub(crate) struct Container {
    pub(crate) krate: Option<syn::Path>,
}

impl Container {
    pub(crate) fn from_ast(attrs: &[syn::Attribute], ctxt: &Ctxt) -> Self {
        let mut krate = None;
        for_each_key(attrs, "label", &["crate"], ctxt, |_, meta| {
            krate = Some(crate_path(meta)?);
            Ok(())
        });
        Container { krate }
    }
}

/// `#[label(name = "…")]` on a `LabelValue` variant.
pub(crate) struct Variant {
    pub(crate) name: Option<syn::LitStr>,
}

impl Variant {
    pub(crate) fn from_ast(attrs: &[syn::Attribute], ctxt: &Ctxt) -> Self {
        let mut name = None;
        for_each_key(attrs, "label", &["name"], ctxt, |_, meta| {
            name = Some(lit_str(meta)?);
            Ok(())
        });
        Variant { name }
    }
}

/// `#[label(name = "…", allow_high_cardinality_name)]` on a `LabelSet` field.
pub(crate) struct Field {
    pub(crate) name: Option<syn::LitStr>,
    pub(crate) allow_high_cardinality_name: bool,
}

impl Field {
    pub(crate) fn from_ast(attrs: &[syn::Attribute], ctxt: &Ctxt) -> Self {
        let mut name = None;
        let mut allow_high_cardinality_name = false;
        for_each_key(
            attrs,
            "label",
            &["name", "allow_high_cardinality_name"],
            ctxt,
            |key, meta| {
                match key {
                    "name" => name = Some(lit_str(meta)?),
                    _ => {
                        // Honoured even when written with a value, so the
                        // name check does not pile a second error on this one.
                        allow_high_cardinality_name = true;
                        if meta.input.peek(syn::Token![=]) {
                            let value: syn::Expr = meta.value()?.parse()?;
                            ctxt.error_spanned_by(
                                value,
                                "`allow_high_cardinality_name` takes no value: write `#[label(allow_high_cardinality_name)]`",
                            );
                        }
                    }
                }
                Ok(())
            },
        );
        Field {
            name,
            allow_high_cardinality_name,
        }
    }
}
