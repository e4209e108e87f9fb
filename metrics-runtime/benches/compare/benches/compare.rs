//! Side by side, in one process and one run: this toolkit (`ours`) against
//! prometheus-client, prometheus (+ prometheus-static-metric), measured,
//! metrics + metrics-exporter-prometheus and autometrics.
//!
//! Benchmark ids are `<scenario>/<library>`, so the medians can be read from
//! `target/criterion/<scenario>/<library>/new/estimates.json`. Every labelled
//! loop steps a precomputed 32-entry array with `& 31` (values: 64 entries,
//! `& 63`), never an RNG or a division.
//!
//! After the measurements every library's own exposition is read back and the
//! benchmarked series are checked to have counted (the "correct" half of
//! "fastest correct"); the verdicts go to `target/compare-checks.tsv`, which
//! `scripts/bench` puts in BENCHMARKS.md.
//!
//! Run through `scripts/bench`, or by hand:
//! `cargo bench --bench compare -- --warm-up-time 0.2 --measurement-time 0.5 --noplot`.

use std::fmt::Write as _;
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Barrier, OnceLock};
use std::time::{Duration, Instant};

use criterion::{BenchmarkGroup, Criterion, Throughput};
use metrics_compare::{
    family_names, meas, ours, pc, seq_names, spread_values, tikv_static, BOUNDS, BOUNDS10,
    COL_NAMES, ROW_NAMES,
};
use promstrict::instrument_latency;

type Group<'a> = BenchmarkGroup<'a, criterion::measurement::WallTime>;

// ---------------------------------------------------------------------------
// The registries every library's benchmarked metrics live in, read back by
// the checks at the end.

struct Registries {
    ours: promstrict::Registry,
    pc: prometheus_client::registry::Registry,
    tikv: prometheus::Registry,
    /// measured has no registry: each family encodes itself under a name.
    measured: Vec<Box<dyn Fn(&mut measured::text::BufferedTextEncoder)>>,
    /// prometheus-client's native histogram, outside `pc`: its text encoder
    /// refuses native histograms.
    pc_native: Option<prometheus_client::metrics::histogram::Histogram>,
}

/// metrics' global recorder (installed once; `counter!`/`histogram!` go to it).
fn metrics_handle() -> &'static metrics_exporter_prometheus::PrometheusHandle {
    static HANDLE: OnceLock<metrics_exporter_prometheus::PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        metrics_exporter_prometheus::PrometheusBuilder::new()
            .set_buckets(&BOUNDS)
            .expect("buckets")
            .set_native_histogram_for_metric(
                metrics_exporter_prometheus::Matcher::Full("native_observe_seconds".into()),
                // Schema 3 (factor 2^(1/8)), 160 buckets, as ours below.
                metrics_exporter_prometheus::NativeHistogramConfig::new(
                    2f64.powf(0.125),
                    160,
                    1e-9,
                )
                .expect("native histogram config"),
            )
            .install_recorder()
            .expect("install the metrics recorder")
    })
}

/// metrics-exporter-prometheus keeps histogram samples in a lock-free queue
/// until upkeep folds them into buckets; a benchmark that records millions of
/// samples must run upkeep between samples (outside the timed loop), or the
/// queue grows without bound. This times `iters` calls of `f`, then upkeeps.
fn timed_then_upkeep(iters: u64, mut f: impl FnMut(usize)) -> Duration {
    let start = Instant::now();
    for i in 0..iters {
        f(i as usize);
    }
    let elapsed = start.elapsed();
    metrics_handle().run_upkeep();
    elapsed
}

