//! The quickstart: a worker pool processes 60 tasks, every sixth one fails,
//! and a live terminal dashboard shows it, reading the same registry the
//! embedded exporter serves on `http://127.0.0.1:9464/metrics`.
//!
//! ```text
//! cargo run --example quickstart
//! cargo run --example quickstart -- --tasks 600 --delay-ms 50 --workers 8
//! cargo run --example quickstart -- --watch http://127.0.0.1:9464/metrics   # from another terminal
//! ```
//!
//! The workers only increment counters; the dashboard only reads them and
//! derives the rates (PromQL's `rate` and `irate`) from the totals it samples.
//! The spinner shows `(failed - processed / total)`. Press `q`, Esc or Ctrl-C
//! to quit. Without a terminal (piped, CI) it prints one line per second and
//! exits when the tasks are done.
//!
//! Options (each also read from the environment variable in brackets):
//!
//! | flag | default | |
//! |---|---|---|
//! | `--tasks N` (`QUICKSTART_TASKS`) | 60 | tasks to process |
//! | `--delay-ms MS` (`QUICKSTART_DELAY_MS`) | 300 | mean time a task takes (each takes 0.5–1.5×) |
//! | `--workers N` (`QUICKSTART_WORKERS`) | 2 | concurrent workers |
//! | `--exit-when-done` (`QUICKSTART_EXIT_WHEN_DONE=1`) | off | quit when the tasks are done instead of waiting for `q` |
//! | `--addr HOST:PORT` (`METRICS_ADDR`) | `127.0.0.1:9464` | where the exporter serves (`:0`: any free port) |
//! | `--no-exporter` | | do not serve `/metrics` |
//! | `--watch URL` | | no workers: watch another process's `/metrics` page |
//! | `--bearer-token T` (`METRICS_TOKEN`) | | sent when watching a protected exporter |

use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use promstrict::dashboard::{Dashboard, DashboardConfig, DashboardState, Exit};
use promstrict::scrape::ScrapeTarget;
use promstrict::{
    default_registry, instrument_latency, Counter, Exporter, Gauge, Histogram, Metrics,
};

/// The task pipeline's metrics: counters only go up, the gauge goes both ways.
#[derive(Metrics)]
pub struct TaskMetrics {
    /// Tasks submitted.
    pub tasks_total: Counter,
    /// Tasks finished, failed or not.
    pub tasks_processed_total: Counter,
    /// Tasks that failed.
    pub tasks_failed_total: Counter,
    /// How long a task took.
    #[metric(buckets = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.0, 5.0])]
    pub task_duration_seconds: Histogram,
    /// Tasks being worked on right now.
    pub tasks_in_progress: Gauge,
}

/// Why a task failed.
#[derive(Debug)]
pub struct TaskError(u64);

impl std::fmt::Display for TaskError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "task {} failed", self.0)
    }
}

impl std::error::Error for TaskError {}

/// Does task `i`: takes about `delay` (0.5–1.5×, the same every run), and
/// fails for every sixth task. `#[instrument_latency]` records its calls,
/// outcomes and durations in `function_*` metrics of the default registry.
#[instrument_latency]
async fn process_task(i: u64, delay: Duration) -> Result<(), TaskError> {
    let jitter = 0.5 + ((i * 37) % 100) as f64 / 100.0;
    tokio::time::sleep(delay.mul_f64(jitter)).await;
    if i % 6 == 0 {
        Err(TaskError(i))
    } else {
        Ok(())
    }
}

/// Takes tasks until none are left. Only ever increments counters.
async fn worker(metrics: &'static TaskMetrics, next: Arc<AtomicU64>, tasks: u64, delay: Duration) {
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        if i >= tasks {
            return;
        }
        metrics.tasks_in_progress.inc();
        let started = Instant::now();
        let result = process_task(i, delay).await;
        metrics
            .task_duration_seconds
            .observe(started.elapsed().as_secs_f64());
        metrics.tasks_in_progress.dec();
        metrics.tasks_processed_total.inc();
        if result.is_err() {
            metrics.tasks_failed_total.inc();
        }
    }
}

struct Options {
    tasks: u64,
    delay: Duration,
    workers: u64,
    exit_when_done: bool,
    addr: String,
    exporter: bool,
    watch: Option<String>,
    bearer_token: Option<String>,
}

