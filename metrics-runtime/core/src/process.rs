//! The process collector: the `process_*` families of the Go client
//! (client_golang), with the same names, types and meanings, read from
//! `/proc/self` each time the registry is encoded.
//!
//! | family | type | value, and where it comes from |
//! | --- | --- | --- |
//! | `process_cpu_seconds_total` | counter | user plus system CPU time, in seconds (`utime + stime` of `/proc/self/stat`, over the clock ticks per second) |
//! | `process_resident_memory_bytes` | gauge | resident set size (`rss` of `/proc/self/stat` times the page size) |
//! | `process_virtual_memory_bytes` | gauge | virtual memory size (`vsize` of `/proc/self/stat`) |
//! | `process_virtual_memory_max_bytes` | gauge | the soft limit "Max address space" of `/proc/self/limits` |
//! | `process_open_fds` | gauge | open file descriptors (the entries of `/proc/self/fd`) |
//! | `process_max_fds` | gauge | the soft limit "Max open files" of `/proc/self/limits` |
//! | `process_start_time_seconds` | gauge | start time in Unix seconds (the boot time of `/proc/stat` plus `starttime` of `/proc/self/stat` over the clock ticks per second) |
//! | `process_threads` | gauge | threads (`num_threads` of `/proc/self/stat`) |
//!
//! A limit that is `unlimited` is reported as 2⁶⁴ − 1
//! (`1.8446744073709552e+19`), as client_golang does (its reader parses
//! `unlimited` as the largest 64-bit value; releases before 2023 reported
//! −1). So `process_open_fds / process_max_fds` stays a meaningful ratio,
//! near zero, and a dashboard built for Go services shows the same thing.
//!
//! `process_open_fds` does not count the descriptor the collector opens to
//! list `/proc/self/fd` on kernels older than 6.2 (which have no cheaper
//! way to count them): it is the number of descriptors the process has open
//! around the scrape, the same on every kernel.
//!
//! Each family reads its file when it is encoded. A family whose file cannot
//! be read or parsed is left out of that scrape (and counted in
//! [`Registry::collector_failures`](crate::Registry::collector_failures));
//! the others are still exposed.
//!
//! The files are parsed by the [`procfs`](https://docs.rs/procfs) crate.
//! On platforms other than Linux there is no `/proc`, and
//! [`register_process_metrics`] registers nothing.

use crate::registry::{MetricGroup, Registry, RegistryError};

/// Registers the process collector's families (see the
/// [module documentation](self) for each one's source) in `registry`: all of
/// them, or on an error (a name already taken) none. A registry's namespace
/// applies to them as to any metric.
///
/// On platforms other than Linux it registers nothing and returns `Ok`.
///
/// ```
/// # extern crate promstrict_core as promstrict;
/// use promstrict::{register_process_metrics, Format, Registry};
///
/// let registry = Registry::new();
/// register_process_metrics(&registry)?;
/// let text = registry.encode(Format::Prometheus);
/// if cfg!(target_os = "linux") {
///     assert!(text.contains("# TYPE process_cpu_seconds_total counter\n"));
///     assert!(text.contains("\nprocess_threads "));
/// }
/// // A second collector in the same registry is refused, and changes nothing.
/// assert_eq!(register_process_metrics(&registry).is_err(), cfg!(target_os = "linux"));
/// # Ok::<(), promstrict::RegistryError>(())
/// ```
pub fn register_process_metrics(registry: &Registry) -> Result<(), RegistryError> {
    let group = families();
    if group.is_empty() {
        return Ok(());
    }
    registry.register_group(group)
}

#[cfg(not(target_os = "linux"))]
fn families() -> MetricGroup {
    MetricGroup::new()
}

#[cfg(target_os = "linux")]
fn families() -> MetricGroup {
    linux::families()
}

#[cfg(target_os = "linux")]
mod linux {
    use std::fmt::Display;
    use std::panic::resume_unwind;

    use procfs::process::{LimitValue, Process, Stat};

    use crate::metric::func::{CounterFn, GaugeFn};
    use crate::metric::Metric;
    use crate::registry::{Descriptor, MetricGroup};

    const OWNER: &str = "`register_process_metrics`";

