//! Generated code names only `::promstrict::__private::…` paths, so it
//! compiles in a crate that shadows the prelude, `std`, `core` and
//! `prometheus_client` (after serde's `test_gen.rs` and prometheus-client's
//! `redefine-prelude-symbols` test).
#![no_implicit_prelude]
#![allow(dead_code, non_camel_case_types, unused_macros)]

extern crate promstrict;
extern crate std as the_std;

struct Result;
struct Ok;
struct Err;
struct Option;
struct Some;
struct None;
struct Default;
struct Clone;
struct Copy;
struct Vec;
struct String;
struct Box;
struct usize;
struct str;
struct u64;
struct Self_;
mod std {}
mod core {}
mod prometheus_client {}
mod metrics {}
macro_rules! panic {
    ($($t:tt)*) => {
        compile_error!("generated code must use ::core::panic!")
    };
}
macro_rules! unreachable {
    ($($t:tt)*) => {
        compile_error!("generated code must use ::core::unreachable!")
    };
}

use promstrict::{Counter, Family, Histogram, Info, LabelSet, LabelValue, Metrics};

#[derive(::the_std::clone::Clone, ::the_std::marker::Copy, LabelValue)]
enum Method {
    Get,
    #[label(name = "POST")]
    Post,
}

#[derive(::the_std::clone::Clone, ::the_std::marker::Copy, LabelSet)]
struct RequestLabels {
    method: Method,
    ok: bool,
}

#[derive(Metrics)]
#[metrics(namespace = "shadow")]
struct Shadowed {
    /// Requests.
    #[metric(
        max_cardinality = 10,
        objective(errors(method = "POST"), percent = 99.0, page(for = "5m", severity = "critical"))
    )]
    requests_total: Family<RequestLabels, Counter>,
    /// Latency.
    #[metric(
        buckets = exponential(0.01, 2.0, 5),
        objective(latency = 0.04, percent = 99.0, ticket(for = "1h", severity = "low"))
    )]
    latency_seconds: Family<RequestLabels, Histogram>,
    /// Build.
    build_info: Info,
}

fn main() {
    let registry = promstrict::Registry::new();
    let m = match Shadowed::register(&registry) {
        ::the_std::result::Result::Ok(m) => m,
        ::the_std::result::Result::Err(e) => ::the_std::panic!("{}", e),
    };
    m.requests_total
        .labels(RequestLabels {
            method: Method::Post,
            ok: true,
        })
        .inc();
    m.latency_seconds
        .labels(RequestLabels {
            method: Method::Get,
            ok: false,
        })
        .observe(0.02);
    let text = registry.encode(promstrict::Format::Prometheus);
    ::the_std::assert!(
        text.contains("shadow_requests_total{method=\"POST\",ok=\"true\"} 1\n"),
        "{}",
        text
    );
    ::the_std::assert!(::the_std::ptr::eq(Shadowed::global(), Shadowed::global()));
    let mut pc: ::prometheus_client::registry::Registry =
        ::the_std::default::Default::default();
    let _ = Shadowed::register_prometheus_client(&mut pc);
}
