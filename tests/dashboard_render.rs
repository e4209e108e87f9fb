//! The dashboard drawn on ratatui's `TestBackend` from deterministic
//! snapshots: the worker scenario's run (60 tasks, every sixth failing) fed at
//! chosen times, and the screen's text checked cell by cell.

use std::time::Duration;

use promstrict::dashboard::{DashboardConfig, DashboardState, StatusCounters, TargetHealth};
use promstrict::sampler::{AlertRule, SamplerConfig, Snapshot};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

const TASKS: u32 = 60;

fn config() -> DashboardConfig {
    DashboardConfig {
        sampler: SamplerConfig {
            interval: Duration::from_secs(1),
            window: Duration::from_secs(10),
            ..SamplerConfig::default()
        },
        note: Some("exporter: http://127.0.0.1:9464/metrics".to_owned()),
        ..DashboardConfig::default()
    }
}

/// The quickstart's registry after `t` seconds at 4 tasks per second:
/// task `i` fails when `i % 6 == 0`, each takes 100–300 ms.
fn quickstart_at(t: u32) -> Snapshot {
    let processed = (4 * t).min(TASKS);
    let failed = processed.div_ceil(6);
    let in_progress = if processed < TASKS { 2.0 } else { 0.0 };
    let p = f64::from(processed);
    // Durations: a quarter under 0.1 s, all under 0.5 s.
    let buckets = [
        (0.05, 0.0),
        (0.1, (p / 4.0).floor()),
        (0.25, (p * 0.75).floor()),
        (0.5, p),
        (1.0, p),
        (f64::INFINITY, p),
    ];
    Snapshot::new()
        .counter("tasks_total", &[], f64::from(TASKS))
        .counter("tasks_processed_total", &[], p)
        .counter("tasks_failed_total", &[], f64::from(failed))
        .counter(
            "function_calls_total",
            &[
                ("function", "process_task"),
                ("module", "quickstart"),
                ("outcome", "ok"),
            ],
            p - f64::from(failed),
        )
        .counter(
            "function_calls_total",
            &[
                ("function", "process_task"),
                ("module", "quickstart"),
                ("outcome", "error"),
            ],
            f64::from(failed),
        )
        .gauge("tasks_in_progress", &[], in_progress)
        .histogram("task_duration_seconds", &[], &buckets, p * 0.2)
}

fn state_until(last: u32) -> DashboardState {
    let mut state = DashboardState::new(config());
    for t in 0..=last {
        state.record(f64::from(t), &quickstart_at(t)).unwrap();
    }
    state
}

fn draw(state: &DashboardState, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| state.render(f)).unwrap();
    let buffer = terminal.backend().buffer();
    let mut screen = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            screen.push_str(buffer[(x, y)].symbol());
        }
        screen.push('\n');
    }
    screen
}

/// The words of a screen line, borders dropped.
fn words(line: &str) -> Vec<&str> {
    line.split(|c: char| c.is_whitespace() || c == '│')
        .filter(|w| !w.is_empty())
        .collect()
}

fn has_word(line: &str, word: &str) -> bool {
    words(line).contains(&word)
}

fn line_with<'s>(screen: &'s str, needle: &str) -> &'s str {
    screen
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in\n{screen}"))
}

