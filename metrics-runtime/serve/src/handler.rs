//! The framework-agnostic `/metrics` handler.

use std::borrow::Cow;
use std::fmt;
use std::io::Write as _;
use std::ops::Deref;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};

use ::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use ::http::{Method, Request, Response, StatusCode};
use bytes::Bytes;
use flate2::write::GzEncoder;
use flate2::Compression;

use super::auth::BearerToken;
use promstrict_core::{Format, Registry};

/// The registry a handler serves: a `'static` one (such as
/// [`default_registry()`](promstrict_core::default_registry)) or a shared one.
#[derive(Clone, Debug)]
pub enum RegistryRef {
    /// A registry that lives for the whole program.
    Static(&'static Registry),
    /// A registry shared with the code that records into it.
    Shared(Arc<Registry>),
}

impl Deref for RegistryRef {
    type Target = Registry;

    fn deref(&self) -> &Registry {
        match self {
            RegistryRef::Static(r) => r,
            RegistryRef::Shared(r) => r,
        }
    }
}

impl From<&'static Registry> for RegistryRef {
    fn from(registry: &'static Registry) -> Self {
        RegistryRef::Static(registry)
    }
}

impl From<Arc<Registry>> for RegistryRef {
    fn from(registry: Arc<Registry>) -> Self {
        RegistryRef::Shared(registry)
    }
}

impl From<&Arc<Registry>> for RegistryRef {
    fn from(registry: &Arc<Registry>) -> Self {
        RegistryRef::Shared(Arc::clone(registry))
    }
}

/// Answers scrapes of a [`Registry`] with `http` crate types; every adapter in
/// this module is a thin wrapper around it.
///
/// - `GET`: `200` with the format negotiated from `Accept`
///   ([`Format::from_accept`]; with the `protobuf` feature, protobuf when
///   `Accept` prefers it, as Prometheus does with native histograms on), its
///   `Content-Type`, a `Content-Length`, and
///   `Vary: Accept, Accept-Encoding`; the body is gzip-compressed
///   (`Content-Encoding: gzip`) when `Accept-Encoding` allows it.
/// - `HEAD`: the same headers, `Content-Length` included, with an empty body.
/// - any other method: `405` with `Allow: GET, HEAD`.
/// - with a [bearer token](MetricsHandler::with_bearer_token), a request
///   without it gets `401` with `WWW-Authenticate: Bearer` and no body, before
///   anything else is looked at.
///
/// The handler does not look at the path: mount it where scrapes go.
///
/// Buffers: a plain response is encoded into a string sized from the previous
/// scrape and handed over as the body without a copy; a compressed one is
/// encoded into a scratch buffer the handler keeps (when two scrapes overlap,
/// the second uses a fresh one) and only the compressed bytes are allocated
/// per scrape. Cloning a handler is cheap and shares the buffers.
#[derive(Clone)]
pub struct MetricsHandler {
    registry: RegistryRef,
    token: Option<BearerToken>,
    gzip: bool,
    buffers: Arc<Buffers>,
}

#[derive(Default)]
struct Buffers {
    /// The text length of the last scrape, to size the next buffer.
    last_len: AtomicUsize,
    /// Where a compressed response's text is encoded.
    scratch: Mutex<String>,
}

impl Buffers {
    fn capacity_hint(&self) -> usize {
        let last = self.last_len.load(Relaxed);
        last + last / 8 + 64
    }

    fn scratch(&self) -> Option<MutexGuard<'_, String>> {
        match self.scratch.try_lock() {
            Ok(guard) => Some(guard),
            // A panic mid-encode leaves at worst a partial string, which is
            // cleared before use.
            Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        }
    }
}

impl fmt::Debug for MetricsHandler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetricsHandler")
            .field("metrics", &self.registry.len())
            .field("auth", &self.token.is_some())
            .field("gzip", &self.gzip)
            .finish()
    }
}

const VARY_WITH_GZIP: &str = "Accept, Accept-Encoding";
const VARY_WITHOUT_GZIP: &str = "Accept";
const ALLOW: &str = "GET, HEAD";
const BEARER_CHALLENGE: &str = "Bearer realm=\"metrics\"";

impl MetricsHandler {
    /// A handler serving `registry`, with gzip and without auth.
    pub fn new(registry: impl Into<RegistryRef>) -> Self {
        MetricsHandler {
            registry: registry.into(),
            token: None,
            gzip: true,
            buffers: Arc::default(),
        }
    }

    /// Requires `Authorization: Bearer <token>` on every request. The token is
    /// compared in constant time and never printed by `Debug`.
    ///
    /// # Panics
    /// If `token` is empty (that would accept `Authorization: Bearer `).
    pub fn with_bearer_token(mut self, token: impl AsRef<str>) -> Self {
        let token = token.as_ref();
        assert!(
            !token.is_empty(),
            "an empty bearer token would accept any client"
        );
        self.token = Some(BearerToken::new(token));
        self
    }

