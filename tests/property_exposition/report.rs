//! The checks by name, running one on its own, shrinking a failing case, and printing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use proptest::strategy::ValueTree;

use crate::build::{build, Built, Val};
use crate::checks::promtool::check_promtool_metrics;
use crate::checks::python::{compare_python, python_lines, spawn_python};
use crate::checks::tsdb::{check_promtool_tsdb, tsdb_series};
use crate::model::CaseSpec;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Check {
    /// The metrics' getters agree with the model (so that a failure below
    /// is the encoder's, not the storage's or the model's).
    ModelVsGetters,
    PythonOpenMetrics,
    PromtoolCheckMetrics,
    PromtoolTsdbOpenMetrics,
}

pub(crate) struct Tools {
    pub(crate) python: Option<PathBuf>,
    pub(crate) promtool: Option<PathBuf>,
}

/// Runs one check on one case on its own (for shrinking).
fn check_one(tools: &Tools, dir: &Path, check: Check, built: &Built) -> Result<(), String> {
    match check {
        Check::ModelVsGetters if built.model_mismatches.is_empty() => Ok(()),
        Check::ModelVsGetters => Err(built.model_mismatches.join("\n")),
        Check::PythonOpenMetrics => {
            let sub = dir.join("shrink");
            std::fs::create_dir_all(&sub).expect("mkdir");
            std::fs::write(sub.join("case-0.om"), &built.openmetrics).expect("write");
            let child = spawn_python(tools.python.as_deref().expect("python"), &sub, 1);
            compare_python(&python_lines(child, 1)[0], &built.families)
        }
        Check::PromtoolCheckMetrics => check_promtool_metrics(
            tools.promtool.as_deref().expect("promtool"),
            &built.prometheus,
        ),
        Check::PromtoolTsdbOpenMetrics => check_promtool_tsdb(
            tools.promtool.as_deref().expect("promtool"),
            dir,
            usize::MAX,
            built,
        ),
    }
}

/// Shrinks a failing case for at most `budget`: the smallest still-failing
/// case found, its built registry and the failure.
pub(crate) fn shrink(
    tools: &Tools,
    dir: &Path,
    check: Check,
    mut tree: impl ValueTree<Value = CaseSpec>,
    first_failure: String,
    budget: Duration,
) -> (CaseSpec, Built, String, usize) {
    let deadline = Instant::now() + budget;
    let mut best = (tree.current(), first_failure);
    let mut steps = 0;
    if tree.simplify() {
        while Instant::now() < deadline {
            steps += 1;
            let spec = tree.current();
            let failure = check_one(tools, dir, check, &build(&spec)).err();
            let more = match failure {
                Some(failure) => {
                    best = (spec, failure);
                    tree.simplify()
                }
                None => tree.complicate(),
            };
            if !more {
                break;
            }
        }
    }
    let built = build(&best.0);
    (best.0, built, best.1, steps)
}

/// What the generated cases hold, so that a passing run shows it was not vacuous.
pub(crate) fn coverage(built: &[Built]) -> String {
    let mut types: BTreeMap<&str, usize> = BTreeMap::new();
    let (mut samples, mut series, mut nan, mut inf, mut neg_zero, mut subnormal, mut big_int) =
        (0, 0, 0, 0, 0, 0, 0);
    for b in built {
        series += tsdb_series(&b.families).len();
        for f in &b.families {
            *types.entry(f.typ).or_default() += 1;
            for (_, _, value) in &f.samples {
                samples += 1;
                match *value {
                    Val::Float(v) if v.is_nan() => nan += 1,
                    Val::Float(v) if v.is_infinite() => inf += 1,
                    Val::Float(v) if v == 0.0 && v.is_sign_negative() => neg_zero += 1,
                    Val::Float(v) if v.is_subnormal() => subnormal += 1,
                    Val::Int(v) if v.unsigned_abs() > 1 << 53 => big_int += 1,
                    _ => {}
                }
            }
        }
    }
    format!(
        "families {types:?}; {samples} OpenMetrics samples ({series} TSDB series) of which \
         NaN {nan}, ±Inf {inf}, -0.0 {neg_zero}, subnormal {subnormal}, integers beyond 2^53 {big_int}"
    )
}

pub(crate) fn show_text(text: &str) -> String {
    text.split_terminator('\n')
        .map(|l| format!("    {l:?}\n"))
        .collect()
}
