//! Watching Prometheus metrics, from a registry in the same process or from
//! any `/metrics` page: PromQL's counter math ([`promql`]), bounded sampling
//! with derived rates, quantiles and alert evaluation ([`sampler`]), scraping
//! (`scrape`, feature `scrape`) and a live terminal dashboard (`dashboard`,
//! feature `dashboard`).
//!
//! `promstrict` re-exports these modules (features `watch`, `scrape`,
//! `dashboard`), which is where most users reach them. This package also
//! holds the `promwatch` command-line tool, which watches any `/metrics` URL
//! with the same dashboard:
//!
//! ```text
//! cargo install promstrict-watch
//! promwatch http://127.0.0.1:9464/metrics
//! promwatch --once http://127.0.0.1:9464/metrics     # a plain-text snapshot, for scripts
//! ```
//!
//! Nothing here writes to what it watches: a registry is read with
//! [`Registry::collect`](promstrict_core::Registry::collect), a page with a
//! GET, and every rate is computed from the sampled totals, never stored.
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]

pub mod promql;
pub mod sampler;

#[cfg(feature = "scrape")]
#[cfg_attr(docsrs, doc(cfg(feature = "scrape")))]
pub mod scrape;

#[cfg(feature = "dashboard")]
#[cfg_attr(docsrs, doc(cfg(feature = "dashboard")))]
pub mod dashboard;
