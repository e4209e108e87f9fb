//! Metric names, units, namespaces and label names: promlint's rules and
//! ours, as pure functions of strings.
//!
//! Every function returns messages that say what is wrong *and* what to write
//! instead.

use crate::MetricType as MetricKind;

mod labels;
#[cfg(test)]
mod tests;
mod units;

pub use labels::{check_high_cardinality_label_name, check_label_name, check_namespace};
use units::*;
pub use units::{check_declared_unit, is_base_unit, non_base_unit, unit_of_name};

/// Converts an identifier-like string to snake_case, keeping acronyms
/// together: `ClientError` → `client_error`, `HTTPRequests` → `http_requests`,
/// `requestsTotal` → `requests_total`, `http-requests.total` →
/// `http_requests_total`. Runs of separators collapse into one `_`, and
/// leading and trailing separators are dropped.
pub fn to_snake_case(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev = i.checked_sub(1).map(|p| chars[p]);
            let next = chars.get(i + 1).copied();
            let boundary = match prev {
                None => false,
                Some(p) if p.is_lowercase() || p.is_ascii_digit() => true,
                // The last capital of an acronym starts the next word: `HTTPRequests`.
                Some(p) if p.is_uppercase() => next.is_some_and(char::is_lowercase),
                Some(_) => false,
            };
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

/// What a name names, for messages and the rules that differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameRole {
    /// A metric name.
    Metric,
    /// A namespace, the prefix of every name of a struct or registry.
    Namespace,
    /// A label name.
    Label,
}

impl NameRole {
    fn as_str(self) -> &'static str {
        match self {
            NameRole::Metric => "metric name",
            NameRole::Namespace => "namespace",
            NameRole::Label => "label name",
        }
    }
}

/// `[a-z][a-z0-9_]*`, no `__`, no leading `_`, no `:`, not camelCase; for
/// metric names and namespaces also no trailing `_` (it would make `__` once
/// suffixes and prefixes are added).
pub fn check_charset(name: &str, role: NameRole) -> Result<(), String> {
    let what = role.as_str();
    if name.is_empty() {
        return Err(format!("a {what} cannot be empty"));
    }
    if name.contains(':') {
        let fixed = to_snake_case(&name.replace(':', "_"));
        return Err(match role {
            NameRole::Label => format!("a {what} cannot contain `:`: write `{fixed}`"),
            _ => format!(
                "`:` is reserved for recording rules, not for instrumented code: write `{fixed}`"
            ),
        });
    }
    if name.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(format!(
            "a {what} is written in snake_case, not camelCase: write `{}`",
            to_snake_case(name)
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        let fixed = to_snake_case(name);
        let hint = if fixed.is_empty() || !fixed.is_ascii() {
            "rename it".to_owned()
        } else {
            format!("write `{fixed}`")
        };
        return Err(format!(
            "a {what} may only contain lowercase ASCII letters, digits and `_`: {hint}"
        ));
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(format!(
            "a {what} must start with a letter: write `{}`",
            move_leading_digits(name)
        ));
    }
    let trimmed = collapse_underscores(name.trim_matches('_'));
    if name.starts_with('_') {
        return Err(format!(
            "a {what} cannot start with `_` (names starting with `__` are reserved for Prometheus): write `{trimmed}`"
        ));
    }
    if name.contains("__") {
        return Err(format!(
            "a {what} cannot contain `__` (reserved for Prometheus' internal names): write `{}`",
            collapse_underscores(name)
        ));
    }
    if name.ends_with('_') && role != NameRole::Label {
        return Err(format!("a {what} cannot end in `_`: write `{trimmed}`"));
    }
    Ok(())
}

/// `5xx_responses_total` → `responses_5xx_total`: the words that start with a
/// digit move after the first word that does not (`_total` stays last).
fn move_leading_digits(name: &str) -> String {
    let (stem, total) = match name.strip_suffix("_total") {
        Some(stem) => (stem, "_total"),
        None => (name, ""),
    };
    let words: Vec<&str> = stem.split('_').filter(|w| !w.is_empty()).collect();
    let Some(first_letter) = words
        .iter()
        .position(|w| w.starts_with(|c: char| c.is_ascii_alphabetic()))
    else {
        return format!("n{name}");
    };
    let mut out: Vec<&str> = vec![words[first_letter]];
    out.extend(&words[..first_letter]);
    out.extend(&words[first_letter + 1..]);
    out.join("_") + total
}

fn collapse_underscores(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == '_' && out.ends_with('_') {
            continue;
        }
        out.push(c);
    }
    out
}

