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

/// Decodes a Grafana dashboard (JSON on stdin) with Grafana's foundation
/// SDK, as Grafana's own types: every panel's options by its panel type,
/// every target as a Prometheus query. Prints what it decoded, one line per
/// panel (`type id x y w h` then each target's expression), and exits
/// non-zero on anything the SDK cannot decode or that lacks what an import
/// needs.
const GRAFANA_SDK_CHECK: &str = r#"
import json, sys
from grafana_foundation_sdk.cog import plugins
from grafana_foundation_sdk.models import dashboard, prometheus, timeseries, heatmap, stat
plugins.register_default_plugins()
raw = json.load(sys.stdin)
dash = dashboard.Dashboard.from_json(raw)
assert dash.schema_version == raw["schemaVersion"], "schemaVersion"
variables = dash.templating.list_val
assert any(v.type_val == "datasource" and v.name == "datasource" for v in variables), "datasource variable"
options = {"timeseries": timeseries.Options, "heatmap": heatmap.Options, "stat": stat.Options}
for panel in dash.panels:
    g = panel.grid_pos
    if isinstance(panel, dashboard.RowPanel):
        print("row", panel.id_val, g.x, g.y, g.w, g.h)
        continue
    assert isinstance(panel.options, options[panel.type_val]), (panel.type_val, type(panel.options))
    assert panel.datasource.uid == "${datasource}", panel.datasource
    print(panel.type_val, panel.id_val, g.x, g.y, g.w, g.h)
    for target in panel.targets:
        assert isinstance(target, prometheus.Dataquery), type(target)
        source = target.datasource
        uid = source.uid if hasattr(source, "uid") else source["uid"]
        assert uid == "${datasource}", source
        print("  " + target.expr)
"#;

/// Decodes `dashboard` with Grafana's foundation SDK (see the script
/// above): `Ok(Some(listing))`, `Err(output)` if it is refused, `Ok(None)`
/// when the SDK is missing outside CI.
pub fn grafana_sdk_decode(dashboard: &str) -> Result<Option<String>, String> {
    let Some(python) = require_tool(
        "a Python with Grafana's foundation SDK",
        "METRICS_PYTHON",
        &[".venv/bin/python"],
    ) else {
        return Ok(None);
    };
    let (has_sdk, _) = run_with_stdin(&python, &["-c", "import grafana_foundation_sdk"], "");
    if !has_sdk {
        let msg = "grafana-foundation-sdk is not installed in the METRICS_PYTHON venv (run scripts/test, which installs it)";
        if in_ci() {
            panic!("{msg}: a missing external tool is a failure in CI");
        }
        eprintln!("SKIPPED: {msg}");
        return Ok(None);
    }
    let (ok, output) = run_with_stdin(&python, &["-c", GRAFANA_SDK_CHECK], dashboard);
    if ok {
        Ok(Some(output))
    } else {
        Err(output)
    }
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

// --- serving tests -------------------------------------------------------------

/// The Prometheus server, from Debian's `prometheus` package.
pub fn prometheus_server() -> Option<PathBuf> {
    require_tool(
        "the prometheus server",
        "PROMETHEUS",
        &["prometheus", "/usr/bin/prometheus"],
    )
}

/// The Pushgateway, from Debian's `prometheus-pushgateway` package.
pub fn pushgateway() -> Option<PathBuf> {
    require_tool(
        "the Prometheus Pushgateway",
        "PUSHGATEWAY",
        &["prometheus-pushgateway", "/usr/bin/prometheus-pushgateway"],
    )
}

/// A temporary directory, removed on drop.
#[derive(Debug)]
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// A new empty directory under the system's temporary directory, its
    /// name starting with `prefix`.
    pub fn new(prefix: &str) -> Self {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!("{prefix}-{}-{n}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Starts the Prometheus server `bin` with `config` (written to
/// `<dir>/prometheus.yml`), its storage in `<dir>/data`, listening on
/// `addr`, with `extra` flags, logging warnings to `<dir>/<log>`. It is
/// killed when the returned guard is dropped.
pub fn spawn_prometheus(
    bin: &Path,
    dir: &Path,
    config: &str,
    addr: std::net::SocketAddr,
    extra: &[&str],
    log: &str,
) -> ChildGuard {
    let config_path = dir.join("prometheus.yml");
    std::fs::write(&config_path, config).expect("write prometheus.yml");
    let log = std::fs::File::create(dir.join(log)).expect("create the log");
    let child = Command::new(bin)
        .arg(format!("--config.file={}", config_path.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("data").display()
        ))
        .arg(format!("--web.listen-address={addr}"))
        .args(extra)
        .arg("--log.level=warn")
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("the log, twice"))
        .stderr(log)
        .spawn()
        .expect("prometheus started");
    ChildGuard::new(child, "prometheus")
}

/// Sets a flag on drop, so a background thread (a traffic generator) stops
/// even when the test fails.
#[derive(Debug)]
pub struct StopOnDrop(pub std::sync::Arc<std::sync::atomic::AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Percent-encodes a query parameter (a PromQL expression) for a URL.
pub fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A child process that is killed (and reaped) when the guard is dropped,
/// so a failing test never leaves a server behind.
#[derive(Debug)]
pub struct ChildGuard {
    child: std::process::Child,
    what: String,
}

impl ChildGuard {
    /// Takes ownership of `child`, described as `what` in messages.
    pub fn new(child: std::process::Child, what: impl Into<String>) -> Self {
        ChildGuard {
            child,
            what: what.into(),
        }
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Panics if the process has exited (a server that died on startup).
    pub fn assert_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!("{} exited early: {status}", self.what);
        }
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Calls `f` every `every` until it returns `Some`, for at most `timeout`.
pub fn poll_until<T>(
    timeout: std::time::Duration,
    every: std::time::Duration,
    mut f: impl FnMut() -> Option<T>,
) -> Option<T> {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if std::time::Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(every);
    }
}

/// A response read by [`http_request`]: status, headers (names lowercased,
/// in order) and the raw body.
#[derive(Clone, Debug)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Header lines, names lowercased.
    pub headers: Vec<(String, String)>,
    /// The body bytes, as sent (not decompressed).
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as UTF-8 text (panics if it is not).
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("a UTF-8 body")
    }
}

/// One HTTP/1.1 request over a fresh connection (`Connection: close`), with a
/// 10 s timeout on every read and write. A dependency-free client, so the
/// tests of every adapter talk to servers the same way. The body is read by
/// `Content-Length`, as chunks, or to the end of the stream.
pub fn http_request(
    addr: std::net::SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
) -> std::io::Result<HttpResponse> {
    use std::io::{BufRead, BufReader, Read};
    let timeout = Some(std::time::Duration::from_secs(10));
    let mut stream =
        std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_secs(10))?;
    stream.set_read_timeout(timeout)?;
    stream.set_write_timeout(timeout)?;
    let mut request =
        format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes())?;

    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad(&format!("bad status line {line:?}")))?;
    let mut response_headers = Vec::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Err(bad("connection closed in the response head"));
        }
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            break;
        }
        let (name, value) = trimmed
            .split_once(':')
            .ok_or_else(|| bad(&format!("bad header line {trimmed:?}")))?;
        response_headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let find = |name: &str| {
        response_headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let mut body = Vec::new();
    if method == "HEAD" || status == 204 || status == 304 || (100..200).contains(&status) {
        // No body, whatever Content-Length says.
    } else if find("transfer-encoding").is_some_and(|te| te.eq_ignore_ascii_case("chunked")) {
        loop {
            line.clear();
            reader.read_line(&mut line)?;
            let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
                .map_err(|_| bad(&format!("bad chunk size {line:?}")))?;
            if size == 0 {
                break;
            }
            let start = body.len();
            body.resize(start + size, 0);
            reader.read_exact(&mut body[start..])?;
            line.clear();
            reader.read_line(&mut line)?;
        }
    } else if let Some(len) = find("content-length") {
        let len: usize = len.parse().map_err(|_| bad("bad content-length"))?;
        body.resize(len, 0);
        reader.read_exact(&mut body)?;
    } else {
        reader.read_to_end(&mut body)?;
    }
    Ok(HttpResponse {
        status,
        headers: response_headers,
        body,
    })
}