fn measured_name(name: &'static str) -> &'static measured::metric::name::MetricName {
    measured::metric::name::MetricName::from_str(name)
}

/// Encodes one measured family (help, type, samples) as its `MetricGroup`
/// derive would.
fn measured_family<M>(
    enc: &mut measured::text::BufferedTextEncoder,
    name: &'static str,
    help: &str,
    metric: &M,
) where
    M: measured::metric::MetricFamilyEncoding<measured::text::BufferedTextEncoder>,
{
    use measured::metric::group::Encoding;
    let name = measured_name(name);
    enc.write_help(name, help).unwrap();
    metric.collect_family_into(name, enc).unwrap();
}

// ---------------------------------------------------------------------------
// 1. counter_inc

fn counter_inc(g: &mut Group<'_>, r: &mut Registries) {
    let c = r
        .ours
        .register_with(
            // The peers' names, which the rule book refuses (they name
            // the metric type): the legacy opt-out keeps them comparable.
            promstrict::Descriptor::new("counter_inc_total", "Counter inc.").allow_legacy_name(),
            promstrict::Counter::new(),
        )
        .unwrap();
    g.bench_function("ours", |b| b.iter(|| black_box(&c).inc()));

    let c = prometheus_client::metrics::counter::Counter::<u64>::default();
    r.pc.register("counter_inc", "Counter inc.", c.clone());
    g.bench_function("prometheus_client", |b| b.iter(|| black_box(&c).inc()));

    let c = prometheus::IntCounter::new("counter_inc_total", "Counter inc.").unwrap();
    r.tikv.register(Box::new(c.clone())).unwrap();
    g.bench_function("prometheus", |b| b.iter(|| black_box(&c).inc()));

    let c = std::sync::Arc::new(measured::Counter::new());
    g.bench_function("measured", |b| b.iter(|| black_box(&*c).inc()));
    r.measured.push(Box::new(move |enc| {
        measured_family(enc, "counter_inc_total", "Counter inc.", &*c)
    }));

    metrics_handle();
    g.bench_function("metrics", |b| {
        b.iter(|| metrics::counter!("counter_inc_total").increment(1))
    });
    let c = metrics::counter!("counter_inc_total");
    g.bench_function("metrics_handle", |b| b.iter(|| black_box(&c).increment(1)));
}

// ---------------------------------------------------------------------------
// Exemplars: an increment and an observation that each keep a trace id.
// prometheus-client keeps one exemplar per counter and per bucket behind a
// read-write lock, and stores the label set it is handed (cloned here from
// a prepared one, as a request handler would build it); ours swaps a
// pointer to a new allocation holding a prepared label set's handle.

const EXEMPLAR_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const EXEMPLAR_SPAN: &str = "00f067aa0ba902b7";

fn counter_inc_exemplar(g: &mut Group<'_>, r: &mut Registries) {
    let c = r
        .ours
        .register_with(
            promstrict::Descriptor::new(
                "counter_inc_exemplar_total",
                "Counter inc with an exemplar.",
            )
            .allow_legacy_name(),
            promstrict::Counter::new(),
        )
        .unwrap();
    let trace = promstrict::ExemplarLabels::trace(EXEMPLAR_TRACE, EXEMPLAR_SPAN).unwrap();
    g.bench_function("ours", |b| {
        b.iter(|| black_box(&c).inc_with_exemplar(black_box(&trace)))
    });

    type PcLabels = [(&'static str, &'static str); 2];
    let c = prometheus_client::metrics::exemplar::CounterWithExemplar::<PcLabels>::default();
    r.pc.register(
        "counter_inc_exemplar",
        "Counter inc with an exemplar.",
        c.clone(),
    );
    let labels: PcLabels = [("trace_id", EXEMPLAR_TRACE), ("span_id", EXEMPLAR_SPAN)];
    g.bench_function("prometheus_client", |b| {
        b.iter(|| {
            black_box(&c).inc_by(
                1,
                Some(black_box(labels)),
                Some(std::time::SystemTime::now()),
            )
        })
    });
}

fn histogram_observe_exemplar(g: &mut Group<'_>, r: &mut Registries) {
    let h = r
        .ours
        .register_with(
            promstrict::Descriptor::new("histogram_observe_exemplar", "Observe with an exemplar.")
                .allow_legacy_name(),
            promstrict::Histogram::new(promstrict::Buckets::new(&BOUNDS).unwrap()),
        )
        .unwrap();
    let trace = promstrict::ExemplarLabels::trace(EXEMPLAR_TRACE, EXEMPLAR_SPAN).unwrap();
    let values = spread_values();
    let mut i = 0;
    g.bench_function("ours", |b| {
        b.iter(|| {
            i = (i + 1) & 63;
            black_box(&h).observe_with_exemplar(black_box(values[i]), black_box(&trace))
        })
    });

    type PcLabels = [(&'static str, &'static str); 2];
    let h = prometheus_client::metrics::exemplar::HistogramWithExemplars::<PcLabels>::new(
        BOUNDS.iter().copied(),
    );
    r.pc.register(
        "histogram_observe_exemplar",
        "Observe with an exemplar.",
        h.clone(),
    );
    let labels: PcLabels = [("trace_id", EXEMPLAR_TRACE), ("span_id", EXEMPLAR_SPAN)];
    let mut i = 0;
    g.bench_function("prometheus_client", |b| {
        b.iter(|| {
            i = (i + 1) & 63;
            black_box(&h).observe(
                black_box(values[i]),
                Some(black_box(labels)),
                Some(std::time::SystemTime::now()),
            )
        })
    });
}

// ---------------------------------------------------------------------------
// 2. counter_inc_labels: 2 enum labels, 18 combinations.

fn counter_inc_labels(g: &mut Group<'_>, r: &mut Registries) {
    let family: promstrict::Family<ours::Request, promstrict::Counter> = r
        .ours
        .register_with(
            // The peers' names, which the rule book refuses (they name
            // the metric type): the legacy opt-out keeps them comparable.
            promstrict::Descriptor::new("counter_inc_labels_total", "Labelled counter inc.")
                .allow_legacy_name(),
            promstrict::Family::default(),
        )
        .unwrap();
    let sets = ours::seq();
    let mut i = 0;
    g.bench_function("ours", |b| {
        b.iter(|| {
            i = (i + 1) & 31;
            black_box(&family).labels(black_box(sets[i])).inc();
        })
    });

    let family = prometheus_client::metrics::family::Family::<
        pc::Request,
        prometheus_client::metrics::counter::Counter,
    >::default();
    r.pc.register(
        "counter_inc_labels",
        "Labelled counter inc.",
        family.clone(),
    );
    let sets = pc::seq();
    let mut i = 0;
    g.bench_function("prometheus_client", |b| {
        b.iter(|| {
            i = (i + 1) & 31;
            black_box(&family).get_or_create(black_box(&sets[i])).inc();
        })
    });

    let vec = prometheus::IntCounterVec::new(
        prometheus::Opts::new("counter_inc_labels_total", "Labelled counter inc."),
        &["method", "status"],
    )
    .unwrap();
    r.tikv.register(Box::new(vec.clone())).unwrap();
    let names = seq_names();
    let mut i = 0;
    g.bench_function("prometheus", |b| {
        b.iter(|| {
            i = (i + 1) & 31;
            let (m, s) = black_box(names[i]);
            black_box(&vec).with_label_values(&[m, s]).inc();
        })
    });

    let vec = prometheus::IntCounterVec::new(
        prometheus::Opts::new(
            "counter_inc_labels_static_total",
            "Labelled counter inc (static).",
        ),
        &["method", "status"],
    )
    .unwrap();
    r.tikv.register(Box::new(vec.clone())).unwrap();
    let st = tikv_static::RequestCounters::from(&vec);
    let sets = tikv_static::seq();
    let mut i = 0;
    g.bench_function("prometheus_static", |b| {
        b.iter(|| {
            i = (i + 1) & 31;
            let (m, s) = black_box(sets[i]);
            black_box(&st).get(m).get(s).inc();
        })
    });

    let vec = std::sync::Arc::new(measured::CounterVec::with_label_set(meas::RequestSet::new()));
    let sets = meas::seq();
    let mut i = 0;
    g.bench_function("measured", |b| {
        b.iter(|| {
            i = (i + 1) & 31;
            black_box(&*vec).inc(black_box(sets[i]));
        })
    });
    r.measured.push(Box::new(move |enc| {
        measured_family(
            enc,
            "counter_inc_labels_total",
            "Labelled counter inc.",
            &*vec,
        )
    }));

    metrics_handle();
    let mut i = 0;
    g.bench_function("metrics", |b| {
        b.iter(|| {
            i = (i + 1) & 31;
            let (m, s) = black_box(names[i]);
            metrics::counter!("counter_inc_labels_total", "method" => m, "status" => s)
                .increment(1);
        })
    });
    let handles = names
        .map(|(m, s)| metrics::counter!("counter_inc_labels_total", "method" => m, "status" => s));
    let mut i = 0;
    g.bench_function("metrics_handle", |b| {
        b.iter(|| {
            i = (i + 1) & 31;
            black_box(&handles[i]).increment(1);
        })
    });
}

// ---------------------------------------------------------------------------
// 3. histogram_observe: no labels, 12 buckets.

fn histogram_observe(g: &mut Group<'_>, r: &mut Registries) {
    let values = spread_values();

    let h = r
        .ours
        .register_with(
            // The peers' names, which the rule book refuses (they name
            // the metric type): the legacy opt-out keeps them comparable.
            promstrict::Descriptor::new("histogram_observe_seconds", "Histogram observe.")
                .allow_legacy_name(),
            promstrict::Histogram::new(promstrict::Buckets::new(&BOUNDS).unwrap()),
        )
        .unwrap();
    let mut j = 0;
    g.bench_function("ours", |b| {
        b.iter(|| {
            j = (j + 1) & 63;
            black_box(&h).observe(black_box(values[j]));
        })
    });

    let h = prometheus_client::metrics::histogram::Histogram::new(BOUNDS);
    r.pc.register("histogram_observe_seconds", "Histogram observe.", h.clone());
    let mut j = 0;
    g.bench_function("prometheus_client", |b| {
        b.iter(|| {
            j = (j + 1) & 63;
            black_box(&h).observe(black_box(values[j]));
        })
    });

    let h = prometheus::Histogram::with_opts(
        prometheus::HistogramOpts::new("histogram_observe_seconds", "Histogram observe.")
            .buckets(BOUNDS.to_vec()),
    )
    .unwrap();
    r.tikv.register(Box::new(h.clone())).unwrap();
    let mut j = 0;
    g.bench_function("prometheus", |b| {
        b.iter(|| {
            j = (j + 1) & 63;
            black_box(&h).observe(black_box(values[j]));
        })
    });

    let h = std::sync::Arc::new(measured::Histogram::<12>::with_metadata(
        measured::metric::histogram::Thresholds::with_buckets(BOUNDS),
    ));
    let mut j = 0;
    g.bench_function("measured", |b| {
        b.iter(|| {
            j = (j + 1) & 63;
            black_box(&*h).observe(black_box(values[j]));
        })
    });
    r.measured.push(Box::new(move |enc| {
        measured_family(enc, "histogram_observe_seconds", "Histogram observe.", &*h)
    }));

    metrics_handle();
    g.bench_function("metrics", |b| {
        b.iter_custom(|iters| {
            timed_then_upkeep(iters, |i| {
                metrics::histogram!("histogram_observe_seconds").record(black_box(values[i & 63]))
            })
        })
    });
    let h = metrics::histogram!("histogram_observe_seconds");
    g.bench_function("metrics_handle", |b| {
        b.iter_custom(|iters| {
            timed_then_upkeep(iters, |i| black_box(&h).record(black_box(values[i & 63])))
        })
    });
}

// ---------------------------------------------------------------------------
// native_observe: a native histogram (schema 3, 160 buckets), against ours
// classic and the peers' native histograms.

fn native_observe(g: &mut Group<'_>, r: &mut Registries) {
    let values = spread_values();

    let options = promstrict::NativeOptions::new(3, 160, 1e-9).unwrap();
    let h = r
        .ours
        .register_with(
            promstrict::Descriptor::new("native_observe_seconds", "Native histogram observe.")
                .allow_legacy_name(),
            promstrict::NativeHistogram::new(options),
        )
        .unwrap();
    let mut j = 0;
    g.bench_function("ours", |b| {
        b.iter(|| {
            j = (j + 1) & 63;
            black_box(&h).observe(black_box(values[j]));
        })
    });

    // Our classic histogram, the same values: what the native layout costs.
    let classic = promstrict::Histogram::new(promstrict::Buckets::new(&BOUNDS).unwrap());
    let mut j = 0;
    g.bench_function("ours_classic", |b| {
        b.iter(|| {
            j = (j + 1) & 63;
            black_box(&classic).observe(black_box(values[j]));
        })
    });

    use prometheus_client::metrics::histogram::{Histogram as PcHistogram, NativeHistogramConfig};
    let h = PcHistogram::new_native(
        NativeHistogramConfig::with_schema(3)
            .max_buckets(160)
            .zero_threshold(1e-9),
    );
    r.pc_native = Some(h.clone());
    let mut j = 0;
    g.bench_function("prometheus_client", |b| {
        b.iter(|| {
            j = (j + 1) & 63;
            black_box(&h).observe(black_box(values[j]));
        })
    });

    // metrics-exporter-prometheus queues samples and sorts them into native
    // buckets at upkeep: both are timed here, or the comparison would leave
    // out its bucketing.
    metrics_handle();
    let h = metrics::histogram!("native_observe_seconds");
    g.bench_function("metrics_handle", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for i in 0..iters as usize {
                black_box(&h).record(black_box(values[i & 63]));
            }
            metrics_handle().run_upkeep();
            start.elapsed()
        })
    });
}

