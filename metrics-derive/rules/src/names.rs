//! Metric names, units, namespaces and label names: promlint's rules and
//! ours, as pure functions of strings.
//!
//! Every function returns messages that say what is wrong *and* what to write
//! instead.

use crate::MetricType as MetricKind;

/// Base units (promlint's, plus `ratio`, the unit of fractions).
const BASE_UNITS: &[&str] = &[
    "amperes", "bytes", "celsius", "grams", "joules", "kelvin", "meters", "metres", "ratio",
    "seconds", "volts",
];

/// Whole-word units that are not base units, and their base unit (promlint's
/// table, plus `feet` and the percentages).
const NON_BASE_UNITS: &[(&str, &str)] = &[
    ("minutes", "seconds"),
    ("hours", "seconds"),
    ("days", "seconds"),
    ("weeks", "seconds"),
    ("kelvins", "kelvin"),
    ("fahrenheit", "celsius"),
    ("rankine", "celsius"),
    ("inches", "meters"),
    ("feet", "meters"),
    ("yards", "meters"),
    ("miles", "meters"),
    ("bits", "bytes"),
    ("calories", "joules"),
    ("pounds", "grams"),
    ("ounces", "grams"),
    ("percent", "ratio"),
    ("percentage", "ratio"),
    ("percents", "ratio"),
];

/// SI and binary prefixes (promlint's list; it spells mebi `mibi`, we accept
/// both). `milliseconds`, `kilobytes`, `megabits`, `kilometers`… are all
/// prefix + unit.
const UNIT_PREFIXES: &[&str] = &[
    "pico", "nano", "micro", "milli", "centi", "deci", "deca", "hecto", "kilo", "kibi", "mega",
    "mebi", "mibi", "giga", "gibi", "tera", "tebi", "peta", "pebi",
];

/// Abbreviated units (promlint's `unitAbbreviations`, plus the spellings Rust
/// code tends to use: `millis`, `secs`, `kib`…), and their base unit.
const ABBREVIATED_UNITS: &[(&str, &str)] = &[
    ("s", "seconds"),
    ("ms", "seconds"),
    ("us", "seconds"),
    ("ns", "seconds"),
    ("sec", "seconds"),
    ("secs", "seconds"),
    ("msec", "seconds"),
    ("msecs", "seconds"),
    ("usec", "seconds"),
    ("usecs", "seconds"),
    ("nsec", "seconds"),
    ("nsecs", "seconds"),
    ("millis", "seconds"),
    ("micros", "seconds"),
    ("nanos", "seconds"),
    ("mins", "seconds"),
    ("hr", "seconds"),
    ("hrs", "seconds"),
    ("h", "seconds"),
    ("d", "seconds"),
    ("b", "bytes"),
    ("kb", "bytes"),
    ("mb", "bytes"),
    ("gb", "bytes"),
    ("tb", "bytes"),
    ("pb", "bytes"),
    ("kib", "bytes"),
    ("mib", "bytes"),
    ("gib", "bytes"),
    ("tib", "bytes"),
    ("kbps", "bytes"),
    ("mbps", "bytes"),
    ("m", "meters"),
    ("km", "meters"),
    ("cm", "meters"),
    ("mm", "meters"),
    ("kg", "grams"),
    ("mg", "grams"),
    ("pct", "ratio"),
];

/// Words that name a metric type: promlint rejects them as name segments.
const TYPE_WORDS: &[&str] = &["counter", "gauge", "histogram", "summary"];

/// Words that say a metric measures time, so it needs a `seconds` unit.
const DURATION_WORDS: &[&str] = &[
    "duration",
    "latency",
    "time",
    "elapsed",
    "uptime",
    "timeout",
    "delay",
    "ttl",
    "timestamp",
];

