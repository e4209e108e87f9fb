//! A [Prometheus remote write 1.0](https://prometheus.io/docs/specs/prw/remote_write_spec/)
//! sender: every interval, a background tokio task reads a registry into a
//! timestamped batch, and a sender posts the batches, oldest first, to a
//! receiver (Prometheus with `--web.enable-remote-write-receiver`, Mimir,
//! Thanos, VictoriaMetrics, …).
//!
//! - Samples are named as the text format names them: a histogram is its
//!   `_bucket{le=…}`, `_count` and `_sum` series, a summary its `_count` and
//!   `_sum`; constant labels and the configured external labels are added,
//!   and the labels of a series are sorted by name, `__name__` first.
//! - Each request is a protobuf `WriteRequest` of at most
//!   [`max_samples_per_send`](RemoteWriteBuilder::max_samples_per_send)
//!   samples (and the families' metadata), snappy-compressed (block format),
//!   posted with `Content-Encoding: snappy`,
//!   `Content-Type: application/x-protobuf` and
//!   `X-Prometheus-Remote-Write-Version: 0.1.0`.
//! - Batches wait in a queue bounded in samples
//!   ([`queue_capacity`](RemoteWriteBuilder::queue_capacity)). One request is
//!   in flight at a time, so each series' samples arrive in order.
//! - A 5xx or 429 answer, a network error or a timeout is retried with
//!   exponential backoff (capped), for as long as it takes; any other 4xx
//!   answer is not retried and its samples count as failed.
//! - When the queue is full, the oldest batches are dropped and counted.
//! - [`RemoteWriteHandle::shutdown`] collects one last time and sends what is
//!   queued, within a deadline.
//!
//! The sender counts what it does, in [`RemoteWriteStats`] and, if given a
//! registry with [`metrics_registry`](RemoteWriteBuilder::metrics_registry),
//! as metrics:
//!
//! | metric | what |
//! |--------|------|
//! | `promstrict_remote_write_samples_sent_total` | samples the receiver accepted |
//! | `promstrict_remote_write_samples_failed_total` | samples refused with a 4xx answer (other than 429) |
//! | `promstrict_remote_write_samples_dropped_total` | samples dropped from a full queue, or left at a shutdown past its deadline |
//! | `promstrict_remote_write_retries_total` | requests sent again after a retryable failure |
//! | `promstrict_remote_write_queue_samples` | samples waiting, the request in flight included |
//!
//! ```no_run
//! # mod promstrict { pub use promstrict_core::*; pub use promstrict_serve::remote_write; }
//! use std::sync::Arc;
//! use std::time::Duration;
//! use promstrict::remote_write::RemoteWrite;
//! use promstrict::{Counter, Registry};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let registry = Arc::new(Registry::new());
//! let jobs = registry.register("jobs_total", "Jobs run.", Counter::new())?;
//!
//! let sender = RemoteWrite::builder("http://127.0.0.1:9090/api/v1/write")
//!     .registry(&registry)
//!     .interval(Duration::from_secs(15))
//!     .external_label("instance", "worker-1")
//!     .metrics_registry(&registry)
//!     .spawn()?;
//! jobs.inc();
//! // …the program's work…
//! let report = sender.shutdown(Duration::from_secs(5)).await;
//! assert!(report.flushed);
//! # Ok(())
//! # }
//! ```
//!
//! The sender speaks plain HTTP; put a TLS proxy in front of a receiver
//! reached over https.

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::Method;
use promstrict_core::{
    check_label_name, default_registry, Counter, FamilyInfo, Format, Gauge, Labels, Registry,
    RegistryError, SeriesValue,
};
use tokio::sync::{oneshot, Notify};
use tokio::task::JoinHandle;

use crate::client::{Auth, BaseUrl, HttpClient, SendError};
use crate::RegistryRef;

pub mod proto;

use proto::{Label, MetricMetadata, Sample, TimeSeries};

