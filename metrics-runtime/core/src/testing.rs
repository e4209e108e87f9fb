//! Reading samples back in tests: one sample by name and labels, assertions
//! that say what is there when they fail, and an order-insensitive
//! comparison of expositions.

use std::collections::BTreeMap;
use std::fmt;

use crate::encoding::text::family_name;
use crate::encoding::Format;
use crate::registry::Registry;

/// One sample as the text exposition formats write it: the sample name (a
/// histogram's `_bucket`, `_count` and `_sum` are samples of their own), its
/// labels sorted by name (constant labels included; a bucket's `le`), and its
/// value.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// The sample name (`http_requests_total`, `latency_seconds_bucket`, …).
    pub name: String,
    /// The labels, sorted by name.
    pub labels: Vec<(String, String)>,
    /// The value.
    pub value: f64,
}

impl fmt::Display for Sample {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if !self.labels.is_empty() {
            f.write_str("{")?;
            for (i, (k, v)) in self.labels.iter().enumerate() {
                if i > 0 {
                    f.write_str(",")?;
                }
                write!(f, "{k}={v:?}")?;
            }
            f.write_str("}")?;
        }
        write!(f, " {}", self.value)
    }
}

impl Registry {
    /// Every sample, in registration order, as the text format names them.
    pub fn samples(&self) -> Vec<Sample> {
        let mut out = Vec::new();
        self.collect(|family, labels, value| {
            let mut base: Vec<(String, String)> = family.const_labels.to_vec();
            labels.for_each(|k, v| base.push((k.to_owned(), v.to_owned())));
            let stem = family_name(family.name, family.metric_type, Format::Prometheus);
            value.for_each_sample(family.name, Format::Prometheus, |suffix, extra, v| {
                let mut labels = base.clone();
                if let Some((k, v)) = extra {
                    labels.push((k.to_owned(), v.to_owned()));
                }
                labels.sort();
                out.push(Sample {
                    name: format!("{stem}{suffix}"),
                    labels,
                    value: v,
                });
            });
        });
        out
    }

    /// The value of the sample named `name` with exactly these labels (in
    /// any order, constant labels included; a bucket's `le` as written, e.g.
    /// `"0.5"` or `"+Inf"`), if there is one.
    ///
    /// ```
    /// # extern crate promstrict_core as promstrict;
    /// use promstrict::{Buckets, Histogram, Registry};
    ///
    /// let registry = Registry::new();
    /// let latency = registry.register(
    ///     "latency_seconds",
    ///     "Latency.",
    ///     Histogram::new(Buckets::new(&[0.1, 1.0])?),
    /// )?;
    /// latency.observe(0.5);
    /// assert_eq!(registry.sample("latency_seconds_bucket", &[("le", "1.0")]), Some(1.0));
    /// assert_eq!(registry.sample("latency_seconds_bucket", &[("le", "0.1")]), Some(0.0));
    /// assert_eq!(registry.sample("latency_seconds_count", &[]), Some(1.0));
    /// assert_eq!(registry.sample("latency_seconds_count", &[("le", "1.0")]), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sample(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let mut wanted: Vec<(&str, &str)> = labels.to_vec();
        wanted.sort();
        self.samples()
            .into_iter()
            .find(|s| {
                s.name == name
                    && s.labels.len() == wanted.len()
                    && s.labels
                        .iter()
                        .zip(&wanted)
                        .all(|((k, v), (wk, wv))| k == wk && v == wv)
            })
            .map(|s| s.value)
    }

    #[doc(hidden)]
    /// What [`assert_sample!`](crate::assert_sample) reports on a mismatch.
    pub fn __describe_samples_named(&self, name: &str) -> String {
        let samples = self.samples();
        let found: Vec<String> = samples
            .iter()
            .filter(|s| s.name == name)
            .map(|s| format!("    {s}"))
            .collect();
        if found.is_empty() {
            let names: std::collections::BTreeSet<&str> =
                samples.iter().map(|s| s.name.as_str()).collect();
            let names: Vec<&str> = names.into_iter().collect();
            format!(
                "no sample is named `{name}`; the samples are: {}",
                names.join(", ")
            )
        } else {
            format!("the samples named `{name}`:\n{}", found.join("\n"))
        }
    }
}

