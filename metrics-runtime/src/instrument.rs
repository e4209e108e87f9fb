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
//! Each instrumented function owns a `static` [`Callsite`]: after the first
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
//! `#[instrument_latency(metric = …, labels = …)]` records into a [`Histogram`]
//! or a `Family<L, Histogram>` of yours ([`LatencyMetric`]); `calls = …` counts
//! calls into a [`Counter`] or a `Family` keyed by the outcome
//! ([`CallsMetric`], [`OutcomeLabels`]); `in_flight = …` tracks calls in a
//! [`Gauge`] ([`InFlightMetric`]); `first_item = …` times the first item of a
//! streaming function.
//!
//! # Options
//!
//! | option | what it does | with |
//! | --- | --- | --- |
//! | `metric = <expr>` | durations go to this `Histogram` / `Family<L, Histogram>` instead of the built-in families | |
//! | `labels = <expr>` | the family's label set, evaluated at entry (it may use the arguments) | `metric` |
//! | `calls = <expr>` | counts calls: a `Counter`, or a `Family<L2, Counter>` with `L2: From<(L, Outcome)>` | `metric` |
//! | `in_flight = <expr>` | a `Gauge` / `Family<L, Gauge>` of the calls running | `metric` |
//! | `first_item = <expr>` | time to first item into this histogram (implies `stream`) | `metric` |
//! | `stream` | the returned iterator/stream is timed until it ends | |
//! | `buckets = …` | buckets of `function_duration_seconds` (a list, `"fast"`, `"medium"`, `"slow"`, `exponential(…)`, `linear(…)`) | bare form |
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
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{LazyLock, Mutex, OnceLock};
use std::task::{Context, Poll};
use std::time::Instant;

use crate::label::{LabelDescriptor, LabelSet, LabelValue, Labels};
use crate::metric::counter::Counter;
use crate::metric::family::Family;
use crate::metric::gauge::Gauge;
use crate::metric::histogram::{AtomicHistogram, Buckets, Histogram, MAX_BUCKETS};
use crate::metric::{Metric, MetricType, SeriesValue, SeriesVisitor};
use crate::registry::{default_registry, Descriptor, MetricGroup, Registry, RegistryError};

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

impl LabelValue for Outcome {
    const CARDINALITY: usize = 4;

    #[inline]
    fn index(self) -> usize {
        self as usize
    }

    fn name_at(index: usize) -> Option<&'static str> {
        Outcome::ALL.get(index).map(|o| o.as_str())
    }
}

/// The label set `{outcome}`: key a `Family<OutcomeLabels, Counter>` by it to
/// count calls per outcome with `calls = …`.
///
/// ```
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

// ---------------------------------------------------------------------------
// Recording
// ---------------------------------------------------------------------------

/// Where a [`Guard`] records a call. Not a public API.
#[doc(hidden)]
pub trait Recorder {
    /// The call starts.
    fn enter(&self);
    /// The call ended `outcome` after `seconds`.
    fn exit(&self, outcome: Outcome, seconds: f64);
    /// A streaming call produced its first item after `seconds`.
    fn first_item(&self, seconds: f64);
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// The body is running on this stack: leaving without `finish` is a panic.
    Running,
    /// A future between polls (or a stream between items): being dropped now
    /// is a cancellation.
    Suspended,
    /// Recorded.
    Done,
}

/// Times one call and records it exactly once: on `finish`, or when dropped
/// (`panic` if the body was running, `cancelled` otherwise). Not a public API.
#[doc(hidden)]
pub struct Guard<R: Recorder> {
    recorder: R,
    start: Instant,
    state: State,
}

impl<R: Recorder> Guard<R> {
    /// A synchronous call starts now.
    #[inline]
    pub fn sync(recorder: R) -> Self {
        Self::start(recorder, State::Running)
    }

    /// A future's first poll starts now; [`Polled`] marks its polls.
    #[inline]
    pub fn future(recorder: R) -> Self {
        Self::start(recorder, State::Suspended)
    }

    #[inline]
    fn start(recorder: R, state: State) -> Self {
        recorder.enter();
        Guard {
            recorder,
            start: Instant::now(),
            state,
        }
    }

    /// The call returned.
    #[inline]
    pub fn finish(mut self, outcome: Outcome) {
        self.record(outcome);
    }

    #[inline]
    fn record(&mut self, outcome: Outcome) {
        if self.state != State::Done {
            self.state = State::Done;
            self.recorder
                .exit(outcome, self.start.elapsed().as_secs_f64());
        }
    }
}

impl<R: Recorder> Drop for Guard<R> {
    #[inline]
    fn drop(&mut self) {
        match self.state {
            State::Done => {}
            State::Running => self.record(Outcome::Panic),
            State::Suspended => self.record(Outcome::Cancelled),
        }
    }
}

impl<R: Recorder> fmt::Debug for Guard<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Guard")
            .field("start", &self.start)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

