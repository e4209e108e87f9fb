//! `#[derive(LabelValue)]` and `#[derive(LabelSet)]`.

use proc_macro2::TokenStream;

pub(crate) fn expand_label_value(input: syn::DeriveInput) -> TokenStream {
    syn::Error::new_spanned(&input.ident, "LabelValue derive: not implemented yet").into_compile_error()
}

pub(crate) fn expand_label_set(input: syn::DeriveInput) -> TokenStream {
    syn::Error::new_spanned(&input.ident, "LabelSet derive: not implemented yet").into_compile_error()
}
