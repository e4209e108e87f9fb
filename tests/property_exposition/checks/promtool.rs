//! Check 2: `promtool check metrics` on the text format, and running promtool.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

pub(crate) fn run(
    program: &Path,
    args: &[&std::ffi::OsStr],
    stdin: Option<&str>,
) -> (bool, String, String) {
    let mut child = Command::new(program)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(text.as_bytes())
            .expect("write stdin");
    }
    let out = child.wait_with_output().expect("promtool finished");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `promtool check metrics` on the text format: the parser and promlint, with
/// nothing to say.
pub(crate) fn check_promtool_metrics(promtool: &Path, prometheus: &str) -> Result<(), String> {
    let (ok, stdout, stderr) = run(
        promtool,
        &["check".as_ref(), "metrics".as_ref()],
        Some(prometheus),
    );
    if ok && stdout.trim().is_empty() && stderr.trim().is_empty() {
        Ok(())
    } else {
        Err(format!("promtool check metrics failed:\n{stdout}{stderr}"))
    }
}
