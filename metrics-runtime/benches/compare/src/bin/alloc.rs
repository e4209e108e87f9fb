//! What a new series costs in memory: a counting global allocator around each
//! library's family creation, the first use of each of its 100 series
//! (`row` × `col`, 10 × 10), and 1 000 further labelled operations on series
//! that already exist.
//!
//! Our families preallocate every combination's slot when they are created
//! (and so does measured's dense `MetricVec`), so their first use allocates
//! nothing: the honest per-series figure for them is the creation cost divided
//! by the cardinality, which the `total / series` column shows for everyone.
//! The others allocate on first use (hash-map entry, `Arc`ed metric, owned
//! label values).
//!
//! Prints a Markdown table on stdout (and `--tsv` a tab-separated one) for
//! `scripts/bench`. Single-threaded; run it in release mode.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering::Relaxed};

use metrics_compare::{meas, ours, pc, BOUNDS, COL_NAMES, ROW_NAMES, SIDE};

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);
static BYTES: AtomicUsize = AtomicUsize::new(0);
static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(layout.size(), Relaxed);
        LIVE.fetch_add(layout.size() as isize, Relaxed);
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(layout.size(), Relaxed);
        LIVE.fetch_add(layout.size() as isize, Relaxed);
        System.alloc_zeroed(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Relaxed);
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(new_size.saturating_sub(layout.size()), Relaxed);
        LIVE.fetch_add(new_size as isize - layout.size() as isize, Relaxed);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[derive(Clone, Copy, Default)]
struct Delta {
    allocs: usize,
    bytes: usize,
    live: isize,
}

fn measure<T>(f: impl FnOnce() -> T) -> (T, Delta) {
    let (a, b, l) = (
        ALLOCS.load(Relaxed),
        BYTES.load(Relaxed),
        LIVE.load(Relaxed),
    );
    let out = f();
    let d = Delta {
        allocs: ALLOCS.load(Relaxed) - a,
        bytes: BYTES.load(Relaxed) - b,
        live: LIVE.load(Relaxed) - l,
    };
    (out, d)
}

const SERIES: usize = SIDE * SIDE;
const STEADY_OPS: usize = 1000;

struct Row {
    library: &'static str,
    metric: &'static str,
    how: &'static str,
    create: Delta,
    first_use: Delta,
    steady: Delta,
}

/// Runs one library's case: `create` builds the family, `touch(family, i)`
/// updates series `i % 100`: `i < 100` is the first use of a series, the
/// steady phase passes `100..1100`.
fn case<F>(
    library: &'static str,
    metric: &'static str,
    how: &'static str,
    create: impl FnOnce() -> F,
    touch: impl Fn(&F, usize),
) -> Row {
    let (family, create) = measure(create);
    let ((), first_use) = measure(|| {
        for i in 0..SERIES {
            touch(&family, i);
        }
    });
    let ((), steady) = measure(|| {
        for i in SERIES..SERIES + STEADY_OPS {
            touch(&family, i);
        }
    });
    black_box(&family);
    drop(family);
    Row {
        library,
        metric,
        how,
        create,
        first_use,
        steady,
    }
}

