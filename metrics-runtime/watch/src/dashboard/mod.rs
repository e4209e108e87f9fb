//! The live terminal dashboard: a read-only view of a registry, or of any
//! `/metrics` page, with raw counter totals, the rates derived from them,
//! gauges, histogram quantiles, uptime, a status spinner and alert panels.
//!
//! It never writes to what it watches: a registry is read with
//! [`Registry::collect`] through a [`Sampler`], and every rate or quantile is
//! computed from the sampled totals with [`crate::promql`], never stored.
//!
//! ```no_run
//! # mod promstrict { pub use promstrict_core::*; pub use promstrict_watch::*; }
//! use promstrict::dashboard::{Dashboard, DashboardConfig};
//! use promstrict::default_registry;
//!
//! // Until `q`, Esc or Ctrl-C (or, without a terminal, one plain line per
//! // interval until the process ends).
//! Dashboard::new(default_registry(), DashboardConfig::default()).run()?;
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! On a terminal it takes the alternate screen in raw mode and always gives
//! it back: when it returns, when it unwinds, and from a panic hook when any
//! thread panics (the dashboard then takes the screen again and goes on).
//! When stdout is not a terminal it prints one plain line per
//! [`DashboardConfig::plain_interval`] instead, and returns once the
//! workload is done.
//!
//! [`DashboardState`] holds everything a frame shows and renders onto any
//! ratatui backend, so tests drive it with explicit snapshots and a
//! `TestBackend`.

mod format;
mod render;
mod terminal;

use std::io::{self, IsTerminal, Write};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use ratatui::backend::CrosstermBackend;
use ratatui::{Frame, Terminal};

use crate::sampler::{AlertEngine, AlertRule, SampleError, Sampler, SamplerConfig, Snapshot};
use crate::scrape::{ScrapeError, ScrapeTarget};
use promstrict_core::Registry;
use terminal::TerminalGuard;

/// The three counters the status spinner shows as
/// `(failed - processed / total)`. Each is summed over its label sets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusCounters {
    /// Failed work items (default `tasks_failed_total`).
    pub failed: String,
    /// Finished work items, failed ones included (default
    /// `tasks_processed_total`).
    pub processed: String,
    /// Work items submitted (default `tasks_total`).
    pub total: String,
}

impl Default for StatusCounters {
    fn default() -> Self {
        StatusCounters {
            failed: "tasks_failed_total".to_owned(),
            processed: "tasks_processed_total".to_owned(),
            total: "tasks_total".to_owned(),
        }
    }
}

/// What the dashboard shows and how often.
#[derive(Clone, Debug)]
pub struct DashboardConfig {
    /// The header's title.
    pub title: String,
    /// What is watched, for the header (`in-process registry`, a URL).
    pub target: String,
    /// The counters behind the status spinner.
    pub status: StatusCounters,
    /// The alert rules of the alert panel.
    pub alerts: Vec<AlertRule>,
    /// Sampling interval, rate window and memory bounds.
    pub sampler: SamplerConfig,
    /// Time between two frames (the spinner's speed; default 100 ms).
    pub frame_interval: Duration,
    /// Time between two lines when stdout is not a terminal (default 1 s).
    pub plain_interval: Duration,
    /// Return as soon as the workload is done, after showing the final
    /// figures, instead of waiting for `q` (default false).
    pub exit_when_done: bool,
    /// Extra text for the footer (e.g. where the exporter serves).
    pub note: Option<String>,
}

impl Default for DashboardConfig {
    fn default() -> Self {
        DashboardConfig {
            title: "PROMETHEUS-STYLE METRICS".to_owned(),
            target: "in-process registry".to_owned(),
            status: StatusCounters::default(),
            alerts: DashboardConfig::default_alerts(
                &StatusCounters::default(),
                "task_duration_seconds",
            ),
            sampler: SamplerConfig::default(),
            frame_interval: Duration::from_millis(100),
            plain_interval: Duration::from_secs(1),
            exit_when_done: false,
            note: None,
        }
    }
}

impl DashboardConfig {
    /// Rules in the spirit of a web API's alerting rules, over the status
    /// counters and a latency histogram:
    ///
    /// * `HighErrorRate`: `rate(failed) / rate(processed) > 5 %`;
    /// * `HighLatency`: p95 of `latency_histogram` over 2 s;
    /// * `Stalled` (critical): `rate(processed) == 0` for 5 s, i.e. the
    ///   counter stopped moving.
    pub fn default_alerts(status: &StatusCounters, latency_histogram: &str) -> Vec<AlertRule> {
        vec![
            AlertRule::ratio_above("HighErrorRate", &status.failed, &status.processed, 0.05),
            AlertRule::quantile_above("HighLatency", latency_histogram, 0.95, 2.0),
            AlertRule::stalled("Stalled", &status.processed).for_duration(Duration::from_secs(5)),
        ]
    }
}

