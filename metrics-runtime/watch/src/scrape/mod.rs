//! Watching another process: GET its `/metrics` page, parse the text format,
//! and turn it into a [`Snapshot`] the sampler records like a registry read.

mod catalog;
mod http;
mod parse;

pub use catalog::catalog_of;
pub use http::{get, HttpClient, HttpError, HttpResponse, HttpUrl, MAX_BODY_BYTES};
pub use parse::{
    parse_text, parse_text_with, FamilyType, ParseError, ParseLimits, ParsedFamily, ParsedSample,
};

use std::collections::HashMap;
use std::fmt;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::sampler::{Snapshot, SnapshotSeries, SnapshotValue};

/// Why a scrape failed.
#[derive(Debug)]
pub enum ScrapeError {
    /// The GET failed.
    Http(HttpError),
    /// The body is not UTF-8.
    NotUtf8,
    /// The body is not a valid exposition.
    Parse(ParseError),
}

impl fmt::Display for ScrapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScrapeError::Http(e) => fmt::Display::fmt(e, f),
            ScrapeError::NotUtf8 => f.write_str("the response is not UTF-8 text"),
            ScrapeError::Parse(e) => write!(f, "invalid exposition: {e}"),
        }
    }
}

impl std::error::Error for ScrapeError {}

/// Where and how to scrape. Scrapes of one target (and of its clones) keep
/// their connection alive between them.
#[derive(Clone, Debug)]
pub struct ScrapeTarget {
    url: HttpUrl,
    bearer_token: Option<String>,
    client: HttpClient,
    limits: ParseLimits,
}

impl ScrapeTarget {
    /// The deadline of one scrape unless [`timeout`](Self::timeout) sets
    /// another (Prometheus's default scrape timeout is 10 s; a dashboard
    /// wants to know sooner).
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

    /// A target at `url` (`http://host:port/path`), 2 s timeout, no auth.
    pub fn new(url: &str) -> Result<Self, HttpError> {
        Ok(ScrapeTarget {
            url: HttpUrl::parse(url)?,
            bearer_token: None,
            client: HttpClient::new(Self::DEFAULT_TIMEOUT),
            limits: ParseLimits::default(),
        })
    }

    /// Sends `Authorization: Bearer <token>` with every scrape.
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.bearer_token = Some(token.into());
        self
    }

    /// Gives up on a scrape after `timeout` in total.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.client = HttpClient::new(timeout);
        self
    }

    /// How much of a page is read at most (the body itself is capped at
    /// [`MAX_BODY_BYTES`]); a page past a limit is a failed scrape.
    pub fn parse_limits(mut self, limits: ParseLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The URL scraped.
    pub fn url(&self) -> &HttpUrl {
        &self.url
    }

    /// Scrapes once.
    pub fn scrape(&self) -> Result<Snapshot, ScrapeError> {
        Ok(to_snapshot(&self.scrape_families()?))
    }

    /// Scrapes once and returns the parsed families, metadata included
    /// (for [`catalog_of`]).
    pub fn scrape_families(&self) -> Result<Vec<ParsedFamily>, ScrapeError> {
        let auth;
        let mut headers = Vec::new();
        if let Some(token) = &self.bearer_token {
            auth = format!("Bearer {token}");
            headers.push(("Authorization", auth.as_str()));
        }
        let response = self
            .client
            .get(&self.url, &headers)
            .map_err(ScrapeError::Http)?;
        let text = String::from_utf8(response.body).map_err(|_| ScrapeError::NotUtf8)?;
        parse_text_with(&text, &self.limits).map_err(ScrapeError::Parse)
    }

    /// Scrapes every `interval` on a background thread, sending each result
    /// with the instant the scrape started (Prometheus stamps samples with
    /// the scrape's start too). The thread ends once the receiver is dropped.
    pub fn spawn(
        self,
        interval: Duration,
    ) -> mpsc::Receiver<(Instant, Result<Snapshot, ScrapeError>)> {
        let (tx, rx) = mpsc::sync_channel(4);
        thread::Builder::new()
            .name("dashboard-scrape".to_owned())
            .spawn(move || {
                let mut next = Instant::now();
                loop {
                    let started = Instant::now();
                    let result = self.scrape();
                    if tx.send((started, result)).is_err() {
                        return;
                    }
                    next += interval;
                    let now = Instant::now();
                    if next < now {
                        // Fell behind (a slow target): skip, don't burst.
                        next = now;
                    }
                    thread::sleep(next - now);
                }
            })
            .expect("spawn the scrape thread");
        rx
    }
}

