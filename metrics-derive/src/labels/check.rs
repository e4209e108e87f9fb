//! Checks that need more than one attribute: shapes, duplicate names, label
//! name rules and types that can never be closed sets.

use quote::ToTokens;

use super::ast::{LabelSetStruct, LabelValueEnum};
use crate::ctxt::Ctxt;
use promstrict_rules::names::{check_high_cardinality_label_name, check_label_name};

pub(crate) fn check_label_value(model: &LabelValueEnum, ctxt: &Ctxt) {
    let input = model.input;
    if let Some(param) = input.generics.params.first() {
        ctxt.error_spanned_by(
            &input.generics,
            format_args!(
                "`LabelValue` cannot be derived for a generic enum: its values must be a closed set known here; remove `{}`",
                param.to_token_stream()
            ),
        );
    }
    if model.variants.is_empty() {
        ctxt.error_spanned_by(
            &input.ident,
            "an enum without variants has no label values: add one variant per value",
        );
    }
    for (i, variant) in model.variants.iter().enumerate() {
        let original = variant.original;
        if !matches!(original.fields, syn::Fields::Unit) {
            ctxt.error_spanned_by(
                &original.fields,
                format_args!(
                    "label values are fieldless variants: `{}` carries data, which would make the set of values open; \
                     remove the fields (one variant per value), or split the data into a separate label",
                    original.ident
                ),
            );
        }
        if variant.value.value.is_empty() {
            ctxt.error_spanned_by(
                &variant.value.token,
                "a label value cannot be empty: Prometheus treats an empty value as a missing label; give it a name",
            );
            continue;
        }
        if let Some(first) = model.variants[..i]
            .iter()
            .find(|v| v.value.value == variant.value.value)
        {
            ctxt.error_spanned_by(
                &variant.value.token,
                format_args!(
                    "duplicate label value {:?}: variant `{}` is already encoded as {:?}; rename one with `#[label(name = \"…\")]`",
                    variant.value.value, first.original.ident, first.value.value
                ),
            );
        }
    }
}

pub(crate) fn check_label_set(model: &LabelSetStruct, ctxt: &Ctxt) {
    let input = model.input;
    match model.fields_node {
        syn::Fields::Unnamed(fields) => {
            ctxt.error_spanned_by(
                fields,
                "the fields of a `LabelSet` must be named: each field name is a label name, e.g. `struct RequestLabels { method: Method }`",
            );
            return;
        }
        _ if model.fields.is_empty() => {
            ctxt.error_spanned_by(
                &input.ident,
                "a `LabelSet` without labels is pointless: use the metric itself (e.g. `Counter` rather than `Family<_, Counter>`), or add a label field",
            );
            return;
        }
        _ => {}
    }
    for (i, field) in model.fields.iter().enumerate() {
        if let Some(why) = unbounded_type(field.ty) {
            ctxt.error_spanned_by(field.ty, why);
        }
        let name = &field.name.value;
        if let Err(why) = check_label_name(name) {
            ctxt.error_spanned_by(&field.name.token, why);
            continue;
        }
        if !field.allow_high_cardinality_name {
            if let Err(why) = check_high_cardinality_label_name(name) {
                ctxt.error_spanned_by(&field.name.token, why);
            }
        }
        if let Some(first) = model.fields[..i].iter().find(|f| f.name.value == *name) {
            let first_field = first
                .member
                .map(|m| format!("field `{m}`"))
                .unwrap_or_else(|| "another field".to_owned());
            ctxt.error_spanned_by(
                &field.name.token,
                format_args!(
                    "duplicate label name `{name}`: {first_field} is already named so; rename one with `#[label(name = \"…\")]`"
                ),
            );
        }
    }
}

const STRING_TYPES: &[&str] = &[
    "String",
    "str",
    "Cow",
    "OsString",
    "OsStr",
    "PathBuf",
    "CompactString",
    "SmolStr",
    "SmartString",
    "ArcStr",
    "Ustr",
];

const NUMBER_TYPES: &[&str] = &[
    "u8",
    "u16",
    "u32",
    "u64",
    "u128",
    "usize",
    "i8",
    "i16",
    "i32",
    "i64",
    "i128",
    "isize",
    "f32",
    "f64",
    "char",
    "NonZeroU8",
    "NonZeroU16",
    "NonZeroU32",
    "NonZeroU64",
    "NonZeroU128",
    "NonZeroUsize",
    "NonZeroI8",
    "NonZeroI16",
    "NonZeroI32",
    "NonZeroI64",
    "NonZeroI128",
    "NonZeroIsize",
    "NonZero",
];

