//! Derive and attribute macros for `promstrict`. Use them through
//! `promstrict`, which re-exports and documents them. Generated code reaches
//! the runtime only through its private module, under the name the user's
//! `Cargo.toml` gives the `promstrict` package (or the `crate = "…"` path).

mod attr;
mod buckets;
mod ctxt;
mod instrument;
mod labels;
mod metrics;

use proc_macro::TokenStream;

/// Derives `LabelValue` for a fieldless enum: each variant is a label value,
/// encoded in snake_case (`ClientError` → `client_error`, `HTTPError` →
/// `http_error`) unless renamed with `#[label(name = "…")]` (any non-empty
/// string; it is escaped on output).
///
/// `CARDINALITY` is the number of variants and a value's index is its
/// position in declaration order (explicit discriminants do not matter).
/// Data-carrying variants, empty and generic enums, structs and unions, and
/// two variants encoded alike are compile errors. `#[label(crate = "…")]` on
/// the enum points generated code at a re-export of `promstrict`.
#[proc_macro_derive(LabelValue, attributes(label))]
pub fn derive_label_value(input: TokenStream) -> TokenStream {
    labels::expand_label_value(syn::parse_macro_input!(input as syn::DeriveInput)).into()
}

/// Derives `LabelSet` for a struct whose named fields are `LabelValue`s: each
/// field is a label, named after the field (`r#type` → `type`) unless renamed
/// with `#[label(name = "…")]`. The index is mixed-radix over the fields, the
/// first field most significant.
///
/// A field of an unbounded type (`String`, `&str`, integers, `Uuid`,
/// `IpAddr`…) is an error on its type that explains why; any other
/// non-`LabelValue` type fails through the trait bound, also on its type.
/// Label names are snake_case, not `le`, `quantile`, `job` or `instance`, and
/// names that signal unbounded values (`id`, `*_id`, `email`, `ip`, `user`,
/// `timestamp`, …) are refused unless the field says
/// `#[label(allow_high_cardinality_name)]`. A struct without fields, a tuple
/// struct and duplicate names are errors.
#[proc_macro_derive(LabelSet, attributes(label))]
pub fn derive_label_set(input: TokenStream) -> TokenStream {
    labels::expand_label_set(syn::parse_macro_input!(input as syn::DeriveInput)).into()
}

/// Derives registration for a struct of metrics, checking every name at
/// compile time.
///
/// Fields are `Counter`, `Counter<f64>`, `Gauge`, `Gauge<f64>`, `Histogram`,
/// `Summary`, `Info` or `Family<L, M>` (`M` any of those but `Info`). The
/// doc comment is the HELP text (lines trimmed and joined with spaces) and is
/// required. Options:
///
/// - on the struct, `#[metrics(namespace = "…", crate = "…")]`: a prefix for
///   every name (`http` → `http_<name>`), and the path of a re-export of
///   `promstrict` for generated code;
/// - on a field, `#[metric(name = "…", help = "…", unit = "…", buckets = …,
///   max_cardinality = N)]`: the metric name (default: the field name), a
///   HELP text overriding the doc comment, the OpenMetrics unit (a base unit
///   the name ends in), histogram buckets (`[0.1, 0.5, 1.0]`, `"fast"`,
///   `"medium"`, `"slow"`, `exponential(start, factor, count)`,
///   `linear(start, width, count)`; default `Buckets::DEFAULT`), a
///   family's limit on label combinations (default 1 000), and a
///   service-level objective: `objective(latency = 0.25, percent = 99.0)` on
///   a histogram (the threshold is one of its bucket bounds) or
///   `objective(errors(status = "5xx"), percent = 99.9)` on a counter family
///   (`status = ["500", "503"]` for several bad values);
/// - on a `NativeHistogram` field (or a family of them),
///   `#[metric(native(schema = 3, max_buckets = 160, zero_threshold = 1e-128))]`:
///   the starting schema (−4 to 8), the most buckets per sign (1 to 1024)
///   and the zero bucket's threshold (finite, ≥ 0), each optional; `buckets`
///   beside it keeps classic buckets too.
///
/// For `struct S` it implements the runtime's `Metrics` trait: the derive
/// writes `S::new_unregistered()` (the metrics, registered nowhere) and
/// `s.metric_group()` (this value's metrics with their descriptors); the
/// trait provides `S::register(&Registry)` (all metrics as one group, all or
/// nothing), `S::global()` / `S::try_global()` (registered in the default
/// registry on first use; the outcome is cached, so a clash is reported, or
/// by `global` panicked on, every time without retrying) and, with the
/// runtime's `prometheus-client` feature, `S::register_prometheus_client`.
/// Importing the derive (`use promstrict::Metrics`) imports the trait too.
///
/// The family limit of a generic struct is checked per instantiation, which
/// happens in a build, not in `cargo check`.
#[proc_macro_derive(Metrics, attributes(metrics, metric))]
pub fn derive_metrics(input: TokenStream) -> TokenStream {
    metrics::expand(syn::parse_macro_input!(input as syn::DeriveInput)).into()
}

/// Records a function's latency, outcome and in-flight calls.
#[proc_macro_attribute]
pub fn instrument_latency(args: TokenStream, item: TokenStream) -> TokenStream {
    instrument::expand(args.into(), item.into()).into()
}
