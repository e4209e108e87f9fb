//! Quoting for the generated files.
//!
//! Both files are written by hand rather than through a serializer, to keep
//! the core's dependencies to what registering and encoding need. Every
//! string goes through [`json`]: a JSON string literal is also a valid YAML
//! double-quoted scalar (YAML 1.2 is a superset of JSON), so one escaper
//! serves both, and no value (help text, label value, user-chosen title)
//! can break out of its string.

use std::fmt::Write as _;

/// `s` as a JSON string literal (and so a YAML double-quoted scalar).
pub(crate) fn json(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // Control characters, and the line and paragraph separators some
            // YAML and JavaScript readers treat as line breaks.
            c if (c as u32) < 0x20 || c == '\u{7f}' || c == '\u{2028}' || c == '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `s` as a PromQL double-quoted string literal.
pub(crate) fn promql_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `s` with the RE2 metacharacters escaped, to match literally.
pub(crate) fn regex_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A label matcher for any of `values`: `label=~"a|b"`.
pub(crate) fn any_of(label: &str, values: &[String]) -> String {
    let alternatives: Vec<String> = values.iter().map(|v| regex_literal(v)).collect();
    format!("{label}=~{}", promql_string(&alternatives.join("|")))
}

/// A matcher for the `le` label of bound `bound`, whichever way the target
/// spells the float (`1`, `1.0`, `1e-05`, `1e-5`).
pub(crate) fn le_matcher(bound: f64) -> String {
    let mut spellings = vec![
        ryu::Buffer::new().format(bound).to_owned(),
        format!("{bound}"),
        format!("{bound:?}"),
        go_spelling(bound),
    ];
    spellings.sort();
    spellings.dedup();
    any_of("le", &spellings)
}

/// Go's `strconv.FormatFloat(v, 'g', -1, 64)`, which client_golang and
/// Prometheus use: an exponent of at least two digits past 1e21 or under 1e-4.
fn go_spelling(v: f64) -> String {
    let exp = format!("{v:e}");
    let Some((mantissa, e)) = exp.split_once('e') else {
        return format!("{v}");
    };
    let Ok(e) = e.parse::<i32>() else {
        return format!("{v}");
    };
    if (-4..21).contains(&e) {
        return format!("{v}");
    }
    let sign = if e < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", e.abs())
}

/// A float as PromQL reads it back exactly (shortest round-trip form).
pub(crate) fn number(v: f64) -> String {
    format!("{v}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_cannot_be_broken_out_of() {
        assert_eq!(json("a\"b\\c\nd"), r#""a\"b\\c\nd""#);
        assert_eq!(json("\u{1}\u{2028}"), r#""\u0001\u2028""#);
        assert_eq!(json("é {{x}}"), "\"é {{x}}\"");
    }

    #[test]
    fn label_values_match_literally() {
        assert_eq!(
            any_of("status", &["5xx".into(), "a.b|c".into()]),
            r#"status=~"5xx|a\\.b\\|c""#
        );
        assert_eq!(promql_string("say \"hi\""), r#""say \"hi\"""#);
    }

    #[test]
    fn le_matches_every_spelling() {
        assert_eq!(le_matcher(1.0), r#"le=~"1|1\\.0""#);
        assert_eq!(le_matcher(0.25), r#"le=~"0\\.25""#);
        assert_eq!(le_matcher(1e-5), r#"le=~"0\\.00001|1e-05|1e-5""#);
    }
}
