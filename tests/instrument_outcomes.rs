//! `#[instrument_latency]`, bare form: every outcome of sync and async
//! functions, read back from the encoded default registry.
//!
//! Tests run in parallel in one process and share the default registry, so
//! every test instruments functions of its own.

use std::num::ParseIntError;
use std::panic::catch_unwind;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use promstrict::{default_registry, instrument_latency, Format};

const MODULE: &str = module_path!();

fn scrape() -> String {
    default_registry().encode(Format::Prometheus)
}

fn series(text: &str, name: &str, function: &str, extra: &str) -> Option<f64> {
    metrics_toolkit::function_series(text, name, MODULE, function, extra)
}

#[track_caller]
fn assert_calls(function: &str, ok: u64, error: u64, panic: u64, cancelled: u64) {
    metrics_toolkit::assert_function_calls(MODULE, function, [ok, error, panic, cancelled]);
}

fn in_flight(function: &str) -> i64 {
    series(&scrape(), "function_calls_in_flight", function, "").unwrap_or(0.0) as i64
}

#[instrument_latency]
fn add(a: u32, b: u32) -> u32 {
    a + b
}

#[test]
fn sync_ok() {
    assert!(series(&scrape(), "function_calls_total", "add", ",outcome=\"ok\"").is_none());
    assert_eq!(add(1, 2) + add(3, 4) + add(5, 6), 21);
    assert_calls("add", 3, 0, 0, 0);
}

#[instrument_latency]
fn parse_or_zero(s: &str) -> Result<u32, ParseIntError> {
    if s.is_empty() {
        return Ok(0);
    }
    let value = s.trim().parse::<u32>()?;
    Ok(value)
}

#[test]
fn sync_errors_from_question_mark_and_early_return() {
    assert_eq!(parse_or_zero(""), Ok(0));
    assert_eq!(parse_or_zero(" 12 "), Ok(12));
    assert!(parse_or_zero("x").is_err());
    assert!(parse_or_zero("-1").is_err());
    assert_calls("parse_or_zero", 2, 2, 0, 0);
}

#[instrument_latency]
fn explode(really: bool) -> u32 {
    if really {
        panic!("boom (expected by the test)");
    }
    7
}

#[test]
fn sync_panic_is_recorded_and_goes_on_unwinding() {
    assert_eq!(explode(false), 7);
    let caught = catch_unwind(|| explode(true));
    assert!(caught.is_err(), "the panic goes on");
    assert_calls("explode", 1, 0, 1, 0);
}

#[instrument_latency]
fn diverges() -> ! {
    panic!("never returns (expected by the test)")
}

#[test]
fn a_function_returning_never_records_its_panic() {
    assert!(catch_unwind(|| diverges()).is_err());
    assert_calls("diverges", 0, 0, 1, 0);
}

#[instrument_latency]
async fn serve_forever() -> ! {
    loop {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

#[instrument_latency]
async fn fail_forever() -> ! {
    tokio::task::yield_now().await;
    panic!("async never returns (expected by the test)")
}

#[tokio::test]
async fn an_async_function_returning_never_is_cancelled_or_panics() {
    assert!(
        tokio::time::timeout(Duration::from_millis(5), serve_forever())
            .await
            .is_err()
    );
    assert_calls("serve_forever", 0, 0, 0, 1);
    assert!(tokio::spawn(fail_forever()).await.unwrap_err().is_panic());
    assert_calls("fail_forever", 0, 0, 1, 0);
}

#[instrument_latency]
fn wait_for(rx: &mpsc::Receiver<()>) {
    rx.recv().unwrap();
}

#[test]
fn sync_in_flight_while_running() {
    let (started_tx, started_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        started_tx.send(()).unwrap();
        wait_for(&release_rx);
    });
    started_rx.recv().unwrap();
    // The worker is inside `wait_for` (or about to be): wait until it shows.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen = in_flight("wait_for");
    while seen != 1 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
        seen = in_flight("wait_for");
    }
    assert_eq!(seen, 1);
    release_tx.send(()).unwrap();
    worker.join().unwrap();
    assert_calls("wait_for", 1, 0, 0, 0);
}

