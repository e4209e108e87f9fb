//! A family whose label names are chosen at run time: the HTTP metrics'
//! `method`, `route` and `status` renamed (`path` for `route`, say).

use std::sync::Mutex;

use promstrict_core::{
    check_label_name, LabelDescriptor, Labels, Metric, MetricType, NameError, SeriesExtras,
    SeriesValue, SeriesVisitor,
};

/// At most this many distinct renamings are kept per process (each is a few
/// descriptors that live as long as the process).
const MAX_RENAMINGS: usize = 64;

/// The renamings made so far: each base (by address) with its renamed copy.
type Renaming = (&'static [LabelDescriptor], &'static [LabelDescriptor]);

static RENAMINGS: Mutex<Vec<Renaming>> = Mutex::new(Vec::new());

/// `base` with its labels named `names` (in order), checked against the rule
/// book: the same descriptors as earlier calls with the same names.
pub(crate) fn renamed(
    base: &'static [LabelDescriptor],
    names: &[&str],
) -> Result<&'static [LabelDescriptor], NameError> {
    if base.len() == names.len() && base.iter().zip(names).all(|(l, n)| l.name == *n) {
        return Ok(base);
    }
    for name in names {
        check_label_name(name)?;
    }
    let same = |(of, set): &&Renaming| {
        std::ptr::eq(*of, base)
            && set.len() == names.len()
            && set.iter().zip(names).all(|(have, n)| have.name == *n)
    };
    let mut sets = RENAMINGS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, set)) = sets.iter().find(same) {
        return Ok(set);
    }
    if sets.len() >= MAX_RENAMINGS || base.len() != names.len() {
        return Err(NameError {
            name: names.join(","),
            reason: format!(
                "at most {MAX_RENAMINGS} label renamings are kept per process: reuse the same names"
            ),
        });
    }
    let set: Vec<LabelDescriptor> = base
        .iter()
        .zip(names)
        .map(|(label, name)| LabelDescriptor {
            name: Box::leak(name.to_string().into_boxed_str()),
            ..*label
        })
        .collect();
    let set: &'static [LabelDescriptor] = Box::leak(set.into_boxed_slice());
    sets.push((base, set));
    Ok(set)
}

/// A metric (a family) whose series carry `labels` instead of its own label
/// names; the values are the same.
#[derive(Clone)]
pub(crate) struct Relabelled<M> {
    pub(crate) inner: M,
    pub(crate) labels: &'static [LabelDescriptor],
}

impl<M: Metric> Metric for Relabelled<M> {
    const TYPE: MetricType = M::TYPE;

    fn visit(&self, visitor: &mut dyn SeriesVisitor) {
        self.inner.visit(&mut RelabelVisitor {
            inner: visitor,
            labels: self.labels,
        });
    }

    fn label_descriptors() -> &'static [LabelDescriptor] {
        M::label_descriptors()
    }

    fn series_labels(&self) -> &'static [LabelDescriptor] {
        self.labels
    }

    fn histogram_bounds(&self) -> Option<Vec<f64>> {
        self.inner.histogram_bounds()
    }
}

struct RelabelVisitor<'v> {
    inner: &'v mut dyn SeriesVisitor,
    labels: &'static [LabelDescriptor],
}

impl RelabelVisitor<'_> {
    fn relabel<'a>(&self, labels: Labels<'a>) -> Labels<'a> {
        match labels {
            Labels::Dense { index, labels: own } if own.len() == self.labels.len() => {
                Labels::Dense {
                    labels: self.labels,
                    index,
                }
            }
            other => other,
        }
    }
}

impl SeriesVisitor for RelabelVisitor<'_> {
    fn series(&mut self, labels: Labels<'_>, value: SeriesValue<'_>) {
        let labels = self.relabel(labels);
        self.inner.series(labels, value);
    }

    fn series_with_extras(
        &mut self,
        labels: Labels<'_>,
        value: SeriesValue<'_>,
        extras: SeriesExtras<'_>,
    ) {
        let labels = self.relabel(labels);
        self.inner.series_with_extras(labels, value, extras);
    }

    fn failed(&mut self) {
        self.inner.failed();
    }
}
