//! The error accumulator every macro of this crate reports through (after
//! serde_derive's `internals/ctxt.rs`): checks push errors instead of returning
//! early, so one build shows every mistake of an item.

use std::cell::RefCell;
use std::fmt::Display;
use std::thread;

use quote::ToTokens;

/// Collects the errors of one macro invocation.
///
/// Call [`Ctxt::check`] (or [`Ctxt::into_errors`]) exactly once before it is
/// dropped: dropping an unchecked `Ctxt` panics, so a forgotten error can never
/// be swallowed silently.
pub(crate) struct Ctxt {
    // `None` once checked.
    errors: RefCell<Option<Vec<syn::Error>>>,
}

impl Ctxt {
    pub(crate) fn new() -> Self {
        Ctxt {
            errors: RefCell::new(Some(Vec::new())),
        }
    }

    /// Records an error spanning the tokens of `obj` (a multi-token span in
    /// the diagnostic: `^^^^^` under all of them).
    pub(crate) fn error_spanned_by<T: ToTokens, M: Display>(&self, obj: T, msg: M) {
        self.push(syn::Error::new_spanned(obj.into_token_stream(), msg));
    }

    /// Records an error at `span`.
    pub(crate) fn error_at<M: Display>(&self, span: proc_macro2::Span, msg: M) {
        self.push(syn::Error::new(span, msg));
    }

    /// Records an error produced by `syn` (a parse error, typically).
    pub(crate) fn syn_error(&self, err: syn::Error) {
        self.push(err);
    }

    fn push(&self, err: syn::Error) {
        self.errors
            .borrow_mut()
            .as_mut()
            .expect("Ctxt used after check()")
            .push(err);
    }

    /// Consumes the context: `Ok` if nothing was recorded, otherwise every
    /// error combined into one `syn::Error` (each keeps its own span), for a
    /// caller that ends in `unwrap_or_else(syn::Error::into_compile_error)`.
    /// The derives use [`Ctxt::into_errors`] instead, to emit stubs beside
    /// the errors.
    #[allow(dead_code)]
    pub(crate) fn check(self) -> Result<(), syn::Error> {
        let mut errors = self.into_errors().into_iter();
        let Some(mut combined) = errors.next() else {
            return Ok(());
        };
        for rest in errors {
            combined.combine(rest);
        }
        Err(combined)
    }

    /// Consumes the context, returning the recorded errors.
    pub(crate) fn into_errors(self) -> Vec<syn::Error> {
        self.errors.borrow_mut().take().expect("Ctxt checked twice")
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        if !thread::panicking() && self.errors.borrow().is_some() {
            panic!("forgot to check for errors");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_errors_is_ok() {
        assert!(Ctxt::new().check().is_ok());
    }

    #[test]
    fn all_errors_are_kept() {
        let cx = Ctxt::new();
        cx.error_at(proc_macro2::Span::call_site(), "first");
        cx.error_at(proc_macro2::Span::call_site(), "second");
        let err = cx.check().unwrap_err();
        let messages: Vec<String> = err.into_iter().map(|e| e.to_string()).collect();
        assert_eq!(messages, ["first", "second"]);
    }

    #[test]
    #[should_panic(expected = "forgot to check for errors")]
    fn unchecked_context_panics() {
        let _cx = Ctxt::new();
    }
}
