//! Every shape of function `#[instrument_latency]` goes on, without a warning
//! of its own; `main` checks what was recorded.
#![deny(warnings)]

use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;

use promstrict::{default_registry, instrument_latency, Format};

/// Docs, `#[must_use]`, `#[inline]` and visibility are kept.
#[must_use]
#[inline]
#[instrument_latency]
pub(crate) fn documented() -> u32 {
    1
}

#[instrument_latency]
fn generic<T: Debug + Clone, const N: usize>(items: [T; N]) -> Vec<T>
where
    T: Default,
{
    items.to_vec()
}

#[instrument_latency]
fn lifetimes<'a, 'b: 'a>(a: &'a str, _b: &'b str) -> &'a str {
    a
}

#[instrument_latency]
fn early_return_and_question_mark(s: &str) -> Result<u8, std::num::ParseIntError> {
    if s == "zero" {
        return Ok(0);
    }
    Ok(s.parse::<u8>()? + 1)
}

#[instrument_latency]
fn option_question_mark(v: &[u8]) -> Option<u8> {
    Some(*v.first()? + 1)
}

#[instrument_latency]
fn unit_return(v: &mut Vec<u8>) {
    v.push(1);
}

#[instrument_latency]
fn impl_args(f: impl Fn(u8) -> u8, x: u8) -> impl Debug {
    f(x)
}

#[instrument_latency]
fn pattern_args((a, b): (u8, u8), [c]: [u8; 1], mut d: u8) -> u8 {
    d += 1;
    a + b + c + d
}

#[instrument_latency]
fn diverging_body() -> u8 {
    loop {
        return 3;
    }
}

#[instrument_latency]
fn closure_returning() -> impl Fn(u8) -> u8 {
    |x| x * 2
}

struct Counter {
    n: u32,
}

impl Counter {
    #[instrument_latency]
    fn new() -> Self {
        Counter { n: 0 }
    }

    #[instrument_latency]
    fn bump(&mut self) -> &mut u32 {
        self.n += 1;
        &mut self.n
    }

    #[instrument_latency]
    fn boxed(self: Box<Self>) -> u32 {
        self.n
    }

    #[instrument_latency]
    async fn later(&self) -> u32 {
        self.n
    }
}

trait Service {
    fn call(&self, x: u8) -> Pin<Box<dyn Future<Output = Result<u8, String>> + Send + '_>>;
    fn default_method(&self) -> u8 {
        7
    }
}

impl Service for Counter {
    #[instrument_latency]
    fn call(&self, x: u8) -> Pin<Box<dyn Future<Output = Result<u8, String>> + Send + '_>> {
        Box::pin(async move {
            if x == 0 {
                return Err("zero".into());
            }
            Ok(x + self.n as u8)
        })
    }

    #[instrument_latency]
    fn default_method(&self) -> u8 {
        8
    }
}

trait WithDefault {
    #[instrument_latency]
    fn provided(&self) -> u8 {
        9
    }
}

impl WithDefault for Counter {}

struct Wrapper<T> {
    value: T,
    latency: promstrict::Histogram,
}

impl<T: Clone + Send + Sync> Wrapper<T> {
    #[instrument_latency]
    fn get(&self) -> T {
        self.value.clone()
    }

    /// A metric reached through `&self`.
    #[instrument_latency(metric = self.latency)]
    async fn get_later(&self) -> T {
        self.value.clone()
    }
}

fn assert_send<T: Send>(t: T) -> T {
    t
}

#[instrument_latency]
async fn send_future(x: u32) -> u32 {
    std::future::ready(x).await
}

fn main() {
    let _ = documented();
    assert_eq!(generic([1u8, 2]), vec![1, 2]);
    assert_eq!(lifetimes("a", "b"), "a");
    assert_eq!(early_return_and_question_mark("zero"), Ok(0));
    assert!(early_return_and_question_mark("x").is_err());
    assert_eq!(option_question_mark(&[]), None);
    let mut v = Vec::new();
    unit_return(&mut v);
    let _ = impl_args(|x| x + 1, 1);
    assert_eq!(pattern_args((1, 2), [3], 4), 11);
    assert_eq!(diverging_body(), 3);
    assert_eq!(closure_returning()(2), 4);
    let mut counter = Counter::new();
    *counter.bump() += 1;
    assert_eq!(counter.default_method() + counter.provided(), 17);
    let wrapper = Wrapper {
        value: 5u8,
        latency: promstrict::Histogram::default(),
    };
    assert_eq!(wrapper.get(), 5);
    drop(assert_send(wrapper.get_later()));
    drop(assert_send(counter.call(1)));
    drop(assert_send(send_future(1)));
    drop(counter.later());
    assert_eq!(Box::new(counter).boxed(), 2);

    let text = default_registry().encode(Format::Prometheus);
    for (function, errors) in [
        ("early_return_and_question_mark", 1),
        ("option_question_mark", 0),
    ] {
        let series = format!(
            "function_calls_total{{function=\"{function}\",module=\"{}\",outcome=\"error\"}} {errors}\n",
            module_path!()
        );
        assert!(text.contains(&series), "{series} in\n{text}");
    }
}
