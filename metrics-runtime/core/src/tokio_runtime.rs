//! A tokio runtime's own metrics (its stable ones): workers, alive tasks,
//! the global queue's depth, and per worker the time spent busy and the
//! times it parked.

use tokio::runtime::Handle;

use crate::metric::func::{Collector, CounterSet, GaugeFn};
use crate::registry::{Descriptor, MetricGroup, Registry, RegistryError};

/// Registers, read from `runtime` at each scrape:
///
/// - `tokio_workers` (gauge): worker threads;
/// - `tokio_alive_tasks` (gauge): tasks spawned and not yet finished;
/// - `tokio_global_queue_depth` (gauge): tasks waiting in the global queue;
/// - `tokio_worker_busy_seconds_total{worker}` (counter): time each worker
///   spent running tasks;
/// - `tokio_worker_parks_total{worker}` (counter): times each worker parked
///   (went idle).
///
/// All or (on an error, such as a name taken) none.
///
/// ```
/// # extern crate promstrict_core as promstrict;
/// use promstrict::{assert_sample, register_tokio_metrics, Registry};
///
/// let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build()?;
/// let registry = Registry::new();
/// register_tokio_metrics(&registry, runtime.handle().clone())?;
/// assert_sample!(registry, "tokio_workers", 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn register_tokio_metrics(registry: &Registry, runtime: Handle) -> Result<(), RegistryError> {
    let owner = "`register_tokio_metrics`";
    let d = |name: &'static str, help: &'static str| Descriptor::new(name, help).owner(owner);
    let mut group = MetricGroup::new();
    let h = runtime.clone();
    group.add(
        d("tokio_workers", "Worker threads of the tokio runtime."),
        &GaugeFn::new(move || h.metrics().num_workers() as f64),
    );
    let h = runtime.clone();
    group.add(
        d(
            "tokio_alive_tasks",
            "Tasks spawned on the tokio runtime and not yet finished.",
        ),
        &GaugeFn::new(move || h.metrics().num_alive_tasks() as f64),
    );
    let h = runtime.clone();
    group.add(
        d(
            "tokio_global_queue_depth",
            "Tasks waiting in the tokio runtime's global queue.",
        ),
        &GaugeFn::new(move || h.metrics().global_queue_depth() as f64),
    );
    group.add(
        d(
            "tokio_worker_busy_seconds_total",
            "Time each worker of the tokio runtime spent running tasks.",
        ),
        &CounterSet::new(PerWorker {
            runtime: runtime.clone(),
            read: |m, w| m.worker_total_busy_duration(w).as_secs_f64(),
        }),
    );
    group.add(
        d(
            "tokio_worker_parks_total",
            "Times each worker of the tokio runtime parked (went idle).",
        ),
        &CounterSet::new(PerWorker {
            runtime,
            read: |m, w| m.worker_park_count(w) as f64,
        }),
    );
    registry.register_group(group)
}

/// One value per worker of a runtime.
struct PerWorker {
    runtime: Handle,
    read: fn(&tokio::runtime::RuntimeMetrics, usize) -> f64,
}

impl Collector for PerWorker {
    fn label_names(&self) -> &[&'static str] {
        &["worker"]
    }

    fn collect(&self, emit: &mut dyn FnMut(&[&str], f64)) {
        let metrics = self.runtime.metrics();
        let mut index = itoa::Buffer::new();
        for worker in 0..metrics.num_workers() {
            emit(&[index.format(worker)], (self.read)(&metrics, worker));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_running_runtime() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_time()
            .build()
            .unwrap();
        let registry = Registry::new();
        register_tokio_metrics(&registry, runtime.handle().clone()).unwrap();
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let (started_tx, started_rx) = std::sync::mpsc::channel::<()>();
        let task = runtime.spawn(async move {
            started_tx.send(()).unwrap();
            // Stays alive until told.
            tokio::task::spawn_blocking(move || rx.recv().ok())
                .await
                .ok();
        });
        started_rx.recv().unwrap();
        assert_eq!(registry.sample("tokio_workers", &[]), Some(2.0));
        assert!(registry.sample("tokio_alive_tasks", &[]).unwrap() >= 1.0);
        assert_eq!(registry.sample("tokio_global_queue_depth", &[]), Some(0.0));
        for worker in ["0", "1"] {
            assert!(registry
                .sample("tokio_worker_busy_seconds_total", &[("worker", worker)])
                .is_some());
            assert!(registry
                .sample("tokio_worker_parks_total", &[("worker", worker)])
                .is_some());
        }
        tx.send(()).unwrap();
        runtime.block_on(task).unwrap();
        // Registered once only.
        assert!(register_tokio_metrics(&registry, runtime.handle().clone()).is_err());
    }
}
