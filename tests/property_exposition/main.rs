//! Property tests of both exposition formats against parsers we did not write.
//!
//! A fixed-seed proptest runner generates random registries (an optional
//! namespace and constant labels; 1–6 metrics of every type, plain or in
//! families, with help texts and label values full of quotes, backslashes,
//! newlines, control characters and astral characters; values at the edges of
//! `f64`, `u64` and `i64`). Next to each registry the test keeps a model of
//! what was set, computed independently of the encoder (and compared with
//! the metrics' own getters first, so that a failure below points at the
//! encoder). Then, in batches so that every validator process is spawned as
//! few times as possible:
//!
//! 1. Python's strict OpenMetrics parser (`prometheus_client.openmetrics`)
//!    reads every OpenMetrics text in one process; the families, help texts,
//!    units, labels and every value read back must equal the model
//!    (bit-exact floats, NaN as NaN, integers as integers). Leading spaces of
//!    a help text are the one thing not compared: that parser drops them.
//! 2. `promtool check metrics` (Prometheus' text parser and promlint) accepts
//!    every text-format exposition without a word.
//! 3. Prometheus' own OpenMetrics parser reads every OpenMetrics text through
//!    `promtool tsdb create-blocks-from openmetrics` (promtool 2.42 refuses
//!    samples without a timestamp, so a copy with one appended to every sample
//!    line is fed to it), and `promtool tsdb dump` of the block must hold the
//!    model's series and values.
//!
//! `PROPTEST_CASES` sets the number of registries (64 by default) and
//! `PROMSTRICT_PROPTEST_SEED` (hex) the seed. A failing case is shrunk for a
//! bounded time and printed with its exposition; the case files are then
//! left in the temporary directory the test names.

mod build;
mod checks;
mod model;
mod nasty;
mod report;

use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use metrics_toolkit::{promtool, python_with_prometheus_client};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use crate::build::build;
use crate::checks::promtool::check_promtool_metrics;
use crate::checks::python::{compare_python, python_lines, spawn_python};
use crate::checks::tsdb::check_promtool_tsdb;
use crate::model::case_spec;
use crate::report::{coverage, show_text, shrink, Check, Tools};

fn seed() -> u64 {
    std::env::var("PROMSTRICT_PROPTEST_SEED")
        .ok()
        .map(|s| {
            u64::from_str_radix(s.trim_start_matches("0x"), 16)
                .expect("PROMSTRICT_PROPTEST_SEED is hex")
        })
        .unwrap_or(0x005e_ed0f_0e4e_0001)
}

fn cases() -> usize {
    std::env::var("PROPTEST_CASES")
        .ok()
        .map(|s| s.parse().expect("PROPTEST_CASES is a number"))
        .unwrap_or(64)
}

