use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;

use super::builtin::accumulate;
use super::support::*;
use super::*;
use crate::metric::histogram::{AtomicHistogram, Buckets};

struct Probe {
    entered: AtomicU64,
    exits: Mutex<Vec<Outcome>>,
    firsts: AtomicU64,
}

impl Probe {
    fn new() -> Self {
        Probe {
            entered: AtomicU64::new(0),
            exits: Mutex::new(Vec::new()),
            firsts: AtomicU64::new(0),
        }
    }
}

impl Recorder for &Probe {
    fn enter(&self) {
        self.entered.fetch_add(1, Relaxed);
    }
    fn exit(&self, outcome: Outcome, seconds: f64) {
        assert!(seconds >= 0.0);
        self.exits.lock().unwrap().push(outcome);
    }
    fn first_item(&self, _: f64) {
        self.firsts.fetch_add(1, Relaxed);
    }
}

#[test]
fn a_guard_records_exactly_once() {
    let probe = Probe::new();
    Guard::sync(&probe).finish(Outcome::Error);
    drop(Guard::sync(&probe));
    drop(Guard::future(&probe));
    assert_eq!(probe.entered.load(Relaxed), 3);
    assert_eq!(
        *probe.exits.lock().unwrap(),
        [Outcome::Error, Outcome::Panic, Outcome::Cancelled]
    );
}

#[test]
// The borrows are the autoref specialization under test.
#[allow(clippy::needless_borrow)]
fn outcome_probe_sees_errors_only_in_is_error_types() {
    fn outcome<T>(value: &T) -> Outcome {
        // Generic context: always the fallback (the macro probes concrete types).
        (&&OutcomeProbe(value)).__metrics_outcome()
    }
    let err: Result<(), ()> = Err(());
    assert_eq!((&&OutcomeProbe(&err)).__metrics_outcome(), Outcome::Error);
    assert_eq!(
        (&&OutcomeProbe(&Ok::<u8, ()>(1))).__metrics_outcome(),
        Outcome::Ok
    );
    assert_eq!((&&OutcomeProbe(&5u8)).__metrics_outcome(), Outcome::Ok);
    assert_eq!(outcome(&err), Outcome::Ok);
}

#[test]
fn an_instrumented_iterator_ends_ok_or_cancelled() {
    let probe = Probe::new();
    let all: Vec<u8> = IterKind
        .wrap([1u8, 2, 3].into_iter(), Guard::sync(&probe))
        .collect();
    assert_eq!(all, [1, 2, 3]);
    let mut partial = IterKind.wrap([1u8, 2].into_iter(), Guard::sync(&probe));
    assert_eq!(partial.next(), Some(1));
    drop(partial);
    let empty = IterKind
        .wrap(std::iter::empty::<u8>(), Guard::sync(&probe))
        .count();
    assert_eq!(empty, 0);
    assert_eq!(
        *probe.exits.lock().unwrap(),
        [Outcome::Ok, Outcome::Cancelled, Outcome::Ok]
    );
    assert_eq!(probe.firsts.load(Relaxed), 2);
}

#[test]
fn outcome_is_a_label_value() {
    for (i, o) in Outcome::ALL.into_iter().enumerate() {
        assert_eq!(o.index(), i);
        assert_eq!(Outcome::name_at(i), Some(o.as_str()));
    }
    assert_eq!(Outcome::name_at(4), None);
}

#[test]
fn callsites_with_the_same_labels_are_merged_across_bounds() {
    let bounds = [1.0, 2.0];
    let a = AtomicHistogram::new(&Buckets::new(&bounds).unwrap());
    let b = AtomicHistogram::new(&Buckets::new(&[0.5, 1.5, 3.0]).unwrap());
    a.observe(0.5);
    b.observe(0.2);
    b.observe(1.2);
    b.observe(9.0);
    let mut counts = [0u64; 3];
    let sum = accumulate(&a, &bounds, &mut counts) + accumulate(&b, &bounds, &mut counts);
    // b's (0, 0.5] -> le=1, (1, 1.5] -> le=2, (3, +Inf] -> +Inf.
    assert_eq!(counts, [2, 1, 1]);
    assert_eq!(sum, 0.5 + 0.2 + 1.2 + 9.0);
}
