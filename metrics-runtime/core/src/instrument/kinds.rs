//! Failures counted by the error's kind:
//! `#[instrument_latency(metric = …, calls = …, error_kind)]`.

use std::sync::LazyLock;

use super::custom::Custom;
use super::guard::Recorder;
use super::Outcome;
use crate::label::{LabelDescriptor, LabelSet, LabelValue};
use crate::metric::counter::Counter;
use crate::metric::exemplar::current_exemplar;
use crate::metric::family::Family;

/// How a call ended, with failures by their kind: `ok`, `error`, `panic`,
/// `cancelled` as in [`Outcome`], or the name of the error's kind when the
/// function returned `Err(kind)` with `kind` a [`LabelValue`] (a closed set
/// of error kinds).
///
/// The `outcome` label of `#[instrument_latency(calls = …, error_kind)]`:
///
/// ```
/// # extern crate promstrict_core as promstrict;
/// use promstrict::{Counter, Family, Histogram, LabelValue, OutcomeKind, OutcomeKindLabels};
/// # use promstrict::__private_0_1_0 as _;
///
/// #[derive(Clone, Copy, Debug)]
/// enum ChatError { RateLimited, Timeout }
/// # impl LabelValue for ChatError {
/// #     const CARDINALITY: usize = 2;
/// #     const NAMES: &'static [&'static str] = &["rate_limited", "timeout"];
/// #     fn index(self) -> usize { self as usize }
/// #     fn name_at(i: usize) -> Option<&'static str> { Self::NAMES.get(i).copied() }
/// # }
///
/// assert_eq!(OutcomeKind::<ChatError>::Ok.as_str(), "ok");
/// assert_eq!(OutcomeKind::Failed(ChatError::Timeout).as_str(), "timeout");
/// assert_eq!(<OutcomeKind<ChatError> as LabelValue>::CARDINALITY, 6);
///
/// let calls: Family<OutcomeKindLabels<ChatError>, Counter> = Family::default();
/// calls.labels(OutcomeKindLabels { outcome: OutcomeKind::Failed(ChatError::RateLimited) }).inc();
/// ```
///
/// An error kind whose name is also one of the four outcomes' shares its
/// series; name them apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OutcomeKind<E> {
    /// The function returned, and not an error.
    Ok,
    /// The function returned an error without a kind (an [`IsError`](super::IsError)
    /// value that is not a `Result<_, E>`).
    Error,
    /// The body panicked.
    Panic,
    /// The future was dropped before it finished.
    Cancelled,
    /// The function returned `Err(kind)`.
    Failed(E),
}

impl<E> From<Outcome> for OutcomeKind<E> {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Ok => OutcomeKind::Ok,
            Outcome::Error => OutcomeKind::Error,
            Outcome::Panic => OutcomeKind::Panic,
            Outcome::Cancelled => OutcomeKind::Cancelled,
        }
    }
}

impl<E: LabelValue> LabelValue for OutcomeKind<E> {
    const CARDINALITY: usize = 4 + E::CARDINALITY;

    #[inline]
    fn index(self) -> usize {
        match self {
            OutcomeKind::Ok => 0,
            OutcomeKind::Error => 1,
            OutcomeKind::Panic => 2,
            OutcomeKind::Cancelled => 3,
            OutcomeKind::Failed(kind) => 4 + kind.index(),
        }
    }

    fn name_at(index: usize) -> Option<&'static str> {
        match index.checked_sub(4) {
            None => Outcome::name_at(index),
            Some(kind) => E::name_at(kind),
        }
    }
}

/// The label set `{outcome}` with failures by kind: key a
/// `Family<OutcomeKindLabels<E>, Counter>` by it to count calls with
/// `calls = …, error_kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OutcomeKindLabels<E> {
    /// How the call ended.
    pub outcome: OutcomeKind<E>,
}

impl<E: LabelValue> LabelSet for OutcomeKindLabels<E> {
    const LABELS: &'static [LabelDescriptor] = &[LabelDescriptor::of::<OutcomeKind<E>>("outcome")];

    #[inline]
    fn index(&self) -> usize {
        self.outcome.index()
    }
}

/// Whatever the function's labels, its calls can be counted by outcome alone.
impl<L, E> From<(L, OutcomeKind<E>)> for OutcomeKindLabels<E> {
    #[inline]
    fn from((_, outcome): (L, OutcomeKind<E>)) -> Self {
        OutcomeKindLabels { outcome }
    }
}

