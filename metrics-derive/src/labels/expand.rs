//! The generated impls, and the stubs emitted beside errors.

use proc_macro2::{Literal, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::ast::{LabelSetStruct, LabelValueEnum};
use crate::attr::private_path;

pub(crate) fn expand_label_value(model: &LabelValueEnum) -> TokenStream {
    let private = private_path(model.krate.as_ref());
    let ident = &model.input.ident;
    let (impl_generics, ty_generics, where_clause) = model.input.generics.split_for_impl();
    let count = model.variants.len();
    let arms = model.variants.iter().enumerate().map(|(i, v)| {
        let variant = &v.original.ident;
        let i = Literal::usize_unsuffixed(i);
        quote!(#ident::#variant => #i,)
    });
    let texts = model.variants.iter().map(|v| &v.value.value);
    let names = model.variants.iter().enumerate().map(|(i, v)| {
        let i = Literal::usize_unsuffixed(i);
        let value = &v.value.value;
        quote!(#i => #private::core::option::Option::Some(#value),)
    });
    quote! {
        const _: () = {
            #[automatically_derived]
            impl #impl_generics #private::LabelValue for #ident #ty_generics #where_clause {
                const CARDINALITY: #private::core::primitive::usize = #count;
                const NAMES: &'static [&'static #private::core::primitive::str] = &[#(#texts),*];

                #[inline]
                fn index(self) -> #private::core::primitive::usize {
                    match self {
                        #(#arms)*
                    }
                }

                fn name_at(
                    __metrics_index: #private::core::primitive::usize,
                ) -> #private::core::option::Option<&'static #private::core::primitive::str> {
                    match __metrics_index {
                        #(#names)*
                        _ => #private::core::option::Option::None,
                    }
                }
            }
        };
    }
}

/// The impl with bodies that type-check but never run, so uses of the enum
/// elsewhere do not add errors to the real ones.
pub(crate) fn fallback_label_value(model: &LabelValueEnum) -> TokenStream {
    if !model.input.generics.params.is_empty() {
        return TokenStream::new();
    }
    let private = private_path(model.krate.as_ref());
    let ident = &model.input.ident;
    quote! {
        const _: () = {
            impl #private::LabelValue for #ident {
                const CARDINALITY: #private::core::primitive::usize = 1;

                fn index(self) -> #private::core::primitive::usize {
                    #private::core::panic!("`#[derive(LabelValue)]` failed: see the compile errors")
                }

                fn name_at(
                    _: #private::core::primitive::usize,
                ) -> #private::core::option::Option<&'static #private::core::primitive::str> {
                    #private::core::option::Option::None
                }
            }
        };
    }
}

pub(crate) fn expand_label_set(model: &LabelSetStruct) -> TokenStream {
    let private = private_path(model.krate.as_ref());
    let ident = &model.input.ident;
    let (impl_generics, ty_generics, where_clause) = model.input.generics.split_for_impl();
    // Spanned on the field type: a type that is not a `LabelValue` gets its
    // `on_unimplemented` message with the caret on the type. Every use is a
    // `<T as LabelValue>::…` path with that span, so rustc reports the
    // identical diagnostics once (`LabelDescriptor::of::<T>` would add a
    // second one, "required by a bound in `of`").
    let descriptors = model.fields.iter().map(|field| {
        let ty = field.ty;
        let name = &field.name.value;
        quote_spanned! {ty.span()=>
            #private::LabelDescriptor {
                name: #name,
                cardinality: <#ty as #private::LabelValue>::CARDINALITY,
                name_at: <#ty as #private::LabelValue>::name_at,
            },
        }
    });
    let value_names = model.fields.iter().map(|field| {
        let ty = field.ty;
        quote_spanned! {ty.span()=> <#ty as #private::LabelValue>::NAMES, }
    });
    // The first label is the most significant digit, as `Labels::Dense` decodes.
    let steps = model.fields.iter().enumerate().map(|(k, field)| {
        let ty = field.ty;
        let member = field.member;
        let k = Literal::usize_unsuffixed(k);
        quote_spanned! {ty.span()=>
            let __metrics_index = #private::mixed_radix_step(
                __metrics_index,
                <Self as #private::LabelSet>::LABELS[#k].cardinality,
                <#ty as #private::LabelValue>::index(self.#member),
            );
        }
    });
    quote! {
        const _: () = {
            #[automatically_derived]
            impl #impl_generics #private::LabelSet for #ident #ty_generics #where_clause {
                const LABELS: &'static [#private::LabelDescriptor] = &[
                    #(#descriptors)*
                ];

                const LABEL_NAMES: &'static [&'static [&'static #private::core::primitive::str]] = &[
                    #(#value_names)*
                ];

                #[inline]
                fn index(&self) -> #private::core::primitive::usize {
                    let __metrics_index: #private::core::primitive::usize = 0;
                    #(#steps)*
                    __metrics_index
                }
            }
        };
    }
}

/// The impl with no labels and an index that never runs.
pub(crate) fn fallback_label_set(model: &LabelSetStruct) -> TokenStream {
    let private = private_path(model.krate.as_ref());
    let ident = &model.input.ident;
    let (impl_generics, ty_generics, where_clause) = model.input.generics.split_for_impl();
    quote! {
        const _: () = {
            impl #impl_generics #private::LabelSet for #ident #ty_generics #where_clause {
                const LABELS: &'static [#private::LabelDescriptor] = &[];

                fn index(&self) -> #private::core::primitive::usize {
                    #private::core::panic!("`#[derive(LabelSet)]` failed: see the compile errors")
                }
            }
        };
    }
}
