//! `#[derive(LabelValue)]` and `#[derive(LabelSet)]`.
//!
//! `ast` builds the model (reading attributes through `attr`), `check` holds
//! the cross-cutting checks, `expand` writes the impls, or stub impls beside
//! the errors so one mistake does not cascade.

mod ast;
mod attr;
mod check;
mod expand;

use proc_macro2::TokenStream;

use crate::ctxt::Ctxt;

pub(crate) fn expand_label_value(input: syn::DeriveInput) -> TokenStream {
    let ctxt = Ctxt::new();
    let model = ast::LabelValueEnum::from_ast(&input, &ctxt);
    if let Some(model) = &model {
        check::check_label_value(model, &ctxt);
    }
    let errors = ctxt.into_errors();
    let code = match &model {
        Some(model) if errors.is_empty() => expand::expand_label_value(model),
        Some(model) => expand::fallback_label_value(model),
        None => TokenStream::new(),
    };
    with_errors(code, errors)
}

pub(crate) fn expand_label_set(input: syn::DeriveInput) -> TokenStream {
    let ctxt = Ctxt::new();
    let model = ast::LabelSetStruct::from_ast(&input, &ctxt);
    if let Some(model) = &model {
        check::check_label_set(model, &ctxt);
    }
    let errors = ctxt.into_errors();
    let code = match &model {
        Some(model) if errors.is_empty() => expand::expand_label_set(model),
        Some(model) => expand::fallback_label_set(model),
        None => TokenStream::new(),
    };
    with_errors(code, errors)
}

fn with_errors(mut code: TokenStream, errors: Vec<syn::Error>) -> TokenStream {
    code.extend(errors.into_iter().map(syn::Error::into_compile_error));
    code
}