#[test]
fn mid_run_shows_progress_rates_and_the_firing_error_alert() {
    let mut state = state_until(10);
    state.set_spinner_frame(2);
    let screen = draw(&state, 120, 40);
    // Spinner: (failed - processed / total), the third dots frame.
    assert!(screen.contains("⠹ (7 - 40 / 60)"), "{screen}");
    assert!(screen.contains("failed - processed / total"), "{screen}");
    // Raw totals, and rates derived over the 10 s window: 4 tasks per second.
    let processed = line_with(&screen, "tasks_processed_total");
    assert!(has_word(processed, "40"), "{processed}");
    assert!(processed.contains("4.00/s"), "{processed}");
    let failed = line_with(&screen, "tasks_failed_total");
    assert!(has_word(failed, "7"), "{failed}");
    let total = line_with(&screen, "tasks_total ");
    assert!(has_word(total, "60") && total.contains("0.00/s"), "{total}");
    let errors = line_with(&screen, r#"outcome="error"}"#);
    assert!(has_word(errors, "7"), "{errors}");
    // 1 in 6 fails: over the 5 % of the rule.
    let alert = line_with(&screen, "HighErrorRate");
    assert!(alert.contains("FIRING"), "{alert}");
    assert!(alert.contains("16.7%") || alert.contains("17."), "{alert}");
    let latency = line_with(&screen, "HighLatency");
    assert!(latency.contains("ok"), "{latency}");
    let stalled = line_with(&screen, "Stalled");
    assert!(stalled.contains("ok"), "{stalled}");
    assert!(screen.contains("Alerts (1 firing"), "{screen}");
    // Gauges, histogram quantiles (p95 in the (0.25, 0.5] bucket), uptime.
    assert!(
        has_word(line_with(&screen, "tasks_in_progress"), "2"),
        "{screen}"
    );
    let hist = line_with(&screen, "task_duration_seconds");
    assert!(hist.contains("ms"), "{hist}");
    assert!(line_with(&screen, "uptime").contains("10.0s"), "{screen}");
    assert!(screen.contains("PROMETHEUS-STYLE METRICS"), "{screen}");
    assert!(screen.contains("target: in-process registry"), "{screen}");
    assert!(
        screen.contains("exporter: http://127.0.0.1:9464/metrics"),
        "{screen}"
    );
}

#[test]
fn the_end_of_the_run_shows_every_task_and_the_stalled_counter() {
    // 60 tasks done at t = 15; by t = 31 the processed counter has been flat
    // for a whole window plus the rule's 5 s.
    let state = state_until(31);
    let screen = draw(&state, 120, 40);
    assert!(screen.contains("✔ (10 - 60 / 60)"), "{screen}");
    assert!(screen.contains("all tasks processed"), "{screen}");
    let processed = line_with(&screen, "tasks_processed_total");
    assert!(
        has_word(processed, "60") && processed.contains("0.00/s"),
        "{processed}"
    );
    let stalled = line_with(&screen, "Stalled");
    assert!(
        stalled.contains("FIRING") && stalled.contains("critical"),
        "{stalled}"
    );
    // No traffic in the window: the error ratio has no value, so it is ok.
    let errors = line_with(&screen, "HighErrorRate");
    assert!(errors.contains("ok"), "{errors}");
    // Nothing observed in the window: the lifetime quantiles, starred.
    let hist = line_with(&screen, "task_duration_seconds");
    assert!(hist.contains('*'), "{hist}");
    assert!(has_word(hist, "60"), "{hist}");
    assert_eq!(state.status().text(), "(10 - 60 / 60)");
    assert!(state.status().is_done());
}

#[test]
fn every_size_renders_without_panicking() {
    let state = state_until(12);
    for (w, h) in [
        (120, 40),
        (80, 24),
        (60, 16),
        (200, 60),
        (59, 40),
        (120, 15),
        (1, 1),
        (0, 0),
    ] {
        let screen = draw(&state, w, h);
        if w >= 60 && h >= 16 {
            assert!(screen.contains("(8 - 48 / 60)"), "{w}×{h}\n{screen}");
            assert!(screen.contains("Counters"), "{w}×{h}\n{screen}");
        } else if w >= 40 && h >= 4 {
            assert!(screen.contains("terminal too small"), "{w}×{h}\n{screen}");
        }
    }
}

#[test]
fn too_many_series_are_summarised_not_overflowed() {
    let mut state = DashboardState::new(config());
    for t in 0..3 {
        let mut snap = Snapshot::new();
        for i in 0..50 {
            snap = snap.counter(
                "requests_total",
                &[("shard", &i.to_string())],
                f64::from(t * i),
            );
        }
        state.record(f64::from(t), &snap).unwrap();
    }
    let screen = draw(&state, 100, 30);
    assert!(screen.contains("more"), "{screen}");
    assert!(screen.contains(r#"requests_total{shard="0"}"#), "{screen}");
}

#[test]
fn status_counters_and_rules_are_configurable() {
    let status = StatusCounters {
        failed: "jobs_failed_total".to_owned(),
        processed: "jobs_done_total".to_owned(),
        total: "jobs_queued_total".to_owned(),
    };
    let config = DashboardConfig {
        title: "JOBS".to_owned(),
        alerts: vec![
            AlertRule::gauge_above("Backlog", "jobs_waiting", 100.0),
            AlertRule::ratio_above("Failing", "jobs_failed_total", "jobs_done_total", 0.5),
        ],
        status,
        ..config()
    };
    let mut state = DashboardState::new(config);
    for t in 0..5 {
        let t = f64::from(t);
        let snap = Snapshot::new()
            .counter("jobs_queued_total", &[], 500.0)
            .counter("jobs_done_total", &[], 10.0 * t)
            .counter("jobs_failed_total", &[], 1.0 * t)
            .gauge("jobs_waiting", &[], 500.0 - 10.0 * t);
        state.record(t, &snap).unwrap();
    }
    let screen = draw(&state, 120, 40);
    assert!(screen.contains("(4 - 40 / 500)"), "{screen}");
    assert!(screen.contains("JOBS"), "{screen}");
    assert!(line_with(&screen, "Backlog").contains("FIRING"), "{screen}");
    assert!(line_with(&screen, "Failing").contains("ok"), "{screen}");
    assert!(!screen.contains("HighErrorRate"), "{screen}");
}

#[test]
fn a_target_that_went_down_says_so() {
    let mut state = DashboardState::new(DashboardConfig {
        target: "http://127.0.0.1:1/metrics".to_owned(),
        ..config()
    });
    state.set_health(TargetHealth::Connecting);
    state.record(0.0, &quickstart_at(0)).unwrap();
    assert_eq!(state.health(), &TargetHealth::Up);
    state.record_failure(1.0, "connection refused");
    state.record_failure(2.0, "connection refused");
    let screen = draw(&state, 120, 40);
    assert!(screen.contains("DOWN ×2: connection refused"), "{screen}");
    // The clock goes on while the target is down.
    assert!(line_with(&screen, "uptime").contains("2.0s"), "{screen}");
    assert!(state
        .plain_line()
        .contains("target down: connection refused"));
}

#[test]
fn the_plain_line_says_the_same_as_the_screen() {
    let state = state_until(10);
    let line = state.plain_line();
    assert_eq!(
        line,
        "[10.0s] (7 - 40 / 60) running · tasks_processed_total 4.00/s (irate 4.00/s) · firing: HighErrorRate"
    );
    let done = state_until(31).plain_line();
    assert!(done.starts_with("[31.0s] (10 - 60 / 60) done"), "{done}");
    assert!(done.ends_with("firing: Stalled"), "{done}");
}

#[test]
fn print_the_screen() {
    // Not an assertion: `cargo test --test dashboard_render -- --nocapture`
    // shows what the checks above read.
    let mut state = state_until(10);
    state.set_spinner_frame(2);
    println!("{}", draw(&state, 120, 40));
}
