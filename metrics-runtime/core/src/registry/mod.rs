//! The registry: named, described metrics, encoded on demand.

mod descriptor;
mod group;

pub use descriptor::{Descriptor, RegistryError};
#[doc(hidden)]
pub use group::derived_metric;
pub use group::MetricGroup;

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, OnceLock, RwLock, RwLockReadGuard};

use crate::encoding::text::{self, ChunkSink, FamilyHeader, PrefixCache, SampleWriter, Sink};
use crate::encoding::Format;
use crate::label::Labels;
use crate::metric::{DynMetric, Metric, MetricType, SeriesExtras, SeriesValue, SeriesVisitor};
use promstrict_rules::objectives::{check_objective, LabelValues, Objective};

use crate::generate::{Catalog, CatalogFamily, DashboardOptions, RulesOptions};
use crate::naming::{
    check_declared_unit, check_label_name, check_legacy_name, check_metric_name, check_namespace,
    NameError,
};

struct Entry {
    /// Full sample name (namespace applied).
    name: String,
    /// Who registered it.
    owner: String,
    /// Whether it may take names reserved for the built-in families.
    claims_reservation: bool,
    help: String,
    unit: Option<String>,
    /// The descriptor's and the registry's constant labels.
    const_labels: Vec<(String, String)>,
    /// `const_labels` rendered once as `k="v",…`.
    const_labels_text: String,
    metric: Box<dyn DynMetric>,
    /// The family's labels (not the constant ones).
    labels: &'static [crate::LabelDescriptor],
    /// Its series' sample-line prefixes, rendered once.
    prefixes: PrefixCache,
    /// A histogram's bucket bounds.
    bounds: Vec<f64>,
    /// Added to after registration ([`Registry::add_objective`]), under the
    /// registry's write lock; the mutex only makes that possible through
    /// the shared entry.
    objectives: std::sync::Mutex<Vec<Objective>>,
    group: Option<String>,
}

#[derive(Default)]
struct Inner {
    /// Shared so that an encoder takes a snapshot of the list and reads the
    /// metrics without the lock: a slow scrape (a client reading a streamed
    /// body slowly) holds up neither registration nor other scrapes.
    entries: Vec<Arc<Entry>>,
    /// Every name a metric puts in an exposition (families in both formats,
    /// samples, and the `_created` OpenMetrics reserves), to the metric owning it.
    taken: HashMap<String, Taken>,
}

/// The holder of an exposition name.
struct Taken {
    /// The metric's name.
    metric: String,
    /// Who registered it.
    owner: String,
    /// Kept for the built-in families, which have not registered yet.
    reserved: bool,
}

/// Named metrics, encoded on demand in either format.
///
/// Registration takes `&self` (the registry locks internally), so one registry
/// can be shared, and the [default registry](default_registry) is a plain static.
/// Encoding only reads the metrics' atomics under a read lock: it never blocks
/// an `inc()` or an `observe()`.
///
/// ```
/// # extern crate promstrict_core as promstrict;
/// use promstrict::{Counter, Format, Gauge, Registry};
///
/// let registry = Registry::with_namespace("app");
/// let requests = registry.register("requests_total", "Requests served.", Counter::new())?;
/// let queue = registry.register("queue_depth", "Jobs waiting.", Gauge::new())?;
/// requests.inc();
/// queue.set(3);
/// assert!(registry.register("requests_total", "again", Counter::new()).is_err());
/// let expected = [
///     "# HELP app_requests_total Requests served.",
///     "# TYPE app_requests_total counter",
///     "app_requests_total 1",
///     "# HELP app_queue_depth Jobs waiting.",
///     "# TYPE app_queue_depth gauge",
///     "app_queue_depth 3",
/// ];
/// assert_eq!(registry.encode(Format::Prometheus), expected.join("\n") + "\n");
/// # Ok::<(), promstrict::RegistryError>(())
/// ```
#[derive(Default)]
pub struct Registry {
    namespace: Option<String>,
    const_labels: Vec<(String, String)>,
    inner: RwLock<Inner>,
    /// Families left out of an exposition because reading them failed.
    collector_failures: AtomicU64,
    /// Whether OpenMetrics expositions carry `_created` samples.
    created_samples: AtomicBool,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("namespace", &self.namespace)
            .field("const_labels", &self.const_labels)
            .field("metrics", &self.names())
            .finish()
    }
}

