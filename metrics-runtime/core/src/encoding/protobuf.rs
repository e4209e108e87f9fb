//! The Prometheus protobuf exposition format: a stream of length-delimited
//! `io.prometheus.client.MetricFamily` messages, the only format that
//! carries native histograms to Prometheus.
//!
//! The messages are declared here with the upstream field numbers, so that
//! tests and tools can decode an exposition with [`decode_delimited`].
//!
//! How each metric type is written:
//!
//! | metric | protobuf |
//! | --- | --- |
//! | counter | `COUNTER`, with its exemplar and, when the registry [writes `_created` samples](crate::Registry::set_created_samples), its creation time |
//! | gauge | `GAUGE` |
//! | histogram | `HISTOGRAM` with cumulative classic buckets (and their exemplars); `+Inf` only when it has an exemplar |
//! | native histogram | `HISTOGRAM` with schema, zero bucket, spans and deltas (an empty one carries the no-op span), plus its classic buckets if it keeps them |
//! | summary | `SUMMARY` (count and sum) |
//! | info | `GAUGE` of 1 |
//! | state set | `GAUGE`, one series per state labelled with the metric's name, as in the text format |
//! | gauge histogram | `HISTOGRAM` with cumulative buckets, as in the text format (Prometheus stores a `GAUGE_HISTOGRAM`'s classic buckets without their `_bucket`, `_count` and `_sum` names) |

use prost::Message;

use crate::label::Labels;
use crate::metric::native_histogram::NativeSnapshot;
use crate::metric::{
    Exemplar as Recorded, MetricType as Kind, SeriesExtras, SeriesValue, SeriesVisitor,
};

/// The media type of the protobuf exposition (delimited `MetricFamily`
/// messages), as the `Content-Type` of a response.
pub const CONTENT_TYPE: &str =
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

/// A label name and value.
#[derive(Clone, PartialEq, Message)]
pub struct LabelPair {
    /// The label name.
    #[prost(string, tag = "1")]
    pub name: String,
    /// The label value.
    #[prost(string, tag = "2")]
    pub value: String,
}

/// The type of a metric family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum MetricType {
    /// A counter.
    Counter = 0,
    /// A gauge.
    Gauge = 1,
    /// A summary.
    Summary = 2,
    /// Untyped.
    Untyped = 3,
    /// A histogram, classic or native.
    Histogram = 4,
    /// A gauge histogram.
    GaugeHistogram = 5,
}

/// A gauge's value.
#[derive(Clone, PartialEq, Message)]
pub struct Gauge {
    /// The value.
    #[prost(double, tag = "1")]
    pub value: f64,
}

/// A counter's value.
#[derive(Clone, PartialEq, Message)]
pub struct Counter {
    /// The value.
    #[prost(double, tag = "1")]
    pub value: f64,
    /// The latest exemplar.
    #[prost(message, optional, tag = "2")]
    pub exemplar: Option<Exemplar>,
    /// When the counter was created.
    #[prost(message, optional, tag = "3")]
    pub created_timestamp: Option<Timestamp>,
}

/// A point in time (`google.protobuf.Timestamp`).
#[derive(Clone, PartialEq, Message)]
pub struct Timestamp {
    /// Seconds since the Unix epoch.
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    /// Nanoseconds within the second.
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

impl Timestamp {
    /// From Unix seconds.
    pub fn from_unix_seconds(t: f64) -> Self {
        let seconds = t.floor();
        Timestamp {
            seconds: seconds as i64,
            nanos: (((t - seconds) * 1e9) as i32).clamp(0, 999_999_999),
        }
    }