/// The base unit of `unit` if it is a known unit that is *not* a base unit.
pub fn non_base_unit(word: &str) -> Option<&'static str> {
    if let Some((_, base)) = NON_BASE_UNITS.iter().find(|(w, _)| *w == word) {
        return Some(base);
    }
    if let Some((_, base)) = ABBREVIATED_UNITS.iter().find(|(w, _)| *w == word) {
        return Some(base);
    }
    for prefix in UNIT_PREFIXES {
        if let Some(rest) = word.strip_prefix(prefix) {
            if rest == "ratio" || rest.starts_with("percent") {
                continue;
            }
            if let Some(base) = BASE_UNITS.iter().find(|b| **b == rest) {
                return Some(base);
            }
            if let Some((_, base)) = NON_BASE_UNITS.iter().find(|(w, _)| *w == rest) {
                return Some(base);
            }
        }
    }
    None
}

/// Whether `word` is a base unit.
pub fn is_base_unit(word: &str) -> bool {
    BASE_UNITS.contains(&word)
}

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

/// promlint's unit rules: base units only, no abbreviations.
fn check_units(name: &str, kind: MetricKind, problems: &mut Vec<String>) {
    for (i, word) in name.split('_').enumerate() {
        let Some(base) = non_base_unit(word) else {
            continue;
        };
        let mut fixed = replace_segment(name, i, base);
        if kind == MetricKind::Counter && !fixed.ends_with("_total") {
            fixed = counter_name_for(&fixed);
        }
        problems.push(unit_message(word, base, Some(&fixed)));
    }
}

fn unit_message(word: &str, base: &str, fixed: Option<&str>) -> String {
    let conversion = match (word, base) {
        (_, "ratio") => "record a fraction between 0 and 1 instead of a percentage".to_owned(),
        ("m", _) => {
            "`m` is ambiguous; spell the base unit out: `meters` (or `seconds` if it means minutes)"
                .to_owned()
        }
        (_, "seconds") => format!(
            "use the base unit `seconds` instead of `{word}` (record `Duration::as_secs_f64()`)"
        ),
        (_, "bytes") => format!("use the base unit `bytes` instead of `{word}`"),
        _ => format!("use the base unit `{base}` instead of `{word}`"),
    };
    match fixed {
        Some(fixed) => format!("{conversion}: write `{fixed}`"),
        None => conversion,
    }
}

/// Durations and timestamps are in seconds, and the name says so.
fn check_duration_needs_seconds(name: &str, kind: MetricKind, problems: &mut Vec<String>) {
    if kind == MetricKind::Info || segments(name).any(|s| s == "seconds") {
        return;
    }
    let Some(word) = segments(name).find(|s| DURATION_WORDS.contains(s)) else {
        return;
    };
    let fixed = match name.strip_suffix("_total") {
        Some(stem) if kind == MetricKind::Counter => format!("{stem}_seconds_total"),
        _ => format!("{name}_seconds"),
    };
    let what = if word == "timestamp" {
        "a timestamp is measured in seconds since the Unix epoch"
    } else {
        "a duration is measured in seconds"
    };
    problems.push(format!(
        "{what}, and the name ends in its unit: write `{fixed}`"
    ));
}

/// The base unit a metric's name ends in (before a counter's `_total`), which
/// OpenMetrics announces as `# UNIT` when no unit is declared:
/// `request_duration_seconds` → `seconds`, `read_bytes_total` → `bytes`.
pub fn unit_of_name(name: &str, kind: MetricKind) -> Option<&'static str> {
    if kind == MetricKind::Info {
        return None;
    }
    let stem = family_name(name, kind);
    let (rest, last) = stem.rsplit_once('_')?;
    if rest.is_empty() {
        return None;
    }
    BASE_UNITS.iter().copied().find(|unit| *unit == last)
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

