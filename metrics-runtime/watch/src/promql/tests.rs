//! Table-driven tests for the PromQL functions.
//!
//! Every expected value is derived by hand from upstream's formulas (quoted
//! in the comment above each case), never by calling the code under test.
//! Notation for `extrapolatedRate`: `res` = last - first (+ pre-reset values
//! for counters), `si` = sampledInterval, `avg` = si / (n - 1),
//! `thr` = avg * 1.1, `dts`/`dte` = durationToStart/End, `dz` =
//! durationToZero, `factor` = (si + dts + dte) / si (then / range for rate).

use super::*;
use Want::*;

#[derive(Clone, Copy, Debug)]
enum Func {
    Rate,
    Increase,
    Delta,
    Irate,
    Idelta,
    Resets,
}

#[derive(Clone, Copy, Debug)]
enum Want {
    /// No output sample.
    NoSample,
    /// The arithmetic is exact (or the bits are pinned on purpose).
    Exact(f64),
    /// Rounding happens along the way: relative tolerance 1e-12.
    Approx(f64),
    /// An output sample whose value is NaN.
    NaN,
}

struct Case {
    name: &'static str,
    /// The Prometheus behaviour this case pins.
    pins: &'static str,
    func: Func,
    series: Vec<Sample>,
    at: f64,
    range: f64,
    want: Want,
}

/// Starts a range-function case; `eval` and `want` fill in the rest.
fn case(name: &'static str, pins: &'static str) -> Case {
    Case {
        name,
        pins,
        func: Func::Rate,
        series: Vec::new(),
        at: 0.0,
        range: 0.0,
        want: NoSample,
    }
}

impl Case {
    fn eval(self, func: Func, points: &[(f64, f64)], at: f64, range: f64) -> Self {
        self.eval_samples(func, series(points), at, range)
    }

    fn eval_samples(self, func: Func, series: Vec<Sample>, at: f64, range: f64) -> Self {
        Self {
            func,
            series,
            at,
            range,
            ..self
        }
    }

    fn want(self, want: Want) -> Self {
        Self { want, ..self }
    }
}

fn series(points: &[(f64, f64)]) -> Vec<Sample> {
    points.iter().map(|&(t, v)| Sample { t, v }).collect()
}

fn stale_nan() -> f64 {
    f64::from_bits(0x7ff0_0000_0000_0002)
}

fn check(got: Option<f64>, want: Want) -> bool {
    match (got, want) {
        (None, NoSample) => true,
        (Some(g), Exact(w)) => g.to_bits() == w.to_bits(),
        (Some(g), Approx(w)) => (g - w).abs() <= 1e-12 * w.abs(),
        (Some(g), NaN) => g.is_nan(),
        _ => false,
    }
}

// A counter growing by 10 every 10 s, sampled at 5, 15, …, 55.
const STEADY: &[(f64, f64)] = &[
    (5.0, 100.0),
    (15.0, 110.0),
    (25.0, 120.0),
    (35.0, 130.0),
    (45.0, 140.0),
    (55.0, 150.0),
];

// Samples on the 10 s grid, so they hit window edges. The jump between t=0
// and t=10 makes the result depend on whether the t=0 sample is selected.
const EDGE: &[(f64, f64)] = &[
    (0.0, 1000.0),
    (10.0, 1030.0),
    (20.0, 1040.0),
    (30.0, 1050.0),
    (40.0, 1060.0),
    (50.0, 1070.0),
    (60.0, 1080.0),
];

// A series that only starts late in a (0, 60] window.
const LATE: &[(f64, f64)] = &[(40.0, 100.0), (50.0, 110.0), (60.0, 120.0)];

// A series that ends early in a (0, 60] window.
const EARLY: &[(f64, f64)] = &[(5.0, 200.0), (15.0, 210.0), (25.0, 220.0)];

// Two samples 2 s apart, evaluated with windows whose start gap is exactly
// (or just under) 1.1 × the average interval.
const THRESH: &[(f64, f64)] = &[(0.0, 100.0), (2.0, 120.0)];

// A counter that starts near zero well after the window start.
const ZERO: &[(f64, f64)] = &[
    (20.0, 1.0),
    (30.0, 11.0),
    (40.0, 21.0),
    (50.0, 31.0),
    (60.0, 41.0),
];

// A late-starting counter whose zero point lies between half an interval and
// the extrapolation threshold, where the clamp order matters.
const ORDER: &[(f64, f64)] = &[(30.0, 16.0), (40.0, 36.0), (50.0, 56.0), (60.0, 76.0)];

// A counter that starts at exactly 0 close to the window start.
const FROM_ZERO: &[(f64, f64)] = &[(2.0, 0.0), (12.0, 10.0), (22.0, 20.0)];

const NEG_COUNTER: &[(f64, f64)] = &[(5.0, -10.0), (15.0, 0.0), (25.0, 10.0)];

const FLAT: &[(f64, f64)] = &[(10.0, 5.0), (20.0, 5.0), (30.0, 5.0)];

// One reset between t=20 (60) and t=30 (5).
const RESET1: &[(f64, f64)] = &[
    (10.0, 50.0),
    (20.0, 60.0),
    (30.0, 5.0),
    (40.0, 15.0),
    (50.0, 25.0),
    (60.0, 35.0),
];

