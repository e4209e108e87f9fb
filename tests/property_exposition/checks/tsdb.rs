//! Check 3: Prometheus' OpenMetrics parser through `promtool tsdb`, and reading its dump.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::build::{normalize_le, same_f64, Built, Fam, Labels};
use crate::checks::promtool::run;

/// Timestamp appended to every sample line for `promtool tsdb create-blocks-from`.
const TIMESTAMP_SECONDS: i64 = 1_700_000_000;

/// The OpenMetrics text with a timestamp after every sample's value. Sample
/// lines are the lines not starting with `#`; no sample has an exemplar and
/// a label value cannot hold a raw newline (it is escaped), so every sample
/// line ends with its value.
fn with_timestamps(openmetrics: &str) -> String {
    let mut out = String::with_capacity(openmetrics.len() * 2);
    for line in openmetrics.split_inclusive('\n') {
        match line.strip_suffix('\n') {
            Some(sample) if !sample.starts_with('#') => {
                let _ = writeln!(out, "{sample} {TIMESTAMP_SECONDS}");
            }
            _ => out.push_str(line),
        }
    }
    out
}

/// Undoes Go's `strconv.Quote` at the start of `s` (which starts with `"`);
/// returns the string and the rest after the closing quote.
fn go_unquote(s: &str) -> Result<(String, &str), String> {
    let bytes = s.as_bytes();
    if bytes.first() != Some(&b'"') {
        return Err(format!("expected a quoted string at {s:?}"));
    }
    let mut out: Vec<u8> = Vec::new();
    let mut i = 1;
    let hex = |from: usize, len: usize| -> Result<u32, String> {
        s.get(from..from + len)
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .ok_or_else(|| format!("bad escape in {s:?}"))
    };
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let text = String::from_utf8(out).map_err(|e| format!("not UTF-8: {e}"))?;
                return Ok((text, &s[i + 1..]));
            }
            b'\\' => {
                let (decoded, len): (Option<char>, usize) = match bytes.get(i + 1) {
                    Some(b'a') => (Some('\x07'), 2),
                    Some(b'b') => (Some('\x08'), 2),
                    Some(b'f') => (Some('\x0c'), 2),
                    Some(b'n') => (Some('\n'), 2),
                    Some(b'r') => (Some('\r'), 2),
                    Some(b't') => (Some('\t'), 2),
                    Some(b'v') => (Some('\x0b'), 2),
                    Some(b'\\') => (Some('\\'), 2),
                    Some(b'"') => (Some('"'), 2),
                    Some(b'\'') => (Some('\''), 2),
                    Some(b'x') => {
                        out.push(hex(i + 2, 2)? as u8);
                        (None, 4)
                    }
                    Some(b'u') => (char::from_u32(hex(i + 2, 4)?), 6),
                    Some(b'U') => (char::from_u32(hex(i + 2, 8)?), 10),
                    _ => return Err(format!("unknown escape in {s:?}")),
                };
                if let Some(c) = decoded {
                    out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                }
                i += len;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Err(format!("unterminated string {s:?}"))
}

/// One line of `promtool tsdb dump`: `{__name__="x", a="b"} value timestamp`.
fn parse_dump_line(line: &str) -> Result<(Labels, f64, i64), String> {
    let mut rest = line
        .strip_prefix('{')
        .ok_or_else(|| format!("bad dump line {line:?}"))?;
    let mut labels = Labels::new();
    loop {
        let (name, after) = rest
            .split_once('=')
            .ok_or_else(|| format!("bad dump line {line:?}"))?;
        let (value, after) = go_unquote(after)?;
        labels.push((name.to_owned(), value));
        if let Some(after) = after.strip_prefix(", ") {
            rest = after;
        } else if let Some(after) = after.strip_prefix("} ") {
            rest = after;
            break;
        } else {
            return Err(format!("bad dump line {line:?}"));
        }
    }
    let (value, ts) = rest
        .split_once(' ')
        .ok_or_else(|| format!("bad dump line {line:?}"))?;
    let value: f64 = value
        .parse()
        .map_err(|_| format!("bad value in {line:?}"))?;
    let ts: i64 = ts
        .trim()
        .parse()
        .map_err(|_| format!("bad timestamp in {line:?}"))?;
    Ok((labels, value, ts))
}

/// The series Prometheus should store from the OpenMetrics text: sorted
/// labels with `__name__`, and no empty label values (an empty value is no label).
pub(crate) fn tsdb_series(families: &[Fam]) -> BTreeMap<Labels, f64> {
    let mut out = BTreeMap::new();
    for f in families {
        for (name, labels, value) in &f.samples {
            let mut key: Labels = std::iter::once(("__name__".to_owned(), name.clone()))
                .chain(labels.iter().filter(|(_, v)| !v.is_empty()).cloned())
                .collect();
            key.sort();
            normalize_le(&mut key);
            out.insert(key, value.as_f64());
        }
    }
    out
}

/// Feeds the OpenMetrics text (timestamped) to Prometheus' parser through
/// `promtool tsdb create-blocks-from openmetrics`, then compares
/// `promtool tsdb dump` of the block with the model.
pub(crate) fn check_promtool_tsdb(
    promtool: &Path,
    dir: &Path,
    i: usize,
    built: &Built,
) -> Result<(), String> {
    let input = dir.join(format!("case-{i}.ts.om"));
    std::fs::write(&input, with_timestamps(&built.openmetrics)).expect("write");
    let blocks = dir.join(format!("tsdb-{i}"));
    let _ = std::fs::remove_dir_all(&blocks);
    let (ok, stdout, stderr) = run(
        promtool,
        &[
            "tsdb".as_ref(),
            "create-blocks-from".as_ref(),
            "openmetrics".as_ref(),
            input.as_os_str(),
            blocks.as_os_str(),
        ],
        None,
    );
    if !ok {
        return Err(format!(
            "promtool tsdb create-blocks-from openmetrics failed:\n{stdout}{stderr}"
        ));
    }
    // `dump` opens the directory as a TSDB, which needs a WAL directory.
    std::fs::create_dir_all(blocks.join("wal")).expect("mkdir wal");
    let (ok, stdout, stderr) = run(
        promtool,
        &["tsdb".as_ref(), "dump".as_ref(), blocks.as_os_str()],
        None,
    );
    if !ok {
        return Err(format!("promtool tsdb dump failed:\n{stdout}{stderr}"));
    }
    let _ = std::fs::remove_dir_all(&blocks);
    let mut want = tsdb_series(&built.families);
    let mut problems = Vec::new();
    for line in stdout.lines().filter(|l| !l.is_empty()) {
        let (mut labels, value, ts) = parse_dump_line(line)?;
        normalize_le(&mut labels);
        if ts != TIMESTAMP_SECONDS * 1000 {
            problems.push(format!("timestamp {ts} in {line:?}"));
        }
        match want.remove(&labels) {
            Some(expected) if same_f64(expected, value) => {}
            Some(expected) => problems.push(format!(
                "{labels:?}: expected {expected:?}, Prometheus read {value:?}"
            )),
            None => problems.push(format!("unexpected series {line:?}")),
        }
    }
    for (labels, value) in want {
        problems.push(format!(
            "series missing from the TSDB: {labels:?} = {value:?}"
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "Prometheus' OpenMetrics parser read other series:\n{}",
            problems.join("\n")
        ))
    }
}
