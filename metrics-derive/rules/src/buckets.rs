//! Histogram bucket bounds: the limits, the presets and the generators.
//!
//! A list of bounds is finite, strictly increasing and 1 to [`MAX_BUCKETS`]
//! long; the `+Inf` bucket is always added and never listed. The generators
//! are the one definition of `exponential` and `linear` buckets: the derive
//! macros compute their bounds with them at compile time, the runtime's
//! `Buckets::exponential` / `Buckets::linear` at run time, so both give the
//! same bounds to the last bit.

use std::fmt;

/// The most bucket bounds a histogram may have (the `+Inf` bucket is
/// implicit): every bucket is one more time series per label combination.
pub const MAX_BUCKETS: usize = 20;

/// For operations well under a second: 0.01 … 1 s.
pub const FAST: &[f64] = &[0.01, 0.05, 0.1, 0.25, 0.5, 1.0];
/// For operations of about a second: 0.25 … 10 s.
pub const MEDIUM: &[f64] = &[0.25, 0.5, 1.0, 2.0, 5.0, 10.0];
/// For slow operations: 1 … 120 s.
pub const SLOW: &[f64] = &[1.0, 5.0, 10.0, 30.0, 60.0, 120.0];
/// General-purpose latency buckets (seconds), 5 ms … 10 s, as most clients
/// default to.
pub const DEFAULT: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The presets by name, as `buckets = "fast"` names them.
pub const PRESETS: &[(&str, &[f64])] = &[("fast", FAST), ("medium", MEDIUM), ("slow", SLOW)];

/// The preset called `name`.
pub fn preset(name: &str) -> Result<&'static [f64], BucketsError> {
    PRESETS
        .iter()
        .find(|(preset, _)| *preset == name)
        .map(|(_, bounds)| *bounds)
        .ok_or_else(|| BucketsError::UnknownPreset(name.to_owned()))
}

/// An argument of a bucket generator, to point at in a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Argument {
    /// The first bound.
    Start,
    /// `factor` (exponential) or `width` (linear).
    Step,
    /// The number of bounds.
    Count,
}

/// Why a list of bucket bounds, or a generator's arguments, were refused.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum BucketsError {
    /// No bounds at all.
    Empty,
    /// More than [`MAX_BUCKETS`] bounds.
    TooMany(usize),
    /// `bounds[index]` is NaN or infinite.
    NotFinite {
        /// Its position in the list.
        index: usize,
        /// The bound.
        value: f64,
    },
    /// `bounds[index] <= bounds[index - 1]`.
    NotIncreasing {
        /// Its position in the list.
        index: usize,
        /// The bound.
        value: f64,
        /// The bound before it.
        previous: f64,
    },
    /// A generator's argument is out of range.
    BadArgument {
        /// Which argument.
        argument: Argument,
        /// What it must be.
        message: &'static str,
    },
    /// A generator's bounds overflow to infinity, or collapse into equal
    /// values after rounding.
    Degenerate(String),
    /// A preset name that does not exist.
    UnknownPreset(String),
}

impl fmt::Display for BucketsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BucketsError::Empty => f.write_str(
                "a histogram needs at least one bucket bound: write e.g. `[0.01, 0.1, 1.0]` or a preset such as `\"fast\"`",
            ),
            BucketsError::TooMany(n) => write!(
                f,
                "{n} bucket bounds is more than the {MAX_BUCKETS} allowed: each bucket is one more time series per label combination; keep the bounds that matter for your SLOs"
            ),
            BucketsError::NotFinite { .. } => f.write_str(
                "bucket bounds must be finite: remove this one, the `+Inf` bucket is always added",
            ),
            BucketsError::NotIncreasing { value, previous, .. } => write!(
                f,
                "bucket bounds must be strictly increasing: {value:?} is not greater than the bound before it ({previous:?}); sort the list and remove duplicates"
            ),
            BucketsError::BadArgument { message, .. } => f.write_str(message),
            BucketsError::Degenerate(message) => f.write_str(message),
            BucketsError::UnknownPreset(name) => write!(
                f,
                "unknown bucket preset {name:?}: expected \"fast\" (0.01 … 1 s), \"medium\" (0.25 … 10 s) or \"slow\" (1 … 120 s)"
            ),
        }
    }
}

impl std::error::Error for BucketsError {}

/// Every problem of a list of bounds, each bound's on its index, so a caller
/// can point at each offending bound.
pub fn check_bounds(bounds: &[f64]) -> Vec<BucketsError> {
    let mut problems = Vec::new();
    if bounds.is_empty() {
        problems.push(BucketsError::Empty);
        return problems;
    }
    if bounds.len() > MAX_BUCKETS {
        problems.push(BucketsError::TooMany(bounds.len()));
    }
    let mut previous: Option<f64> = None;
    for (index, &value) in bounds.iter().enumerate() {
        if !value.is_finite() {
            problems.push(BucketsError::NotFinite { index, value });
            continue;
        }
        if let Some(previous) = previous.filter(|&p| value <= p) {
            problems.push(BucketsError::NotIncreasing {
                index,
                value,
                previous,
            });
        }
        previous = Some(value);
    }
    problems
}

/// `count` must be 1 to [`MAX_BUCKETS`].
fn check_count(count: usize) -> Option<BucketsError> {
    (count == 0 || count > MAX_BUCKETS).then_some(BucketsError::BadArgument {
        argument: Argument::Count,
        message: COUNT_RANGE,
    })
}