/// A metric's description as a [`Registry::collect`] visitor sees it.
#[derive(Clone, Copy, Debug)]
pub struct FamilyInfo<'a> {
    /// Full sample name (namespace applied; a counter's ends in `_total`).
    pub name: &'a str,
    /// Help text.
    pub help: &'a str,
    /// Declared unit.
    pub unit: Option<&'a str>,
    /// Metric type.
    pub metric_type: MetricType,
    /// Constant labels of every series.
    pub const_labels: &'a [(String, String)],
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Registry::default()
    }

    /// An empty registry that prefixes every name with `namespace_`.
    pub fn with_namespace(namespace: impl Into<String>) -> Self {
        Registry {
            namespace: Some(namespace.into()),
            ..Registry::default()
        }
    }

    /// Adds a label with the same value to every series of every metric
    /// registered from now on. Refused for an invalid label name.
    pub fn with_const_label(
        mut self,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<Self, RegistryError> {
        let name = name.into();
        check_label_name(&name)?;
        if self.const_labels.iter().any(|(n, _)| *n == name) {
            return Err(NameError::new(&name, "this constant label is set twice").into());
        }
        self.const_labels.push((name, value.into()));
        Ok(self)
    }

    fn read(&self) -> RwLockReadGuard<'_, Inner> {
        // Registration validates before it mutates, so a panic while holding
        // the lock cannot leave `Inner` half-updated: poisoning is harmless.
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers `metric` under `name` and returns it (a handle to the same
    /// storage) for use. The name, help text and labels are checked by the
    /// same rules, with the same messages, as `#[derive(Metrics)]` checks
    /// them at compile time; [`Descriptor::allow_legacy_name`] keeps a name
    /// they refuse.
    #[track_caller]
    pub fn register<M: Metric>(
        &self,
        name: impl Into<Cow<'static, str>>,
        help: impl Into<Cow<'static, str>>,
        metric: M,
    ) -> Result<M, RegistryError> {
        self.register_with(Descriptor::new(name, help), metric)
    }

    /// Registers `metric` as described by `descriptor` and returns it.
    #[track_caller]
    pub fn register_with<M: Metric>(
        &self,
        descriptor: Descriptor,
        metric: M,
    ) -> Result<M, RegistryError> {
        let mut group = MetricGroup::new();
        group.add(descriptor, &metric);
        self.register_group(group)?;
        Ok(metric)
    }

    /// Registers every metric of `group`, or none of them if any is refused.
    pub fn register_group(&self, group: MetricGroup) -> Result<(), RegistryError> {
        let mut prepared = Vec::with_capacity(group.members.len());
        for (descriptor, metric, labels) in group.members {
            prepared.push(self.prepare(descriptor, metric, labels)?);
        }
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        // Check every name against the registry and the rest of the group
        // before inserting any, so an error leaves the registry untouched.
        let mut added: HashMap<String, (&str, &str)> = HashMap::new();
        for entry in &prepared {
            for taken in exposed_names(&entry.name, entry.metric.metric_type()) {
                let holder = match inner.taken.get(&taken) {
                    Some(t) if t.reserved && entry.claims_reservation => None,
                    Some(t) => Some((t.metric.as_str(), t.owner.as_str())),
                    None => None,
                };
                if let Some((existing, owner)) = holder.or_else(|| added.get(&taken).copied()) {
                    return Err(RegistryError::Duplicate {
                        name: entry.name.clone(),
                        clash: taken,
                        existing: existing.to_owned(),
                        owner: owner.to_owned(),
                    });
                }
                added.insert(taken, (&entry.name, &entry.owner));
            }
        }
        drop(added);
        for entry in prepared {
            for taken in exposed_names(&entry.name, entry.metric.metric_type()) {
                let holder = Taken {
                    metric: entry.name.clone(),
                    owner: entry.owner.clone(),
                    reserved: false,
                };
                inner.taken.insert(taken, holder);
            }
            inner.entries.push(Arc::new(entry));
        }
        Ok(())
    }

    /// Keeps the names of a group's metrics for the built-in families that
    /// register them later, so that a metric of the user's cannot take them
    /// first (and gets an error naming `owner` instead).
    pub(crate) fn reserve(&self, group: &MetricGroup, owner: &str) {
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        for (descriptor, metric, _) in &group.members {
            for taken in exposed_names(&descriptor.name, metric.metric_type()) {
                let holder = Taken {
                    metric: descriptor.name.clone().into_owned(),
                    owner: owner.to_owned(),
                    reserved: true,
                };
                inner.taken.entry(taken).or_insert(holder);
            }
        }
    }

    fn prepare(
        &self,
        descriptor: Descriptor,
        metric: Box<dyn DynMetric>,
        family_labels: &'static [crate::LabelDescriptor],
    ) -> Result<Entry, RegistryError> {
        let metric_type = metric.metric_type();
        let name = match &self.namespace {
            Some(ns) => format!("{ns}_{}", descriptor.name),
            None => descriptor.name.clone().into_owned(),
        };
        if descriptor.legacy_name {
            check_legacy_name(&name, metric_type)?;
        } else {
            if let Some(ns) = &self.namespace {
                check_namespace(ns)?;
            }
            check_metric_name(&descriptor.name, metric_type)?;
        }
        if descriptor.help.trim().is_empty() {
            return Err(RegistryError::MissingHelp { name });
        }
        let unit = match descriptor.unit.as_deref() {
            Some(unit) if descriptor.legacy_name => {
                check_unit(&name, metric_type, unit)?;
                Some(unit.to_owned())
            }
            Some(unit) => {
                check_declared_unit(unit, &descriptor.name, metric_type)?;
                Some(unit.to_owned())
            }
            None => promstrict_rules::names::unit_of_name(&name, metric_type).map(str::to_owned),
        };
        let mut const_labels: Vec<(String, String)> = self.const_labels.clone();
        const_labels.extend(
            descriptor
                .const_labels
                .iter()
                .map(|(k, v)| (k.clone().into_owned(), v.clone().into_owned())),
        );
        let family_names = family_labels.iter().map(|l| l.name);
        // A state set labels its series with its own name.
        let own_label = (metric_type == MetricType::StateSet).then_some(name.as_str());
        let all_names: Vec<&str> = const_labels
            .iter()
            .map(|(k, _)| k.as_str())
            .chain(family_names)
            .chain(own_label)
            .collect();
        for (i, label) in all_names.iter().enumerate() {
            check_label_name(label)?;
            if all_names[..i].contains(label) {
                return Err(
                    NameError::new(label, "this label name is used twice on one metric").into(),
                );
            }
        }
        let const_names: Vec<&str> = const_labels.iter().map(|(k, _)| k.as_str()).collect();
        metric.reserve_label_names(&const_names)?;
        let bounds = metric.histogram_bounds().unwrap_or_default();
        for objective in &descriptor.objectives {
            check_objective_of(&name, objective, metric_type, family_labels, &bounds)?;
        }
        let mut const_labels_text = String::new();
        for (k, v) in &const_labels {
            if !const_labels_text.is_empty() {
                const_labels_text.push(',');
            }
            text::push_label(&mut const_labels_text, k, v);
        }
        Ok(Entry {
            name,
            owner: descriptor
                .owner
                .map_or_else(|| "an unnamed owner".to_owned(), Cow::into_owned),
            claims_reservation: descriptor.claims_reservation,
            help: descriptor.help.into_owned(),
            unit,
            const_labels,
            const_labels_text,
            metric,
            labels: family_labels,
            prefixes: PrefixCache::new(family_labels),
            bounds,
            objectives: std::sync::Mutex::new(descriptor.objectives),
            group: descriptor.group.map(Cow::into_owned),
        })
    }

    /// Encodes every metric in `format`.
    ///
    /// A convenience over [`encode_to`](Registry::encode_to), which streams
    /// the same bytes to any writer without holding them all.
    pub fn encode(&self, format: Format) -> String {
        let mut out = String::new();
        self.encode_into(format, &mut out);
        out
    }

    /// Appends the encoding of every metric to `out` (reuse the buffer between
    /// scrapes to skip the allocations).
    pub fn encode_into(&self, format: Format, out: &mut String) {
        self.encode_with(format, out, None);
    }

    /// Streams the encoding of every metric to `writer`, in chunks of about
    /// 64 KiB: however many series the registry holds, the encoder keeps one
    /// chunk (plus each series' pre-rendered line prefixes, kept from one
    /// scrape to the next), and the first chunk leaves before the last series
    /// is read. The bytes are those [`encode`](Registry::encode) returns.
    ///
    /// Each chunk is one `write_all`; wrap a writer that is slow per call
    /// (a socket, a compressor) as it is, without a `BufWriter`. The first
    /// error stops the writing and is returned (the rest of the registry is
    /// still read, not written). A family that cannot be read (see
    /// [`collector_failures`](Registry::collector_failures)) is left out
    /// whole, as in `encode`.
    ///
    /// ```
    /// # extern crate promstrict_core as promstrict;
    /// use promstrict::{Counter, Format, Registry};
    ///
    /// let registry = Registry::new();
    /// let jobs = registry.register("jobs_total", "Jobs run.", Counter::new())?;
    /// jobs.inc();
    ///
    /// // Any `io::Write`: a file, a socket, a compressor, a `Vec<u8>`.
    /// let mut body = Vec::new();
    /// registry.encode_to(&mut body, Format::OpenMetrics)?;
    /// assert_eq!(body, registry.encode(Format::OpenMetrics).into_bytes());
    /// assert!(body.ends_with(b"jobs_total 1\n# EOF\n"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn encode_to<W: std::io::Write + ?Sized>(
        &self,
        writer: &mut W,
        format: Format,
    ) -> std::io::Result<()> {
        let mut writer = writer;
        let mut sink = ChunkSink {
            writer: &mut writer,
            error: None,
        };
        let mut out = String::with_capacity(text::CHUNK + text::CHUNK / 4);
        self.encode_with(format, &mut out, Some(&mut sink));
        if !out.is_empty() {
            sink.flush(&mut out);
        }
        match sink.error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// [`encode_into`](Registry::encode_into) without the pre-rendered line
    /// prefixes: every line rendered from the labels, as before they were
    /// cached. For the benchmark suite, which measures both in one run, and
    /// the tests, which check that both write the same bytes.
    #[doc(hidden)]
    pub fn __encode_line_by_line_into(&self, format: Format, out: &mut String) {
        self.encode_text(format, out, None, false);
    }

    /// The text encoder: everything into `out`, or chunk by chunk into `sink`.
    fn encode_with(&self, format: Format, out: &mut String, sink: Option<&mut dyn Sink>) {
        self.encode_text(format, out, sink, true);
    }

    fn encode_text(
        &self,
        format: Format,
        out: &mut String,
        mut sink: Option<&mut dyn Sink>,
        prerendered: bool,
    ) {
        let created = self.created_samples.load(Relaxed);
        let entries = self.read().entries.clone();
        let mut scratch = String::new();
        for entry in &entries {
            let header = FamilyHeader {
                name: &entry.name,
                help: &entry.help,
                unit: entry.unit.as_deref(),
                metric_type: entry.metric.metric_type(),
                const_labels: &entry.const_labels_text,
            };
            let start = out.len();
            text::write_header(out, format, &header);
            let mut writer = SampleWriter {
                out,
                format,
                header: &header,
                scratch: &mut scratch,
                failed: false,
                created,
                prefixes: prerendered.then_some(&entry.prefixes),
                sink: match &mut sink {
                    Some(sink) => Some(&mut **sink),
                    None => None,
                },
                family_start: start,
                flat: None,
            };
            entry.metric.visit(&mut writer);
            if writer.failed {
                // The family is left out whole, header included (a family
                // fails before its first series, so before any of it left
                // for the writer).
                let from = writer.family_start;
                out.truncate(from);
                self.collector_failures.fetch_add(1, Relaxed);
            }
        }
        text::write_eof(out, format);
    }

    /// Encodes every metric in the Prometheus protobuf exposition format:
    /// length-delimited `io.prometheus.client.MetricFamily` messages (see
    /// [`protobuf`](crate::protobuf) for how each type is written). Native
    /// histograms reach Prometheus only this way.
    ///
    /// ```
    /// # extern crate promstrict_core as promstrict;
    /// use promstrict::{protobuf, NativeHistogram, Registry};
    ///
    /// let registry = Registry::new();
    /// let latency = registry.register("rpc_seconds", "RPC latency.", NativeHistogram::default())?;
    /// latency.observe(0.25);
    /// let families = protobuf::decode_delimited(&registry.encode_protobuf()).unwrap();
    /// let h = families[0].metric[0].histogram.as_ref().unwrap();
    /// assert_eq!((h.sample_count, h.schema), (1, 3));
    /// # Ok::<(), promstrict::RegistryError>(())
    /// ```
    #[cfg(feature = "protobuf")]
    #[cfg_attr(docsrs, doc(cfg(feature = "protobuf")))]
    pub fn encode_protobuf(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_protobuf_into(&mut out);
        out
    }

    /// Appends the protobuf encoding of every metric to `out`.
    #[cfg(feature = "protobuf")]
    #[cfg_attr(docsrs, doc(cfg(feature = "protobuf")))]
    pub fn encode_protobuf_into(&self, out: &mut Vec<u8>) {
        self.encode_protobuf_with(out, &mut |_| Ok(()))
            .expect("appending to a Vec cannot fail");
    }

    /// Streams the protobuf exposition to `writer`, family by family, in
    /// chunks of about 64 KiB: memory holds a chunk and the family being
    /// written, whatever the registry's size. The bytes are those
    /// [`encode_protobuf`](Registry::encode_protobuf) returns; the first
    /// error stops the writing and is returned.
    ///
    /// ```
    /// # extern crate promstrict_core as promstrict;
    /// use promstrict::{Counter, Registry};
    ///
    /// let registry = Registry::new();
    /// registry.register("jobs_total", "Jobs run.", Counter::new())?.inc();
    /// let mut body = Vec::new();
    /// registry.encode_protobuf_to(&mut body)?;
    /// assert_eq!(body, registry.encode_protobuf());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "protobuf")]
    #[cfg_attr(docsrs, doc(cfg(feature = "protobuf")))]
    pub fn encode_protobuf_to<W: std::io::Write + ?Sized>(
        &self,
        writer: &mut W,
    ) -> std::io::Result<()> {
        let mut out = Vec::with_capacity(text::CHUNK + text::CHUNK / 4);
        self.encode_protobuf_with(&mut out, &mut |out: &mut Vec<u8>| {
            if out.len() >= text::CHUNK {
                writer.write_all(out)?;
                out.clear();
            }
            Ok(())
        })?;
        if out.is_empty() {
            return Ok(());
        }
        writer.write_all(&out)
    }

    /// The protobuf encoder: each family appended to `out`, then `done`
    /// called (to hand full chunks on).
    #[cfg(feature = "protobuf")]
    fn encode_protobuf_with(
        &self,
        out: &mut Vec<u8>,
        done: &mut dyn FnMut(&mut Vec<u8>) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        use crate::encoding::protobuf::{write_family, FamilyBuilder};
        let created = self.created_samples.load(Relaxed);
        let inner = self.read();
        for entry in &inner.entries {
            let mut builder = FamilyBuilder::new(
                &entry.name,
                &entry.help,
                entry.unit.as_deref(),
                entry.metric.metric_type(),
                &entry.const_labels,
                created,
            );
            entry.metric.visit(&mut builder);
            if builder.failed {
                self.collector_failures.fetch_add(1, Relaxed);
            } else if !builder.family.metric.is_empty() {
                write_family(out, &builder.family);
                done(out)?;
            }
        }
        Ok(())
    }

    /// Writes (or stops writing) a `_created` sample for every counter,
    /// histogram and summary series in OpenMetrics expositions: when the
    /// series was created (a family's series: when it was first asked for),
    /// in Unix seconds. Off by default, as in client_golang, because it adds
    /// a series per series; Prometheus uses it to tell a counter created at
    /// 0 from one it missed the start of. The text format has no such sample.
    ///
    /// ```
    /// # extern crate promstrict_core as promstrict;
    /// use promstrict::{Counter, Format, Registry};
    ///
    /// let registry = Registry::new();
    /// registry.register("jobs_total", "Jobs run.", Counter::new())?;
    /// assert!(!registry.encode(Format::OpenMetrics).contains("jobs_created"));
    /// registry.set_created_samples(true);
    /// assert!(registry.encode(Format::OpenMetrics).contains("\njobs_created 1"));
    /// # Ok::<(), promstrict::RegistryError>(())
    /// ```
    pub fn set_created_samples(&self, on: bool) {
        self.created_samples.store(on, Relaxed);
    }

    /// Whether OpenMetrics expositions carry `_created` samples.
    pub fn created_samples(&self) -> bool {
        self.created_samples.load(Relaxed)
    }

    /// How many times a family was left out of an encoding because it could
    /// not be read: a scrape-time closure ([`GaugeFn`](crate::GaugeFn),
    /// [`CounterFn`](crate::CounterFn)) panicked or returned a value its type
    /// cannot hold. The rest of the exposition is written as usual.
    pub fn collector_failures(&self) -> u64 {
        self.collector_failures.load(Relaxed)
    }

    /// Reads every series of every metric, in registration order, without
    /// changing anything (dashboards, tests, custom exporters).
    ///
    /// ```
    /// # extern crate promstrict_core as promstrict;
    /// use promstrict::{Counter, Registry};
    ///
    /// let registry = Registry::new();
    /// registry.register("hits_total", "Hits.", Counter::new())?.inc_by(7);
    /// let mut seen = Vec::new();
    /// registry.collect(|family, _labels, value| seen.push((family.name.to_owned(), value.as_f64())));
    /// assert_eq!(seen, vec![("hits_total".to_owned(), 7.0)]);
    /// # Ok::<(), promstrict::RegistryError>(())
    /// ```
    pub fn collect(&self, mut f: impl FnMut(&FamilyInfo<'_>, Labels<'_>, SeriesValue<'_>)) {
        self.collect_with_extras(|family, labels, value, _| f(family, labels, value))
    }

    /// [`collect`](Self::collect), with what each series carries besides
    /// its value: its exemplars, its creation time, and a native
    /// histogram's buckets.
    ///
    /// ```
    /// # extern crate promstrict_core as promstrict;
    /// use promstrict::{NativeHistogram, Registry};
    ///
    /// let registry = Registry::new();
    /// registry.register("job_seconds", "Job time.", NativeHistogram::default())?.observe(3.0);
    /// let mut buckets = Vec::new();
    /// registry.collect_with_extras(|_, _, _, extras| {
    ///     if let Some(native) = extras.native {
    ///         buckets = native.positive.clone();
    ///     }
    /// });
    /// assert_eq!(buckets.len(), 1);
    /// # Ok::<(), promstrict::RegistryError>(())
    /// ```
    pub fn collect_with_extras(
        &self,
        mut f: impl FnMut(&FamilyInfo<'_>, Labels<'_>, SeriesValue<'_>, &SeriesExtras<'_>),
    ) {
        struct Adapter<'a, 'b, F> {
            info: &'a FamilyInfo<'b>,
            f: &'a mut F,
        }
        impl<F: FnMut(&FamilyInfo<'_>, Labels<'_>, SeriesValue<'_>, &SeriesExtras<'_>)>
            SeriesVisitor for Adapter<'_, '_, F>
        {
            fn series(&mut self, labels: Labels<'_>, value: SeriesValue<'_>) {
                (self.f)(self.info, labels, value, &SeriesExtras::default())
            }
            fn series_with_extras(
                &mut self,
                labels: Labels<'_>,
                value: SeriesValue<'_>,
                extras: SeriesExtras<'_>,
            ) {
                (self.f)(self.info, labels, value, &extras)
            }
        }
        let inner = self.read();
        for entry in &inner.entries {
            let info = FamilyInfo {
                name: &entry.name,
                help: &entry.help,
                unit: entry.unit.as_deref(),
                metric_type: entry.metric.metric_type(),
                const_labels: &entry.const_labels,
            };
            entry.metric.visit(&mut Adapter {
                info: &info,
                f: &mut f,
            });
        }
    }

    /// Declares a service-level objective for the registered metric `name`
    /// (its full name, namespace included, or the name it was registered
    /// under): the same checks as [`Descriptor::objective`], `Err` if there
    /// is no such metric or the objective does not fit it.
    ///
    /// ```
    /// # extern crate promstrict_core as promstrict;
    /// use promstrict::{Buckets, Histogram, Objective, Registry};
    ///
    /// let registry = Registry::with_namespace("shop");
    /// registry.register("checkout_duration_seconds", "Checkout time.", Histogram::new(Buckets::new(&[0.5, 1.0, 2.0])?))?;
    /// registry.add_objective("checkout_duration_seconds", Objective::latency(1.0, 99.5))?;
    /// assert!(registry.add_objective("checkout_duration_seconds", Objective::latency(1.0, 100.0)).is_err());
    /// assert!(registry.add_objective("nope_seconds", Objective::latency(1.0, 99.0)).is_err());
    /// assert!(registry.alert_rules(&Default::default()).contains("shop_checkout_duration_seconds_bucket"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_objective(&self, name: &str, objective: Objective) -> Result<(), RegistryError> {
        let full = match &self.namespace {
            Some(ns) if !name.starts_with(&format!("{ns}_")) => format!("{ns}_{name}"),
            _ => name.to_owned(),
        };
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        let entry = inner
            .entries
            .iter_mut()
            .find(|e| e.name == full || e.name == name)
            .ok_or_else(|| RegistryError::UnknownMetric {
                name: name.to_owned(),
            })?;
        check_objective_of(
            &entry.name,
            &objective,
            entry.metric.metric_type(),
            entry.labels,
            &entry.bounds,
        )?;
        entry
            .objectives
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(objective);
        Ok(())
    }

    /// What the registry knows about every metric (name, type, unit, help,
    /// labels, buckets, objectives, group), for generating alert rules and
    /// dashboards.
    pub fn catalog(&self) -> Catalog {
        let inner = self.read();
        let families = inner
            .entries
            .iter()
            .map(|e| CatalogFamily {
                name: e.name.clone(),
                metric_type: e.metric.metric_type(),
                help: e.help.clone(),
                unit: e.unit.clone(),
                labels: e.labels.iter().map(|l| l.name.to_owned()).collect(),
                buckets: e.bounds.clone(),
                objectives: e
                    .objectives
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .iter()
                    .cloned()
                    .chain(e.metric.objectives())
                    .collect(),
                group: e.group.clone(),
            })
            .collect();
        Catalog { families }
    }

    /// A Prometheus rules file (YAML, for `rule_files`) for every registered
    /// metric: recording rules for rates and quantiles, multi-window
    /// multi-burn-rate alerts for every objective, and the usual web-service
    /// alerts where the HTTP layer's and an LLM client's metrics are
    /// registered. See [`Catalog::alert_rules`].
    pub fn alert_rules(&self, options: &RulesOptions) -> String {
        self.catalog().alert_rules(options)
    }

    /// A Grafana dashboard (JSON, for import) for every registered metric.
    /// See [`Catalog::grafana_dashboard`].
    pub fn grafana_dashboard(&self, options: &DashboardOptions) -> String {
        self.catalog().grafana_dashboard(options)
    }

    /// The registered names, in registration order.
    pub fn names(&self) -> Vec<String> {
        self.read().entries.iter().map(|e| e.name.clone()).collect()
    }

    /// How many metrics are registered.
    pub fn len(&self) -> usize {
        self.read().entries.len()
    }

    /// Whether nothing is registered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Every name the metric `name` of type `t` puts into an exposition in either
/// format: the family names, the sample names, and `_created`, which
/// OpenMetrics reserves for counters, histograms and summaries.
fn exposed_names(name: &str, t: MetricType) -> Vec<String> {
    let mut names = vec![name.to_owned()];
    let family_om = text::family_name(name, t, Format::OpenMetrics);
    if family_om != name {
        names.push(family_om.to_owned());
    }
    let suffixes: &[&str] = match t {
        MetricType::Counter => &["_created"],
        MetricType::Histogram => &["_bucket", "_count", "_sum", "_created"],
        MetricType::Summary => &["_count", "_sum", "_created"],
        MetricType::GaugeHistogram => &["_bucket", "_gcount", "_gsum", "_count", "_sum"],
        MetricType::Gauge | MetricType::Info | MetricType::StateSet => &[],
    };
    names.extend(suffixes.iter().map(|s| format!("{family_om}{s}")));
    names
}

/// The rule book's verdict on `objective` for the metric `name`.
fn check_objective_of(
    name: &str,
    objective: &Objective,
    metric_type: MetricType,
    labels: &[crate::LabelDescriptor],
    bounds: &[f64],
) -> Result<(), RegistryError> {
    // A label's values are known when every index has its text; a bounded
    // label fills its slots at run time, so its values are not checked.
    let values: Vec<Option<Vec<&str>>> = labels
        .iter()
        .map(|l| (0..l.cardinality).map(|i| (l.name_at)(i)).collect())
        .collect();
    let label_values: Vec<LabelValues<'_>> = labels
        .iter()
        .zip(&values)
        .map(|(l, v)| LabelValues {
            name: l.name,
            values: v.as_deref(),
        })
        .collect();
    check_objective(objective, metric_type, &label_values, bounds).map_err(|e| {
        RegistryError::Objective {
            name: name.to_owned(),
            message: e.to_string(),
        }
    })
}

/// A unit declared for a legacy name: only what OpenMetrics requires.
fn check_unit(name: &str, t: MetricType, unit: &str) -> Result<(), NameError> {
    if t == MetricType::Info {
        return Err(NameError::new(
            name,
            "an info metric has no unit (OpenMetrics forbids it)",
        ));
    }
    if unit.is_empty()
        || !unit
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(NameError::new(
            unit,
            "a unit is lowercase snake_case, e.g. `seconds`",
        ));
    }
    let family = text::family_name(name, t, Format::OpenMetrics);
    let ends_with_unit = family
        .strip_suffix(unit)
        .is_some_and(|rest| rest.ends_with('_'));
    if !ends_with_unit {
        return Err(NameError::new(
            name,
            format!("the unit is `{unit}`, so the name must end in `_{unit}` (before `_total`)"),
        ));
    }
    Ok(())
}

/// The process-wide registry that derived metric structs' `global()` and
/// `#[instrument_latency]` register into.
///
/// ```
/// # extern crate promstrict_core as promstrict;
/// use promstrict::{default_registry, Format};
///
/// let text = default_registry().encode(Format::OpenMetrics);
/// assert!(text.ends_with("# EOF\n"));
/// ```
pub fn default_registry() -> &'static Registry {
    static DEFAULT: OnceLock<Registry> = OnceLock::new();
    DEFAULT.get_or_init(|| {
        let registry = Registry::new();
        crate::instrument::reserve_builtin_names(&registry);
        registry
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Counter, Family, Histogram, LabelDescriptor, LabelSet, LabelValue, Summary};

    #[derive(Clone, Copy)]
    struct Route {
        ok: bool,
        code: u8,
    }
    impl LabelSet for Route {
        const LABELS: &'static [LabelDescriptor] = &[
            LabelDescriptor::of::<bool>("ok"),
            LabelDescriptor::of::<bool>("code"),
        ];
        fn index(&self) -> usize {
            self.ok.index() * 2 + (self.code % 2) as usize
        }
    }

    fn registry() -> Registry {
        let registry = Registry::with_namespace("t")
            .with_const_label("zone", "a\"b")
            .unwrap();
        let c: Family<Route, Counter> = registry
            .register("reqs_total", "Requests.", Family::default())
            .unwrap();
        let h: Family<Route, Histogram> = registry
            .register("lat_seconds", "Latency.", Family::default())
            .unwrap();
        let s = registry
            .register("size_bytes", "Sizes.", Summary::default())
            .unwrap();
        for i in 0..4u8 {
            let labels = Route { ok: i < 2, code: i };
            c.labels(labels).inc_by(u64::from(i));
            h.labels(labels).observe(f64::from(i) / 10.0);
        }
        s.observe(3.0);
        registry
    }

    /// The line-by-line rendering, for comparison with the cached one.
    fn uncached(registry: &Registry, format: Format) -> String {
        let mut out = String::new();
        registry.__encode_line_by_line_into(format, &mut out);
        out
    }

    #[test]
    fn prerendered_series_match_the_line_by_line_rendering() {
        let registry = registry();
        for created in [false, true] {
            registry.set_created_samples(created);
            for format in [Format::Prometheus, Format::OpenMetrics] {
                let want = uncached(&registry, format);
                // First scrape renders the prefixes, the second copies them.
                assert_eq!(registry.encode(format), want);
                assert_eq!(registry.encode(format), want);
            }
        }
    }

    /// Families written from their own loop (one-line series with flat
    /// prefixes) agree with the line-by-line rendering while series appear
    /// between scrapes, and around those that take the general way (an
    /// exemplar, `_created`).
    #[test]
    fn plain_series_match_the_line_by_line_rendering_as_series_appear() {
        crate::bounded_label! {
            struct Shard { max: 40, overflow: "other" }
        }
        #[derive(Clone, Copy)]
        struct Sharded {
            shard: Shard,
        }
        impl LabelSet for Sharded {
            const LABELS: &'static [LabelDescriptor] = &[LabelDescriptor::of::<Shard>("shard")];
            fn index(&self) -> usize {
                self.shard.index()
            }
        }
        let registry = Registry::new();
        let ints: Family<Sharded, Counter> = registry
            .register("ints_total", "Integer counts.", Family::default())
            .unwrap();
        let floats: Family<Sharded, Counter<f64>> = registry
            .register("floats_total", "Float counts.", Family::default())
            .unwrap();
        let levels: Family<Sharded, crate::Gauge<i64>> = registry
            .register("levels", "Integer gauges.", Family::default())
            .unwrap();
        let ratios: Family<Route, crate::Gauge<f64>> = registry
            .register("ratios", "Float gauges (padded slots).", Family::default())
            .unwrap();
        let latencies: Family<Sharded, crate::Histogram> = registry
            .register("latency_seconds", "Histograms.", Family::default())
            .unwrap();
        let deltas: Family<Sharded, crate::Histogram> = registry
            .register(
                "delta",
                "Histograms over negative bounds.",
                Family::with_options(crate::Buckets::new(&[-1.0, 0.0, 1.0]).unwrap()),
            )
            .unwrap();
        let trace = crate::ExemplarLabels::new(&[("trace_id", "abc")]).unwrap();
        let shard = |i: usize| Sharded {
            shard: Shard::new(&format!("s{i}")),
        };
        for round in 0..4usize {
            for i in (round..40).step_by(3) {
                ints.labels(shard(i)).inc_by(i as u64 * 1_000_003);
                floats.labels(shard(i)).inc_by(i as f64 / 7.0).unwrap();
                levels.labels(shard(i)).set(-(i as i64) * 99);
                latencies.labels(shard(i)).observe(i as f64 / 100.0);
                latencies.labels(shard(i)).observe(f64::NAN);
                deltas.labels(shard(i)).observe(i as f64 - 20.5);
            }
            ratios
                .labels(Route {
                    ok: round % 2 == 0,
                    code: round as u8,
                })
                .set(round as f64 / 3.0);
            if round == 2 {
                ints.labels(shard(5)).inc_with_exemplar(&trace);
                latencies
                    .labels(shard(8))
                    .observe_with_exemplar(0.2, &trace);
            }
            for created in [false, true] {
                registry.set_created_samples(created);
                for format in [Format::Prometheus, Format::OpenMetrics] {
                    let want = uncached(&registry, format);
                    assert_eq!(registry.encode(format), want, "round {round}");
                    assert_eq!(registry.encode(format), want, "round {round}");
                    let mut streamed = Vec::new();
                    registry.encode_to(&mut streamed, format).unwrap();
                    assert_eq!(streamed, want.into_bytes(), "round {round}");
                }
            }
        }
    }

    /// A writer noting each write's size and keeping the bytes.
    struct Chunks(Vec<usize>, Vec<u8>);

    impl std::io::Write for Chunks {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.push(buf.len());
            self.1.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// A family whose prefixes outgrow the flat layout's limit is written
    /// the general way, to the same bytes.
    #[test]
    fn families_past_the_flat_limit_are_written_the_general_way() {
        crate::bounded_label! {
            struct Host { max: 1000, overflow: "other" }
        }
        #[derive(Clone, Copy)]
        struct Hosts {
            host: Host,
        }
        impl LabelSet for Hosts {
            const LABELS: &'static [LabelDescriptor] = &[LabelDescriptor::of::<Host>("host")];
            fn index(&self) -> usize {
                self.host.index()
            }
        }
        let registry = Registry::new();
        let small: Family<Hosts, Counter> = registry
            .register("small_total", "Under the limit.", Family::default())
            .unwrap();
        let large: Family<Hosts, Counter> = registry
            .register("large_total", "Over the limit.", Family::default())
            .unwrap();
        small
            .labels(Hosts {
                host: Host::new("a"),
            })
            .inc();
        for i in 0..1000u64 {
            let host = Host::new(&format!("host-{i:04}.example.org"));
            large.labels(Hosts { host }).inc_by(i);
        }
        for format in [Format::Prometheus, Format::OpenMetrics] {
            let want = uncached(&registry, format);
            assert_eq!(registry.encode(format), want);
            assert_eq!(registry.encode(format), want);
        }
        let inner = registry.read();
        let flat = |name: &str| {
            let entry = inner.entries.iter().find(|e| &*e.name == name).unwrap();
            entry.prefixes.flat(Hosts::LABELS).is_some()
        };
        assert!(flat("small_total"));
        assert!(
            !flat("large_total"),
            "{} bytes allowed",
            text::MAX_FLAT_BYTES
        );
    }

    #[test]
    fn encode_to_streams_the_same_bytes_in_chunks() {
        let registry = Registry::new();
        let family: Family<Route, Counter> = registry
            .register("reqs_total", "Requests.", Family::default())
            .unwrap();
        family.init_all();
        for i in 0..3000 {
            registry
                .register(format!("g{i}"), "A gauge.", crate::Gauge::new())
                .unwrap();
        }
        for format in [Format::Prometheus, Format::OpenMetrics] {
            let mut sink = Chunks(Vec::new(), Vec::new());
            registry.encode_to(&mut sink, format).unwrap();
            assert_eq!(sink.1, registry.encode(format).into_bytes());
            assert!(sink.0.len() > 1, "{:?}", sink.0);
            assert!(
                sink.0.iter().all(|n| *n < text::CHUNK + 4096),
                "{:?}",
                sink.0
            );
        }
    }

    #[cfg(feature = "protobuf")]
    #[test]
    fn protobuf_streams_the_same_bytes_in_chunks() {
        let registry = Registry::new();
        for i in 0..3000 {
            registry
                .register(format!("g{i}"), "A gauge.", crate::Gauge::<f64>::default())
                .unwrap()
                .set(f64::from(i) / 3.0);
        }
        let mut sink = Chunks(Vec::new(), Vec::new());
        registry.encode_protobuf_to(&mut sink).unwrap();
        assert!(sink.1 == registry.encode_protobuf());
        assert!(sink.0.len() > 1, "{:?}", sink.0);
        assert!(
            sink.0.iter().all(|n| *n < text::CHUNK + 4096),
            "{:?}",
            sink.0
        );
    }

    #[test]
    fn encode_to_returns_the_first_write_error() {
        struct Fails(usize);
        impl std::io::Write for Fails {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                self.0 += 1;
                Err(std::io::Error::other("broken pipe"))
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let registry = registry();
        let mut writer = Fails(0);
        let err = registry
            .encode_to(&mut writer, Format::OpenMetrics)
            .unwrap_err();
        assert_eq!(err.to_string(), "broken pipe");
        assert_eq!(writer.0, 1, "nothing more is written after an error");
    }
}