/// Default collection interval: 15 seconds.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(15);
/// Default queue capacity: 500,000 samples.
pub const DEFAULT_QUEUE_CAPACITY: usize = 500_000;
/// Default largest request: 2,000 samples.
pub const DEFAULT_MAX_SAMPLES_PER_SEND: usize = 2_000;
/// Default timeout of one request: 30 seconds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default first retry delay: 30 milliseconds (doubled on each retry).
pub const DEFAULT_MIN_BACKOFF: Duration = Duration::from_millis(30);
/// Default longest retry delay: 5 seconds.
pub const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Why a sender could not be started.
#[derive(Debug)]
#[non_exhaustive]
pub enum RemoteWriteError {
    /// The URL, the credentials, an external label or a setting cannot be
    /// used.
    Config(String),
    /// The sender's own metrics could not be registered (a name is taken).
    Register(RegistryError),
    /// [`RemoteWriteBuilder::spawn`] was called outside a tokio runtime.
    NoRuntime,
}

impl fmt::Display for RemoteWriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RemoteWriteError::Config(why) => write!(f, "remote write: {why}"),
            RemoteWriteError::Register(e) => {
                write!(f, "remote write: registering its metrics failed: {e}")
            }
            RemoteWriteError::NoRuntime => f.write_str(
                "remote write: `spawn` needs a tokio runtime (call it inside one, e.g. under #[tokio::main])",
            ),
        }
    }
}

impl std::error::Error for RemoteWriteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RemoteWriteError::Register(e) => Some(e),
            _ => None,
        }
    }
}

/// The entry point; see the [module](self) documentation.
#[derive(Debug)]
pub struct RemoteWrite(());

impl RemoteWrite {
    /// Starts configuring a sender to the receiver at `url`
    /// (`http://host:9090/api/v1/write` for Prometheus).
    pub fn builder(url: impl Into<String>) -> RemoteWriteBuilder {
        RemoteWriteBuilder {
            url: url.into(),
            registry: RegistryRef::Static(default_registry()),
            interval: DEFAULT_INTERVAL,
            external_labels: Vec::new(),
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
            max_samples_per_send: DEFAULT_MAX_SAMPLES_PER_SEND,
            timeout: DEFAULT_TIMEOUT,
            min_backoff: DEFAULT_MIN_BACKOFF,
            max_backoff: DEFAULT_MAX_BACKOFF,
            auth: None,
            metrics_registry: None,
            send_metadata: true,
        }
    }
}

/// Configures a sender; made by [`RemoteWrite::builder`], started by
/// [`spawn`](Self::spawn).
#[must_use]
pub struct RemoteWriteBuilder {
    url: String,
    registry: RegistryRef,
    interval: Duration,
    external_labels: Vec<(String, String)>,
    queue_capacity: usize,
    max_samples_per_send: usize,
    timeout: Duration,
    min_backoff: Duration,
    max_backoff: Duration,
    auth: Option<Auth>,
    metrics_registry: Option<RegistryRef>,
    send_metadata: bool,
}

impl fmt::Debug for RemoteWriteBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteWriteBuilder")
            .field("url", &self.url)
            .field("interval", &self.interval)
            .field("external_labels", &self.external_labels)
            .field("queue_capacity", &self.queue_capacity)
            .field("max_samples_per_send", &self.max_samples_per_send)
            .field("timeout", &self.timeout)
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

impl RemoteWriteBuilder {
    /// The registry to send (default: the
    /// [default registry](promstrict_core::default_registry)).
    pub fn registry(mut self, registry: impl Into<RegistryRef>) -> Self {
        self.registry = registry.into();
        self
    }