/// Polls an instrumented body, marking its guard as running during each poll,
/// so that a panic inside the body is told apart from the future being
/// dropped (even while something else unwinds). Not a public API.
#[doc(hidden)]
pub struct Polled<'g, F: Future, R: Recorder> {
    guard: &'g mut Guard<R>,
    future: Pin<&'g mut F>,
}

impl<'g, F: Future, R: Recorder> Polled<'g, F, R> {
    /// Polls `future` on behalf of `guard`.
    #[inline]
    pub fn new(guard: &'g mut Guard<R>, future: Pin<&'g mut F>) -> Self {
        Polled { guard, future }
    }
}

impl<F: Future, R: Recorder> Future for Polled<'_, F, R> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // Both fields are references, so `Polled` is `Unpin`.
        let this = self.get_mut();
        this.guard.state = State::Running;
        let poll = this.future.as_mut().poll(cx);
        this.guard.state = State::Suspended;
        poll
    }
}

/// Runs a synchronous body. Passing the closure through an `FnOnce` bound
/// makes it an `FnOnce` closure, so a body may return a borrow of a
/// captured `&mut` argument (`fn name(&mut self) -> &str`), which an
/// immediately-called `(move || body)()` (an `FnMut`) may not.
#[doc(hidden)]
#[inline(always)]
pub fn call_once<T>(body: impl FnOnce() -> T) -> T {
    body()
}

// ---------------------------------------------------------------------------
// The outcome of a return value: `IsError` if implemented, else `ok`
// (autoref specialization: the generated code calls the method on
// `&&OutcomeProbe`, and the impl on `&OutcomeProbe<T: IsError>` wins over the
// one on `OutcomeProbe<T>`).
// ---------------------------------------------------------------------------

/// Not a public API.
#[doc(hidden)]
pub struct OutcomeProbe<'a, T>(pub &'a T);

/// Not a public API.
#[doc(hidden)]
pub trait ErrorOutcome {
    fn __metrics_outcome(&self) -> Outcome;
}

impl<T: IsError> ErrorOutcome for &OutcomeProbe<'_, T> {
    #[inline(always)]
    fn __metrics_outcome(&self) -> Outcome {
        if self.0.is_error() {
            Outcome::Error
        } else {
            Outcome::Ok
        }
    }
}

/// Not a public API.
#[doc(hidden)]
pub trait OkOutcome {
    fn __metrics_outcome(&self) -> Outcome;
}

impl<T> OkOutcome for OutcomeProbe<'_, T> {
    #[inline(always)]
    fn __metrics_outcome(&self) -> Outcome {
        Outcome::Ok
    }
}

// ---------------------------------------------------------------------------
// The bare form: one static callsite per function, read by collectors
// ---------------------------------------------------------------------------

/// The per-function state of the bare form, a `static` inside the
/// instrumented function. Not a public API.
#[doc(hidden)]
pub struct Callsite {
    function: &'static str,
    module: &'static str,
    bounds: &'static [f64],
    streaming: bool,
    cells: OnceLock<Cells>,
}

struct Cells {
    /// Calls started; in flight = started - recorded.
    started: AtomicU64,
    /// Durations, one histogram per outcome (indexed by `Outcome as usize`).
    by_outcome: [AtomicHistogram; 4],
    /// Time to first item (streaming functions only).
    first_item: Option<AtomicHistogram>,
}

impl Cells {
    fn recorded(&self) -> u64 {
        self.by_outcome.iter().map(AtomicHistogram::count).sum()
    }
}

impl fmt::Debug for Callsite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Callsite")
            .field("function", &self.function)
            .field("module", &self.module)
            .field("streaming", &self.streaming)
            .finish_non_exhaustive()
    }
}

impl Callsite {
    /// The callsite of `function` in `module`, timed in buckets `bounds`
    /// (validated at compile time; invalid bounds fall back to the default).
    pub const fn new(
        function: &'static str,
        module: &'static str,
        bounds: &'static [f64],
        streaming: bool,
    ) -> Self {
        Callsite {
            function,
            module,
            bounds,
            streaming,
            cells: OnceLock::new(),
        }
    }

    /// What a call records into; registers the callsite on its first call.
    #[inline]
    pub fn recorder(&'static self) -> CallsiteRecorder {
        match self.cells.get() {
            Some(cells) => CallsiteRecorder(cells),
            None => self.register(),
        }
    }

    #[cold]
    #[inline(never)]
    fn register(&'static self) -> CallsiteRecorder {
        let cells = self.cells.get_or_init(|| {
            let buckets = Buckets::new(self.bounds).unwrap_or_default();
            let histogram = || AtomicHistogram::new(&buckets);
            Cells {
                started: AtomicU64::new(0),
                by_outcome: [histogram(), histogram(), histogram(), histogram()],
                first_item: self.streaming.then(histogram),
            }
        });
        // Never while holding a lock: a scrape takes the registry's lock, then
        // the callsites'.
        CALLSITES.add(self);
        register_default_collectors(self.streaming);
        CallsiteRecorder(cells)
    }
}

/// Records into a [`Callsite`]. Not a public API.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct CallsiteRecorder(&'static Cells);

