//! The quickstart in a real terminal: tmux runs it, `capture-pane` reads the
//! screen, `send-keys` types. Checks that the dashboard shows honest figures
//! for the worker scenario's run (60 tasks, every sixth failing), that the exporter
//! serves the same registry meanwhile, that it redraws on resize, and that
//! `q`, Esc and Ctrl-C (and a panic) give the terminal back: no alternate
//! screen, the shell visible again.
//!
//! Needs tmux (installed by `scripts/test`): without it these tests print a
//! skip line, except under `CI=true` where that is a failure.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use promstrict::sampler::SnapshotValue;
use promstrict::scrape::{HttpUrl, ScrapeTarget};

/// Every wait is bounded by this.
const WAIT: Duration = Duration::from_secs(60);

fn tmux_binary() -> Option<PathBuf> {
    metrics_toolkit::require_tool("tmux", "TMUX_BIN", &["tmux"])
}

/// Builds the quickstart (a no-op when fresh) and returns its path, next to
/// this test binary's `deps/` directory.
fn quickstart() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| build(&["--example", "quickstart"], "examples/quickstart"))
}

/// Builds `target` (`["--example", "exporter"]`, `["-p", "promstrict-watch",
/// "--bin", "promwatch"]`) with every feature and returns the path of
/// `file` in this profile's directory.
fn build(args: &[&str], file: &str) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut build = Command::new(cargo);
    build
        .current_dir(metrics_toolkit::workspace_root())
        .arg("build")
        .args(args)
        .arg("--all-features");
    if !cfg!(debug_assertions) {
        build.arg("--release");
    }
    let status = build.status().expect("run cargo build");
    assert!(status.success(), "cargo build {args:?} failed");
    let exe = std::env::current_exe().unwrap();
    let binary = exe.parent().and_then(Path::parent).unwrap().join(file);
    assert!(binary.is_file(), "{} missing", binary.display());
    binary
}

/// A tmux server of our own (its own socket), killed when dropped so a
/// failing test leaves nothing behind.
struct Tmux {
    binary: PathBuf,
    socket: String,
}