    /// How often the registry is read (default [`DEFAULT_INTERVAL`]; at
    /// least one millisecond).
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval.max(Duration::from_millis(1));
        self
    }

    /// A label added to every series that has no label of that name, such as
    /// `job` or `instance`. The name must pass the naming rules (`job` and
    /// `instance` are allowed) and the value must not be empty, or
    /// [`spawn`](Self::spawn) is an `Err`.
    pub fn external_label(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.external_labels.push((name.into(), value.into()));
        self
    }

    /// The most samples waiting to be sent (default
    /// [`DEFAULT_QUEUE_CAPACITY`]); past it, the oldest batches are dropped
    /// and counted.
    pub fn queue_capacity(mut self, samples: usize) -> Self {
        self.queue_capacity = samples;
        self
    }

    /// The most samples in one request (default
    /// [`DEFAULT_MAX_SAMPLES_PER_SEND`]; at least 1).
    pub fn max_samples_per_send(mut self, samples: usize) -> Self {
        self.max_samples_per_send = samples.max(1);
        self
    }

    /// The longest one request may take, connecting and reading the answer
    /// included (default [`DEFAULT_TIMEOUT`]; at least one millisecond).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// The first retry delay and the longest one; the delay doubles on each
    /// retry of a request (defaults [`DEFAULT_MIN_BACKOFF`],
    /// [`DEFAULT_MAX_BACKOFF`]).
    pub fn backoff(mut self, min: Duration, max: Duration) -> Self {
        self.min_backoff = min.max(Duration::from_millis(1));
        self.max_backoff = max.max(self.min_backoff);
        self
    }

    /// HTTP basic auth on every request.
    pub fn basic_auth(mut self, username: impl Into<String>, password: impl Into<String>) -> Self {
        self.auth = Some(Auth::Basic {
            username: username.into(),
            password: password.into(),
        });
        self
    }

    /// A bearer token on every request.
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.auth = Some(Auth::Bearer(token.into()));
        self
    }

    /// Registers the sender's own metrics (see the [module](self)
    /// documentation) into `registry`, which may be the one sent.
    pub fn metrics_registry(mut self, registry: impl Into<RegistryRef>) -> Self {
        self.metrics_registry = Some(registry.into());
        self
    }

    /// Whether requests carry the families' metadata (type, help, unit;
    /// default `true`).
    pub fn send_metadata(mut self, send: bool) -> Self {
        self.send_metadata = send;
        self
    }

    /// Checks the configuration, registers the sender's metrics and starts
    /// its tasks on the current tokio runtime (which needs I/O and timers
    /// enabled). The first collection happens at once.
    pub fn spawn(self) -> Result<RemoteWriteHandle, RemoteWriteError> {
        let runtime =
            tokio::runtime::Handle::try_current().map_err(|_| RemoteWriteError::NoRuntime)?;
        let base = BaseUrl::parse(&self.url).map_err(RemoteWriteError::Config)?;
        let url = format!("{}{}", base.origin, base.path);
        let auth = self
            .auth
            .as_ref()
            .map(Auth::header_value)
            .transpose()
            .map_err(RemoteWriteError::Config)?;
        let mut external = Vec::with_capacity(self.external_labels.len());
        for (name, value) in &self.external_labels {
            if name != "job" && name != "instance" {
                check_label_name(name)
                    .map_err(|e| RemoteWriteError::Config(format!("external label: {e}")))?;
            }
            if value.is_empty() {
                return Err(RemoteWriteError::Config(format!(
                    "external label `{name}` has an empty value"
                )));
            }
            if external.iter().any(|(n, _): &(String, String)| n == name) {
                return Err(RemoteWriteError::Config(format!(
                    "external label `{name}` is given twice"
                )));
            }
            external.push((name.clone(), value.clone()));
        }
        if self.queue_capacity == 0 {
            return Err(RemoteWriteError::Config(
                "the queue capacity must be at least one sample".to_owned(),
            ));
        }
        let metrics = SelfMetrics::default();
        if let Some(registry) = &self.metrics_registry {
            metrics.register(registry)?;
        }
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::default()),
            notify: Notify::new(),
            in_flight: AtomicU64::new(0),
            metrics,
            last_error: Mutex::new(None),
        });
        let (stop_tx, stop_rx) = oneshot::channel();
        let collector = Collector {
            registry: self.registry,
            external,
            max_samples_per_send: self.max_samples_per_send,
            queue_capacity: self.queue_capacity,
            send_metadata: self.send_metadata,
            shared: Arc::clone(&shared),
        };
        let collector_task = runtime.spawn(collector.run(self.interval, stop_rx));
        let sender = Sender {
            client: HttpClient::new(auth, self.timeout),
            url,
            min_backoff: self.min_backoff,
            max_backoff: self.max_backoff,
            shared: Arc::clone(&shared),
        };
        let sender_task = runtime.spawn(sender.run());
        Ok(RemoteWriteHandle {
            shared,
            stop: Some(stop_tx),
            collector_task,
            sender_task,
        })
    }
}