impl Recorder for CallsiteRecorder {
    #[inline]
    fn enter(&self) {
        self.0.started.fetch_add(1, Relaxed);
    }

    #[inline]
    fn exit(&self, outcome: Outcome, seconds: f64) {
        self.0.by_outcome[outcome as usize].observe(seconds);
    }

    #[inline]
    fn first_item(&self, seconds: f64) {
        if let Some(h) = &self.0.first_item {
            h.observe(seconds);
        }
    }
}

/// Every callsite that has been called, sorted by (module, function) so that
/// callsites sharing their labels are neighbours (and merged when encoded).
struct CallsiteList(Mutex<Vec<&'static Callsite>>);

static CALLSITES: CallsiteList = CallsiteList(Mutex::new(Vec::new()));

impl CallsiteList {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<&'static Callsite>> {
        // A push cannot leave the list half-updated: poisoning is harmless.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn add(&self, callsite: &'static Callsite) {
        let mut list = self.lock();
        if list.iter().any(|c| std::ptr::eq(*c, callsite)) {
            return;
        }
        let at = list
            .partition_point(|c| (c.module, c.function) <= (callsite.module, callsite.function));
        list.insert(at, callsite);
    }

    /// Calls `f` once per distinct (function, module), with every initialized
    /// callsite carrying those labels.
    fn for_each_group(
        &self,
        streaming_only: bool,
        mut f: impl FnMut(&str, &str, &[&Cells], &[f64]),
    ) {
        let list = self.lock();
        let mut group: Vec<&Cells> = Vec::new();
        let mut i = 0;
        while i < list.len() {
            let (module, function) = (list[i].module, list[i].function);
            let mut bounds: &[f64] = &[];
            group.clear();
            while i < list.len() && list[i].module == module && list[i].function == function {
                let callsite = list[i];
                if let Some(cells) = callsite.cells.get() {
                    if !streaming_only || cells.first_item.is_some() {
                        if group.is_empty() {
                            bounds = cells.by_outcome[0].buckets().bounds();
                        }
                        group.push(cells);
                    }
                }
                i += 1;
            }
            if !group.is_empty() {
                f(function, module, &group, bounds);
            }
        }
    }
}

/// Adds `histogram`'s buckets to `counts` (bucketed by `bounds`) and returns
/// its sum. A histogram with other bounds (two callsites sharing their labels
/// with different `buckets`) is folded into the first bound at or above each
/// of its own, which keeps `_count` and `_sum` exact.
fn accumulate(histogram: &AtomicHistogram, bounds: &[f64], counts: &mut [u64]) -> f64 {
    let mut own = [0u64; MAX_BUCKETS + 1];
    let own_bounds = histogram.buckets().bounds();
    let own = &mut own[..own_bounds.len() + 1];
    let sum = histogram.snapshot_into(own);
    if own_bounds == bounds {
        for (total, c) in counts.iter_mut().zip(own.iter()) {
            *total += c;
        }
    } else {
        for (k, c) in own.iter().enumerate() {
            let upper = own_bounds.get(k).copied().unwrap_or(f64::INFINITY);
            counts[bounds.partition_point(|&b| b < upper)] += c;
        }
    }
    sum
}

fn visit_histograms<'a>(
    function: &str,
    module: &str,
    histograms: impl Iterator<Item = &'a AtomicHistogram>,
    bounds: &[f64],
    visitor: &mut dyn SeriesVisitor,
) {
    let mut counts = [0u64; MAX_BUCKETS + 1];
    let counts = &mut counts[..bounds.len() + 1];
    let mut sum = 0.0;
    for h in histograms {
        sum += accumulate(h, bounds, counts);
    }
    visitor.series(
        Labels::Borrowed(&[("function", function), ("module", module)]),
        SeriesValue::Histogram {
            bounds,
            counts,
            sum,
        },
    );
}

/// `function_duration_seconds`.
#[derive(Clone, Copy, Debug)]
struct DurationCollector;

impl Metric for DurationCollector {
    const TYPE: MetricType = MetricType::Histogram;

    fn visit(&self, visitor: &mut dyn SeriesVisitor) {
        CALLSITES.for_each_group(false, |function, module, group, bounds| {
            let histograms = group.iter().flat_map(|c| c.by_outcome.iter());
            visit_histograms(function, module, histograms, bounds, visitor);
        });
    }
}

/// `function_calls_total`.
#[derive(Clone, Copy, Debug)]
struct CallsCollector;

impl Metric for CallsCollector {
    const TYPE: MetricType = MetricType::Counter;

    fn visit(&self, visitor: &mut dyn SeriesVisitor) {
        CALLSITES.for_each_group(false, |function, module, group, _| {
            for outcome in Outcome::ALL {
                let calls: u64 = group
                    .iter()
                    .map(|c| c.by_outcome[outcome as usize].count())
                    .sum();
                visitor.series(
                    Labels::Borrowed(&[
                        ("function", function),
                        ("module", module),
                        ("outcome", outcome.as_str()),
                    ]),
                    SeriesValue::CounterU64(calls),
                );
            }
        });
    }
}

