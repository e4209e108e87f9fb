//! Units: the base units, the units that are not, and the rules a name's
//! unit words and a declared unit follow.

use super::*;

/// Base units (promlint's, plus `ratio`, the unit of fractions).
pub(super) const BASE_UNITS: &[&str] = &[
    "amperes", "bytes", "celsius", "grams", "joules", "kelvin", "meters", "metres", "ratio",
    "seconds", "volts",
];

/// Whole-word units that are not base units, and their base unit (promlint's
/// table, plus `feet` and the percentages).
pub(super) const NON_BASE_UNITS: &[(&str, &str)] = &[
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
pub(super) const UNIT_PREFIXES: &[&str] = &[
    "pico", "nano", "micro", "milli", "centi", "deci", "deca", "hecto", "kilo", "kibi", "mega",
    "mebi", "mibi", "giga", "gibi", "tera", "tebi", "peta", "pebi",
];

/// Abbreviated units (promlint's `unitAbbreviations`, plus the spellings Rust
/// code tends to use: `millis`, `secs`, `kib`…), and their base unit.
pub(super) const ABBREVIATED_UNITS: &[(&str, &str)] = &[
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
pub(super) const TYPE_WORDS: &[&str] = &["counter", "gauge", "histogram", "summary"];

/// Words that say a metric measures time, so it needs a `seconds` unit.
pub(super) const DURATION_WORDS: &[&str] = &[
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

/// promlint's unit rules: base units only, no abbreviations.
pub(super) fn check_units(name: &str, kind: MetricKind, problems: &mut Vec<String>) {
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

pub(super) fn unit_message(word: &str, base: &str, fixed: Option<&str>) -> String {
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
pub(super) fn check_duration_needs_seconds(
    name: &str,
    kind: MetricKind,
    problems: &mut Vec<String>,
) {
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