/// The spinner's figures: `(failed - processed / total)`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Status {
    /// Sum of the failed counter (`None`: not exposed).
    pub failed: Option<f64>,
    /// Sum of the processed counter.
    pub processed: Option<f64>,
    /// Sum of the total counter.
    pub total: Option<f64>,
}

impl Status {
    /// Every submitted item is processed.
    pub fn is_done(&self) -> bool {
        matches!((self.processed, self.total), (Some(p), Some(t)) if t > 0.0 && p >= t)
    }

    /// `(failed - processed / total)`, with `?` for a counter not exposed.
    pub fn text(&self) -> String {
        let f = |v: Option<f64>| v.map_or_else(|| "?".to_owned(), format::number);
        format!(
            "({} - {} / {})",
            f(self.failed),
            f(self.processed),
            f(self.total)
        )
    }
}

/// How the watched target answered.
#[derive(Clone, Debug, PartialEq)]
pub enum TargetHealth {
    /// A registry in this process: always readable.
    InProcess,
    /// No scrape has finished yet.
    Connecting,
    /// The last scrape succeeded.
    Up,
    /// The last scrape failed.
    Down {
        /// Why.
        error: String,
        /// Failures in a row.
        failures: u32,
    },
}

/// Everything a frame shows: the sampler with its history, the alert states,
/// the spinner position, the target's health. Fed by [`Dashboard`] when
/// live, or by hand in tests.
#[derive(Debug)]
pub struct DashboardState {
    config: DashboardConfig,
    sampler: Sampler,
    alerts: AlertEngine,
    spinner: usize,
    health: TargetHealth,
    /// Whether a watched target has answered at least once.
    answered: bool,
    workload_done: bool,
    /// The latest time anything was recorded, a failed scrape included.
    clock: f64,
}

impl DashboardState {
    /// A state with no samples.
    pub fn new(config: DashboardConfig) -> Self {
        DashboardState {
            sampler: Sampler::new(config.sampler.clone()),
            alerts: AlertEngine::new(config.alerts.clone()),
            config,
            spinner: 0,
            health: TargetHealth::InProcess,
            answered: false,
            workload_done: false,
            clock: 0.0,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &DashboardConfig {
        &self.config
    }

    /// The sampler.
    pub fn sampler(&self) -> &Sampler {
        &self.sampler
    }

    /// The alert rules and their states.
    pub fn alerts(&self) -> &AlertEngine {
        &self.alerts
    }

    /// Seconds since the dashboard started, as of the latest record (a
    /// failed scrape included).
    pub fn uptime(&self) -> f64 {
        self.clock.max(self.sampler.uptime())
    }

    /// The target's health.
    pub fn health(&self) -> &TargetHealth {
        &self.health
    }

    /// Records `snapshot` at time `t` and evaluates the alert rules.
    pub fn record(&mut self, t: f64, snapshot: &Snapshot) -> Result<(), SampleError> {
        self.sampler.record(t, snapshot)?;
        self.alerts.evaluate(&self.sampler);
        if self.health != TargetHealth::InProcess {
            self.health = TargetHealth::Up;
            self.answered = true;
        }
        Ok(())
    }

    /// Reads `registry` at time `t` and evaluates the alert rules.
    pub fn record_registry(&mut self, t: f64, registry: &Registry) -> Result<(), SampleError> {
        self.sampler.record_registry(t, registry)?;
        self.alerts.evaluate(&self.sampler);
        Ok(())
    }

    /// Notes a scrape that failed at time `t` (the history is kept; the
    /// header says why).
    pub fn record_failure(&mut self, t: f64, error: &str) {
        self.clock = self.clock.max(t);
        let failures = match &self.health {
            TargetHealth::Down { failures, .. } => failures + 1,
            _ => 1,
        };
        self.health = TargetHealth::Down {
            error: error.to_owned(),
            failures,
        };
    }

    /// Marks the target as scraped (not yet answered).
    pub fn set_health(&mut self, health: TargetHealth) {
        self.answered |= health == TargetHealth::Up;
        self.health = health;
    }

    /// Whether a watched target that answered before is gone: its last
    /// three scrapes or more failed. (A batch job watched from outside ends
    /// this way.)
    pub fn target_gone(&self) -> bool {
        self.answered && matches!(self.health, TargetHealth::Down { failures, .. } if failures >= 3)
    }

    /// Sets the spinner's frame (it advances by one per drawn frame).
    pub fn set_spinner_frame(&mut self, frame: usize) {
        self.spinner = frame;
    }

    /// Says whether the workload feeding the target has ended.
    pub fn set_workload_done(&mut self, done: bool) {
        self.workload_done = done;
    }

    /// The spinner's figures from the latest snapshot.
    pub fn status(&self) -> Status {
        let names = &self.config.status;
        Status {
            failed: self.sampler.total(&names.failed),
            processed: self.sampler.total(&names.processed),
            total: self.sampler.total(&names.total),
        }
    }

    /// One line with the essentials, for when stdout is not a terminal:
    /// `[12.3s] (10 - 60 / 60) done · tasks_processed_total 4.00/s (irate 4.00/s) · firing: HighErrorRate`.
    pub fn plain_line(&self) -> String {
        let status = self.status();
        let processed = &self.config.status.processed;
        let state = if status.is_done() || self.workload_done {
            "done"
        } else {
            "running"
        };
        let firing: Vec<&str> = self.alerts.firing().collect();
        let mut line = format!(
            "[{}] {} {state} · {processed} {} (irate {})",
            format::uptime(self.uptime()),
            status.text(),
            format::rate(self.sampler.rate(processed)),
            format::rate(self.sampler.irate(processed)),
        );
        line.push_str(" · firing: ");
        line.push_str(&if firing.is_empty() {
            "none".to_owned()
        } else {
            firing.join(", ")
        });
        if let TargetHealth::Down { error, .. } = &self.health {
            line.push_str(" · target down: ");
            line.push_str(error);
        }
        line
    }

    /// Draws the dashboard onto `frame` (any backend).
    pub fn render(&self, frame: &mut Frame<'_>) {
        render::render(self, frame);
    }
}

/// Why [`Dashboard::run_until`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// The user pressed `q`, Esc or Ctrl-C.
    Quit,
    /// The workload was done (with [`DashboardConfig::exit_when_done`], or
    /// without a terminal).
    Done,
}

enum Source {
    Static(&'static Registry),
    Shared(Arc<Registry>),
    Scrape(ScrapeTarget),
}

/// Feeds the state from the source while running.
enum Feed {
    Registry(RegistryRef),
    Scrape(mpsc::Receiver<(Instant, Result<Snapshot, ScrapeError>)>),
}

enum RegistryRef {
    Static(&'static Registry),
    Shared(Arc<Registry>),
}

impl Feed {
    fn start(source: Source, interval: Duration) -> Feed {
        match source {
            Source::Static(r) => Feed::Registry(RegistryRef::Static(r)),
            Source::Shared(r) => Feed::Registry(RegistryRef::Shared(r)),
            Source::Scrape(target) => Feed::Scrape(target.spawn(interval)),
        }
    }