/// `function_calls_in_flight`.
#[derive(Clone, Copy, Debug)]
struct InFlightCollector;

impl Metric for InFlightCollector {
    const TYPE: MetricType = MetricType::Gauge;

    fn visit(&self, visitor: &mut dyn SeriesVisitor) {
        CALLSITES.for_each_group(false, |function, module, group, _| {
            // Recorded calls first: every call recorded was started before, so
            // reading `started` second never yields fewer starts than ends.
            let recorded: u64 = group.iter().map(|c| c.recorded()).sum();
            let started: u64 = group.iter().map(|c| c.started.load(Relaxed)).sum();
            let in_flight = i64::try_from(started.saturating_sub(recorded)).unwrap_or(i64::MAX);
            visitor.series(
                Labels::Borrowed(&[("function", function), ("module", module)]),
                SeriesValue::GaugeI64(in_flight),
            );
        });
    }
}

/// `function_first_item_seconds`.
#[derive(Clone, Copy, Debug)]
struct FirstItemCollector;

impl Metric for FirstItemCollector {
    const TYPE: MetricType = MetricType::Histogram;

    fn visit(&self, visitor: &mut dyn SeriesVisitor) {
        CALLSITES.for_each_group(true, |function, module, group, bounds| {
            let histograms = group.iter().filter_map(|c| c.first_item.as_ref());
            visit_histograms(function, module, histograms, bounds, visitor);
        });
    }
}

/// Who the built-in families belong to, as registration errors name them.
const BUILTIN_OWNER: &str = "`#[instrument_latency]` (its built-in families)";

/// A descriptor of a built-in family.
fn builtin(name: &'static str, help: &'static str) -> Descriptor {
    let mut descriptor = Descriptor::new(name, help).owner(BUILTIN_OWNER);
    descriptor.claims_reservation = true;
    descriptor
}

fn call_families() -> MetricGroup {
    let mut group = MetricGroup::new();
    group
        .add(
            builtin(
                "function_duration_seconds",
                "Duration of calls to functions instrumented with #[instrument_latency], whatever their outcome.",
            ),
            &DurationCollector,
        )
        .add(
            builtin(
                "function_calls_total",
                "Calls to instrumented functions by outcome: ok, error (returned an error), panic, or cancelled (dropped before it finished).",
            ),
            &CallsCollector,
        )
        .add(
            builtin(
                "function_calls_in_flight",
                "Calls to instrumented functions that have started and not finished.",
            ),
            &InFlightCollector,
        );
    group
}

fn first_item_family() -> MetricGroup {
    let mut group = MetricGroup::new();
    group.add(
        builtin(
            "function_first_item_seconds",
            "Time from the call of an instrumented streaming function to its first item.",
        ),
        &FirstItemCollector,
    );
    group
}

/// Keeps the built-in families' names in the default registry from its
/// creation, so that a metric of the user's registered there under one of
/// them is refused where it is registered, with an error naming
/// `#[instrument_latency]`, and the families are always exposed.
pub(crate) fn reserve_builtin_names(registry: &Registry) {
    let mut group = call_families();
    group.append(first_item_family());
    registry.reserve(&group, BUILTIN_OWNER);
}

/// Registers the built-in families in the default registry, once each. Their
/// names are reserved there, so this cannot be refused.
fn register_default_collectors(streaming: bool) {
    static CALLS: OnceLock<()> = OnceLock::new();
    static FIRST_ITEM: OnceLock<()> = OnceLock::new();
    let register = |group: MetricGroup| {
        let registered = default_registry().register_group(group);
        debug_assert!(registered.is_ok(), "{registered:?}");
    };
    CALLS.get_or_init(|| register(call_families()));
    if streaming {
        FIRST_ITEM.get_or_init(|| register(first_item_family()));
    }
}

/// Exposes the bare form's families (`function_duration_seconds`,
/// `function_calls_total`, `function_calls_in_flight` and
/// `function_first_item_seconds`) in `registry` too, for services that serve
/// a registry of their own rather than the default one. The series are the
/// same as in the default registry.
///
/// ```
/// use promstrict::{instrument, Registry};
///
/// let registry = Registry::new();
/// instrument::register_function_metrics(&registry)?;
/// assert!(registry.names().contains(&"function_calls_total".to_owned()));
/// # Ok::<(), promstrict::RegistryError>(())
/// ```
pub fn register_function_metrics(registry: &Registry) -> Result<(), RegistryError> {
    let mut group = call_families();
    group.append(first_item_family());
    registry.register_group(group)
}

// ---------------------------------------------------------------------------
// Your own metrics: `metric = …`, `calls = …`, `in_flight = …`, `first_item = …`
// ---------------------------------------------------------------------------

