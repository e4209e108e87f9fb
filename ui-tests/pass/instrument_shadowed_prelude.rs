//! Generated code names only `::promstrict::__private::…` and `::core::…`:
//! it compiles in a crate that shadows the prelude's names and `std`, and it
//! brings no `unsafe` and no warning of its own.
#![forbid(unsafe_code)]
#![deny(warnings)]
#![allow(dead_code, non_camel_case_types)]

use promstrict::{instrument_latency, Histogram};

struct Result;
struct Ok;
struct Err;
struct Option;
struct Some;
struct None;
struct Box;
struct Pin;
struct Vec;
struct String;
struct Send;
struct Sync;
struct Future;
struct Iterator;
struct Drop;
struct FnOnce;
struct From;
struct Into;
struct bool;
struct u64;
struct f64;
mod std {}
mod core {}
mod prometheus_client {}
// Unused: the generated code says `::core::module_path!()`.
#[allow(unused_macros)]
macro_rules! module_path {
    () => {
        "shadowed"
    };
}

static LATENCY: ::std::sync::LazyLock<Histogram> = ::std::sync::LazyLock::new(Histogram::default);

#[instrument_latency]
fn plain(x: u32) -> u32 {
    x + 1
}

#[instrument_latency]
fn fallible(x: u32) -> ::core::result::Result<u32, ()> {
    if x == 0 {
        return ::core::result::Result::Err(());
    }
    ::core::result::Result::Ok(x)
}

#[instrument_latency(buckets = "fast", objective(latency = 0.25, percent = 99.0, page(for = "5m", severity = "critical")))]
async fn later(x: u32) -> u32 {
    x
}

#[instrument_latency(metric = LATENCY)]
fn custom() -> u8 {
    1
}

#[instrument_latency(stream)]
fn items() -> impl ::core::iter::Iterator<Item = u8> {
    0..2
}

#[instrument_latency(stream)]
fn boxed_items() -> ::std::boxed::Box<dyn ::core::iter::Iterator<Item = u8>> {
    ::std::boxed::Box::new(0..2)
}

fn main() {
    let _ = plain(1);
    let _ = fallible(0);
    let _ = later(1);
    let _ = custom();
    let _ = items().count();
    let _ = boxed_items().count();
}
