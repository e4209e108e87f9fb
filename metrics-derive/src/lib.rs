//! Derive and attribute macros for `metrics-runtime`. Use them through
//! `metrics_runtime`, which re-exports them; generated code names only
//! `::metrics_runtime::__private::…` paths.

mod instrument;
mod labels;
mod metrics;

use proc_macro::TokenStream;

/// Derives `LabelValue` for a fieldless enum: each variant is a label value,
/// encoded in snake_case unless renamed with `#[label(name = "…")]`.
#[proc_macro_derive(LabelValue, attributes(label))]
pub fn derive_label_value(input: TokenStream) -> TokenStream {
    labels::expand_label_value(syn::parse_macro_input!(input as syn::DeriveInput)).into()
}

/// Derives `LabelSet` for a struct whose fields are `LabelValue`s: each field
/// is a label, named after the field unless renamed with `#[label(name = "…")]`.
#[proc_macro_derive(LabelSet, attributes(label))]
pub fn derive_label_set(input: TokenStream) -> TokenStream {
    labels::expand_label_set(syn::parse_macro_input!(input as syn::DeriveInput)).into()
}

/// Derives registration for a struct of metrics, checking every name at
/// compile time.
#[proc_macro_derive(Metrics, attributes(metrics, metric))]
pub fn derive_metrics(input: TokenStream) -> TokenStream {
    metrics::expand(syn::parse_macro_input!(input as syn::DeriveInput)).into()
}

/// Records a function's latency, outcome and in-flight calls.
#[proc_macro_attribute]
pub fn instrument_latency(args: TokenStream, item: TokenStream) -> TokenStream {
    instrument::expand(args.into(), item.into()).into()
}