    /// As Unix seconds.
    pub fn as_unix_seconds(&self) -> f64 {
        self.seconds as f64 + f64::from(self.nanos) / 1e9
    }
}

/// One quantile of a summary.
#[derive(Clone, PartialEq, Message)]
pub struct Quantile {
    /// The quantile (0 to 1).
    #[prost(double, tag = "1")]
    pub quantile: f64,
    /// Its value.
    #[prost(double, tag = "2")]
    pub value: f64,
}

/// A summary's values.
#[derive(Clone, PartialEq, Message)]
pub struct Summary {
    /// The number of observations.
    #[prost(uint64, tag = "1")]
    pub sample_count: u64,
    /// The sum of observations.
    #[prost(double, tag = "2")]
    pub sample_sum: f64,
    /// Quantiles (none here: promstrict's summaries have none).
    #[prost(message, repeated, tag = "3")]
    pub quantile: Vec<Quantile>,
    /// When the summary was created.
    #[prost(message, optional, tag = "4")]
    pub created_timestamp: Option<Timestamp>,
}

/// An untyped value (not written by promstrict, decoded for completeness).
#[derive(Clone, PartialEq, Message)]
pub struct Untyped {
    /// The value.
    #[prost(double, tag = "1")]
    pub value: f64,
}

/// A histogram: classic buckets, native buckets, or both.
#[derive(Clone, PartialEq, Message)]
pub struct Histogram {
    /// The number of observations.
    #[prost(uint64, tag = "1")]
    pub sample_count: u64,
    /// The count of a float histogram (unused here).
    #[prost(double, tag = "4")]
    pub sample_count_float: f64,
    /// The sum of observations.
    #[prost(double, tag = "2")]
    pub sample_sum: f64,
    /// Classic buckets, by increasing upper bound.
    #[prost(message, repeated, tag = "3")]
    pub bucket: Vec<Bucket>,
    /// When the histogram was created.
    #[prost(message, optional, tag = "15")]
    pub created_timestamp: Option<Timestamp>,
    /// The native schema.
    #[prost(sint32, tag = "5")]
    pub schema: i32,
    /// The zero bucket's threshold.
    #[prost(double, tag = "6")]
    pub zero_threshold: f64,
    /// The zero bucket's count.
    #[prost(uint64, tag = "7")]
    pub zero_count: u64,
    /// The zero count of a float histogram (unused here).
    #[prost(double, tag = "8")]
    pub zero_count_float: f64,
    /// Spans of negative buckets.
    #[prost(message, repeated, tag = "9")]
    pub negative_span: Vec<BucketSpan>,
    /// Negative bucket counts, each as the difference to the previous one.
    #[prost(sint64, repeated, tag = "10")]
    pub negative_delta: Vec<i64>,
    /// Negative bucket counts of a float histogram (unused here).
    #[prost(double, repeated, tag = "11")]
    pub negative_count: Vec<f64>,
    /// Spans of positive buckets.
    #[prost(message, repeated, tag = "12")]
    pub positive_span: Vec<BucketSpan>,
    /// Positive bucket counts, each as the difference to the previous one.
    #[prost(sint64, repeated, tag = "13")]
    pub positive_delta: Vec<i64>,
    /// Positive bucket counts of a float histogram (unused here).
    #[prost(double, repeated, tag = "14")]
    pub positive_count: Vec<f64>,
    /// Exemplars of a native histogram.
    #[prost(message, repeated, tag = "16")]
    pub exemplars: Vec<Exemplar>,
}

/// A classic bucket.
#[derive(Clone, PartialEq, Message)]
pub struct Bucket {
    /// Observations up to and including the bound.
    #[prost(uint64, tag = "1")]
    pub cumulative_count: u64,
    /// The count of a float histogram (unused here).
    #[prost(double, tag = "4")]
    pub cumulative_count_float: f64,
    /// The inclusive upper bound.
    #[prost(double, tag = "2")]
    pub upper_bound: f64,
    /// The bucket's latest exemplar.
    #[prost(message, optional, tag = "3")]
    pub exemplar: Option<Exemplar>,
}

/// Consecutive native buckets.
#[derive(Clone, PartialEq, Message)]
pub struct BucketSpan {
    /// Gap to the previous span's end (the first span: its starting index).
    #[prost(sint32, tag = "1")]
    pub offset: i32,
    /// How many buckets.
    #[prost(uint32, tag = "2")]
    pub length: u32,
}

/// An exemplar.
#[derive(Clone, PartialEq, Message)]
pub struct Exemplar {
    /// Its labels.
    #[prost(message, repeated, tag = "1")]
    pub label: Vec<LabelPair>,
    /// Its value.
    #[prost(double, tag = "2")]
    pub value: f64,
    /// When it was recorded.
    #[prost(message, optional, tag = "3")]
    pub timestamp: Option<Timestamp>,
}

/// One series.
#[derive(Clone, PartialEq, Message)]
pub struct Metric {
    /// Its labels.
    #[prost(message, repeated, tag = "1")]
    pub label: Vec<LabelPair>,
    /// A gauge's value.
    #[prost(message, optional, tag = "2")]
    pub gauge: Option<Gauge>,
    /// A counter's value.
    #[prost(message, optional, tag = "3")]
    pub counter: Option<Counter>,
    /// A summary's values.
    #[prost(message, optional, tag = "4")]
    pub summary: Option<Summary>,
    /// An untyped value.
    #[prost(message, optional, tag = "5")]
    pub untyped: Option<Untyped>,
    /// A histogram's values.
    #[prost(message, optional, tag = "7")]
    pub histogram: Option<Histogram>,
    /// A timestamp in milliseconds (never set: the scraper stamps samples).
    #[prost(int64, tag = "6")]
    pub timestamp_ms: i64,
}

/// A metric family: name, help, type and series.
#[derive(Clone, PartialEq, Message)]
pub struct MetricFamily {
    /// The name (a counter's with its `_total`).
    #[prost(string, tag = "1")]
    pub name: String,
    /// The help text.
    #[prost(string, tag = "2")]
    pub help: String,
    /// The type.
    #[prost(enumeration = "MetricType", tag = "3")]
    pub r#type: i32,
    /// The series.
    #[prost(message, repeated, tag = "4")]
    pub metric: Vec<Metric>,
    /// The unit.
    #[prost(string, tag = "5")]
    pub unit: String,
}

/// Decodes a stream of length-delimited `MetricFamily` messages, such as
/// [`Registry::encode_protobuf`](crate::Registry::encode_protobuf) writes.
///
/// ```
/// # extern crate promstrict_core as promstrict;
/// use promstrict::{protobuf, Counter, Registry};
///
/// let registry = Registry::new();
/// registry.register("jobs_total", "Jobs run.", Counter::new())?.inc_by(3);
/// let families = protobuf::decode_delimited(&registry.encode_protobuf())?;
/// assert_eq!(families[0].name, "jobs_total");
/// assert_eq!(families[0].metric[0].counter.as_ref().map(|c| c.value), Some(3.0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn decode_delimited(mut bytes: &[u8]) -> Result<Vec<MetricFamily>, prost::DecodeError> {
    let mut families = Vec::new();
    while !bytes.is_empty() {
        families.push(MetricFamily::decode_length_delimited(&mut bytes)?);
    }
    Ok(families)
}