/// Asserts the value of one sample of a [`Registry`]; on failure the message
/// lists the samples of that name (or, if there is none, every name).
///
/// ```
/// # extern crate promstrict_core as promstrict;
/// use promstrict::{assert_sample, Counter, Registry};
///
/// let registry = Registry::new();
/// registry.register("jobs_total", "Jobs.", Counter::new())?.inc_by(3);
/// assert_sample!(registry, "jobs_total", 3.0);
/// assert_sample!(registry, "jobs_total", [], 3.0);
/// # Ok::<(), promstrict::RegistryError>(())
/// ```
///
/// With labels, as pairs (an array, or any expression that gives a slice of
/// pairs): `assert_sample!(registry, "http_requests_total", [("route",
/// "/v1/chat"), ("status", "2xx")], 1.0)`.
#[macro_export]
macro_rules! assert_sample {
    ($registry:expr, $name:expr, $expected:expr $(,)?) => {
        $crate::assert_sample!($registry, $name, [], $expected)
    };
    ($registry:expr, $name:expr, $labels:expr, $expected:expr $(,)?) => {{
        let registry: &$crate::Registry = &$registry;
        let labels: &[(&str, &str)] = &$labels;
        let expected: f64 = $expected as f64;
        match registry.sample($name, labels) {
            ::core::option::Option::Some(actual)
                if actual == expected || (actual.is_nan() && expected.is_nan()) => {}
            ::core::option::Option::Some(actual) => ::core::panic!(
                "sample `{}` {:?} is {}, expected {}\n{}",
                $name,
                labels,
                actual,
                expected,
                registry.__describe_samples_named($name)
            ),
            ::core::option::Option::None => ::core::panic!(
                "no sample `{}` with labels {:?} (expected {})\n{}",
                $name,
                labels,
                expected,
                registry.__describe_samples_named($name)
            ),
        }
    }};
}

/// The differences between two expositions, compared as sets of lines, so
/// that order (of families, of series, of labels within a series) does not
/// matter; blank lines are ignored. `None` when they hold the same lines.
///
/// ```
/// # extern crate promstrict_core as promstrict;
/// use promstrict::testing::exposition_diff;
///
/// let a = "# TYPE a counter\na_total{x=\"1\",y=\"2\"} 1\n";
/// let b = "a_total{y=\"2\",x=\"1\"} 1\n# TYPE a counter\n";
/// assert_eq!(exposition_diff(a, b), None);
/// let diff = exposition_diff(a, "# TYPE a counter\na_total{x=\"1\",y=\"2\"} 2\n").unwrap();
/// assert!(diff.contains("- a_total{x=\"1\",y=\"2\"} 2"));
/// assert!(diff.contains("+ a_total{x=\"1\",y=\"2\"} 1"));
/// ```
pub fn exposition_diff(actual: &str, expected: &str) -> Option<String> {
    let count = |text: &str| {
        let mut lines: BTreeMap<String, usize> = BTreeMap::new();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            *lines.entry(normalize(line)).or_default() += 1;
        }
        lines
    };
    let (a, e) = (count(actual), count(expected));
    let mut diff = String::new();
    for (line, n) in &e {
        for _ in a.get(line).copied().unwrap_or(0)..*n {
            diff.push_str(&format!("- {line}\n"));
        }
    }
    for (line, n) in &a {
        for _ in e.get(line).copied().unwrap_or(0)..*n {
            diff.push_str(&format!("+ {line}\n"));
        }
    }
    (!diff.is_empty()).then_some(diff)
}

/// A sample line with its labels sorted (quoted values may hold `,` `}` and
/// escaped quotes); other lines as they are.
fn normalize(line: &str) -> String {
    let line = line.trim_end();
    if line.starts_with('#') {
        return line.to_owned();
    }
    let Some(open) = line.find('{') else {
        return line.to_owned();
    };
    let mut pairs = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut escaped = false;
    let mut close = None;
    for (i, c) in line[open + 1..].char_indices() {
        if escaped {
            escaped = false;
        } else if quoted && c == '\\' {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        } else if !quoted && c == ',' {
            pairs.push(std::mem::take(&mut current));
            continue;
        } else if !quoted && c == '}' {
            close = Some(open + 1 + i);
            break;
        }
        current.push(c);
    }
    let Some(close) = close else {
        return line.to_owned();
    };
    if !current.trim().is_empty() {
        pairs.push(current);
    }
    pairs.retain(|p| !p.trim().is_empty());
    pairs.sort();
    format!(
        "{}{{{}}}{}",
        &line[..open],
        pairs.join(","),
        &line[close + 1..]
    )
}

