//! Our metrics inside an existing `prometheus_client::registry::Registry`.
//!
//! Every handle type implements prometheus-client's `EncodeMetric`, so a
//! service that already exposes a prometheus-client registry can add ours to
//! it. prometheus-client appends `_total` to counters, `_info` to info metrics
//! and the unit to names itself, so [`register_into_prometheus_client`] strips
//! them from our full names first. prometheus-client has no summary type: a
//! [`Summary`](crate::Summary) is encoded there as a histogram with only the
//! `+Inf` bucket, which carries the same count and sum. prometheus-client
//! always writes `_sum`, so a histogram with negative buckets (or a negative
//! sum) registered there produces OpenMetrics that strict parsers reject; our
//! own registry leaves the sum out in that case.

use std::fmt;

use prometheus_client::encoding::{
    EncodeLabelSet, EncodeMetric, LabelSetEncoder, MetricEncoder, NoLabelSet,
};
use prometheus_client::metrics::MetricType as PcType;
use prometheus_client::registry::Unit;

use crate::encoding::text::family_name;
use crate::encoding::Format;
use crate::label::Labels;
use crate::metric::counter::{Counter, CounterNumber};
use crate::metric::family::Family;
use crate::metric::gauge::{Gauge, GaugeNumber};
use crate::metric::histogram::Histogram;
use crate::metric::info::Info;
use crate::metric::summary::Summary;
use crate::metric::{DynMetric, FamilyMember, Metric, MetricType, SeriesValue, SeriesVisitor};
use crate::registry::{Descriptor, MetricGroup};

struct PcLabels<'a>(Labels<'a>);

impl EncodeLabelSet for PcLabels<'_> {
    fn encode(&self, encoder: &mut LabelSetEncoder) -> Result<(), fmt::Error> {
        let mut result = Ok(());
        self.0.for_each(|k, v| {
            if result.is_ok() {
                result = prometheus_client::encoding::EncodeLabel::encode(
                    &(k, v),
                    encoder.encode_label(),
                );
            }
        });
        result
    }
}

struct PcWriter<'a, 'e> {
    encoder: &'a mut MetricEncoder<'e>,
    result: Result<(), fmt::Error>,
    /// The metric's name, which a state set labels its series with.
    name: &'a str,
}

fn write_value(
    encoder: &mut MetricEncoder<'_>,
    labels: Labels<'_>,
    value: SeriesValue<'_>,
    name: &str,
) -> Result<(), fmt::Error> {
    match value {
        SeriesValue::CounterU64(v) => encoder.encode_counter::<NoLabelSet, _, f64>(&v, None),
        SeriesValue::CounterF64(v) => encoder.encode_counter::<NoLabelSet, _, f64>(&v, None),
        SeriesValue::GaugeI64(v) => encoder.encode_gauge(&v),
        SeriesValue::GaugeF64(v) => encoder.encode_gauge(&v),
        SeriesValue::Histogram {
            bounds,
            counts,
            sum,
        } => {
            let buckets: Vec<(f64, u64)> = bounds
                .iter()
                .copied()
                .chain(std::iter::once(f64::INFINITY))
                .zip(counts.iter().copied())
                .collect();
            let count = counts.iter().sum();
            encoder.encode_histogram::<NoLabelSet>(sum, count, &buckets, None)
        }
        SeriesValue::Summary { count, sum } => {
            encoder.encode_histogram::<NoLabelSet>(sum, count, &[(f64::INFINITY, count)], None)
        }
        SeriesValue::Info => encoder.encode_info(&PcLabels(labels)),
        // prometheus-client has neither type: a state set is written as
        // the gauges of its states, a gauge histogram as a histogram.
        SeriesValue::StateSet { states, active } => {
            for (i, state) in states.iter().enumerate() {
                let pair = [(name, *state)];
                let set = PcLabels(Labels::Borrowed(&pair));
                let mut family = encoder.encode_family(&set)?;
                family.encode_gauge(&i64::from(i == active))?;
            }
            Ok(())
        }
        SeriesValue::GaugeHistogram {
            bounds,
            counts,
            sum,
        } => write_value(
            encoder,
            labels,
            SeriesValue::Histogram {
                bounds,
                counts,
                sum,
            },
            name,
        ),
    }
}