#[test]
fn random_registries_read_back_through_foreign_parsers() {
    let started = Instant::now();
    let (seed, n) = (seed(), cases());
    let mut seed_bytes = [0u8; 32];
    for (i, chunk) in seed_bytes.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(
            &(seed ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)).to_le_bytes(),
        );
    }
    eprintln!("property_exposition: {n} registries from seed {seed:#x} (PROMSTRICT_PROPTEST_SEED, PROPTEST_CASES)");
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases: n as u32,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    );
    let strategy = case_spec();
    let mut trees = Vec::with_capacity(n);
    let mut built = Vec::with_capacity(n);
    let mut specs = Vec::with_capacity(n);
    for _ in 0..n {
        let tree = strategy.new_tree(&mut runner).expect("a case");
        specs.push(tree.current());
        built.push(build(&tree.current()));
        trees.push(tree);
    }
    let generated = started.elapsed();
    eprintln!("property_exposition: {}", coverage(&built));

    let tools = Tools {
        python: python_with_prometheus_client(),
        promtool: promtool(),
    };
    if tools.python.is_none() && tools.promtool.is_none() {
        return;
    }
    let dir = std::env::temp_dir().join(format!(
        "promstrict-property-exposition-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    for (i, b) in built.iter().enumerate() {
        std::fs::write(dir.join(format!("case-{i}.om")), &b.openmetrics).expect("write");
        std::fs::write(dir.join(format!("case-{i}.prom")), &b.prometheus).expect("write");
    }

    // One Python process for every case, running while promtool works.
    let python = tools.python.as_deref().map(|p| spawn_python(p, &dir, n));
    let failures: Mutex<Vec<(Check, usize, String)>> = Mutex::new(
        built
            .iter()
            .enumerate()
            .filter(|(_, b)| !b.model_mismatches.is_empty())
            .map(|(i, b)| (Check::ModelVsGetters, i, b.model_mismatches.join("\n")))
            .collect(),
    );
    let mut timings = String::new();
    if let Some(promtool) = tools.promtool.as_deref() {
        let next = AtomicUsize::new(0);
        let (check_time, tsdb_time) = (Mutex::new(Duration::ZERO), Mutex::new(Duration::ZERO));
        let workers = std::thread::available_parallelism()
            .map_or(2, |p| p.get())
            .clamp(2, 4);
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        break;
                    }
                    let t = Instant::now();
                    if let Err(e) = check_promtool_metrics(promtool, &built[i].prometheus) {
                        failures
                            .lock()
                            .unwrap()
                            .push((Check::PromtoolCheckMetrics, i, e));
                    }
                    let t2 = Instant::now();
                    *check_time.lock().unwrap() += t2 - t;
                    if let Err(e) = check_promtool_tsdb(promtool, &dir, i, &built[i]) {
                        failures
                            .lock()
                            .unwrap()
                            .push((Check::PromtoolTsdbOpenMetrics, i, e));
                    }
                    *tsdb_time.lock().unwrap() += t2.elapsed();
                });
            }
        });
        let _ = write!(
            timings,
            ", promtool check metrics {:.1?} and tsdb {:.1?} (CPU-summed over {workers} workers)",
            check_time.into_inner().unwrap(),
            tsdb_time.into_inner().unwrap()
        );
    }
    if let Some(child) = python {
        for (i, line) in python_lines(child, n).iter().enumerate() {
            if let Err(e) = compare_python(line, &built[i].families) {
                failures
                    .lock()
                    .unwrap()
                    .push((Check::PythonOpenMetrics, i, e));
            }
        }
    }
    eprintln!(
        "property_exposition: generated and encoded in {generated:.1?}, checked by {}{timings}; {:.1?} in all",
        [
            tools.python.as_ref().map(|_| "python"),
            tools.promtool.as_ref().map(|_| "promtool")
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" and "),
        started.elapsed()
    );

    let mut failures = failures.into_inner().unwrap();
    if failures.is_empty() {
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    failures.sort_by_key(|(check, i, _)| (*check, *i));
    let mut report = String::new();
    let mut trees: Vec<Option<_>> = trees.into_iter().map(Some).collect();
    for check in [
        Check::ModelVsGetters,
        Check::PythonOpenMetrics,
        Check::PromtoolCheckMetrics,
        Check::PromtoolTsdbOpenMetrics,
    ] {
        let failing: Vec<&(Check, usize, String)> =
            failures.iter().filter(|f| f.0 == check).collect();
        let Some((_, first, failure)) = failing.first() else {
            continue;
        };
        let cases: Vec<usize> = failing.iter().map(|f| f.1).collect();
        // A case failing several checks is shrunk for the first one only.
        let (spec, b, failure, steps) = match trees[*first].take() {
            Some(tree) => shrink(
                &tools,
                &dir,
                check,
                tree,
                failure.clone(),
                Duration::from_secs(30),
            ),
            None => (
                specs[*first].clone(),
                build(&specs[*first]),
                failure.clone(),
                0,
            ),
        };
        let _ = write!(
            report,
            "\n=== {check:?} failed for {} of {n} cases {cases:?} (seed {seed:#x}) ===\n\
             case {first}, shrunk in {steps} steps:\n{failure}\n--- spec ---\n{spec:#?}\n\
             --- OpenMetrics text (one line per row, Rust-escaped) ---\n{}\
             --- text format ---\n{}",
            cases.len(),
            show_text(&b.openmetrics),
            show_text(&b.prometheus),
        );
    }
    eprintln!("property_exposition: the cases are in {}", dir.display());
    panic!("{report}");
}
