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
/// # extern crate promstrict_core as promstrict;
/// use promstrict::{Format, Info, Registry};
///
/// let registry = Registry::new();
/// let build = registry.register("build_info", "Build information.", Info::default())?;
/// build.set([("version", "1.2.3"), ("commit", "abc123")]).unwrap();
/// let text = registry.encode(Format::OpenMetrics);
/// assert!(text.contains("build_info{version=\"1.2.3\",commit=\"abc123\"} 1\n"));
/// # Ok::<(), promstrict::RegistryError>(())
/// ```
#[derive(Clone, Default)]
pub struct Info {
    labels: Arc<RwLock<InfoLabels>>,
    /// The constant label names of the registries holding it: an info label
    /// of the same name would print the name twice.
    reserved: Arc<RwLock<Vec<String>>>,
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
        let reserved = self.reserved.read().unwrap_or_else(|e| e.into_inner());
        for (i, (name, _)) in pairs.iter().enumerate() {
            check_label_name(name)?;
            if pairs[..i].iter().any(|(other, _)| other == name) {
                return Err(NameError::new(name, "this label name appears twice"));
            }
            if reserved.contains(name) {
                return Err(NameError::new(
                    name,
                    "a constant label of the registry already has this name",
                ));
            }
        }
        // Still holding `reserved` (always taken before `labels`), so a
        // registration cannot reserve a name between the check and the write.
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

    fn reserve_label_names(&self, names: &[&str]) -> Result<(), NameError> {
        // `reserved` before `labels`, as in `set`, so a concurrent `set`
        // cannot slip a clashing name in between the check and the reservation.
        let mut reserved = self.reserved.write().unwrap_or_else(|e| e.into_inner());
        let labels = self.labels.read().unwrap_or_else(|e| e.into_inner());
        if let Some((name, _)) = labels.iter().find(|(k, _)| names.contains(&k.as_str())) {
            return Err(NameError::new(
                name,
                "this info label has the name of a constant label of the registry",
            ));
        }
        reserved.extend(names.iter().map(|n| (*n).to_owned()));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_reserved_label_names() {
        for name in ["le", "quantile", "job", "instance", "__name__", "Bad"] {
            let err = Info::new([(name, "x")]).unwrap_err();
            assert_eq!(err.name, name);
        }
        let info = Info::new([("version", "1")]).unwrap();
        assert!(info.set([("le", "1")]).is_err());
    }

    #[test]
    fn refuses_labels_that_clash_with_constant_labels() {
        use crate::{Format, Registry};
        let registry = Registry::new().with_const_label("region", "eu").unwrap();
        let info = registry
            .register("build_info", "Build.", Info::default())
            .unwrap();
        assert!(info.set([("region", "us"), ("version", "1")]).is_err());
        info.set([("version", "1")]).unwrap();
        assert!(registry
            .encode(Format::Prometheus)
            .contains("build_info{region=\"eu\",version=\"1\"} 1\n"));
        // Already set before registering: refused at registration.
        let early = Info::new([("region", "us")]).unwrap();
        assert!(registry.register("early_info", "Early.", early).is_err());
        assert_eq!(registry.len(), 1);
    }

    #[test]
    fn refuses_bad_label_names_and_keeps_the_old_labels() {
        let info = Info::new([("version", "1")]).unwrap();
        assert!(info.set([("a-b", "2")]).is_err());
        assert!(info.set([("__name", "2")]).is_err());
        assert!(info.set([("a", "1"), ("a", "2")]).is_err());
        assert_eq!(&*info.get(), &[("version".to_owned(), "1".to_owned())]);
    }
}