/// What a sender has done so far; see [`RemoteWriteHandle::stats`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RemoteWriteStats {
    /// Samples the receiver accepted.
    pub samples_sent: u64,
    /// Samples refused with a 4xx answer other than 429 (not retried).
    pub samples_failed: u64,
    /// Samples dropped from a full queue, or left at a shutdown past its
    /// deadline.
    pub samples_dropped: u64,
    /// Requests sent again after a retryable failure.
    pub retries: u64,
    /// Samples waiting, the request in flight included.
    pub queue_samples: u64,
    /// The last failure (a refused or retried request), if any.
    pub last_error: Option<String>,
}

/// What [`RemoteWriteHandle::shutdown`] achieved.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShutdownReport {
    /// Whether everything queued was sent (or refused) before the deadline.
    pub flushed: bool,
    /// Samples still queued at the deadline, now counted as dropped.
    pub samples_left: u64,
    /// The sender's final counts.
    pub stats: RemoteWriteStats,
}

/// A running sender; [`shutdown`](Self::shutdown) flushes and stops it.
/// Dropping it stops it at once, without flushing: what is queued then counts
/// as dropped.
pub struct RemoteWriteHandle {
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    collector_task: JoinHandle<()>,
    sender_task: JoinHandle<()>,
}

impl fmt::Debug for RemoteWriteHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteWriteHandle")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl RemoteWriteHandle {
    /// What the sender has done so far.
    pub fn stats(&self) -> RemoteWriteStats {
        self.shared.stats()
    }

    /// Collects one last time, then waits until everything queued is sent
    /// or refused, for at most `deadline`; what is still queued then is
    /// counted as dropped.
    pub async fn shutdown(mut self, deadline: Duration) -> ShutdownReport {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let (mut collector_done, mut sender_done) = (false, false);
        let work = async {
            let _ = (&mut self.collector_task).await;
            collector_done = true;
            let _ = (&mut self.sender_task).await;
            sender_done = true;
        };
        let flushed = tokio::time::timeout(deadline, work).await.is_ok();
        let dropped_before = self.shared.metrics.dropped.get();
        // Stop what still runs and wait for that to take effect (at the
        // task's next await): the request in flight, if any, is then counted
        // as dropped, and nothing is counted both as sent and as left.
        if !collector_done {
            self.collector_task.abort();
            let _ = (&mut self.collector_task).await;
        }
        if !sender_done {
            self.sender_task.abort();
            let _ = (&mut self.sender_task).await;
        }
        self.shared.drop_queued();
        let samples_left = self.shared.metrics.dropped.get() - dropped_before;
        ShutdownReport {
            flushed,
            samples_left,
            stats: self.shared.stats(),
        }
    }
}

impl Drop for RemoteWriteHandle {
    fn drop(&mut self) {
        self.collector_task.abort();
        self.sender_task.abort();
        // What was queued is counted as dropped (the request in flight is
        // counted when the aborted task lets go of it).
        self.shared.drop_queued();
    }
}

/// The sender's own metrics; unregistered unless a registry is given.
#[derive(Default)]
struct SelfMetrics {
    sent: Counter,
    failed: Counter,
    dropped: Counter,
    retries: Counter,
    queue: Gauge,
}