    /// Takes what is new: a registry read now, or the finished scrapes.
    fn pull(&mut self, state: &mut DashboardState) {
        match self {
            Feed::Registry(r) => {
                let registry = match r {
                    RegistryRef::Static(r) => *r,
                    RegistryRef::Shared(r) => &**r,
                };
                let t = state.sampler.now();
                // Only an out-of-order time can fail, and `now` only grows.
                let _ = state.record_registry(t, registry);
            }
            Feed::Scrape(rx) => {
                while let Ok((started, result)) = rx.try_recv() {
                    match result {
                        Ok(snapshot) => {
                            let t = state.sampler.time_of(started);
                            let _ = state.record(t, &snapshot);
                        }
                        Err(e) => {
                            let t = state.sampler.time_of(started);
                            state.record_failure(t, &e.to_string());
                        }
                    }
                }
            }
        }
    }
}

/// The dashboard over a source, ready to run.
pub struct Dashboard {
    state: DashboardState,
    source: Source,
}

impl std::fmt::Debug for Dashboard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dashboard")
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl Dashboard {
    /// A dashboard over a registry that lives for the whole program (e.g.
    /// [`default_registry`](promstrict_core::default_registry)).
    pub fn new(registry: &'static Registry, config: DashboardConfig) -> Self {
        Dashboard {
            state: DashboardState::new(config),
            source: Source::Static(registry),
        }
    }

    /// A dashboard over a shared registry.
    pub fn shared(registry: Arc<Registry>, config: DashboardConfig) -> Self {
        Dashboard {
            state: DashboardState::new(config),
            source: Source::Shared(registry),
        }
    }

    /// A dashboard over another process's `/metrics` page, scraped every
    /// sampling interval. The header shows `config.target`, or the URL when
    /// that is left at its default.
    pub fn watch(target: ScrapeTarget, mut config: DashboardConfig) -> Self {
        if config.target == DashboardConfig::default().target {
            config.target = target.url().to_string();
        }
        let mut state = DashboardState::new(config);
        state.health = TargetHealth::Connecting;
        Dashboard {
            state,
            source: Source::Scrape(target),
        }
    }

    /// Runs until the user quits (or, without a terminal, forever).
    pub fn run(self) -> io::Result<Exit> {
        self.run_until(|_| false)
    }

    /// Runs until the user quits, or until `done` returns true if
    /// [`DashboardConfig::exit_when_done`] is set or stdout is not a
    /// terminal. `done` sees the state, so the end of the workload can be a
    /// flag set by the program or a figure on screen
    /// (`|state| state.status().is_done()` for a batch job watched from
    /// outside). The final figures are sampled right after `done` turns true,
    /// so the last frame or line shows them.
    pub fn run_until(self, mut done: impl FnMut(&DashboardState) -> bool) -> io::Result<Exit> {
        if io::stdout().is_terminal() {
            self.run_terminal(&mut done)
        } else {
            self.run_plain(&mut done)
        }
    }

    fn run_terminal(self, done: &mut dyn FnMut(&DashboardState) -> bool) -> io::Result<Exit> {
        let Dashboard { mut state, source } = self;
        let interval = state.config.sampler.interval.max(Duration::from_millis(10));
        let frame_interval = state.config.frame_interval.max(Duration::from_millis(10));
        let mut feed = Feed::start(source, interval);
        let mut guard = TerminalGuard::enter()?;
        let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
        terminal.clear()?;
        let mut next_sample = Instant::now();
        let mut next_frame = Instant::now();
        let mut was_done = false;
        let exit = loop {
            let now = Instant::now();
            let finished = done(&state);
            if now >= next_sample || (finished && !was_done) {
                feed.pull(&mut state);
                next_sample = advance(next_sample, interval, now);
            }
            was_done = finished;
            state.set_workload_done(finished);
            if guard.reclaim_after_panic()? {
                terminal.clear()?;
            }
            if finished && state.config.exit_when_done {
                terminal.draw(|f| state.render(f))?;
                break Exit::Done;
            }
            if now >= next_frame {
                terminal.draw(|f| state.render(f))?;
                state.spinner = state.spinner.wrapping_add(1);
                next_frame = advance(next_frame, frame_interval, now);
            }
            let wake = next_sample.min(next_frame);
            let timeout = wake.saturating_duration_since(Instant::now());
            if event::poll(timeout)? {
                match event::read()? {
                    Event::Key(key) if key.kind != KeyEventKind::Release => {
                        let ctrl_c = key.modifiers.contains(KeyModifiers::CONTROL)
                            && matches!(key.code, KeyCode::Char('c') | KeyCode::Char('C'));
                        if ctrl_c
                            || matches!(
                                key.code,
                                KeyCode::Char('q') | KeyCode::Char('Q') | KeyCode::Esc
                            )
                        {
                            break Exit::Quit;
                        }
                    }
                    Event::Resize(..) => {
                        terminal.autoresize()?;
                        terminal.draw(|f| state.render(f))?;
                    }
                    _ => {}
                }
            }
        };
        drop(terminal);
        drop(guard);
        Ok(exit)
    }

    fn run_plain(self, done: &mut dyn FnMut(&DashboardState) -> bool) -> io::Result<Exit> {
        let Dashboard { mut state, source } = self;
        let interval = state.config.sampler.interval.max(Duration::from_millis(10));
        let plain_interval = state.config.plain_interval.max(Duration::from_millis(10));
        let mut feed = Feed::start(source, interval);
        let mut next_sample = Instant::now();
        let mut next_line = Instant::now() + plain_interval;
        let mut out = io::stdout();
        let mut print = |line: String| -> io::Result<bool> {
            match writeln!(out, "{line}").and_then(|()| out.flush()) {
                Ok(()) => Ok(true),
                // A reader that went away (`| head`) ends the dashboard.
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(false),
                Err(e) => Err(e),
            }
        };
        loop {
            let now = Instant::now();
            let finished = done(&state);
            if now >= next_sample || finished {
                feed.pull(&mut state);
                next_sample = advance(next_sample, interval, now);
            }
            state.set_workload_done(finished);
            if finished {
                print(state.plain_line())?;
                return Ok(Exit::Done);
            }
            if now >= next_line {
                if !print(state.plain_line())? {
                    return Ok(Exit::Quit);
                }
                next_line = advance(next_line, plain_interval, now);
            }
            // Wake up often enough to notice the end of the workload.
            let wake = next_sample
                .min(next_line)
                .min(now + Duration::from_millis(50));
            std::thread::sleep(wake.saturating_duration_since(Instant::now()));
        }
    }
}

/// The next tick after `now` on a schedule of `every` from `scheduled`;
/// ticks missed while busy are skipped, not caught up in a burst.
fn advance(scheduled: Instant, every: Duration, now: Instant) -> Instant {
    let next = scheduled + every;
    if next <= now {
        now + every
    } else {
        next
    }
}