/// A counter family `#[instrument_latency(calls = …, error_kind)]` counts
/// calls labelled `L` into, with failures by their kind `E`: a
/// `Family<L2, Counter>` whose labels are built from the call's labels and
/// its [`OutcomeKind`] by `From<(L, OutcomeKind<E>)>` —
/// [`OutcomeKindLabels`] is one, for any `L`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot count calls labelled `{L}` by error kind `{E}`",
    label = "expected a `Family<_, Counter>` whose labels implement `From<({L}, OutcomeKind<{E}>)>`",
    note = "with `error_kind`, `calls = …` takes a `Family<L2, Counter>` where `L2: From<(L, OutcomeKind<E>)>` (`OutcomeKindLabels<E>` is one, for any `L`)"
)]
pub trait KindCallsMetric<L, E>: Sync {
    /// Counts one call labelled `labels` that ended `outcome`.
    fn record_call(&self, labels: L, outcome: OutcomeKind<E>);
}

impl<L, E, L2: LabelSet + From<(L, OutcomeKind<E>)>> KindCallsMetric<L, E> for Family<L2, Counter> {
    #[inline]
    fn record_call(&self, labels: L, outcome: OutcomeKind<E>) {
        let counter = self.labels(L2::from((labels, outcome)));
        match current_exemplar() {
            None => {
                counter.inc();
            }
            Some(exemplar) => {
                counter.inc_with_exemplar(&exemplar);
            }
        }
    }
}

impl<L, E, M: KindCallsMetric<L, E> + ?Sized> KindCallsMetric<L, E> for &M {
    #[inline]
    fn record_call(&self, labels: L, outcome: OutcomeKind<E>) {
        (**self).record_call(labels, outcome)
    }
}

impl<L, E, M: KindCallsMetric<L, E> + Send, F: FnOnce() -> M + Send> KindCallsMetric<L, E>
    for LazyLock<M, F>
{
    #[inline]
    fn record_call(&self, labels: L, outcome: OutcomeKind<E>) {
        LazyLock::force(self).record_call(labels, outcome)
    }
}

/// A return value whose failures have a kind: `Result<T, E>` with `E` a
/// [`LabelValue`]. Not a public API.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`error_kind` needs the function to return `Result<_, E>` with `E: LabelValue`, not `{Self}`",
    label = "the error type of this function's result is not a closed set of kinds",
    note = "derive `LabelValue` on the error enum (`#[derive(LabelValue)] enum ChatError {{ RateLimited, Timeout }}`), or remove `error_kind` to count failures as `outcome=\"error\"`"
)]
pub trait ErrorKindOf {
    /// The kind.
    type Kind: LabelValue;
    /// The kind of this value's failure, if it is one.
    fn error_kind(&self) -> Option<Self::Kind>;
}

impl<T, E: LabelValue> ErrorKindOf for Result<T, E> {
    type Kind = E;
    #[inline]
    fn error_kind(&self) -> Option<E> {
        self.as_ref().err().copied()
    }
}

/// The kind of a returned value's failure. Not a public API.
#[doc(hidden)]
#[inline(always)]
pub fn error_kind_of<R: ErrorKindOf<Kind = K>, K>(value: &R) -> Option<K> {
    value.error_kind()
}

/// `calls = …` with `error_kind`, checked. Not a public API.
#[doc(hidden)]
#[inline(always)]
pub fn kind_calls_metric<'m, L, E, M: KindCallsMetric<L, E> + 'm>(
    _labels: &L,
    metric: &'m M,
) -> &'m (dyn KindCallsMetric<L, E> + 'm) {
    metric
}

/// Records into the user's metrics, counting failures by kind. Not a public API.
#[doc(hidden)]
pub struct CustomKinds<'m, L: Copy, E> {
    base: Custom<'m, L>,
    calls: &'m (dyn KindCallsMetric<L, E> + 'm),
}

impl<'m, L: Copy, E> CustomKinds<'m, L, E> {
    /// `base` (without `calls`), counting calls into `calls`.
    #[inline]
    pub fn new(base: Custom<'m, L>, calls: &'m (dyn KindCallsMetric<L, E> + 'm)) -> Self {
        CustomKinds { base, calls }
    }
}

/// A recorder that can record a failure's kind. Not a public API.
#[doc(hidden)]
pub trait KindRecorder<E>: Recorder {
    /// The call failed with `kind` after `seconds`.
    fn exit_kind(&self, kind: E, seconds: f64);
}

impl<L: Copy, E> Recorder for CustomKinds<'_, L, E> {
    #[inline]
    fn enter(&self) {
        self.base.enter();
    }

    #[inline]
    fn exit(&self, outcome: Outcome, seconds: f64) {
        self.base.exit(outcome, seconds);
        self.calls
            .record_call(self.base.labels(), OutcomeKind::from(outcome));
    }

    #[inline]
    fn first_item(&self, seconds: f64) {
        Recorder::first_item(&self.base, seconds);
    }
}

impl<L: Copy, E> KindRecorder<E> for CustomKinds<'_, L, E> {
    #[inline]
    fn exit_kind(&self, kind: E, seconds: f64) {
        self.base.exit(Outcome::Error, seconds);
        self.calls
            .record_call(self.base.labels(), OutcomeKind::Failed(kind));
    }
}
