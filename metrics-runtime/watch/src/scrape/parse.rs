//! A parser for the Prometheus text exposition format, version 0.0.4, as
//! Prometheus' own `expfmt` reads it, plus what a modern target may send:
//! quoted UTF-8 names (`{"my.metric"}`), OpenMetrics' `# UNIT`, `# EOF`,
//! `_total`/`_created` samples and exemplars (skipped).
//!
//! Why our own: the published parsers were run through this module's test
//! cases (escapes, `,` `}` `=` inside label values, special values,
//! timestamps, histogram and summary grouping, untyped samples after typed
//! families, `# UNIT`, and 25 inputs that must be rejected). None passes
//! them: `prometheus-parse` 0.2 never reports an error and drops any sample
//! with a `}` in a label value; `openmetrics-parser` 0.5 rejects unsigned
//! `Inf`, families whose samples have different label names, histograms with
//! a unit and untyped samples after a typed family; `nom-openmetrics` 0.3 has
//! no timestamps and no histograms; `prom_text_format_parser` 0.1 does not
//! decode escapes. This one is a small hand-written scanner over the grammar.

use std::collections::HashMap;
use std::fmt;

/// A metric family's type, as its `# TYPE` line declares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FamilyType {
    /// `counter`.
    Counter,
    /// `gauge`.
    Gauge,
    /// `histogram`.
    Histogram,
    /// `summary`.
    Summary,
    /// `untyped`, OpenMetrics' `unknown`, or no `# TYPE` line.
    Untyped,
    /// OpenMetrics' `info`, `stateset` or `gaugehistogram`: read, not watched.
    Other,
}

impl FamilyType {
    fn parse(s: &str) -> Option<FamilyType> {
        Some(match s {
            "counter" => FamilyType::Counter,
            "gauge" => FamilyType::Gauge,
            "histogram" => FamilyType::Histogram,
            "summary" => FamilyType::Summary,
            "untyped" | "unknown" => FamilyType::Untyped,
            "info" | "stateset" | "gaugehistogram" => FamilyType::Other,
            _ => return None,
        })
    }

    /// The sample name suffixes a family of this type may add to its name.
    fn suffixes(self) -> &'static [&'static str] {
        match self {
            FamilyType::Counter => &["_total", "_created"],
            FamilyType::Histogram => &["_bucket", "_count", "_sum", "_created"],
            FamilyType::Summary => &["_count", "_sum", "_created"],
            FamilyType::Other => &["_info", "_bucket", "_gcount", "_gsum"],
            FamilyType::Gauge | FamilyType::Untyped => &[],
        }
    }
}

/// One sample line.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedSample {
    /// The sample name (`http_requests_total`, `latency_seconds_bucket`).
    pub name: String,
    /// Label pairs in the order written, values unescaped.
    pub labels: Vec<(String, String)>,
    /// The value (`+Inf`, `-Inf` and `NaN` included).
    pub value: f64,
    /// The optional timestamp, in milliseconds since the epoch.
    pub timestamp_ms: Option<i64>,
}

impl ParsedSample {
    /// The value of label `name`.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A metric family: its metadata and samples, in exposition order.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedFamily {
    /// The family name (from `# TYPE`/`# HELP`, or the sample name).
    pub name: String,
    /// The `# HELP` text, unescaped.
    pub help: Option<String>,
    /// The type.
    pub family_type: FamilyType,
    /// The OpenMetrics `# UNIT`, if any.
    pub unit: Option<String>,
    /// The samples.
    pub samples: Vec<ParsedSample>,
}

/// Why an exposition was rejected: the line (1-based) and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// The line number, from 1.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

/// How much of a page is read at most: past any of these the page is
/// refused (as Prometheus refuses a scrape over its `sample_limit`), so
/// neither memory nor time grows with whatever a target sends. The defaults
/// keep the parsed form of any page under about 100 MiB.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseLimits {
    /// Samples (lines with a value) on the page (default 100,000).
    pub max_samples: usize,
    /// Metric families, with or without samples (default 50,000).
    pub max_families: usize,
    /// Labels, summed over every sample (default 500,000).
    pub max_labels: usize,
}

impl Default for ParseLimits {
    fn default() -> Self {
        ParseLimits {
            max_samples: 100_000,
            max_families: 50_000,
            max_labels: 500_000,
        }
    }
}

struct Families {
    list: Vec<ParsedFamily>,
    max: usize,
    by_name: HashMap<String, usize>,
    /// Families that had a `# TYPE` line.
    typed: Vec<bool>,
}