/// Collects one registered metric's series into a family.
pub(crate) struct FamilyBuilder<'a> {
    pub(crate) family: MetricFamily,
    pub(crate) const_labels: &'a [(String, String)],
    pub(crate) created: bool,
    pub(crate) failed: bool,
}

impl<'a> FamilyBuilder<'a> {
    pub(crate) fn new(
        name: &str,
        help: &str,
        unit: Option<&str>,
        kind: Kind,
        const_labels: &'a [(String, String)],
        created: bool,
    ) -> Self {
        let r#type = match kind {
            Kind::Counter => MetricType::Counter,
            Kind::Gauge | Kind::Info | Kind::StateSet => MetricType::Gauge,
            // A gauge histogram too, as in the text format: Prometheus
            // (2.42) stores the classic buckets of a `GAUGE_HISTOGRAM`
            // under the bare family name, without `_bucket`, `_count`
            // and `_sum`.
            Kind::Histogram | Kind::GaugeHistogram => MetricType::Histogram,
            Kind::Summary => MetricType::Summary,
        };
        FamilyBuilder {
            family: MetricFamily {
                name: name.to_owned(),
                help: help.to_owned(),
                r#type: r#type as i32,
                metric: Vec::new(),
                unit: unit.unwrap_or_default().to_owned(),
            },
            const_labels,
            created,
            failed: false,
        }
    }

    fn labels(&self, labels: &Labels<'_>) -> Vec<LabelPair> {
        let mut out: Vec<LabelPair> = self
            .const_labels
            .iter()
            .map(|(name, value)| LabelPair {
                name: name.clone(),
                value: value.clone(),
            })
            .collect();
        labels.for_each(|name, value| {
            out.push(LabelPair {
                name: name.to_owned(),
                value: value.to_owned(),
            })
        });
        out
    }

    fn created(&self, created: Option<f64>) -> Option<Timestamp> {
        created
            .filter(|_| self.created)
            .map(Timestamp::from_unix_seconds)
    }

    fn push(&mut self, label: Vec<LabelPair>, fill: impl FnOnce(&mut Metric)) {
        let mut metric = Metric {
            label,
            ..Metric::default()
        };
        fill(&mut metric);
        self.family.metric.push(metric);
    }
}

