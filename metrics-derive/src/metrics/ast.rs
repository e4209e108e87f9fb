//! The model of a `#[derive(Metrics)]` struct: one `MetricField` per field,
//! with its recognized type, name, help, unit and options. Nodes keep the
//! tokens they come from, for spans.

use proc_macro2::TokenStream;
use quote::ToTokens;

use super::attr;
use crate::attr::{doc_text, unraw};
use crate::buckets::parse_buckets;
use crate::ctxt::Ctxt;
use promstrict_rules::MetricType;
use syn::spanned::Spanned;

pub(crate) struct MetricsStruct<'a> {
    pub(crate) input: &'a syn::DeriveInput,
    pub(crate) krate: Option<syn::Path>,
    pub(crate) namespace: Option<syn::LitStr>,
    /// `#[metrics(init_all)]`.
    pub(crate) init_all: bool,
    pub(crate) fields: Vec<MetricField<'a>>,
}

/// What a field holds.
pub(crate) enum Shape<'a> {
    /// `Counter`, `Gauge<f64>`, `Histogram`…
    Single(MetricType),
    /// `Family<L, M>`.
    Family {
        labels: &'a syn::Type,
        member: MetricType,
    },
}

impl Shape<'_> {
    pub(crate) fn kind(&self) -> MetricType {
        match *self {
            Shape::Single(kind) | Shape::Family { member: kind, .. } => kind,
        }
    }
}

pub(crate) struct MetricField<'a> {
    pub(crate) member: &'a syn::Ident,
    pub(crate) ty: &'a syn::Type,
    /// `None` if the type is not a metric type (reported).
    pub(crate) shape: Option<Shape<'a>>,
    /// The type cannot even be well-formed (`Family<L, Info>`): rustc
    /// reports it on the struct, and any impl of the struct repeats that.
    pub(crate) ill_formed: bool,
    /// The metric name without the namespace.
    pub(crate) name: String,
    /// The `name = "…"` literal, or the field identifier.
    pub(crate) name_token: TokenStream,
    pub(crate) help: Option<String>,
    /// The `help = "…"` literal, if given.
    pub(crate) help_token: Option<TokenStream>,
    pub(crate) unit: Option<syn::LitStr>,
    /// The `buckets` key, and the bounds if they are valid (else reported).
    pub(crate) buckets: Option<(TokenStream, Option<Vec<f64>>)>,
    pub(crate) max_cardinality: Option<(TokenStream, syn::LitInt)>,
    /// The `init_all` key, if given.
    pub(crate) init_all: Option<TokenStream>,
    /// `objective(…)`, if given.
    pub(crate) objective: Option<attr::ObjectiveAttr>,
    /// The field is a `NativeHistogram` or a family of them.
    pub(crate) native_type: bool,
    /// The `native(…)` key and its parameters, if given.
    pub(crate) native: Option<(TokenStream, attr::NativeArgs)>,
}

impl<'a> MetricsStruct<'a> {
    /// `None` if the item is not a struct with named fields (reported).
    pub(crate) fn from_ast(input: &'a syn::DeriveInput, ctxt: &Ctxt) -> Option<Self> {
        let container = attr::Container::from_ast(&input.attrs, ctxt);
        let fields = match &input.data {
            syn::Data::Struct(syn::DataStruct {
                fields: syn::Fields::Named(fields),
                ..
            }) => fields,
            syn::Data::Struct(syn::DataStruct {
                fields: syn::Fields::Unnamed(fields),
                ..
            }) => {
                ctxt.error_spanned_by(
                    fields,
                    "the fields of a `Metrics` struct must be named: each field name is a metric name, e.g. `struct AppMetrics { jobs_total: Counter }`",
                );
                return None;
            }
            syn::Data::Struct(syn::DataStruct {
                fields: syn::Fields::Unit,
                ..
            }) => {
                ctxt.error_spanned_by(
                    &input.ident,
                    "a `Metrics` struct without metrics: add fields such as `/// Jobs run.\\n jobs_total: Counter`",
                );
                return None;
            }
            syn::Data::Enum(e) => {
                ctxt.error_at(
                    e.enum_token.span(),
                    "`Metrics` is derived for structs whose named fields are metrics (`Counter`, `Gauge`, `Histogram`, `Family<L, M>`…)",
                );
                return None;
            }
            syn::Data::Union(u) => {
                ctxt.error_at(
                    u.union_token.span(),
                    "`Metrics` is derived for structs whose named fields are metrics (`Counter`, `Gauge`, `Histogram`, `Family<L, M>`…)",
                );
                return None;
            }
        };
        let fields = fields
            .named
            .iter()
            .filter_map(|field| {
                let member = field.ident.as_ref()?;
                Some(MetricField::from_ast(field, member, ctxt))
            })
            .collect();
        Some(MetricsStruct {
            input,
            krate: container.krate,
            namespace: container.namespace,
            init_all: container.init_all,
            fields,
        })
    }
}