const IDENTITY_TYPES: &[&str] = &[
    "Uuid",
    "Ulid",
    "IpAddr",
    "Ipv4Addr",
    "Ipv6Addr",
    "SocketAddr",
    "SocketAddrV4",
    "SocketAddrV6",
    "Url",
    "Uri",
    "Instant",
    "SystemTime",
    "DateTime",
    "NaiveDateTime",
    "NaiveDate",
    "NaiveTime",
    "OffsetDateTime",
    "PrimitiveDateTime",
];

/// Why `ty` can never be a label value, for the types whose values are
/// unbounded by nature. Other non-`LabelValue` types fail through the trait
/// bound (and its `on_unimplemented` message).
fn unbounded_type(ty: &syn::Type) -> Option<String> {
    let name = unbounded_type_name(ty)?;
    let shown = pretty(ty);
    let why = if STRING_TYPES.contains(&name) {
        format!(
            "`{shown}` cannot be a label value: strings are unbounded, so every distinct value would become a new time series. \
             Use an enum with `#[derive(LabelValue)]` listing the values, \
             or a `bounded_label!` type for a closed set only known at run time (such as route templates)"
        )
    } else if NUMBER_TYPES.contains(&name) {
        format!(
            "`{shown}` cannot be a label value: every distinct number would become a new time series. \
             Use an enum with `#[derive(LabelValue)]` for the classes you care about \
             (e.g. `StatusClass {{ Success, ClientError, ServerError }}` rather than a status code), or a `bool`"
        )
    } else {
        format!(
            "`{shown}` cannot be a label value: ids, addresses and times are (nearly) unique, so every value would become a new time series. \
             Do not label by it (log it or put it on a trace instead); label by a small closed category, an enum with `#[derive(LabelValue)]`, \
             or a `bounded_label!` type"
        )
    };
    Some(why)
}

fn unbounded_type_name(ty: &syn::Type) -> Option<&'static str> {
    match ty {
        syn::Type::Group(g) => unbounded_type_name(&g.elem),
        syn::Type::Paren(p) => unbounded_type_name(&p.elem),
        syn::Type::Reference(r) => unbounded_type_name(&r.elem),
        syn::Type::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last()?;
            let ident = last.ident.to_string();
            let known = STRING_TYPES
                .iter()
                .chain(NUMBER_TYPES)
                .chain(IDENTITY_TYPES)
                .find(|t| **t == ident);
            if let Some(known) = known {
                return Some(known);
            }
            // `Box<str>`, `Arc<str>`, `Rc<String>`…: a pointer to a string.
            if matches!(ident.as_str(), "Box" | "Arc" | "Rc") {
                if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
                    if let Some(syn::GenericArgument::Type(inner)) = args.args.first() {
                        return unbounded_type_name(inner)
                            .filter(|name| STRING_TYPES.contains(name))
                            .map(|_| "String");
                    }
                }
            }
            None
        }
        _ => None,
    }
}

/// A type as the user wrote it, without the spaces `TokenStream`'s
/// `Display` puts between tokens.
fn pretty(ty: &syn::Type) -> String {
    let mut s = ty.to_token_stream().to_string();
    for (from, to) in [
        (" :: ", "::"),
        (":: ", "::"),
        (" < ", "<"),
        ("< ", "<"),
        (" <", "<"),
        (" >", ">"),
        ("& ", "&"),
        (" ,", ","),
        ("' ", "'"),
    ] {
        s = s.replace(from, to);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unbounded_types() {
        let table = [
            ("String", Some("strings are unbounded")),
            (
                "&'static str",
                Some("`&'static str` cannot be a label value: strings"),
            ),
            ("std::borrow::Cow<'static, str>", Some("strings")),
            (
                "Box<str>",
                Some("`Box<str>` cannot be a label value: strings"),
            ),
            ("std::sync::Arc<str>", Some("strings")),
            ("u16", Some("every distinct number")),
            ("f64", Some("every distinct number")),
            ("uuid::Uuid", Some("ids, addresses and times")),
            ("std::net::IpAddr", Some("ids, addresses and times")),
            ("Method", None),
            ("bool", None),
            ("Box<Method>", None),
            ("Option<Method>", None),
        ];
        for (src, expected) in table {
            let ty: syn::Type = syn::parse_str(src).unwrap();
            let got = unbounded_type(&ty);
            match expected {
                None => assert_eq!(got, None, "{src}"),
                Some(expected) => assert!(
                    got.as_deref().is_some_and(|g| g.contains(expected)),
                    "{src}: {got:?}"
                ),
            }
        }
    }
}