fn exemplar(recorded: &Recorded) -> Exemplar {
    Exemplar {
        label: recorded
            .labels()
            .iter()
            .map(|(name, value)| LabelPair {
                name: name.to_owned(),
                value: value.to_owned(),
            })
            .collect(),
        value: recorded.value(),
        timestamp: Some(Timestamp::from_unix_seconds(recorded.timestamp())),
    }
}

/// Cumulative classic buckets; `+Inf` only when it carries an exemplar.
fn classic_buckets(
    bounds: &[f64],
    counts: &[u64],
    exemplars: &[Option<Recorded>],
) -> (Vec<Bucket>, u64) {
    let mut cumulative = 0u64;
    let mut buckets = Vec::with_capacity(bounds.len() + 1);
    for (i, count) in counts.iter().enumerate() {
        cumulative = cumulative.saturating_add(*count);
        let upper_bound = bounds.get(i).copied().unwrap_or(f64::INFINITY);
        let exemplar = exemplars.get(i).and_then(Option::as_ref).map(exemplar);
        if i < bounds.len() || exemplar.is_some() {
            buckets.push(Bucket {
                cumulative_count: cumulative,
                cumulative_count_float: 0.0,
                upper_bound,
                exemplar,
            });
        }
    }
    (buckets, cumulative)
}

fn add_native(histogram: &mut Histogram, native: &NativeSnapshot) {
    histogram.schema = native.schema;
    histogram.zero_threshold = native.zero_threshold;
    histogram.zero_count = native.zero_count;
    let span = |(offset, length): (i32, u32)| BucketSpan { offset, length };
    let (spans, deltas) = NativeSnapshot::spans_and_deltas(&native.positive);
    histogram.positive_span = spans.into_iter().map(span).collect();
    histogram.positive_delta = deltas;
    let (spans, deltas) = NativeSnapshot::spans_and_deltas(&native.negative);
    histogram.negative_span = spans.into_iter().map(span).collect();
    histogram.negative_delta = deltas;
    if histogram.positive_span.is_empty() && histogram.negative_span.is_empty() {
        // Marks the message as a native histogram even with no buckets.
        histogram.positive_span.push(BucketSpan {
            offset: 0,
            length: 0,
        });
    }
    histogram.sample_count = native.count;
}