#[instrument_latency]
async fn fetch(id: u32) -> Result<u32, String> {
    tokio::time::sleep(Duration::from_millis(1)).await;
    if id == 0 {
        return Err("no such id".to_owned());
    }
    Ok(id * 10)
}

#[tokio::test]
async fn async_ok_and_error() {
    assert_eq!(fetch(1).await, Ok(10));
    assert_eq!(fetch(2).await, Ok(20));
    assert!(fetch(0).await.is_err());
    assert_calls("fetch", 2, 1, 0, 0);
    let text = scrape();
    let sum = series(&text, "function_duration_seconds_sum", "fetch", "").unwrap();
    assert!(sum >= 0.003, "three calls of at least 1 ms each: {sum}");
}

#[instrument_latency]
async fn slow_lookup() -> u32 {
    tokio::time::sleep(Duration::from_secs(30)).await;
    1
}

#[tokio::test]
async fn async_cancelled_by_timeout() {
    let result = tokio::time::timeout(Duration::from_millis(20), slow_lookup()).await;
    assert!(result.is_err(), "timed out");
    assert_calls("slow_lookup", 0, 0, 0, 1);
    let sum = series(
        &scrape(),
        "function_duration_seconds_sum",
        "slow_lookup",
        "",
    )
    .unwrap();
    assert!(
        sum >= 0.015,
        "the duration until cancellation is recorded: {sum}"
    );
}

#[instrument_latency]
async fn never_polled() -> u32 {
    1
}

#[test]
fn a_future_never_polled_is_not_a_call() {
    drop(never_polled());
    assert!(series(
        &scrape(),
        "function_calls_total",
        "never_polled",
        ",outcome=\"cancelled\""
    )
    .is_none());
}

#[instrument_latency]
async fn async_explode(really: bool) -> u32 {
    tokio::task::yield_now().await;
    if really {
        panic!("async boom (expected by the test)");
    }
    3
}

#[tokio::test]
async fn async_panic_in_a_task() {
    assert_eq!(async_explode(false).await, 3);
    let joined = tokio::spawn(async_explode(true)).await;
    assert!(joined.unwrap_err().is_panic());
    assert_calls("async_explode", 1, 0, 1, 0);
}

#[instrument_latency]
async fn parked() -> u32 {
    tokio::time::sleep(Duration::from_secs(30)).await;
    2
}

#[instrument_latency]
async fn sibling_panics() -> u32 {
    tokio::task::yield_now().await;
    panic!("sibling boom (expected by the test)")
}

/// A future dropped while another future's panic unwinds is cancelled, not
/// panicked: only a panic inside its own poll is its panic.
#[tokio::test]
async fn a_future_dropped_by_a_sibling_panic_is_cancelled() {
    let joined = tokio::spawn(async {
        let parked = parked();
        let sibling = sibling_panics();
        tokio::join!(parked, sibling)
    })
    .await;
    assert!(joined.unwrap_err().is_panic());
    assert_calls("parked", 0, 0, 0, 1);
    assert_calls("sibling_panics", 0, 0, 1, 0);
}

static RELEASE_ASYNC: AtomicBool = AtomicBool::new(false);

#[instrument_latency]
async fn async_in_flight() {
    while !RELEASE_ASYNC.load(Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_in_flight_while_awaiting() {
    let task = tokio::spawn(async_in_flight());
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen = 0;
    while seen != 1 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(1)).await;
        seen = series(&scrape(), "function_calls_in_flight", "async_in_flight", "").unwrap_or(0.0)
            as i64;
    }
    assert_eq!(seen, 1);
    RELEASE_ASYNC.store(true, Ordering::SeqCst);
    task.await.unwrap();
    assert_calls("async_in_flight", 1, 0, 0, 0);
}

#[instrument_latency]
fn described() {}

#[test]
fn the_families_are_described() {
    described();
    let text = scrape();
    for header in [
        "# TYPE function_duration_seconds histogram",
        "# TYPE function_calls_total counter",
        "# TYPE function_calls_in_flight gauge",
    ] {
        assert!(text.contains(header), "{header} in\n{text}");
    }
    let open_metrics = default_registry().encode(Format::OpenMetrics);
    assert!(open_metrics.contains("# UNIT function_duration_seconds seconds\n"));
    assert!(open_metrics.ends_with("# EOF\n"));
}
