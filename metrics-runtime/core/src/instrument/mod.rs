//! What `#[instrument_latency]` records into, and how.
//!
//! # The bare form
//!
//! `#[instrument_latency]` on a function records every call into three
//! families of the [default registry](crate::default_registry), registered on
//! the first instrumented call:
//!
//! - `function_duration_seconds{function, module}` (histogram),
//! - `function_calls_total{function, module, outcome}` (counter),
//! - `function_calls_in_flight{function, module}` (gauge),
//!
//! and, for functions instrumented with `stream`,
//! `function_first_item_seconds{function, module}` (histogram).
//!
//! `outcome` is an [`Outcome`]: `ok`, `error` (the function returned a value
//! whose [`IsError`] says so — every `Result::Err`, whatever alias names the
//! type), `panic` (the body unwound) or `cancelled` (an `async fn`'s future was
//! dropped before it finished). The duration is recorded whatever the outcome,
//! and in-flight always comes back down. An `async fn` is timed from its first
//! poll: a future that is never polled is not a call.
//!
//! Every series of a function is exposed from its first call on, the four
//! outcomes included (at 0), so `rate()` and alerts see them before the first
//! error. Methods of one name in one module share their series; tell them apart
//! with `#[instrument_latency(name = "Type::method")]`.
//!
//! # The hot path
//!
//! Each instrumented function owns a `static` callsite: after the first
//! call, a call costs one load to find its histograms, one atomic increment
//! (calls started), two `Instant::now()` and one histogram observation, with no
//! hashing and no lock. There is one histogram per outcome, so recording the
//! outcome *is* the observation: `function_calls_total` is read from the
//! histograms' counts, `function_duration_seconds` is their bucket-wise sum and
//! `function_calls_in_flight` is calls started minus calls recorded. The list of
//! callsites behind a mutex is only touched on a function's first call and when
//! the registry is encoded.
//!
//! # Your own metrics
//!
//! `#[instrument_latency(metric = …, labels = …)]` records into a [`Histogram`](crate::Histogram)
//! or a `Family<L, Histogram>` of yours, or their native counterparts
//! ([`NativeHistogram`](crate::NativeHistogram), `Family<L, NativeHistogram>`)
//! ([`LatencyMetric`]); `calls = …` counts
//! calls into a [`Counter`](crate::Counter) or a `Family` keyed by the outcome
//! ([`CallsMetric`], [`OutcomeLabels`]); `in_flight = …` tracks calls in a
//! [`Gauge`](crate::Gauge) ([`InFlightMetric`]); `first_item = …` times the first item of a
//! streaming function.
//!
//! # Options
//!
//! | option | what it does | with |
//! | --- | --- | --- |
//! | `metric = <expr>` | durations go to this `Histogram` / `Family<L, Histogram>` (or `NativeHistogram` / `Family<L, NativeHistogram>`) instead of the built-in families | |
//! | `labels = <expr>` | the family's label set, evaluated at entry (it may use the arguments) | `metric` |
//! | `calls = <expr>` | counts calls: a `Counter`, or a `Family<L2, Counter>` with `L2: From<(L, Outcome)>` | `metric` |
//! | `in_flight = <expr>` | a `Gauge` / `Family<L, Gauge>` of the calls running | `metric` |
//! | `first_item = <expr>` | time to first item into this histogram (implies `stream`) | `metric` |
//! | `error_kind` | a function returning `Result<_, E>` with `E: LabelValue` counts its failures by kind: `calls = …` is a `Family<L2, Counter>` with `L2: From<(L, OutcomeKind<E>)>` ([`OutcomeKind`], [`KindCallsMetric`]) | `calls`, not `stream` |
//! | `stream` | the returned iterator/stream is timed until it ends | |
//! | `buckets = …` | buckets of `function_duration_seconds` (a list, `"fast"`, `"medium"`, `"slow"`, `exponential(…)`, `linear(…)`) | bare form |
//! | `native`, `native(schema = 3, max_buckets = 160, zero_threshold = …)` | this function's `function_duration_seconds` (and `function_first_item_seconds`) series are native histograms, checked as `#[metric(native(…))]` is; with `buckets = …` the classic buckets are kept beside (without, the text formats show a count and a sum) | bare form, no `objective` |
//! | `name = "…"` | the `function` label | bare form |
//! | `crate = "…"` | the path of a re-export of this crate, for generated code | |
//!
//! The metric expressions are evaluated at entry and borrowed for the whole
//! call: use globals (`METRICS.latency_seconds`, `Metrics::global().x`, a
//! `LazyLock`) or fields of `&self`; a metric behind another lazy wrapper is
//! written `metric = *GLOBAL`. Misuse (`const fn`, `extern` functions,
//! `#[track_caller]`, an unknown or repeated option, `buckets` or `name` with
//! `metric`, `labels` without it, a metric of the wrong type) is a compile
//! error that says what to write instead, and the function is still emitted
//! as written.
//!
//! A function returning `!` is recorded when it unwinds (`panic`) or, for an
//! `async fn`, when its future is dropped (`cancelled`).
//!
//! The body runs in a `move` closure (an `async move` block for async
//! functions), which has two consequences: `#[track_caller]` cannot be kept
//! (it is a compile error), and the arguments the body uses are dropped when
//! the body ends, inside the timed region, while arguments it never mentions
//! are dropped after it, so the relative drop order of used and unused
//! arguments differs from the plain function. Where it matters, move the
//! arguments into locals at the start of the body (`let a = a; let b = b;`):
//! they are then dropped at its end in reverse order, as in a plain function.
//! Generated code names only this crate's private module and `::core`; it
//! finds the crate under the name your `Cargo.toml` gives it (a renamed
//! dependency included), or at the path `crate = "…"` names.
//!
//! # Streams and iterators
//!
//! With `stream` (or `first_item = …`), a function returning an `Iterator` or
//! (with the `stream` feature) a `futures_core::Stream` returns it wrapped: the
//! time to the first item is recorded when it arrives, and the call ends when
//! the iterator or stream ends (`ok`) or is dropped before its end
//! (`cancelled`); a panic while producing an item is `panic`.

