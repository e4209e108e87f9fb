//! Why a snapshot was refused.

use std::fmt;

/// Why a snapshot was refused.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SampleError {
    /// Snapshots must come in strictly increasing time order (like samples in
    /// a Prometheus TSDB); this one was not after the previous one.
    OutOfOrder {
        /// The previous snapshot's time.
        last: f64,
        /// The refused snapshot's time.
        t: f64,
    },
    /// The timestamp was NaN or infinite.
    InvalidTime(f64),
}

impl fmt::Display for SampleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SampleError::OutOfOrder { last, t } => write!(
                f,
                "snapshot at t={t}s is not after the previous one (t={last}s)"
            ),
            SampleError::InvalidTime(t) => write!(f, "snapshot time {t} is not a finite number"),
        }
    }
}

impl std::error::Error for SampleError {}