// ---------------------------------------------------------------------------
// 4. histogram_observe_labels: 12 buckets, the 18 label combinations.

fn histogram_observe_labels(g: &mut Group<'_>, r: &mut Registries) {
    let values = spread_values();

    let family: promstrict::Family<ours::Request, promstrict::Histogram> = r
        .ours
        .register_with(
            // The peers' names, which the rule book refuses (they name
            // the metric type): the legacy opt-out keeps them comparable.
            promstrict::Descriptor::new(
                "histogram_observe_labels_seconds",
                "Labelled histogram observe.",
            )
            .allow_legacy_name(),
            promstrict::Family::with_options(promstrict::Buckets::new(&BOUNDS).unwrap()),
        )
        .unwrap();
    let sets = ours::seq();
    let mut j = 0;
    g.bench_function("ours", |b| {
        b.iter(|| {
            j = (j + 1) & 63;
            black_box(&family)
                .labels(black_box(sets[j & 31]))
                .observe(black_box(values[j]));
        })
    });

    let family: pc::HistogramFamily<pc::Request> =
        prometheus_client::metrics::family::Family::new_with_constructor(|| {
            prometheus_client::metrics::histogram::Histogram::new(BOUNDS)
        });
    r.pc.register(
        "histogram_observe_labels_seconds",
        "Labelled histogram observe.",
        family.clone(),
    );
    let sets = pc::seq();
    let mut j = 0;
    g.bench_function("prometheus_client", |b| {
        b.iter(|| {
            j = (j + 1) & 63;
            black_box(&family)
                .get_or_create(black_box(&sets[j & 31]))
                .observe(black_box(values[j]));
        })
    });

    let vec = prometheus::HistogramVec::new(
        prometheus::HistogramOpts::new(
            "histogram_observe_labels_seconds",
            "Labelled histogram observe.",
        )
        .buckets(BOUNDS.to_vec()),
        &["method", "status"],
    )
    .unwrap();
    r.tikv.register(Box::new(vec.clone())).unwrap();
    let names = seq_names();
    let mut j = 0;
    g.bench_function("prometheus", |b| {
        b.iter(|| {
            j = (j + 1) & 63;
            let (m, s) = black_box(names[j & 31]);
            black_box(&vec)
                .with_label_values(&[m, s])
                .observe(black_box(values[j]));
        })
    });

    let vec = prometheus::HistogramVec::new(
        prometheus::HistogramOpts::new(
            "histogram_observe_labels_static_seconds",
            "Labelled histogram observe (static).",
        )
        .buckets(BOUNDS.to_vec()),
        &["method", "status"],
    )
    .unwrap();
    r.tikv.register(Box::new(vec.clone())).unwrap();
    let st = tikv_static::RequestHistograms::from(&vec);
    let sets = tikv_static::seq();
    let mut j = 0;
    g.bench_function("prometheus_static", |b| {
        b.iter(|| {
            j = (j + 1) & 63;
            let (m, s) = black_box(sets[j & 31]);
            black_box(&st).get(m).get(s).observe(black_box(values[j]));
        })
    });

    let vec = std::sync::Arc::new(
        measured::HistogramVec::<meas::RequestSet, 12>::with_label_set_and_metadata(
            meas::RequestSet::new(),
            measured::metric::histogram::Thresholds::with_buckets(BOUNDS),
        ),
    );
    let sets = meas::seq();
    let mut j = 0;
    g.bench_function("measured", |b| {
        b.iter(|| {
            j = (j + 1) & 63;
            black_box(&*vec).observe(black_box(sets[j & 31]), black_box(values[j]));
        })
    });
    r.measured.push(Box::new(move |enc| {
        measured_family(
            enc,
            "histogram_observe_labels_seconds",
            "Labelled histogram observe.",
            &*vec,
        )
    }));

    metrics_handle();
    g.bench_function("metrics", |b| {
        b.iter_custom(|iters| {
            timed_then_upkeep(iters, |j| {
                let (m, s) = black_box(names[j & 31]);
                metrics::histogram!("histogram_observe_labels_seconds", "method" => m, "status" => s)
                    .record(black_box(values[j & 63]));
            })
        })
    });
    let handles = names.map(|(m, s)| {
        metrics::histogram!("histogram_observe_labels_seconds", "method" => m, "status" => s)
    });
    g.bench_function("metrics_handle", |b| {
        b.iter_custom(|iters| {
            timed_then_upkeep(iters, |j| {
                black_box(&handles[j & 31]).record(black_box(values[j & 63]))
            })
        })
    });
}

// ---------------------------------------------------------------------------
// 5. instrumentation: the cost a timed function call adds.

/// The function every variant calls (or is): it does nothing, but cannot be
/// proven to do nothing.
#[inline(never)]
fn bare() {
    black_box(());
}

#[instrument_latency]
#[inline(never)]
fn ours_instrumented() {
    black_box(());
}

#[autometrics::autometrics]
#[inline(never)]
fn autometrics_instrumented() {
    black_box(());
}

