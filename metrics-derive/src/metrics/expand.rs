//! The generated `impl Metrics` of a metrics struct, and its stub.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::ast::{MetricField, MetricsStruct, Shape};
use super::attr::ObjectiveKind;
use super::check::{full_name, max_cardinality, DEFAULT_MAX_CARDINALITY};
use crate::attr::{private_path, unraw};
use crate::buckets::{buckets_expr, F64Literal};
use promstrict_rules::MetricType;

pub(crate) fn expand(model: &MetricsStruct) -> TokenStream {
    let private = private_path(model.krate.as_ref());
    let ident = &model.input.ident;
    let (impl_generics, ty_generics, where_clause) = model.input.generics.split_for_impl();
    let generic = !model.input.generics.params.is_empty();

    let inits = model.fields.iter().map(|field| {
        let member = field.member;
        let init = init_expr(field, model.init_all, &private);
        quote!(#member: #init,)
    });
    let group_adds = model.fields.iter().map(|field| {
        let member = field.member;
        // The common field (no unit, no objective) is one call into the
        // runtime: far less for rustc to type-check than a builder chain.
        if field.unit.is_none() && field.objective.is_none() {
            let name = full_name(model, field);
            let help = field.help.as_deref().unwrap_or_default();
            let owner = owner(model, field);
            let group = model.input.ident.to_string();
            return quote!(#private::derived_metric(
                &mut __metrics_group, #name, #help, #owner, #group, &self.#member,
            ););
        }
        let descriptor = descriptor_expr(model, field, &private);
        quote!(__metrics_group.add(#descriptor, &self.#member);)
    });
    // Families over their cardinality limit fail to compile. A free constant
    // is evaluated eagerly; with generics the limit is only known per
    // instantiation, so it becomes an associated constant that
    // `new_unregistered` evaluates.
    let mut free_checks = Vec::new();
    let mut assoc_checks = Vec::new();
    let mut assoc_uses = Vec::new();
    for field in &model.fields {
        let Some(Shape::Family { labels, .. }) = &field.shape else {
            continue;
        };
        let check = cardinality_check(model, field, labels, &private);
        if generic {
            let name = format_ident!(
                "__METRICS_CARDINALITY_{}",
                unraw(field.member).to_uppercase()
            );
            assoc_checks.push(quote! {
                #[doc(hidden)]
                #[allow(non_upper_case_globals)]
                const #name: () = #check;
            });
            assoc_uses.push(quote!(let () = Self::#name;));
        } else {
            // Spanned on the label type, as is everything in `check`.
            free_checks.push(quote_spanned!(labels.span()=> const _: () = #check;));
        }
    }

    if !generic {
        free_checks.extend(
            model
                .fields
                .iter()
                .filter_map(|field| objective_label_check(field, &private)),
        );
    }
    let global = (!generic).then(|| global_cell(&private));
    // The associated constants of the generic checks live in an inherent
    // impl, out of the trait's way.
    let checks_impl = (!assoc_checks.is_empty()).then(|| {
        quote! {
            #[automatically_derived]
            impl #impl_generics #ident #ty_generics #where_clause {
                #(#assoc_checks)*
            }
        }
    });

    quote! {
        #(#free_checks)*

        const _: () = {
            #checks_impl

            #[automatically_derived]
            impl #impl_generics #private::Metrics for #ident #ty_generics #where_clause {
                // `#[inline]` keeps what a crate never calls from being
                // code-generated.
                #[inline]
                fn new_unregistered() -> Self {
                    #(#assoc_uses)*
                    Self {
                        #(#inits)*
                    }
                }

                #[inline]
                fn metric_group(&self) -> #private::MetricGroup {
                    let mut __metrics_group = #private::MetricGroup::new();
                    #(#group_adds)*
                    __metrics_group
                }

                #global
            }
        };
    }
}

/// A `static` of its own for `global()` (the trait's default, for generic
/// structs, is a lookup by type). Neither the `static`'s type nor the
/// function's signature names the struct's `Send + Sync`, which rustc would
/// prove field by field for every struct.
fn global_cell(private: &TokenStream) -> TokenStream {
    quote! {
        #[inline]
        fn __static_cell() -> #private::core::option::Option<&'static #private::StaticCell> {
            static __METRICS_GLOBAL: #private::StaticCell = #private::StaticCell::new();
            #private::core::option::Option::Some(&__METRICS_GLOBAL)
        }
    }
}

fn init_expr(field: &MetricField, init_all: bool, private: &TokenStream) -> TokenStream {
    let init = construct_expr(field, private);
    let is_family = matches!(field.shape, Some(Shape::Family { .. }));
    if is_family && (init_all || field.init_all.is_some()) {
        let span = field.ty.span();
        quote_spanned! {span=> {
            let __metrics_family: #private::Family<_, _> = #init;
            __metrics_family.init_all();
            __metrics_family
        }}
    } else {
        init
    }
}

fn construct_expr(field: &MetricField, private: &TokenStream) -> TokenStream {
    let span = field.ty.span();
    let buckets = || match &field.buckets {
        Some((_, Some(bounds))) => buckets_expr(bounds, private, span),
        _ => {
            quote_spanned!(span=> <#private::Buckets as #private::core::default::Default>::default())
        }
    };
    if field.native_type && field.shape.is_some() {
        let args = field.native.as_ref().map(|(_, args)| args);
        let (schema, max_buckets, zero_threshold) = crate::metrics::attr::NativeArgs::values(args);
        let classic = match &field.buckets {
            Some((_, Some(bounds))) => {
                let buckets = buckets_expr(bounds, private, span);
                quote_spanned!(span=> .with_classic_buckets(#buckets))
            }
            _ => TokenStream::new(),
        };
        let options = quote_spanned!(span=>
            #private::validated_native_options(#schema, #max_buckets, #zero_threshold) #classic
        );
        return match &field.shape {
            Some(Shape::Family { .. }) => {
                quote_spanned!(span=> #private::Family::with_options(#options))
            }
            _ => quote_spanned!(span=> #private::NativeHistogram::new(#options)),
        };
    }
    match &field.shape {
        Some(Shape::Single(MetricType::Histogram)) => {
            let buckets = buckets();
            quote_spanned!(span=> #private::Histogram::new(#buckets))
        }
        Some(Shape::Single(MetricType::GaugeHistogram)) => {
            let buckets = buckets();
            quote_spanned!(span=> #private::GaugeHistogram::new(#buckets))
        }
        Some(Shape::Family {
            member: MetricType::Histogram | MetricType::GaugeHistogram,
            ..
        }) => {
            let buckets = buckets();
            quote_spanned!(span=> #private::Family::with_options(#buckets))
        }
        _ => quote_spanned!(span=> #private::core::default::Default::default()),
    }
}

fn descriptor_expr(
    model: &MetricsStruct,
    field: &MetricField,
    private: &TokenStream,
) -> TokenStream {
    let name = full_name(model, field);
    let help = field.help.as_deref().unwrap_or_default();
    let unit = field.unit.as_ref().map(|unit| {
        let unit = unit.value();
        quote!(.unit(#unit))
    });
    let owner = owner(model, field);
    let group = model.input.ident.to_string();
    let objective = field.objective.as_ref().and_then(|objective| {
        let percent = F64Literal(objective.percent.as_ref()?.1);
        let call = match objective.kind.as_ref()? {
            ObjectiveKind::Latency { threshold, .. } => {
                let threshold = F64Literal(*threshold);
                quote!(#private::Objective::latency(#threshold, #percent))
            }
            ObjectiveKind::Errors { label, values, .. } => {
                let label = unraw(label);
                quote!(#private::Objective::errors(#label, [#(#values),*], #percent))
            }
        };
        let page = alert_settings(&objective.page, private);
        let ticket = alert_settings(&objective.ticket, private);
        Some(quote!(.objective({
            let mut __metrics_objective = #call;
            __metrics_objective.page = #page;
            __metrics_objective.ticket = #ticket;
            __metrics_objective
        })))
    });
    quote!(#private::Descriptor::new(#name, #help) #unit .owner(#owner) .group(#group) #objective)
}

/// The owner a field's descriptor names in registration errors.
fn owner(model: &MetricsStruct, field: &MetricField) -> String {
    format!(
        "`#[derive(Metrics)]` struct `{}`, field `{}`",
        model.input.ident,
        unraw(field.member)
    )
}

/// An `AlertSettings` expression for `page(…)` or `ticket(…)`.
pub(crate) fn alert_settings(
    alert: &crate::metrics::attr::AlertAttr,
    private: &TokenStream,
) -> TokenStream {
    let setting = |lit: &Option<syn::LitStr>| match lit {
        Some(lit) => quote!(#private::core::option::Option::Some(
            #private::std::borrow::ToOwned::to_owned(#lit)
        )),
        None => quote!(#private::core::option::Option::None),
    };
    let for_duration = setting(&alert.for_duration);
    let severity = setting(&alert.severity);
    quote!(#private::AlertSettings {
        for_duration: #for_duration,
        severity: #severity,
    })
}

/// For an errors objective on a family of a non-generic struct, a constant
/// that fails to compile, on the label's name, unless the label set has that
/// label.
pub(crate) fn objective_label_check(
    field: &MetricField,
    private: &TokenStream,
) -> Option<TokenStream> {
    let Some(Shape::Family { labels, .. }) = &field.shape else {
        return None;
    };
    let Some(ObjectiveKind::Errors { label, values, .. }) = field.objective.as_ref()?.kind.as_ref()
    else {
        return None;
    };
    let name = unraw(label);
    let message = promstrict_rules::objectives::ObjectiveError::UnknownLabel {
        label: name.clone(),
        labels: Vec::new(),
    }
    .to_string()
    .replace('{', "{{")
    .replace('}', "}}");
    let span = label.span();
    let private = respan(private.clone(), span);
    let labels = respan(quote!(#labels), span);
    let label_check = quote_spanned! {span=>
        const _: () = if !#private::has_label(<#labels as #private::LabelSet>::LABELS, #name) {
            #private::core::panic!(#message)
        };
    };
    // One check per bad value, on its literal; a value of a label that does
    // not exist passes (the label's own check reports it).
    let value_checks = values.iter().map(|value| {
        let message = promstrict_rules::objectives::ObjectiveError::UnknownValue {
            label: name.clone(),
            value: value.value(),
            values: Vec::new(),
        }
        .to_string()
        .replace('{', "{{")
        .replace('}', "}}");
        let span = value.span();
        let private = respan(private.clone(), span);
        let labels = respan(labels.clone(), span);
        quote_spanned! {span=>
            const _: () = if !#private::may_have_value(
                <#labels as #private::LabelSet>::LABELS,
                <#labels as #private::LabelSet>::LABEL_NAMES,
                #name,
                #value,
            ) {
                #private::core::panic!(#message)
            };
        }
    });
    Some(quote! {
        #label_check
        #(#value_checks)*
    })
}

fn cardinality_check(
    model: &MetricsStruct,
    field: &MetricField,
    labels: &syn::Type,
    private: &TokenStream,
) -> TokenStream {
    let limit = max_cardinality(field);
    let name = full_name(model, field);
    let raise = if limit == DEFAULT_MAX_CARDINALITY {
        format!("raise the limit (default {DEFAULT_MAX_CARDINALITY}) with `#[metric(max_cardinality = N)]`")
    } else {
        "raise `max_cardinality`".to_owned()
    };
    let field_note = if unraw(field.member) == name {
        String::new()
    } else {
        format!(" (field `{}`)", field.member)
    };
    let message = format!(
        "metric `{name}`{field_note} can have more than {limit} label combinations (the product of its labels' cardinalities): \
         drop or coarsen a label, or {raise} if every series is needed"
    );
    let limit = Literal::u64_unsuffixed(limit);
    let span = labels.span();
    // One `#[track_caller]` const fn call rather than an inlined `panic!`:
    // rustc reports its panic at the call, and with every token of the call
    // (the runtime path too) spanned on the label type, that is the label
    // type, not the derive.
    let private = respan(private.clone(), span);
    quote_spanned! {span=>
        #private::check_cardinality(<#labels as #private::LabelSet>::CARDINALITY, #limit, #message)
    }
}

/// `tokens` with every span (inside groups too) replaced by `span`.
fn respan(tokens: TokenStream, span: proc_macro2::Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let proc_macro2::TokenTree::Group(group) = &tree {
                let mut inner =
                    proc_macro2::Group::new(group.delimiter(), respan(group.stream(), span));
                inner.set_span(span);
                tree = proc_macro2::TokenTree::Group(inner);
            } else {
                tree.set_span(span);
            }
            tree
        })
        .collect()
}

/// The impl with the same functions, whose bodies never run, emitted beside
/// the errors so the rest of the crate (and the IDE) still type-checks.
pub(crate) fn fallback(input: &syn::DeriveInput, krate: Option<&syn::Path>) -> TokenStream {
    let private = private_path(krate);
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        const _: () = {
            impl #impl_generics #private::Metrics for #ident #ty_generics #where_clause {
                fn new_unregistered() -> Self {
                    #private::core::panic!("`#[derive(Metrics)]` failed: see the compile errors")
                }

                fn metric_group(&self) -> #private::MetricGroup {
                    #private::core::panic!("`#[derive(Metrics)]` failed: see the compile errors")
                }
            }
        };
    }
}