/// Turns parsed families into a snapshot: counters, gauges and untyped
/// samples one series each, a histogram's `_bucket`/`_count`/`_sum` into one
/// histogram series per label set, a summary's `_count`/`_sum` into one
/// summary series (its quantile samples become gauges). `_created` samples
/// and OpenMetrics-only types (info, stateset, gaugehistogram) are left out.
pub fn to_snapshot(families: &[ParsedFamily]) -> Snapshot {
    let mut snapshot = Snapshot::new();
    for family in families {
        match family.family_type {
            FamilyType::Counter | FamilyType::Gauge | FamilyType::Untyped => {
                for s in &family.samples {
                    if family.family_type == FamilyType::Counter
                        && s.name.ends_with("_created")
                        && s.name != family.name
                    {
                        continue;
                    }
                    let value = match family.family_type {
                        FamilyType::Counter => SnapshotValue::Counter(s.value),
                        FamilyType::Gauge => SnapshotValue::Gauge(s.value),
                        _ => SnapshotValue::Untyped(s.value),
                    };
                    snapshot.push(SnapshotSeries {
                        name: s.name.clone(),
                        labels: s.labels.clone(),
                        value,
                    });
                }
            }
            FamilyType::Histogram | FamilyType::Summary => distributions(family, &mut snapshot),
            FamilyType::Other => {}
        }
    }
    snapshot
}

#[derive(Default)]
struct Parts {
    buckets: Vec<(f64, f64)>,
    count: Option<f64>,
    sum: Option<f64>,
}

enum Part {
    Bucket(f64, f64),
    Count(f64),
    Sum(f64),
}

fn distributions(family: &ParsedFamily, snapshot: &mut Snapshot) {
    let histogram = family.family_type == FamilyType::Histogram;
    // Label sets in order of first appearance.
    let mut groups: Vec<(Vec<(String, String)>, Parts)> = Vec::new();
    let mut index: HashMap<Vec<(String, String)>, usize> = HashMap::new();
    let mut group = |labels: Vec<(String, String)>| -> usize {
        *index.entry(labels).or_insert_with_key(|labels| {
            groups.push((labels.clone(), Parts::default()));
            groups.len() - 1
        })
    };
    // `group` borrows `groups` mutably; collect the parts first, apply after.
    let mut parts: Vec<(usize, Part)> = Vec::new();
    for s in &family.samples {
        let suffix = s.name.strip_prefix(family.name.as_str()).unwrap_or("?");
        match suffix {
            "_bucket" if histogram => {
                let Some(le) = s.label("le").and_then(parse::parse_float) else {
                    continue;
                };
                let labels = s
                    .labels
                    .iter()
                    .filter(|(k, _)| k != "le")
                    .cloned()
                    .collect();
                parts.push((group(labels), Part::Bucket(le, s.value)));
            }
            "_count" => parts.push((group(s.labels.clone()), Part::Count(s.value))),
            "_sum" => parts.push((group(s.labels.clone()), Part::Sum(s.value))),
            "" if !histogram => snapshot.push(SnapshotSeries {
                name: s.name.clone(),
                labels: s.labels.clone(),
                value: SnapshotValue::Gauge(s.value),
            }),
            _ => {}
        }
    }
    for (i, part) in parts {
        let p = &mut groups[i].1;
        match part {
            Part::Bucket(le, v) => p.buckets.push((le, v)),
            Part::Count(v) => p.count = Some(v),
            Part::Sum(v) => p.sum = Some(v),
        }
    }
    for (labels, mut parts) in groups {
        let sum = parts.sum.unwrap_or(f64::NAN);
        let value = if histogram && !parts.buckets.is_empty() {
            parts.buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
            parts.buckets.dedup_by(|b, a| a.0 == b.0);
            let inf = parts
                .buckets
                .last()
                .filter(|b| b.0 == f64::INFINITY)
                .map(|b| b.1);
            let count = parts.count.or(inf).unwrap_or(f64::NAN);
            if inf.is_none() {
                // Prometheus requires the `+Inf` bucket; `_count` is the same
                // number, so stand it in when a lax exporter leaves it out.
                parts.buckets.push((f64::INFINITY, count));
            }
            SnapshotValue::Histogram {
                buckets: parts.buckets,
                count,
                sum,
            }
        } else {
            SnapshotValue::Summary {
                count: parts.count.unwrap_or(f64::NAN),
                sum,
            }
        };
        snapshot.push(SnapshotSeries {
            name: family.name.clone(),
            labels,
            value,
        });
    }
}
