//! The parameters of native (sparse, exponential) histograms: the schema,
//! the bucket limit and the zero threshold. `#[metric(native(...))]` reports
//! these messages at compile time and `NativeOptions::new` returns them at
//! run time.
//!
//! ```
//! use promstrict_rules::native;
//!
//! assert!(native::check(3, 160, 1e-128).is_ok());
//! assert_eq!(
//!     native::check(9, 160, 0.0).unwrap_err().to_string(),
//!     "`schema` must be between -4 and 8 (each bucket is 2^(2^-schema) times as wide as the one below it): got 9",
//! );
//! ```

use std::fmt;

/// The lowest schema: buckets grow by a factor of 2^16 = 65536.
pub const MIN_SCHEMA: i32 = -4;
/// The highest schema: buckets grow by a factor of 2^(1/256) ≈ 1.0027.
pub const MAX_SCHEMA: i32 = 8;
/// The largest `max_buckets` accepted: it bounds the memory of each series.
pub const MAX_NATIVE_BUCKETS: usize = 1024;
/// client_golang's and OpenTelemetry's zero threshold, 2^-128.
pub const DEFAULT_ZERO_THRESHOLD: f64 = 2.938_735_877_055_719e-39;

/// A native histogram parameter out of range.
#[derive(Clone, Debug, PartialEq)]
pub enum NativeError {
    /// The schema is not in `-4..=8`.
    Schema(i64),
    /// `max_buckets` is 0 or above [`MAX_NATIVE_BUCKETS`].
    MaxBuckets(u64),
    /// The zero threshold is negative, NaN or infinite.
    ZeroThreshold(f64),
}

impl fmt::Display for NativeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NativeError::Schema(s) => write!(
                f,
                "`schema` must be between {MIN_SCHEMA} and {MAX_SCHEMA} (each bucket is 2^(2^-schema) times as wide as the one below it): got {s}"
            ),
            NativeError::MaxBuckets(n) => write!(
                f,
                "`max_buckets` must be between 1 and {MAX_NATIVE_BUCKETS}: it bounds the buckets (and memory) of each series; got {n}"
            ),
            NativeError::ZeroThreshold(z) => write!(
                f,
                "`zero_threshold` must be a finite number >= 0 (observations v with |v| <= it count in the zero bucket): got {z}"
            ),
        }
    }
}

impl std::error::Error for NativeError {}

/// Checks the three parameters, in this order; the first problem found.
pub fn check(schema: i64, max_buckets: u64, zero_threshold: f64) -> Result<(), NativeError> {
    check_schema(schema)?;
    check_max_buckets(max_buckets)?;
    check_zero_threshold(zero_threshold)
}

/// `schema` is in `-4..=8`.
pub fn check_schema(schema: i64) -> Result<(), NativeError> {
    if (MIN_SCHEMA as i64..=MAX_SCHEMA as i64).contains(&schema) {
        Ok(())
    } else {
        Err(NativeError::Schema(schema))
    }
}

/// `max_buckets` is in `1..=MAX_NATIVE_BUCKETS`.
pub fn check_max_buckets(max_buckets: u64) -> Result<(), NativeError> {
    if (1..=MAX_NATIVE_BUCKETS as u64).contains(&max_buckets) {
        Ok(())
    } else {
        Err(NativeError::MaxBuckets(max_buckets))
    }
}

/// `zero_threshold` is finite and not negative.
pub fn check_zero_threshold(zero_threshold: f64) -> Result<(), NativeError> {
    if zero_threshold.is_finite() && zero_threshold >= 0.0 {
        Ok(())
    } else {
        Err(NativeError::ZeroThreshold(zero_threshold))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        for s in -4..=8 {
            check_schema(s).unwrap();
        }
        assert_eq!(check_schema(-5), Err(NativeError::Schema(-5)));
        assert_eq!(check_max_buckets(0), Err(NativeError::MaxBuckets(0)));
        check_max_buckets(1024).unwrap();
        assert!(check_max_buckets(1025).is_err());
        assert!(check_zero_threshold(-1.0).is_err());
        assert!(check_zero_threshold(f64::NAN).is_err());
        assert!(check_zero_threshold(f64::INFINITY).is_err());
        check_zero_threshold(0.0).unwrap();
        check_zero_threshold(DEFAULT_ZERO_THRESHOLD).unwrap();
        assert_eq!(DEFAULT_ZERO_THRESHOLD, 2f64.powi(-128));
    }
}