/// A histogram `#[instrument_latency(metric = …)]` (or `first_item = …`) can
/// record into, for calls labelled `L` (the type of `labels = …`; `()`
/// without it): a [`Histogram`] without labels, or a `Family<L, Histogram>`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a histogram that `#[instrument_latency]` can record calls labelled `{L}` into",
    label = "expected a `Histogram`, or a `Family<{L}, Histogram>`",
    note = "`metric = …` and `first_item = …` take a `Histogram` (with no `labels = …`), or a `Family<L, Histogram>` together with `labels = <a value of L>` (behind a lazy global other than `LazyLock`, write `metric = *GLOBAL`)"
)]
pub trait LatencyMetric<L> {
    /// The histogram for a call labelled `labels`.
    fn cell(&self, labels: L) -> &AtomicHistogram;
}

impl LatencyMetric<()> for Histogram {
    #[inline]
    fn cell(&self, _: ()) -> &AtomicHistogram {
        self
    }
}

impl LatencyMetric<()> for AtomicHistogram {
    #[inline]
    fn cell(&self, _: ()) -> &AtomicHistogram {
        self
    }
}

impl<L: LabelSet> LatencyMetric<L> for Family<L, Histogram> {
    #[inline]
    fn cell(&self, labels: L) -> &AtomicHistogram {
        self.labels(labels)
    }
}

impl<L, M: LatencyMetric<L> + ?Sized> LatencyMetric<L> for &M {
    #[inline]
    fn cell(&self, labels: L) -> &AtomicHistogram {
        (**self).cell(labels)
    }
}

impl<L, M: LatencyMetric<L>, F: FnOnce() -> M> LatencyMetric<L> for LazyLock<M, F> {
    #[inline]
    fn cell(&self, labels: L) -> &AtomicHistogram {
        LazyLock::force(self).cell(labels)
    }
}

/// A counter `#[instrument_latency(calls = …)]` counts calls labelled `L`
/// into: a [`Counter`] (every call), or a `Family<L2, Counter>` whose labels are
/// built from the call's labels and its [`Outcome`] by `From<(L, Outcome)>` —
/// [`OutcomeLabels`] is one, for any `L`.
///
/// ```
/// use promstrict::{LabelSet, LabelValue, Outcome};
///
/// # #[derive(Clone, Copy)] struct LlmLabels { model: bool }
/// #[derive(Clone, Copy, LabelSet)]
/// struct LlmCallLabels { model: bool, outcome: Outcome }
///
/// impl From<(LlmLabels, Outcome)> for LlmCallLabels {
///     fn from((labels, outcome): (LlmLabels, Outcome)) -> Self {
///         LlmCallLabels { model: labels.model, outcome }
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot count calls labelled `{L}`",
    label = "expected a `Counter`, or a `Family<_, Counter>` whose labels implement `From<({L}, Outcome)>`",
    note = "`calls = …` takes a `Counter`, or a `Family<L2, Counter>` where `L2: From<(L, Outcome)>` (`OutcomeLabels` is one, for any `L`)"
)]
pub trait CallsMetric<L>: Sync {
    /// Counts one call labelled `labels` that ended `outcome`.
    fn record_call(&self, labels: L, outcome: Outcome);
}

impl<L> CallsMetric<L> for Counter {
    #[inline]
    fn record_call(&self, _: L, _: Outcome) {
        self.inc();
    }
}

impl<L, L2: LabelSet + From<(L, Outcome)>> CallsMetric<L> for Family<L2, Counter> {
    #[inline]
    fn record_call(&self, labels: L, outcome: Outcome) {
        self.labels(L2::from((labels, outcome))).inc();
    }
}

impl<L, M: CallsMetric<L> + ?Sized> CallsMetric<L> for &M {
    #[inline]
    fn record_call(&self, labels: L, outcome: Outcome) {
        (**self).record_call(labels, outcome)
    }
}

impl<L, M: CallsMetric<L> + Send, F: FnOnce() -> M + Send> CallsMetric<L> for LazyLock<M, F> {
    #[inline]
    fn record_call(&self, labels: L, outcome: Outcome) {
        LazyLock::force(self).record_call(labels, outcome)
    }
}

/// A gauge `#[instrument_latency(in_flight = …)]` tracks calls labelled `L`
/// in: a [`Gauge`], or a `Family<L, Gauge>`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot track calls labelled `{L}` in flight",
    label = "expected a `Gauge`, or a `Family<{L}, Gauge>`",
    note = "`in_flight = …` takes a `Gauge` or a `Family<L, Gauge>` labelled like `labels = …`"
)]
pub trait InFlightMetric<L>: Sync {
    /// A call labelled `labels` starts.
    fn start(&self, labels: L);
    /// A call labelled `labels` ends.
    fn end(&self, labels: L);
}

impl<L> InFlightMetric<L> for Gauge {
    #[inline]
    fn start(&self, _: L) {
        self.inc();
    }
    #[inline]
    fn end(&self, _: L) {
        self.dec();
    }
}

impl<L: LabelSet> InFlightMetric<L> for Family<L, Gauge> {
    #[inline]
    fn start(&self, labels: L) {
        self.labels(labels).inc();
    }
    #[inline]
    fn end(&self, labels: L) {
        self.labels(labels).dec();
    }
}

impl<L, M: InFlightMetric<L> + ?Sized> InFlightMetric<L> for &M {
    #[inline]
    fn start(&self, labels: L) {
        (**self).start(labels)
    }
    #[inline]
    fn end(&self, labels: L) {
        (**self).end(labels)
    }
}

