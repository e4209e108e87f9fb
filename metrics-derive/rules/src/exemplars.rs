//! The rules for an exemplar's label set: label names as for any label, no
//! name twice, and at most [`MAX_EXEMPLAR_LABEL_CHARS`] characters of names
//! and values together, the limit OpenMetrics sets.

use crate::names::{check_charset, NameRole};

/// OpenMetrics: the label names and values of an exemplar together hold at
/// most 128 UTF-8 characters (code points, not bytes).
pub const MAX_EXEMPLAR_LABEL_CHARS: usize = 128;

/// Checks an exemplar's label set; the message says what to change.
///
/// ```
/// use promstrict_rules::exemplars::check_exemplar_labels;
///
/// assert!(check_exemplar_labels(&[("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736")]).is_ok());
/// assert!(check_exemplar_labels(&[("TraceId", "x")]).is_err());
/// assert!(check_exemplar_labels(&[("trace_id", &"f".repeat(121))]).is_err());
/// ```
pub fn check_exemplar_labels(labels: &[(&str, &str)]) -> Result<(), String> {
    for (i, (name, _)) in labels.iter().enumerate() {
        check_charset(name, NameRole::Label)
            .map_err(|e| format!("exemplar label `{name}`: {e}"))?;
        if labels[..i].iter().any(|(n, _)| n == name) {
            return Err(format!(
                "exemplar label `{name}` is set twice: give each label once"
            ));
        }
    }
    let chars: usize = labels
        .iter()
        .map(|(n, v)| n.chars().count() + v.chars().count())
        .sum();
    if chars > MAX_EXEMPLAR_LABEL_CHARS {
        return Err(format!(
            "an exemplar's label names and values hold {chars} characters together, over the \
             {MAX_EXEMPLAR_LABEL_CHARS} OpenMetrics allows: keep the trace id and span id only, \
             and shorten or drop the rest"
        ));
    }
    Ok(())
}
