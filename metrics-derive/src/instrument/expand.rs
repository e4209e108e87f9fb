//! Writing the instrumented function.
//!
//! The function is rebuilt from its signature, attributes and visibility as
//! written; only the body changes. A guard is created at entry (it records
//! `panic` if dropped while the body runs and `cancelled` if a future is
//! dropped between polls); then the body runs, in an `FnOnce` closure (sync)
//! or in an inner `async` block (async), so that `return` and `?` come back
//! to the guard; then the guard is told the outcome (`error` if the returned
//! value `IsError` and is one). A `stream` function's value is wrapped so the
//! call lasts until the iterator or stream ends.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;

use super::model::{future_output, is_infer, let_type, BodyKind, Function, Options, StreamReturn};
use crate::buckets::F64Literal;

pub(crate) fn expand_function(
    function: &Function,
    options: &Options,
    stream_return: StreamReturn,
) -> TokenStream {
    let Function {
        outer_attrs,
        inner_attrs,
        vis,
        sig,
        ..
    } = function;
    let recording = Recording::new(function, options);
    let body = match function.body_kind() {
        BodyKind::Sync => sync_body(function, &recording, options, stream_return),
        BodyKind::Async => async_body(function, &recording, options, stream_return),
        BodyKind::AsyncTail(tail) => async_tail_body(function, &tail, &recording, options),
    };
    quote! {
        #(#outer_attrs)*
        #vis #sig {
            #(#inner_attrs)*
            #body
        }
    }
}

/// Where a call is recorded: the items and statements that set it up at
/// entry, and the recorder expression they produce.
struct Recording {
    /// Items of the function body (the bare form's static callsite).
    items: TokenStream,
    /// Statements run at entry, before the body (labels, metric lookups).
    setup: TokenStream,
    /// The recorder the guard is built from.
    recorder: TokenStream,
    /// The runtime's private module.
    private: TokenStream,
}