fn instrumentation(g: &mut Group<'_>, r: &mut Registries) {
    g.bench_function("bare", |b| b.iter(bare));

    // The floor: what any latency histogram must at least do.
    let floor = promstrict::Histogram::new(promstrict::Buckets::new(&BOUNDS).unwrap());
    g.bench_function("floor", |b| {
        b.iter(|| {
            let start = Instant::now();
            bare();
            floor.observe(start.elapsed().as_secs_f64());
        })
    });

    g.bench_function("ours", |b| b.iter(ours_instrumented));

    let h = r
        .ours
        .register(
            "instrumentation_timer_seconds",
            "Timer.",
            promstrict::Histogram::new(promstrict::Buckets::new(&BOUNDS).unwrap()),
        )
        .unwrap();
    g.bench_function("ours_timer", |b| b.iter(|| h.time(bare)));

    // Initialised in `main` with the same 12 buckets as everyone else.
    g.bench_function("autometrics", |b| b.iter(autometrics_instrumented));

    let h = prometheus_client::metrics::histogram::Histogram::new(BOUNDS);
    r.pc.register("instrumentation_timer_seconds", "Timer.", h.clone());
    g.bench_function("prometheus_client", |b| {
        b.iter(|| {
            let start = Instant::now();
            bare();
            h.observe(start.elapsed().as_secs_f64());
        })
    });

    let h = prometheus::Histogram::with_opts(
        prometheus::HistogramOpts::new("instrumentation_timer_seconds", "Timer.")
            .buckets(BOUNDS.to_vec()),
    )
    .unwrap();
    r.tikv.register(Box::new(h.clone())).unwrap();
    g.bench_function("prometheus", |b| {
        b.iter(|| {
            let timer = h.start_timer();
            bare();
            timer.observe_duration();
        })
    });

    let h = std::sync::Arc::new(measured::Histogram::<12>::with_metadata(
        measured::metric::histogram::Thresholds::with_buckets(BOUNDS),
    ));
    g.bench_function("measured", |b| {
        b.iter(|| {
            let timer = h.start_timer();
            bare();
            timer.observe();
        })
    });
    r.measured.push(Box::new(move |enc| {
        measured_family(enc, "instrumentation_timer_seconds", "Timer.", &*h)
    }));

    metrics_handle();
    g.bench_function("metrics", |b| {
        b.iter_custom(|iters| {
            timed_then_upkeep(iters, |_| {
                let start = Instant::now();
                bare();
                metrics::histogram!("instrumentation_timer_seconds").record(start.elapsed());
            })
        })
    });
}

// ---------------------------------------------------------------------------
// 6. contention: 2 threads on the same counter / histogram.

