//! The process collector against the kernel's own account of a process.
//!
//! The test binary runs itself again as a child (`PROMSTRICT_PROCESS_CHILD`
//! set): the child registers the collector, burns some CPU, touches some
//! memory, opens files and starts threads, prints its exposition and then
//! waits, unchanged, for a line on stdin. Meanwhile this process reads
//! `/proc/<child>/{stat,status,limits,fd}` itself and compares. Every wait
//! is bounded, and the child is killed whatever happens.
//!
//! Linux only: elsewhere the collector registers nothing, which the last
//! test checks.
#![cfg_attr(not(target_os = "linux"), allow(dead_code, unused_imports))]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use promstrict_core::{register_process_metrics, Format, Registry};

const CHILD_ENV: &str = "PROMSTRICT_PROCESS_CHILD";
const BEGIN: &str = "--- process collector exposition ---";
const END: &str = "--- end of exposition ---";
/// This file's test that plays the child when `CHILD_ENV` is set.
const CHILD_TEST: &str = "collector_matches_proc_of_a_child";

const FAMILIES: [(&str, &str); 8] = [
    ("process_cpu_seconds_total", "counter"),
    ("process_resident_memory_bytes", "gauge"),
    ("process_virtual_memory_bytes", "gauge"),
    ("process_virtual_memory_max_bytes", "gauge"),
    ("process_open_fds", "gauge"),
    ("process_max_fds", "gauge"),
    ("process_start_time_seconds", "gauge"),
    ("process_threads", "gauge"),
];

// ---------------------------------------------------------------- the child

const CHILD_FILES: usize = 5;
const CHILD_THREADS: usize = 3;
const CHILD_MEMORY: usize = 32 << 20;

/// What the child does: gets into a known state, prints the exposition, and
/// holds that state until the parent writes a line (or closes stdin).
fn run_child() {
    // A watchdog, in case the parent neither writes nor goes away.
    thread::spawn(|| {
        thread::sleep(Duration::from_secs(120));
        eprintln!("child: no word from the parent in 120 s, exiting");
        std::process::exit(3);
    });

    let registry = Registry::new();
    register_process_metrics(&registry).expect("register the process collector");

    // CPU: ~300 ms of arithmetic the optimiser cannot drop.
    let burn_until = Instant::now() + Duration::from_millis(300);
    let mut x = 1u64;
    while Instant::now() < burn_until {
        for _ in 0..10_000 {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
        }
    }
    // Memory: 32 MiB, every page touched, so the resident set is well above
    // its noise.
    let mut memory = vec![0u8; CHILD_MEMORY];
    for page in memory.chunks_mut(4096) {
        page[0] = x as u8 | 1;
    }
    std::hint::black_box(&memory);
    // Files held open.
    let files: Vec<std::fs::File> = (0..CHILD_FILES)
        .map(|_| std::fs::File::open("/dev/null").expect("open /dev/null"))
        .collect();
    // Threads blocked until released.
    let (release, released) = mpsc::channel::<()>();
    let released = std::sync::Arc::new(std::sync::Mutex::new(released));
    let (started_tx, started_rx) = mpsc::channel();
    let workers: Vec<_> = (0..CHILD_THREADS)
        .map(|_| {
            let released = std::sync::Arc::clone(&released);
            let started = started_tx.clone();
            thread::spawn(move || {
                started.send(()).unwrap();
                let _ = released.lock().unwrap().recv();
            })
        })
        .collect();
    for _ in 0..CHILD_THREADS {
        started_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("worker thread started");
    }

    let exposition = registry.encode(Format::Prometheus);
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{BEGIN}\n{exposition}{END}").unwrap();
        out.flush().unwrap();
    }
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);

    drop(release);
    for w in workers {
        w.join().unwrap();
    }
    drop(files);
    drop(memory);
}

// --------------------------------------------------------------- the parent

/// Kills and reaps the child when dropped, so no failure leaves it behind.
struct ChildGuard(Option<Child>);

impl ChildGuard {
    fn pid(&self) -> u32 {
        self.0.as_ref().unwrap().id()
    }

    /// Releases the child and waits (bounded) for it to exit.
    fn finish(mut self, timeout: Duration) -> ExitStatus {
        let mut child = self.0.take().unwrap();
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(b"done\n");
        }
        match wait_timeout(&mut child, timeout) {
            Some(status) => status,
            None => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the child did not exit within {timeout:?} of its release");
            }
        }
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn wait_timeout(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().expect("poll the child") {
            return Some(status);
        }
        if Instant::now() >= deadline {
            return None;
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// Reads the child's stdout on a thread and returns the exposition between
/// the markers, or `None` if it does not come within `timeout`.
fn read_exposition(child: &mut Child, timeout: Duration) -> Option<String> {
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        // Reads to the end even once nobody listens, so that what libtest
        // prints after the exposition does not meet a closed pipe.
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + timeout;
    let mut inside = false;
    let mut text = String::new();
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        let line = rx.recv_timeout(left).ok()?;
        // libtest may have written `test … ... ` on the same line.
        if line.ends_with(BEGIN) {
            inside = true;
        } else if line == END && inside {
            return Some(text);
        } else if inside {
            text.push_str(&line);
            text.push('\n');
        }
    }
}

/// The samples of a text-format exposition, by name (no labels here).
fn samples(exposition: &str) -> BTreeMap<String, f64> {
    exposition
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (name, value) = l
                .split_once(' ')
                .unwrap_or_else(|| panic!("sample line {l:?}"));
            let value = value
                .trim()
                .parse::<f64>()
                .unwrap_or_else(|e| panic!("value of {l:?}: {e}"));
            (name.to_owned(), value)
        })
        .collect()
}

