//! Parsing `#[instrument_latency(…)]`'s options. Every problem is recorded
//! in the context, and parsing goes on, so one build shows them all.

use proc_macro2::TokenStream;
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};

use super::model::{Keyed, Options};
use crate::buckets::parse_buckets;
use crate::ctxt::Ctxt;
use crate::metrics::attr::{parse_objective_option, NativeArgs, ObjectiveAttr};
use quote::ToTokens;

/// Every option, as listed in errors.
pub(crate) const VALID: &str =
    "`metric`, `labels`, `calls`, `in_flight`, `first_item`, `stream`, `error_kind`, `buckets`, `native`, `name`, `objective`, `crate`";

/// One `key` or `key = value` of the attribute.
struct Entry {
    key: syn::Ident,
    value: Option<syn::Expr>,
    /// `objective(…)`'s parenthesized options.
    group: Option<TokenStream>,
}

fn parse_entries(input: ParseStream) -> syn::Result<Vec<Entry>> {
    let mut entries = Vec::new();
    while !input.is_empty() {
        let key = input.call(syn::Ident::parse_any)?;
        if (key == "objective" || key == "native") && input.peek(syn::token::Paren) {
            let group: proc_macro2::Group = input.parse()?;
            entries.push(Entry {
                key,
                value: None,
                group: Some(group.stream()),
            });
            if input.is_empty() {
                break;
            }
            input.parse::<syn::Token![,]>()?;
            continue;
        }
        let value = if input.peek(syn::Token![=]) {
            input.parse::<syn::Token![=]>()?;
            Some(input.parse::<syn::Expr>()?)
        } else if input.is_empty() || input.peek(syn::Token![,]) {
            None
        } else {
            return Err(input.error(format_args!(
                "expected `=` or `,` after `{key}`: options are written `key = value` or `stream`, separated by commas"
            )));
        };
        entries.push(Entry {
            key,
            value,
            group: None,
        });
        if input.is_empty() {
            break;
        }
        input.parse::<syn::Token![,]>()?;
    }
    Ok(entries)
}

impl Options {
    /// Parses the attribute's arguments. On a syntax error the error is
    /// recorded and no option is set.
    pub(crate) fn from_args(args: TokenStream, ctxt: &Ctxt) -> Options {
        let mut options = Options::default();
        let entries = match parse_entries.parse2(args) {
            Ok(entries) => entries,
            Err(err) => {
                ctxt.syn_error(err);
                return options;
            }
        };
        for Entry { key, value, group } in entries {
            if key == "objective" {
                options.set_objective(key, value, group, ctxt);
            } else if key == "native" {
                options.set_native(key, value, group, ctxt);
            } else {
                options.set(key, value, ctxt);
            }
        }
        options
    }

    /// `objective(latency = 0.25, percent = 99.0)`, parsed as the field
    /// attribute's `objective(…)` is.
    fn set_objective(
        &mut self,
        key: syn::Ident,
        value: Option<syn::Expr>,
        group: Option<TokenStream>,
        ctxt: &Ctxt,
    ) {
        let Some(group) = group else {
            let message = "`objective` takes its options in parentheses: `objective(latency = 0.25, percent = 99.0)`";
            match value {
                Some(value) => ctxt.error_spanned_by(value, message),
                None => ctxt.error_spanned_by(&key, message),
            }
            return;
        };
        let mut objective = ObjectiveAttr {
            key: key.to_token_stream(),
            kind: None,
            percent: None,
            page: Default::default(),
            ticket: Default::default(),
        };
        let parsed = syn::meta::parser(|meta| parse_objective_option(&meta, &mut objective, ctxt))
            .parse2(group);
        if let Err(err) = parsed {
            ctxt.syn_error(err);
            return;
        }
        if self.objective.is_some() {
            ctxt.error_spanned_by(&key, "`objective` is given twice: keep one");
            return;
        }
        self.objective = Some(objective);
    }