// Resets at t=30 (from 20) and t=50 (from 13).
const RESET_MULTI: &[(f64, f64)] = &[
    (10.0, 10.0),
    (20.0, 20.0),
    (30.0, 3.0),
    (40.0, 13.0),
    (50.0, 2.0),
    (60.0, 12.0),
];

// Two strict drops and two repeats.
const RESETS_EQ: &[(f64, f64)] = &[
    (10.0, 5.0),
    (20.0, 5.0),
    (30.0, 4.0),
    (40.0, 4.0),
    (50.0, 3.0),
];

const GAUGE: &[(f64, f64)] = &[(5.0, 10.0), (15.0, 4.0), (25.0, 7.0), (35.0, -2.0)];

const NAN_MID: &[(f64, f64)] = &[(10.0, 10.0), (20.0, f64::NAN), (30.0, 5.0)];
const NAN_LAST: &[(f64, f64)] = &[(10.0, 10.0), (20.0, 20.0), (30.0, f64::NAN)];
const NAN_FIRST: &[(f64, f64)] = &[(10.0, f64::NAN), (20.0, 20.0), (30.0, 30.0)];

// The last two samples share a timestamp.
const DUP_T: &[(f64, f64)] = &[(10.0, 1.0), (20.0, 5.0), (20.0, 7.0)];

