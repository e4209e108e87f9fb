//! Cross-checks `promstrict_watch::promql` against a real PromQL engine: the
//! one inside `promtool test rules`.
//!
//! The promtool at hand may be a Prometheus 2.x build (Debian ships 2.42),
//! which differs from Prometheus 3 in two ways this module implements the 3.x
//! way: range windows are closed on the left (`[at - range, at]`), and the
//! zero-point clamp of `rate`/`increase` is applied before the half-interval
//! cap. The cases below are therefore chosen so that neither difference can
//! matter: no sample sits exactly at `at - range`, and no counter has its
//! zero point between half an interval and 1.1 intervals before its first
//! sample. promtool 2.x compares values with `reflect.DeepEqual`, i.e. to the
//! bit, so results whose value is NaN cannot be checked and are left out.
//!
//! promtool is looked up in `$PROMTOOL`, then on `$PATH`, then at
//! `/usr/bin/promtool`. Without it the test is skipped, unless `CI=true`.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use promstrict_watch::promql::{
    delta, histogram_quantile, idelta, increase, irate, rate, resets, Bucket, Sample,
};

/// A sample value that promtool's series notation and this module agree on.
#[derive(Clone, Copy)]
enum V {
    Num(f64),
    /// Prometheus' stale marker (`stale` in series notation).
    Stale,
}

use V::{Num, Stale};

struct RangeCheck {
    /// PromQL function name; also selects the Rust function.
    func: &'static str,
    /// `(timestamp in whole seconds, value)`, sorted by time.
    points: &'static [(u32, V)],
    /// Evaluation time and range, in milliseconds.
    at_ms: u32,
    range_ms: u32,
}

struct QuantileCheck {
    q: f64,
    /// `(le label value, cumulative count)`; empty means no bucket series.
    buckets: &'static [(&'static str, f64)],
}

const STEADY: &[(u32, V)] = &[
    (5, Num(100.0)),
    (15, Num(110.0)),
    (25, Num(120.0)),
    (35, Num(130.0)),
    (45, Num(140.0)),
    (55, Num(150.0)),
];
const LATE: &[(u32, V)] = &[(40, Num(100.0)), (50, Num(110.0)), (60, Num(120.0))];
const EARLY: &[(u32, V)] = &[(5, Num(200.0)), (15, Num(210.0)), (25, Num(220.0))];
const THRESH: &[(u32, V)] = &[(0, Num(100.0)), (2, Num(120.0))];
const ZERO: &[(u32, V)] = &[
    (20, Num(1.0)),
    (30, Num(11.0)),
    (40, Num(21.0)),
    (50, Num(31.0)),
    (60, Num(41.0)),
];
const FROM_ZERO: &[(u32, V)] = &[(2, Num(0.0)), (12, Num(10.0)), (22, Num(20.0))];
const NEG_COUNTER: &[(u32, V)] = &[(5, Num(-10.0)), (15, Num(0.0)), (25, Num(10.0))];
const RESET1: &[(u32, V)] = &[
    (10, Num(50.0)),
    (20, Num(60.0)),
    (30, Num(5.0)),
    (40, Num(15.0)),
    (50, Num(25.0)),
    (60, Num(35.0)),
];
const RESET_MULTI: &[(u32, V)] = &[
    (10, Num(10.0)),
    (20, Num(20.0)),
    (30, Num(3.0)),
    (40, Num(13.0)),
    (50, Num(2.0)),
    (60, Num(12.0)),
];
const GAUGE: &[(u32, V)] = &[
    (5, Num(10.0)),
    (15, Num(4.0)),
    (25, Num(7.0)),
    (35, Num(-2.0)),
];
const NAN_MID: &[(u32, V)] = &[(10, Num(10.0)), (20, Num(f64::NAN)), (30, Num(5.0))];
const STALE_LAST: &[(u32, V)] = &[(10, Num(10.0)), (20, Num(20.0)), (30, Stale)];
// Window (5, 55] of a 10 s grid: no sample on the left edge, one on `at`.
const GRID: &[(u32, V)] = &[
    (0, Num(1000.0)),
    (10, Num(1030.0)),
    (20, Num(1040.0)),
    (30, Num(1050.0)),
    (40, Num(1060.0)),
    (50, Num(1070.0)),
    (60, Num(1080.0)),
];

const fn rc(
    func: &'static str,
    points: &'static [(u32, V)],
    at_ms: u32,
    range_ms: u32,
) -> RangeCheck {
    RangeCheck {
        func,
        points,
        at_ms,
        range_ms,
    }
}