fn read_proc(pid: u32, file: &str) -> String {
    let path = format!("/proc/{pid}/{file}");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

/// `/proc/<pid>/stat`'s fields from the state on (field 3 of proc(5) at
/// index 0), past the command name, which may hold spaces and parentheses.
fn stat_fields(pid: u32) -> Vec<u64> {
    let stat = read_proc(pid, "stat");
    let after = &stat[stat.rfind(')').expect("comm in stat") + 1..];
    after
        .split_whitespace()
        .skip(1) // the state letter
        .map(|f| f.parse::<i64>().map(|v| v as u64).unwrap_or(0))
        .collect()
}

/// Field `n` of proc(5) (1-based) from [`stat_fields`].
fn stat_field(fields: &[u64], n: usize) -> u64 {
    fields[n - 4]
}

fn status_value(status: &str, key: &str) -> u64 {
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{key} in status:\n{status}"))
}

/// A soft limit of `/proc/<pid>/limits`; `unlimited` is reported as u64::MAX.
fn soft_limit(limits: &str, name: &str) -> f64 {
    let line = limits
        .lines()
        .find(|l| l.starts_with(name))
        .unwrap_or_else(|| panic!("{name} in limits:\n{limits}"));
    match line[name.len()..].split_whitespace().next() {
        Some("unlimited") => u64::MAX as f64,
        Some(v) => v.parse::<u64>().expect("a number") as f64,
        None => panic!("no soft limit in {line:?}"),
    }
}

fn getconf(name: &str) -> u64 {
    let out = Command::new("getconf")
        .arg(name)
        .output()
        .unwrap_or_else(|e| panic!("run getconf {name}: {e}"));
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or_else(|e| panic!("getconf {name}: {e}"))
}

fn boot_time() -> u64 {
    let stat = std::fs::read_to_string("/proc/stat").expect("read /proc/stat");
    status_value(&stat, "btime ")
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// `promtool check metrics` on `exposition`: skipped (with a line saying
/// so) when promtool is missing, a failure when it is missing under CI=true.
fn promtool_check(exposition: &str) {
    let found = std::env::var_os("PROMTOOL")
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .or_else(|| {
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
                .map(|d| d.join("promtool"))
                .find(|p| p.is_file())
        });
    let Some(promtool) = found else {
        assert!(
            !in_ci(),
            "promtool not found (set PROMTOOL): a failure in CI"
        );
        eprintln!("SKIPPED: promtool check metrics (promtool not found; set PROMTOOL)");
        return;
    };
    let mut child = ChildGuard(Some(
        Command::new(&promtool)
            .args(["check", "metrics"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("run {}: {e}", promtool.display())),
    ));
    let proc = child.0.as_mut().unwrap();
    proc.stdin
        .take()
        .unwrap()
        .write_all(exposition.as_bytes())
        .expect("write to promtool");
    let mut out = proc.stdout.take().unwrap();
    let mut err = proc.stderr.take().unwrap();
    let status = wait_timeout(proc, Duration::from_secs(30)).expect("promtool within 30 s");
    let mut output = String::new();
    out.read_to_string(&mut output).unwrap();
    err.read_to_string(&mut output).unwrap();
    assert!(
        status.success() && output.trim().is_empty(),
        "promtool check metrics:\n{output}\n--- input ---\n{exposition}"
    );
}

#[test]
#[cfg(target_os = "linux")]
fn collector_matches_proc_of_a_child() {
    if std::env::var_os(CHILD_ENV).is_some() {
        run_child();
        return;
    }

    let exe = std::env::current_exe().expect("the test binary");
    let spawned_at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let mut guard = ChildGuard(Some(
        Command::new(exe)
            .args([CHILD_TEST, "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the child"),
    ));
    let pid = guard.pid();
    let exposition = read_exposition(guard.0.as_mut().unwrap(), Duration::from_secs(60))
        .expect("the child's exposition within 60 s");

    // The child is now waiting, in the state it reported: read its /proc.
    let stat = stat_fields(pid);
    let status = read_proc(pid, "status");
    let limits = read_proc(pid, "limits");
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("list the child's fds")
        .count() as f64;
    let ticks = getconf("CLK_TCK") as f64;

    let exit = guard.finish(Duration::from_secs(30));
    assert!(exit.success(), "the child failed: {exit}");

    for (name, kind) in FAMILIES {
        assert!(
            exposition.contains(&format!("# TYPE {name} {kind}\n")),
            "{name} ({kind}) missing:\n{exposition}"
        );
    }
    let got = samples(&exposition);
    let value = |name: &str| -> f64 {
        *got.get(name)
            .unwrap_or_else(|| panic!("no sample {name}:\n{exposition}"))
    };

    // CPU: the kernel's ticks, read after the scrape, so a little more.
    let cpu = (stat_field(&stat, 14) + stat_field(&stat, 15)) as f64 / ticks;
    let cpu_diff = cpu - value("process_cpu_seconds_total");
    let cpu_slack = 1.0 / ticks + 0.05;
    assert!(
        (-1.0 / ticks..=cpu_slack).contains(&cpu_diff),
        "cpu: collector {} s, /proc {cpu} s",
        value("process_cpu_seconds_total")
    );
    assert!(
        cpu >= 0.05,
        "the child burned ~300 ms of CPU, /proc says {cpu} s"
    );

    // Memory: VmRSS of status, within 10 %; vsize of stat, within 10 %.
    let rss = (status_value(&status, "VmRSS:") * 1024) as f64;
    let rss_got = value("process_resident_memory_bytes");
    let rss_ratio = rss_got / rss;
    assert!(
        (0.9..=1.1).contains(&rss_ratio),
        "rss: collector {rss_got}, /proc {rss}"
    );
    assert!(
        rss_got >= CHILD_MEMORY as f64,
        "rss {rss_got} below the touched 32 MiB"
    );
    let vsize = stat_field(&stat, 23) as f64;
    let vsize_ratio = value("process_virtual_memory_bytes") / vsize;
    assert!(
        (0.9..=1.1).contains(&vsize_ratio),
        "vsize: collector {}, /proc {vsize}",
        value("process_virtual_memory_bytes")
    );

    // Counts and limits: exact.
    let threads = status_value(&status, "Threads:") as f64;
    assert_eq!(value("process_threads"), threads, "threads");
    assert!(threads >= (CHILD_THREADS + 1) as f64);
    assert_eq!(value("process_open_fds"), fds, "open fds");
    assert!(fds >= (CHILD_FILES + 3) as f64);
    let max_fds = soft_limit(&limits, "Max open files");
    assert_eq!(value("process_max_fds"), max_fds, "max fds");
    let max_vm = soft_limit(&limits, "Max address space");
    assert_eq!(value("process_virtual_memory_max_bytes"), max_vm, "max vm");

    // Start time: boot time plus starttime ticks, within a second; and a
    // Unix time near the spawn (a loose check that it is not in ticks).
    let start = boot_time() as f64 + stat_field(&stat, 22) as f64 / ticks;
    let start_got = value("process_start_time_seconds");
    assert!(
        (start_got - start).abs() <= 1.0,
        "start: collector {start_got}, /proc {start}"
    );
    assert!(
        (start_got - spawned_at).abs() <= 5.0,
        "start: collector {start_got}, spawned at {spawned_at}"
    );

    eprintln!(
        "process collector vs /proc/{pid}: cpu {:+.4} s (tick {:.3} s), rss ratio {rss_ratio:.4}, \
         vsize ratio {vsize_ratio:.4}, threads {threads} (exact), fds {fds} (exact), \
         start {:+.3} s (vs spawn {:+.3} s), max fds {max_fds}, max vm {max_vm:e}",
        cpu_diff,
        1.0 / ticks,
        start_got - start,
        start_got - spawned_at,
    );

    promtool_check(&exposition);
}

/// All or nothing: a name already taken refuses the whole collector.
#[test]
fn a_taken_name_refuses_the_whole_collector() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return;
    }
    let registry = Registry::new();
    registry
        .register(
            "process_threads",
            "Someone else's.",
            promstrict_core::Gauge::new(),
        )
        .unwrap();
    let result = register_process_metrics(&registry);
    let text = registry.encode(Format::Prometheus);
    if cfg!(target_os = "linux") {
        assert!(result.is_err(), "process_threads is taken");
        assert!(text.contains("Someone else's."), "{text}");
    } else {
        assert!(result.is_ok(), "nothing is registered outside Linux");
    }
    for (name, _) in FAMILIES.iter().filter(|(n, _)| *n != "process_threads") {
        assert!(!text.contains(name), "{name} registered:\n{text}");
    }

    // On a fresh registry it registers, once.
    let registry = Registry::new();
    register_process_metrics(&registry).expect("first registration");
    assert_eq!(
        register_process_metrics(&registry).is_err(),
        cfg!(target_os = "linux"),
        "a second collector clashes"
    );
}