/// The message for a `count` out of range.
pub const COUNT_RANGE: &str =
    "`count` must be between 1 and 20: each bucket is one more time series per label combination";

/// Every problem of `exponential(start, factor, count)`'s arguments.
pub fn check_exponential(start: f64, factor: f64, count: usize) -> Vec<BucketsError> {
    let mut problems = Vec::new();
    if !(start > 0.0 && start.is_finite()) {
        problems.push(BucketsError::BadArgument {
            argument: Argument::Start,
            message: "exponential buckets need a finite `start` greater than 0, e.g. `exponential(0.001, 2.0, 10)`",
        });
    }
    if !(factor > 1.0 && factor.is_finite()) {
        problems.push(BucketsError::BadArgument {
            argument: Argument::Step,
            message: "exponential buckets need a finite `factor` greater than 1, e.g. `exponential(0.001, 2.0, 10)`",
        });
    }
    problems.extend(check_count(count));
    problems
}

/// Every problem of `linear(start, width, count)`'s arguments.
pub fn check_linear(start: f64, width: f64, count: usize) -> Vec<BucketsError> {
    let mut problems = Vec::new();
    if !start.is_finite() {
        problems.push(BucketsError::BadArgument {
            argument: Argument::Start,
            message: "linear buckets need a finite `start`",
        });
    }
    if !(width > 0.0 && width.is_finite()) {
        problems.push(BucketsError::BadArgument {
            argument: Argument::Step,
            message:
                "linear buckets need a finite `width` greater than 0, e.g. `linear(0.1, 0.1, 10)`",
        });
    }
    problems.extend(check_count(count));
    problems
}

/// `count` bounds `start, start·factor, start·factor², …`.
///
/// ```
/// use promstrict_rules::buckets::exponential;
///
/// assert_eq!(exponential(0.001, 2.0, 4).unwrap(), [0.001, 0.002, 0.004, 0.008]);
/// assert!(exponential(0.0, 2.0, 4).is_err());
/// ```
pub fn exponential(start: f64, factor: f64, count: usize) -> Result<Vec<f64>, BucketsError> {
    if let Some(problem) = check_exponential(start, factor, count).into_iter().next() {
        return Err(problem);
    }
    generated(
        (0..count).map(|i| start * factor.powi(i as i32)).collect(),
        "factor",
    )
}

/// `count` bounds `start, start+width, start+2·width, …`.
///
/// ```
/// use promstrict_rules::buckets::linear;
///
/// assert_eq!(linear(1.0, 0.5, 3).unwrap(), [1.0, 1.5, 2.0]);
/// assert!(linear(1.0, 0.0, 3).is_err());
/// ```
pub fn linear(start: f64, width: f64, count: usize) -> Result<Vec<f64>, BucketsError> {
    if let Some(problem) = check_linear(start, width, count).into_iter().next() {
        return Err(problem);
    }
    generated(
        (0..count).map(|i| start + width * i as f64).collect(),
        "width",
    )
}

fn generated(bounds: Vec<f64>, step: &str) -> Result<Vec<f64>, BucketsError> {
    if let Some(i) = bounds.iter().position(|b| !b.is_finite()) {
        return Err(BucketsError::Degenerate(format!(
            "these buckets overflow: bound #{i} is not finite; use a smaller `start`, `{step}` or `count`"
        )));
    }
    if let Some(i) = (1..bounds.len()).find(|&i| bounds[i] <= bounds[i - 1]) {
        return Err(BucketsError::Degenerate(format!(
            "these buckets are not strictly increasing: bound #{i} equals the one before it after rounding; use a larger `{step}`"
        )));
    }
    Ok(bounds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_valid() {
        for (_, bounds) in PRESETS {
            assert!(check_bounds(bounds).is_empty());
        }
        assert!(check_bounds(DEFAULT).is_empty());
        assert_eq!(preset("fast").unwrap(), FAST);
        assert!(preset("quick")
            .unwrap_err()
            .to_string()
            .contains("\"fast\""));
    }

    #[test]
    fn every_problem_of_a_list() {
        let problems = check_bounds(&[1.0, f64::NAN, 0.5, 0.5]);
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(matches!(
            problems[0],
            BucketsError::NotFinite { index: 1, .. }
        ));
        assert!(matches!(
            problems[1],
            BucketsError::NotIncreasing { index: 2, .. }
        ));
        assert_eq!(
            problems[2].to_string(),
            "bucket bounds must be strictly increasing: 0.5 is not greater than the bound before it (0.5); sort the list and remove duplicates"
        );
        assert_eq!(check_bounds(&[]), [BucketsError::Empty]);
        let many: Vec<f64> = (0..21).map(f64::from).collect();
        assert_eq!(check_bounds(&many), [BucketsError::TooMany(21)]);
    }

    #[test]
    fn generators() {
        assert_eq!(check_exponential(-1.0, 0.5, 0).len(), 3);
        assert_eq!(check_linear(f64::INFINITY, -1.0, 21).len(), 3);
        assert!(matches!(
            exponential(1e300, 1e10, 20),
            Err(BucketsError::Degenerate(m)) if m.contains("overflow")
        ));
        assert!(matches!(
            linear(1e20, 1.0, 3),
            Err(BucketsError::Degenerate(m)) if m.contains("not strictly increasing")
        ));
        assert_eq!(COUNT_RANGE, check_count(0).unwrap().to_string());
        assert!(COUNT_RANGE.contains(&MAX_BUCKETS.to_string()));
    }
}