    /// Turns gzip compression on (the default) or off.
    pub fn with_gzip(mut self, enabled: bool) -> Self {
        self.gzip = enabled;
        self
    }

    /// The registry served.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Answers `request` (its body is not read).
    pub fn handle<B>(&self, request: &Request<B>) -> Response<Bytes> {
        self.respond(request.method(), request.headers())
    }

    /// Answers a request given its method and headers, for frameworks whose
    /// request type is not `http::Request`.
    pub fn respond(&self, method: &Method, headers: &HeaderMap) -> Response<Bytes> {
        if let Some(token) = &self.token {
            let authorization = headers
                .get(header::AUTHORIZATION)
                .map(HeaderValue::as_bytes);
            if !token.accepts(authorization) {
                return empty(
                    StatusCode::UNAUTHORIZED,
                    header::WWW_AUTHENTICATE,
                    BEARER_CHALLENGE,
                );
            }
        }
        let head = match *method {
            Method::GET => false,
            Method::HEAD => true,
            _ => return empty(StatusCode::METHOD_NOT_ALLOWED, header::ALLOW, ALLOW),
        };
        let accept = joined(headers, header::ACCEPT);
        let gzip = self.gzip && accepts_gzip(joined(headers, header::ACCEPT_ENCODING).as_deref());
        let (body, content_type) = match self.protobuf(accept.as_deref(), gzip) {
            Some(answer) => answer,
            None => {
                let format = Format::from_accept(accept.as_deref());
                let body = if gzip {
                    self.encode_gzip(format)
                } else {
                    self.encode(format)
                };
                (body, format.content_type())
            }
        };

        let mut response_headers = HeaderMap::with_capacity(4);
        response_headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        response_headers.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
        if gzip {
            response_headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        response_headers.insert(
            header::VARY,
            HeaderValue::from_static(if self.gzip {
                VARY_WITH_GZIP
            } else {
                VARY_WITHOUT_GZIP
            }),
        );
        let mut response = Response::new(if head { Bytes::new() } else { body });
        *response.headers_mut() = response_headers;
        response
    }

    /// The protobuf body and its `Content-Type` when `accept` prefers
    /// protobuf ([`Exposition::from_accept`](promstrict_core::Exposition::from_accept)).
    #[cfg(feature = "protobuf")]
    fn protobuf(&self, accept: Option<&str>, gzip: bool) -> Option<(Bytes, &'static str)> {
        use promstrict_core::Exposition;
        if Exposition::from_accept(accept) != Exposition::Protobuf {
            return None;
        }
        let bytes = self.registry.encode_protobuf();
        let body = if gzip {
            let mut encoder = GzEncoder::new(
                Vec::with_capacity(bytes.len() / 2 + 64),
                Compression::fast(),
            );
            encoder
                .write_all(&bytes)
                .expect("writing to a Vec cannot fail");
            Bytes::from(encoder.finish().expect("writing to a Vec cannot fail"))
        } else {
            Bytes::from(bytes)
        };
        Some((body, Exposition::Protobuf.content_type()))
    }

    /// Without the `protobuf` feature every answer is text.
    #[cfg(not(feature = "protobuf"))]
    fn protobuf(&self, _accept: Option<&str>, _gzip: bool) -> Option<(Bytes, &'static str)> {
        None
    }

    fn encode(&self, format: Format) -> Bytes {
        let mut text = String::with_capacity(self.buffers.capacity_hint());
        self.registry.encode_into(format, &mut text);
        self.buffers.last_len.store(text.len(), Relaxed);
        Bytes::from(text)
    }

    fn encode_gzip(&self, format: Format) -> Bytes {
        let mut scratch = self.buffers.scratch();
        let mut fresh = String::new();
        let text: &mut String = match scratch.as_deref_mut() {
            Some(text) => text,
            None => &mut fresh,
        };
        text.clear();
        text.reserve(self.buffers.capacity_hint());
        self.registry.encode_into(format, text);
        self.buffers.last_len.store(text.len(), Relaxed);
        // Fast compression: metrics text shrinks ~10x even at level 1, and a
        // scrape should cost the process as little CPU as possible.
        let mut encoder =
            GzEncoder::new(Vec::with_capacity(text.len() / 6 + 64), Compression::fast());
        encoder
            .write_all(text.as_bytes())
            .expect("writing to a Vec cannot fail");
        Bytes::from(encoder.finish().expect("writing to a Vec cannot fail"))
    }
}

fn empty(status: StatusCode, name: HeaderName, value: &'static str) -> Response<Bytes> {
    let mut response = Response::new(Bytes::new());
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(name, HeaderValue::from_static(value));
    response
}

/// A header's values joined with `, ` (a list header may be sent as several
/// lines); `None` if absent or not text.
fn joined(headers: &HeaderMap, name: HeaderName) -> Option<Cow<'_, str>> {
    let mut values = headers.get_all(name).iter().filter_map(|v| v.to_str().ok());
    let first = values.next()?;
    match values.next() {
        None => Some(Cow::Borrowed(first)),
        Some(second) => {
            let mut all = format!("{first}, {second}");
            for v in values {
                all.push_str(", ");
                all.push_str(v);
            }
            Some(Cow::Owned(all))
        }
    }
}

