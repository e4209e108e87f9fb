//! The cost of `#[instrument_latency]` on an empty function, against the
//! floor of timing anything: two `Instant::now()` and one histogram
//! observation. Target: instrumented within 1.3× the floor.
//!
//! `cargo bench -p promstrict-core --bench instrument -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;
use std::sync::LazyLock;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use promstrict_core::{
    instrument_latency, AtomicHistogram, Buckets, Counter, Family, Histogram, OutcomeLabels,
};

#[inline(never)]
fn bare() {}

#[instrument_latency]
#[inline(never)]
fn instrumented() {}

#[instrument_latency]
#[inline(never)]
fn instrumented_err(fail: bool) -> Result<(), ()> {
    if fail {
        Err(())
    } else {
        Ok(())
    }
}

static LATENCY: LazyLock<Histogram> = LazyLock::new(Histogram::default);
static CALLS: LazyLock<Family<OutcomeLabels, Counter>> = LazyLock::new(Family::default);

#[instrument_latency(metric = LATENCY, calls = CALLS)]
#[inline(never)]
fn instrumented_custom() {}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("instrument_latency");
    group.bench_function("bare fn", |b| b.iter(bare));
    group.bench_function("instrumented", |b| b.iter(instrumented));
    group.bench_function("instrumented, Err", |b| {
        b.iter(|| instrumented_err(black_box(true)))
    });
    group.bench_function("instrumented, metric + calls", |b| {
        b.iter(instrumented_custom)
    });
    let floor = AtomicHistogram::new(&Buckets::default());
    group.bench_function("floor: 2 x Instant::now + observe", |b| {
        b.iter(|| {
            let start = Instant::now();
            bare();
            floor.observe(start.elapsed().as_secs_f64());
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
