//! The model of a `LabelValue` enum and a `LabelSet` struct. Nodes keep the
//! `syn` nodes they come from, for spans.

use proc_macro2::TokenStream;
use quote::ToTokens;

use super::attr;
use crate::ctxt::Ctxt;
use promstrict_rules::names::to_snake_case;
use syn::spanned::Spanned;

/// A name and the token it was written as: the `name = "…"` literal if
/// renamed, else the identifier it derives from. Errors about the name point
/// at the token.
pub(crate) struct Name {
    pub(crate) value: String,
    pub(crate) token: TokenStream,
}

pub(crate) struct LabelValueEnum<'a> {
    pub(crate) input: &'a syn::DeriveInput,
    pub(crate) krate: Option<syn::Path>,
    pub(crate) variants: Vec<Variant<'a>>,
}

pub(crate) struct Variant<'a> {
    pub(crate) original: &'a syn::Variant,
    pub(crate) value: Name,
}

impl<'a> LabelValueEnum<'a> {
    /// `None` if the item is not an enum (reported): nothing can be emitted.
    pub(crate) fn from_ast(input: &'a syn::DeriveInput, ctxt: &Ctxt) -> Option<Self> {
        let container = attr::Container::from_ast(&input.attrs, ctxt);
        let data = match &input.data {
            syn::Data::Enum(data) => data,
            syn::Data::Struct(s) => {
                ctxt.error_at(
                    s.struct_token.span(),
                    "`LabelValue` is derived for fieldless enums, one variant per label value; \
                     for a struct whose fields are labels, derive `LabelSet`",
                );
                return None;
            }
            syn::Data::Union(u) => {
                ctxt.error_at(
                    u.union_token.span(),
                    "`LabelValue` is derived for fieldless enums, one variant per label value, not for unions",
                );
                return None;
            }
        };
        let variants = data
            .variants
            .iter()
            .map(|variant| {
                let attrs = attr::Variant::from_ast(&variant.attrs, ctxt);
                let value = match attrs.name {
                    Some(lit) => Name {
                        value: lit.value(),
                        token: lit.into_token_stream(),
                    },
                    None => Name {
                        value: to_snake_case(&crate::attr::unraw(&variant.ident)),
                        token: variant.ident.to_token_stream(),
                    },
                };
                Variant {
                    original: variant,
                    value,
                }
            })
            .collect();
        Some(LabelValueEnum {
            input,
            krate: container.krate,
            variants,
        })
    }
}

pub(crate) struct LabelSetStruct<'a> {
    pub(crate) input: &'a syn::DeriveInput,
    pub(crate) krate: Option<syn::Path>,
    /// The `struct` token's fields as written (for the "no fields" and
    /// "tuple struct" errors).
    pub(crate) fields_node: &'a syn::Fields,
    pub(crate) fields: Vec<Field<'a>>,
}

pub(crate) struct Field<'a> {
    /// The field's identifier; `None` in a tuple struct (reported).
    pub(crate) member: Option<&'a syn::Ident>,
    pub(crate) ty: &'a syn::Type,
    pub(crate) name: Name,
    pub(crate) allow_high_cardinality_name: bool,
}

impl<'a> LabelSetStruct<'a> {
    /// `None` if the item is not a struct (reported).
    pub(crate) fn from_ast(input: &'a syn::DeriveInput, ctxt: &Ctxt) -> Option<Self> {
        let container = attr::Container::from_ast(&input.attrs, ctxt);
        let data = match &input.data {
            syn::Data::Struct(data) => data,
            syn::Data::Enum(e) => {
                ctxt.error_at(
                    e.enum_token.span(),
                    "`LabelSet` is derived for structs whose named fields are the labels; \
                     for an enum of label values, derive `LabelValue`",
                );
                return None;
            }
            syn::Data::Union(u) => {
                ctxt.error_at(
                    u.union_token.span(),
                    "`LabelSet` is derived for structs whose named fields are the labels, not for unions",
                );
                return None;
            }
        };
        let fields = data
            .fields
            .iter()
            .map(|field| {
                let attrs = attr::Field::from_ast(&field.attrs, ctxt);
                let name = match (attrs.name, &field.ident) {
                    (Some(lit), _) => Name {
                        value: lit.value(),
                        token: lit.into_token_stream(),
                    },
                    (None, Some(ident)) => Name {
                        value: crate::attr::unraw(ident),
                        token: ident.to_token_stream(),
                    },
                    (None, None) => Name {
                        value: String::new(),
                        token: field.ty.to_token_stream(),
                    },
                };
                Field {
                    member: field.ident.as_ref(),
                    ty: &field.ty,
                    name,
                    allow_high_cardinality_name: attrs.allow_high_cardinality_name,
                }
            })
            .collect();
        Some(LabelSetStruct {
            input,
            krate: container.krate,
            fields_node: &data.fields,
            fields,
        })
    }
}