impl Recording {
    fn new(function: &Function, options: &Options) -> Self {
        let p = options.private();
        let Some(metric) = &options.metric else {
            let name = match &options.name {
                Some(name) => name.value.to_token_stream(),
                None => {
                    syn::LitStr::new(&function.name(), function.sig.ident.span()).to_token_stream()
                }
            };
            let bounds = match (&options.buckets, &options.native) {
                (Some(buckets), _) => crate::buckets::bounds_tokens(&buckets.value),
                // Native without `buckets`: no classic buckets beside.
                (None, Some(_)) => quote!(&[]),
                (None, None) => quote!(#p::Buckets::DEFAULT),
            };
            let streaming = options.streaming();
            let objective = options.objective.as_ref().and_then(|objective| {
                let percent = objective.percent.as_ref()?.1;
                let setting = |lit: &Option<syn::LitStr>| match lit {
                    Some(lit) => quote!(::core::option::Option::Some(#lit)),
                    None => quote!(::core::option::Option::None),
                };
                let alerts = [
                    setting(&objective.page.for_duration),
                    setting(&objective.page.severity),
                    setting(&objective.ticket.for_duration),
                    setting(&objective.ticket.severity),
                ];
                match objective.kind.as_ref()? {
                    crate::metrics::attr::ObjectiveKind::Latency { threshold, .. } => {
                        Some((F64Literal(*threshold), F64Literal(percent), alerts))
                    }
                    crate::metrics::attr::ObjectiveKind::Errors { .. } => None,
                }
            });
            let mut callsite = match objective {
                Some((threshold, percent, alerts)) => quote! {
                    #p::Callsite::with_objective(#name, ::core::module_path!(), #bounds, #streaming, #threshold, #percent, [#(#alerts),*])
                },
                None => {
                    quote!(#p::Callsite::new(#name, ::core::module_path!(), #bounds, #streaming))
                }
            };
            if let Some(native) = &options.native {
                let (schema, max_buckets, zero_threshold) =
                    crate::metrics::attr::NativeArgs::values(Some(&native.value));
                let zero_threshold = F64Literal(zero_threshold);
                callsite.extend(quote!(.native(#schema, #max_buckets, #zero_threshold)));
            }
            return Recording {
                items: quote! {
                    static __METRICS_CALLSITE: #p::Callsite = #callsite;
                },
                setup: TokenStream::new(),
                recorder: quote!(__METRICS_CALLSITE.recorder()),
                private: p,
            };
        };
        // The labels are evaluated once, at entry, before the body can move
        // the arguments they are made of.
        let (labels_let, labels) = match &options.labels {
            Some(labels) => {
                let expr = &labels.value;
                (
                    quote_spanned!(expr.span()=> let __metrics_labels = #expr;),
                    quote!(__metrics_labels),
                )
            }
            None => (TokenStream::new(), quote!(())),
        };
        let histogram = checked_call(&p, &metric.value, quote!(latency_cell), &labels);
        let mut recorder = quote!(#p::Custom::new(#histogram, #labels));
        let mut kind_calls = None;
        if let Some(calls) = &options.calls {
            if options.error_kind.is_some() {
                kind_calls = Some(checked_call(
                    &p,
                    &calls.value,
                    quote!(kind_calls_metric),
                    &quote!(&#labels),
                ));
            } else {
                let calls = checked_call(&p, &calls.value, quote!(calls_metric), &quote!(&#labels));
                recorder.extend(quote!(.calls(#calls)));
            }
        }
        if let Some(in_flight) = &options.in_flight {
            let in_flight = checked_call(
                &p,
                &in_flight.value,
                quote!(in_flight_metric),
                &quote!(&#labels),
            );
            recorder.extend(quote!(.in_flight(#in_flight)));
        }
        if let Some(first_item) = &options.first_item {
            let first_item = checked_call(&p, &first_item.value, quote!(latency_cell), &labels);
            recorder.extend(quote!(.first_item(#first_item)));
        }
        if let Some(calls) = kind_calls {
            recorder = quote!(#p::CustomKinds::new(#recorder, #calls));
        }
        Recording {
            items: TokenStream::new(),
            setup: quote! {
                #labels_let
                let __metrics_recorder = #recorder;
            },
            recorder: quote!(__metrics_recorder),
            private: p,
        }
    }
}

/// `__private_<version>::<check>(<labels>, &<expr>)`, spanned on the user's expression
/// so that a metric of the wrong type is reported there.
fn checked_call(
    p: &TokenStream,
    expr: &syn::Expr,
    check: TokenStream,
    labels: &TokenStream,
) -> TokenStream {
    let span = expr.span();
    // syn's printer parenthesizes the operand if its precedence needs it.
    let reference = match syn::parse2::<syn::Expr>(expr.to_token_stream()) {
        Ok(operand) => syn::ExprReference {
            attrs: Vec::new(),
            and_token: syn::Token![&](span),
            mutability: None,
            expr: Box::new(operand),
        }
        .to_token_stream(),
        Err(_) => quote_spanned!(span=> &(#expr)),
    };
    quote_spanned!(span=> #p::#check(#labels, #reference))
}

/// `: <return type>` for the `let` that holds the body's value (`impl Trait`
/// erased to `_`), or nothing.
fn annotation(ty: Option<&syn::Type>) -> TokenStream {
    match ty {
        Some(ty) => quote!(: #ty),
        None => TokenStream::new(),
    }
}

/// `if let Some(r) = None::<R> { return r; }` at the start of an async
/// block: its first `return` fixes the block's output to the declared type,
/// so `?` and coercions (`Box<dyn Error>`) work as in the original body.
///
/// Spanned on the declared type, where rustc's "return type inferred to be
/// … here" then points.
fn fake_return(ty: Option<&syn::Type>) -> TokenStream {
    match ty {
        Some(ty) if !is_infer(ty) => quote_spanned! {ty.span()=>
            if let ::core::option::Option::Some(__metrics_return) = ::core::option::Option::None::<#ty> {
                return __metrics_return;
            }
        },
        _ => TokenStream::new(),
    }
}

/// The declared return type, as a `let` type; `None` for `!`.
fn return_let_type(function: &Function) -> Option<syn::Type> {
    match &function.sig.output {
        syn::ReturnType::Default => Some(syn::parse_quote!(())),
        syn::ReturnType::Type(_, ty) => let_type(ty),
    }
}

fn returns_never(function: &Function) -> bool {
    matches!(&function.sig.output, syn::ReturnType::Type(_, ty) if let_type(ty).is_none())
}

/// What follows the body: tell the guard how the call ended and return the
/// value, or wrap a stream with the guard.
fn finish(options: &Options, stream_return: StreamReturn) -> TokenStream {
    let p = options.private();
    if !options.streaming() {
        let outcome = quote! {
            {
                #[allow(unused_imports)]
                use #p::{ErrorOutcome as _, OkOutcome as _};
                (&&#p::OutcomeProbe(&__metrics_out)).__metrics_outcome()
            }
        };
        if let Some(key) = &options.error_kind {
            // Spanned on the option: a result without a kind is reported there.
            let kind = quote_spanned!(key.span()=> #p::error_kind_of(&__metrics_out));
            let finish = quote_spanned!(key.span()=> __metrics_guard.finish_kind(#outcome, #kind););
            return quote! {
                #finish
                __metrics_out
            };
        }
        return quote! {
            __metrics_guard.finish(#outcome);
            __metrics_out
        };
    }
    let stream_span = options
        .stream
        .as_ref()
        .map(|k| k.span())
        .or(options.first_item.as_ref().map(|k| k.key.span()))
        .unwrap_or_else(Span::call_site);
    // The `wrap` call is spanned on the option: a value that is neither an
    // iterator nor a stream is reported there.
    let kind =
        quote_spanned!(stream_span=> (&&&&#p::StreamProbe(&__metrics_out)).__metrics_stream_kind());
    let wrap = quote_spanned!(stream_span=> .wrap(__metrics_out, __metrics_guard));
    let wrapped = quote! {
        {
            #[allow(unused_imports)]
            use #p::{BoxStreamProbe as _, IterProbe as _, NotStreamProbe as _, UnpinStreamProbe as _};
            #kind
        }
        #wrap
    };
    match stream_return {
        StreamReturn::Direct => wrapped,
        StreamReturn::Boxed => quote!(#p::std::boxed::Box::new(#wrapped)),
        StreamReturn::PinBoxed => quote!(#p::std::boxed::Box::pin(#wrapped)),
    }
}

fn sync_body(
    function: &Function,
    recording: &Recording,
    options: &Options,
    stream_return: StreamReturn,
) -> TokenStream {
    let p = options.private();
    let Recording {
        items,
        setup,
        recorder,
        ..
    } = recording;
    let block = &function.block;
    if returns_never(function) {
        // Such a function only leaves by unwinding (or never).
        return quote! {
            #items
            #setup
            let __metrics_guard = #p::Guard::sync(#recorder);
            #block
        };
    }
    let ty = return_let_type(function);
    let annotation = annotation(ty.as_ref());
    let body = quote_spanned!(block.brace_token.span.join()=> #p::call_once(move || #block));
    let finish = finish(options, stream_return);
    quote! {
        #items
        #setup
        let __metrics_guard = #p::Guard::sync(#recorder);
        let __metrics_out #annotation = #body;
        #finish
    }
}

/// The statements that time an async body, from the recorder's setup to the
/// returned value.
fn timed_future(
    block: &syn::Block,
    capture: Option<&syn::Token![move]>,
    output: Option<&syn::Type>,
    recording: &Recording,
    finish: &TokenStream,
) -> TokenStream {
    let p = &recording.private;
    let Recording {
        setup, recorder, ..
    } = recording;
    let fake_return = fake_return(output);
    let annotation = annotation(output.filter(|ty| !is_infer(ty)));
    let capture = match capture {
        Some(token) => token.to_token_stream(),
        None => TokenStream::new(),
    };
    let future = quote_spanned! {block.brace_token.span.join()=>
        async #capture {
            #fake_return
            #block
        }
    };
    quote! {
        #setup
        let mut __metrics_guard = #p::Guard::future(#recorder);
        let __metrics_future = ::core::pin::pin!(#future);
        let __metrics_out #annotation = #p::Polled::new(&mut __metrics_guard, __metrics_future).await;
        #finish
    }
}

fn async_body(
    function: &Function,
    recording: &Recording,
    options: &Options,
    stream_return: StreamReturn,
) -> TokenStream {
    let p = options.private();
    let block = &function.block;
    if returns_never(function) {
        // `!` cannot be named, so the inner future's output is `()` (the
        // body coerces to it) and the tail is unreachable.
        let Recording {
            items,
            setup,
            recorder,
            ..
        } = recording;
        let future = quote_spanned! {block.brace_token.span.join()=>
            async move {
                let _: () = #block;
            }
        };
        return quote! {
            #items
            #setup
            let mut __metrics_guard = #p::Guard::future(#recorder);
            let __metrics_future = ::core::pin::pin!(#future);
            #p::Polled::new(&mut __metrics_guard, __metrics_future).await;
            ::core::unreachable!("a function returning `!` returned")
        };
    }
    let ty = return_let_type(function);
    let items = &recording.items;
    let move_token = syn::Token![move](Span::call_site());
    let timed = timed_future(
        block,
        Some(&move_token),
        ty.as_ref(),
        recording,
        &finish(options, stream_return),
    );
    quote! {
        #items
        #timed
    }
}

fn async_tail_body(
    function: &Function,
    tail: &super::model::AsyncTail<'_>,
    recording: &Recording,
    options: &Options,
) -> TokenStream {
    let async_block = tail.async_block;
    let output = match &function.sig.output {
        syn::ReturnType::Type(_, ty) => future_output(ty).and_then(let_type),
        syn::ReturnType::Default => None,
    };
    let timed = timed_future(
        &async_block.block,
        async_block.capture.as_ref(),
        output.as_ref(),
        recording,
        &finish(options, StreamReturn::Direct),
    );
    let attrs = &async_block.attrs;
    let capture = &async_block.capture;
    let future = quote_spanned! {async_block.block.brace_token.span.join()=>
        #(#attrs)*
        async #capture {
            #timed
        }
    };
    let tail_expr = match tail.pin_fn {
        Some(pin_fn) => quote!(#pin_fn(#future)),
        None => future,
    };
    let before = &function.block.stmts[..tail.index];
    let items = &recording.items;
    quote! {
        #items
        #(#before)*
        #tail_expr
    }
}