/// `#[metric(unit = "…")]`: a base unit, which the name ends in (before
/// `_total`); info metrics have no unit.
pub fn check_declared_unit(unit: &str, name: &str, kind: MetricKind) -> Vec<String> {
    if kind == MetricKind::Info {
        return vec![
            "an info metric has no unit (OpenMetrics forbids it): remove `unit`".to_owned(),
        ];
    }
    if unit.is_empty()
        || !unit
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        || unit.starts_with('_')
        || unit.ends_with('_')
        || unit.contains("__")
    {
        let fixed = to_snake_case(unit);
        let hint = if fixed.is_empty() {
            "e.g. `seconds`".to_owned()
        } else {
            format!("write `{fixed}`")
        };
        return vec![format!("a unit is a lowercase snake_case word: {hint}")];
    }
    let mut problems = Vec::new();
    for word in unit.split('_') {
        if let Some(base) = non_base_unit(word) {
            problems.push(unit_message(word, base, Some(&unit.replace(word, base))));
        }
    }
    if !problems.is_empty() {
        return problems;
    }
    let stem = match kind {
        MetricKind::Counter => name.strip_suffix("_total").unwrap_or(name),
        _ => name,
    };
    let ends_with_unit = stem
        .strip_suffix(unit)
        .is_some_and(|rest| rest.ends_with('_'));
    if !ends_with_unit {
        // The name already ends in another unit: the two disagree.
        let last = stem.rsplit('_').next().unwrap_or(stem);
        if is_base_unit(last) && stem != last {
            let renamed = format!("{}_{unit}", &stem[..stem.len() - last.len() - 1]);
            let renamed = match kind {
                MetricKind::Counter => format!("{renamed}_total"),
                _ => renamed,
            };
            problems.push(format!(
                "the unit is `{unit}` but the name ends in `_{last}`: make them agree, `unit = \"{last}\"` or the name `{renamed}`"
            ));
            return problems;
        }
        let fixed = match kind {
            MetricKind::Counter => format!("{stem}_{unit}_total"),
            _ => format!("{stem}_{unit}"),
        };
        let position = if kind == MetricKind::Counter {
            " (before `_total`)"
        } else {
            ""
        };
        problems.push(format!(
            "the unit is `{unit}`, so the metric name must end in `_{unit}`{position}: name it `{fixed}`"
        ));
    }
    problems
}

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
const RESERVED_LABELS: &[(&str, &str)] = &[
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
const HIGH_CARDINALITY_NAMES: &[&str] = &[
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
const HIGH_CARDINALITY_SUFFIXES: &[&str] = &[
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

#[cfg(test)]
mod tests {
    use super::MetricKind::*;
    use super::*;

    #[test]
    fn snake_case() {
        let table = [
            ("ClientError", "client_error"),
            ("Get", "get"),
            ("HTTPRequests", "http_requests"),
            ("requestsTotal", "requests_total"),
            ("HttpRequestsTotal", "http_requests_total"),
            ("already_snake", "already_snake"),
            ("http-requests.total", "http_requests_total"),
            ("job:rate5m", "job_rate5m"),
            ("Http2Error", "http2_error"),
            ("IOError", "io_error"),
            ("A", "a"),
            ("__x__", "x"),
            ("a__b", "a_b"),
            ("ABC", "abc"),
        ];
        for (input, expected) in table {
            assert_eq!(to_snake_case(input), expected, "{input}");
        }
    }

    fn ok(name: &str, kind: MetricKind) {
        let problems = check_metric_name(name, kind);
        assert!(problems.is_empty(), "{name} ({kind:?}): {problems:?}");
    }

    fn bad(name: &str, kind: MetricKind, expected: &str) {
        let problems = check_metric_name(name, kind);
        assert!(
            problems.iter().any(|p| p.contains(expected)),
            "{name} ({kind:?}): expected {expected:?} in {problems:?}"
        );
    }

    #[test]
    fn good_metric_names() {
        let table = [
            ("http_requests_total", Counter),
            ("requests_total", Counter),
            ("request_duration_seconds", Histogram),
            ("response_size_bytes", Summary),
            ("ws_connections_active", Gauge),
            ("process_uptime_seconds", Gauge),
            ("build_info", Info),
            ("disk_read_bytes_total", Counter),
            ("cpu_seconds_total", Counter),
            ("temperature_celsius", Gauge),
            ("cache_hit_ratio", Gauge),
            ("last_success_timestamp_seconds", Gauge),
            ("queue_depth", Gauge),
            ("http2_streams", Gauge),
            ("distance_metres", Gauge),
            ("color_temperature_kelvin", Gauge),
            ("status_messages_total", Counter),
            ("timestamps_seen_total", Counter),
        ];
        for (name, kind) in table {
            ok(name, kind);
        }
    }

    #[test]
    fn charset() {
        let table = [
            ("", "cannot be empty"),
            ("requestsTotal", "snake_case, not camelCase: write `requests_total`"),
            ("Requests_total", "write `requests_total`"),
            ("job:requests_total", "`:` is reserved for recording rules, not for instrumented code: write `job_requests_total`"),
            ("http-requests_total", "may only contain lowercase ASCII letters, digits and `_`: write `http_requests_total`"),
            ("café_total", "may only contain"),
            ("5xx_total", "must start with a letter: write `n5xx_total`"),
            ("5xx_responses_total", "must start with a letter: write `responses_5xx_total`"),
            ("_requests_total", "cannot start with `_`"),
            ("requests__total", "cannot contain `__`"),
            ("requests_", "cannot end in `_`"),
        ];
        for (name, expected) in table {
            bad(name, Counter, expected);
            assert_eq!(check_metric_name(name, Counter).len(), 1, "{name}");
        }
    }

    #[test]
    fn type_suffixes() {
        let table = [
            (
                "requests",
                Counter,
                "a counter's name ends in `_total`: write `requests_total`",
            ),
            ("requests_count", Counter, "write `requests_total`"),
            (
                "requests_total_bytes",
                Counter,
                "write `requests_bytes_total`",
            ),
            ("total", Counter, "write `total_total`"),
            (
                "requests_total_total",
                Counter,
                "ends in `_total` twice: write `requests_total`",
            ),
            (
                "queue_total",
                Gauge,
                "only counters end in `_total`, and this is a gauge: write `queue`",
            ),
            ("latency_seconds_total", Histogram, "this is a histogram"),
            (
                "build",
                Info,
                "an info metric's name ends in `_info`: write `build_info`",
            ),
            ("build_information", Info, "write `build_info`"),
            ("build_info", Gauge, "only info metrics end in `_info`"),
        ];
        for (name, kind, expected) in table {
            bad(name, kind, expected);
        }
    }

    #[test]
    fn reserved_suffixes() {
        let table = [
            ("queue_bucket", Gauge, "`_bucket` is a reserved suffix"),
            ("jobs_count", Gauge, "`_count` is a reserved suffix (histograms and summaries expose their observation count as `<name>_count`): write `jobs` (a gauge), or `jobs_total` as a `Counter`"),
            ("latency_seconds_sum", Histogram, "`_sum` is a reserved suffix"),
            ("sessions_created", Gauge, "`_created` is a reserved suffix"),
            ("x_gsum", Summary, "`_gsum`"),
            ("last_run_timestamp_seconds", Histogram, "only a `Gauge` can: make it a `Gauge`"),
        ];
        for (name, kind, expected) in table {
            bad(name, kind, expected);
        }
    }

    #[test]
    fn type_words() {
        let table = [
            (
                "requests_counter_total",
                Counter,
                "(`counter`): `# TYPE` already says it; write `requests_total`",
            ),
            (
                "requests_counter",
                Counter,
                "a counter's name ends in `_total`: write `requests_total`",
            ),
            ("queue_gauge", Gauge, "write `queue`"),
            ("gauge_queue_depth", Gauge, "write `queue_depth`"),
            (
                "latency_histogram_seconds",
                Histogram,
                "write `latency_seconds`",
            ),
            ("size_summary_bytes", Summary, "(`summary`)"),
        ];
        for (name, kind, expected) in table {
            bad(name, kind, expected);
        }
    }

    #[test]
    fn units() {
        let table = [
            ("request_duration_milliseconds", Histogram, "use the base unit `seconds` instead of `milliseconds` (record `Duration::as_secs_f64()`): write `request_duration_seconds`"),
            ("request_duration_ms", Histogram, "write `request_duration_seconds`"),
            ("timeout_us", Gauge, "instead of `us`"),
            ("gc_pause_ns", Summary, "instead of `ns`"),
            ("uptime_secs", Gauge, "instead of `secs`"),
            ("wait_millis_total", Counter, "write `wait_seconds_total`"),
            ("age_minutes", Gauge, "instead of `minutes`"),
            ("age_hours", Gauge, "`seconds`"),
            ("cert_expiry_days", Gauge, "`seconds`"),
            ("retention_weeks", Gauge, "`seconds`"),
            ("heap_kilobytes", Gauge, "use the base unit `bytes` instead of `kilobytes`: write `heap_bytes`"),
            ("heap_megabytes", Gauge, "`bytes`"),
            ("heap_gibibytes", Gauge, "`bytes`"),
            ("heap_mb", Gauge, "`bytes`"),
            ("heap_kib", Gauge, "`bytes`"),
            ("received_bits_total", Counter, "write `received_bytes_total`"),
            ("sent_megabits_total", Counter, "`bytes`"),
            ("temperature_fahrenheit", Gauge, "`celsius`"),
            ("temperature_kelvins", Gauge, "`kelvin`"),
            ("distance_kilometers", Gauge, "`meters`"),
            ("distance_miles", Gauge, "`meters`"),
            ("distance_feet", Gauge, "`meters`"),
            ("height_millimeters", Gauge, "`meters`"),
            ("weight_kilograms", Gauge, "`grams`"),
            ("weight_pounds", Gauge, "`grams`"),
            ("supply_millivolts", Gauge, "`volts`"),
            ("current_milliamperes", Gauge, "`amperes`"),
            ("energy_kilojoules_total", Counter, "`joules`"),
            ("energy_calories_total", Counter, "`joules`"),
            ("cpu_usage_percent", Gauge, "record a fraction between 0 and 1 instead of a percentage: write `cpu_usage_ratio`"),
            ("disk_m", Gauge, "`m` is ambiguous"),
        ];
        for (name, kind, expected) in table {
            bad(name, kind, expected);
        }
    }

    #[test]
    fn durations_need_seconds() {
        let table = [
            ("request_duration", Histogram, "a duration is measured in seconds, and the name ends in its unit: write `request_duration_seconds`"),
            ("request_latency", Summary, "write `request_latency_seconds`"),
            ("response_time", Histogram, "write `response_time_seconds`"),
            ("cpu_time_total", Counter, "write `cpu_time_seconds_total`"),
            ("last_seen_timestamp", Gauge, "a timestamp is measured in seconds since the Unix epoch"),
        ];
        for (name, kind, expected) in table {
            bad(name, kind, expected);
        }
        // One message per mistake: a non-base time unit is not also "missing seconds".
        assert_eq!(check_metric_name("request_duration_ms", Histogram).len(), 1);
    }

    #[test]
    fn declared_units() {
        let table: [(&str, &str, MetricKind, Option<&str>); 11] = [
            ("seconds", "response_size_bytes", Histogram, Some("the unit is `seconds` but the name ends in `_bytes`: make them agree, `unit = \"bytes\"` or the name `response_size_seconds`")),
            ("seconds", "read_bytes_total", Counter, Some("or the name `read_seconds_total`")),
            ("seconds", "request_duration_seconds", Histogram, None),
            ("bytes", "read_bytes_total", Counter, None),
            ("seconds", "request_duration", Histogram, Some("must end in `_seconds`: name it `request_duration_seconds`")),
            ("bytes", "read_total", Counter, Some("must end in `_bytes` (before `_total`): name it `read_bytes_total`")),
            ("milliseconds", "x_milliseconds", Gauge, Some("use the base unit `seconds` instead of `milliseconds` (record `Duration::as_secs_f64()`): write `seconds`")),
            ("Seconds", "x_seconds", Gauge, Some("a unit is a lowercase snake_case word: write `seconds`")),
            ("seconds", "build_info", Info, Some("an info metric has no unit")),
            ("conds", "x_seconds", Gauge, Some("the unit is `conds` but the name ends in `_seconds`")),
            ("seconds", "queue", Gauge, Some("must end in `_seconds`: name it `queue_seconds`")),
        ];
        for (unit, name, kind, expected) in table {
            let problems = check_declared_unit(unit, name, kind);
            match expected {
                None => assert!(problems.is_empty(), "{unit} {name}: {problems:?}"),
                Some(expected) => assert!(
                    problems.iter().any(|p| p.contains(expected)),
                    "{unit} {name}: expected {expected:?} in {problems:?}"
                ),
            }
        }
    }

    #[test]
    fn namespaces() {
        assert!(check_namespace("http").is_empty());
        assert!(check_namespace("my_service").is_empty());
        let table = [
            ("Http", "write `http`"),
            ("http_", "cannot end in `_`"),
            ("_http", "cannot start with `_`"),
            ("app:http", "`:`"),
            ("counter", "should not include a metric type"),
            ("http_seconds", "should not include a unit"),
        ];
        for (ns, expected) in table {
            let problems = check_namespace(ns);
            assert!(
                problems.iter().any(|p| p.contains(expected)),
                "{ns}: expected {expected:?} in {problems:?}"
            );
        }
    }

    #[test]
    fn label_names() {
        for ok in [
            "method",
            "status",
            "route",
            "type_",
            "http2",
            "tier",
            "user_tier",
            "kind",
        ] {
            assert_eq!(check_label_name(ok), Ok(()), "{ok}");
            assert_eq!(check_high_cardinality_label_name(ok), Ok(()), "{ok}");
        }
        let table = [
            ("Method", "write `method`"),
            ("statusCode", "write `status_code`"),
            ("_method", "cannot start with `_`"),
            ("__name__", "cannot start with `_`"),
            ("a__b", "cannot contain `__`"),
            ("le", "histograms use it"),
            ("quantile", "summaries use it"),
            ("job", "exported_job"),
            ("instance", "exported_instance"),
        ];
        for (name, expected) in table {
            let err = check_label_name(name).unwrap_err();
            assert!(err.contains(expected), "{name}: {err}");
        }
    }

    #[test]
    fn high_cardinality_label_names() {
        for name in [
            "id",
            "user_id",
            "request_id",
            "trace_id",
            "timestamp",
            "time",
            "date",
            "email",
            "user_email",
            "ip",
            "client_ip",
            "ip_address",
            "uuid",
            "order_uuid",
            "session",
            "token",
            "url",
            "path_raw",
            "user",
            "username",
        ] {
            assert!(check_high_cardinality_label_name(name).is_err(), "{name}");
        }
    }

    #[test]
    fn units_from_names() {
        assert_eq!(
            unit_of_name("request_duration_seconds", Histogram),
            Some("seconds")
        );
        assert_eq!(unit_of_name("read_bytes_total", Counter), Some("bytes"));
        assert_eq!(unit_of_name("cache_hit_ratio", Gauge), Some("ratio"));
        assert_eq!(unit_of_name("queue_depth", Gauge), None);
        assert_eq!(unit_of_name("seconds", Gauge), None);
        assert_eq!(unit_of_name("seconds_total", Counter), None);
        assert_eq!(unit_of_name("build_bytes_info", Info), None);
    }

    #[test]
    fn legacy_names() {
        assert!(check_exposition_name("httpRequests_total").is_ok());
        assert!(check_exposition_name("job:rate5m").is_ok());
        assert!(check_exposition_name("__x").is_err());
        assert!(check_exposition_name("a-b").is_err());
        assert!(check_exposition_name("").is_err());
        assert!(check_exposition_suffix("latency_ms", Histogram).is_ok());
        assert!(check_exposition_suffix("requests", Counter).is_err());
        assert!(check_exposition_suffix("build", Info).is_err());
    }

    #[test]
    fn family_names() {
        assert_eq!(family_name("requests_total", Counter), "requests");
        assert_eq!(family_name("build_info", Info), "build");
        assert_eq!(family_name("queue_total", Gauge), "queue_total");
    }

    #[test]
    fn unit_words() {
        let table = [
            ("milliseconds", Some("seconds")),
            ("seconds", None),
            ("kibibytes", Some("bytes")),
            ("kilobits", Some("bytes")),
            ("picoseconds", Some("seconds")),
            ("millicelsius", Some("celsius")),
            ("status", None),
            ("ratio", None),
            ("milliratio", None),
        ];
        for (word, expected) in table {
            assert_eq!(non_base_unit(word), expected, "{word}");
        }
    }
}
