//! What `#[instrument_latency(…)]` was given: the options, and the function
//! seen as the parts it is rebuilt from. Each node keeps the `syn` node (or
//! key token) it came from, for spans.

use quote::ToTokens;
use syn::spanned::Spanned;

/// An option given as `key = value`.
pub(crate) struct Keyed<T> {
    /// The option's name, where errors about the option as a whole point.
    pub(crate) key: syn::Ident,
    pub(crate) value: T,
}

/// The options of one attribute.
#[derive(Default)]
pub(crate) struct Options {
    /// `metric = <expr>`: the user's histogram (or histogram family).
    pub(crate) metric: Option<Keyed<syn::Expr>>,
    /// `labels = <expr>`: the label set of `metric`, evaluated at entry.
    pub(crate) labels: Option<Keyed<syn::Expr>>,
    /// `calls = <expr>`: a counter of calls (by outcome).
    pub(crate) calls: Option<Keyed<syn::Expr>>,
    /// `in_flight = <expr>`: a gauge of calls in flight.
    pub(crate) in_flight: Option<Keyed<syn::Expr>>,
    /// `first_item = <expr>`: a histogram of the time to the first item.
    pub(crate) first_item: Option<Keyed<syn::Expr>>,
    /// `stream`: time the returned iterator/stream, not just the call.
    pub(crate) stream: Option<syn::Ident>,
    /// `error_kind`: count failures into `calls = …` by the error's kind.
    pub(crate) error_kind: Option<syn::Ident>,
    /// `buckets = …`: the bounds of the built-in duration histogram.
    pub(crate) buckets: Option<Keyed<Vec<f64>>>,
    /// `native` / `native(…)`: the built-in duration (and first-item)
    /// histograms of this function are native histograms.
    pub(crate) native: Option<Keyed<crate::metrics::attr::NativeArgs>>,
    /// `name = "…"`: the `function` label of the built-in families.
    pub(crate) name: Option<Keyed<syn::LitStr>>,
    /// `crate = "…"`: the path of a re-export of the runtime.
    pub(crate) krate: Option<Keyed<syn::Path>>,
    /// `objective(latency = …, percent = …)`: on the built-in duration
    /// histogram, for this function's series.
    pub(crate) objective: Option<crate::metrics::attr::ObjectiveAttr>,
}

impl Options {
    /// Whether the returned value is wrapped to time its items.
    pub(crate) fn streaming(&self) -> bool {
        self.stream.is_some() || self.first_item.is_some()
    }

    /// The runtime's private module, as generated code names it.
    pub(crate) fn private(&self) -> proc_macro2::TokenStream {
        crate::attr::private_path(self.krate.as_ref().map(|k| &k.value))
    }
}

/// The function, split into what it is rebuilt from.
pub(crate) struct Function {
    /// Attributes before the function (docs, `#[must_use]`, …).
    pub(crate) outer_attrs: Vec<syn::Attribute>,
    /// `#![…]` at the start of the body: they stay there.
    pub(crate) inner_attrs: Vec<syn::Attribute>,
    pub(crate) vis: syn::Visibility,
    pub(crate) sig: syn::Signature,
    pub(crate) block: syn::Block,
}

impl Function {
    pub(crate) fn from_ast(item: syn::ItemFn) -> Self {
        let (inner_attrs, outer_attrs) = item
            .attrs
            .into_iter()
            .partition(|attr| matches!(attr.style, syn::AttrStyle::Inner(_)));
        Function {
            outer_attrs,
            inner_attrs,
            vis: item.vis,
            sig: item.sig,
            block: *item.block,
        }
    }

    /// The `function` label: the name as written, without `r#`.
    pub(crate) fn name(&self) -> String {
        let name = self.sig.ident.to_string();
        match name.strip_prefix("r#") {
            Some(raw) => raw.to_owned(),
            None => name,
        }
    }

    /// What runs when the function is called.
    pub(crate) fn body_kind(&self) -> BodyKind<'_> {
        if self.sig.asyncness.is_some() {
            return BodyKind::Async;
        }
        if let Some(tail) = AsyncTail::find(&self.block) {
            return BodyKind::AsyncTail(tail);
        }
        BodyKind::Sync
    }
}

/// How the body runs.
pub(crate) enum BodyKind<'a> {
    /// A plain function: the body runs (and is timed) during the call.
    Sync,
    /// An `async fn`: the body runs when the future is polled.
    Async,
    /// A function whose last expression is an `async` block, maybe
    /// `Box::pin`-ed (what `async-trait` generates): that future is what
    /// the caller awaits, so it is what is timed.
    AsyncTail(AsyncTail<'a>),
}

pub(crate) struct AsyncTail<'a> {
    /// The index of the tail statement in the body.
    pub(crate) index: usize,
    pub(crate) async_block: &'a syn::ExprAsync,
    /// `Box::pin` as written, when the block is pinned.
    pub(crate) pin_fn: Option<&'a syn::Expr>,
}