/// Whether an `Accept-Encoding` value allows gzip (RFC 9110 §12.5.3): `gzip`
/// (or its alias `x-gzip`) with a non-zero `q`, or `*` when gzip is not named;
/// unless `identity` is explicitly preferred.
fn accepts_gzip(accept_encoding: Option<&str>) -> bool {
    let Some(value) = accept_encoding else {
        return false;
    };
    let mut gzip: Option<f32> = None;
    let mut star: Option<f32> = None;
    let mut identity: Option<f32> = None;
    for item in value.split(',') {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or("").trim();
        let mut q = 1.0f32;
        for param in parts {
            if let Some((key, v)) = param.split_once('=') {
                if key.trim().eq_ignore_ascii_case("q") {
                    q = match v.trim().parse::<f32>() {
                        Ok(v) if (0.0..=1.0).contains(&v) => v,
                        _ => 0.0, // an invalid weight: treat as not acceptable
                    };
                }
            }
        }
        let slot = if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
            &mut gzip
        } else if coding == "*" {
            &mut star
        } else if coding.eq_ignore_ascii_case("identity") {
            &mut identity
        } else {
            continue;
        };
        *slot = Some(slot.map_or(q, |old: f32| old.max(q)));
    }
    let q_gzip = gzip.or(star).unwrap_or(0.0);
    q_gzip > 0.0 && q_gzip >= identity.unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_negotiation_table() {
        let cases: &[(Option<&str>, bool)] = &[
            (None, false),
            (Some(""), false),
            (Some("gzip"), true),
            (Some("GZip"), true),
            (Some("x-gzip"), true),
            (Some("gzip, deflate, br"), true),
            (Some("br;q=1.0, gzip;q=0.8, *;q=0.1"), true),
            (Some("deflate, br"), false),
            (Some("gzip;q=0"), false),
            (Some("gzip;q=0.000"), false),
            (Some("*"), true),
            (Some("*;q=0"), false),
            (Some("gzip;q=0, *"), false),
            (Some("identity"), false),
            (Some("identity;q=1, gzip;q=0.5"), false),
            (Some("identity;q=0.5, gzip;q=0.5"), true),
            (Some("gzip;q=abc"), false),
            (Some("gzip;q=1.5"), false),
            (Some(" gzip ; q=0.3 "), true),
        ];
        for (value, want) in cases {
            assert_eq!(accepts_gzip(*value), *want, "Accept-Encoding: {value:?}");
        }
    }

    #[test]
    fn repeated_header_lines_are_joined() {
        let mut headers = HeaderMap::new();
        headers.append(header::ACCEPT, HeaderValue::from_static("text/plain;q=0.1"));
        headers.append(
            header::ACCEPT,
            HeaderValue::from_static("application/openmetrics-text"),
        );
        assert_eq!(
            joined(&headers, header::ACCEPT).as_deref(),
            Some("text/plain;q=0.1, application/openmetrics-text")
        );
        assert_eq!(joined(&headers, header::ACCEPT_ENCODING), None);
    }

    #[cfg(feature = "protobuf")]
    #[test]
    fn protobuf_when_accept_prefers_it() {
        use promstrict_core::{protobuf, Counter, NativeHistogram};
        let registry = Arc::new(Registry::new());
        registry
            .register("jobs_total", "Jobs.", Counter::new())
            .unwrap()
            .inc();
        registry
            .register("rpc_seconds", "RPC latency.", NativeHistogram::default())
            .unwrap()
            .observe(1.0);
        let handler = MetricsHandler::new(&registry).with_gzip(false);
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_static("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,text/plain;version=0.0.4;q=0.5"),
        );
        let response = handler.respond(&Method::GET, &headers);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            protobuf::CONTENT_TYPE
        );
        let families = protobuf::decode_delimited(response.body()).unwrap();
        assert_eq!(families.len(), 2);
        assert_eq!(
            families[1].metric[0]
                .histogram
                .as_ref()
                .unwrap()
                .sample_count,
            1
        );
        // A malformed or text-only Accept gets text.
        for accept in ["garbage;;;q=", "text/plain"] {
            headers.insert(header::ACCEPT, HeaderValue::from_static(accept));
            let response = handler.respond(&Method::GET, &headers);
            assert!(response.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/plain"));
        }
    }
}