impl<L, M: InFlightMetric<L> + Send, F: FnOnce() -> M + Send> InFlightMetric<L> for LazyLock<M, F> {
    #[inline]
    fn start(&self, labels: L) {
        LazyLock::force(self).start(labels)
    }
    #[inline]
    fn end(&self, labels: L) {
        LazyLock::force(self).end(labels)
    }
}

/// The histogram of `metric` for `labels`; the bound is where a wrong
/// `metric = …` is reported (the labels come first so that the error names
/// their type). Not a public API.
#[doc(hidden)]
#[inline(always)]
pub fn latency_cell<L, M: LatencyMetric<L> + ?Sized>(labels: L, metric: &M) -> &AtomicHistogram {
    metric.cell(labels)
}

/// `calls = …`, checked. Not a public API.
#[doc(hidden)]
#[inline(always)]
pub fn calls_metric<'m, L, M: CallsMetric<L> + 'm>(
    _labels: &L,
    metric: &'m M,
) -> &'m (dyn CallsMetric<L> + 'm) {
    metric
}

/// `in_flight = …`, checked. Not a public API.
#[doc(hidden)]
#[inline(always)]
pub fn in_flight_metric<'m, L, M: InFlightMetric<L> + 'm>(
    _labels: &L,
    metric: &'m M,
) -> &'m (dyn InFlightMetric<L> + 'm) {
    metric
}

/// Records into the user's metrics. Not a public API.
#[doc(hidden)]
pub struct Custom<'m, L: Copy> {
    histogram: &'m AtomicHistogram,
    labels: L,
    calls: Option<&'m (dyn CallsMetric<L> + 'm)>,
    in_flight: Option<&'m (dyn InFlightMetric<L> + 'm)>,
    first_item: Option<&'m AtomicHistogram>,
}

impl<'m, L: Copy> Custom<'m, L> {
    /// Records durations into `histogram`.
    #[inline]
    pub fn new(histogram: &'m AtomicHistogram, labels: L) -> Self {
        Custom {
            histogram,
            labels,
            calls: None,
            in_flight: None,
            first_item: None,
        }
    }

    /// Also counts calls.
    #[inline]
    pub fn calls(mut self, calls: &'m (dyn CallsMetric<L> + 'm)) -> Self {
        self.calls = Some(calls);
        self
    }

    /// Also tracks calls in flight.
    #[inline]
    pub fn in_flight(mut self, in_flight: &'m (dyn InFlightMetric<L> + 'm)) -> Self {
        self.in_flight = Some(in_flight);
        self
    }

    /// Also times the first item.
    #[inline]
    pub fn first_item(mut self, first_item: &'m AtomicHistogram) -> Self {
        self.first_item = Some(first_item);
        self
    }
}

impl<L: Copy> Recorder for Custom<'_, L> {
    #[inline]
    fn enter(&self) {
        if let Some(g) = self.in_flight {
            g.start(self.labels);
        }
    }

    #[inline]
    fn exit(&self, outcome: Outcome, seconds: f64) {
        self.histogram.observe(seconds);
        if let Some(c) = self.calls {
            c.record_call(self.labels, outcome);
        }
        if let Some(g) = self.in_flight {
            g.end(self.labels);
        }
    }

    #[inline]
    fn first_item(&self, seconds: f64) {
        if let Some(h) = self.first_item {
            h.observe(seconds);
        }
    }
}

// ---------------------------------------------------------------------------
// Streams and iterators
// ---------------------------------------------------------------------------

/// An iterator returned by a function instrumented with `stream`: times its
/// first item and ends the call when it ends or is dropped.
pub struct InstrumentedIter<I, R: Recorder> {
    inner: I,
    guard: Guard<R>,
    seen_first: bool,
}

impl<I: fmt::Debug, R: Recorder> fmt::Debug for InstrumentedIter<I, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InstrumentedIter")
            .field("inner", &self.inner)
            .field("guard", &self.guard)
            .finish()
    }
}

impl<R: Recorder> Guard<R> {
    /// Runs `produce` (one `next`/`poll_next` of the wrapped value) as part of
    /// the call, and records what its result means.
    #[inline]
    fn item<T>(
        &mut self,
        seen_first: &mut bool,
        produce: impl FnOnce() -> Option<Option<T>>,
    ) -> Option<Option<T>> {
        if self.state == State::Done {
            return produce();
        }
        self.state = State::Running;
        let item = produce();
        self.state = State::Suspended;
        match &item {
            Some(Some(_)) if !*seen_first => {
                *seen_first = true;
                self.recorder.first_item(self.start.elapsed().as_secs_f64());
            }
            Some(None) => self.record(Outcome::Ok),
            _ => {}
        }
        item
    }
}

impl<I: Iterator, R: Recorder> Iterator for InstrumentedIter<I, R> {
    type Item = I::Item;