/// Asserts that an exposition holds exactly the expected lines, in any
/// order; on failure the message shows the missing (`-`) and unexpected
/// (`+`) lines.
///
/// ```
/// # extern crate promstrict_core as promstrict;
/// use promstrict::{assert_exposition_eq, Counter, Format, Registry};
///
/// let registry = Registry::new();
/// registry.register("jobs_total", "Jobs.", Counter::new())?.inc();
/// assert_exposition_eq!(
///     registry.encode(Format::Prometheus),
///     "jobs_total 1\n# TYPE jobs_total counter\n# HELP jobs_total Jobs.\n"
/// );
/// # Ok::<(), promstrict::RegistryError>(())
/// ```
#[macro_export]
macro_rules! assert_exposition_eq {
    ($actual:expr, $expected:expr $(,)?) => {
        match (&$actual, &$expected) {
            (actual, expected) => {
                let actual: &str = ::core::convert::AsRef::<str>::as_ref(actual);
                let expected: &str = ::core::convert::AsRef::<str>::as_ref(expected);
                if let ::core::option::Option::Some(diff) =
                    $crate::testing::exposition_diff(actual, expected)
                {
                    ::core::panic!(
                        "the expositions differ (- expected, + actual):\n{}\nactual:\n{}",
                        diff,
                        actual
                    );
                }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Counter, Family, Gauge, Info, LabelSet, Summary};

    #[derive(Clone, Copy, LabelSet)]
    struct Hit {
        hit: bool,
    }

    #[test]
    fn samples_are_named_and_labelled_as_the_text_format_writes_them() {
        let registry = Registry::with_namespace("app")
            .with_const_label("zone", "a")
            .unwrap();
        let hits: Family<Hit, Counter> = registry
            .register("lookups_total", "Lookups.", Family::default())
            .unwrap();
        hits.labels(Hit { hit: true }).inc_by(2);
        registry
            .register("depth", "Depth.", Gauge::new())
            .unwrap()
            .set(-3);
        registry
            .register(
                "build_info",
                "Build.",
                Info::new([("version", "1.2")]).unwrap(),
            )
            .unwrap();
        registry
            .register("sizes_bytes", "Sizes.", Summary::default())
            .unwrap()
            .observe(10.0);
        assert_eq!(
            registry.sample("app_lookups_total", &[("zone", "a"), ("hit", "true")]),
            Some(2.0)
        );
        assert_eq!(
            registry.sample("app_lookups_total", &[("hit", "true")]),
            None
        );
        assert_eq!(registry.sample("app_depth", &[("zone", "a")]), Some(-3.0));
        assert_eq!(
            registry.sample("app_build_info", &[("version", "1.2"), ("zone", "a")]),
            Some(1.0)
        );
        assert_eq!(
            registry.sample("app_sizes_bytes_sum", &[("zone", "a")]),
            Some(10.0)
        );
        // Every sample agrees with the encoder's own text.
        let text = registry.encode(Format::Prometheus);
        for s in registry.samples() {
            assert!(text.contains(&s.name), "{s} not in\n{text}");
        }
    }

    #[test]
    fn assert_sample_says_what_is_there() {
        let registry = Registry::new();
        registry
            .register("jobs_total", "Jobs.", Counter::new())
            .unwrap()
            .inc();
        assert_sample!(registry, "jobs_total", 1);
        let wrong = std::panic::catch_unwind(|| assert_sample!(registry, "jobs_total", 2.0));
        let message = *wrong.unwrap_err().downcast::<String>().unwrap();
        assert!(message.contains("is 1, expected 2"), "{message}");
        assert!(message.contains("    jobs_total 1"), "{message}");
        let missing = std::panic::catch_unwind(|| assert_sample!(registry, "job_total", 1));
        let message = *missing.unwrap_err().downcast::<String>().unwrap();
        assert!(message.contains("the samples are: jobs_total"), "{message}");
    }

    #[test]
    fn expositions_compare_without_order() {
        let a = "x{a=\"1,}\",b=\"\\\"\"} 1\ny 2\n";
        let b = "y 2\n\nx{b=\"\\\"\",a=\"1,}\"} 1\n";
        assert_eq!(exposition_diff(a, b), None);
        assert!(exposition_diff(a, "y 2\n").unwrap().contains("+ x{"));
        assert!(exposition_diff("y 2\n", "y 2\ny 2\n")
            .unwrap()
            .contains("- y 2"));
    }
}