/// Both threads wait at a barrier, then each does `iters` operations. The
/// result is the wall time from the first thread's start to the last thread's
/// end, so criterion reports the wall time of one "round" (one operation on
/// each of the 2 threads). How much of that time both threads really ran at
/// once is recorded in [`OVERLAP`]: on a busy 2-core machine one thread can
/// run alone, and then there is no contention to measure.
fn contended<T: Sync>(target: &T, iters: u64, op: impl Fn(&T, usize) + Sync) -> Duration {
    let barrier = Barrier::new(2);
    // After the barrier (both threads exist), a spinning rendezvous: a thread
    // woken from the barrier's futex can wait a whole scheduler slice for a
    // core, and then its partner would be done before it starts.
    let ready = AtomicUsize::new(0);
    let spans: Vec<(Instant, Instant)> = std::thread::scope(|s| {
        let threads: Vec<_> = (0..2)
            .map(|t| {
                let (barrier, ready, op) = (&barrier, &ready, &op);
                s.spawn(move || {
                    barrier.wait();
                    ready.fetch_add(1, Ordering::SeqCst);
                    while ready.load(Ordering::SeqCst) < 2 {
                        std::hint::spin_loop();
                    }
                    let start = Instant::now();
                    for i in 0..iters as usize {
                        op(target, i + t * 17);
                    }
                    (start, Instant::now())
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    let first_start = spans.iter().map(|s| s.0).min().unwrap();
    let last_end = spans.iter().map(|s| s.1).max().unwrap();
    let last_start = spans.iter().map(|s| s.0).max().unwrap();
    let first_end = spans.iter().map(|s| s.1).min().unwrap();
    let wall = last_end - first_start;
    let both = first_end.saturating_duration_since(last_start);
    if !wall.is_zero() {
        OVERLAP
            .lock()
            .unwrap()
            .push(both.as_secs_f64() / wall.as_secs_f64());
    }
    wall
}

/// The share of each contended sample's wall time during which both threads
/// were running (the samples of the benchmark being run).
static OVERLAP: std::sync::Mutex<Vec<f64>> = std::sync::Mutex::new(Vec::new());

/// Runs one contended benchmark and records, as a check, whether its threads
/// really overlapped (median share of the wall time ≥ 80 %).
fn bench_contended(
    g: &mut Group<'_>,
    scenario: &str,
    lib: &str,
    checks: &mut Vec<Check>,
    f: impl FnMut(u64) -> Duration,
) {
    OVERLAP.lock().unwrap().clear();
    let mut f = f;
    g.bench_function(lib, |b| b.iter_custom(&mut f));
    let mut shares = std::mem::take(&mut *OVERLAP.lock().unwrap());
    if shares.is_empty() {
        return; // filtered out
    }
    shares.sort_by(f64::total_cmp);
    let median = shares[shares.len() / 2];
    checks.push(Check {
        id: format!("{scenario}/{lib}#overlap"),
        ok: median >= 0.8,
        note: format!(
            "both threads ran together for a median {:.0} % of each sample's wall time{}",
            median * 100.0,
            if median >= 0.8 {
                ""
            } else {
                ": the machine was too busy for the threads to run at once, so this is \
                 not a contention measurement"
            }
        ),
    });
}

fn contention_counter(g: &mut Group<'_>, r: &mut Registries, checks: &mut Vec<Check>) {
    let sc = "contention_counter";
    let c = r
        .ours
        .register_with(
            // The peers' names, which the rule book refuses (they name
            // the metric type): the legacy opt-out keeps them comparable.
            promstrict::Descriptor::new("contention_counter_total", "Contended counter.")
                .allow_legacy_name(),
            promstrict::Counter::new(),
        )
        .unwrap();
    bench_contended(g, sc, "ours", checks, |n| {
        contended(&c, n, |c, _| {
            black_box(c).inc();
        })
    });

    let c = prometheus_client::metrics::counter::Counter::<u64>::default();
    r.pc.register("contention_counter", "Contended counter.", c.clone());
    bench_contended(g, sc, "prometheus_client", checks, |n| {
        contended(&c, n, |c, _| {
            black_box(c).inc();
        })
    });

    let c = prometheus::IntCounter::new("contention_counter_total", "Contended counter.").unwrap();
    r.tikv.register(Box::new(c.clone())).unwrap();
    bench_contended(g, sc, "prometheus", checks, |n| {
        contended(&c, n, |c, _| black_box(c).inc())
    });

    let c = std::sync::Arc::new(measured::Counter::new());
    bench_contended(g, sc, "measured", checks, |n| {
        contended(&*c, n, |c, _| black_box(c).inc())
    });
    r.measured.push(Box::new(move |enc| {
        measured_family(enc, "contention_counter_total", "Contended counter.", &*c)
    }));

    metrics_handle();
    let c = metrics::counter!("contention_counter_total");
    bench_contended(g, sc, "metrics_handle", checks, |n| {
        contended(&c, n, |c, _| black_box(c).increment(1))
    });
}

fn contention_histogram(g: &mut Group<'_>, r: &mut Registries, checks: &mut Vec<Check>) {
    let sc = "contention_histogram";
    let values = spread_values();
    let h = r
        .ours
        .register_with(
            // The peers' names, which the rule book refuses (they name
            // the metric type): the legacy opt-out keeps them comparable.
            promstrict::Descriptor::new("contention_histogram_seconds", "Contended histogram.")
                .allow_legacy_name(),
            promstrict::Histogram::new(promstrict::Buckets::new(&BOUNDS).unwrap()),
        )
        .unwrap();
    bench_contended(g, sc, "ours", checks, |n| {
        contended(&h, n, |h, i| black_box(h).observe(values[i & 63]))
    });

    let h = prometheus_client::metrics::histogram::Histogram::new(BOUNDS);
    r.pc.register(
        "contention_histogram_seconds",
        "Contended histogram.",
        h.clone(),
    );
    bench_contended(g, sc, "prometheus_client", checks, |n| {
        contended(&h, n, |h, i| black_box(h).observe(values[i & 63]))
    });

    let h = prometheus::Histogram::with_opts(
        prometheus::HistogramOpts::new("contention_histogram_seconds", "Contended histogram.")
            .buckets(BOUNDS.to_vec()),
    )
    .unwrap();
    r.tikv.register(Box::new(h.clone())).unwrap();
    bench_contended(g, sc, "prometheus", checks, |n| {
        contended(&h, n, |h, i| black_box(h).observe(values[i & 63]))
    });

    let h = std::sync::Arc::new(measured::Histogram::<12>::with_metadata(
        measured::metric::histogram::Thresholds::with_buckets(BOUNDS),
    ));
    bench_contended(g, sc, "measured", checks, |n| {
        contended(&*h, n, |h, i| black_box(h).observe(values[i & 63]))
    });
    r.measured.push(Box::new(move |enc| {
        measured_family(
            enc,
            "contention_histogram_seconds",
            "Contended histogram.",
            &*h,
        )
    }));

    metrics_handle();
    let h = metrics::histogram!("contention_histogram_seconds");
    bench_contended(g, sc, "metrics_handle", checks, |n| {
        let t = contended(&h, n, |h, i| black_box(h).record(values[i & 63]));
        metrics_handle().run_upkeep();
        t
    });
}

// ---------------------------------------------------------------------------
// 7. encoding: 100 families × 100 series (row × col), into a reused buffer.

/// What series (row, col) of family `f` holds: distinct, non-zero.
fn value_of(f: usize, row: usize, col: usize) -> u64 {
    (f * 100 + row * 10 + col + 1) as u64
}

fn encode_counters(g: &mut Group<'_>, checks: &mut Vec<Check>) {
    let names = family_names("_total");
    let help = "Requests per cell.";

    let registry = promstrict::Registry::new();
    for (f, name) in names.iter().enumerate() {
        let fam: promstrict::Family<ours::Grid, promstrict::Counter> = registry
            .register(*name, help, promstrict::Family::default())
            .unwrap();
        for l in ours::grid() {
            fam.labels(l)
                .inc_by(value_of(f, l.row as usize, l.col as usize));
        }
    }
    let mut buf = String::with_capacity(1 << 20);
    for (id, format) in [
        ("ours", promstrict::Format::Prometheus),
        ("ours_openmetrics", promstrict::Format::OpenMetrics),
    ] {
        g.bench_function(id, |b| {
            b.iter(|| {
                buf.clear();
                registry.encode_into(format, &mut buf);
                black_box(buf.len())
            })
        });
        checks.push(check_encoding(
            "encode_counters",
            id,
            &buf,
            "family_",
            "_total",
            10_000,
        ));
    }
    // The same texts rendered line by line from the labels, as before the
    // line prefixes were pre-rendered (same run, for the speed-up).
    for (id, format) in [
        ("ours_line_by_line", promstrict::Format::Prometheus),
        (
            "ours_openmetrics_line_by_line",
            promstrict::Format::OpenMetrics,
        ),
    ] {
        g.bench_function(id, |b| {
            b.iter(|| {
                buf.clear();
                registry.__encode_line_by_line_into(format, &mut buf);
                black_box(buf.len())
            })
        });
        checks.push(Check {
            id: format!("encode_counters/{id}"),
            ok: buf == registry.encode(format),
            note: "the same bytes as the pre-rendered encoding".into(),
        });
    }
    // The same text streamed to a writer in 64 KiB chunks (`encode_to`).
    let mut out = Vec::with_capacity(1 << 20);
    g.bench_function("ours_stream", |b| {
        b.iter(|| {
            out.clear();
            registry
                .encode_to(&mut out, promstrict::Format::Prometheus)
                .unwrap();
            black_box(out.len())
        })
    });
    checks.push(check_encoding(
        "encode_counters",
        "ours_stream",
        std::str::from_utf8(&out).unwrap(),
        "family_",
        "_total",
        10_000,
    ));

    let mut registry = prometheus_client::registry::Registry::default();
    for (f, name) in names.iter().enumerate() {
        let fam = prometheus_client::metrics::family::Family::<
            pc::Grid,
            prometheus_client::metrics::counter::Counter,
        >::default();
        registry.register(name.trim_end_matches("_total"), help, fam.clone());
        for l in pc::grid() {
            fam.get_or_create(&l)
                .inc_by(value_of(f, l.row as usize, l.col as usize));
        }
    }
    let mut buf = String::with_capacity(1 << 20);
    g.bench_function("prometheus_client", |b| {
        b.iter(|| {
            buf.clear();
            prometheus_client::encoding::text::encode(&mut buf, &registry).unwrap();
            black_box(buf.len())
        })
    });
    checks.push(check_encoding(
        "encode_counters",
        "prometheus_client",
        &buf,
        "family_",
        "_total",
        10_000,
    ));

    let registry = prometheus::Registry::new();
    for (f, name) in names.iter().enumerate() {
        let vec =
            prometheus::IntCounterVec::new(prometheus::Opts::new(*name, help), &["row", "col"])
                .unwrap();
        registry.register(Box::new(vec.clone())).unwrap();
        for (r, row) in ROW_NAMES.iter().enumerate() {
            for (c, col) in COL_NAMES.iter().enumerate() {
                vec.with_label_values(&[*row, *col])
                    .inc_by(value_of(f, r, c));
            }
        }
    }
    let encoder = prometheus::TextEncoder::new();
    let mut buf = String::with_capacity(1 << 20);
    g.bench_function("prometheus", |b| {
        b.iter(|| {
            buf.clear();
            encoder.encode_utf8(&registry.gather(), &mut buf).unwrap();
            black_box(buf.len())
        })
    });
    checks.push(check_encoding(
        "encode_counters",
        "prometheus",
        &buf,
        "family_",
        "_total",
        10_000,
    ));

    let vecs: Vec<_> = names
        .iter()
        .enumerate()
        .map(|(f, name)| {
            let vec = measured::CounterVec::with_label_set(meas::GridSet::new());
            for l in meas::grid() {
                vec.inc_by(l, value_of(f, l.row as usize, l.col as usize));
            }
            (*name, vec)
        })
        .collect();
    let mut enc = measured::text::BufferedTextEncoder::new();
    let _ = measured_text(&mut enc, &vecs, help);
    g.bench_function("measured", |b| {
        b.iter(|| {
            for (name, vec) in &vecs {
                measured_family(&mut enc, name, help, vec);
            }
            // The encoder's buffer is reused: `finish` splits the bytes off,
            // and once they are dropped the next collection reuses the memory.
            black_box(enc.finish().len())
        })
    });
    let text = measured_text(&mut enc, &vecs, help);
    checks.push(check_encoding(
        "encode_counters",
        "measured",
        &text,
        "family_",
        "_total",
        10_000,
    ));

    let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    metrics::with_local_recorder(&recorder, || {
        for (f, name) in names.iter().enumerate() {
            metrics::describe_counter!(*name, help);
            for (r, row) in ROW_NAMES.iter().enumerate() {
                for (c, col) in COL_NAMES.iter().enumerate() {
                    metrics::counter!(*name, "row" => *row, "col" => *col)
                        .increment(value_of(f, r, c));
                }
            }
        }
    });
    let mut out: Vec<u8> = Vec::with_capacity(1 << 20);
    g.bench_function("metrics", |b| {
        b.iter(|| {
            out.clear();
            handle.render_to_write(&mut out).unwrap();
            black_box(out.len())
        })
    });
    checks.push(check_encoding(
        "encode_counters",
        "metrics",
        &String::from_utf8_lossy(&out),
        "family_",
        "_total",
        10_000,
    ));
}

/// measured's encoding of all families, as text (warms the buffer; feeds the checks).
fn measured_text<M>(
    enc: &mut measured::text::BufferedTextEncoder,
    vecs: &[(&'static str, M)],
    help: &str,
) -> String
where
    M: measured::metric::MetricFamilyEncoding<measured::text::BufferedTextEncoder>,
{
    for (name, vec) in vecs {
        measured_family(enc, name, help, vec);
    }
    String::from_utf8_lossy(&enc.finish()).into_owned()
}

fn encode_histograms(g: &mut Group<'_>, checks: &mut Vec<Check>) {
    let names = family_names("_seconds");
    let help = "Latency per cell.";
    // Three observations per series, in different buckets.
    let obs = |f: usize, r: usize, c: usize| {
        let v = value_of(f, r, c) as f64;
        [v * 1e-5, v * 1e-4, v * 1e-3]
    };

    let registry = promstrict::Registry::new();
    let buckets = promstrict::Buckets::new(&BOUNDS10).unwrap();
    for (f, name) in names.iter().enumerate() {
        let fam: promstrict::Family<ours::Grid, promstrict::Histogram> = registry
            .register(
                *name,
                help,
                promstrict::Family::with_options(buckets.clone()),
            )
            .unwrap();
        for l in ours::grid() {
            for v in obs(f, l.row as usize, l.col as usize) {
                fam.labels(l).observe(v);
            }
        }
    }
    let mut buf = String::with_capacity(1 << 23);
    for (id, format) in [
        ("ours", promstrict::Format::Prometheus),
        ("ours_openmetrics", promstrict::Format::OpenMetrics),
    ] {
        g.bench_function(id, |b| {
            b.iter(|| {
                buf.clear();
                registry.encode_into(format, &mut buf);
                black_box(buf.len())
            })
        });
        checks.push(check_encoding(
            "encode_histograms",
            id,
            &buf,
            "family_",
            "_seconds_count",
            10_000,
        ));
    }
    // The same texts rendered line by line from the labels, as before the
    // line prefixes were pre-rendered (same run, for the speed-up).
    for (id, format) in [
        ("ours_line_by_line", promstrict::Format::Prometheus),
        (
            "ours_openmetrics_line_by_line",
            promstrict::Format::OpenMetrics,
        ),
    ] {
        g.bench_function(id, |b| {
            b.iter(|| {
                buf.clear();
                registry.__encode_line_by_line_into(format, &mut buf);
                black_box(buf.len())
            })
        });
        checks.push(Check {
            id: format!("encode_histograms/{id}"),
            ok: buf == registry.encode(format),
            note: "the same bytes as the pre-rendered encoding".into(),
        });
    }

    let mut registry = prometheus_client::registry::Registry::default();
    for (f, name) in names.iter().enumerate() {
        let fam: pc::HistogramFamily<pc::Grid> =
            prometheus_client::metrics::family::Family::new_with_constructor(|| {
                prometheus_client::metrics::histogram::Histogram::new(BOUNDS10)
            });
        registry.register(*name, help, fam.clone());
        for l in pc::grid() {
            for v in obs(f, l.row as usize, l.col as usize) {
                fam.get_or_create(&l).observe(v);
            }
        }
    }
    let mut buf = String::with_capacity(1 << 23);
    g.bench_function("prometheus_client", |b| {
        b.iter(|| {
            buf.clear();
            prometheus_client::encoding::text::encode(&mut buf, &registry).unwrap();
            black_box(buf.len())
        })
    });
    checks.push(check_encoding(
        "encode_histograms",
        "prometheus_client",
        &buf,
        "family_",
        "_seconds_count",
        10_000,
    ));

    let registry = prometheus::Registry::new();
    for (f, name) in names.iter().enumerate() {
        let vec = prometheus::HistogramVec::new(
            prometheus::HistogramOpts::new(*name, help).buckets(BOUNDS10.to_vec()),
            &["row", "col"],
        )
        .unwrap();
        registry.register(Box::new(vec.clone())).unwrap();
        for (r, row) in ROW_NAMES.iter().enumerate() {
            for (c, col) in COL_NAMES.iter().enumerate() {
                for v in obs(f, r, c) {
                    vec.with_label_values(&[*row, *col]).observe(v);
                }
            }
        }
    }
    let encoder = prometheus::TextEncoder::new();
    let mut buf = String::with_capacity(1 << 23);
    g.bench_function("prometheus", |b| {
        b.iter(|| {
            buf.clear();
            encoder.encode_utf8(&registry.gather(), &mut buf).unwrap();
            black_box(buf.len())
        })
    });
    checks.push(check_encoding(
        "encode_histograms",
        "prometheus",
        &buf,
        "family_",
        "_seconds_count",
        10_000,
    ));

    let vecs: Vec<_> = names
        .iter()
        .enumerate()
        .map(|(f, name)| {
            let vec = measured::HistogramVec::<meas::GridSet, 10>::with_label_set_and_metadata(
                meas::GridSet::new(),
                measured::metric::histogram::Thresholds::with_buckets(BOUNDS10),
            );
            for l in meas::grid() {
                for v in obs(f, l.row as usize, l.col as usize) {
                    vec.observe(l, v);
                }
            }
            (*name, vec)
        })
        .collect();
    let mut enc = measured::text::BufferedTextEncoder::new();
    let _ = measured_text(&mut enc, &vecs, help);
    g.bench_function("measured", |b| {
        b.iter(|| {
            for (name, vec) in &vecs {
                measured_family(&mut enc, name, help, vec);
            }
            black_box(enc.finish().len())
        })
    });
    let text = measured_text(&mut enc, &vecs, help);
    checks.push(check_encoding(
        "encode_histograms",
        "measured",
        &text,
        "family_",
        "_seconds_count",
        10_000,
    ));

    let recorder = metrics_exporter_prometheus::PrometheusBuilder::new()
        .set_buckets(&BOUNDS10)
        .unwrap()
        .build_recorder();
    let handle = recorder.handle();
    metrics::with_local_recorder(&recorder, || {
        for (f, name) in names.iter().enumerate() {
            metrics::describe_histogram!(*name, help);
            for (r, row) in ROW_NAMES.iter().enumerate() {
                for (c, col) in COL_NAMES.iter().enumerate() {
                    for v in obs(f, r, c) {
                        metrics::histogram!(*name, "row" => *row, "col" => *col).record(v);
                    }
                }
            }
        }
    });
    handle.run_upkeep();
    let mut out: Vec<u8> = Vec::with_capacity(1 << 23);
    g.bench_function("metrics", |b| {
        b.iter(|| {
            out.clear();
            handle.render_to_write(&mut out).unwrap();
            black_box(out.len())
        })
    });
    checks.push(check_encoding(
        "encode_histograms",
        "metrics",
        &String::from_utf8_lossy(&out),
        "family_",
        "_seconds_count",
        10_000,
    ));
}

// ---------------------------------------------------------------------------
// The checks: did every benchmarked library actually record?

struct Check {
    id: String,
    ok: bool,
    note: String,
}

/// Sample lines named `name` (then `{` or a space) whose value is > 0.
fn nonzero_samples(text: &str, name: &str, containing: &str) -> usize {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| {
            l.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
                && l.contains(containing)
                && l.rsplit(' ')
                    .next()
                    .and_then(|v| v.parse::<f64>().ok())
                    .is_some_and(|v| v > 0.0)
        })
        .count()
}

fn check_series(scenario: &str, lib: &str, text: &str, name: &str, want: usize) -> Check {
    let got = nonzero_samples(text, name, "");
    Check {
        id: format!("{scenario}/{lib}"),
        ok: got == want,
        note: format!("{got} non-zero `{name}` series (want {want})"),
    }
}

/// Every encoded family's series: `prefix…suffix` samples with a value > 0.
fn check_encoding(
    scenario: &str,
    lib: &str,
    text: &str,
    prefix: &str,
    suffix: &str,
    want: usize,
) -> Check {
    let got = text
        .lines()
        .filter(|l| l.starts_with(prefix))
        .filter(|l| {
            let name = l.split(['{', ' ']).next().unwrap_or("");
            name.ends_with(suffix)
                && l.rsplit(' ')
                    .next()
                    .and_then(|v| v.parse::<f64>().ok())
                    .is_some_and(|v| v > 0.0)
        })
        .count();
    Check {
        id: format!("{scenario}/{lib}"),
        ok: got == want,
        note: format!(
            "{got} non-zero `*{suffix}` samples (want {want}); {} bytes",
            text.len()
        ),
    }
}

fn hot_path_checks(r: &Registries, checks: &mut Vec<Check>) {
    let ours = r.ours.encode(promstrict::Format::Prometheus);
    let mut pc_text = String::new();
    prometheus_client::encoding::text::encode(&mut pc_text, &r.pc).unwrap();
    let mut tikv = String::new();
    prometheus::TextEncoder::new()
        .encode_utf8(&r.tikv.gather(), &mut tikv)
        .unwrap();
    let mut enc = measured::text::BufferedTextEncoder::new();
    for f in &r.measured {
        f(&mut enc);
    }
    let measured_text = String::from_utf8_lossy(&enc.finish()).into_owned();
    metrics_handle().run_upkeep();
    let metrics_text = metrics_handle().render();

    let libs: [(&str, &str); 5] = [
        ("ours", &ours),
        ("prometheus_client", &pc_text),
        ("prometheus", &tikv),
        ("measured", &measured_text),
        ("metrics", &metrics_text),
    ];
    let scenarios: [(&str, &str, usize); 7] = [
        ("counter_inc", "counter_inc_total", 1),
        ("counter_inc_labels", "counter_inc_labels_total", 18),
        ("histogram_observe", "histogram_observe_seconds_count", 1),
        (
            "histogram_observe_labels",
            "histogram_observe_labels_seconds_count",
            18,
        ),
        ("instrumentation", "instrumentation_timer_seconds_count", 1),
        ("contention_counter", "contention_counter_total", 1),
        (
            "contention_histogram",
            "contention_histogram_seconds_count",
            1,
        ),
    ];
    for (scenario, name, want) in scenarios {
        for (lib, text) in libs {
            let lib = match (scenario, lib) {
                // metrics' contention cases and timers use a handle / the macro.
                ("contention_counter" | "contention_histogram", "metrics") => "metrics_handle",
                (_, "ours") if scenario == "instrumentation" => "ours_timer",
                _ => lib,
            };
            checks.push(check_series(scenario, lib, text, name, want));
        }
    }
    checks.push(check_series(
        "counter_inc_labels",
        "prometheus_static",
        &tikv,
        "counter_inc_labels_static_total",
        18,
    ));
    checks.push(check_series(
        "histogram_observe_labels",
        "prometheus_static",
        &tikv,
        "histogram_observe_labels_static_seconds_count",
        18,
    ));

    // Native histograms: ours through its text view (the count), the peers
    // through their own counts.
    checks.push(check_series(
        "native_observe",
        "ours",
        &ours,
        "native_observe_seconds_count",
        1,
    ));
    if let Some(h) = &r.pc_native {
        let count = h.count();
        checks.push(Check {
            id: "native_observe/prometheus_client".into(),
            ok: count > 0,
            note: format!("the native histogram counted {count} observations"),
        });
    }
    // metrics-exporter-prometheus leaves native histograms out of its text
    // rendering, and its protobuf one needs `protoc` to build: its
    // `native_observe` variant has no check (the report says so).

    // The instrumented functions: their own series in their own registries.
    let default = promstrict::default_registry().encode(promstrict::Format::Prometheus);
    let got = nonzero_samples(
        &default,
        "function_duration_seconds_count",
        "\"ours_instrumented\"",
    );
    checks.push(Check {
        id: "instrumentation/ours".into(),
        ok: got >= 1,
        note: if got >= 1 {
            "`function_duration_seconds_count{function=\"ours_instrumented\"}` > 0".into()
        } else {
            "no `function_duration_seconds` series for `ours_instrumented` in the default \
             registry: `#[instrument_latency]` recorded nothing, so `instrumentation/ours` \
             timed an uninstrumented call"
                .into()
        },
    });
    let mut am = String::new();
    if let Some(settings) = AUTOMETRICS.get() {
        prometheus_client_022::encoding::text::encode(
            &mut am,
            settings.prometheus_client_registry(),
        )
        .unwrap();
    }
    let got = nonzero_samples(
        &am,
        "function_calls_duration_seconds_count",
        "\"autometrics_instrumented\"",
    );
    checks.push(Check {
        id: "instrumentation/autometrics".into(),
        ok: got >= 1,
        note: format!("{got} non-zero `function_calls_duration_seconds_count` series"),
    });
}

/// autometrics' settings (its registry), initialised in `main` before its first call.
static AUTOMETRICS: OnceLock<&'static autometrics::settings::AutometricsSettings> = OnceLock::new();

fn write_checks(checks: &[Check]) {
    let dir = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/target").to_owned());
    let mut out = String::from("id\tok\tnote\n");
    for c in checks {
        let _ = writeln!(out, "{}\t{}\t{}", c.id, c.ok, c.note.replace('\t', " "));
        if !c.ok {
            eprintln!(
                "CHECK FAILED: {}: {} (ignore if that benchmark was filtered out)",
                c.id, c.note
            );
        }
    }
    std::fs::write(format!("{dir}/compare-checks.tsv"), out).expect("write the checks");
}

// ---------------------------------------------------------------------------
// Two series of one family on two threads, against two separate counters:
// different series must not share a cache line.

promstrict::bounded_label! {
    /// A label with 4 096 values: its family is too large to pad, so
    /// neighbouring series share cache lines (the "packed" variant).
    struct Wide { max: 4095, overflow: "other" }
}

#[derive(promstrict::LabelSet, Clone, Copy)]
struct WideLabels {
    shard: Wide,
}

#[derive(promstrict::LabelSet, Clone, Copy)]
struct Side {
    left: bool,
}

fn contention_neighbours(g: &mut Group<'_>, r: &mut Registries, checks: &mut Vec<Check>) {
    let sc = "contention_neighbours";
    // Two unrelated counters: the floor.
    let counters = [promstrict::Counter::new(), promstrict::Counter::new()];
    bench_contended(g, sc, "ours_two_counters", checks, |n| {
        contended_per_thread(&counters, n, |c| {
            black_box(c).inc();
        })
    });
    // Two series of a 2-series family: padded slots.
    let family: promstrict::Family<Side, promstrict::Counter> = r
        .ours
        .register(
            "neighbours_padded_total",
            "Two series.",
            promstrict::Family::default(),
        )
        .unwrap();
    let cells = [
        family.labels(Side { left: true }),
        family.labels(Side { left: false }),
    ];
    bench_contended(g, sc, "ours_family_padded", checks, |n| {
        contended_per_thread(&cells, n, |c| {
            black_box(*c).inc();
        })
    });
    // Two neighbouring series of a 4 096-series family: packed slots.
    let family: promstrict::Family<WideLabels, promstrict::Counter> = r
        .ours
        .register(
            "neighbours_packed_total",
            "Many series.",
            promstrict::Family::default(),
        )
        .unwrap();
    let cells = [
        family.labels(WideLabels {
            shard: Wide::new("a"),
        }),
        family.labels(WideLabels {
            shard: Wide::new("b"),
        }),
    ];
    bench_contended(g, sc, "ours_family_packed", checks, |n| {
        contended_per_thread(&cells, n, |c| {
            black_box(*c).inc();
        })
    });
    // prometheus-client: two label sets of one `Family`.
    let family = prometheus_client::metrics::family::Family::<
        pc::Request,
        prometheus_client::metrics::counter::Counter,
    >::default();
    r.pc.register("neighbours", "Two series.", family.clone());
    let sets = pc::seq();
    let pair = [sets[0], sets[1]];
    bench_contended(g, sc, "prometheus_client", checks, |n| {
        contended_per_thread(&pair, n, |l| {
            family.get_or_create(black_box(l)).inc();
        })
    });
}

/// Each of the 2 threads works on its own element of `targets`.
fn contended_per_thread<T: Sync>(targets: &[T; 2], iters: u64, op: impl Fn(&T) + Sync) -> Duration {
    // `contended` hands each thread `i + 17 × thread` with `i` from 0: the
    // thread is the first index it sees; remember it per thread.
    thread_local! {
        static SIDE: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
    }
    contended(targets, iters, |targets, i| {
        let side = SIDE.with(|s| match s.get() {
            Some(side) => side,
            None => {
                let side = usize::from(i >= 17);
                s.set(Some(side));
                side
            }
        });
        op(&targets[side])
    })
}

// ---------------------------------------------------------------------------
// A scrape must not slow the hot path on other threads.

fn scrape_impact(g: &mut Group<'_>, checks: &mut Vec<Check>) {
    let registry = std::sync::Arc::new(promstrict::Registry::new());
    let mut families = Vec::new();
    for name in family_names("_total") {
        let fam: promstrict::Family<ours::Grid, promstrict::Counter> = registry
            .register(name, "Requests per cell.", promstrict::Family::default())
            .unwrap();
        fam.init_all();
        families.push(fam);
    }
    let hot = families[0].clone();
    let sets: Vec<ours::Grid> = ours::grid().collect();
    let mut i = 0;
    g.bench_function("ours_idle", |b| {
        b.iter(|| {
            i = (i + 1) & 63;
            black_box(&hot).labels(black_box(sets[i])).inc();
        })
    });
    // The same, while another thread scrapes the 10 000 series back to back.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let scrapes = std::sync::Arc::new(AtomicUsize::new(0));
    let scraper = {
        let (registry, stop, scrapes) = (registry.clone(), stop.clone(), scrapes.clone());
        std::thread::spawn(move || {
            let mut sink = std::io::sink();
            while !stop.load(Ordering::Relaxed) {
                registry
                    .encode_to(&mut sink, promstrict::Format::OpenMetrics)
                    .unwrap();
                scrapes.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    let mut i = 0;
    g.bench_function("ours_during_scrapes", |b| {
        b.iter(|| {
            i = (i + 1) & 63;
            black_box(&hot).labels(black_box(sets[i])).inc();
        })
    });
    stop.store(true, Ordering::Relaxed);
    scraper.join().unwrap();
    let n = scrapes.load(Ordering::Relaxed);
    checks.push(Check {
        id: "scrape_impact/ours_during_scrapes".into(),
        ok: n > 0,
        note: format!("{n} whole scrapes of 10 000 series ran during the measurement"),
    });
}

// ---------------------------------------------------------------------------
// What compression costs: one scrape of 1 000 counter series through the
// handler, plain, gzip (level 1) and zstd (level 1).

fn compress(g: &mut Group<'_>, checks: &mut Vec<Check>) {
    use promstrict::http::MetricsHandler;
    let registry = std::sync::Arc::new(promstrict::Registry::new());
    for (f, name) in family_names("_total").into_iter().take(10).enumerate() {
        let fam: promstrict::Family<ours::Grid, promstrict::Counter> = registry
            .register(name, "Requests per cell.", promstrict::Family::default())
            .unwrap();
        for l in ours::grid() {
            fam.labels(l)
                .inc_by(value_of(f, l.row as usize, l.col as usize));
        }
    }
    let handler = MetricsHandler::new(&registry);
    let want = registry.encode(promstrict::Format::Prometheus);
    for (id, coding) in [
        ("ours_identity", "identity"),
        ("ours_gzip", "gzip"),
        ("ours_zstd", "zstd"),
    ] {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::ACCEPT_ENCODING,
            http::HeaderValue::from_static(coding),
        );
        g.bench_function(id, |b| {
            b.iter(|| black_box(handler.respond(&http::Method::GET, &headers)))
        });
        let response = handler.respond(&http::Method::GET, &headers);
        let body = response.body();
        let text = match coding {
            "gzip" => {
                let mut text = Vec::new();
                std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&body[..]), &mut text)
                    .unwrap();
                text
            }
            "zstd" => zstd::decode_all(&body[..]).unwrap(),
            _ => body.to_vec(),
        };
        checks.push(Check {
            id: format!("compress/{id}"),
            ok: text == want.as_bytes(),
            note: format!(
                "{} bytes on the wire for {} bytes of text, decoded back to the same text",
                body.len(),
                want.len()
            ),
        });
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let mut r = Registries {
        ours: promstrict::Registry::new(),
        pc: prometheus_client::registry::Registry::default(),
        tikv: prometheus::Registry::new(),
        measured: Vec::new(),
        pc_native: None,
    };
    let mut checks = Vec::new();

    // Initialise autometrics with our buckets before its first call.
    if let Ok(settings) = autometrics::settings::AutometricsSettings::builder()
        .histogram_buckets(BOUNDS.to_vec())
        .try_init()
    {
        let _ = AUTOMETRICS.set(settings);
    }

    type Scenario = fn(&mut Group<'_>, &mut Registries);
    let hot: [(&str, Scenario); 8] = [
        ("counter_inc", counter_inc),
        ("counter_inc_labels", counter_inc_labels),
        ("histogram_observe", histogram_observe),
        ("native_observe", native_observe),
        ("histogram_observe_labels", histogram_observe_labels),
        ("instrumentation", instrumentation),
        ("counter_inc_exemplar", counter_inc_exemplar),
        ("histogram_observe_exemplar", histogram_observe_exemplar),
    ];
    for (name, scenario) in hot {
        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::Elements(1));
        scenario(&mut g, &mut r);
        g.finish();
    }

    type Contended = fn(&mut Group<'_>, &mut Registries, &mut Vec<Check>);
    let contention: [(&str, Contended); 3] = [
        ("contention_counter", contention_counter),
        ("contention_histogram", contention_histogram),
        ("contention_neighbours", contention_neighbours),
    ];
    for (name, scenario) in contention {
        let mut g = c.benchmark_group(name);
        // One iteration is one operation on each of the 2 threads.
        g.throughput(Throughput::Elements(2));
        scenario(&mut g, &mut r, &mut checks);
        g.finish();
    }

    type Encoding = fn(&mut Group<'_>, &mut Vec<Check>);
    let encodings: [(&str, Encoding); 2] = [
        ("encode_counters", encode_counters),
        ("encode_histograms", encode_histograms),
    ];
    for (name, scenario) in encodings {
        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::Elements(10_000));
        // Milliseconds per iteration: 20 flat samples (the same iteration
        // count in each) keep the quick mode quick.
        g.sample_size(20);
        g.sampling_mode(criterion::SamplingMode::Flat);
        scenario(&mut g, &mut checks);
        g.finish();
    }

    {
        let mut g = c.benchmark_group("scrape_impact");
        g.throughput(Throughput::Elements(1));
        scrape_impact(&mut g, &mut checks);
        g.finish();
        let mut g = c.benchmark_group("compress");
        g.throughput(Throughput::Elements(1_000));
        compress(&mut g, &mut checks);
        g.finish();
    }

    hot_path_checks(&r, &mut checks);
    c.final_summary();
    // A profiling run (`--profile-time`, for perf or callgrind) measures
    // nothing: keep the checks of the last real run.
    if !std::env::args().any(|a| a == "--profile-time") {
        write_checks(&checks);
    }
}