impl SelfMetrics {
    fn register(&self, registry: &Registry) -> Result<(), RemoteWriteError> {
        use promstrict_core::{Descriptor, MetricGroup};
        let mut group = MetricGroup::new();
        let p = "promstrict_remote_write_";
        group.add(
            Descriptor::new(
                format!("{p}samples_sent_total"),
                "Samples the remote-write receiver accepted.",
            ),
            &self.sent,
        );
        group.add(
            Descriptor::new(
                format!("{p}samples_failed_total"),
                "Samples the remote-write receiver refused with a 4xx answer (not retried).",
            ),
            &self.failed,
        );
        group.add(
            Descriptor::new(
                format!("{p}samples_dropped_total"),
                "Samples dropped from the full remote-write queue or left at shutdown.",
            ),
            &self.dropped,
        );
        group.add(
            Descriptor::new(
                format!("{p}retries_total"),
                "Remote-write requests sent again after a retryable failure.",
            ),
            &self.retries,
        );
        group.add(
            Descriptor::new(
                format!("{p}queue_samples"),
                "Samples waiting to be sent, the request in flight included.",
            ),
            &self.queue,
        );
        registry
            .register_group(group)
            .map_err(RemoteWriteError::Register)
    }
}

/// A request's worth of samples, encoded and compressed: what waits in
/// the queue is what is sent.
struct Chunk {
    body: Bytes,
    samples: usize,
}

#[derive(Default)]
struct Queue {
    chunks: VecDeque<Chunk>,
    samples: usize,
    closed: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    notify: Notify,
    /// Samples of the request in flight.
    in_flight: AtomicU64,
    metrics: SelfMetrics,
    last_error: Mutex<Option<String>>,
}

impl Shared {
    fn lock_queue(&self) -> MutexGuard<'_, Queue> {
        // The queue stays consistent whatever panicked while holding it.
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set_error(&self, error: String) {
        *self.last_error.lock().unwrap_or_else(|e| e.into_inner()) = Some(error);
    }

    /// Closes the queue and counts what it holds as dropped.
    fn drop_queued(&self) {
        let mut queue = self.lock_queue();
        queue.closed = true;
        let left = queue.samples as u64;
        queue.chunks.clear();
        queue.samples = 0;
        drop(queue);
        self.update_queue_gauge();
        if left > 0 {
            self.metrics.dropped.inc_by(left);
        }
    }

    fn update_queue_gauge(&self) {
        let queued = self.lock_queue().samples as u64;
        let total = queued + self.in_flight.load(Ordering::Relaxed);
        self.metrics
            .queue
            .set(i64::try_from(total).unwrap_or(i64::MAX));
    }

    fn stats(&self) -> RemoteWriteStats {
        let queued = self.lock_queue().samples as u64;
        RemoteWriteStats {
            samples_sent: self.metrics.sent.get(),
            samples_failed: self.metrics.failed.get(),
            samples_dropped: self.metrics.dropped.get(),
            retries: self.metrics.retries.get(),
            queue_samples: queued + self.in_flight.load(Ordering::Relaxed),
            last_error: self
                .last_error
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
        }
    }
}

/// Reads the registry into chunks, every interval.
struct Collector {
    registry: RegistryRef,
    external: Vec<(String, String)>,
    max_samples_per_send: usize,
    queue_capacity: usize,
    send_metadata: bool,
    shared: Arc<Shared>,
}

