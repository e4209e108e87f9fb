//! What the exposition formats accept as names. The derive macros enforce far
//! stricter rules (promlint's and ours) at compile time; these are the checks
//! that keep run-time registration from producing output a parser rejects.

use std::fmt;

/// A metric or label name that cannot be used, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameError {
    /// The offending name.
    pub name: String,
    /// What is wrong and what to write instead.
    pub reason: String,
}

impl NameError {
    pub(crate) fn new(name: &str, reason: impl Into<String>) -> Self {
        NameError {
            name: name.to_owned(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid name `{}`: {}", self.name, self.reason)
    }
}

impl std::error::Error for NameError {}

/// A metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`, not starting with `__` (reserved
/// for Prometheus' internal use).
pub fn check_metric_name(name: &str) -> Result<(), NameError> {
    check_charset(name, true)
}

/// A label name: `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__`.
pub fn check_label_name(name: &str) -> Result<(), NameError> {
    check_charset(name, false)
}

fn check_charset(name: &str, colons: bool) -> Result<(), NameError> {
    let what = if colons { "metric" } else { "label" };
    let mut bytes = name.bytes();
    let Some(first) = bytes.next() else {
        return Err(NameError::new(
            name,
            format!("a {what} name cannot be empty"),
        ));
    };
    let ok_first = first.is_ascii_alphabetic() || first == b'_' || (colons && first == b':');
    let ok_rest = bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_' || (colons && b == b':'));
    if !ok_first || !ok_rest {
        let set = if colons {
            "[a-zA-Z_:][a-zA-Z0-9_:]*"
        } else {
            "[a-zA-Z_][a-zA-Z0-9_]*"
        };
        return Err(NameError::new(
            name,
            format!("a {what} name must match {set} (use snake_case)"),
        ));
    }
    if name.starts_with("__") {
        return Err(NameError::new(
            name,
            "names starting with `__` are reserved for Prometheus",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_names() {
        for ok in ["a", "http_requests_total", "job:rate5m", "_x", "A1"] {
            check_metric_name(ok).unwrap();
        }
        for bad in ["", "1a", "a-b", "a b", "é", "__x", "a.b"] {
            assert!(check_metric_name(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn label_names() {
        check_label_name("method").unwrap();
        for bad in ["", "a:b", "__name__", "9", "a-b"] {
            assert!(check_label_name(bad).is_err(), "{bad:?} accepted");
        }
    }
}