fn range_cases() -> Vec<Case> {
    use Func::*;
    let mut stale_last = series(&[(10.0, 10.0), (20.0, 20.0)]);
    stale_last.push(Sample {
        t: 30.0,
        v: stale_nan(),
    });
    let stale_only = vec![Sample {
        t: 10.0,
        v: stale_nan(),
    }];

    vec![
        // --- steady counter ---------------------------------------------
        // res = 150-100 = 50, si = 50, avg = 10, thr = 11, dts = 5-0 = 5 < thr,
        // dz = 50*(100/50) = 100 (no clamp), dte = 60-55 = 5 < thr,
        // factor = 60/50/60 → 50 * 0.02 = 1.
        case(
            "rate_steady",
            "extrapolation all the way to both window edges when gaps < 1.1×avg",
        )
        .eval(Rate, STEADY, 60.0, 60.0)
        .want(Approx(1.0)),
        // Same as above without the division by range: 50 * 60/50 = 60.
        case(
            "increase_steady",
            "increase = rate extrapolation without dividing by range",
        )
        .eval(Increase, STEADY, 60.0, 60.0)
        .want(Approx(60.0)),
        // Gauge path, same numbers: 50 * 60/50 = 60.
        case("delta_steady", "delta extrapolates like increase")
            .eval(Delta, STEADY, 60.0, 60.0)
            .want(Approx(60.0)),
        // (150-140) / (55-45) = 1.
        case(
            "irate_steady",
            "irate = difference of the last two samples per second",
        )
        .eval(Irate, STEADY, 60.0, 60.0)
        .want(Exact(1.0)),
        // 150-140 = 10.
        case(
            "idelta_steady",
            "idelta = difference of the last two samples",
        )
        .eval(Idelta, STEADY, 60.0, 60.0)
        .want(Exact(10.0)),
        case("resets_steady", "no value decreases → 0 resets")
            .eval(Resets, STEADY, 60.0, 60.0)
            .want(Exact(0.0)),
        // Window (30, 60]: 35, 45, 55. res = 20, si = 20, dts = 5, dte = 5,
        // factor = 30/20 = 1.5, /30 → 20 * 0.05 = 1.
        case(
            "rate_steady_partial",
            "samples before the window start are not selected",
        )
        .eval(Rate, STEADY, 60.0, 30.0)
        .want(Approx(1.0)),
        // Window (10, 40]: 15, 25, 35. res = 20, si = 20, dts = 5, dte = 5,
        // factor = 30/20 = 1.5 → 30.
        case(
            "increase_ignores_future",
            "samples after `at` are not selected",
        )
        .eval(Increase, STEADY, 40.0, 30.0)
        .want(Exact(30.0)),
        // --- window edges -----------------------------------------------
        // Window (0, 60]: the t=0 sample is out. res = 1080-1030 = 50, si = 50,
        // dts = 10 < 11, dz = 50*(1030/50) = 1030, dte = 0 → 50 * 60/50 = 60.
        // (Prometheus 2 would select t=0: res = 80, factor 1 → 80.)
        case(
            "increase_left_open",
            "sample exactly at at-range is excluded (left-open, Prometheus 3)",
        )
        .eval(Increase, EDGE, 60.0, 60.0)
        .want(Approx(60.0)),
        // 50 * (60/50 / 60) = 1.
        case(
            "rate_left_open",
            "rate over a left-open window divides by the full range",
        )
        .eval(Rate, EDGE, 60.0, 60.0)
        .want(Approx(1.0)),
        // Window (0, 50]: 10..50. res = 1070-1030 = 40, si = 40, dts = 10 < 11,
        // dte = 50-50 = 0 → 40 * 50/40 = 40 * 1.25 = 50.
        case(
            "increase_at_edge_included",
            "sample exactly at `at` is included (right-closed), dte = 0",
        )
        .eval(Increase, EDGE, 50.0, 50.0)
        .want(Exact(50.0)),
        // Window (0, 20]: samples 10 and 20 only. res = 10, si = 10, avg = 10,
        // dts = 10 < 11, dte = 0 → 10 * 20/10 = 20. (Left-closed: 1000..1040 → 40.)
        case(
            "increase_both_edges",
            "samples on both edges: at-range excluded, at included",
        )
        .eval(Increase, EDGE, 20.0, 20.0)
        .want(Exact(20.0)),
        // Window (50, 60] holds only t=60.
        case(
            "irate_left_open_single",
            "left-open edge leaves one sample → no result",
        )
        .eval(Irate, EDGE, 60.0, 10.0)
        .want(NoSample),
        // Window (40, 60]: 50 and 60 → 1080-1070 = 10.
        case(
            "idelta_at_edge",
            "the sample at `at` is the last of the pair",
        )
        .eval(Idelta, EDGE, 60.0, 20.0)
        .want(Exact(10.0)),
        case(
            "rate_single_sample",
            "fewer than 2 samples → no result (rate)",
        )
        .eval(Rate, EDGE, 60.0, 10.0)
        .want(NoSample),
        case(
            "delta_single_sample",
            "fewer than 2 samples → no result (delta)",
        )
        .eval(Delta, EDGE, 60.0, 10.0)
        .want(NoSample),
        case(
            "increase_single_sample",
            "fewer than 2 samples → no result (increase)",
        )
        .eval(Increase, EDGE, 60.0, 10.0)
        .want(NoSample),
        case(
            "idelta_single_sample",
            "fewer than 2 samples → no result (idelta)",
        )
        .eval(Idelta, EDGE, 60.0, 10.0)
        .want(NoSample),
        case(
            "resets_single_sample",
            "funcResets with one sample returns 0, not nothing",
        )
        .eval(Resets, EDGE, 60.0, 10.0)
        .want(Exact(0.0)),
        case(
            "resets_empty_window",
            "no samples in the window → no result",
        )
        .eval(Resets, EDGE, 100.0, 30.0)
        .want(NoSample),
        case("rate_empty_window", "no samples in the window → no result")
            .eval(Rate, EDGE, 100.0, 30.0)
            .want(NoSample),
        case(
            "rate_zero_range",
            "an empty (at, at] window selects nothing",
        )
        .eval(Rate, STEADY, 60.0, 0.0)
        .want(NoSample),
        // --- gaps at the start and end ------------------------------------
        // res = 20, si = 20, avg = 10, thr = 11, dts = 40 ≥ thr → avg/2 = 5,
        // dz = 20*(100/20) = 100, dte = 0 → 20 * 25/20 = 20 * 1.25 = 25.
        case(
            "increase_gap_start",
            "extrapolation capped at half an interval when the start gap ≥ 1.1×avg",
        )
        .eval(Increase, LATE, 60.0, 60.0)
        .want(Exact(25.0)),
        // Upstream order: factor = 25/20 = 1.25, factor /= 60, result = 20 * factor.
        // 20 * (1.25/60) rounds to 0.41666666666666663, one ulp below 25/60.
        case(
            "rate_gap_start_bits",
            "upstream arithmetic order (res * (factor / range)) reproduced to the bit",
        )
        .eval(Rate, LATE, 60.0, 60.0)
        .want(Exact(0.416_666_666_666_666_63)),
        // delta has no clamp; dts = 5 as above → 25.
        case("delta_gap_start", "half-interval cap applies to gauges too")
            .eval(Delta, LATE, 60.0, 60.0)
            .want(Exact(25.0)),
        // res = 20, si = 20, dts = 5 < 11, dz = 200, dte = 35 ≥ 11 → 5
        // → 20 * 30/20 = 30.
        case(
            "increase_gap_end",
            "extrapolation capped at half an interval when the end gap ≥ 1.1×avg",
        )
        .eval(Increase, EARLY, 60.0, 60.0)
        .want(Exact(30.0)),
        case("delta_gap_end", "end cap applies to delta")
            .eval(Delta, EARLY, 60.0, 60.0)
            .want(Exact(30.0)),
        // 220-210 = 10: no extrapolation for idelta despite the end gap.
        case("idelta_gap_end", "idelta does not extrapolate")
            .eval(Idelta, EARLY, 60.0, 60.0)
            .want(Exact(10.0)),
        // (220-210) / 10 = 1.
        case("irate_gap_end", "irate does not extrapolate")
            .eval(Irate, EARLY, 60.0, 60.0)
            .want(Exact(1.0)),
        // rangeStart = 2 - 4.2 = -2.2 (the same double as 2 * 1.1), so
        // dts = 2.2 = thr exactly. si = 2, avg = 2, `>=` → dts = avg/2 = 1,
        // dz = 2*(100/20) = 10, dte = 0 → 20 * 3/2 = 30. (With `>`: 42.)
        case(
            "increase_gap_equals_threshold",
            "a gap equal to 1.1×avg is already capped (>=)",
        )
        .eval(Increase, THRESH, 2.0, 4.2)
        .want(Exact(30.0)),
        case(
            "delta_gap_equals_threshold",
            "the >= threshold comparison is shared with delta",
        )
        .eval(Delta, THRESH, 2.0, 4.2)
        .want(Exact(30.0)),
        // rangeStart = 2 - 4.1 = -2.0999999999999996, dts = 2.0999999999999996
        // < thr = 2.2 → full extrapolation: 20 * (2 + 2.1 + 0)/2 = 41.
        case(
            "increase_gap_below_threshold",
            "a gap just under 1.1×avg is extrapolated fully",
        )
        .eval(Increase, THRESH, 2.0, 4.1)
        .want(Approx(41.0)),
        // --- zero-point clamp -------------------------------------------
        // res = 40, si = 40, avg = 10, dts = 20 ≥ 11 → 5, dz = 40*(1/40) = 1
        // < 5 → dts = 1, dte = 0 → 40 * 41/40 = 41.
        case(
            "increase_zero_clamp",
            "zero-point clamp: no extrapolation below zero (dz < half interval)",
        )
        .eval(Increase, ZERO, 60.0, 60.0)
        .want(Approx(41.0)),
        // 40 * (41/40 / 60) = 41/60.
        case("rate_zero_clamp", "zero-point clamp in rate")
            .eval(Rate, ZERO, 60.0, 60.0)
            .want(Approx(41.0 / 60.0)),
        // No clamp for gauges: dts = 5 → 40 * 45/40 = 45.
        case(
            "delta_no_zero_clamp",
            "delta never applies the zero-point clamp",
        )
        .eval(Delta, ZERO, 60.0, 60.0)
        .want(Exact(45.0)),
        // res = 60, si = 30, avg = 10, dts = 30 ≥ 11 → 5, dz = 30*(16/60) = 8,
        // 8 < 5 is false → dts = 5, dte = 0 → 60 * 35/30 = 70.
        // (Clamp-before-cap order of older releases: dts = 8 < 11 → 76.)
        case(
            "increase_clamp_after_cap",
            "Prometheus 3 order: half-interval cap first, then min with dz",
        )
        .eval(Increase, ORDER, 60.0, 60.0)
        .want(Approx(70.0)),
        // res = 20, si = 20, dts = 2 < 11, dz = 20*(0/20) = 0 < 2 → dts = 0,
        // dte = 0 → factor 1 → 20.
        case(
            "increase_first_value_zero",
            "a first value of 0 clamps start extrapolation to nothing",
        )
        .eval(Increase, FROM_ZERO, 22.0, 22.0)
        .want(Exact(20.0)),
        // Gauge: dts = 2 stays → 20 * 22/20 = 22.
        case(
            "delta_first_value_zero",
            "delta extrapolates below zero freely",
        )
        .eval(Delta, FROM_ZERO, 22.0, 22.0)
        .want(Approx(22.0)),
        // res = 20, first = -10 < 0 → no clamp; dts = 5, dte = 5 → 20 * 30/20 = 30.
        case(
            "increase_negative_first_value",
            "zero-point clamp needs a first value ≥ 0",
        )
        .eval(Increase, NEG_COUNTER, 30.0, 30.0)
        .want(Exact(30.0)),
        // res = 0 (not > 0, no clamp) → 0 * factor = 0.
        case("increase_flat", "a flat counter increases by 0")
            .eval(Increase, FLAT, 30.0, 30.0)
            .want(Exact(0.0)),
        case("rate_flat", "a flat counter has rate 0")
            .eval(Rate, FLAT, 30.0, 30.0)
            .want(Exact(0.0)),
        // --- counter resets ---------------------------------------------
        // res = 35-50 = -15, reset 60→5 adds 60 → 45; si = 50, dts = 10 < 11,
        // dz = 50*(50/45) ≈ 55.6, dte = 0 → 45 * 60/50 = 54.
        case(
            "increase_one_reset",
            "reset correction adds the pre-reset value",
        )
        .eval(Increase, RESET1, 60.0, 60.0)
        .want(Approx(54.0)),
        // 45 * (60/50 / 60) = 0.9.
        case("rate_one_reset", "reset correction in rate")
            .eval(Rate, RESET1, 60.0, 60.0)
            .want(Approx(0.9)),
        // Gauge: res = -15, no correction → -15 * 60/50 = -18.
        case(
            "delta_no_reset_correction",
            "delta ignores resets and can be negative",
        )
        .eval(Delta, RESET1, 60.0, 60.0)
        .want(Approx(-18.0)),
        case("resets_one", "one strict decrease → 1 reset")
            .eval(Resets, RESET1, 60.0, 60.0)
            .want(Exact(1.0)),
        // Window (0, 30]: pair (20, 60), (30, 5): 5 < 60 → result 5, / 10 = 0.5.
        case(
            "irate_reset",
            "irate after a reset takes the last value as the increase",
        )
        .eval(Irate, RESET1, 30.0, 30.0)
        .want(Exact(0.5)),
        // 5 - 60 = -55.
        case("idelta_reset", "idelta has no reset handling")
            .eval(Idelta, RESET1, 30.0, 30.0)
            .want(Exact(-55.0)),
        // res = 12-10 = 2, +20 (reset at 30), +13 (reset at 50) = 35; si = 50,
        // dts = 10, dz = 50*(10/35) ≈ 14.3 > 10, dte = 0 → 35 * 60/50 = 42.
        case(
            "increase_several_resets",
            "every reset adds its pre-reset value",
        )
        .eval(Increase, RESET_MULTI, 60.0, 60.0)
        .want(Approx(42.0)),
        case("resets_several", "each strict decrease counts once")
            .eval(Resets, RESET_MULTI, 60.0, 60.0)
            .want(Exact(2.0)),
        // 5→5 no, 5→4 yes, 4→4 no, 4→3 yes.
        case(
            "resets_equal_values",
            "an unchanged value is not a reset (strict <)",
        )
        .eval(Resets, RESETS_EQ, 50.0, 50.0)
        .want(Exact(2.0)),
        // --- gauges -----------------------------------------------------
        // res = -2-10 = -12, si = 30, avg = 10, dts = 5, dte = 5
        // → -12 * 40/30 = -16.
        case(
            "delta_gauge",
            "delta of a falling gauge is negative and extrapolated",
        )
        .eval(Delta, GAUGE, 40.0, 40.0)
        .want(Approx(-16.0)),
        // -2 - 7 = -9.
        case("idelta_gauge", "idelta of a gauge")
            .eval(Idelta, GAUGE, 40.0, 40.0)
            .want(Exact(-9.0)),
        // -2 < 7 → treated as reset: -2 / 10 = -0.2.
        case(
            "irate_negative_after_drop",
            "irate treats any drop as a reset (result = last value)",
        )
        .eval(Irate, GAUGE, 40.0, 40.0)
        .want(Exact(-0.2)),
        // --- NaN --------------------------------------------------------
        // res = NaN - 10 = NaN.
        case("rate_nan_last", "NaN propagates (last value NaN)")
            .eval(Rate, NAN_LAST, 30.0, 30.0)
            .want(NaN),
        // !(NaN < 20) → difference branch: NaN - 20 = NaN.
        case("irate_nan_last", "NaN propagates through irate")
            .eval(Irate, NAN_LAST, 30.0, 30.0)
            .want(NaN),
        case("idelta_nan_last", "NaN propagates through idelta")
            .eval(Idelta, NAN_LAST, 30.0, 30.0)
            .want(NaN),
        // res = 5-10 = -5; NaN<10 and 5<NaN are both false → no correction;
        // res > 0 false → no clamp; si = 20, dts = 10, dte = 0
        // → -5 * 30/20 = -7.5.
        case(
            "increase_nan_hides_reset",
            "comparisons with NaN are false, so a NaN neighbour hides a reset",
        )
        .eval(Increase, NAN_MID, 30.0, 30.0)
        .want(Exact(-7.5)),
        case("resets_nan_mid", "a NaN neighbour never counts as a reset")
            .eval(Resets, NAN_MID, 30.0, 30.0)
            .want(Exact(0.0)),
        // Pair (20, NaN), (30, 5): 5 < NaN false → 5 - NaN = NaN.
        case(
            "irate_nan_previous",
            "NaN in the previous sample propagates",
        )
        .eval(Irate, NAN_MID, 30.0, 30.0)
        .want(NaN),
        // res = 30 - NaN = NaN.
        case("delta_nan_first", "NaN propagates (first value NaN)")
            .eval(Delta, NAN_FIRST, 30.0, 30.0)
            .want(NaN),
        case(
            "increase_nan_first",
            "NaN first value: no clamp, result NaN",
        )
        .eval(Increase, NAN_FIRST, 30.0, 30.0)
        .want(NaN),
        // --- stale markers ----------------------------------------------
        // Stale marker at 30 dropped: (10,10), (20,20). res = 10, si = 10,
        // avg = 10, dts = 10 < 11, dz = 10*(10/10) = 10 (not < 10),
        // dte = 10 < 11 → 10 * 30/10 = 30.
        case(
            "increase_drops_stale_marker",
            "stale markers are dropped by range selection",
        )
        .eval_samples(Increase, stale_last.clone(), 30.0, 30.0)
        .want(Exact(30.0)),
        // (20-10) / 10 = 1.
        case(
            "irate_drops_stale_marker",
            "irate uses the last two non-stale samples",
        )
        .eval_samples(Irate, stale_last, 30.0, 30.0)
        .want(Exact(1.0)),
        case(
            "resets_only_stale",
            "a window holding only a stale marker has no samples",
        )
        .eval_samples(Resets, stale_only, 30.0, 30.0)
        .want(NoSample),
        // --- duplicate timestamps ---------------------------------------
        case(
            "irate_zero_interval",
            "instantValue returns nothing when the last two share a timestamp",
        )
        .eval(Irate, DUP_T, 20.0, 20.0)
        .want(NoSample),
        case(
            "idelta_zero_interval",
            "the zero-interval check applies to idelta too",
        )
        .eval(Idelta, DUP_T, 20.0, 20.0)
        .want(NoSample),
    ]
}