impl Collector {
    async fn run(self, interval: Duration, mut stop: oneshot::Receiver<()>) {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticker.tick() => self.collect_once(),
                _ = &mut stop => {
                    self.collect_once();
                    break;
                }
            }
        }
        self.shared.lock_queue().closed = true;
        self.shared.notify.notify_one();
    }

    fn collect_once(&self) {
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        let (series, metadata) = collect(
            &self.registry,
            &self.external,
            timestamp,
            self.send_metadata,
        );
        let mut chunks = Vec::new();
        let mut metadata: &[MetricMetadata] = &metadata;
        for part in series.chunks(self.max_samples_per_send) {
            // The first request of a batch carries the metadata.
            match encode(part, std::mem::take(&mut metadata)) {
                Ok(body) => chunks.push(Chunk {
                    body,
                    samples: part.len(),
                }),
                Err(e) => {
                    self.shared.metrics.failed.inc_by(part.len() as u64);
                    self.shared.set_error(e);
                }
            }
        }
        let mut dropped = 0;
        {
            let mut queue = self.shared.lock_queue();
            for chunk in chunks {
                if queue.closed {
                    // The sender has stopped.
                    dropped += chunk.samples;
                    continue;
                }
                while queue.samples + chunk.samples > self.queue_capacity {
                    match queue.chunks.pop_front() {
                        Some(old) => {
                            queue.samples -= old.samples;
                            dropped += old.samples;
                        }
                        None => break,
                    }
                }
                if queue.samples + chunk.samples > self.queue_capacity {
                    // Larger than the whole queue.
                    dropped += chunk.samples;
                } else {
                    queue.samples += chunk.samples;
                    queue.chunks.push_back(chunk);
                }
            }
        }
        if dropped > 0 {
            self.shared.metrics.dropped.inc_by(dropped as u64);
        }
        self.shared.update_queue_gauge();
        self.shared.notify.notify_one();
    }
}

/// Reads `registry` into one-sample series (labels sorted by name, `__name__`
/// first) and, if asked, each family's metadata.
fn collect(
    registry: &Registry,
    external: &[(String, String)],
    timestamp: i64,
    with_metadata: bool,
) -> (Vec<TimeSeries>, Vec<MetricMetadata>) {
    let mut out = Vec::new();
    let mut metadata: Vec<MetricMetadata> = Vec::new();
    let mut base: Vec<Label> = Vec::new();
    registry.collect(
        |family: &FamilyInfo<'_>, labels: Labels<'_>, value: SeriesValue<'_>| {
            if with_metadata
                && metadata
                    .last()
                    .is_none_or(|m| m.metric_family_name != family.name)
            {
                metadata.push(MetricMetadata {
                    r#type: proto::MetricType::from(family.metric_type) as i32,
                    metric_family_name: family.name.to_owned(),
                    help: family.help.to_owned(),
                    unit: family.unit.unwrap_or_default().to_owned(),
                });
            }
            base.clear();
            let mut add = |name: &str, value: &str| {
                // An empty value is no label, as Prometheus sees it.
                if !value.is_empty() {
                    base.push(Label {
                        name: name.to_owned(),
                        value: value.to_owned(),
                    });
                }
            };
            for (name, value) in family.const_labels {
                add(name, value);
            }
            labels.for_each(|name, value| add(name, value));
            for (name, value) in external {
                if !base.iter().any(|l| l.name == *name) {
                    base.push(Label {
                        name: name.clone(),
                        value: value.clone(),
                    });
                }
            }
            // Named as Prometheus stores what it scraped in OpenMetrics (a
            // gauge histogram's `_gcount` and `_gsum`).
            value.for_each_sample(family.name, Format::OpenMetrics, |suffix, extra, value| {
                let mut labels = Vec::with_capacity(base.len() + 2);
                labels.push(Label {
                    name: "__name__".to_owned(),
                    value: format!("{}{suffix}", family.name),
                });
                labels.extend(base.iter().cloned());
                if let Some((name, value)) = extra {
                    labels.push(Label {
                        name: name.to_owned(),
                        value: value.to_owned(),
                    });
                }
                labels.sort_unstable_by(|a, b| a.name.cmp(&b.name));
                out.push(TimeSeries {
                    labels,
                    samples: vec![Sample { value, timestamp }],
                });
            });
        },
    );
    (out, metadata)
}

