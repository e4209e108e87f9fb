//! `#[instrument_latency]`: times a function's calls, counts them by outcome
//! and tracks those in flight.
//!
//! `model.rs` holds what the attribute was given, `attr.rs` parses the
//! options, `check.rs` checks them against each other and the function, and
//! `expand.rs` rebuilds the function. On any error the function is emitted
//! exactly as written, beside the errors, so one mistake does not cascade.

mod attr;
mod check;
mod expand;
mod model;

use proc_macro2::TokenStream;
use quote::quote;

use crate::ctxt::Ctxt;
use model::{Function, Options};

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let ctxt = Ctxt::new();
    let options = Options::from_args(args, &ctxt);
    let function = match syn::parse2::<syn::ItemFn>(item.clone()) {
        Ok(function) => Function::from_ast(function),
        Err(_) => {
            check_not_a_function(&item, &ctxt);
            return with_errors(item, ctxt.into_errors());
        }
    };
    check::check_options(&options, &ctxt);
    let stream_return = check::check_function(&function, &options, &ctxt);
    let errors = ctxt.into_errors();
    if !errors.is_empty() {
        return with_errors(item, errors);
    }
    expand::expand_function(&function, &options, stream_return)
}

/// The item as written, and every error.
fn with_errors(item: TokenStream, errors: Vec<syn::Error>) -> TokenStream {
    let errors = errors.into_iter().map(syn::Error::into_compile_error);
    quote! {
        #(#errors)*
        #item
    }
}

/// Explains why `item` is not something the attribute can go on. A function
/// that does not parse (a syntax error in its body) is left to rustc, which
/// reports the syntax error itself.
fn check_not_a_function(item: &TokenStream, ctxt: &Ctxt) {
    if let Ok(declaration) = syn::parse2::<syn::TraitItemFn>(item.clone()) {
        if declaration.default.is_none() {
            ctxt.error_spanned_by(
                &declaration.sig,
                "`#[instrument_latency]` times a function's body, and this declaration has none: put the attribute on the implementations",
            );
            return;
        }
    }
    if looks_like_a_function(item) {
        return;
    }
    ctxt.error_at(
        first_keyword(item).unwrap_or_else(proc_macro2::Span::call_site),
        "`#[instrument_latency]` goes on a function (a free function, a method, or a method of a trait impl)",
    );
}

/// The span of the item's first word after its attributes (`struct`, `impl`, …).
fn first_keyword(item: &TokenStream) -> Option<proc_macro2::Span> {
    use proc_macro2::TokenTree;
    let mut tokens = item.clone().into_iter();
    while let Some(token) = tokens.next() {
        match token {
            TokenTree::Punct(p) if p.as_char() == '#' => {
                tokens.next();
            }
            TokenTree::Ident(ident) if ident != "pub" => return Some(ident.span()),
            _ => {}
        }
    }
    None
}

/// Attributes, visibility and qualifiers, then `fn`.
fn looks_like_a_function(item: &TokenStream) -> bool {
    use proc_macro2::TokenTree;
    let mut tokens = item.clone().into_iter().peekable();
    while let Some(token) = tokens.next() {
        match &token {
            TokenTree::Punct(p) if p.as_char() == '#' => {
                // `#[…]` (or `#![…]`): skip the bracketed group.
                if matches!(tokens.peek(), Some(TokenTree::Punct(p)) if p.as_char() == '!') {
                    tokens.next();
                }
                tokens.next();
            }
            TokenTree::Ident(ident) => match ident.to_string().as_str() {
                "fn" => return true,
                "pub" => {
                    if matches!(tokens.peek(), Some(TokenTree::Group(g)) if g.delimiter() == proc_macro2::Delimiter::Parenthesis)
                    {
                        tokens.next();
                    }
                }
                "const" | "async" | "unsafe" | "extern" | "default" | "safe" => {}
                _ => return false,
            },
            // An ABI string: `extern "C"`.
            TokenTree::Literal(_) => {}
            _ => return false,
        }
    }
    false
}