#[test]
fn range_functions_match_upstream() {
    let cases = range_cases();
    assert!(cases.len() >= 40);
    let mut failures = Vec::new();
    for case in &cases {
        let f = match case.func {
            Func::Rate => rate,
            Func::Increase => increase,
            Func::Delta => delta,
            Func::Irate => irate,
            Func::Idelta => idelta,
            Func::Resets => resets,
        };
        let got = f(&case.series, case.at, case.range);
        if !check(got, case.want) {
            failures.push(format!(
                "{} ({:?}, pins: {}): got {:?}, want {:?}",
                case.name, case.func, case.pins, got, case.want
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

struct QuantileCase {
    name: &'static str,
    pins: &'static str,
    q: f64,
    buckets: &'static [(f64, f64)],
    want: Want,
}

/// Starts a histogram_quantile case; `eval` and `want` fill in the rest.
fn qcase(name: &'static str, pins: &'static str) -> QuantileCase {
    QuantileCase {
        name,
        pins,
        q: 0.0,
        buckets: &[],
        want: NoSample,
    }
}

impl QuantileCase {
    fn eval(self, q: f64, buckets: &'static [(f64, f64)]) -> Self {
        Self { q, buckets, ..self }
    }

    fn want(self, want: Want) -> Self {
        Self { want, ..self }
    }
}

const INF: f64 = f64::INFINITY;

// le: 0.1 → 10, 0.5 → 30, 1 → 60, +Inf → 100.
const H: &[(f64, f64)] = &[(0.1, 10.0), (0.5, 30.0), (1.0, 60.0), (INF, 100.0)];
const H_SHUFFLED: &[(f64, f64)] = &[(1.0, 60.0), (INF, 100.0), (0.1, 10.0), (0.5, 30.0)];
const H_NO_INF: &[(f64, f64)] = &[(0.1, 10.0), (0.5, 30.0), (1.0, 60.0)];
const H_NON_MONOTONIC: &[(f64, f64)] = &[(1.0, 10.0), (2.0, 8.0), (3.0, 15.0), (INF, 15.0)];
const H_NEGATIVE: &[(f64, f64)] = &[(-1.0, 10.0), (0.0, 20.0), (INF, 30.0)];

fn quantile_cases() -> Vec<QuantileCase> {
    vec![
        // rank = 50 → first count ≥ 50 is le=1 (60): 0.5 + 0.5*((50-30)/(60-30)).
        qcase("median", "linear interpolation within the bucket")
            .eval(0.5, H)
            .want(Approx(0.5 + 0.5 * (20.0 / 30.0))),
        // rank = 5 → lowest bucket, bound 0.1 > 0: 0 + 0.1*(5/10) = 0.05.
        qcase(
            "lowest_bucket",
            "lowest bucket interpolates from 0 when its bound > 0",
        )
        .eval(0.05, H)
        .want(Exact(0.05)),
        // rank = 30 → le=0.5 (30): 0.1 + 0.4*(20/20).
        qcase(
            "bucket_boundary",
            "a rank equal to a cumulative count ends in that bucket",
        )
        .eval(0.3, H)
        .want(Approx(0.5)),
        // rank = 99 > every finite count → +Inf bucket → second highest bound.
        qcase(
            "inf_bucket",
            "the +Inf bucket returns the upper bound of the second-highest bucket",
        )
        .eval(0.99, H)
        .want(Exact(1.0)),
        qcase("q_one", "q = 1 lands in the +Inf bucket")
            .eval(1.0, H)
            .want(Exact(1.0)),
        // rank = 0 → 0 + 0.1*(0/10) = 0.
        qcase("q_zero", "q = 0 interpolates to the lower edge 0")
            .eval(0.0, H)
            .want(Exact(0.0)),
        qcase("q_negative", "q < 0 → -Inf")
            .eval(-0.1, H)
            .want(Exact(f64::NEG_INFINITY)),
        qcase("q_above_one", "q > 1 → +Inf")
            .eval(1.5, H)
            .want(Exact(INF)),
        qcase("q_nan", "q NaN → NaN sample")
            .eval(f64::NAN, H)
            .want(NaN),
        qcase("unsorted", "buckets are sorted by upper bound first")
            .eval(0.5, H_SHUFFLED)
            .want(Approx(0.5 + 0.5 * (20.0 / 30.0))),
        qcase("no_inf_bucket", "highest bucket not +Inf → NaN")
            .eval(0.5, H_NO_INF)
            .want(NaN),
        qcase("q_checked_first", "q range is checked before the buckets")
            .eval(-1.0, H_NO_INF)
            .want(Exact(f64::NEG_INFINITY)),
        qcase("single_bucket", "fewer than 2 buckets → NaN")
            .eval(0.5, &[(INF, 10.0)])
            .want(NaN),
        qcase(
            "duplicate_inf",
            "equal bounds merge; two +Inf buckets leave one bucket → NaN",
        )
        .eval(0.5, &[(INF, 5.0), (INF, 5.0)])
        .want(NaN),
        // Merged: le=1 → 10, le=2 → 20, +Inf → 20. rank = 10 → le=1: 0 + 1*(10/10).
        qcase(
            "duplicate_bounds_summed",
            "coalesceBuckets sums counts of equal upper bounds",
        )
        .eval(0.5, &[(1.0, 5.0), (1.0, 5.0), (2.0, 20.0), (INF, 20.0)])
        .want(Exact(1.0)),
        qcase("zero_observations", "a total count of 0 → NaN")
            .eval(0.5, &[(1.0, 0.0), (INF, 0.0)])
            .want(NaN),
        // Fixed up to 10, 10, 15, 15. rank = 7.5 → le=1: 0 + 1*(7.5/10).
        qcase(
            "non_monotonic_low",
            "decreasing counts are raised to the running maximum",
        )
        .eval(0.5, H_NON_MONOTONIC)
        .want(Exact(0.75)),
        // rank = 12 → le=3: 2 + 1*((12-10)/(15-10)) = 2.4.
        qcase(
            "non_monotonic_high",
            "interpolation uses the fixed-up counts",
        )
        .eval(0.8, H_NON_MONOTONIC)
        .want(Approx(2.4)),
        // 0.5/(2e12+0.5) < 1e-12 → le=2 and +Inf are flattened to 1e12.
        // rank = 1e12 → le=1: 0 + 1*(1e12/1e12) = 1. (Unflattened: le=2 → 2.)
        qcase(
            "small_delta_ignored",
            "relative differences < 1e-12 are treated as equal, in either direction",
        )
        .eval(1.0, &[(1.0, 1e12), (2.0, 1e12 + 0.5), (INF, 1e12 + 0.5)])
        .want(Exact(1.0)),
        // rank = 3 → lowest bucket with bound -1 ≤ 0 → -1.
        qcase(
            "lowest_bound_not_positive",
            "a lowest bound ≤ 0 is returned as is",
        )
        .eval(0.1, H_NEGATIVE)
        .want(Exact(-1.0)),
        // rank = 15 → le=0: -1 + 1*((15-10)/10) = -0.5.
        qcase(
            "negative_bounds_interpolate",
            "interpolation between negative bounds",
        )
        .eval(0.5, H_NEGATIVE)
        .want(Exact(-0.5)),
        // observations = NaN → rank NaN; no count ≥ NaN → +Inf bucket → 1.
        qcase(
            "nan_total_count",
            "a NaN total count falls through to the +Inf bucket",
        )
        .eval(0.5, &[(1.0, 5.0), (INF, f64::NAN)])
        .want(Exact(1.0)),
        qcase("empty", "no buckets → no result")
            .eval(0.5, &[])
            .want(NoSample),
        qcase("empty_nan_q", "no buckets → no result even for NaN q")
            .eval(f64::NAN, &[])
            .want(NoSample),
    ]
}

#[test]
fn histogram_quantile_matches_upstream() {
    let mut failures = Vec::new();
    for case in quantile_cases() {
        let buckets: Vec<Bucket> = case
            .buckets
            .iter()
            .map(|&(upper_bound, count)| Bucket { upper_bound, count })
            .collect();
        let got = histogram_quantile(case.q, &buckets);
        if !check(got, case.want) {
            failures.push(format!(
                "{} (pins: {}): got {:?}, want {:?}",
                case.name, case.pins, got, case.want
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn histogram_quantile_does_not_reorder_input() {
    let buckets: Vec<Bucket> = H_SHUFFLED
        .iter()
        .map(|&(upper_bound, count)| Bucket { upper_bound, count })
        .collect();
    let before = buckets.clone();
    let _ = histogram_quantile(0.5, &buckets);
    assert_eq!(buckets, before);
}

#[test]
fn almost_equal_matches_upstream() {
    assert!(almost_equal(f64::NAN, f64::NAN, 1e-12));
    assert!(almost_equal(1e12, 1e12 + 0.5, 1e-12));
    assert!(!almost_equal(1e12, 1e12 + 4.0, 1e-12));
    // Against zero the tolerance is scaled by the smallest normal number.
    assert!(!almost_equal(0.0, 1e-300, 1e-12));
    assert!(almost_equal(0.0, 0.0, 1e-12));
}

#[test]
fn go_sort_search_finds_first_true() {
    let v = [1, 3, 5, 7];
    assert_eq!(go_sort_search(v.len(), |i| v[i] >= 0), 0);
    assert_eq!(go_sort_search(v.len(), |i| v[i] >= 4), 2);
    assert_eq!(go_sort_search(v.len(), |i| v[i] >= 8), 4);
    assert_eq!(go_sort_search(0, |_| true), 0);
}

#[cfg(debug_assertions)]
#[test]
#[should_panic(expected = "sorted")]
fn unsorted_samples_are_rejected_in_debug_builds() {
    let s = series(&[(20.0, 1.0), (10.0, 2.0)]);
    let _ = rate(&s, 30.0, 30.0);
}

mod native {
    use crate::promql::{
        histogram_quantile_native, rate, rate_native, NativeBuckets, NativeSample, Sample,
    };

    fn h(
        schema: i32,
        count: f64,
        positive: &[(i32, f64)],
        negative: &[(i32, f64)],
    ) -> NativeBuckets {
        NativeBuckets {
            schema,
            count,
            positive: positive.to_vec(),
            negative: negative.to_vec(),
            ..NativeBuckets::default()
        }
    }

    #[test]
    fn linear_within_the_bucket_as_prometheus_2_42() {
        // Schema 0: bucket 1 = (1, 2], bucket 2 = (2, 4]; given out of order.
        let hist = h(0, 4.0, &[(2, 2.0), (1, 2.0)], &[]);
        assert_eq!(histogram_quantile_native(0.0, &hist), 1.0);
        assert_eq!(histogram_quantile_native(0.25, &hist), 1.5);
        assert_eq!(histogram_quantile_native(0.5, &hist), 2.0);
        assert_eq!(histogram_quantile_native(0.625, &hist), 2.5);
        assert_eq!(histogram_quantile_native(1.0, &hist), 4.0);
        // Schema 3: bucket 8 = (2^(7/8), 2]; the midpoint, linearly.
        let hist = h(3, 2.0, &[(8, 2.0)], &[]);
        let lower = 2f64.powf(7.0 / 8.0);
        assert!(
            (histogram_quantile_native(0.5, &hist) - (lower + (2.0 - lower) / 2.0)).abs() < 1e-12
        );
    }

    #[test]
    fn zero_bucket_edges() {
        let mut hist = h(0, 4.0, &[(1, 2.0)], &[]);
        hist.zero_threshold = 1.0;
        hist.zero_count = 2.0;
        // Only positive buckets: the zero bucket is [0, 1].
        assert_eq!(histogram_quantile_native(0.25, &hist), 0.5);
        // The positive bucket (1, 2], its lower edge at the threshold.
        assert_eq!(histogram_quantile_native(0.75, &hist), 1.5);
        // Only negative buckets: the zero bucket is [-1, 0].
        let mut hist = h(0, 4.0, &[], &[(1, 2.0)]);
        hist.zero_threshold = 1.0;
        hist.zero_count = 2.0;
        assert_eq!(histogram_quantile_native(0.25, &hist), -1.5);
        assert_eq!(histogram_quantile_native(0.75, &hist), -0.5);
        // Both signs: [-1, 1].
        let mut hist = h(0, 4.0, &[(1, 1.0)], &[(1, 1.0)]);
        hist.zero_threshold = 1.0;
        hist.zero_count = 2.0;
        assert_eq!(histogram_quantile_native(0.5, &hist), 0.0);
    }

    #[test]
    fn negative_buckets_run_from_the_most_negative() {
        // -4 <= v < -2 (bucket 2) twice, -2 <= v < -1 (bucket 1) twice.
        let hist = h(0, 4.0, &[], &[(1, 2.0), (2, 2.0)]);
        assert_eq!(histogram_quantile_native(0.25, &hist), -3.0);
        assert_eq!(histogram_quantile_native(0.75, &hist), -1.5);
    }

    #[test]
    fn special_cases() {
        let hist = h(0, 5.0, &[(1, 4.0)], &[]);
        assert_eq!(histogram_quantile_native(-0.1, &hist), f64::NEG_INFINITY);
        assert_eq!(histogram_quantile_native(1.1, &hist), f64::INFINITY);
        assert!(histogram_quantile_native(f64::NAN, &hist).is_nan());
        assert!(histogram_quantile_native(0.5, &h(0, 0.0, &[], &[])).is_nan());
        // A NaN observation counts but sits in no bucket: the top edge.
        assert_eq!(histogram_quantile_native(1.0, &hist), 2.0);
        // Only NaN observations: no bucket at all.
        assert_eq!(histogram_quantile_native(0.5, &h(0, 3.0, &[], &[])), 0.0);
    }

    fn at(t: f64, h: NativeBuckets) -> NativeSample {
        NativeSample { t, h }
    }

    #[test]
    fn rate_extrapolates_as_the_count_rate_without_the_zero_clamp() {
        // 5 readings 10 s apart, +10 each in bucket 1; starting from 2, so
        // a float counter's rate would clamp its extrapolation at zero.
        let samples: Vec<NativeSample> = (0..5)
            .map(|i| {
                let n = 2.0 + 10.0 * i as f64;
                at(12.0 + 10.0 * i as f64, h(0, n, &[(1, n)], &[]))
            })
            .collect();
        let r = rate_native(&samples, 60.0, 60.0).unwrap();
        // 40 over 40 s sampled; 12 s to the start is past 1.1 × 10, so half
        // an interval (5 s) is assumed there; 8 s to the end is kept.
        let expected = 40.0 * (40.0 + 5.0 + 8.0) / 40.0 / 60.0;
        assert!((r.count - expected).abs() < 1e-12, "{}", r.count);
        assert_eq!(r.positive, vec![(1, r.count)]);
        // The float counter's rate of the same counts is clamped lower.
        let floats: Vec<Sample> = samples
            .iter()
            .map(|s| Sample {
                t: s.t,
                v: s.h.count,
            })
            .collect();
        let clamped = rate(&floats, 60.0, 60.0).unwrap();
        assert!(clamped < r.count, "{clamped} vs {}", r.count);
        assert_eq!(rate_native(&samples[..1], 60.0, 60.0), None);
    }

    #[test]
    fn rate_adds_the_histogram_before_a_reset_and_folds_schemas() {
        let samples = vec![
            at(10.0, h(1, 4.0, &[(2, 4.0)], &[])),
            // Reset (count went down): 1 observation since.
            at(20.0, h(1, 1.0, &[(2, 1.0)], &[])),
            // The schema went down to 0 later: bucket 2 at schema 1 is
            // bucket 1 at schema 0.
            at(30.0, h(0, 3.0, &[(1, 3.0)], &[])),
        ];
        let r = rate_native(&samples, 30.0, 25.0).unwrap();
        // last - first + the histogram before the reset: 3 - 4 + 4 = 3 over
        // 20 s, extrapolated by the 5 s to the window's start (under 1.1
        // intervals) and none at the end: 3 × 25 / 20 / 25.
        assert_eq!(r.schema, 0);
        let expected = 3.0 * 25.0 / 20.0 / 25.0;
        assert!((r.count - expected).abs() < 1e-12, "{}", r.count);
        assert_eq!(r.positive.len(), 1);
        assert!((r.positive[0].1 - expected).abs() < 1e-12);
        assert_eq!(histogram_quantile_native(1.0, &r), 2.0);
    }

    #[test]
    fn sums_and_schema_reduction() {
        let a = h(2, 2.0, &[(1, 1.0), (4, 1.0)], &[(3, 1.0)]);
        let b = h(1, 1.0, &[(2, 1.0)], &[]);
        let sum = a.add(&b);
        // Schema 2 → 1: index 1 → 1, 4 → 2, negative 3 → 2.
        assert_eq!(sum.schema, 1);
        assert_eq!(sum.positive, vec![(1, 1.0), (2, 2.0)]);
        assert_eq!(sum.negative, vec![(2, 1.0)]);
        assert_eq!(sum.count, 3.0);
        assert_eq!(a.at_schema(3), a);
    }
}