    /// `native` or `native(schema = 3, max_buckets = 160, zero_threshold = …)`,
    /// parsed and checked as the field attribute's `native(…)` is.
    fn set_native(
        &mut self,
        key: syn::Ident,
        value: Option<syn::Expr>,
        group: Option<TokenStream>,
        ctxt: &Ctxt,
    ) {
        if let Some(value) = value {
            ctxt.error_spanned_by(
                value,
                "`native` takes no value: write `native`, or `native(schema = 3, max_buckets = 160, zero_threshold = 1e-128)`",
            );
            return;
        }
        let args = match group.map(crate::metrics::attr::native_params) {
            None => NativeArgs::default(),
            Some(Ok(args)) => args,
            Some(Err(err)) => {
                ctxt.syn_error(err);
                return;
            }
        };
        args.check(ctxt);
        if check_unique(self.native.as_ref().map(|k| &k.key), &key, ctxt) {
            self.native = Some(Keyed { key, value: args });
        }
    }

    fn set(&mut self, key: syn::Ident, value: Option<syn::Expr>, ctxt: &Ctxt) {
        let name = key.to_string();
        match name.as_str() {
            "metric" | "labels" | "calls" | "in_flight" | "first_item" => {
                let Some(value) = require_value(&key, value, expr_hint(&name), ctxt) else {
                    return;
                };
                let slot = match name.as_str() {
                    "metric" => &mut self.metric,
                    "labels" => &mut self.labels,
                    "calls" => &mut self.calls,
                    "in_flight" => &mut self.in_flight,
                    _ => &mut self.first_item,
                };
                if check_unique(slot.as_ref().map(|k| &k.key), &key, ctxt) {
                    *slot = Some(Keyed { key, value });
                }
            }
            "stream" => {
                if let Some(value) = value {
                    ctxt.error_spanned_by(
                        value,
                        "`stream` takes no value: write `stream` (and `first_item = …` to time the first item into a histogram of yours)",
                    );
                    return;
                }
                if check_unique(self.stream.as_ref(), &key, ctxt) {
                    self.stream = Some(key);
                }
            }
            "error_kind" => {
                if let Some(value) = value {
                    ctxt.error_spanned_by(
                        value,
                        "`error_kind` takes no value: write `error_kind`, and the error type (`Result<_, E>`) gives the kinds",
                    );
                    return;
                }
                if check_unique(self.error_kind.as_ref(), &key, ctxt) {
                    self.error_kind = Some(key);
                }
            }
            "buckets" => {
                let Some(value) = require_value(
                    &key,
                    value,
                    "`buckets = [0.01, 0.1, 1.0]`, a preset (`\"fast\"`, `\"medium\"`, `\"slow\"`), `exponential(…)` or `linear(…)`",
                    ctxt,
                ) else {
                    return;
                };
                let first = check_unique(self.buckets.as_ref().map(|k| &k.key), &key, ctxt);
                // Checked even when duplicated, so every mistake shows.
                if let Some(bounds) = parse_buckets(&value, ctxt) {
                    if first {
                        self.buckets = Some(Keyed { key, value: bounds });
                    }
                }
            }
            "name" => {
                let Some(lit) = string_value(
                    &key,
                    value,
                    "the `function` label: `name = \"Type::method\"`",
                    ctxt,
                ) else {
                    return;
                };
                if lit.value().is_empty() {
                    ctxt.error_spanned_by(&lit, "the `function` label cannot be empty: remove `name` to use the function's name");
                    return;
                }
                if check_unique(self.name.as_ref().map(|k| &k.key), &key, ctxt) {
                    self.name = Some(Keyed { key, value: lit });
                }
            }
            "crate" => {
                let hint = "the path of the runtime: `crate = \"path::to::promstrict\"`";
                let Some(lit) = string_value(&key, value, hint, ctxt) else {
                    return;
                };
                match crate::attr::parse_crate_path(&lit) {
                    Ok(path) => {
                        if check_unique(self.krate.as_ref().map(|k| &k.key), &key, ctxt) {
                            self.krate = Some(Keyed { key, value: path });
                        }
                    }
                    Err(err) => ctxt.syn_error(err),
                }
            }
            _ => ctxt.error_spanned_by(
                &key,
                format_args!("unknown option `{name}`: the options are {VALID}"),
            ),
        }
    }
}

