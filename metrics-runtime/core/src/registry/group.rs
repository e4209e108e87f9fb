//! Several metrics registered together.

use std::fmt;

use super::Descriptor;
use crate::metric::{DynMetric, Metric};

/// Several metrics registered together: all of them, or (on any error) none.
#[derive(Default)]
pub struct MetricGroup {
    pub(super) members: Vec<(
        Descriptor,
        Box<dyn DynMetric>,
        &'static [crate::LabelDescriptor],
    )>,
}

impl MetricGroup {
    /// An empty group.
    pub fn new() -> Self {
        MetricGroup::default()
    }

    /// Adds a metric (a handle sharing `metric`'s storage). Without an
    /// [owner](Descriptor::owner), the metric's owner is this call's place.
    #[track_caller]
    pub fn add<M: Metric>(&mut self, descriptor: Descriptor, metric: &M) -> &mut Self {
        let descriptor = with_caller_as_owner(descriptor);
        self.members
            .push((descriptor, Box::new(metric.clone()), metric.series_labels()));
        self
    }

    /// Moves every metric of `other` into this group.
    pub fn append(&mut self, mut other: MetricGroup) -> &mut Self {
        self.members.append(&mut other.members);
        self
    }

    /// How many metrics the group holds.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether the group is empty.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The members' descriptors and metrics.
    #[cfg(feature = "prometheus-client")]
    pub(crate) fn into_members(self) -> impl Iterator<Item = (Descriptor, Box<dyn DynMetric>)> {
        self.members.into_iter().map(|(d, m, _)| (d, m))
    }
}

impl fmt::Debug for MetricGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.members.iter().map(|(d, ..)| d.name()))
            .finish()
    }
}

/// Adds a field of a `#[derive(Metrics)]` struct to `group`: one generic call
/// per field in generated code instead of a descriptor built method by
/// method, which is what type-checking a derived struct mostly costs.
#[doc(hidden)]
pub fn derived_metric<M: Metric>(
    group: &mut MetricGroup,
    name: &'static str,
    help: &'static str,
    owner: &'static str,
    group_name: &'static str,
    metric: &M,
) {
    group.add(
        Descriptor::new(name, help).owner(owner).group(group_name),
        metric,
    );
}

/// Names a descriptor's owner after the caller's place if it has none.
#[track_caller]
fn with_caller_as_owner(descriptor: Descriptor) -> Descriptor {
    if descriptor.owner.is_some() {
        return descriptor;
    }
    let at = std::panic::Location::caller();
    descriptor.owner(format!("the registration at {}:{}", at.file(), at.line()))
}