    /// The value, or else a quiet unwind that leaves the family out of this
    /// scrape. `resume_unwind` does not run the panic hook: a `/proc` that
    /// cannot be read prints nothing on every scrape, and the registry
    /// counts the failure.
    pub(super) fn or_leave_out<T, E: Display>(read: Result<T, E>) -> T {
        match read {
            Ok(v) => v,
            Err(e) => resume_unwind(Box::new(format!("process collector: {e}"))),
        }
    }

    fn stat() -> Stat {
        or_leave_out(Process::myself().and_then(|p| p.stat()))
    }

    fn ticks_per_second() -> f64 {
        procfs::ticks_per_second() as f64
    }

    /// A soft limit; `unlimited` as client_golang reports it, `u64::MAX`.
    fn soft_limit(pick: fn(&procfs::process::Limits) -> LimitValue) -> f64 {
        let limits = or_leave_out(Process::myself().and_then(|p| p.limits()));
        match pick(&limits) {
            LimitValue::Value(v) => v as f64,
            LimitValue::Unlimited => u64::MAX as f64,
        }
    }

    /// Open descriptors, without the one this function may open.
    fn open_fds() -> f64 {
        const DIR: &str = "/proc/self/fd";
        // Linux ≥ 6.2 gives the count as the directory's size, so nothing
        // has to be opened (what procfs and client_golang use first too).
        let size = or_leave_out(std::fs::metadata(DIR)).len();
        if size > 0 {
            return size as f64;
        }
        // Older kernels: list it. The listing's own descriptor is one of
        // the entries; it is not the process's.
        let listed = or_leave_out(std::fs::read_dir(DIR)).count();
        listed.saturating_sub(1) as f64
    }

    fn add<M: Metric>(group: &mut MetricGroup, name: &'static str, help: &'static str, m: M) {
        group.add(Descriptor::new(name, help).owner(OWNER), &m);
    }

    pub(super) fn families() -> MetricGroup {
        let mut group = MetricGroup::new();
        add(
            &mut group,
            "process_cpu_seconds_total",
            "Total user and system CPU time spent in seconds.",
            CounterFn::new(|| {
                let stat = stat();
                (stat.utime + stat.stime) as f64 / ticks_per_second()
            }),
        );
        add(
            &mut group,
            "process_resident_memory_bytes",
            "Resident memory size in bytes.",
            GaugeFn::new(|| (stat().rss * procfs::page_size()) as f64),
        );
        add(
            &mut group,
            "process_virtual_memory_bytes",
            "Virtual memory size in bytes.",
            GaugeFn::new(|| stat().vsize as f64),
        );
        add(
            &mut group,
            "process_virtual_memory_max_bytes",
            "Maximum amount of virtual memory available in bytes.",
            GaugeFn::new(|| soft_limit(|l| l.max_address_space.soft_limit)),
        );
        add(
            &mut group,
            "process_open_fds",
            "Number of open file descriptors.",
            GaugeFn::new(open_fds),
        );
        add(
            &mut group,
            "process_max_fds",
            "Maximum number of open file descriptors.",
            GaugeFn::new(|| soft_limit(|l| l.max_open_files.soft_limit)),
        );
        add(
            &mut group,
            "process_start_time_seconds",
            "Start time of the process since unix epoch in seconds.",
            GaugeFn::new(|| {
                let boot = or_leave_out(procfs::boot_time_secs()) as f64;
                boot + stat().starttime as f64 / ticks_per_second()
            }),
        );
        add(
            &mut group,
            "process_threads",
            "Number of OS threads in the process.",
            GaugeFn::new(|| stat().num_threads as f64),
        );
        group
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::linux::or_leave_out;
    use crate::{Format, GaugeFn, Registry};

    #[test]
    fn a_read_error_leaves_only_that_family_out() {
        let registry = Registry::new();
        super::register_process_metrics(&registry).unwrap();
        registry
            .register(
                "unreadable_bytes",
                "Fails to read.",
                GaugeFn::new(|| {
                    or_leave_out(std::fs::read("/proc/self/no-such-file")).len() as f64
                }),
            )
            .unwrap();
        let text = registry.encode(Format::OpenMetrics);
        assert!(!text.contains("unreadable"), "{text}");
        assert!(text.contains("\nprocess_open_fds "), "{text}");
        assert_eq!(registry.collector_failures(), 1);
    }
}
