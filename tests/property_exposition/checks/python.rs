//! Check 1: Python's strict OpenMetrics parser, one process for a batch of cases.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::build::{normalize_le, same_f64, Fam, Labels, Val};

/// Reads `case-<i>.om` for `i` in `0..n` from the directory `argv[1]` and
/// prints one JSON line per case: the families, or the parser's error.
/// Values are tagged so that nothing is lost in JSON: integers as decimal
/// strings, floats as their IEEE 754 bits.
const PYTHON_BATCH: &str = r#"
import json, struct, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
def val(v):
    if isinstance(v, int):
        return ["i", str(v)]
    return ["f", str(struct.unpack("<Q", struct.pack("<d", v))[0])]
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    with open(f"{d}/case-{i}.om", "rb") as f:
        text = f.read().decode("utf-8")
    try:
        out = {"ok": [{"name": f.name, "type": f.type, "unit": f.unit, "help": f.documentation,
                       "samples": [[s.name, list(s.labels.items()), val(s.value)] for s in f.samples]}
                      for f in text_string_to_metric_families(text)]}
    except Exception as e:
        out = {"error": f"{type(e).__name__}: {e}"}
    print(json.dumps(out), flush=True)
"#;

pub(crate) fn spawn_python(python: &Path, dir: &Path, n: usize) -> std::process::Child {
    Command::new(python)
        .args(["-c", PYTHON_BATCH])
        .arg(dir)
        .arg(n.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()))
}

pub(crate) fn python_lines(child: std::process::Child, n: usize) -> Vec<String> {
    let out = child.wait_with_output().expect("python finished");
    let stdout = String::from_utf8(out.stdout).expect("UTF-8 from python");
    let lines: Vec<String> = stdout.lines().map(str::to_owned).collect();
    assert!(
        out.status.success() && lines.len() == n,
        "the Python batch failed ({} of {n} cases read):\n{}",
        lines.len(),
        String::from_utf8_lossy(&out.stderr)
    );
    lines
}

/// Compares the Python parser's reading of one case with the model.
pub(crate) fn compare_python(line: &str, expected: &[Fam]) -> Result<(), String> {
    let json: serde_json::Value =
        serde_json::from_str(line).map_err(|e| format!("bad JSON {e}: {line}"))?;
    if let Some(error) = json.get("error") {
        return Err(format!(
            "the strict OpenMetrics parser rejected the text: {}",
            error.as_str().unwrap_or("?")
        ));
    }
    let families = json["ok"].as_array().ok_or("no families")?;
    let header = |name: &str, typ: &str, unit: &str, help: &str| {
        format!("{name:?} {typ} unit={unit:?} help={help:?}")
    };
    let got_headers: Vec<String> = families
        .iter()
        .map(|f| {
            header(
                f["name"].as_str().unwrap_or("?"),
                f["type"].as_str().unwrap_or("?"),
                f["unit"].as_str().unwrap_or("?"),
                f["help"].as_str().unwrap_or("?"),
            )
        })
        .collect();
    // A quirk of this parser, not of the text: it splits `# HELP name text`
    // on runs of spaces, so the spaces a help text starts with are lost
    // (`# HELP name   x` is the only spelling of the help `  x`: OpenMetrics
    // has no escape for a space).
    let want_headers: Vec<String> = expected
        .iter()
        .map(|f| header(&f.name, f.typ, &f.unit, f.help.trim_start_matches(' ')))
        .collect();
    if got_headers != want_headers {
        return Err(format!(
            "families differ:\n  read:     {got_headers:#?}\n  expected: {want_headers:#?}"
        ));
    }
    let mut problems = Vec::new();
    for (f, want) in families.iter().zip(expected) {
        let mut got: BTreeMap<(String, Labels), (String, String)> = BTreeMap::new();
        for s in f["samples"].as_array().ok_or("no samples")? {
            let name = s[0].as_str().unwrap_or("?").to_owned();
            let mut labels: Labels = s[1]
                .as_array()
                .ok_or("no labels")?
                .iter()
                .map(|kv| {
                    (
                        kv[0].as_str().unwrap_or("?").to_owned(),
                        kv[1].as_str().unwrap_or("?").to_owned(),
                    )
                })
                .collect();
            normalize_le(&mut labels);
            let tag = s[2][0].as_str().unwrap_or("?").to_owned();
            let value = s[2][1].as_str().unwrap_or("?").to_owned();
            if got
                .insert((name.clone(), labels.clone()), (tag, value))
                .is_some()
            {
                problems.push(format!("sample read twice: {name} {labels:?}"));
            }
        }
        for (name, labels, value) in &want.samples {
            let mut labels = labels.clone();
            normalize_le(&mut labels);
            let Some((tag, text)) = got.remove(&(name.clone(), labels.clone())) else {
                problems.push(format!(
                    "missing sample {name} {labels:?} (expected {value:?})"
                ));
                continue;
            };
            let ok = match (*value, tag.as_str()) {
                (Val::Int(v), "i") => text == v.to_string(),
                (Val::Float(v), "f") => text
                    .parse::<u64>()
                    .is_ok_and(|bits| same_f64(f64::from_bits(bits), v)),
                _ => false,
            };
            if !ok {
                let read = match tag.as_str() {
                    "f" => format!("float {:?}", text.parse::<u64>().map(f64::from_bits)),
                    _ => format!("int {text}"),
                };
                problems.push(format!(
                    "{name} {labels:?}: expected {value:?}, read {read}"
                ));
            }
        }
        for ((name, labels), value) in got {
            problems.push(format!("unexpected sample {name} {labels:?} = {value:?}"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}
