//! Namespaces and label names.

use super::*;

/// A namespace: the characters of a name, and no metric type in it.
pub fn check_namespace(namespace: &str) -> Vec<String> {
    if let Err(e) = check_charset(namespace, NameRole::Namespace) {
        return vec![e];
    }
    let mut problems = Vec::new();
    for word in namespace.split('_') {
        if TYPE_WORDS.contains(&word) {
            problems.push(format!(
                "a namespace should not include a metric type (`{word}`): it prefixes every metric of the struct"
            ));
        }
        if let Some(base) = non_base_unit(word).or(is_base_unit(word).then_some(word)) {
            problems.push(format!(
                "a namespace should not include a unit (`{word}`): units end the names of the metrics that measure in `{base}`"
            ));
        }
    }
    problems
}

/// Label names every metric may not use.
pub(super) const RESERVED_LABELS: &[(&str, &str)] = &[
    (
        "le",
        "`le` is reserved: histograms use it for their bucket bounds; name the label for what it holds",
    ),
    (
        "quantile",
        "`quantile` is reserved: summaries use it for their quantiles; name the label for what it holds",
    ),
    (
        "job",
        "`job` is set by Prometheus on every scraped series (yours would be renamed `exported_job`); name the label for what it holds, e.g. `task`",
    ),
    (
        "instance",
        "`instance` is set by Prometheus on every scraped series (yours would be renamed `exported_instance`); name the label for what it holds, e.g. `replica`",
    ),
];

/// The characters of a label name and the reserved names.
pub fn check_label_name(name: &str) -> Result<(), String> {
    check_charset(name, NameRole::Label)?;
    if let Some((_, why)) = RESERVED_LABELS.iter().find(|(n, _)| *n == name) {
        return Err((*why).to_owned());
    }
    Ok(())
}

/// Label names that almost always hold unbounded values.
pub(super) const HIGH_CARDINALITY_NAMES: &[&str] = &[
    "id",
    "ids",
    "uuid",
    "guid",
    "timestamp",
    "time",
    "date",
    "datetime",
    "email",
    "ip",
    "ip_address",
    "ip_addr",
    "ipaddr",
    "addr",
    "session",
    "token",
    "url",
    "uri",
    "path_raw",
    "raw_path",
    "query",
    "query_string",
    "user",
    "username",
    "user_name",
    "user_agent",
    "phone",
    "nonce",
];

/// Suffixes of label names that almost always hold unbounded values.
pub(super) const HIGH_CARDINALITY_SUFFIXES: &[&str] = &[
    "_id",
    "_ids",
    "_uuid",
    "_guid",
    "_email",
    "_ip",
    "_token",
    "_url",
    "_uri",
    "_timestamp",
    "_session",
    "_address",
    "_addr",
];

/// Whether a label name signals unbounded values (`user_id`, `email`, …);
/// `#[label(allow_high_cardinality_name)]` overrides it.
pub fn check_high_cardinality_label_name(name: &str) -> Result<(), String> {
    let hit = HIGH_CARDINALITY_NAMES.contains(&name)
        || HIGH_CARDINALITY_SUFFIXES.iter().any(|s| name.ends_with(s));
    if hit {
        return Err(format!(
            "the label name `{name}` suggests unbounded values (ids, addresses, timestamps, users…): every distinct value becomes a new time series. \
             Label by a small closed category instead (e.g. a tier, a kind, a route template), \
             or add `#[label(allow_high_cardinality_name)]` if this label's values really are a small closed set"
        ));
    }
    Ok(())
}
