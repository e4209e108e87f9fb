//! Loom model of the histogram's striping: two observing threads and one
//! scraping thread, every interleaving (up to the preemption bound) and every
//! value the relaxed loads may return.
//!
//! ```text
//! RUSTFLAGS="--cfg promstrict_loom" CARGO_TARGET_DIR=target/loom \
//!     cargo test -p promstrict-core --release --test loom_histogram
//! ```
//!
//! Observer A records 1 then 3 (bucket `le=5`); observer B records 9 then 27
//! (`+Inf`). The values are powers of 3, so a sum reads back as base-3
//! digits, one per observation: a digit of 2 would be an observation added
//! twice.
//!
//! What each read must show: `_count` equal to the sum of the buckets and to
//! the `+Inf` bucket; no bucket above what was observed into it; a sum made
//! of each observation at most once. The sum is *not* tied to the buckets of
//! the same read: it is read after them, and an observation in flight may be
//! counted but not yet summed, or summed but not counted (see the module
//! docs of `histogram.rs`). Between two reads: no bucket and no observation
//! in the sum goes backwards. After the threads are joined: exact totals.
#![cfg(promstrict_loom)]

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use loom::sync::Arc;
use loom::thread;
use promstrict_core::{AtomicHistogram, Buckets, FamilyMember, Histogram, Labels, SeriesValue};

// One bound keeps the model small: a read loads 2 buckets and the sum from
// the shared cells and from each of the 2 stripes.
const BOUNDS: [f64; 1] = [5.0];
const A: [f64; 2] = [1.0, 3.0];
const B: [f64; 2] = [9.0, 27.0];
/// The most each bucket can hold: A's two, B's two.
const MAX_COUNTS: [u64; 2] = [2, 2];

/// One scrape: the non-cumulative buckets and the sum, read in one pass as
/// the encoders do.
#[derive(Debug)]
struct Read {
    counts: Vec<u64>,
    sum: f64,
}

fn scrape(h: &AtomicHistogram) -> Read {
    let mut read = None;
    <Histogram as FamilyMember>::visit_cell(h, Labels::None, None, &mut |_: Labels<'_>,
                                                                         value: SeriesValue<
        '_,
    >| match value {
        SeriesValue::Histogram {
            bounds,
            counts,
            sum,
        } => {
            assert_eq!(bounds, &BOUNDS[..]);
            read = Some(Read {
                counts: counts.to_vec(),
                sum,
            });
        }
        other => panic!("not a histogram: {other:?}"),
    });
    read.expect("one series")
}

/// Which observations the sum holds, as base-3 digits: `[1, 3, 9, 27]`.
fn sum_digits(sum: f64) -> [u64; 4] {
    assert!(
        sum >= 0.0 && sum.fract() == 0.0 && sum < 81.0,
        "sum {sum} is not made of the observations"
    );
    let mut s = sum as u64;
    let mut digits = [0; 4];
    for d in &mut digits {
        *d = s % 3;
        s /= 3;
    }
    digits
}

/// The checks one read must pass on its own; returns the sum's digits.
fn check_read(read: &Read) -> [u64; 4] {
    assert_eq!(read.counts.len(), BOUNDS.len() + 1);
    let count: u64 = read.counts.iter().sum();
    // `_count` as the encoders write it, and the `+Inf` cumulative bucket.
    let cumulative: Vec<u64> = read
        .counts
        .iter()
        .scan(0, |acc, c| {
            *acc += c;
            Some(*acc)
        })
        .collect();
    assert_eq!(count, *cumulative.last().unwrap(), "{read:?}");
    for (c, max) in read.counts.iter().zip(MAX_COUNTS) {
        assert!(*c <= max, "bucket above what was observed: {read:?}");
    }
    let digits = sum_digits(read.sum);
    assert!(
        digits.iter().all(|&d| d <= 1),
        "an observation summed twice: {read:?}"
    );
    digits
}

#[derive(Clone, Copy)]
struct Scenario {
    /// Start already striped, as after an earlier collision.
    striped: bool,
    /// The observers' stripe hints (stripe = probe & 1).
    probes: [usize; 2],
    /// Observations by A and by B (1 or 2 each).
    observations: [usize; 2],
    /// Reads by the scraping thread (1 or 2).
    reads: usize,
}