impl SeriesVisitor for PcWriter<'_, '_> {
    fn series(&mut self, labels: Labels<'_>, value: SeriesValue<'_>) {
        if self.result.is_err() {
            return;
        }
        let has_labels = !matches!(value, SeriesValue::Info) && !labels.is_empty();
        self.result = if has_labels {
            let set = PcLabels(labels);
            match self.encoder.encode_family(&set) {
                Ok(mut family) => write_value(&mut family, Labels::None, value, self.name),
                Err(e) => Err(e),
            }
        } else {
            write_value(self.encoder, labels, value, self.name)
        };
    }
}

fn encode_with_pc<M: Metric>(metric: &M, mut encoder: MetricEncoder<'_>) -> Result<(), fmt::Error> {
    let mut writer = PcWriter {
        encoder: &mut encoder,
        result: Ok(()),
        name: "",
    };
    metric.visit(&mut writer);
    writer.result
}

fn pc_type(t: MetricType) -> PcType {
    match t {
        MetricType::Counter => PcType::Counter,
        MetricType::Gauge => PcType::Gauge,
        MetricType::Histogram | MetricType::Summary | MetricType::GaugeHistogram => {
            PcType::Histogram
        }
        MetricType::Info => PcType::Info,
        MetricType::StateSet => PcType::Gauge,
    }
}

macro_rules! impl_encode_metric {
    ($([$($generics:tt)*] $ty:ty),* $(,)?) => {$(
        impl<$($generics)*> EncodeMetric for $ty {
            fn encode(&self, encoder: MetricEncoder<'_>) -> Result<(), fmt::Error> {
                encode_with_pc(self, encoder)
            }
            fn metric_type(&self) -> PcType {
                pc_type(<Self as Metric>::TYPE)
            }
        }
    )*};
}

impl_encode_metric!(
    [N: CounterNumber] Counter<N>,
    [N: GaugeNumber] Gauge<N>,
    [] Histogram,
    [] Summary,
    [] Info,
    [L: crate::LabelSet, M: FamilyMember] Family<L, M>,
);

/// Registers `metric`, described by `descriptor`, into a prometheus-client
/// registry, producing the same exposition names as our own registry would.
///
/// ```
/// # extern crate promstrict_core as promstrict;
/// use promstrict::{register_into_prometheus_client, Counter, Descriptor};
/// use prometheus_client::{encoding::text::encode, registry::Registry};
///
/// let mut registry = Registry::default();
/// let hits = Counter::<u64>::default();
/// register_into_prometheus_client(&mut registry, &Descriptor::new("cache_hits_total", "Cache hits"), hits.clone());
/// hits.inc();
/// let mut text = String::new();
/// encode(&mut text, &registry).unwrap();
/// assert!(text.contains("cache_hits_total 1\n"));
/// ```
pub fn register_into_prometheus_client<M>(
    registry: &mut prometheus_client::registry::Registry,
    descriptor: &Descriptor,
    metric: M,
) where
    M: Metric + EncodeMetric + fmt::Debug,
{
    register_typed(registry, descriptor, M::TYPE, metric);
}

/// A group's member, encoded through its object-safe view, and its name.
struct DynMember(Box<dyn DynMetric>, String);

impl fmt::Debug for DynMember {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DynMember")
            .field(&self.0.metric_type())
            .finish()
    }
}

impl EncodeMetric for DynMember {
    fn encode(&self, mut encoder: MetricEncoder<'_>) -> Result<(), fmt::Error> {
        let mut writer = PcWriter {
            encoder: &mut encoder,
            result: Ok(()),
            name: &self.1,
        };
        self.0.visit(&mut writer);
        writer.result
    }
    fn metric_type(&self) -> PcType {
        pc_type(self.0.metric_type())
    }
}

/// Registers every member of `group` (what
/// [`Metrics::register_prometheus_client`](crate::Metrics::register_prometheus_client) does).
pub(crate) fn register_group(
    registry: &mut prometheus_client::registry::Registry,
    group: MetricGroup,
) {
    for (descriptor, metric) in group.into_members() {
        let t = metric.metric_type();
        let name = descriptor.name().to_owned();
        register_typed(registry, &descriptor, t, DynMember(metric, name));
    }
}

