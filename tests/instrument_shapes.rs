//! `#[instrument_latency]` on every shape of function: methods, trait impls,
//! generics, `impl Trait` returns, `async-trait`-style bodies, aliases of
//! `Result`, and the `name`/`buckets` options.

use std::fmt::Display;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::time::Duration;

use promstrict::{default_registry, instrument_latency, Format, IsError};

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

struct Store {
    name: String,
    values: Vec<u32>,
}

impl Store {
    /// Docs stay on the function.
    #[must_use]
    #[instrument_latency]
    fn first(&self) -> Option<&u32> {
        self.values.first()
    }

    #[instrument_latency]
    fn append(&mut self, suffix: &str) -> &str {
        self.name.push_str(suffix);
        &self.name
    }

    #[instrument_latency]
    fn into_total(self) -> u32 {
        self.values.iter().sum()
    }

    #[instrument_latency]
    fn evens<'a>(&'a self) -> impl Iterator<Item = &'a u32> + 'a {
        self.values.iter().filter(|v| *v % 2 == 0)
    }

    #[instrument_latency]
    fn evens_mut(&mut self) -> impl Iterator<Item = &mut u32> {
        self.values.iter_mut().filter(|v| **v % 2 == 0)
    }

    #[instrument_latency]
    fn new_empty() -> Self {
        Store {
            name: String::new(),
            values: Vec::new(),
        }
    }

    #[instrument_latency]
    async fn append_later(&mut self, suffix: &str) -> &str {
        tokio::task::yield_now().await;
        self.name.push_str(suffix);
        &self.name
    }
}

#[test]
fn inherent_methods() {
    let mut store = Store {
        name: "a".to_owned(),
        values: vec![1, 2, 3, 4],
    };
    assert_eq!(store.first(), Some(&1));
    assert_eq!(store.append("b"), "ab");
    assert_eq!(store.evens().copied().collect::<Vec<_>>(), [2, 4]);
    for v in store.evens_mut() {
        *v += 10;
    }
    assert_eq!(Store::new_empty().values.len(), 0);
    assert_eq!(store.into_total(), 1 + 12 + 3 + 14);
    for f in [
        "first",
        "append",
        "evens",
        "evens_mut",
        "new_empty",
        "into_total",
    ] {
        assert_calls(f, 1, 0, 0, 0);
    }
}

#[tokio::test]
async fn async_method_returning_a_borrow_of_self() {
    let mut store = Store {
        name: String::new(),
        values: Vec::new(),
    };
    assert_eq!(store.append_later("x").await, "x");
    assert_calls("append_later", 1, 0, 0, 0);
}

trait Shape {
    fn area(&self) -> f64;
    fn scale(&mut self, by: f64) -> Result<(), String>;
    fn describe(&self) -> Pin<Box<dyn Future<Output = Result<String, String>> + Send + '_>>;
    fn grown(&self) -> impl Future<Output = f64> + Send;
    async fn perimeter(&self) -> f64;
}

struct Square(f64);

impl Shape for Square {
    #[instrument_latency]
    fn area(&self) -> f64 {
        self.0 * self.0
    }

    #[instrument_latency]
    fn scale(&mut self, by: f64) -> Result<(), String> {
        if by <= 0.0 {
            return Err(format!("cannot scale by {by}"));
        }
        self.0 *= by;
        Ok(())
    }

    // What `#[async_trait]` expands an `async fn` to.
    #[instrument_latency]
    fn describe(&self) -> Pin<Box<dyn Future<Output = Result<String, String>> + Send + '_>> {
        let side = self.0;
        Box::pin(async move {
            tokio::time::sleep(Duration::from_millis(2)).await;
            if side < 0.0 {
                return Err("negative".to_owned());
            }
            Ok(format!("square of side {side}"))
        })
    }

    #[instrument_latency]
    fn grown(&self) -> impl Future<Output = f64> + Send {
        let side = self.0;
        async move {
            tokio::task::yield_now().await;
            side + 1.0
        }
    }

    #[instrument_latency]
    async fn perimeter(&self) -> f64 {
        tokio::task::yield_now().await;
        4.0 * self.0
    }
}

#[tokio::test]
async fn trait_impl_methods() {
    let mut square = Square(2.0);
    assert_eq!(square.area(), 4.0);
    assert!(square.scale(-1.0).is_err());
    assert!(square.scale(2.0).is_ok());
    assert_calls("area", 1, 0, 0, 0);
    assert_calls("scale", 1, 1, 0, 0);

    // The returned future is what is timed, not its creation.
    let pending = square.describe();
    assert!(series(
        &scrape(),
        "function_calls_total",
        "describe",
        ",outcome=\"ok\""
    )
    .is_none());
    assert_eq!(pending.await.unwrap(), "square of side 4");
    assert!(Square(-1.0).describe().await.is_err());
    // Polled once (it is then sleeping), then dropped: cancelled.
    let mut cancelled = square.describe();
    let first =
        std::future::poll_fn(|cx| std::task::Poll::Ready(cancelled.as_mut().poll(cx))).await;
    assert!(first.is_pending());
    drop(cancelled);
    assert_calls("describe", 1, 1, 0, 1);
    let sum = series(&scrape(), "function_duration_seconds_sum", "describe", "").unwrap();
    assert!(sum >= 0.004, "the futures' run time is recorded: {sum}");

    assert_eq!(square.grown().await, 5.0);
    assert_calls("grown", 1, 0, 0, 0);
    assert_eq!(square.perimeter().await, 16.0);
    assert_calls("perimeter", 1, 0, 0, 0);
}