const RANGE_CHECKS: &[RangeCheck] = &[
    rc("rate", STEADY, 60_000, 60_000),
    rc("increase", STEADY, 60_000, 60_000),
    rc("delta", STEADY, 60_000, 60_000),
    rc("irate", STEADY, 60_000, 60_000),
    rc("idelta", STEADY, 60_000, 60_000),
    rc("resets", STEADY, 60_000, 60_000),
    rc("rate", STEADY, 60_000, 30_000),
    rc("increase", STEADY, 40_000, 30_000),
    rc("rate", STEADY, 60_000, 8_000),
    rc("rate", STEADY, 100_000, 30_000),
    rc("resets", STEADY, 100_000, 30_000),
    rc("resets", STEADY, 60_000, 8_000),
    rc("increase", GRID, 50_000, 45_000),
    rc("rate", GRID, 50_000, 45_000),
    rc("increase", LATE, 60_000, 60_000),
    rc("rate", LATE, 60_000, 60_000),
    rc("delta", LATE, 60_000, 60_000),
    rc("increase", EARLY, 60_000, 60_000),
    rc("delta", EARLY, 60_000, 60_000),
    rc("idelta", EARLY, 60_000, 60_000),
    rc("increase", THRESH, 2_000, 4_200),
    rc("delta", THRESH, 2_000, 4_200),
    rc("increase", THRESH, 2_000, 4_100),
    rc("increase", ZERO, 60_000, 60_000),
    rc("rate", ZERO, 60_000, 60_000),
    rc("delta", ZERO, 60_000, 60_000),
    rc("increase", FROM_ZERO, 22_000, 22_000),
    rc("delta", FROM_ZERO, 22_000, 22_000),
    rc("increase", NEG_COUNTER, 30_000, 30_000),
    rc("increase", RESET1, 60_000, 60_000),
    rc("rate", RESET1, 60_000, 60_000),
    rc("delta", RESET1, 60_000, 60_000),
    rc("resets", RESET1, 60_000, 60_000),
    rc("irate", RESET1, 30_000, 30_000),
    rc("idelta", RESET1, 30_000, 30_000),
    rc("increase", RESET_MULTI, 60_000, 60_000),
    rc("resets", RESET_MULTI, 60_000, 60_000),
    rc("delta", GAUGE, 40_000, 40_000),
    rc("idelta", GAUGE, 40_000, 40_000),
    rc("irate", GAUGE, 40_000, 40_000),
    rc("increase", NAN_MID, 30_000, 30_000),
    rc("resets", NAN_MID, 30_000, 30_000),
    rc("increase", STALE_LAST, 30_000, 30_000),
    rc("irate", STALE_LAST, 30_000, 30_000),
];

const QUANTILE_CHECKS: &[QuantileCheck] = &[
    QuantileCheck {
        q: 0.5,
        buckets: &[("0.1", 10.0), ("0.5", 30.0), ("1", 60.0), ("+Inf", 100.0)],
    },
    QuantileCheck {
        q: 0.05,
        buckets: &[("0.1", 10.0), ("0.5", 30.0), ("1", 60.0), ("+Inf", 100.0)],
    },
    QuantileCheck {
        q: 0.99,
        buckets: &[("0.1", 10.0), ("0.5", 30.0), ("1", 60.0), ("+Inf", 100.0)],
    },
    QuantileCheck {
        q: 0.0,
        buckets: &[("0.1", 10.0), ("0.5", 30.0), ("1", 60.0), ("+Inf", 100.0)],
    },
    QuantileCheck {
        q: -0.1,
        buckets: &[("0.1", 10.0), ("+Inf", 100.0)],
    },
    QuantileCheck {
        q: 1.5,
        buckets: &[("0.1", 10.0), ("+Inf", 100.0)],
    },
    QuantileCheck {
        q: -1.0,
        buckets: &[("0.1", 10.0), ("1", 60.0)],
    },
    // "1" and "1.0" are distinct label values with the same bound: merged.
    QuantileCheck {
        q: 0.5,
        buckets: &[("1", 5.0), ("1.0", 5.0), ("2", 20.0), ("+Inf", 20.0)],
    },
    QuantileCheck {
        q: 0.5,
        buckets: &[("1", 10.0), ("2", 8.0), ("3", 15.0), ("+Inf", 15.0)],
    },
    QuantileCheck {
        q: 0.8,
        buckets: &[("1", 10.0), ("2", 8.0), ("3", 15.0), ("+Inf", 15.0)],
    },
    QuantileCheck {
        q: 0.1,
        buckets: &[("-1", 10.0), ("0", 20.0), ("+Inf", 30.0)],
    },
    QuantileCheck {
        q: 0.5,
        buckets: &[("-1", 10.0), ("0", 20.0), ("+Inf", 30.0)],
    },
    QuantileCheck {
        q: 0.5,
        buckets: &[("1", 5.0), ("+Inf", f64::NAN)],
    },
    QuantileCheck {
        q: 0.5,
        buckets: &[],
    },
];

fn to_samples(points: &[(u32, V)]) -> Vec<Sample> {
    points
        .iter()
        .map(|&(t, v)| Sample {
            t: f64::from(t),
            v: match v {
                Num(x) => x,
                Stale => f64::from_bits(0x7ff0_0000_0000_0002),
            },
        })
        .collect()
}