fn register_typed(
    registry: &mut prometheus_client::registry::Registry,
    descriptor: &Descriptor,
    t: MetricType,
    metric: impl EncodeMetric + fmt::Debug + Send + Sync + 'static,
) {
    // prometheus-client re-appends `_total`/`_info` and the unit.
    let base = family_name(descriptor.name(), t, Format::OpenMetrics);
    // prometheus-client appends "." to every help text.
    let help = descriptor.help();
    let help = help.strip_suffix('.').unwrap_or(help).to_owned();
    let mut registry = registry;
    let labelled;
    if !descriptor.const_labels().is_empty() {
        labelled = registry.sub_registry_with_labels(
            descriptor
                .const_labels()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone())),
        );
        registry = labelled;
    }
    match descriptor.unit_name() {
        Some(unit) => {
            let stem = base
                .strip_suffix(unit)
                .and_then(|s| s.strip_suffix('_'))
                .unwrap_or(base);
            let unit = match unit {
                "seconds" => Unit::Seconds,
                "bytes" => Unit::Bytes,
                "celsius" => Unit::Celsius,
                "grams" => Unit::Grams,
                "joules" => Unit::Joules,
                "meters" => Unit::Meters,
                // prometheus-client spells `Ratios` "ratios": ours is "ratio".
                "volts" => Unit::Volts,
                "amperes" => Unit::Amperes,
                other => Unit::Other(other.to_owned()),
            };
            registry.register_with_unit(stem, help, unit, metric)
        }
        None => registry.register(base, help, metric),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Buckets, LabelDescriptor, LabelSet, LabelValue};
    use prometheus_client::encoding::text::encode;

    #[derive(Clone, Copy)]
    struct Hit {
        hit: bool,
    }
    impl LabelSet for Hit {
        const LABELS: &'static [LabelDescriptor] = &[LabelDescriptor::of::<bool>("hit")];
        fn index(&self) -> usize {
            self.hit.index()
        }
    }

    #[test]
    fn every_type_encodes_through_prometheus_client() {
        let mut registry = prometheus_client::registry::Registry::default();
        let c = Counter::<u64>::default();
        let g = Gauge::<f64>::default();
        let h = Histogram::new(Buckets::new(&[1.0]).unwrap());
        let s = Summary::default();
        let i = Info::new([("version", "1.0")]).unwrap();
        let f: Family<Hit, Counter> = Family::default();
        register_into_prometheus_client(
            &mut registry,
            &Descriptor::new("a_total", "A."),
            c.clone(),
        );
        register_into_prometheus_client(
            &mut registry,
            &Descriptor::new("b_celsius", "B").unit("celsius"),
            g.clone(),
        );
        register_into_prometheus_client(
            &mut registry,
            &Descriptor::new("c_seconds", "C").unit("seconds"),
            h.clone(),
        );
        register_into_prometheus_client(&mut registry, &Descriptor::new("d_bytes", "D"), s.clone());
        register_into_prometheus_client(&mut registry, &Descriptor::new("build_info", "E"), i);
        register_into_prometheus_client(
            &mut registry,
            &Descriptor::new("lookups_total", "F").const_label("zone", "a"),
            f.clone(),
        );
        c.inc();
        g.set(1.5);
        h.observe(0.5);
        s.observe(3.0);
        f.labels(Hit { hit: true }).inc_by(2);
        let mut text = String::new();
        encode(&mut text, &registry).unwrap();
        for line in [
            "# HELP a A.\n# TYPE a counter\na_total 1\n",
            "# TYPE b_celsius gauge\n# UNIT b_celsius celsius\nb_celsius 1.5\n",
            "c_seconds_bucket{le=\"1.0\"} 1\n",
            "c_seconds_count 1\n",
            "d_bytes_sum 3.0\nd_bytes_count 1\nd_bytes_bucket{le=\"+Inf\"} 1\n",
            "build_info{version=\"1.0\"} 1\n",
            "lookups_total{zone=\"a\",hit=\"true\"} 2\n",
        ] {
            assert!(text.contains(line), "missing {line:?} in\n{text}");
        }
    }
}