impl SeriesVisitor for FamilyBuilder<'_> {
    fn failed(&mut self) {
        self.failed = true;
    }

    fn series(&mut self, labels: Labels<'_>, value: SeriesValue<'_>) {
        self.series_with_extras(labels, value, SeriesExtras::default())
    }

    fn series_with_extras(
        &mut self,
        labels: Labels<'_>,
        value: SeriesValue<'_>,
        extras: SeriesExtras<'_>,
    ) {
        let label = self.labels(&labels);
        let created = self.created(extras.created);
        let counter = |value: f64| Counter {
            value,
            exemplar: extras
                .exemplars
                .first()
                .and_then(Option::as_ref)
                .map(exemplar),
            created_timestamp: created.clone(),
        };
        match value {
            SeriesValue::CounterU64(v) => {
                let c = counter(v as f64);
                self.push(label, |m| m.counter = Some(c));
            }
            SeriesValue::CounterF64(v) => {
                let c = counter(v);
                self.push(label, |m| m.counter = Some(c));
            }
            SeriesValue::GaugeI64(v) => {
                self.push(label, |m| m.gauge = Some(Gauge { value: v as f64 }))
            }
            SeriesValue::GaugeF64(v) => self.push(label, |m| m.gauge = Some(Gauge { value: v })),
            SeriesValue::Info => self.push(label, |m| m.gauge = Some(Gauge { value: 1.0 })),
            SeriesValue::StateSet { states, active } => {
                for (i, state) in states.iter().enumerate() {
                    if state.is_empty() {
                        continue;
                    }
                    let mut label = label.clone();
                    label.push(LabelPair {
                        name: self.family.name.clone(),
                        value: (*state).to_owned(),
                    });
                    let value = if i == active { 1.0 } else { 0.0 };
                    self.push(label, |m| m.gauge = Some(Gauge { value }));
                }
            }
            SeriesValue::Summary { count, sum } => self.push(label, |m| {
                m.summary = Some(Summary {
                    sample_count: count,
                    sample_sum: sum,
                    quantile: Vec::new(),
                    created_timestamp: created,
                })
            }),
            SeriesValue::Histogram {
                bounds,
                counts,
                sum,
            } => {
                let (bucket, count) = classic_buckets(bounds, counts, extras.exemplars);
                let mut histogram = Histogram {
                    sample_count: count,
                    sample_sum: sum,
                    bucket,
                    created_timestamp: created,
                    ..Histogram::default()
                };
                if let Some(native) = extras.native {
                    add_native(&mut histogram, native);
                    histogram.exemplars = extras.exemplars.iter().flatten().map(exemplar).collect();
                    if bounds.is_empty() {
                        // Only the `+Inf` bucket: no classic histogram.
                        histogram.bucket.clear();
                    }
                }
                self.push(label, |m| m.histogram = Some(histogram));
            }
            SeriesValue::GaugeHistogram {
                bounds,
                counts,
                sum,
            } => {
                let (bucket, count) = classic_buckets(bounds, counts, &[]);
                self.push(label, |m| {
                    m.histogram = Some(Histogram {
                        sample_count: count,
                        sample_sum: sum,
                        bucket,
                        ..Histogram::default()
                    })
                });
            }
        }
    }
}