impl Families {
    fn get_or_add(&mut self, name: &str) -> Result<usize, String> {
        if let Some(&i) = self.by_name.get(name) {
            return Ok(i);
        }
        if self.list.len() >= self.max {
            return Err(format!(
                "more than {} metric families: the page is larger than this watcher reads",
                self.max
            ));
        }
        self.list.push(ParsedFamily {
            name: name.to_owned(),
            help: None,
            family_type: FamilyType::Untyped,
            unit: None,
            samples: Vec::new(),
        });
        self.typed.push(false);
        self.by_name.insert(name.to_owned(), self.list.len() - 1);
        Ok(self.list.len() - 1)
    }

    /// The family a sample named `name` belongs to: the one of that name, or
    /// one whose type allows `name` as its name plus a suffix.
    fn family_of(&mut self, name: &str) -> Result<usize, String> {
        if let Some(&i) = self.by_name.get(name) {
            return Ok(i);
        }
        const SUFFIXES: [&str; 8] = [
            "_total", "_created", "_bucket", "_count", "_sum", "_info", "_gcount", "_gsum",
        ];
        for suffix in SUFFIXES {
            let Some(base) = name.strip_suffix(suffix) else {
                continue;
            };
            if let Some(&i) = self.by_name.get(base) {
                if self.list[i].family_type.suffixes().contains(&suffix) {
                    return Ok(i);
                }
            }
        }
        self.get_or_add(name)
    }
}

/// Parses a text-format exposition into its families, in order of first
/// appearance, within the default [`ParseLimits`].
///
/// ```
/// # mod promstrict { pub use promstrict_core::*; pub use promstrict_watch::*; }
/// use promstrict::scrape::{parse_text, FamilyType};
///
/// let text = "# HELP jobs_total Jobs run.\n# TYPE jobs_total counter\njobs_total{queue=\"a,b\"} 3 1700000000000\n";
/// let families = parse_text(text)?;
/// assert_eq!(families[0].family_type, FamilyType::Counter);
/// assert_eq!(families[0].samples[0].label("queue"), Some("a,b"));
/// assert_eq!(families[0].samples[0].timestamp_ms, Some(1_700_000_000_000));
/// # Ok::<(), promstrict::scrape::ParseError>(())
/// ```
pub fn parse_text(text: &str) -> Result<Vec<ParsedFamily>, ParseError> {
    parse_text_with(text, &ParseLimits::default())
}

/// [`parse_text`] within `limits`: a page past any of them is an error at
/// the line where it went past, and nothing more of it is read.
pub fn parse_text_with(text: &str, limits: &ParseLimits) -> Result<Vec<ParsedFamily>, ParseError> {
    let mut families = Families {
        list: Vec::new(),
        max: limits.max_families,
        by_name: HashMap::new(),
        typed: Vec::new(),
    };
    let mut samples = 0usize;
    let mut labels_left = limits.max_labels;
    for (i, raw) in text.split('\n').enumerate() {
        let line_no = i + 1;
        let err = |message: String| ParseError {
            line: line_no,
            message,
        };
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let mut cur = Cursor::new(line);
        cur.skip_blanks();
        if cur.at_end() {
            continue;
        }
        if cur.eat('#') {
            parse_comment(&mut cur, &mut families).map_err(err)?;
            continue;
        }
        if samples >= limits.max_samples {
            return Err(err(format!(
                "more than {} samples: the page is larger than this watcher reads",
                limits.max_samples
            )));
        }
        samples += 1;
        let sample = parse_sample(&mut cur, labels_left).map_err(err)?;
        labels_left -= sample.labels.len();
        let family = families.family_of(&sample.name).map_err(err)?;
        families.list[family].samples.push(sample);
    }
    for family in &families.list {
        check_family(family)?;
    }
    Ok(families.list)
}

/// Cross-line checks Prometheus also makes: bucket and quantile labels parse.
fn check_family(family: &ParsedFamily) -> Result<(), ParseError> {
    let fail = |message: String| {
        Err(ParseError {
            line: 0,
            message: format!("family `{}`: {message}", family.name),
        })
    };
    for s in &family.samples {
        let needs = match family.family_type {
            FamilyType::Histogram if s.name.ends_with("_bucket") => Some("le"),
            FamilyType::Summary if s.name == family.name => Some("quantile"),
            _ => None,
        };
        if let Some(label) = needs {
            match s.label(label) {
                None => return fail(format!("sample `{}` has no `{label}` label", s.name)),
                Some(v) if parse_float(v).is_none() => {
                    return fail(format!("`{label}=\"{v}\"` is not a number"))
                }
                Some(_) => {}
            }
        }
    }
    Ok(())
}