fn expr_hint(name: &str) -> &'static str {
    match name {
        "metric" => "`metric = <a Histogram or Family<_, Histogram>>`, e.g. `metric = METRICS.latency_seconds`",
        "labels" => "`labels = <a value of the family's label set>`, e.g. `labels = LlmLabels { model }`",
        "calls" => "`calls = <a Counter or Family<_, Counter>>`",
        "in_flight" => "`in_flight = <a Gauge or Family<_, Gauge>>`",
        _ => "`first_item = <a Histogram or Family<_, Histogram>>`",
    }
}

/// The string literal of `key = "…"`; `hint` says what it is, after "takes a
/// string literal".
fn string_value(
    key: &syn::Ident,
    value: Option<syn::Expr>,
    hint: &str,
    ctxt: &Ctxt,
) -> Option<syn::LitStr> {
    match require_value(key, value, hint, ctxt)? {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(lit),
            ..
        }) => Some(lit),
        other => {
            ctxt.error_spanned_by(
                other,
                format_args!("`{key}` takes a string literal, {hint}"),
            );
            None
        }
    }
}

fn require_value(
    key: &syn::Ident,
    value: Option<syn::Expr>,
    hint: &str,
    ctxt: &Ctxt,
) -> Option<syn::Expr> {
    if value.is_none() {
        ctxt.error_spanned_by(key, format_args!("`{key}` needs a value: {hint}"));
    }
    value
}

/// Reports `key` if the option was already given; true if it was not.
fn check_unique(previous: Option<&syn::Ident>, key: &syn::Ident, ctxt: &Ctxt) -> bool {
    match previous {
        Some(_) => {
            ctxt.error_spanned_by(key, format_args!("`{key}` is given twice: keep one"));
            false
        }
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn errors(args: TokenStream) -> Vec<String> {
        let ctxt = Ctxt::new();
        let _ = Options::from_args(args, &ctxt);
        ctxt.into_errors().iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn every_option_parses() {
        let ctxt = Ctxt::new();
        let options = Options::from_args(
            quote!(
                metric = LLM.latency_seconds,
                labels = L {
                    model,
                    stream: S::Off
                },
                calls = LLM.calls_total,
                in_flight = LLM.in_flight,
                first_item = LLM.ttft_seconds,
                stream
            ),
            &ctxt,
        );
        ctxt.check().unwrap();
        assert!(options.metric.is_some() && options.labels.is_some() && options.calls.is_some());
        assert!(
            options.in_flight.is_some() && options.first_item.is_some() && options.stream.is_some()
        );
        let ctxt = Ctxt::new();
        let options = Options::from_args(quote!(buckets = "fast", name = "Db::get"), &ctxt);
        ctxt.check().unwrap();
        assert_eq!(options.buckets.unwrap().value.len(), 6);
        assert_eq!(options.name.unwrap().value.value(), "Db::get");
    }

    #[test]
    fn every_mistake_is_reported() {
        let all = errors(quote!(
            metrik = X,
            metric,
            stream = true,
            name = 3,
            buckets = [2, 1],
            labels = A,
            labels = B
        ));
        assert_eq!(all.len(), 6, "{all:?}");
        assert!(all[0].starts_with("unknown option `metrik`: the options are `metric`"));
        assert!(all[1].starts_with("`metric` needs a value"));
        assert!(all[2].starts_with("`stream` takes no value"));
        assert!(all[3].starts_with("`name` takes a string literal"));
        assert!(all[4].contains("strictly increasing"));
        assert_eq!(all[5], "`labels` is given twice: keep one");
    }

    #[test]
    fn a_syntax_error_is_one_error() {
        assert_eq!(errors(quote!(metric = , labels)).len(), 1);
        assert_eq!(errors(quote!(metric X)).len(), 1);
    }
}
