//! The bare form: one static callsite per function, read by collectors that
//! expose the built-in `function_*` families.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Mutex, OnceLock};

use super::guard::Recorder;
use super::Outcome;
use crate::label::Labels;
use crate::metric::exemplar::current_exemplar;
use crate::metric::histogram::{AtomicHistogram, Buckets, MAX_BUCKETS};
use crate::metric::native_histogram::{AtomicNativeHistogram, NativeOptions, NativeSnapshot};
use crate::metric::{Exemplar, Metric, MetricType, SeriesExtras, SeriesValue, SeriesVisitor};
use crate::registry::{default_registry, Descriptor, MetricGroup, Registry, RegistryError};
use crate::{AlertSettings, Objective};

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
    /// `objective(latency = …, percent = …)`: threshold and percentage, and
    /// the page and ticket alerts' `for` and severity.
    objective: Option<(f64, f64, [Option<&'static str>; 4])>,
    /// `native(…)`: schema, max buckets and zero threshold (checked at
    /// compile time).
    native: Option<(i32, usize, f64)>,
    cells: OnceLock<Cells>,
}

struct Cells {
    /// Calls started; in flight = started - recorded.
    started: AtomicU64,
    /// Durations, one histogram per outcome (indexed by `Outcome as usize`).
    by_outcome: [AtomicHistogram; 4],
    /// Time to first item (streaming functions only).
    first_item: Option<AtomicHistogram>,
    /// With `native`: every duration, whatever the outcome (`by_outcome`
    /// still counts the calls, and keeps the classic buckets if any).
    native: Option<AtomicNativeHistogram>,
    /// With `native`, for streaming functions: the time to first item.
    native_first_item: Option<AtomicNativeHistogram>,
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
            objective: None,
            native: None,
            cells: OnceLock::new(),
        }
    }

    /// The same callsite, recording durations (and times to first item)
    /// into native histograms too; `bounds` may then be empty (no classic
    /// buckets: the classic view is a count and a sum).
    pub const fn native(mut self, schema: i32, max_buckets: usize, zero_threshold: f64) -> Self {
        self.native = Some((schema, max_buckets, zero_threshold));
        self
    }

    /// The callsite of a function with a latency objective (checked at
    /// compile time against `bounds`); `alerts` are the page alert's `for`
    /// and severity, then the ticket alert's.
    pub const fn with_objective(
        function: &'static str,
        module: &'static str,
        bounds: &'static [f64],
        streaming: bool,
        threshold: f64,
        percent: f64,
        alerts: [Option<&'static str>; 4],
    ) -> Self {
        Callsite {
            function,
            module,
            bounds,
            streaming,
            objective: Some((threshold, percent, alerts)),
            native: None,
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
            let native = self
                .native
                .and_then(|(schema, max, zero)| NativeOptions::new(schema, max, zero).ok());
            let buckets = match (&native, self.bounds) {
                // A count and a sum per outcome: the buckets are native.
                (Some(_), []) => Buckets::count_only(),
                _ => Buckets::new(self.bounds).unwrap_or_default(),
            };
            let histogram = || AtomicHistogram::new(&buckets);
            let native_histogram = || native.as_ref().map(AtomicNativeHistogram::new);
            Cells {
                started: AtomicU64::new(0),
                by_outcome: [histogram(), histogram(), histogram(), histogram()],
                first_item: self.streaming.then(histogram),
                native: native_histogram(),
                native_first_item: native_histogram().filter(|_| self.streaming),
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
        let histogram = &self.0.by_outcome[outcome as usize];
        observe(histogram, self.0.native.as_ref(), seconds);
    }

    #[inline]
    fn first_item(&self, seconds: f64) {
        if let Some(h) = &self.0.first_item {
            observe(h, self.0.native_first_item.as_ref(), seconds);
        }
    }
}

/// Records `seconds` into `classic` and, with `native`, into it too, with
/// the current trace's exemplar if there is one.
#[inline]
fn observe(classic: &AtomicHistogram, native: Option<&AtomicNativeHistogram>, seconds: f64) {
    match current_exemplar() {
        None => {
            classic.observe(seconds);
            if let Some(native) = native {
                native.observe(seconds);
            }
        }
        Some(exemplar) => {
            classic.observe_with_exemplar(seconds, &exemplar);
            if let Some(native) = native {
                native.observe_with_exemplar(seconds, &exemplar);
            }
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
pub(super) fn accumulate(histogram: &AtomicHistogram, bounds: &[f64], counts: &mut [u64]) -> f64 {
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
    native: Option<&NativeSnapshot>,
    visitor: &mut dyn SeriesVisitor,
) {
    let n = bounds.len() + 1;
    let mut counts = [0u64; MAX_BUCKETS + 1];
    let counts = &mut counts[..n];
    let mut exemplars: [Option<Exemplar>; MAX_BUCKETS + 1] = Default::default();
    let exemplars = &mut exemplars[..n];
    let mut sum = 0.0;
    let mut any_exemplar = false;
    for h in histograms {
        sum += accumulate(h, bounds, counts);
        any_exemplar |= merge_exemplars(h, bounds, exemplars);
    }
    visitor.series_with_extras(
        Labels::Borrowed(&[("function", function), ("module", module)]),
        SeriesValue::Histogram {
            bounds,
            counts,
            sum,
        },
        SeriesExtras {
            created: None,
            exemplars: if any_exemplar { exemplars } else { &[] },
            native,
        },
    );
}

/// The native histograms of a group of callsites read as one series: only
/// when every callsite of the group has one (otherwise the group is exposed
/// through its classic view alone).
fn merged_native<'a>(
    natives: impl Iterator<Item = Option<&'a AtomicNativeHistogram>>,
) -> Option<NativeSnapshot> {
    let snapshots: Option<Vec<NativeSnapshot>> = natives
        .map(|n| n.map(AtomicNativeHistogram::snapshot))
        .collect();
    NativeSnapshot::merged(snapshots?.iter())
}

/// Folds `histogram`'s bucket exemplars into `out` (bucketed by `bounds`, as
/// [`accumulate`] folds its counts), keeping the latest of each bucket.
/// Whether it had any.
fn merge_exemplars(
    histogram: &AtomicHistogram,
    bounds: &[f64],
    out: &mut [Option<Exemplar>],
) -> bool {
    let Some(cells) = histogram.exemplar_cells() else {
        return false;
    };
    let own_bounds = histogram.buckets().bounds();
    for (k, cell) in cells.iter().enumerate() {
        let Some(exemplar) = cell.load() else {
            continue;
        };
        let at = if own_bounds == bounds {
            k
        } else {
            let upper = own_bounds.get(k).copied().unwrap_or(f64::INFINITY);
            bounds.partition_point(|&b| b < upper)
        };
        Exemplar::keep_latest(&mut out[at], exemplar);
    }
    true
}

/// The latest exemplar recorded into any of `histograms`, with value 1 (a
/// call), for the call counter.
fn latest_call_exemplar<'a>(
    histograms: impl Iterator<Item = &'a AtomicHistogram>,
) -> Option<Exemplar> {
    let mut latest = None;
    for cells in histograms.filter_map(AtomicHistogram::exemplar_cells) {
        for exemplar in cells.iter().filter_map(|c| c.load()) {
            Exemplar::keep_latest(&mut latest, exemplar);
        }
    }
    latest.map(|e| e.with_value(1.0))
}

/// `function_duration_seconds`.
#[derive(Clone, Copy, Debug)]
struct DurationCollector;

impl Metric for DurationCollector {
    const TYPE: MetricType = MetricType::Histogram;

    fn visit(&self, visitor: &mut dyn SeriesVisitor) {
        CALLSITES.for_each_group(false, |function, module, group, bounds| {
            let histograms = group.iter().flat_map(|c| c.by_outcome.iter());
            let native = merged_native(group.iter().map(|c| c.native.as_ref()));
            visit_histograms(
                function,
                module,
                histograms,
                bounds,
                native.as_ref(),
                visitor,
            );
        });
    }

    /// The objectives of the functions called so far, each restricted to
    /// its function's series.
    fn objectives(&self) -> Vec<Objective> {
        let list = CALLSITES.lock();
        let mut objectives: Vec<Objective> = Vec::new();
        for callsite in list.iter() {
            let Some((threshold, percent, alerts)) = callsite.objective else {
                continue;
            };
            let own = |i: usize| alerts[i].map(str::to_owned);
            let mut objective = Objective::latency(threshold, percent)
                .only("function", callsite.function)
                .only("module", callsite.module);
            objective.page = AlertSettings {
                for_duration: own(0),
                severity: own(1),
            };
            objective.ticket = AlertSettings {
                for_duration: own(2),
                severity: own(3),
            };
            if !objectives.contains(&objective) {
                objectives.push(objective);
            }
        }
        objectives
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
                let exemplar =
                    latest_call_exemplar(group.iter().map(|c| &c.by_outcome[outcome as usize]));
                let exemplar = [exemplar];
                visitor.series_with_extras(
                    Labels::Borrowed(&[
                        ("function", function),
                        ("module", module),
                        ("outcome", outcome.as_str()),
                    ]),
                    SeriesValue::CounterU64(calls),
                    SeriesExtras {
                        created: None,
                        exemplars: if exemplar[0].is_some() {
                            &exemplar
                        } else {
                            &[]
                        },
                        native: None,
                    },
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
            let native = merged_native(group.iter().map(|c| c.native_first_item.as_ref()));
            visit_histograms(
                function,
                module,
                histograms,
                bounds,
                native.as_ref(),
                visitor,
            );
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
/// # extern crate promstrict_core as promstrict;
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