fn parse_comment(cur: &mut Cursor<'_>, families: &mut Families) -> Result<(), String> {
    cur.skip_blanks();
    let keyword = cur.take_while(|c| c != ' ' && c != '\t');
    if !matches!(keyword, "HELP" | "TYPE" | "UNIT") {
        // Any other comment (`# EOF` included) is ignored.
        return Ok(());
    }
    if !cur.skip_blanks() {
        return Err(format!("`# {keyword}` must be followed by a metric name"));
    }
    let name = parse_metric_name(cur)?;
    let has_rest = cur.skip_blanks();
    match keyword {
        "HELP" => {
            // `\"` is an escape of OpenMetrics' HELP, not of 0.0.4's;
            // accepting it in both reads either format.
            let help = if has_rest {
                unescape(cur.rest(), true)?
            } else {
                String::new()
            };
            let i = families.get_or_add(&name)?;
            if families.list[i].help.is_some() {
                return Err(format!("second HELP line for metric `{name}`"));
            }
            families.list[i].help = Some(help);
        }
        "TYPE" => {
            let word = cur.rest().trim_end_matches([' ', '\t']);
            let family_type = FamilyType::parse(word)
                .ok_or_else(|| format!("unknown metric type `{word}` for `{name}`"))?;
            let i = families.get_or_add(&name)?;
            if std::mem::replace(&mut families.typed[i], true) {
                return Err(format!("second TYPE line for metric `{name}`"));
            }
            let family = &mut families.list[i];
            if !family.samples.is_empty() {
                return Err(format!("TYPE line for `{name}` after its samples"));
            }
            family.family_type = family_type;
        }
        _ => {
            let i = families.get_or_add(&name)?;
            families.list[i].unit = Some(cur.rest().trim_end().to_owned());
        }
    }
    Ok(())
}

/// One sample line, with at most `max_labels` labels.
fn parse_sample(cur: &mut Cursor<'_>, max_labels: usize) -> Result<ParsedSample, String> {
    let mut name = if cur.peek() == Some('{') {
        None
    } else {
        Some(parse_metric_name(cur)?)
    };
    let mut labels: Vec<(String, String)> = Vec::new();
    if cur.eat('{') {
        loop {
            cur.skip_blanks();
            if cur.eat('}') {
                break;
            }
            let label = if cur.peek() == Some('"') {
                cur.bump();
                let quoted = parse_quoted(cur)?;
                cur.skip_blanks();
                if cur.peek() != Some('=') {
                    // A quoted string on its own is the metric name
                    // (Prometheus 3's UTF-8 names).
                    if name.is_some() {
                        return Err(format!("metric name \"{quoted}\" given twice"));
                    }
                    name = Some(quoted);
                    cur.skip_blanks();
                    if !cur.eat(',') && cur.peek() != Some('}') {
                        return Err("expected `,` or `}` after the metric name".to_owned());
                    }
                    continue;
                }
                quoted
            } else {
                let label = cur.take_while(|c| c.is_ascii_alphanumeric() || c == '_');
                if label.is_empty() || label.starts_with(|c: char| c.is_ascii_digit()) {
                    return Err(format!(
                        "invalid label name at `{}`",
                        cur.rest().chars().take(20).collect::<String>()
                    ));
                }
                label.to_owned()
            };
            cur.skip_blanks();
            if !cur.eat('=') {
                return Err(format!("expected `=` after label name `{label}`"));
            }
            cur.skip_blanks();
            if !cur.eat('"') {
                return Err(format!("the value of label `{label}` must be quoted"));
            }
            let value = parse_quoted(cur)?;
            // A short set is checked as it grows; a long one once, sorted,
            // at its end (a linear scan per label is quadratic: 100k labels
            // took seconds).
            if labels.len() < SCAN_LABELS && labels.iter().any(|(k, _)| *k == label) {
                return Err(format!("label `{label}` given twice"));
            }
            if labels.len() == max_labels {
                return Err(
                    "more labels than this watcher reads on one page: the page is too large"
                        .to_owned(),
                );
            }
            labels.push((label, value));
            cur.skip_blanks();
            if cur.eat('}') {
                break;
            }
            if !cur.eat(',') {
                return Err(format!(
                    "expected `,` or `}}` after label `{}`",
                    labels[labels.len() - 1].0
                ));
            }
        }
    }
    if labels.len() > SCAN_LABELS {
        let mut names: Vec<&str> = labels.iter().map(|(k, _)| k.as_str()).collect();
        names.sort_unstable();
        if let Some(pair) = names.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(format!("label `{}` given twice", pair[0]));
        }
    }
    let name = name.ok_or("a sample needs a metric name")?;
    if !cur.skip_blanks() {
        return Err(format!("expected a value after `{name}`"));
    }
    let token = cur.take_while(|c| c != ' ' && c != '\t');
    let value =
        parse_float(token).ok_or_else(|| format!("invalid value `{token}` for `{name}`"))?;
    let mut timestamp_ms = None;
    if cur.skip_blanks() && cur.peek() != Some('#') {
        let token = cur.take_while(|c| c != ' ' && c != '\t');
        timestamp_ms = Some(parse_timestamp(token)?);
        cur.skip_blanks();
    }
    // What may follow: an OpenMetrics exemplar (`# {…} value`), skipped.
    if !cur.at_end() && cur.peek() != Some('#') {
        return Err(format!("unexpected `{}` after the sample", cur.rest()));
    }
    Ok(ParsedSample {
        name,
        labels,
        value,
        timestamp_ms,
    })
}