/// Appends `family`, length-delimited, to `out`.
pub(crate) fn write_family(out: &mut Vec<u8>, family: &MetricFamily) {
    // Writing to a `Vec` grows it as needed, so this cannot fail.
    let _ = family.encode_length_delimited(out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        Buckets, Counter as CounterMetric, ExemplarLabels, Family, Gauge as GaugeMetric,
        Histogram as HistogramMetric, NativeHistogram, NativeOptions, Registry,
    };

    #[derive(Clone, Copy, crate::LabelSet)]
    struct ByOk {
        ok: bool,
    }

    fn decode(registry: &Registry) -> Vec<MetricFamily> {
        decode_delimited(&registry.encode_protobuf()).unwrap()
    }

    #[test]
    fn counters_gauges_and_classic_histograms_round_trip() {
        let registry = Registry::new();
        let jobs = registry
            .register("jobs_total", "Jobs run.", CounterMetric::new())
            .unwrap();
        let trace = ExemplarLabels::new(&[("trace_id", "abc")]).unwrap();
        jobs.inc_by_with_exemplar(4, &trace);
        registry
            .register("queue_depth", "Queued jobs.", GaugeMetric::new())
            .unwrap()
            .set(-3);
        let latency = registry
            .register(
                "latency_seconds",
                "Latency.",
                HistogramMetric::new(Buckets::new(&[0.1, 1.0]).unwrap()),
            )
            .unwrap();
        latency.observe(0.05);
        latency.observe_with_exemplar(0.5, &trace);
        latency.observe(7.0);
        let families = decode(&registry);
        assert_eq!(families.len(), 3);

        let counter = families[0].metric[0].counter.as_ref().unwrap();
        assert_eq!(families[0].r#type, MetricType::Counter as i32);
        assert_eq!(counter.value, 4.0);
        let ex = counter.exemplar.as_ref().unwrap();
        assert_eq!((ex.value, ex.label[0].value.as_str()), (4.0, "abc"));
        assert!(counter.created_timestamp.is_none());

        assert_eq!(families[1].metric[0].gauge.as_ref().unwrap().value, -3.0);

        let h = families[2].metric[0].histogram.as_ref().unwrap();
        assert_eq!((h.sample_count, h.sample_sum), (3, 7.55));
        let buckets: Vec<(f64, u64)> = h
            .bucket
            .iter()
            .map(|b| (b.upper_bound, b.cumulative_count))
            .collect();
        assert_eq!(buckets, vec![(0.1, 1), (1.0, 2)]);
        assert_eq!(h.bucket[1].exemplar.as_ref().unwrap().value, 0.5);
        assert!(
            h.positive_span.is_empty(),
            "a classic histogram has no native part"
        );
    }

    #[test]
    fn created_timestamps_when_the_registry_asks() {
        let registry = Registry::new();
        registry
            .register("jobs_total", "Jobs.", CounterMetric::new())
            .unwrap();
        registry.set_created_samples(true);
        let families = decode(&registry);
        let created = families[0].metric[0]
            .counter
            .as_ref()
            .unwrap()
            .created_timestamp
            .as_ref()
            .unwrap();
        assert!(created.seconds > 1_600_000_000);
    }

    #[test]
    fn native_histograms_carry_spans_and_deltas() {
        let registry = Registry::new();
        let family = registry
            .register(
                "rpc_seconds",
                "RPC latency.",
                Family::<ByOk, NativeHistogram>::with_options(
                    NativeOptions::new(0, 160, 0.001).unwrap(),
                ),
            )
            .unwrap();
        let get = family.labels(ByOk { ok: true });
        for v in [0.0, 1.0, 1.0, 3.0, 3.5, 20.0, -2.0] {
            get.observe(v);
        }
        family.labels(ByOk { ok: false });
        let families = decode(&registry);
        assert_eq!(families[0].r#type, MetricType::Histogram as i32);
        let get = &families[0].metric[1];
        assert_eq!(
            (get.label[0].name.as_str(), get.label[0].value.as_str()),
            ("ok", "true")
        );
        let h = get.histogram.as_ref().unwrap();
        assert_eq!(h.sample_count, 7);
        assert_eq!(h.sample_sum, 26.5);
        assert_eq!((h.schema, h.zero_threshold, h.zero_count), (0, 0.001, 1));
        // Buckets 0 (1, 1), 2 (3, 3.5) and 5 (20): spans [0,1] [1,1] [2,1].
        let spans: Vec<(i32, u32)> = h
            .positive_span
            .iter()
            .map(|s| (s.offset, s.length))
            .collect();
        assert_eq!(spans, vec![(0, 1), (1, 1), (2, 1)]);
        assert_eq!(h.positive_delta, vec![2, 0, -1]);
        assert_eq!(h.negative_span.len(), 1);
        assert_eq!(h.negative_delta, vec![1]);
        assert!(h.bucket.is_empty());
        // The untouched series: the no-op span marks it as native.
        let post = families[0].metric[0].histogram.as_ref().unwrap();
        assert_eq!(post.sample_count, 0);
        assert_eq!(
            post.positive_span,
            vec![BucketSpan {
                offset: 0,
                length: 0
            }]
        );
    }

    #[test]
    fn native_histograms_carry_their_exemplars() {
        let registry = Registry::new();
        let h = registry
            .register("job_seconds", "Job latency.", NativeHistogram::default())
            .unwrap();
        let trace =
            ExemplarLabels::trace("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7").unwrap();
        h.observe(1.0);
        h.observe_with_exemplar(0.25, &trace);
        h.observe_with_exemplar(f64::NAN, &trace); // counted, no exemplar
        let families = decode(&registry);
        let h = families[0].metric[0].histogram.as_ref().unwrap();
        assert_eq!(h.sample_count, 3);
        assert_eq!(h.exemplars.len(), 1);
        let ex = &h.exemplars[0];
        assert_eq!(ex.value, 0.25);
        assert_eq!(ex.label[0].name, "trace_id");
        assert!(ex.timestamp.is_some());
        assert!(h.bucket.is_empty());
    }

    #[test]
    fn native_with_classic_buckets_carries_both() {
        let registry = Registry::new();
        let h = registry
            .register(
                "size_bytes",
                "Sizes.",
                NativeHistogram::new(
                    NativeOptions::new(2, 100, 0.0)
                        .unwrap()
                        .with_classic_buckets(Buckets::new(&[100.0, 1000.0]).unwrap()),
                ),
            )
            .unwrap();
        for v in [50.0, 500.0, 5000.0] {
            h.observe(v);
        }
        let families = decode(&registry);
        let h = families[0].metric[0].histogram.as_ref().unwrap();
        assert_eq!(h.sample_count, 3);
        let buckets: Vec<(f64, u64)> = h
            .bucket
            .iter()
            .map(|b| (b.upper_bound, b.cumulative_count))
            .collect();
        assert_eq!(buckets, vec![(100.0, 1), (1000.0, 2)]);
        assert_eq!(
            h.positive_delta.iter().sum::<i64>(),
            1,
            "the last bucket's count"
        );
        assert_eq!(h.schema, 2);
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, crate::LabelValue)]
    enum Breaker {
        Closed,
        Open,
    }

    #[test]
    fn summaries_info_state_sets_and_gauge_histograms() {
        use crate::{GaugeHistogram, Info, StateSet, Summary as SummaryMetric};
        let registry = Registry::new();
        let sizes = registry
            .register("payload_bytes", "Sizes.", SummaryMetric::default())
            .unwrap();
        sizes.observe(3.0);
        sizes.observe(4.0);
        registry
            .register(
                "build_info",
                "Build.",
                Info::new([("version", "1.2")]).unwrap(),
            )
            .unwrap();
        registry
            .register("breaker", "Breaker.", StateSet::new(Breaker::Closed))
            .unwrap()
            .set(Breaker::Open);
        let jobs = registry
            .register(
                "queue_job_bytes",
                "Jobs by size.",
                GaugeHistogram::new(Buckets::new(&[10.0]).unwrap()),
            )
            .unwrap();
        jobs.add(5.0);
        jobs.add(50.0);
        let families = decode(&registry);
        let types: Vec<i32> = families.iter().map(|f| f.r#type).collect();
        assert_eq!(
            types,
            [
                MetricType::Summary as i32,
                MetricType::Gauge as i32,
                MetricType::Gauge as i32,
                MetricType::Histogram as i32
            ]
        );
        let summary = families[0].metric[0].summary.as_ref().unwrap();
        assert_eq!((summary.sample_count, summary.sample_sum), (2, 7.0));
        let info = &families[1].metric[0];
        assert_eq!(info.gauge.as_ref().unwrap().value, 1.0);
        assert_eq!(
            (info.label[0].name.as_str(), info.label[0].value.as_str()),
            ("version", "1.2")
        );
        let states: Vec<(&str, f64)> = families[2]
            .metric
            .iter()
            .map(|m| (m.label[0].value.as_str(), m.gauge.as_ref().unwrap().value))
            .collect();
        assert_eq!(states, [("closed", 0.0), ("open", 1.0)]);
        assert_eq!(families[2].metric[0].label[0].name, "breaker");
        let h = families[3].metric[0].histogram.as_ref().unwrap();
        assert_eq!((h.sample_count, h.sample_sum), (2, 55.0));
        assert_eq!(
            (h.bucket[0].upper_bound, h.bucket[0].cumulative_count),
            (10.0, 1)
        );
    }

    #[test]
    fn timestamps() {
        let t = Timestamp::from_unix_seconds(1.5);
        assert_eq!((t.seconds, t.nanos), (1, 500_000_000));
        assert_eq!(t.as_unix_seconds(), 1.5);
    }
}