fn rows() -> Vec<Row> {
    let ours_grid: Vec<ours::Grid> = ours::grid().collect();
    let pc_grid: Vec<pc::Grid> = pc::grid().collect();
    let meas_grid: Vec<meas::Grid> = meas::grid().collect();
    let names: Vec<(&str, &str)> = ROW_NAMES
        .iter()
        .flat_map(|r| COL_NAMES.iter().map(move |c| (*r, *c)))
        .collect();

    let recorder = metrics_exporter_prometheus::PrometheusBuilder::new()
        .set_buckets(&BOUNDS)
        .unwrap()
        .build_recorder();
    let handle = recorder.handle();

    let mut rows = vec![
        case(
            "ours",
            "counter",
            "`Family::default()` (every slot preallocated), `labels(l).inc()`",
            promstrict::Family::<ours::Grid, promstrict::Counter>::default,
            |f, i| {
                f.labels(ours_grid[i % SERIES]).inc();
            },
        ),
        case(
            "prometheus_client",
            "counter",
            "`Family::default()`, `get_or_create(&l).inc()`",
            prometheus_client::metrics::family::Family::<
                pc::Grid,
                prometheus_client::metrics::counter::Counter,
            >::default,
            |f, i| {
                f.get_or_create(&pc_grid[i % SERIES]).inc();
            },
        ),
        case(
            "prometheus",
            "counter",
            "`IntCounterVec::new`, `with_label_values(&[r, c]).inc()`",
            || {
                prometheus::IntCounterVec::new(
                    prometheus::Opts::new("alloc_total", "Allocations."),
                    &["row", "col"],
                )
                .unwrap()
            },
            |f, i| {
                let (r, c) = names[i % SERIES];
                f.with_label_values(&[r, c]).inc();
            },
        ),
        case(
            "measured",
            "counter",
            "`CounterVec::with_label_set` (dense), `inc(l)`",
            || measured::CounterVec::with_label_set(meas::GridSet::new()),
            |f, i| f.inc(meas_grid[i % SERIES]),
        ),
        case(
            "metrics",
            "counter",
            "`counter!(name, \"row\" => r, \"col\" => c).increment(1)`",
            || (),
            |_, i| {
                let (r, c) = names[i % SERIES];
                metrics::with_local_recorder(&recorder, || {
                    metrics::counter!("alloc_total", "row" => r, "col" => c).increment(1)
                });
            },
        ),
    ];

    let buckets = promstrict::Buckets::new(&BOUNDS).unwrap();
    rows.extend([
        case(
            "ours",
            "histogram",
            "`Family::with_options(buckets)` (every slot preallocated), `labels(l).observe(v)`",
            || {
                promstrict::Family::<ours::Grid, promstrict::Histogram>::with_options(
                    buckets.clone(),
                )
            },
            |f, i| f.labels(ours_grid[i % SERIES]).observe(0.1),
        ),
        case(
            "prometheus_client",
            "histogram",
            "`Family::new_with_constructor`, `get_or_create(&l).observe(v)`",
            || {
                pc::HistogramFamily::<pc::Grid>::new_with_constructor(|| {
                    prometheus_client::metrics::histogram::Histogram::new(BOUNDS)
                })
            },
            |f, i| f.get_or_create(&pc_grid[i % SERIES]).observe(0.1),
        ),
        case(
            "prometheus",
            "histogram",
            "`HistogramVec::new`, `with_label_values(&[r, c]).observe(v)`",
            || {
                prometheus::HistogramVec::new(
                    prometheus::HistogramOpts::new("alloc_seconds", "Allocations.")
                        .buckets(BOUNDS.to_vec()),
                    &["row", "col"],
                )
                .unwrap()
            },
            |f, i| {
                let (r, c) = names[i % SERIES];
                f.with_label_values(&[r, c]).observe(0.1);
            },
        ),
        case(
            "measured",
            "histogram",
            "`HistogramVec::with_label_set_and_metadata` (dense), `observe(l, v)`",
            || {
                measured::HistogramVec::<meas::GridSet, 12>::with_label_set_and_metadata(
                    meas::GridSet::new(),
                    measured::metric::histogram::Thresholds::with_buckets(BOUNDS),
                )
            },
            |f, i| f.observe(meas_grid[i % SERIES], 0.1),
        ),
        case(
            "metrics",
            "histogram",
            "`histogram!(name, \"row\" => r, \"col\" => c).record(v)`, then one \
             `run_upkeep()` after the first use (buckets are built at upkeep)",
            || (),
            |_, i| {
                let (r, c) = names[i % SERIES];
                metrics::with_local_recorder(&recorder, || {
                    metrics::histogram!("alloc_seconds", "row" => r, "col" => c).record(0.1)
                });
                // One upkeep once the 100 new series exist, so their buckets
                // are built (metrics builds them at upkeep, not on first use).
                // The steady phase leaves its samples queued, as between two
                // upkeeps.
                if i == SERIES - 1 {
                    handle.run_upkeep();
                }
            },
        ),
    ]);
    rows
}

fn main() {
    let tsv = std::env::args().any(|a| a == "--tsv");
    let rows = rows();
    if tsv {
        println!(
            "library\tmetric\tcreate_allocs\tcreate_bytes\tfirst_use_allocs\tfirst_use_bytes\t\
             live_bytes\tsteady_allocs\tsteady_bytes\thow"
        );
        for r in &rows {
            println!(
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                r.library,
                r.metric,
                r.create.allocs,
                r.create.bytes,
                r.first_use.allocs,
                r.first_use.bytes,
                r.create.live + r.first_use.live,
                r.steady.allocs,
                r.steady.bytes,
                r.how
            );
        }
        return;
    }
    println!(
        "| library | metric | creation: allocs / bytes | first use of {SERIES} series: allocs / bytes \
         | per series (creation + first use) ÷ {SERIES}: allocs / bytes / retained bytes \
         | {STEADY_OPS} ops on existing series: allocs / bytes |"
    );
    println!("| --- | --- | --- | --- | --- | --- |");
    for r in &rows {
        let total_allocs = r.create.allocs + r.first_use.allocs;
        let total_bytes = r.create.bytes + r.first_use.bytes;
        let live = r.create.live + r.first_use.live;
        println!(
            "| {} | {} | {} / {} | {} / {} | {:.2} / {:.0} / {:.0} | {} / {} |",
            r.library,
            r.metric,
            r.create.allocs,
            r.create.bytes,
            r.first_use.allocs,
            r.first_use.bytes,
            total_allocs as f64 / SERIES as f64,
            total_bytes as f64 / SERIES as f64,
            live as f64 / SERIES as f64,
            r.steady.allocs,
            r.steady.bytes,
        );
    }
}