impl<'a> AsyncTail<'a> {
    fn find(block: &'a syn::Block) -> Option<Self> {
        let index = block.stmts.len().checked_sub(1)?;
        let syn::Stmt::Expr(tail, None) = &block.stmts[index] else {
            return None;
        };
        match tail {
            syn::Expr::Async(async_block) => Some(AsyncTail {
                index,
                async_block,
                pin_fn: None,
            }),
            syn::Expr::Call(call) if call.args.len() == 1 && is_box_pin(&call.func) => {
                match &call.args[0] {
                    syn::Expr::Async(async_block) => Some(AsyncTail {
                        index,
                        async_block,
                        pin_fn: Some(&call.func),
                    }),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

/// `Box::pin`, `std::boxed::Box::pin`, …
fn is_box_pin(func: &syn::Expr) -> bool {
    let syn::Expr::Path(path) = func else {
        return false;
    };
    let segments: Vec<String> = path
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    segments.ends_with(&["Box".to_owned(), "pin".to_owned()])
}

/// How a `stream` function's wrapped value takes the returned value's place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StreamReturn {
    /// `impl Iterator<…>` / `impl Stream<…>`: the wrapper is returned as is.
    Direct,
    /// `Box<dyn …>`: the wrapper is boxed again.
    Boxed,
    /// `Pin<Box<dyn …>>`: the wrapper is pinned in a box again.
    PinBoxed,
}

impl StreamReturn {
    /// The shape of `ty`, if a wrapper can take its place.
    pub(crate) fn of(ty: &syn::Type) -> Option<Self> {
        match strip_parens(ty) {
            syn::Type::ImplTrait(_) => Some(StreamReturn::Direct),
            syn::Type::Path(path) => {
                let last = path.path.segments.last()?;
                if last.ident == "Box" {
                    Some(StreamReturn::Boxed)
                } else if last.ident == "Pin"
                    && first_type_arg(last)
                        .is_some_and(|inner| StreamReturn::of(inner) == Some(StreamReturn::Boxed))
                {
                    Some(StreamReturn::PinBoxed)
                } else {
                    None
                }
            }
            _ => None,
        }
    }
}

fn strip_parens(mut ty: &syn::Type) -> &syn::Type {
    loop {
        match ty {
            syn::Type::Paren(p) => ty = &p.elem,
            syn::Type::Group(g) => ty = &g.elem,
            _ => return ty,
        }
    }
}

fn first_type_arg(segment: &syn::PathSegment) -> Option<&syn::Type> {
    match &segment.arguments {
        syn::PathArguments::AngleBracketed(args) => args.args.iter().find_map(|arg| match arg {
            syn::GenericArgument::Type(ty) => Some(ty),
            _ => None,
        }),
        _ => None,
    }
}

/// The `Output` of the first `Future<Output = …>` bound found in `ty`
/// (`impl Future<Output = T>`, `Pin<Box<dyn Future<Output = T> + Send>>`).
pub(crate) fn future_output(ty: &syn::Type) -> Option<&syn::Type> {
    match strip_parens(ty) {
        syn::Type::ImplTrait(t) => bounds_output(t.bounds.iter()),
        syn::Type::TraitObject(t) => bounds_output(t.bounds.iter()),
        syn::Type::Path(path) => {
            path.path
                .segments
                .iter()
                .find_map(|segment| match &segment.arguments {
                    syn::PathArguments::AngleBracketed(args) => {
                        args.args.iter().find_map(|arg| match arg {
                            syn::GenericArgument::Type(ty) => future_output(ty),
                            _ => None,
                        })
                    }
                    _ => None,
                })
        }
        _ => None,
    }
}

fn bounds_output<'a>(
    mut bounds: impl Iterator<Item = &'a syn::TypeParamBound>,
) -> Option<&'a syn::Type> {
    bounds.find_map(|bound| {
        let syn::TypeParamBound::Trait(t) = bound else {
            return None;
        };
        let last = t.path.segments.last()?;
        if last.ident != "Future" {
            return None;
        }
        let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
            return None;
        };
        args.args.iter().find_map(|arg| match arg {
            syn::GenericArgument::AssocType(assoc) if assoc.ident == "Output" => Some(&assoc.ty),
            _ => None,
        })
    })
}

/// `ty` with every `impl Trait` replaced by `_`, so that it can annotate a
/// `let` (where `impl Trait` is not allowed); `None` for `!`, which cannot.
pub(crate) fn let_type(ty: &syn::Type) -> Option<syn::Type> {
    if matches!(strip_parens(ty), syn::Type::Never(_)) {
        return None;
    }
    // `syn::Type` is not `Clone` with this crate's syn features: re-parse.
    let mut ty: syn::Type = syn::parse2(ty.to_token_stream()).ok()?;
    erase_impl_trait(&mut ty);
    Some(ty)
}

fn erase_impl_trait(ty: &mut syn::Type) {
    match ty {
        syn::Type::ImplTrait(t) => {
            *ty = syn::Type::Infer(syn::TypeInfer {
                underscore_token: syn::Token![_](t.span()),
            });
        }
        syn::Type::Array(t) => erase_impl_trait(&mut t.elem),
        syn::Type::Group(t) => erase_impl_trait(&mut t.elem),
        syn::Type::Paren(t) => erase_impl_trait(&mut t.elem),
        syn::Type::Ptr(t) => erase_impl_trait(&mut t.elem),
        syn::Type::Reference(t) => erase_impl_trait(&mut t.elem),
        syn::Type::Slice(t) => erase_impl_trait(&mut t.elem),
        syn::Type::Tuple(t) => t.elems.iter_mut().for_each(erase_impl_trait),
        syn::Type::Path(t) => {
            if let Some(qself) = &mut t.qself {
                erase_impl_trait(&mut qself.ty);
            }
            for segment in &mut t.path.segments {
                match &mut segment.arguments {
                    syn::PathArguments::AngleBracketed(args) => {
                        for arg in &mut args.args {
                            if let syn::GenericArgument::Type(ty) = arg {
                                erase_impl_trait(ty);
                            }
                        }
                    }
                    syn::PathArguments::Parenthesized(args) => {
                        args.inputs.iter_mut().for_each(erase_impl_trait);
                        if let syn::ReturnType::Type(_, ty) = &mut args.output {
                            erase_impl_trait(ty);
                        }
                    }
                    syn::PathArguments::None => {}
                }
            }
        }
        _ => {}
    }
}

/// Whether `ty` is `_` (nothing to learn from it).
pub(crate) fn is_infer(ty: &syn::Type) -> bool {
    matches!(strip_parens(ty), syn::Type::Infer(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(src: &str) -> syn::Type {
        syn::parse_str(src).unwrap()
    }

    fn show(ty: Option<syn::Type>) -> String {
        ty.map(|t| t.to_token_stream().to_string())
            .unwrap_or_default()
    }

    #[test]
    fn impl_trait_is_erased_for_let() {
        assert_eq!(show(let_type(&ty("impl Iterator<Item = u32>"))), "_");
        assert_eq!(
            show(let_type(&ty("Result<impl Display, io::Error>"))),
            "Result < _ , io :: Error >"
        );
        assert_eq!(show(let_type(&ty("(impl A, &'a impl B)"))), "(_ , & 'a _)");
        assert_eq!(show(let_type(&ty("!"))), "");
        assert_eq!(show(let_type(&ty("&str"))), "& str");
    }

    #[test]
    fn future_output_is_found_where_async_trait_puts_it() {
        let out = |src: &str| future_output(&ty(src)).map(|t| t.to_token_stream().to_string());
        assert_eq!(
            out("Pin<Box<dyn Future<Output = Result<u32, E>> + Send + 'async_trait>>").as_deref(),
            Some("Result < u32 , E >")
        );
        assert_eq!(
            out("impl core::future::Future<Output = u8>").as_deref(),
            Some("u8")
        );
        assert_eq!(out("BoxFuture<'static, u8>"), None);
    }

    #[test]
    fn stream_return_shapes() {
        assert_eq!(
            StreamReturn::of(&ty("impl Iterator<Item = u8>")),
            Some(StreamReturn::Direct)
        );
        assert_eq!(
            StreamReturn::of(&ty("Box<dyn Iterator<Item = u8> + '_>")),
            Some(StreamReturn::Boxed)
        );
        assert_eq!(
            StreamReturn::of(&ty("std::pin::Pin<Box<dyn Stream<Item = u8> + Send>>")),
            Some(StreamReturn::PinBoxed)
        );
        assert_eq!(StreamReturn::of(&ty("std::vec::IntoIter<u8>")), None);
        assert_eq!(StreamReturn::of(&ty("Pin<&mut S>")), None);
    }

    #[test]
    fn async_tails_are_found() {
        let f: syn::ItemFn = syn::parse_str(
            "fn f(&self) -> Pin<Box<dyn Future<Output = u8> + Send + '_>> { let x = 1; Box::pin(async move { x }) }",
        )
        .unwrap();
        let f = Function::from_ast(f);
        let BodyKind::AsyncTail(tail) = f.body_kind() else {
            panic!("not found")
        };
        assert_eq!(tail.index, 1);
        assert!(tail.pin_fn.is_some());
        let g: syn::ItemFn = syn::parse_str("fn g() -> u8 { Box::pin(3) }").unwrap();
        assert!(matches!(Function::from_ast(g).body_kind(), BodyKind::Sync));
    }
}