fn segments(name: &str) -> impl Iterator<Item = &str> {
    name.split('_').filter(|s| !s.is_empty())
}

fn replace_segment(name: &str, index: usize, with: &str) -> String {
    let parts: Vec<&str> = name
        .split('_')
        .enumerate()
        .filter_map(|(i, s)| match (i == index, with.is_empty()) {
            (true, true) => None,
            (true, false) => Some(with),
            (false, _) => Some(s),
        })
        .collect();
    parts.join("_")
}

/// The name a metric's family takes in OpenMetrics (a counter's without
/// `_total`, an info's without `_info`): two metrics of one struct must not
/// share it.
pub fn family_name(name: &str, kind: MetricKind) -> &str {
    match kind {
        MetricKind::Counter => name.strip_suffix("_total").unwrap_or(name),
        MetricKind::Info => name.strip_suffix("_info").unwrap_or(name),
        _ => name,
    }
}

/// Every rule for the name of a metric of type `kind` (namespace not
/// included). Returns every problem; if the characters are wrong, only that.
pub fn check_metric_name(name: &str, kind: MetricKind) -> Vec<String> {
    if let Err(e) = check_charset(name, NameRole::Metric) {
        return vec![e];
    }
    let mut problems = Vec::new();
    check_type_suffix(name, kind, &mut problems);
    check_reserved_suffixes(name, kind, &mut problems);
    check_type_words(name, kind, &mut problems);
    let unit_problems = problems.len();
    check_units(name, kind, &mut problems);
    if problems.len() == unit_problems {
        check_duration_needs_seconds(name, kind, &mut problems);
    }
    problems
}

/// Counters end in `_total`, info metrics in `_info`, nothing else does.
fn check_type_suffix(name: &str, kind: MetricKind, problems: &mut Vec<String>) {
    match kind {
        MetricKind::Counter => {
            if name.ends_with("_total_total") {
                problems.push(format!(
                    "the name ends in `_total` twice: write `{}`",
                    name.strip_suffix("_total").unwrap_or(name)
                ));
            } else if !name.ends_with("_total") || name == "total" {
                let fixed = counter_name_for(name);
                problems.push(format!(
                    "a counter's name ends in `_total`: write `{fixed}`"
                ));
            }
        }
        MetricKind::Info => {
            if !name.ends_with("_info") {
                problems.push(format!(
                    "an info metric's name ends in `_info`: write `{}_info`",
                    name.strip_suffix("_information").unwrap_or(name)
                ));
            }
        }
        _ => {
            if let Some(stem) = name.strip_suffix("_total") {
                problems.push(format!(
                    "only counters end in `_total`, and this is a {}: write `{stem}` (or make it a `Counter` if it only goes up)",
                    kind.noun()
                ));
            } else if let Some(stem) = name.strip_suffix("_info") {
                problems.push(format!(
                    "only info metrics end in `_info`, and this is a {}: write `{stem}` (or make it an `Info`)",
                    kind.noun()
                ));
            }
        }
    }
}

/// The counter name a user probably meant: `_count`/`_counter` become
/// `_total`, a `_total` in the middle moves to the end.
fn counter_name_for(name: &str) -> String {
    for suffix in ["_count", "_counter", "_counts"] {
        if let Some(stem) = name.strip_suffix(suffix) {
            return format!("{stem}_total");
        }
    }
    if let Some(i) = name.find("_total_") {
        let mut moved = String::from(&name[..i]);
        moved.push_str(&name[i + "_total".len()..]);
        moved.push_str("_total");
        return moved;
    }
    format!("{name}_total")
}

