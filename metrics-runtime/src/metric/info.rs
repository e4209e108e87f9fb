//! Info metrics: constant facts about the target (version, commit), exposed as
//! labels on a series whose value is always 1.

use std::fmt;
use std::sync::{Arc, RwLock};

use super::{Metric, MetricType, SeriesValue, SeriesVisitor};
use crate::label::Labels;
use crate::naming::{check_label_name, NameError};

/// Constant labels describing the target. The metric name must end in `_info`.
///
/// ```
/// use metrics_runtime::{Format, Info, Registry};
///
/// let registry = Registry::new();
/// let build = registry.register("build_info", "Build information.", Info::default())?;
/// build.set([("version", "1.2.3"), ("commit", "abc123")]).unwrap();
/// let text = registry.encode(Format::OpenMetrics);
/// assert!(text.contains("build_info{version=\"1.2.3\",commit=\"abc123\"} 1\n"));
/// # Ok::<(), metrics_runtime::RegistryError>(())
/// ```
#[derive(Clone, Default)]
pub struct Info {
    labels: Arc<RwLock<InfoLabels>>,
}

/// An info metric's labels, replaced whole on `set` so readers never see half.
type InfoLabels = Arc<[(String, String)]>;

impl Info {
    /// An info metric with these labels.
    pub fn new<K: Into<String>, V: Into<String>>(
        labels: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Self, NameError> {
        let info = Info::default();
        info.set(labels)?;
        Ok(info)
    }

    /// Replaces the labels. Label names are checked (snake_case, not reserved,
    /// no duplicates); on error nothing changes.
    pub fn set<K: Into<String>, V: Into<String>>(
        &self,
        labels: impl IntoIterator<Item = (K, V)>,
    ) -> Result<(), NameError> {
        let pairs: Vec<(String, String)> = labels
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        for (i, (name, _)) in pairs.iter().enumerate() {
            check_label_name(name)?;
            if pairs[..i].iter().any(|(other, _)| other == name) {
                return Err(NameError::new(name, "this label name appears twice"));
            }
        }
        *self.labels.write().unwrap_or_else(|e| e.into_inner()) = pairs.into();
        Ok(())
    }

    /// The current labels.
    pub fn get(&self) -> Arc<[(String, String)]> {
        Arc::clone(&self.labels.read().unwrap_or_else(|e| e.into_inner()))
    }
}

impl fmt::Debug for Info {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Info").field("labels", &self.get()).finish()
    }
}

impl Metric for Info {
    const TYPE: MetricType = MetricType::Info;
    fn visit(&self, visitor: &mut dyn SeriesVisitor) {
        let labels = self.get();
        visitor.series(Labels::Pairs(&labels), SeriesValue::Info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_bad_label_names_and_keeps_the_old_labels() {
        let info = Info::new([("version", "1")]).unwrap();
        assert!(info.set([("a-b", "2")]).is_err());
        assert!(info.set([("__name", "2")]).is_err());
        assert!(info.set([("a", "1"), ("a", "2")]).is_err());
        assert_eq!(&*info.get(), &[("version".to_owned(), "1".to_owned())]);
    }
}
