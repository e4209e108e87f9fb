//! The trait `#[derive(Metrics)]` implements.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use crate::registry::{default_registry, MetricGroup, Registry, RegistryError};

/// Where a metrics struct's [`global`](Metrics::global) instance lives: set
/// once, with the registration's outcome.
#[doc(hidden)]
pub type GlobalCell<T> = OnceLock<Result<T, RegistryError>>;

/// A struct of metrics registered together: what `#[derive(Metrics)]`
/// implements (import the trait with the derive, `use promstrict::Metrics`,
/// and both come in).
///
/// The derive writes the two required functions; registration into a
/// [`Registry`], the lazily registered [`global`](Metrics::global) instance
/// and (feature `prometheus-client`) registration into a prometheus-client
/// registry are provided here, so code generic over "a metrics struct" can
/// use them all:
///
/// ```
/// # extern crate promstrict_core as promstrict;
/// use promstrict::{Counter, Format, Metrics, Registry, RegistryError};
///
/// #[derive(Metrics)]
/// struct CacheMetrics {
///     /// Cache hits.
///     hits_total: Counter,
/// }
///
/// /// Registers any metrics struct under a subsystem's namespace.
/// fn register_in<M: Metrics>(subsystem: &str) -> Result<(M, Registry), RegistryError> {
///     let registry = Registry::with_namespace(subsystem);
///     let metrics = M::register(&registry)?;
///     Ok((metrics, registry))
/// }
///
/// let (cache, registry) = register_in::<CacheMetrics>("users")?;
/// cache.hits_total.inc();
/// assert!(registry.encode(Format::Prometheus).contains("users_hits_total 1\n"));
/// # Ok::<(), RegistryError>(())
/// ```
pub trait Metrics: Sized {
    /// Creates the metrics without registering them anywhere (for tests, or
    /// to register later with [`metric_group`](Metrics::metric_group)).
    fn new_unregistered() -> Self;

    /// Every metric of this struct with its descriptor (name, help, unit),
    /// sharing this value's storage.
    fn metric_group(&self) -> MetricGroup;

    /// Creates the metrics and registers all of them in `registry` as one
    /// group: all, or (on any error, such as a name already taken) none.
    fn register(registry: &Registry) -> Result<Self, RegistryError> {
        let metrics = Self::new_unregistered();
        registry.register_group(metrics.metric_group())?;
        Ok(metrics)
    }

    /// The metrics registered in the [default registry](default_registry)
    /// on first use, or the registration error. Registration happens once:
    /// an error is remembered, not retried (the clashing names stay
    /// registered elsewhere).
    ///
    /// A non-generic derived struct keeps its instance in a `static` of its
    /// own, so this is two atomic loads after the first call; a generic one
    /// looks its instance up by type (a lock and a hash): keep the reference.
    fn try_global() -> Result<&'static Self, RegistryError>
    where
        Self: Send + Sync + 'static,
    {
        match Self::__global_cell().get_or_init(|| Self::register(default_registry())) {
            Ok(metrics) => Ok(metrics),
            Err(e) => Err(e.clone()),
        }
    }

    /// The metrics registered in the [default registry](default_registry)
    /// on first use.
    ///
    /// # Panics
    ///
    /// If one of the names is already taken in the default registry by
    /// another metric (see [`try_global`](Metrics::try_global)).
    #[track_caller]
    fn global() -> &'static Self
    where
        Self: Send + Sync + 'static,
    {
        match Self::try_global() {
            Ok(metrics) => metrics,
            Err(e) => panic!(
                "`{ty}::global()` could not register its metrics in the default registry: {e}. \
                 Another metric already uses one of its names; use `{ty}::try_global()` to handle \
                 the error, or `{ty}::register` with your own `Registry`",
                ty = short_type_name::<Self>()
            ),
        }
    }