/// Up to this many labels, a sample's label names are checked for
/// duplicates as they are read; beyond, once at the end, sorted.
const SCAN_LABELS: usize = 16;

fn parse_metric_name(cur: &mut Cursor<'_>) -> Result<String, String> {
    if cur.eat('"') {
        return parse_quoted(cur);
    }
    let name = cur.take_while(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':');
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(format!(
            "invalid metric name at `{}`",
            cur.rest().chars().take(20).collect::<String>()
        ));
    }
    Ok(name.to_owned())
}

/// Reads up to the closing `"` (the opening one is consumed), decoding
/// `\\`, `\"` and `\n`.
fn parse_quoted(cur: &mut Cursor<'_>) -> Result<String, String> {
    let rest = cur.rest();
    let mut escaped = false;
    for (i, c) in rest.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '"' {
            let value = unescape(&rest[..i], true)?;
            cur.advance(i + 1);
            return Ok(value);
        }
    }
    Err("unterminated quoted string".to_owned())
}

/// Decodes the text format's escapes: `\\` and `\n` everywhere, `\"` in
/// label values and HELP texts. Any other escape is an error, as in
/// Prometheus.
fn unescape(s: &str, quote: bool) -> Result<String, String> {
    if !s.contains('\\') {
        return Ok(s.to_owned());
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('"') if quote => out.push('"'),
            Some(other) => return Err(format!("invalid escape sequence `\\{other}`")),
            None => return Err("a `\\` ends the text".to_owned()),
        }
    }
    Ok(out)
}

/// A value as Go's `strconv.ParseFloat` reads it for the common spellings:
/// decimal and exponent forms, `+Inf`/`-Inf`/`Inf`, `NaN`, any case.
pub(crate) fn parse_float(s: &str) -> Option<f64> {
    // Rust's parser takes `inf`, `infinity` and `nan` in any case, with a
    // sign; it refuses what Go refuses here (empty, spaces, `1e`).
    s.parse::<f64>().ok()
}

fn parse_timestamp(token: &str) -> Result<i64, String> {
    if let Ok(ms) = token.parse::<i64>() {
        return Ok(ms);
    }
    // OpenMetrics writes seconds with a fraction.
    match token.parse::<f64>() {
        Ok(secs) if secs.is_finite() && token.contains('.') => Ok((secs * 1000.0).round() as i64),
        _ => Err(format!("invalid timestamp `{token}`")),
    }
}

struct Cursor<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(s: &'a str) -> Self {
        Cursor { s, pos: 0 }
    }

    fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }

    fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) {
        if let Some(c) = self.peek() {
            self.pos += c.len_utf8();
        }
    }

    fn advance(&mut self, bytes: usize) {
        self.pos += bytes;
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    /// Skips spaces and tabs; returns whether it skipped any.
    fn skip_blanks(&mut self) -> bool {
        let start = self.pos;
        self.take_while(|c| c == ' ' || c == '\t');
        self.pos > start
    }

    fn take_while(&mut self, f: impl Fn(char) -> bool) -> &'a str {
        let rest = self.rest();
        let end = rest.find(|c| !f(c)).unwrap_or(rest.len());
        self.pos += end;
        &rest[..end]
    }
}