/// Encodes a request: a protobuf `WriteRequest` of `series` and
/// `metadata`, then snappy (block format).
fn encode(series: &[TimeSeries], metadata: &[MetricMetadata]) -> Result<Bytes, String> {
    // A `WriteRequest`'s fields, written from borrowed messages.
    let len: usize = series
        .iter()
        .map(|s| prost::encoding::message::encoded_len(1, s))
        .chain(
            metadata
                .iter()
                .map(|m| prost::encoding::message::encoded_len(3, m)),
        )
        .sum();
    let mut raw = Vec::with_capacity(len);
    for s in series {
        prost::encoding::message::encode(1, s, &mut raw);
    }
    for m in metadata {
        prost::encoding::message::encode(3, m, &mut raw);
    }
    snap::raw::Encoder::new()
        .compress_vec(&raw)
        .map(Bytes::from)
        .map_err(|e| format!("snappy: {e}"))
}

/// Posts the chunks, oldest first, one at a time.
struct Sender {
    client: HttpClient,
    url: String,
    min_backoff: Duration,
    max_backoff: Duration,
    shared: Arc<Shared>,
}

/// The request in flight: counted as dropped if the sender stops (is
/// aborted) before it is answered.
struct InFlight<'a> {
    shared: &'a Shared,
    samples: u64,
    settled: bool,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.shared.in_flight.store(0, Ordering::Relaxed);
        self.shared.update_queue_gauge();
        if !self.settled {
            self.shared.metrics.dropped.inc_by(self.samples);
        }
    }
}

enum Outcome {
    Sent,
    Refused(String),
    Retry(String),
}

impl Sender {
    async fn run(self) {
        loop {
            let next = {
                let mut queue = self.shared.lock_queue();
                match queue.chunks.pop_front() {
                    Some(chunk) => {
                        queue.samples -= chunk.samples;
                        self.shared
                            .in_flight
                            .store(chunk.samples as u64, Ordering::Relaxed);
                        Some(chunk)
                    }
                    None if queue.closed => return,
                    None => None,
                }
            };
            let Some(chunk) = next else {
                // `notify_one` keeps a permit when nobody waits: a batch
                // queued between the check and here is not missed.
                self.shared.notify.notified().await;
                continue;
            };
            let mut in_flight = InFlight {
                shared: &self.shared,
                samples: chunk.samples as u64,
                settled: false,
            };
            self.send_chunk(&chunk).await;
            in_flight.settled = true;
            drop(in_flight);
        }
    }

    async fn send_chunk(&self, chunk: &Chunk) {
        let n = chunk.samples as u64;
        let body = chunk.body.clone();
        let mut backoff = self.min_backoff;
        loop {
            match self.attempt(body.clone()).await {
                Outcome::Sent => {
                    self.shared.metrics.sent.inc_by(n);
                    return;
                }
                Outcome::Refused(why) => {
                    self.shared.metrics.failed.inc_by(n);
                    self.shared.set_error(why);
                    return;
                }
                Outcome::Retry(why) => {
                    self.shared.set_error(why);
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(self.max_backoff);
                    self.shared.metrics.retries.inc();
                }
            }
        }
    }

