//! Helpers shared by the workspace tests: the external validators (tools we
//! did not write) and loopback ports.
//!
//! A test that needs an external tool calls [`require_tool`]: when the tool is
//! missing it panics under `CI=true` (a missing tool is a failure there) and
//! otherwise prints why it skips and returns `None`. `scripts/test` installs
//! every tool, so the README's test command never skips.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Whether we run in CI, where a missing external tool is a failure.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    })
}

/// Finds an external tool: `$env_var` if set, then `candidates` (paths
/// relative to the workspace root or names on `PATH`). Missing: panics in CI,
/// otherwise prints a skip line and returns `None`.
pub fn require_tool(what: &str, env_var: &str, candidates: &[&str]) -> Option<PathBuf> {
    let found = std::env::var_os(env_var)
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .or_else(|| {
            candidates.iter().find_map(|c| {
                let local = workspace_root().join(c);
                if local.is_file() {
                    Some(local)
                } else {
                    find_on_path(c)
                }
            })
        });
    if found.is_none() {
        let msg =
            format!("{what} not found (set {env_var} or run scripts/test, which installs it)");
        if in_ci() {
            panic!("{msg}: a missing external tool is a failure in CI");
        }
        eprintln!("SKIPPED: {msg}");
    }
    found
}

/// `promtool`, from Debian's `prometheus` package.
pub fn promtool() -> Option<PathBuf> {
    require_tool("promtool", "PROMTOOL", &["promtool"])
}

/// The Python interpreter of the venv that has the `prometheus-client` package.
pub fn python_with_prometheus_client() -> Option<PathBuf> {
    require_tool(
        "a Python with the prometheus-client package",
        "METRICS_PYTHON",
        &[".venv/bin/python"],
    )
}

fn run_with_stdin(program: &Path, args: &[&str], stdin: &str) -> (bool, String) {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(stdin.as_bytes())
        .expect("write to validator");
    let out = child.wait_with_output().expect("validator finished");
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// Runs `promtool check metrics` (parser plus promlint) on a text-format
/// exposition. `Ok(None)` when promtool is missing outside CI.
pub fn promtool_check_metrics(exposition: &str) -> Result<Option<()>, String> {
    let Some(promtool) = promtool() else {
        return Ok(None);
    };
    let (ok, output) = run_with_stdin(&promtool, &["check", "metrics"], exposition);
    if ok && output.trim().is_empty() {
        Ok(Some(()))
    } else {
        Err(format!(
            "promtool check metrics failed:\n{output}\n--- input ---\n{exposition}"
        ))
    }
}

const PARSE_OPENMETRICS: &str = r#"
import json, math, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
def num(v):
    return v if math.isfinite(v) else str(v)
out = []
for f in text_string_to_metric_families(sys.stdin.read()):
    out.append({"name": f.name, "type": f.type, "unit": f.unit, "help": f.documentation,
                "samples": [[s.name, s.labels, num(s.value)] for s in f.samples]})
print(json.dumps(out))
"#;

/// Parses an OpenMetrics exposition with the strict parser of Python's
/// `prometheus-client` and returns its reading as JSON (families with name,
/// type, unit, help and samples). `Ok(None)` when the tool is missing outside CI.
pub fn python_parse_openmetrics(exposition: &str) -> Result<Option<String>, String> {
    let Some(python) = python_with_prometheus_client() else {
        return Ok(None);
    };
    let (ok, output) = run_with_stdin(&python, &["-c", PARSE_OPENMETRICS], exposition);
    if ok {
        Ok(Some(output))
    } else {
        Err(format!(
            "the OpenMetrics parser rejected the exposition:\n{output}\n--- input ---\n{exposition}"
        ))
    }
}

/// A free TCP port on 127.0.0.1 (bind to port 0, read it, release it).
pub fn free_loopback_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}