use std::fmt;

use crate::label::{LabelDescriptor, LabelSet, LabelValue};

mod builtin;
mod custom;
mod guard;
mod kinds;
mod stream;
pub(crate) mod support;
#[cfg(test)]
mod tests;

pub use builtin::register_function_metrics;
pub(crate) use builtin::reserve_builtin_names;
pub use custom::{CallsMetric, InFlightMetric, LatencyCell, LatencyMetric};
pub use kinds::{KindCallsMetric, OutcomeKind, OutcomeKindLabels};
pub use stream::InstrumentedIter;
#[cfg(feature = "stream")]
pub use stream::InstrumentedStream;

/// How a call ended: the `outcome` label of `function_calls_total`.
///
/// A [`LabelValue`], so it can be a field of your own label sets (see
/// [`CallsMetric`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The function returned, and not an error.
    Ok,
    /// The function returned an error (a `Result::Err`, or any value whose
    /// [`IsError::is_error`] is true).
    Error,
    /// The body panicked (and the panic went on unwinding).
    Panic,
    /// The future was dropped before it finished, or a stream before its end.
    Cancelled,
}

impl Outcome {
    /// Every outcome, in label-index order.
    pub const ALL: [Outcome; 4] = [
        Outcome::Ok,
        Outcome::Error,
        Outcome::Panic,
        Outcome::Cancelled,
    ];

    /// The label value: `ok`, `error`, `panic` or `cancelled`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Error => "error",
            Outcome::Panic => "panic",
            Outcome::Cancelled => "cancelled",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

crate::__impl_label_value!(Outcome, ["ok", "error", "panic", "cancelled"]);

/// The label set `{outcome}`: key a `Family<OutcomeLabels, Counter>` by it to
/// count calls per outcome with `calls = …`.
///
/// ```
/// # extern crate promstrict_core as promstrict;
/// use promstrict::{Counter, Family, LabelSet, Outcome, OutcomeLabels};
///
/// let calls: Family<OutcomeLabels, Counter> = Family::default();
/// calls.labels(OutcomeLabels { outcome: Outcome::Error }).inc();
/// assert_eq!(<OutcomeLabels as LabelSet>::CARDINALITY, 4);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OutcomeLabels {
    /// How the call ended.
    pub outcome: Outcome,
}

impl LabelSet for OutcomeLabels {
    const LABELS: &'static [LabelDescriptor] = &[LabelDescriptor::of::<Outcome>("outcome")];

    #[inline]
    fn index(&self) -> usize {
        self.outcome.index()
    }
}

/// Whatever the function's labels, its calls can be counted by outcome alone.
impl<L> From<(L, Outcome)> for OutcomeLabels {
    #[inline]
    fn from((_, outcome): (L, Outcome)) -> Self {
        OutcomeLabels { outcome }
    }
}

/// A return value that can say it is an error: such a call's outcome is
/// `error`. Implemented for `Result` (so for `io::Result`, `anyhow::Result` and
/// every other alias); implement it for your own types (a response whose status
/// is a server error, say).
///
/// ```
/// # extern crate promstrict_core as promstrict;
/// use promstrict::IsError;
///
/// assert!(Err::<(), &str>("boom").is_error());
/// assert!(!Ok::<(), &str>(()).is_error());
/// ```
pub trait IsError {
    /// Whether this return value reports a failure.
    fn is_error(&self) -> bool;
}

impl<T, E> IsError for Result<T, E> {
    #[inline]
    fn is_error(&self) -> bool {
        self.is_err()
    }
}