impl Tmux {
    /// A detached 120×40 session running a bare shell.
    fn start(binary: PathBuf, name: &str) -> Tmux {
        let tmux = Tmux {
            binary,
            socket: format!("metrics-{name}-{}", std::process::id()),
        };
        let out = tmux.run(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-x",
            "120",
            "-y",
            "40",
            "-s",
            "main",
            "env PS1='$ ' TERM=xterm-256color bash --norc --noprofile",
        ]);
        assert!(out.status.success(), "tmux new-session: {out:?}");
        tmux.wait_for("the shell prompt", |screen| screen.contains('$'));
        tmux
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(&self.binary)
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run tmux")
    }

    fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "main"];
        args.extend_from_slice(keys);
        let out = self.run(&args);
        assert!(out.status.success(), "tmux send-keys: {out:?}");
    }

    /// Types a command line and presses Enter.
    fn type_line(&self, line: &str) {
        self.send(&["-l", line]);
        self.send(&["Enter"]);
    }

    fn screen(&self) -> String {
        let out = self.run(&["capture-pane", "-p", "-t", "main"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn alternate_on(&self) -> bool {
        let out = self.run(&["display-message", "-p", "-t", "main", "#{alternate_on}"]);
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    }

    fn resize(&self, width: u16, height: u16) {
        let (w, h) = (width.to_string(), height.to_string());
        let out = self.run(&["resize-window", "-t", "main", "-x", &w, "-y", &h]);
        assert!(out.status.success(), "tmux resize-window: {out:?}");
    }

    /// Polls the screen until `ready` holds; panics with the last screen
    /// after [`WAIT`].
    fn wait_for(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let screen = self.screen();
            if ready(&screen) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; the screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn wait_for_alternate(&self, on: bool) {
        let deadline = Instant::now() + WAIT;
        while self.alternate_on() != on {
            if Instant::now() > deadline {
                panic!("alternate screen still {}:\n{}", !on, self.screen());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        // tmux leaves its socket file behind when killed: remove it too.
        let socket = self.run(&["display-message", "-p", "#{socket_path}"]);
        let _ = self.run(&["kill-server"]);
        let path = String::from_utf8_lossy(&socket.stdout).trim().to_owned();
        if !path.is_empty() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// The words of a screen line, borders dropped.
fn words(line: &str) -> Vec<&str> {
    line.split(|c: char| c.is_whitespace() || c == '│')
        .filter(|w| !w.is_empty())
        .collect()
}

/// The first line containing `needle`.
fn line_with<'s>(screen: &'s str, needle: &str) -> &'s str {
    screen
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?}:\n{screen}"))
}

/// The raw total on a counter or histogram row (the first whole number
/// after the series name).
fn total_on(screen: &str, needle: &str) -> u64 {
    let line = line_with(screen, needle);
    let after = &line[line.find(needle).unwrap() + needle.len()..];
    words(after)
        .iter()
        .find_map(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("no total on {line:?}"))
}

#[test]
fn the_quickstart_shows_honest_figures_and_gives_the_terminal_back() {
    let Some(tmux_bin) = tmux_binary() else {
        return;
    };
    let binary = quickstart();
    let tmux = Tmux::start(tmux_bin, "quickstart");
    let port = metrics_toolkit::free_loopback_port();
    // 60 tasks, 3 workers, ~60 ms each: about 1.5 s of work.
    tmux.type_line(&format!(
        "METRICS_ADDR=127.0.0.1:{port} {} --tasks 60 --delay-ms 60 --workers 3; echo \"exit=$?\"",
        binary.display()
    ));
    tmux.wait_for("the dashboard", |s| s.contains("PROMETHEUS-STYLE METRICS"));
    assert!(
        tmux.alternate_on(),
        "the dashboard runs on the alternate screen"
    );

    // Resizing redraws at the new size, then back.
    tmux.resize(80, 24);
    // Redrawn for the new width: the header's border ends in column 80.
    let small = tmux.wait_for("the dashboard at 80×24", |s| {
        s.lines()
            .next()
            .is_some_and(|l| l.chars().count() == 80 && l.ends_with('┐'))
            && s.contains("Counters")
            && s.contains("Alerts")
    });
    assert_eq!(small.lines().count(), 24, "{small}");
    assert!(small.lines().all(|l| l.chars().count() <= 80), "{small}");
    tmux.resize(50, 12);
    tmux.wait_for("the too-small notice", |s| s.contains("terminal too small"));
    tmux.resize(120, 40);

    // Done: every task processed, every sixth (i % 6 == 0: 0, 6, …, 54) failed.
    let screen = tmux.wait_for("all 60 tasks", |s| {
        s.contains("✔ (10 - 60 / 60)") && s.contains("HighErrorRate") && s.contains("Counters")
    });
    assert!(screen.contains("all tasks processed"), "{screen}");
    assert!(screen.contains("failed - processed / total"), "{screen}");
    assert_eq!(total_on(&screen, "tasks_total"), 60, "{screen}");
    assert_eq!(total_on(&screen, "tasks_processed_total"), 60, "{screen}");
    assert_eq!(total_on(&screen, "tasks_failed_total"), 10, "{screen}");
    // `#[instrument_latency]`'s counters agree: 50 ok, 10 errors.
    assert_eq!(total_on(&screen, "outcome=\"ok\"}"), 50, "{screen}");
    assert_eq!(total_on(&screen, "outcome=\"error\"}"), 10, "{screen}");
    // The histogram saw every task; nothing is in progress any more.
    assert_eq!(total_on(&screen, "task_duration_seconds"), 60, "{screen}");
    assert_eq!(total_on(&screen, "tasks_in_progress"), 0, "{screen}");
    // Rates are derived and shown per second; uptime is there.
    assert!(
        line_with(&screen, "tasks_processed_total").contains("/s"),
        "{screen}"
    );
    assert!(line_with(&screen, "uptime").contains('s'), "{screen}");
    // 1 in 6 failed: the error-ratio rule fired while the tasks ran.
    let alerts = line_with(&screen, "HighErrorRate");
    assert!(
        alerts.contains("FIRING") || alerts.contains("ok"),
        "{screen}"
    );
    assert!(
        screen.contains(&format!("exporter: http://127.0.0.1:{port}/metrics")),
        "{screen}"
    );

    // Meanwhile the embedded exporter serves the same registry.
    let target = ScrapeTarget::new(&format!("http://127.0.0.1:{port}/metrics")).unwrap();
    let snapshot = target.scrape().expect("scrape the quickstart's exporter");
    let counter = |name: &str| match snapshot.find(name, &[]).map(|s| &s.value) {
        Some(SnapshotValue::Counter(v)) => *v,
        other => panic!("{name}: {other:?}"),
    };
    assert_eq!(counter("tasks_processed_total"), 60.0);
    assert_eq!(counter("tasks_failed_total"), 10.0);
    assert_eq!(counter("tasks_total"), 60.0);
    assert!(HttpUrl::parse(&format!("http://127.0.0.1:{port}/metrics")).is_ok());

    // `q` quits and restores the terminal: the shell is back with the
    // program's closing line.
    tmux.send(&["q"]);
    let shell = tmux.wait_for("the shell after q", |s| s.contains("exit=0"));
    tmux.wait_for_alternate(false);
    assert!(!shell.contains("PROMETHEUS-STYLE METRICS"), "{shell}");
    assert!(
        shell.contains("quickstart done: 60 of 60 tasks processed, 10 failed"),
        "{shell}"
    );
    // The shell still works (raw mode is off: Enter runs the line).
    tmux.type_line("echo still-$((40 + 2))");
    tmux.wait_for("the shell to answer", |s| s.contains("still-42"));
}

#[test]
fn esc_and_ctrl_c_quit_too() {
    let Some(tmux_bin) = tmux_binary() else {
        return;
    };
    let binary = quickstart();
    let tmux = Tmux::start(tmux_bin, "keys");
    for (round, key) in ["Escape", "C-c"].into_iter().enumerate() {
        // Plenty of slow tasks: the key arrives while the work goes on.
        tmux.type_line(&format!(
            "{} --no-exporter --tasks 1000 --delay-ms 200; echo \"round{round}=$?\"",
            binary.display()
        ));
        tmux.wait_for("the dashboard", |s| s.contains("PROMETHEUS-STYLE METRICS"));
        tmux.wait_for_alternate(true);
        tmux.send(&[key]);
        let marker = format!("round{round}=0");
        let shell = tmux.wait_for("the shell", |s| s.contains(&marker));
        tmux.wait_for_alternate(false);
        assert!(
            shell.contains("quickstart stopped early"),
            "{key}:\n{shell}"
        );
    }
}

#[test]
fn exit_when_done_quits_by_itself() {
    let Some(tmux_bin) = tmux_binary() else {
        return;
    };
    let binary = quickstart();
    let tmux = Tmux::start(tmux_bin, "exit");
    tmux.type_line(&format!(
        "QUICKSTART_EXIT_WHEN_DONE=1 {} --no-exporter --tasks 12 --delay-ms 20; echo \"exit=$?\"",
        binary.display()
    ));
    let shell = tmux.wait_for("the program to end", |s| s.contains("exit=0"));
    tmux.wait_for_alternate(false);
    assert!(
        shell.contains("quickstart done: 12 of 12 tasks processed, 2 failed"),
        "{shell}"
    );
}

/// Without a terminal the quickstart prints plain lines and ends with the
/// work, the last line carrying the final figures.
#[test]
fn piped_it_prints_lines_and_exits_when_done() {
    let binary = quickstart();
    let mut child = Command::new(binary)
        .args([
            "--no-exporter",
            "--tasks",
            "24",
            "--delay-ms",
            "40",
            "--workers",
            "2",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + WAIT;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the quickstart did not end without a terminal");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        !stdout.contains('\u{1b}'),
        "no escape sequences when piped:\n{stdout}"
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines.len() >= 2, "{stdout}");
    let last_status = lines[lines.len() - 2];
    assert!(last_status.contains("(4 - 24 / 24) done"), "{stdout}");
    assert!(
        lines[lines.len() - 1].starts_with("quickstart done: 24 of 24 tasks processed, 4 failed"),
        "{stdout}"
    );
}

/// `--watch URL` follows another process through its exporter, without a
/// terminal here: plain lines with the figures it scraped, and an end once
/// the watched process is gone (`--exit-when-done`).
#[test]
fn watch_mode_follows_another_process() {
    let binary = quickstart();
    let port = metrics_toolkit::free_loopback_port();
    let mut worker = Command::new(binary)
        .args(["--tasks", "30", "--delay-ms", "150", "--workers", "2"])
        .env("METRICS_ADDR", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}/metrics");
    // Wait for the exporter before watching it.
    let target = ScrapeTarget::new(&url).unwrap();
    let deadline = Instant::now() + WAIT;
    while target.scrape().is_err() {
        assert!(
            Instant::now() < deadline,
            "the worker's exporter never answered"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let watcher = Command::new(binary)
        .args(["--watch", &url, "--exit-when-done"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let output = wait_with_deadline(watcher);
    let _ = worker.kill();
    let _ = worker.wait();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let seen: Vec<(u64, u64)> = stdout
        .lines()
        .filter_map(|l| {
            let inner = l.split_once("] (")?.1.split_once(')')?.0;
            let (failed, rest) = inner.split_once(" - ")?;
            let (processed, total) = rest.split_once(" / ")?;
            assert_eq!(total, "30", "{l}");
            Some((failed.parse().ok()?, processed.parse().ok()?))
        })
        .collect();
    assert!(seen.iter().any(|(_, p)| *p > 0), "{stdout}");
    for (failed, processed) in &seen {
        // Task i fails when i % 6 == 0; tasks finish roughly in order.
        assert!(
            *failed <= processed.div_ceil(6) + 2 && *processed <= 30,
            "{stdout}"
        );
    }
    assert!(
        stdout.contains(&format!("stopped watching {url}")),
        "{stdout}"
    );
}

/// The installed terminal tool watches the quickstart until its batch is
/// done, and reads the exporter example's page once.
#[test]
fn promwatch_watches_the_quickstart_and_the_exporter_example() {
    let promwatch = build(
        &["-p", "promstrict-watch", "--bin", "promwatch"],
        "promwatch",
    );
    let port = metrics_toolkit::free_loopback_port();
    let mut worker = Command::new(quickstart())
        .args(["--tasks", "24", "--delay-ms", "100", "--workers", "2"])
        .env("METRICS_ADDR", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}/metrics");
    let target = ScrapeTarget::new(&url).unwrap();
    let deadline = Instant::now() + WAIT;
    while target.scrape().is_err() {
        assert!(Instant::now() < deadline, "the quickstart never served");
        std::thread::sleep(Duration::from_millis(20));
    }
    let watcher = Command::new(&promwatch)
        .args(["--exit-when-done", "--interval", "0.2", &url])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let output = wait_with_deadline(watcher);
    let _ = worker.kill();
    let _ = worker.wait();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let last = stdout.lines().last().unwrap_or_default();
    assert!(last.contains("/ 24) done"), "{stdout}");

    let exporter = build(&["--example", "exporter"], "examples/exporter");
    let port = metrics_toolkit::free_loopback_port();
    let mut server = Command::new(exporter)
        .env("METRICS_ADDR", format!("127.0.0.1:{port}"))
        .env("RUN_SECONDS", "30")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}/metrics");
    let deadline = Instant::now() + WAIT;
    let output = loop {
        let output = Command::new(&promwatch)
            .args(["--once", &url])
            .output()
            .unwrap();
        if output.status.success() || Instant::now() > deadline {
            break output;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let _ = server.kill();
    let _ = server.wait();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("worker_tasks_processed_total counter ")),
        "{stdout}"
    );
}

fn wait_with_deadline(mut child: std::process::Child) -> Output {
    let deadline = Instant::now() + WAIT;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the process did not end in {WAIT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

/// A panic on the dashboard's own thread: the hook restores the terminal
/// before the message prints, so the message is readable on the normal
/// screen and the shell is usable. A panic on another thread: the terminal
/// is restored for the message, then the dashboard takes the screen back.
#[test]
fn panics_give_the_terminal_back() {
    let Some(tmux_bin) = tmux_binary() else {
        return;
    };
    let tmux = Tmux::start(tmux_bin, "panic");
    let me = std::env::current_exe().unwrap();

    // A worker thread panics; the dashboard goes on, then `q`.
    tmux.type_line(&format!(
        "RUST_BACKTRACE=0 DASHBOARD_CHILD=worker-panic {} --ignored --exact child_dashboard --nocapture --test-threads 1; echo \"child=$?\"",
        me.display()
    ));
    tmux.wait_for("the child's dashboard", |s| s.contains("CHILD DASHBOARD"));
    tmux.wait_for_alternate(true);
    // After the worker's panic the dashboard is back on the alternate screen.
    tmux.wait_for("the worker panic to pass", |s| {
        s.contains("after_the_panic_total")
    });
    tmux.wait_for_alternate(true);
    tmux.send(&["q"]);
    let shell = tmux.wait_for("the shell", |s| s.contains("child=0"));
    tmux.wait_for_alternate(false);
    assert!(shell.contains("deliberate worker panic"), "{shell}");

    // The dashboard's own loop panics.
    tmux.type_line("clear");
    tmux.type_line(&format!(
        "RUST_BACKTRACE=0 DASHBOARD_CHILD=dashboard-panic {} --ignored --exact child_dashboard --nocapture --test-threads 1; echo \"child=$?\"",
        me.display()
    ));
    let shell = tmux.wait_for("the panicked child to end", |s| s.contains("child=101"));
    tmux.wait_for_alternate(false);
    assert!(shell.contains("deliberate dashboard panic"), "{shell}");
    assert!(!shell.contains("CHILD DASHBOARD"), "{shell}");
    tmux.type_line("echo alive-$((6 * 7))");
    tmux.wait_for("the shell to answer", |s| s.contains("alive-42"));
}

/// Run by `panics_give_the_terminal_back` inside tmux; does nothing
/// otherwise.
#[test]
#[ignore = "a child process of panics_give_the_terminal_back"]
fn child_dashboard() {
    use promstrict::dashboard::{Dashboard, DashboardConfig};
    use promstrict::{Counter, Registry};
    use std::sync::Arc;

    let Ok(mode) = std::env::var("DASHBOARD_CHILD") else {
        return;
    };
    let registry = Arc::new(Registry::new());
    let ticks = registry
        .register("ticks_total", "Ticks.", Counter::new())
        .unwrap();
    let config = DashboardConfig {
        title: "CHILD DASHBOARD".to_owned(),
        ..DashboardConfig::default()
    };
    let started = Instant::now();
    let mut panicked = false;
    let result = Dashboard::shared(Arc::clone(&registry), config).run_until(move |_| {
        ticks.inc();
        let elapsed = started.elapsed();
        if elapsed > Duration::from_millis(800) && !panicked {
            panicked = true;
            if mode == "dashboard-panic" {
                panic!("deliberate dashboard panic");
            }
            let _ = std::thread::spawn(|| panic!("deliberate worker panic")).join();
            // Shown once the dashboard has the screen again.
            let _ = registry.register("after_the_panic_total", "Marker.", Counter::new());
        }
        false
    });
    result.unwrap();
}