/// `GET target` with the given headers; panics on a transport error.
pub fn http_get(
    addr: std::net::SocketAddr,
    target: &str,
    headers: &[(&str, &str)],
) -> HttpResponse {
    http_request(addr, "GET", target, headers)
        .unwrap_or_else(|e| panic!("GET http://{addr}{target}: {e}"))
}

/// The `Accept` header Prometheus sends when scraping.
pub const PROMETHEUS_ACCEPT: &str = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

/// The value of `name{function="…",module="…"<extra>}` in a text exposition:
/// the series `#[instrument_latency]` records for one function.
pub fn function_series(
    text: &str,
    name: &str,
    module: &str,
    function: &str,
    extra: &str,
) -> Option<f64> {
    let prefix = format!("{name}{{function=\"{function}\",module=\"{module}\"{extra}}} ");
    text.lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .map(|v| v.parse().expect("a number"))
}

/// Asserts, in the default registry, how many calls of `module::function`
/// ended in each outcome (ok, error, panic, cancelled), that the duration
/// histogram counted each of them (`_count` and the `+Inf` bucket), and that
/// none is still in flight.
#[track_caller]
pub fn assert_function_calls(module: &str, function: &str, outcomes: [u64; 4]) {
    let text = promstrict::default_registry().encode(promstrict::Format::Prometheus);
    let series = |name: &str, extra: &str| function_series(&text, name, module, function, extra);
    let got = ["ok", "error", "panic", "cancelled"].map(|outcome| {
        series("function_calls_total", &format!(",outcome=\"{outcome}\""))
            .unwrap_or_else(|| panic!("no {outcome} series for {function} in\n{text}"))
            as u64
    });
    assert_eq!(got, outcomes, "ok, error, panic, cancelled of {function}");
    let count = series("function_duration_seconds_count", "").unwrap();
    assert_eq!(
        count as u64,
        outcomes.iter().sum::<u64>(),
        "histogram count of {function}"
    );
    let inf = series("function_duration_seconds_bucket", ",le=\"+Inf\"").unwrap();
    assert_eq!(inf, count, "+Inf bucket of {function}");
    let in_flight = series("function_calls_in_flight", "").unwrap_or(0.0);
    assert_eq!(in_flight, 0.0, "in flight of {function}");
}

/// The README's Rust examples, compiled and run as doctests.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