/// Runs the model; returns in how many executions the histogram ended up
/// striped.
fn run(scenario: Scenario) -> usize {
    // One model at a time: loom maps a fresh stack for every thread of every
    // execution, and two models side by side spend most of their time
    // contending in the kernel for that (measured: 200 s in parallel against
    // 115 s one after the other).
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());

    // Plain std atomics outside the model, one pair per test.
    let tally = std::sync::Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);
    let totals = tally.clone();

    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(2);
    }
    builder.check(move || {
        let buckets = Buckets::new(&BOUNDS).unwrap();
        let h = Arc::new(if scenario.striped {
            AtomicHistogram::loom_new_striped(&buckets)
        } else {
            AtomicHistogram::new(&buckets)
        });

        let observers: Vec<_> = [A, B]
            .into_iter()
            .zip(scenario.probes)
            .zip(scenario.observations)
            .map(|((values, probe), n)| {
                let h = h.clone();
                thread::spawn(move || {
                    AtomicHistogram::loom_set_thread_probe(probe);
                    for v in &values[..n] {
                        h.observe(*v);
                    }
                })
            })
            .collect();

        let reader = {
            let h = h.clone();
            thread::spawn(move || {
                let mut previous: Option<(Read, [u64; 4])> = None;
                for _ in 0..scenario.reads {
                    let read = scrape(&h);
                    let digits = check_read(&read);
                    if let Some((before, before_digits)) = &previous {
                        for (now, then) in read.counts.iter().zip(&before.counts) {
                            assert!(
                                now >= then,
                                "a bucket went backwards: {before:?} then {read:?}"
                            );
                        }
                        for (now, then) in digits.iter().zip(before_digits) {
                            assert!(
                                now >= then,
                                "an observation left the sum: {before:?} then {read:?}"
                            );
                        }
                    }
                    previous = Some((read, digits));
                }
            })
        };

        for observer in observers {
            observer.join().unwrap();
        }
        reader.join().unwrap();

        // Everything is in: exact totals, through every read path.
        let [a, b] = scenario.observations;
        let expected_sum: f64 = A[..a].iter().chain(&B[..b]).sum();
        let expected_counts = vec![a as u64, b as u64];
        let n = a + b;
        let read = scrape(&h);
        assert_eq!(read.counts, expected_counts);
        assert_eq!(read.sum, expected_sum);
        assert_eq!(h.count(), n as u64);
        assert_eq!(h.sum(), expected_sum);
        let cumulative = h.cumulative();
        assert_eq!(cumulative.last(), Some(&(f64::INFINITY, n as u64)));

        tally[0].fetch_add(1, Relaxed);
        if h.is_striped() {
            tally[1].fetch_add(1, Relaxed);
        }
    });
    let (executions, striped) = (totals[0].load(Relaxed), totals[1].load(Relaxed));
    eprintln!("{executions} executions, {striped} ended striped");
    striped
}

// The scenarios, each its own model, bounded to 2 preemptions (the default
// here; `LOOM_MAX_PREEMPTIONS` overrides it). They run one at a time (see
// `run`): about 75 s in all on 2 cores in release mode. Two reads with two
// observations each on an unstriped histogram would alone take over two
// minutes. Under this bound the unstriped models explore exactly as many
// executions whichever stripes the observers are given, so each is run once,
// one with the observers on the same stripe and one on different ones.

/// Unstriped, two observations each: in the executions where the observers
/// collide on the shared sum, the histogram moves to stripes mid-way (the
/// colliding observation's count in the shared cells, its sum in a stripe).
#[test]
fn unstriped_same_stripe_one_read() {
    let striped = run(Scenario {
        striped: false,
        probes: [1, 3],
        observations: [2, 2],
        reads: 1,
    });
    assert!(striped > 0, "the model never reached the contended path");
}

/// Two reads across the move to stripes: nothing goes backwards.
#[test]
fn unstriped_different_stripes_two_reads() {
    let striped = run(Scenario {
        striped: false,
        probes: [1, 2],
        observations: [2, 1],
        reads: 2,
    });
    assert!(striped > 0, "the model never reached the contended path");
}

/// Already striped, both observers on stripe 1: they collide on the
/// stripe's sum, retry and rehash.
#[test]
fn striped_same_stripe_one_read() {
    run(Scenario {
        striped: true,
        probes: [1, 1],
        observations: [2, 2],
        reads: 1,
    });
}

#[test]
fn striped_same_stripe_two_reads() {
    run(Scenario {
        striped: true,
        probes: [1, 1],
        observations: [2, 1],
        reads: 2,
    });
}

#[test]
fn striped_different_stripes_two_reads() {
    run(Scenario {
        striped: true,
        probes: [1, 2],
        observations: [2, 1],
        reads: 2,
    });
}