#[instrument_latency]
fn largest<T: PartialOrd + Copy>(items: &[T]) -> Option<T> {
    let mut best = *items.first()?;
    for &item in items {
        if item > best {
            best = item;
        }
    }
    Some(best)
}

#[instrument_latency]
fn shown(value: impl Display) -> impl Display {
    format!("<{value}>")
}

#[instrument_latency]
fn boxed_error(fail: bool) -> Result<u8, Box<dyn std::error::Error + Send + Sync>> {
    if fail {
        return Err("failed".into());
    }
    Ok(1)
}

#[instrument_latency]
fn result_of_impl(fail: bool) -> Result<impl Display, String> {
    if fail {
        Err("no".to_owned())
    } else {
        Ok(42)
    }
}

#[test]
fn generic_and_impl_trait_functions() {
    assert_eq!(largest(&[3, 9, 2]), Some(9));
    assert_eq!(largest(&[0.5, -1.0]), Some(0.5));
    assert_eq!(largest::<u8>(&[]), None);
    assert_calls("largest", 3, 0, 0, 0);
    assert_eq!(shown(5).to_string(), "<5>");
    assert_calls("shown", 1, 0, 0, 0);
    assert!(boxed_error(true).is_err() && boxed_error(false).is_ok());
    assert_calls("boxed_error", 1, 1, 0, 0);
    assert!(result_of_impl(true).is_err());
    assert_eq!(result_of_impl(false).unwrap().to_string(), "42");
    assert_calls("result_of_impl", 1, 1, 0, 0);
}

mod app {
    /// An alias, as `anyhow::Result` is.
    pub type Result<T, E = String> = std::result::Result<T, E>;
}

#[instrument_latency]
fn read_config(path: &str) -> io::Result<String> {
    std::fs::read_to_string(path)
}

#[instrument_latency]
fn checked(v: i32) -> app::Result<i32> {
    if v < 0 {
        Err("negative".into())
    } else {
        Ok(v)
    }
}

/// A return type of the user's that knows when it is a failure.
struct Response {
    status: u16,
}

impl IsError for Response {
    fn is_error(&self) -> bool {
        self.status >= 500
    }
}

#[instrument_latency]
fn respond(status: u16) -> Response {
    Response { status }
}

#[test]
fn errors_through_aliases_and_is_error() {
    assert!(read_config("/definitely/not/here").is_err());
    assert_calls("read_config", 0, 1, 0, 0);
    assert!(checked(-1).is_err() && checked(1).is_ok());
    assert_calls("checked", 1, 1, 0, 0);
    assert_eq!(
        respond(200).status + respond(503).status + respond(404).status,
        1107
    );
    assert_calls("respond", 2, 1, 0, 0);
}

mod one {
    pub struct Cache;
    pub struct Db;

    impl Cache {
        #[promstrict::instrument_latency]
        pub fn get(&self) -> u8 {
            1
        }
    }

    impl Db {
        #[promstrict::instrument_latency]
        pub fn get(&self) -> u8 {
            2
        }

        #[promstrict::instrument_latency(name = "Db::put", buckets = [0.5, 1.0])]
        pub fn put(&self) -> u8 {
            3
        }
    }
}

#[test]
fn same_names_in_one_module_share_series_and_name_renames() {
    assert_eq!(one::Cache.get() + one::Db.get() + one::Db.get(), 5);
    assert_eq!(one::Db.put(), 3);
    let text = scrape();
    let module = format!("{MODULE}::one");
    let calls =
        format!("function_calls_total{{function=\"get\",module=\"{module}\",outcome=\"ok\"}} 3\n");
    assert_eq!(
        text.matches(&calls).count(),
        1,
        "one merged series:\n{text}"
    );
    let put = format!("function_duration_seconds_bucket{{function=\"Db::put\",module=\"{module}\",le=\"0.5\"}} 1\n");
    assert!(text.contains(&put), "{put} in\n{text}");
    let buckets = text
        .lines()
        .filter(|l| l.starts_with("function_duration_seconds_bucket{function=\"Db::put\""))
        .count();
    assert_eq!(buckets, 3, "two bounds and +Inf");
}

#[instrument_latency]
fn with_inner_attribute() -> u32 {
    #![allow(clippy::let_and_return)]
    let x = 1;
    x
}

#[instrument_latency]
fn r#match() -> u32 {
    with_inner_attribute()
}

#[instrument_latency]
unsafe fn read_raw(p: *const u32) -> u32 {
    *p
}

#[test]
fn inner_attributes_raw_names_and_unsafe() {
    assert_eq!(r#match(), 1);
    assert_calls("match", 1, 0, 0, 0);
    let v = 9;
    // SAFETY: `v` is alive and aligned.
    assert_eq!(unsafe { read_raw(&v) }, 9);
    assert_calls("read_raw", 1, 0, 0, 0);
}
