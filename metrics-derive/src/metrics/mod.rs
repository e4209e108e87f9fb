//! `#[derive(Metrics)]`: a struct of metrics, registered as one group.
//!
//! `ast` builds the model (reading attributes through `attr` and buckets
//! through `crate::buckets`), `check` applies the naming rules and the
//! cross-field checks, `expand` writes the inherent impl, or a stub impl
//! beside the errors.

mod ast;
pub(crate) mod attr;
pub(crate) mod check;
mod expand;

use proc_macro2::TokenStream;

use crate::ctxt::Ctxt;

pub(crate) fn expand(input: syn::DeriveInput) -> TokenStream {
    let ctxt = Ctxt::new();
    let model = ast::MetricsStruct::from_ast(&input, &ctxt);
    if let Some(model) = &model {
        check::check(model, &ctxt);
    }
    let errors = ctxt.into_errors();
    let mut code = match &model {
        // A stub would only repeat rustc's error about the struct itself.
        Some(model) if model.fields.iter().any(|f| f.ill_formed) => TokenStream::new(),
        Some(model) if errors.is_empty() => expand::expand(model),
        Some(model) => expand::fallback(&input, model.krate.as_ref()),
        None => expand::fallback(&input, None),
    };
    code.extend(errors.into_iter().map(syn::Error::into_compile_error));
    code
}