    /// Creates the metrics and registers each of them in a
    /// `prometheus_client` registry, under the same exposition names.
    ///
    /// ```
    /// # extern crate promstrict_core as promstrict;
    /// use promstrict::{Counter, Metrics};
    /// use prometheus_client::{encoding::text::encode, registry::Registry};
    ///
    /// #[derive(Metrics)]
    /// struct CacheMetrics {
    ///     /// Cache hits.
    ///     hits_total: Counter,
    /// }
    ///
    /// let mut registry = Registry::default();
    /// let cache = CacheMetrics::register_prometheus_client(&mut registry);
    /// cache.hits_total.inc();
    /// let mut text = String::new();
    /// encode(&mut text, &registry).unwrap();
    /// assert!(text.contains("hits_total 1\n"));
    /// ```
    #[cfg(feature = "prometheus-client")]
    #[cfg_attr(docsrs, doc(cfg(feature = "prometheus-client")))]
    fn register_prometheus_client(registry: &mut prometheus_client::registry::Registry) -> Self {
        let metrics = Self::new_unregistered();
        crate::interop::register_group(registry, metrics.metric_group());
        metrics
    }

    /// Where [`global`](Metrics::global) keeps the instance. The derive
    /// gives each non-generic struct a `static`; the default looks the cell
    /// up by type.
    #[doc(hidden)]
    fn __global_cell() -> &'static GlobalCell<Self>
    where
        Self: Send + Sync + 'static,
    {
        match Self::__static_cell() {
            Some(cell) => cell.get::<Self>(),
            None => cell_by_type::<Self>(),
        }
    }

    /// The `static` the derive gives each non-generic struct for
    /// [`global`](Metrics::global). Its signature does not ask for
    /// `Self: Send + Sync`, which rustc would otherwise prove field by field
    /// for every derived struct, used or not.
    #[doc(hidden)]
    fn __static_cell() -> Option<&'static StaticCell> {
        None
    }
}

/// The `static` a derived non-generic struct keeps its
/// [`global`](Metrics::global) instance in. Its type does not name the struct,
/// so it is the same cheap `static` in every derive, created on first use.
#[doc(hidden)]
pub struct StaticCell(OnceLock<&'static (dyn Any + Send + Sync)>);

impl StaticCell {
    /// An empty cell.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        StaticCell(OnceLock::new())
    }

    /// The global cell of `T`, the only type this `static` is used for.
    pub fn get<T: Send + Sync + 'static>(&'static self) -> &'static GlobalCell<T> {
        let cell: &'static (dyn Any + Send + Sync) = *self
            .0
            .get_or_init(|| Box::leak(Box::new(GlobalCell::<T>::new())));
        cell.downcast_ref()
            .expect("a struct's static cell holds that struct's global cell")
    }
}

/// The cell of `T` in a process-wide map by type, created on first use.
fn cell_by_type<T: Send + Sync + 'static>() -> &'static GlobalCell<T> {
    type CellMap = HashMap<TypeId, &'static (dyn Any + Send + Sync)>;
    static CELLS: OnceLock<Mutex<CellMap>> = OnceLock::new();
    let mut cells = CELLS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let cell: &'static (dyn Any + Send + Sync) = *cells
        .entry(TypeId::of::<T>())
        .or_insert_with(|| Box::leak(Box::new(GlobalCell::<T>::new())));
    cell.downcast_ref()
        .expect("the cell stored under a type's id has that type")
}

/// `path::to::Type<Args>` without the paths, for messages.
fn short_type_name<T>() -> String {
    let full = std::any::type_name::<T>();
    let mut out = String::with_capacity(full.len());
    let mut segment = String::new();
    for c in full.chars() {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            segment.push(c);
        } else {
            out.push_str(segment.rsplit("::").next().unwrap_or(""));
            segment.clear();
            out.push(c);
        }
    }
    out.push_str(segment.rsplit("::").next().unwrap_or(""));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_type_names_drop_paths() {
        assert_eq!(short_type_name::<String>(), "String");
        assert_eq!(
            short_type_name::<Vec<std::collections::HashMap<u8, String>>>(),
            "Vec<HashMap<u8, String>>"
        );
    }

    #[test]
    fn cells_by_type_are_one_per_type() {
        let a: *const GlobalCell<u8> = cell_by_type::<u8>();
        let b: *const GlobalCell<u8> = cell_by_type::<u8>();
        let c: *const GlobalCell<u16> = cell_by_type::<u16>();
        assert_eq!(a, b);
        assert_ne!(a as *const (), c as *const ());
    }
}