/// Suffixes the exposition formats add to sample names.
fn check_reserved_suffixes(name: &str, kind: MetricKind, problems: &mut Vec<String>) {
    let reserved: &[(&str, &str)] = &[
        (
            "_bucket",
            "histograms expose their buckets as `<name>_bucket`",
        ),
        (
            "_count",
            "histograms and summaries expose their observation count as `<name>_count`",
        ),
        (
            "_sum",
            "histograms and summaries expose their observation sum as `<name>_sum`",
        ),
        (
            "_created",
            "OpenMetrics exposes creation times as `<name>_created`",
        ),
        (
            "_gcount",
            "OpenMetrics gauge histograms expose `<name>_gcount`",
        ),
        ("_gsum", "OpenMetrics gauge histograms expose `<name>_gsum`"),
    ];
    // A counter's suffix check already covers `foo_count`.
    if kind == MetricKind::Counter && !name.ends_with("_total") {
        return;
    }
    for (suffix, why) in reserved {
        if let Some(stem) = name.strip_suffix(suffix) {
            let fixed = match (*suffix, kind) {
                ("_count", MetricKind::Gauge) => {
                    format!("`{stem}` (a gauge), or `{stem}_total` as a `Counter`")
                }
                ("_count", _) => format!("`{stem}_total` as a `Counter`"),
                _ => format!("`{stem}`"),
            };
            problems.push(format!(
                "`{suffix}` is a reserved suffix ({why}): write {fixed}"
            ));
        }
    }
    if kind != MetricKind::Gauge && name.ends_with("_timestamp_seconds") {
        problems.push(format!(
            "a `_timestamp_seconds` metric holds a point in time, which only a `Gauge` can: make it a `Gauge` set to the Unix time in seconds (this is a {})",
            kind.noun()
        ));
    }
}

/// promlint: "metric name should not include type".
fn check_type_words(name: &str, kind: MetricKind, problems: &mut Vec<String>) {
    let last = name.split('_').count() - 1;
    for (i, word) in name.split('_').enumerate() {
        // A counter's `_counter` suffix is the type-suffix rule's to report.
        if kind == MetricKind::Counter && i == last {
            continue;
        }
        if TYPE_WORDS.contains(&word) {
            let mut fixed = replace_segment(name, i, "");
            if kind == MetricKind::Counter && !fixed.ends_with("_total") {
                fixed = counter_name_for(&fixed);
            }
            let fixed = if fixed.is_empty() {
                "a name saying what is measured".to_owned()
            } else {
                format!("`{fixed}`")
            };
            problems.push(format!(
                "a metric name should not include a metric type (`{word}`): `# TYPE` already says it; write {fixed}"
            ));
        }
    }
}

/// What the exposition formats themselves accept as a metric name, the only
/// check a name registered with the legacy opt-out gets besides its type
/// suffix: `[a-zA-Z_:][a-zA-Z0-9_:]*`, not starting with `__`.
pub fn check_exposition_name(name: &str) -> Result<(), String> {
    let mut bytes = name.bytes();
    let Some(first) = bytes.next() else {
        return Err("a metric name cannot be empty".to_owned());
    };
    let ok_first = first.is_ascii_alphabetic() || first == b'_' || first == b':';
    let ok_rest = bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':');
    if !ok_first || !ok_rest {
        return Err(
            "even a legacy metric name must match `[a-zA-Z_:][a-zA-Z0-9_:]*`: rename it".to_owned(),
        );
    }
    if name.starts_with("__") {
        return Err(
            "names starting with `__` are reserved for Prometheus, even legacy ones: rename it"
                .to_owned(),
        );
    }
    Ok(())
}

/// The type suffix a legacy name still needs, because the exposition formats
/// derive the family name from it: a counter's `_total`, an info's `_info`.
pub fn check_exposition_suffix(name: &str, kind: MetricKind) -> Result<(), String> {
    let mut problems = Vec::new();
    check_type_suffix(name, kind, &mut problems);
    match (kind, problems.into_iter().next()) {
        (MetricKind::Counter | MetricKind::Info, Some(problem)) => Err(problem),
        _ => Ok(()),
    }
}
