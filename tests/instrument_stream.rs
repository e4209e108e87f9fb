//! `#[instrument_latency(stream)]` and `first_item = …`: functions returning
//! an iterator or a stream are timed until it ends, with the time to its
//! first item (an LLM's time to first token).

use std::future::{poll_fn, Future};
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::sync::{Mutex, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;
use promstrict::{default_registry, instrument_latency, Format, Histogram, Registry};

const MODULE: &str = module_path!();

fn scrape() -> String {
    default_registry().encode(Format::Prometheus)
}

fn series(name: &str, function: &str, extra: &str) -> Option<f64> {
    let prefix = format!("{name}{{function=\"{function}\",module=\"{MODULE}\"{extra}}} ");
    scrape()
        .lines()
        .find_map(|line| line.strip_prefix(&prefix).map(str::to_owned))
        .map(|v| v.parse().expect("a number"))
}

fn calls(function: &str, outcome: &str) -> u64 {
    series(
        "function_calls_total",
        function,
        &format!(",outcome=\"{outcome}\""),
    )
    .unwrap_or(0.0) as u64
}

fn first_items(function: &str) -> u64 {
    series("function_first_item_seconds_count", function, "").unwrap_or(0.0) as u64
}

async fn next<S: Stream + Unpin>(stream: &mut S) -> Option<S::Item> {
    poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await
}

#[instrument_latency(stream)]
fn countdown(from: u32) -> impl Iterator<Item = u32> {
    (0..from).rev()
}

#[test]
fn an_iterator_is_timed_until_it_ends() {
    assert_eq!(countdown(3).collect::<Vec<_>>(), [2, 1, 0]);
    assert_eq!(countdown(0).count(), 0);
    assert_eq!(calls("countdown", "ok"), 2);
    assert_eq!(
        first_items("countdown"),
        1,
        "an empty iterator has no first item"
    );
    let mut partial = countdown(10);
    assert_eq!(partial.next(), Some(9));
    assert_eq!(
        series("function_calls_in_flight", "countdown", ""),
        Some(1.0)
    );
    drop(partial);
    assert_eq!(calls("countdown", "cancelled"), 1, "dropped before its end");
    assert_eq!(
        series("function_calls_in_flight", "countdown", ""),
        Some(0.0)
    );
    assert_eq!(first_items("countdown"), 2);
}

#[instrument_latency(stream)]
fn boxed_letters(word: &str) -> Box<dyn DoubleEndedIterator<Item = char> + '_> {
    Box::new(word.chars())
}

#[instrument_latency(stream)]
fn exploding(at: u32) -> impl Iterator<Item = u32> {
    (0..).inspect(move |&i| assert!(i != at, "item boom (expected by the test)"))
}

#[test]
fn boxed_iterators_and_panics_while_iterating() {
    assert_eq!(boxed_letters("abc").rev().collect::<String>(), "cba");
    assert_eq!(calls("boxed_letters", "ok"), 1);
    let caught = std::panic::catch_unwind(|| exploding(2).take(5).count());
    assert!(caught.is_err());
    assert_eq!(calls("exploding", "panic"), 1);
    assert_eq!(first_items("exploding"), 1);
}

/// A stream of `n` tokens, one per `delay`.
struct Tokens {
    left: u32,
    sleep: Pin<Box<tokio::time::Sleep>>,
    delay: Duration,
}

impl Stream for Tokens {
    type Item = u32;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<u32>> {
        if self.left == 0 {
            return Poll::Ready(None);
        }
        if self.sleep.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        self.left -= 1;
        let delay = self.delay;
        self.sleep
            .as_mut()
            .reset(tokio::time::Instant::now() + delay);
        Poll::Ready(Some(self.left))
    }
}

fn tokens(n: u32, delay: Duration) -> Tokens {
    Tokens {
        left: n,
        sleep: Box::pin(tokio::time::sleep(delay)),
        delay,
    }
}

#[instrument_latency(stream)]
fn generate(n: u32) -> impl Stream<Item = u32> {
    tokens(n, Duration::from_millis(5))
}

/// Not `Unpin`: the wrapper boxes it.
struct Pinned {
    inner: Mutex<Tokens>,
    _pin: PhantomPinned,
}

impl Stream for Pinned {
    type Item = u32;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<u32>> {
        Pin::new(&mut *self.inner.lock().unwrap()).poll_next(cx)
    }
}

#[instrument_latency(stream)]
async fn connect_and_generate(n: u32) -> impl Stream<Item = u32> {
    tokio::task::yield_now().await;
    Pinned {
        inner: Mutex::new(tokens(n, Duration::from_millis(1))),
        _pin: PhantomPinned,
    }
}

#[instrument_latency(stream)]
fn boxed_stream(n: u32) -> Pin<Box<dyn Stream<Item = u32> + Send>> {
    Box::pin(tokens(n, Duration::from_millis(1)))
}

#[tokio::test]
async fn streams_record_time_to_first_item_and_total() {
    let mut stream = generate(3);
    let mut got = Vec::new();
    while let Some(token) = next(&mut stream).await {
        got.push(token);
    }
    assert_eq!(got, [2, 1, 0]);
    assert_eq!(calls("generate", "ok"), 1);
    let first = series("function_first_item_seconds_sum", "generate", "").unwrap();
    let total = series("function_duration_seconds_sum", "generate", "").unwrap();
    assert!(
        first >= 0.005 && total >= 0.015 && first < total,
        "first {first}, total {total}"
    );

    let mut pinned = Box::pin(connect_and_generate(2).await);
    assert_eq!(next(&mut pinned).await, Some(1));
    drop(pinned);
    assert_eq!(calls("connect_and_generate", "cancelled"), 1);
    assert_eq!(first_items("connect_and_generate"), 1);

    let mut boxed = boxed_stream(2);
    while next(&mut boxed).await.is_some() {}
    assert_eq!(calls("boxed_stream", "ok"), 1);
}

fn own_registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Registry::new)
}

struct Llm {
    latency_seconds: Histogram,
    time_to_first_token_seconds: Histogram,
}

fn llm() -> &'static Llm {
    static LLM: OnceLock<Llm> = OnceLock::new();
    LLM.get_or_init(|| Llm {
        latency_seconds: own_registry()
            .register(
                "llm_latency_seconds",
                "Whole completions.",
                Histogram::default(),
            )
            .unwrap(),
        time_to_first_token_seconds: own_registry()
            .register(
                "llm_time_to_first_token_seconds",
                "Time to first token.",
                Histogram::default(),
            )
            .unwrap(),
    })
}

#[instrument_latency(metric = llm().latency_seconds, first_item = llm().time_to_first_token_seconds)]
fn complete(n: u32) -> impl Stream<Item = u32> + Send {
    tokens(n, Duration::from_millis(2))
}

#[tokio::test]
async fn first_item_into_a_histogram_of_yours() {
    let mut stream = complete(2);
    while next(&mut stream).await.is_some() {}
    let mut abandoned = complete(5);
    assert!(next(&mut abandoned).await.is_some());
    drop(abandoned);
    let text = own_registry().encode(Format::Prometheus);
    assert!(text.contains("llm_latency_seconds_count 2\n"), "{text}");
    assert!(
        text.contains("llm_time_to_first_token_seconds_count 2\n"),
        "{text}"
    );
}