    #[inline]
    fn next(&mut self) -> Option<I::Item> {
        let inner = &mut self.inner;
        self.guard
            .item(&mut self.seen_first, || Some(inner.next()))
            .flatten()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<I: DoubleEndedIterator, R: Recorder> DoubleEndedIterator for InstrumentedIter<I, R> {
    #[inline]
    fn next_back(&mut self) -> Option<I::Item> {
        let inner = &mut self.inner;
        self.guard
            .item(&mut self.seen_first, || Some(inner.next_back()))
            .flatten()
    }
}

impl<I: ExactSizeIterator, R: Recorder> ExactSizeIterator for InstrumentedIter<I, R> {}

impl<I: std::iter::FusedIterator, R: Recorder> std::iter::FusedIterator for InstrumentedIter<I, R> {}

/// A stream returned by a function instrumented with `stream` (feature
/// `stream`): times its first item and ends the call when it ends or is
/// dropped. A stream that is not `Unpin` is boxed.
#[cfg(feature = "stream")]
pub struct InstrumentedStream<S, R: Recorder> {
    inner: S,
    guard: Guard<R>,
    seen_first: bool,
}

#[cfg(feature = "stream")]
impl<S: fmt::Debug, R: Recorder> fmt::Debug for InstrumentedStream<S, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InstrumentedStream")
            .field("inner", &self.inner)
            .field("guard", &self.guard)
            .finish()
    }
}

#[cfg(feature = "stream")]
impl<S: futures_core::Stream + Unpin, R: Recorder + Unpin> futures_core::Stream
    for InstrumentedStream<S, R>
{
    type Item = S::Item;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        // `S: Unpin` and the other fields are plain data, so `Self: Unpin`.
        let this = self.get_mut();
        let inner = &mut this.inner;
        match this.guard.item(&mut this.seen_first, || {
            match Pin::new(inner).poll_next(cx) {
                Poll::Ready(item) => Some(item),
                Poll::Pending => None,
            }
        }) {
            Some(item) => Poll::Ready(item),
            None => Poll::Pending,
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

/// Chooses how a `stream` function's return value is wrapped (autoref
/// specialization on `&&&&StreamProbe`: an iterator, else an `Unpin` stream,
/// else a stream to box, else an error). Not a public API.
#[doc(hidden)]
pub struct StreamProbe<'a, T>(pub &'a T);

/// Not a public API.
#[doc(hidden)]
pub trait IterProbe {
    fn __metrics_stream_kind(&self) -> IterKind;
}
impl<T: Iterator> IterProbe for &&&StreamProbe<'_, T> {
    #[inline(always)]
    fn __metrics_stream_kind(&self) -> IterKind {
        IterKind
    }
}

/// Not a public API.
#[doc(hidden)]
pub trait UnpinStreamProbe {
    fn __metrics_stream_kind(&self) -> UnpinStreamKind;
}
#[cfg(feature = "stream")]
impl<T: futures_core::Stream + Unpin> UnpinStreamProbe for &&StreamProbe<'_, T> {
    #[inline(always)]
    fn __metrics_stream_kind(&self) -> UnpinStreamKind {
        UnpinStreamKind
    }
}

/// Not a public API.
#[doc(hidden)]
pub trait BoxStreamProbe {
    fn __metrics_stream_kind(&self) -> BoxStreamKind;
}
#[cfg(feature = "stream")]
impl<T: futures_core::Stream> BoxStreamProbe for &StreamProbe<'_, T> {
    #[inline(always)]
    fn __metrics_stream_kind(&self) -> BoxStreamKind {
        BoxStreamKind
    }
}

/// Not a public API.
#[doc(hidden)]
pub trait NotStreamProbe {
    fn __metrics_stream_kind(&self) -> NotStreamKind;
}
impl<T> NotStreamProbe for StreamProbe<'_, T> {
    #[inline(always)]
    fn __metrics_stream_kind(&self) -> NotStreamKind {
        NotStreamKind
    }
}

/// Not a public API.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct IterKind;

impl IterKind {
    /// Wraps an iterator.
    #[inline]
    pub fn wrap<I: Iterator, R: Recorder>(
        self,
        inner: I,
        mut guard: Guard<R>,
    ) -> InstrumentedIter<I, R> {
        guard.state = State::Suspended;
        InstrumentedIter {
            inner,
            guard,
            seen_first: false,
        }
    }
}

/// Not a public API.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct UnpinStreamKind;

#[cfg(feature = "stream")]
impl UnpinStreamKind {
    /// Wraps an `Unpin` stream.
    #[inline]
    pub fn wrap<S: futures_core::Stream + Unpin, R: Recorder>(
        self,
        inner: S,
        mut guard: Guard<R>,
    ) -> InstrumentedStream<S, R> {
        guard.state = State::Suspended;
        InstrumentedStream {
            inner,
            guard,
            seen_first: false,
        }
    }
}

/// Not a public API.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct BoxStreamKind;

#[cfg(feature = "stream")]
impl BoxStreamKind {
    /// Pins a stream that is not `Unpin` in a box, and wraps it.
    #[inline]
    pub fn wrap<S: futures_core::Stream, R: Recorder>(
        self,
        inner: S,
        guard: Guard<R>,
    ) -> InstrumentedStream<Pin<Box<S>>, R> {
        UnpinStreamKind.wrap(Box::pin(inner), guard)
    }
}