const USAGE: &str = "\
usage: quickstart [--tasks N] [--delay-ms MS] [--workers N] [--exit-when-done]
                  [--addr HOST:PORT] [--no-exporter]
       quickstart --watch URL [--bearer-token TOKEN] [--exit-when-done]";

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn parse_options() -> Result<Options, String> {
    let number = |name: &str, v: Option<String>, default: u64| -> Result<u64, String> {
        v.map_or(Ok(default), |v| {
            v.parse()
                .map_err(|_| format!("{name}: not a number: `{v}`"))
        })
    };
    let mut tasks = env("QUICKSTART_TASKS");
    let mut delay = env("QUICKSTART_DELAY_MS");
    let mut workers = env("QUICKSTART_WORKERS");
    let mut exit_when_done = env("QUICKSTART_EXIT_WHEN_DONE").is_some_and(|v| v != "0");
    let mut addr = env("METRICS_ADDR").unwrap_or_else(|| "127.0.0.1:9464".to_owned());
    let mut exporter = true;
    let mut watch = None;
    let mut bearer_token = env("METRICS_TOKEN");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("{arg} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--tasks" => tasks = Some(value()?),
            "--delay-ms" => delay = Some(value()?),
            "--workers" => workers = Some(value()?),
            "--exit-when-done" => exit_when_done = true,
            "--addr" => addr = value()?,
            "--no-exporter" => exporter = false,
            "--watch" => watch = Some(value()?),
            "--bearer-token" => bearer_token = Some(value()?),
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    Ok(Options {
        tasks: number("--tasks", tasks, 60)?,
        delay: Duration::from_millis(number("--delay-ms", delay, 300)?),
        workers: number("--workers", workers, 2)?.max(1),
        exit_when_done,
        addr,
        exporter,
        watch,
        bearer_token,
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let options = match parse_options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    if let Some(url) = &options.watch {
        return watch(url, &options).await;
    }

    let metrics = TaskMetrics::global();
    // Submitting is counting: the total is known up front, as in a batch job.
    metrics.tasks_total.inc_by(options.tasks);

    let exporter = if options.exporter {
        match Exporter::builder().addr(options.addr.as_str()).spawn() {
            Ok(task) => Some(task),
            Err(e) => {
                eprintln!("quickstart: not serving /metrics on {}: {e}", options.addr);
                None
            }
        }
    } else {
        None
    };
    let served_at = exporter
        .as_ref()
        .map(|e| format!("http://{}/metrics", e.local_addr()));

    let config = DashboardConfig {
        exit_when_done: options.exit_when_done,
        note: Some(match &served_at {
            Some(url) => format!("exporter: {url}"),
            None => "exporter: off".to_owned(),
        }),
        ..DashboardConfig::default()
    };
    let done = Arc::new(AtomicBool::new(false));
    let ui = {
        let done = Arc::clone(&done);
        let dashboard = Dashboard::new(default_registry(), config);
        tokio::task::spawn_blocking(move || dashboard.run_until(|_| done.load(Ordering::Acquire)))
    };
    tokio::pin!(ui);

    let started = Instant::now();
    let next = Arc::new(AtomicU64::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..options.workers {
        workers.spawn(worker(
            metrics,
            Arc::clone(&next),
            options.tasks,
            options.delay,
        ));
    }
    let all_done = async { while workers.join_next().await.is_some() {} };
    let mut elapsed = None;
    let exit = tokio::select! {
        // The user quit before the work was done: the workers stop with the
        // runtime.
        exit = &mut ui => exit,
        () = all_done => {
            elapsed = Some(started.elapsed());
            done.store(true, Ordering::Release);
            (&mut ui).await
        }
    };
    let elapsed = elapsed.unwrap_or_else(|| started.elapsed());
    let exit = exit.map_err(io::Error::other)??;
    if let Some(exporter) = exporter {
        exporter.shutdown().await;
    }

    let processed = metrics.tasks_processed_total.get();
    let failed = metrics.tasks_failed_total.get();
    let how = match exit {
        Exit::Quit if processed < options.tasks => "stopped early",
        Exit::Quit | Exit::Done => "done",
    };
    println!(
        "quickstart {how}: {processed} of {} tasks processed, {failed} failed, in {:.1}s{}",
        options.tasks,
        elapsed.as_secs_f64(),
        served_at.map_or_else(String::new, |u| format!(" (metrics were served at {u})")),
    );
    Ok(())
}

/// `--watch URL`: the same dashboard over another process's `/metrics` page.
async fn watch(url: &str, options: &Options) -> Result<(), Box<dyn std::error::Error>> {
    let mut target = ScrapeTarget::new(url)?;
    if let Some(token) = &options.bearer_token {
        target = target.bearer_token(token);
    }
    let config = DashboardConfig {
        sampler: promstrict::sampler::SamplerConfig {
            interval: Duration::from_secs(1),
            ..Default::default()
        },
        note: Some("watching: figures are derived from scrapes once a second".to_owned()),
        exit_when_done: options.exit_when_done,
        ..DashboardConfig::default()
    };
    // With --exit-when-done the watched workload is over once its status
    // counters say every task is processed, or once the target went away
    // (three failed scrapes in a row) after answering.
    let exit_when_done = options.exit_when_done;
    let done = move |state: &DashboardState| {
        exit_when_done && (state.status().is_done() || state.target_gone())
    };
    let exit =
        tokio::task::spawn_blocking(move || Dashboard::watch(target, config).run_until(done))
            .await??;
    println!("quickstart: stopped watching {url} ({exit:?})");
    Ok(())
}