impl<'a> MetricField<'a> {
    fn from_ast(field: &'a syn::Field, member: &'a syn::Ident, ctxt: &Ctxt) -> Self {
        let attrs = attr::Field::from_ast(&field.attrs, ctxt);
        let shape = match shape_of(&field.ty) {
            Ok(shape) => Some(shape),
            // rustc reports it on the struct, with `FamilyMember`'s message.
            Err(ShapeError::NotAMember) => None,
            Err(ShapeError::Other(why)) => {
                ctxt.error_spanned_by(&field.ty, why);
                None
            }
        };
        let ill_formed =
            shape.is_none() && last_segment(&field.ty).is_some_and(|(ident, _)| ident == "Family");
        let (name, name_token) = match attrs.name {
            Some(lit) => (lit.value(), lit.into_token_stream()),
            None => (unraw(member), member.to_token_stream()),
        };
        let (help, help_token) = match attrs.help {
            Some(lit) => (
                Some(lit.value().trim().to_owned()),
                Some(lit.into_token_stream()),
            ),
            None => (doc_text(&field.attrs), None),
        };
        let buckets = attrs
            .buckets
            .map(|(key, expr)| (key, parse_buckets(&expr, ctxt)));
        let native_type = is_native(&field.ty);
        MetricField {
            member,
            ty: &field.ty,
            shape,
            ill_formed,
            name,
            name_token,
            help,
            help_token,
            unit: attrs.unit,
            buckets,
            max_cardinality: attrs.max_cardinality,
            init_all: attrs.init_all,
            objective: attrs.objective,
            native_type,
            native: attrs.native,
        }
    }
}

const SUPPORTED: &str = "expected `Counter`, `Counter<f64>`, `Gauge`, `Gauge<f64>`, `Histogram`, `NativeHistogram`, `GaugeHistogram`, `Summary`, `StateSet<E>`, `Info` or `Family<Labels, M>`";

/// Recognizes a metric type by its last path segment (`Counter`,
/// `promstrict::Gauge<f64>`, `Family<L, Histogram>`). Type aliases
/// cannot be seen through.
/// Why a field's type is not a metric the derive knows.
enum ShapeError {
    /// `Family<L, M>` with an `M` that is not a family member (an `Info`, a
    /// `Family`): the struct itself does not compile, and rustc's error
    /// carries `FamilyMember`'s message, so the derive adds none.
    NotAMember,
    /// Anything else, with what to write instead.
    Other(String),
}

impl From<String> for ShapeError {
    fn from(why: String) -> Self {
        ShapeError::Other(why)
    }
}

fn shape_of(ty: &syn::Type) -> Result<Shape<'_>, ShapeError> {
    let (ident, args) = last_segment(ty)
        .ok_or_else(|| format!("a `Metrics` field must be a metric: {SUPPORTED}"))?;
    if ident == "Family" {
        let types: Vec<&syn::Type> = match args {
            Some(args) => args
                .args
                .iter()
                .filter_map(|a| match a {
                    syn::GenericArgument::Type(t) => Some(t),
                    _ => None,
                })
                .collect(),
            None => Vec::new(),
        };
        let [labels, member] = types.as_slice() else {
            return Err("a family names its label set and its metric type: `Family<RequestLabels, Counter>`".to_owned().into());
        };
        let member = match last_segment(member).map(|(i, _)| i.to_string()).as_deref() {
            Some("Info" | "Family") => return Err(ShapeError::NotAMember),
            Some(other) => single_kind(other).ok_or_else(|| {
                format!("the metric type of a family must be `Counter`, `Counter<f64>`, `Gauge`, `Gauge<f64>`, `Histogram`, `NativeHistogram`, `GaugeHistogram`, `Summary` or `StateSet<E>`, not `{other}`")
            })?,
            None => return Err("the metric type of a family must be `Counter`, `Counter<f64>`, `Gauge`, `Gauge<f64>`, `Histogram`, `NativeHistogram`, `GaugeHistogram`, `Summary` or `StateSet<E>`".to_owned().into()),
        };
        return Ok(Shape::Family { labels, member });
    }
    single_kind(&ident.to_string())
        .map(Shape::Single)
        .ok_or_else(|| {
            ShapeError::Other(format!(
                "`{ident}` is not a metric type: {SUPPORTED} (type aliases are not seen by the macro)"
            ))
        })
}

/// `NativeHistogram`, or `Family<L, NativeHistogram>`.
fn is_native(ty: &syn::Type) -> bool {
    match last_segment(ty) {
        Some((ident, _)) if ident == "NativeHistogram" => true,
        Some((ident, Some(args))) if ident == "Family" => args.args.iter().any(|a| {
            matches!(a, syn::GenericArgument::Type(t)
                if last_segment(t).is_some_and(|(i, _)| i == "NativeHistogram"))
        }),
        _ => false,
    }
}

fn single_kind(ident: &str) -> Option<MetricType> {
    Some(match ident {
        "Counter" => MetricType::Counter,
        "Gauge" => MetricType::Gauge,
        "Histogram" | "NativeHistogram" => MetricType::Histogram,
        "Summary" => MetricType::Summary,
        "Info" => MetricType::Info,
        "StateSet" => MetricType::StateSet,
        "GaugeHistogram" => MetricType::GaugeHistogram,
        _ => return None,
    })
}

fn last_segment(
    ty: &syn::Type,
) -> Option<(&syn::Ident, Option<&syn::AngleBracketedGenericArguments>)> {
    match ty {
        syn::Type::Group(g) => last_segment(&g.elem),
        syn::Type::Paren(p) => last_segment(&p.elem),
        syn::Type::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last()?;
            let args = match &last.arguments {
                syn::PathArguments::AngleBracketed(args) => Some(args),
                _ => None,
            };
            Some((&last.ident, args))
        }
        _ => None,
    }
}