/// promtool series notation on a 1 s grid: `_` where there is no sample.
fn series_values(points: &[(u32, V)]) -> String {
    let last = points.last().map_or(0, |p| p.0);
    (0..=last)
        .map(|t| match points.iter().find(|p| p.0 == t) {
            None => "_".to_owned(),
            Some((_, Stale)) => "stale".to_owned(),
            Some((_, Num(v))) if v.is_nan() => "NaN".to_owned(),
            Some((_, Num(v))) => format!("{v:?}"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A YAML float that Go's yaml.v2 parses back to the same bits.
fn yaml_float(v: f64, what: &str) -> String {
    assert!(
        !v.is_nan(),
        "{what}: NaN results cannot be compared by promtool"
    );
    if v == f64::INFINITY {
        ".inf".to_owned()
    } else if v == f64::NEG_INFINITY {
        "-.inf".to_owned()
    } else {
        // `{:?}` prints the shortest decimal that round-trips.
        format!("{v:?}")
    }
}

fn exp_samples(out: &mut String, got: Option<f64>, what: &str) {
    match got {
        None => out.push_str("        exp_samples: []\n"),
        Some(v) => {
            let _ = write!(
                out,
                "        exp_samples:\n          - labels: '{{}}'\n            value: {}\n",
                yaml_float(v, what)
            );
        }
    }
}

fn parse_le(le: &str) -> f64 {
    match le {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        _ => le.parse().expect("le label is a number"),
    }
}

fn build_rules_test() -> String {
    let mut series = String::new();
    let mut exprs = String::new();

    for (i, c) in RANGE_CHECKS.iter().enumerate() {
        let name = format!("s{i}");
        let _ = writeln!(
            series,
            "      - series: '{name}'\n        values: '{}'",
            series_values(c.points)
        );
        let samples = to_samples(c.points);
        let (at, range) = (f64::from(c.at_ms) / 1000.0, f64::from(c.range_ms) / 1000.0);
        let f: fn(&[Sample], f64, f64) -> Option<f64> = match c.func {
            "rate" => rate,
            "increase" => increase,
            "delta" => delta,
            "irate" => irate,
            "idelta" => idelta,
            "resets" => resets,
            other => panic!("unknown function {other}"),
        };
        let expr = format!("{}({name}[{}ms])", c.func, c.range_ms);
        let _ = writeln!(
            exprs,
            "      - expr: '{expr}'\n        eval_time: {}ms",
            c.at_ms
        );
        exp_samples(&mut exprs, f(&samples, at, range), &expr);
    }

    for (i, c) in QUANTILE_CHECKS.iter().enumerate() {
        let metric = format!("h{i}_bucket");
        for (le, count) in c.buckets {
            let count = if count.is_nan() {
                "NaN".to_owned()
            } else {
                format!("{count:?}")
            };
            let _ = writeln!(
                series,
                "      - series: '{metric}{{le=\"{le}\"}}'\n        values: '{count}'"
            );
        }
        let buckets: Vec<Bucket> = c
            .buckets
            .iter()
            .map(|&(le, count)| Bucket {
                upper_bound: parse_le(le),
                count,
            })
            .collect();
        let expr = format!("histogram_quantile({:?}, {metric})", c.q);
        let _ = writeln!(exprs, "      - expr: '{expr}'\n        eval_time: 0s");
        exp_samples(&mut exprs, histogram_quantile(c.q, &buckets), &expr);
    }

    // promtool 2.x only makes input samples visible up to the last rule
    // evaluation step, so evaluate every second.
    format!(
        "evaluation_interval: 1s\ntests:\n  - interval: 1s\n    input_series:\n{series}    promql_expr_test:\n{exprs}"
    )
}

fn find_promtool() -> Option<PathBuf> {
    if let Some(p) = env::var_os("PROMTOOL").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join("promtool"))
        .chain(std::iter::once(PathBuf::from("/usr/bin/promtool")))
        .find(|p| p.is_file())
}

fn run_promtool(promtool: &Path, rules_test: &Path) -> std::io::Result<std::process::Output> {
    Command::new(promtool)
        .arg("test")
        .arg("rules")
        .arg(rules_test)
        .output()
}

#[test]
fn promql_matches_promtool() {
    let in_ci = env::var("CI").is_ok_and(|v| v == "true");
    let Some(promtool) = find_promtool() else {
        assert!(
            !in_ci,
            "promtool not found ($PROMTOOL, $PATH, /usr/bin) and CI=true"
        );
        eprintln!(
            "SKIPPED promql_matches_promtool: promtool not found ($PROMTOOL, $PATH, /usr/bin)"
        );
        return;
    };

    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let dir = env::temp_dir().join(format!("promql_vs_promtool_{}_{nanos}", std::process::id()));
    fs::create_dir_all(&dir).expect("create temp dir");
    let file = dir.join("promql_test.yml");
    let yaml = build_rules_test();
    fs::write(&file, &yaml).expect("write rules test");

    let output = run_promtool(&promtool, &file);
    let _ = fs::remove_dir_all(&dir);
    let output = match output {
        Ok(o) => o,
        Err(e) => {
            assert!(!in_ci, "running {}: {e}", promtool.display());
            eprintln!(
                "SKIPPED promql_matches_promtool: cannot run {}: {e}",
                promtool.display()
            );
            return;
        }
    };
    assert!(
        output.status.success(),
        "promtool disagrees with promstrict_watch::promql\n--- stdout\n{}\n--- stderr\n{}\n--- rules test\n{yaml}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
}
