//! Scrape-time values: a gauge or a counter whose value a closure computes
//! each time the registry is encoded (queue depths, cache sizes, pool stats,
//! totals kept by another library or by the operating system).

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use crate::label::Labels;
use crate::metric::{Metric, MetricType, SeriesValue, SeriesVisitor};

type ReadFn = Arc<dyn Fn() -> f64 + Send + Sync>;

/// Calls `read`, turning a panic into `None` (the family is then left out of
/// this scrape, and the registry counts the failure).
fn read_isolated(read: &ReadFn) -> Option<f64> {
    catch_unwind(AssertUnwindSafe(|| read())).ok()
}

/// A gauge whose value is read from a closure when the registry is encoded.
///
/// Registered like any metric, so its name follows the same rules. If the
/// closure panics, the scrape goes on without this family, and
/// [`Registry::collector_failures`](crate::Registry::collector_failures)
/// counts it.
///
/// ```
/// # extern crate promstrict_core as promstrict;
/// use std::sync::{Arc, Mutex};
/// use promstrict::{Format, GaugeFn, Registry};
///
/// let queue: Arc<Mutex<Vec<u32>>> = Arc::default();
/// let registry = Registry::new();
/// let watched = Arc::clone(&queue);
/// registry.register(
///     "queue_depth",
///     "Jobs waiting.",
///     GaugeFn::new(move || watched.lock().unwrap().len() as f64),
/// )?;
/// queue.lock().unwrap().extend([1, 2, 3]);
/// assert!(registry.encode(Format::Prometheus).contains("queue_depth 3.0\n"));
/// # Ok::<(), promstrict::RegistryError>(())
/// ```
#[derive(Clone)]
pub struct GaugeFn {
    read: ReadFn,
}

impl GaugeFn {
    /// A gauge reading `read()` at every scrape.
    pub fn new(read: impl Fn() -> f64 + Send + Sync + 'static) -> Self {
        GaugeFn {
            read: Arc::new(read),
        }
    }

    /// The value now (what a scrape would read); `None` if the closure
    /// panicked.
    pub fn get(&self) -> Option<f64> {
        read_isolated(&self.read)
    }
}

impl fmt::Debug for GaugeFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GaugeFn").finish_non_exhaustive()
    }
}

impl Metric for GaugeFn {
    const TYPE: MetricType = MetricType::Gauge;

    fn visit(&self, visitor: &mut dyn SeriesVisitor) {
        match self.get() {
            Some(v) => visitor.series(Labels::None, SeriesValue::GaugeF64(v)),
            None => visitor.failed(),
        }
    }
}

/// A counter whose total is read from a closure when the registry is
/// encoded: for totals something else keeps (CPU seconds from the operating
/// system, a connection pool's lifetime count).
///
/// A counter only goes up and is never negative: a closure that returns a
/// negative number or NaN, or panics, leaves the family out of that scrape
/// and is counted in
/// [`Registry::collector_failures`](crate::Registry::collector_failures).
///
/// ```
/// # extern crate promstrict_core as promstrict;
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use std::sync::Arc;
/// use promstrict::{CounterFn, Format, Registry};
///
/// let served = Arc::new(AtomicU64::new(0));
/// let registry = Registry::new();
/// let read = Arc::clone(&served);
/// registry.register(
///     "pool_connections_opened_total",
///     "Connections the pool has opened.",
///     CounterFn::new(move || read.load(Ordering::Relaxed) as f64),
/// )?;
/// served.fetch_add(2, Ordering::Relaxed);
/// assert!(registry
///     .encode(Format::OpenMetrics)
///     .contains("pool_connections_opened_total 2.0\n"));
/// # Ok::<(), promstrict::RegistryError>(())
/// ```
#[derive(Clone)]
pub struct CounterFn {
    read: ReadFn,
}

impl CounterFn {
    /// A counter reading its total from `read()` at every scrape.
    pub fn new(read: impl Fn() -> f64 + Send + Sync + 'static) -> Self {
        CounterFn {
            read: Arc::new(read),
        }
    }

    /// The total now (what a scrape would read); `None` if the closure
    /// panicked or returned a negative number or NaN.
    pub fn get(&self) -> Option<f64> {
        read_isolated(&self.read).filter(|v| *v >= 0.0)
    }
}

impl fmt::Debug for CounterFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CounterFn").finish_non_exhaustive()
    }
}

impl Metric for CounterFn {
    const TYPE: MetricType = MetricType::Counter;

