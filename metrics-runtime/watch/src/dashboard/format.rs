//! How figures are written on screen: honest raw totals, short rates, and
//! values in the unit their metric name declares.

/// A raw value: whole numbers in full (a counter's total is never rounded),
/// others with up to three decimals.
pub(crate) fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_owned()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        trim_zeros(format!("{v:.3}"))
    }
}

fn trim_zeros(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

/// A per-second rate: `4.25/s`, `1.3k/s`, or `—` without enough samples.
pub(crate) fn rate(v: Option<f64>) -> String {
    match v {
        None => "—".to_owned(),
        Some(v) if v.is_nan() => "NaN".to_owned(),
        Some(v) if v.abs() >= 1e6 => format!("{:.1}M/s", v / 1e6),
        Some(v) if v.abs() >= 1e4 => format!("{:.1}k/s", v / 1e3),
        Some(v) => format!("{v:.2}/s"),
    }
}

/// A value of the metric `name`, in the unit its name ends with.
pub(crate) fn in_unit(name: &str, v: f64) -> String {
    if !v.is_finite() {
        return number(v);
    }
    if name.ends_with("_seconds") {
        seconds(v)
    } else if name.ends_with("_bytes") {
        bytes(v)
    } else if name.ends_with("_ratio") {
        percent(v)
    } else {
        number(v)
    }
}

/// A duration given in seconds: `850µs`, `12.5ms`, `215ms`, `1.23s`.
pub(crate) fn seconds(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0s".to_owned()
    } else if a < 1e-3 {
        format!("{:.0}µs", v * 1e6)
    } else if a < 0.01 {
        format!("{:.2}ms", v * 1e3)
    } else if a < 0.1 {
        format!("{:.1}ms", v * 1e3)
    } else if a < 1.0 {
        format!("{:.0}ms", v * 1e3)
    } else if a < 100.0 {
        format!("{v:.2}s")
    } else {
        format!("{v:.0}s")
    }
}

fn bytes(v: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut x = v;
    let mut unit = 0;
    while x.abs() >= 1024.0 && unit < UNITS.len() - 1 {
        x /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{}B", number(x))
    } else {
        format!("{x:.1}{}", UNITS[unit])
    }
}

/// A ratio as a percentage: `16.7%`.
pub(crate) fn percent(v: f64) -> String {
    if v.is_finite() {
        trim_zeros(format!("{:.1}", v * 100.0)) + "%"
    } else {
        number(v)
    }
}

/// An uptime: `12.3s`, `3m 05s`, `2h 04m`.
pub(crate) fn uptime(secs: f64) -> String {
    let secs = secs.max(0.0);
    if secs < 60.0 {
        format!("{secs:.1}s")
    } else if secs < 3600.0 {
        let s = secs as u64;
        format!("{}m {:02}s", s / 60, s % 60)
    } else {
        let s = secs as u64;
        format!("{}h {:02}m", s / 3600, (s % 3600) / 60)
    }
}

/// A duration for the footer and alert rules: `250ms`, `10s`, `5m`.
pub(crate) fn duration(d: std::time::Duration) -> String {
    let ms = d.as_millis();
    if ms == 0 || !ms.is_multiple_of(1000) {
        format!("{ms}ms")
    } else if ms.is_multiple_of(60_000) {
        format!("{}m", ms / 60_000)
    } else {
        format!("{}s", ms / 1000)
    }
}

/// `name{k="v",…}`, label values escaped as in the text format.
pub(crate) fn series(name: &str, labels: &[(String, String)]) -> String {
    let mut out = String::from(name);
    if !labels.is_empty() {
        out.push('{');
        for (i, (k, v)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(k);
            out.push_str("=\"");
            for c in v.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '"' => out.push_str("\\\""),
                    '\n' => out.push_str("\\n"),
                    c => out.push(c),
                }
            }
            out.push('"');
        }
        out.push('}');
    }
    out
}

/// Shortens `s` to `width` characters by cutting its middle: the metric name
/// and the last labels, which tell series apart, stay readable.
pub(crate) fn ellipsize_middle(s: &str, width: usize) -> String {
    let count = s.chars().count();
    if count <= width {
        return s.to_owned();
    }
    if width <= 1 {
        return "…".chars().take(width).collect();
    }
    let keep = width - 1;
    let head = keep.div_ceil(2);
    let tail = keep - head;
    let mut out: String = s.chars().take(head).collect();
    out.push('…');
    out.extend(s.chars().skip(count - tail));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_are_never_rounded() {
        assert_eq!(number(60.0), "60");
        assert_eq!(number(123_456_789.0), "123456789");
        assert_eq!(number(0.125), "0.125");
        assert_eq!(number(2.5), "2.5");
        assert_eq!(number(f64::INFINITY), "+Inf");
    }

    #[test]
    fn units_follow_the_name() {
        assert_eq!(in_unit("task_duration_seconds", 0.215), "215ms");
        assert_eq!(in_unit("task_duration_seconds", 1.5), "1.50s");
        assert_eq!(in_unit("task_duration_seconds", 0.0005), "500µs");
        assert_eq!(in_unit("body_size_bytes", 2048.0), "2.0KiB");
        assert_eq!(in_unit("queue_depth", 3.0), "3");
    }

    #[test]
    fn rates_and_uptimes() {
        assert_eq!(rate(Some(4.0)), "4.00/s");
        assert_eq!(rate(None), "—");
        assert_eq!(rate(Some(12_345.0)), "12.3k/s");
        assert_eq!(uptime(12.34), "12.3s");
        assert_eq!(uptime(185.0), "3m 05s");
        assert_eq!(percent(1.0 / 6.0), "16.7%");
        assert_eq!(percent(0.05), "5%");
        assert_eq!(duration(std::time::Duration::from_millis(250)), "250ms");
        assert_eq!(duration(std::time::Duration::from_secs(10)), "10s");
    }

    #[test]
    fn long_series_names_lose_their_middle() {
        let labels = vec![
            ("function".to_owned(), "process_task".to_owned()),
            ("outcome".to_owned(), "error".to_owned()),
        ];
        let full = series("function_calls_total", &labels);
        assert_eq!(
            full,
            r#"function_calls_total{function="process_task",outcome="error"}"#
        );
        let short = ellipsize_middle(&full, 30);
        assert_eq!(short.chars().count(), 30);
        assert!(short.starts_with("function_calls_"));
        assert!(short.ends_with(r#"="error"}"#));
        assert_eq!(series("up", &[]), "up");
        let escaped = series("x", &[("path".to_owned(), "a\"b\\c".to_owned())]);
        assert_eq!(escaped, r#"x{path="a\"b\\c"}"#);
    }
}