/// Implemented by nothing: the error a `stream` function gets when its return
/// value is neither an iterator nor a stream. Not a public API.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`stream` needs the function to return an `Iterator` or a `Stream`, and `{Self}` is neither",
    label = "not an `Iterator` nor a `Stream`",
    note = "return `impl Iterator<Item = …>`, or `impl Stream<Item = …>` with the `stream` feature of promstrict enabled; or remove `stream`"
)]
pub trait IteratorOrStream {}

/// Not a public API.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct NotStreamKind;

impl NotStreamKind {
    /// Never compiles; reports why.
    pub fn wrap<T: IteratorOrStream, R: Recorder>(self, inner: T, _guard: Guard<R>) -> T {
        inner
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Probe {
        entered: AtomicU64,
        exits: Mutex<Vec<Outcome>>,
        firsts: AtomicU64,
    }

    impl Probe {
        fn new() -> Self {
            Probe {
                entered: AtomicU64::new(0),
                exits: Mutex::new(Vec::new()),
                firsts: AtomicU64::new(0),
            }
        }
    }

    impl Recorder for &Probe {
        fn enter(&self) {
            self.entered.fetch_add(1, Relaxed);
        }
        fn exit(&self, outcome: Outcome, seconds: f64) {
            assert!(seconds >= 0.0);
            self.exits.lock().unwrap().push(outcome);
        }
        fn first_item(&self, _: f64) {
            self.firsts.fetch_add(1, Relaxed);
        }
    }

    #[test]
    fn a_guard_records_exactly_once() {
        let probe = Probe::new();
        Guard::sync(&probe).finish(Outcome::Error);
        drop(Guard::sync(&probe));
        drop(Guard::future(&probe));
        assert_eq!(probe.entered.load(Relaxed), 3);
        assert_eq!(
            *probe.exits.lock().unwrap(),
            [Outcome::Error, Outcome::Panic, Outcome::Cancelled]
        );
    }

    #[test]
    // The borrows are the autoref specialization under test.
    #[allow(clippy::needless_borrow)]
    fn outcome_probe_sees_errors_only_in_is_error_types() {
        fn outcome<T>(value: &T) -> Outcome {
            // Generic context: always the fallback (the macro probes concrete types).
            (&&OutcomeProbe(value)).__metrics_outcome()
        }
        let err: Result<(), ()> = Err(());
        assert_eq!((&&OutcomeProbe(&err)).__metrics_outcome(), Outcome::Error);
        assert_eq!(
            (&&OutcomeProbe(&Ok::<u8, ()>(1))).__metrics_outcome(),
            Outcome::Ok
        );
        assert_eq!((&&OutcomeProbe(&5u8)).__metrics_outcome(), Outcome::Ok);
        assert_eq!(outcome(&err), Outcome::Ok);
    }

    #[test]
    fn an_instrumented_iterator_ends_ok_or_cancelled() {
        let probe = Probe::new();
        let all: Vec<u8> = IterKind
            .wrap([1u8, 2, 3].into_iter(), Guard::sync(&probe))
            .collect();
        assert_eq!(all, [1, 2, 3]);
        let mut partial = IterKind.wrap([1u8, 2].into_iter(), Guard::sync(&probe));
        assert_eq!(partial.next(), Some(1));
        drop(partial);
        let empty = IterKind
            .wrap(std::iter::empty::<u8>(), Guard::sync(&probe))
            .count();
        assert_eq!(empty, 0);
        assert_eq!(
            *probe.exits.lock().unwrap(),
            [Outcome::Ok, Outcome::Cancelled, Outcome::Ok]
        );
        assert_eq!(probe.firsts.load(Relaxed), 2);
    }

    #[test]
    fn outcome_is_a_label_value() {
        for (i, o) in Outcome::ALL.into_iter().enumerate() {
            assert_eq!(o.index(), i);
            assert_eq!(Outcome::name_at(i), Some(o.as_str()));
        }
        assert_eq!(Outcome::name_at(4), None);
    }

    #[test]
    fn callsites_with_the_same_labels_are_merged_across_bounds() {
        let bounds = [1.0, 2.0];
        let a = AtomicHistogram::new(&Buckets::new(&bounds).unwrap());
        let b = AtomicHistogram::new(&Buckets::new(&[0.5, 1.5, 3.0]).unwrap());
        a.observe(0.5);
        b.observe(0.2);
        b.observe(1.2);
        b.observe(9.0);
        let mut counts = [0u64; 3];
        let sum = accumulate(&a, &bounds, &mut counts) + accumulate(&b, &bounds, &mut counts);
        // b's (0, 0.5] -> le=1, (1, 1.5] -> le=2, (3, +Inf] -> +Inf.
        assert_eq!(counts, [2, 1, 1]);
        assert_eq!(sum, 0.5 + 0.2 + 1.2 + 9.0);
    }
}