    async fn attempt(&self, body: Bytes) -> Outcome {
        let headers = [
            ("content-encoding", "snappy"),
            ("content-type", "application/x-protobuf"),
            ("x-prometheus-remote-write-version", "0.1.0"),
        ];
        match self
            .client
            .send(Method::POST, &self.url, &headers, body)
            .await
        {
            Ok(answer) if answer.status.is_success() => Outcome::Sent,
            Ok(answer) => {
                let why = if answer.body_start.is_empty() {
                    format!("the receiver answered {}", answer.status)
                } else {
                    format!(
                        "the receiver answered {}: {}",
                        answer.status, answer.body_start
                    )
                };
                if answer.status.is_server_error() || answer.status.as_u16() == 429 {
                    Outcome::Retry(why)
                } else {
                    Outcome::Refused(why)
                }
            }
            Err(SendError::Timeout) => Outcome::Retry("the receiver did not answer in time".into()),
            Err(SendError::Transport(why)) => {
                Outcome::Retry(format!("receiver unreachable: {why}"))
            }
            Err(SendError::Request(why)) => Outcome::Refused(format!("bad request: {why}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::proto::WriteRequest;
    use super::*;
    use promstrict_core::{Buckets, Histogram};
    use prost::Message as _;

    #[test]
    fn collect_names_sorts_and_labels() {
        let registry = Registry::new().with_const_label("region", "eu").unwrap();
        registry
            .register("jobs_total", "Jobs.", Counter::new())
            .unwrap()
            .inc_by(3);
        let h = registry
            .register(
                "latency_seconds",
                "Latency.",
                Histogram::new(Buckets::new(&[0.5, 1.0]).unwrap()),
            )
            .unwrap();
        h.observe(0.7);
        let external = vec![
            ("instance".to_owned(), "a".to_owned()),
            ("region".to_owned(), "ignored".to_owned()),
        ];
        let (series, metadata) = collect(&registry, &external, 42, true);
        let text: Vec<String> = series
            .iter()
            .map(|s| {
                let labels: Vec<String> = s
                    .labels
                    .iter()
                    .map(|l| format!("{}={}", l.name, l.value))
                    .collect();
                format!(
                    "{} {} {}",
                    labels.join(","),
                    s.samples[0].value,
                    s.samples[0].timestamp
                )
            })
            .collect();
        assert_eq!(
            text,
            [
                "__name__=jobs_total,instance=a,region=eu 3 42",
                "__name__=latency_seconds_bucket,instance=a,le=0.5,region=eu 0 42",
                "__name__=latency_seconds_bucket,instance=a,le=1.0,region=eu 1 42",
                "__name__=latency_seconds_bucket,instance=a,le=+Inf,region=eu 1 42",
                "__name__=latency_seconds_count,instance=a,region=eu 1 42",
                "__name__=latency_seconds_sum,instance=a,region=eu 0.7 42",
            ]
        );
        assert_eq!(metadata.len(), 2);
        assert_eq!(metadata[0].metric_family_name, "jobs_total");
        assert_eq!(metadata[0].r#type, proto::MetricType::Counter as i32);
        assert_eq!(metadata[1].r#type, proto::MetricType::Histogram as i32);
    }

    #[test]
    fn encoded_requests_decode() {
        let series = vec![TimeSeries {
            labels: vec![Label {
                name: "__name__".into(),
                value: "x".into(),
            }],
            samples: vec![Sample {
                value: 1.5,
                timestamp: 7,
            }],
        }];
        let metadata = vec![MetricMetadata {
            r#type: proto::MetricType::Gauge as i32,
            metric_family_name: "x".into(),
            help: "X.".into(),
            unit: String::new(),
        }];
        let body = encode(&series, &metadata).unwrap();
        let raw = snap::raw::Decoder::new().decompress_vec(&body).unwrap();
        let request = WriteRequest::decode(raw.as_slice()).unwrap();
        assert_eq!(
            request,
            WriteRequest {
                timeseries: series,
                metadata
            }
        );
    }

    #[test]
    fn bad_configurations_are_errors() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        assert!(matches!(
            RemoteWrite::builder("http://127.0.0.1:9/").spawn(),
            Err(RemoteWriteError::NoRuntime)
        ));
        rt.block_on(async {
            for builder in [
                RemoteWrite::builder("nope"),
                RemoteWrite::builder("http://x/").external_label("Bad", "v"),
                RemoteWrite::builder("http://x/").external_label("job", ""),
                RemoteWrite::builder("http://x/").queue_capacity(0),
                RemoteWrite::builder("http://x/").bearer_token("a\nb"),
            ] {
                assert!(
                    matches!(builder.spawn(), Err(RemoteWriteError::Config(_))),
                    "should be refused"
                );
            }
            let registry = Registry::new();
            let registry: &'static Registry = Box::leak(Box::new(registry));
            let first = RemoteWrite::builder("http://127.0.0.1:9/")
                .metrics_registry(registry)
                .spawn()
                .unwrap();
            let second = RemoteWrite::builder("http://127.0.0.1:9/")
                .metrics_registry(registry)
                .spawn();
            assert!(matches!(second, Err(RemoteWriteError::Register(_))));
            drop(first);
        });
    }
}