    fn visit(&self, visitor: &mut dyn SeriesVisitor) {
        match self.get() {
            Some(v) => visitor.series(Labels::None, SeriesValue::CounterF64(v)),
            None => visitor.failed(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Counter, Format, Registry};

    #[test]
    fn a_panicking_or_invalid_closure_leaves_only_its_family_out() {
        let registry = Registry::new();
        registry
            .register("before_total", "Before.", Counter::new())
            .unwrap()
            .inc();
        registry
            .register(
                "broken_depth",
                "Panics.",
                GaugeFn::new(|| panic!("the pool is gone")),
            )
            .unwrap();
        registry
            .register(
                "negative_total",
                "Goes below zero.",
                CounterFn::new(|| -1.0),
            )
            .unwrap();
        registry
            .register("fine_depth", "Fine.", GaugeFn::new(|| 4.0))
            .unwrap();
        for format in [Format::Prometheus, Format::OpenMetrics] {
            let text = registry.encode(format);
            assert!(!text.contains("broken"), "{text}");
            assert!(!text.contains("negative"), "{text}");
            assert!(text.contains("before_total 1\n"), "{text}");
            assert!(text.contains("fine_depth 4"), "{text}");
        }
        assert_eq!(
            registry.collector_failures(),
            4,
            "two families, two scrapes"
        );
    }

    #[test]
    fn names_follow_the_rule_book() {
        let registry = Registry::new();
        assert!(registry
            .register("queue_size", "No unit word needed.", GaugeFn::new(|| 1.0))
            .is_ok());
        assert!(registry
            .register(
                "requests",
                "A counter without _total.",
                CounterFn::new(|| 1.0)
            )
            .is_err());
        assert!(registry
            .register("queue_size", "Taken.", GaugeFn::new(|| 1.0))
            .is_err());
    }
}

/// A set of series of one family, computed when the registry is encoded:
/// one value per combination of label values the collector finds then (a
/// queue depth per queue, a pool's connections per state). Register it
/// wrapped in [`GaugeSet`] or [`CounterSet`].
///
/// The label names are fixed and checked at registration like every other
/// label name; the values are whatever [`collect`](Collector::collect)
/// reports, so keep them a closed set. A scrape reads at most
/// [`MAX_COLLECTED_SERIES`] series of one collector; more, a panic, a value
/// count that does not match the label names, a duplicate set of values, or
/// (for a counter) a negative or NaN value leaves the family out of that
/// scrape, and [`Registry::collector_failures`](crate::Registry::collector_failures)
/// counts it.
///
/// ```
/// # extern crate promstrict_core as promstrict;
/// use std::collections::BTreeMap;
/// use std::sync::{Arc, Mutex};
/// use promstrict::{assert_sample, Collector, GaugeSet, Registry};
///
/// /// Jobs waiting, per queue.
/// struct Queues(Arc<Mutex<BTreeMap<&'static str, Vec<u64>>>>);
///
/// impl Collector for Queues {
///     fn label_names(&self) -> &[&'static str] {
///         &["queue"]
///     }
///     fn collect(&self, emit: &mut dyn FnMut(&[&str], f64)) {
///         for (queue, jobs) in self.0.lock().unwrap().iter() {
///             emit(&[queue], jobs.len() as f64);
///         }
///     }
/// }
///
/// let queues = Arc::new(Mutex::new(BTreeMap::from([("mail", vec![1, 2]), ("pdf", vec![])])));
/// let registry = Registry::new();
/// registry.register("queue_depth", "Jobs waiting.", GaugeSet::new(Queues(Arc::clone(&queues))))?;
/// assert_sample!(registry, "queue_depth", [("queue", "mail")], 2);
/// assert_sample!(registry, "queue_depth", [("queue", "pdf")], 0);
/// # Ok::<(), promstrict::RegistryError>(())
/// ```
pub trait Collector: Send + Sync + 'static {
    /// The label names of every series.
    fn label_names(&self) -> &[&'static str];

    /// Reports every series now: `emit(values, value)`, with one label value
    /// per label name, in the same order.
    fn collect(&self, emit: &mut dyn FnMut(&[&str], f64));
}

/// The most series one [`Collector`] may report in one scrape.
pub const MAX_COLLECTED_SERIES: usize = 10_000;

/// What a collector reported, read whole before anything is written, so that
/// a failure part-way leaves nothing behind.
fn gather(collector: &dyn Collector, counter: bool) -> Option<Vec<(Vec<String>, f64)>> {
    let arity = collector.label_names().len();
    let mut series: Vec<(Vec<String>, f64)> = Vec::new();
    let mut valid = true;
    let read = catch_unwind(AssertUnwindSafe(|| {
        collector.collect(&mut |values, v| {
            if !valid {
                return;
            }
            if values.len() != arity
                || series.len() == MAX_COLLECTED_SERIES
                || (counter && (v.is_nan() || v < 0.0))
            {
                valid = false;
                return;
            }
            series.push((values.iter().map(|s| (*s).to_owned()).collect(), v));
        })
    }));
    if read.is_err() || !valid {
        return None;
    }
    let mut keys: Vec<&Vec<String>> = series.iter().map(|(k, _)| k).collect();
    keys.sort();
    if keys.windows(2).any(|w| w[0] == w[1]) {
        return None;
    }
    Some(series)
}

fn visit_set(collector: &dyn Collector, counter: bool, visitor: &mut dyn SeriesVisitor) {
    let Some(series) = gather(collector, counter) else {
        visitor.failed();
        return;
    };
    let names = collector.label_names();
    let mut pairs: Vec<(&str, &str)> = Vec::with_capacity(names.len());
    for (values, v) in &series {
        pairs.clear();
        pairs.extend(names.iter().copied().zip(values.iter().map(String::as_str)));
        let value = if counter {
            SeriesValue::CounterF64(*v)
        } else {
            SeriesValue::GaugeF64(*v)
        };
        visitor.series(Labels::Borrowed(&pairs), value);
    }
}

/// The label names of a collector, checked as every label name is (and
/// against the registry's constant labels) when it is registered.
fn check_collector_labels(
    collector: &dyn Collector,
    const_names: &[&str],
) -> Result<(), crate::NameError> {
    let names = collector.label_names();
    for (i, name) in names.iter().enumerate() {
        crate::naming::check_label_name(name)?;
        if names[..i].contains(name) {
            return Err(crate::NameError::new(name, "this label name appears twice"));
        }
        if const_names.contains(name) {
            return Err(crate::NameError::new(
                name,
                "a constant label of the registry already has this name",
            ));
        }
    }
    Ok(())
}

macro_rules! collector_metric {
    ($(#[$doc:meta])* $name:ident, $type:expr, $counter:expr) => {
        $(#[$doc])*
        pub struct $name<C: Collector> {
            collector: Arc<C>,
        }

        impl<C: Collector> $name<C> {
            /// Wraps `collector`.
            pub fn new(collector: C) -> Self {
                $name {
                    collector: Arc::new(collector),
                }
            }
        }

        impl<C: Collector> Clone for $name<C> {
            fn clone(&self) -> Self {
                $name {
                    collector: Arc::clone(&self.collector),
                }
            }
        }

        impl<C: Collector> fmt::Debug for $name<C> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("labels", &self.collector.label_names())
                    .finish_non_exhaustive()
            }
        }

        impl<C: Collector> Metric for $name<C> {
            const TYPE: MetricType = $type;

            fn visit(&self, visitor: &mut dyn SeriesVisitor) {
                visit_set(&*self.collector, $counter, visitor);
            }

            fn reserve_label_names(&self, names: &[&str]) -> Result<(), crate::NameError> {
                check_collector_labels(&*self.collector, names)
            }
        }
    };
}

collector_metric!(
    /// A gauge family whose series a [`Collector`] reports at every scrape.
    GaugeSet,
    MetricType::Gauge,
    false
);

collector_metric!(
    /// A counter family whose series (totals that only go up) a
    /// [`Collector`] reports at every scrape.
    CounterSet,
    MetricType::Counter,
    true
);

#[cfg(test)]
mod set_tests {
    use super::*;
    use crate::{Format, Registry};

    struct Fixed(Vec<(Vec<&'static str>, f64)>, &'static [&'static str]);

    impl Collector for Fixed {
        fn label_names(&self) -> &[&'static str] {
            self.1
        }
        fn collect(&self, emit: &mut dyn FnMut(&[&str], f64)) {
            for (values, v) in &self.0 {
                emit(values, *v);
            }
        }
    }

    #[test]
    fn bad_label_names_are_refused_at_registration() {
        let registry = Registry::new().with_const_label("zone", "a").unwrap();
        for names in [
            &["le"][..],
            &["Queue"],
            &["q", "q"],
            &["zone"],
            &["user_id"][..0],
        ] {
            let names: &'static [&'static str] = Box::leak(names.to_vec().into_boxed_slice());
            let result = registry.register(
                format!("q{}_depth", names.len()),
                "Depth.",
                GaugeSet::new(Fixed(vec![], names)),
            );
            assert_eq!(result.is_err(), !names.is_empty(), "{names:?}");
        }
    }

    #[test]
    fn a_bad_collection_leaves_only_its_family_out() {
        let registry = Registry::new();
        let register = |name: &'static str, series: Vec<(Vec<&'static str>, f64)>| {
            registry
                .register(name, "x", CounterSet::new(Fixed(series, &["kind"])))
                .unwrap();
        };
        register("good_total", vec![(vec!["a"], 1.0), (vec!["b"], 2.0)]);
        register("arity_total", vec![(vec!["a", "b"], 1.0)]);
        register("negative_total", vec![(vec!["a"], -1.0)]);
        register("twice_total", vec![(vec!["a"], 1.0), (vec!["a"], 2.0)]);
        let text = registry.encode(Format::OpenMetrics);
        assert!(text.contains("good_total{kind=\"a\"} 1.0\n"), "{text}");
        assert!(text.contains("good_total{kind=\"b\"} 2.0\n"), "{text}");
        for gone in ["arity", "negative", "twice"] {
            assert!(!text.contains(gone), "{text}");
        }
        assert_eq!(registry.collector_failures(), 3);
    }
}
