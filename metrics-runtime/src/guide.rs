//! The user guide: from the first counter to serving, dashboards and PromQL.
//!
//! Each chapter is a page of this module; every code block in it is compiled
//! and run as a test, so what you read here is what the crate does.
//!
//! | chapter | what it covers |
//! | --- | --- |
//! | 1. [Quick start](quick_start) | adding the crate, a first metric struct, serving it, timing a function |
//! | 2. [Metric structs](metric_structs) | `#[derive(Metrics)]`: its options, what it generates, registries, hand registration |
//! | 3. [Labels](labels) | `LabelValue` enums, `LabelSet` structs, `bounded_label!`, families and their cardinality |
//! | 4. [Naming rules](naming_rules) | every rule for names, units and labels, with its exact message, at compile time and at run time |
//! | 5. [Buckets](buckets) | histogram buckets: presets, generators, limits |
//! | 6. [`#[instrument_latency]`](instrument_latency) | timing functions: every option, sync, async, methods, streams, outcomes |
//! | 7. [Serving](serving) | `/metrics` from axum, actix-web, hyper, a tower layer, or the embedded exporter |
//! | 8. [Dashboard and sampler](dashboard) | the live terminal dashboard, sampling, derived rates and alerts |
//! | 9. [PromQL functions](promql) | `rate`, `increase`, `irate`, `idelta`, `delta`, `resets`, `histogram_quantile` |
//! | 10. [prometheus-client interop](prometheus_client_interop) | our metrics inside a `prometheus_client` registry |
//! | 11. [Testing and scrape-time values](testing) | reading samples back, assertions, expositions compared, `GaugeFn`/`CounterFn`, `build_info!` |
//! | 12. [Push and remote write](push_and_remote_write) | batch jobs to a Pushgateway, samples to a long-term store with remote write |
//! | 13. [Alert rules and dashboards](alert_rules_and_dashboards) | objectives next to the metrics, generated Prometheus rules (recording, SLO burn-rate, service alerts) and Grafana dashboards |
//! | 14. [Exemplars and OpenMetrics types](exemplars) | exemplars (by hand and from the current trace), `_created` samples, `StateSet`, `GaugeHistogram` |
//! | 15. [Native histograms and protobuf](native_histograms) | `NativeHistogram` and its parameters, the protobuf exposition Prometheus scrapes them in, their quantiles |
//! | 16. [Web API sets](web_api_sets) | HTTP to the end of streamed bodies, errors by kind, the GenAI (LLM) set, the WebSocket set |

// The guide describes the feature-gated API too; docs.rs builds it with every
// feature, and without them those links have no target.
#![cfg_attr(
    not(all(
        feature = "axum",
        feature = "axum-ws",
        feature = "actix-web",
        feature = "exporter",
        feature = "dashboard",
        feature = "push",
        feature = "remote-write",
        feature = "protobuf"
    )),
    allow(rustdoc::broken_intra_doc_links)
)]

#[doc = include_str!("../guide/01-quick-start.md")]
pub mod quick_start {}

#[doc = include_str!("../guide/02-metric-structs.md")]
pub mod metric_structs {}

#[doc = include_str!("../guide/03-labels.md")]
pub mod labels {}

#[doc = include_str!("../guide/04-naming-rules.md")]
pub mod naming_rules {}

#[doc = include_str!("../guide/05-buckets.md")]
pub mod buckets {}

#[doc = include_str!("../guide/06-instrument-latency.md")]
pub mod instrument_latency {}

#[doc = include_str!("../guide/07-serving.md")]
pub mod serving {}

#[doc = include_str!("../guide/08-dashboard-and-sampler.md")]
pub mod dashboard {}

#[doc = include_str!("../guide/09-promql.md")]
pub mod promql {}

#[doc = include_str!("../guide/10-prometheus-client.md")]
pub mod prometheus_client_interop {}

#[doc = include_str!("../guide/11-testing-and-scrape-time-values.md")]
pub mod testing {}

#[doc = include_str!("../guide/12-push-and-remote-write.md")]
pub mod push_and_remote_write {}

#[doc = include_str!("../guide/13-alert-rules-and-dashboards.md")]
pub mod alert_rules_and_dashboards {}

#[doc = include_str!("../guide/14-exemplars-and-openmetrics-types.md")]
pub mod exemplars {}

#[doc = include_str!("../guide/15-native-histograms-and-protobuf.md")]
pub mod native_histograms {}

#[doc = include_str!("../guide/16-web-api-sets.md")]
pub mod web_api_sets {}
