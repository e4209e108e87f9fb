//! The framework-agnostic `/metrics` handler.

use std::borrow::Cow;
use std::fmt;
use std::ops::Deref;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;

use ::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use ::http::{Method, Request, Response, StatusCode};
use bytes::Bytes;
use flate2::{Compress, Compression, FlushCompress, Status};

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
///   `Vary: Accept, Accept-Encoding`; the body is compressed when
///   `Accept-Encoding` allows it: with the `zstd` feature, zstd
///   (`Content-Encoding: zstd`) when the client weighs it at least as high
///   as gzip (as client_golang negotiates), else gzip (level 1, the
///   `zlib-rs` backend), else none.
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
/// streamed through the compressor chunk by chunk
/// ([`Registry::encode_to`]), so only the compressed bytes are held whole.
/// Overlapping scrapes share nothing but the size hints: none waits for
/// another. Cloning a handler is cheap.
#[derive(Clone)]
pub struct MetricsHandler {
    registry: RegistryRef,
    token: Option<BearerToken>,
    gzip: bool,
    zstd: bool,
    sizes: Arc<Sizes>,
}

/// The body sizes of the last scrape, to size the next buffers, and the
/// compressor states kept between scrapes.
#[derive(Default)]
struct Sizes {
    text: AtomicUsize,
    compressed: AtomicUsize,
    /// A deflate state is about 300 KiB to allocate and set up, which cost a
    /// third of a gzip scrape of a thousand series: scrapes take one from
    /// here and put it back after, reset.
    gzip: std::sync::Mutex<Vec<Compress>>,
    /// Setting a zstd context up costs more than compressing a page of a
    /// thousand series: scrapes take one from here (the lock is held only
    /// to pop or push) and put it back after.
    #[cfg(feature = "zstd")]
    zstd: std::sync::Mutex<Vec<zstd::zstd_safe::CCtx<'static>>>,
}

/// Compressor states kept for reuse (one per concurrent compressed scrape,
/// up to this many, per coding).
const KEPT_CONTEXTS: usize = 4;

/// The compressor state for one compression, and where it goes back after.
pub(crate) struct CodecContext<'h> {
    gzip: Option<Compress>,
    #[cfg(feature = "zstd")]
    ctx: Option<zstd::zstd_safe::CCtx<'static>>,
    home: &'h Sizes,
}

impl Sizes {
    /// A kept compressor state for `coding`, or a new one.
    fn codec_context(&self, coding: Coding) -> CodecContext<'_> {
        let gzip = (coding == Coding::Gzip).then(|| {
            let kept = self.gzip.lock().unwrap_or_else(|e| e.into_inner()).pop();
            // Level 1: metrics text shrinks about fivefold even so, and a
            // scrape should cost the process as little CPU as possible.
            kept.unwrap_or_else(|| Compress::new(Compression::fast(), false))
        });
        #[cfg(feature = "zstd")]
        {
            let ctx = if coding == Coding::Zstd {
                let kept = self.zstd.lock().unwrap_or_else(|e| e.into_inner()).pop();
                Some(kept.unwrap_or_else(|| {
                    let mut ctx = zstd::zstd_safe::CCtx::create();
                    // Level 1, as `Compressor` uses without a context.
                    let _ = ctx.set_parameter(zstd::zstd_safe::CParameter::CompressionLevel(1));
                    ctx
                }))
            } else {
                None
            };
            CodecContext {
                gzip,
                ctx,
                home: self,
            }
        }
        #[cfg(not(feature = "zstd"))]
        {
            CodecContext { gzip, home: self }
        }
    }
}

impl Drop for CodecContext<'_> {
    fn drop(&mut self) {
        if let Some(mut gzip) = self.gzip.take() {
            gzip.reset();
            let mut kept = self.home.gzip.lock().unwrap_or_else(|e| e.into_inner());
            if kept.len() < KEPT_CONTEXTS {
                kept.push(gzip);
            }
        }
        #[cfg(feature = "zstd")]
        if let Some(ctx) = self.ctx.take() {
            let mut kept = self.home.zstd.lock().unwrap_or_else(|e| e.into_inner());
            if kept.len() < KEPT_CONTEXTS {
                kept.push(ctx);
            }
        }
    }
}

fn capacity_hint(last: &AtomicUsize) -> usize {
    let last = last.load(Relaxed);
    last + last / 8 + 64
}

/// A response body's `Content-Encoding`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Coding {
    Identity,
    Gzip,
    Zstd,
}

impl fmt::Debug for MetricsHandler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetricsHandler")
            .field("metrics", &self.registry.len())
            .field("auth", &self.token.is_some())
            .field("gzip", &self.gzip)
            .field("zstd", &self.zstd)
            .finish()
    }
}

/// What [`MetricsHandler::plan`] decided.
pub(crate) enum Planned {
    /// The whole response.
    Done(Response<Bytes>),
    /// An exposition, to encode.
    Page {
        page: Page,
        coding: Coding,
        /// A `HEAD` request: the headers only.
        head: bool,
    },
}

/// Which exposition a scrape gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Page {
    Text(Format),
    /// Delimited `MetricFamily` messages.
    #[cfg(feature = "protobuf")]
    Protobuf,
}

impl Page {
    /// The page for a request's `Accept` header: protobuf when it prefers
    /// it ([`Exposition::from_accept`](promstrict_core::Exposition::from_accept)),
    /// else a text format.
    fn negotiate(accept: Option<&str>) -> Page {
        #[cfg(feature = "protobuf")]
        if promstrict_core::Exposition::from_accept(accept) == promstrict_core::Exposition::Protobuf
        {
            return Page::Protobuf;
        }
        Page::Text(Format::from_accept(accept))
    }

    /// The response's `Content-Type`.
    pub(crate) fn content_type(self) -> &'static str {
        match self {
            Page::Text(format) => format.content_type(),
            #[cfg(feature = "protobuf")]
            Page::Protobuf => promstrict_core::protobuf::CONTENT_TYPE,
        }
    }

    /// Streams the page to `writer` in chunks.
    pub(crate) fn write_to(
        self,
        registry: &Registry,
        writer: &mut impl std::io::Write,
    ) -> std::io::Result<()> {
        match self {
            Page::Text(format) => registry.encode_to(writer, format),
            #[cfg(feature = "protobuf")]
            Page::Protobuf => registry.encode_protobuf_to(writer),
        }
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
            zstd: cfg!(feature = "zstd"),
            sizes: Arc::default(),
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

    /// Turns compression on (the default) or off: gzip, and zstd with the
    /// `zstd` feature (which [`with_zstd`](Self::with_zstd) turns off alone).
    pub fn with_gzip(mut self, enabled: bool) -> Self {
        self.gzip = enabled;
        self
    }

    /// Turns zstd compression on (the default with the `zstd` feature) or
    /// off, leaving gzip as it is. A scraper that accepts zstd at least as much as gzip gets it:
    /// at level 1 it compresses metrics text about as well as gzip does, in
    /// a fraction of the time.
    ///
    /// ```
    /// use http::{header, HeaderMap, HeaderValue, Method};
    /// use promstrict_core::{Counter, Registry};
    /// use promstrict_serve::MetricsHandler;
    /// use std::sync::Arc;
    ///
    /// let registry = Arc::new(Registry::new());
    /// registry.register("jobs_total", "Jobs run.", Counter::new())?.inc();
    /// let handler = MetricsHandler::new(&registry);
    /// let mut headers = HeaderMap::new();
    /// headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("zstd, gzip"));
    /// let response = handler.respond(&Method::GET, &headers);
    /// assert_eq!(response.headers()[header::CONTENT_ENCODING], "zstd");
    /// let text = zstd::decode_all(&response.body()[..])?;
    /// assert!(text.ends_with(b"jobs_total 1\n"));
    ///
    /// let response = handler.with_zstd(false).respond(&Method::GET, &headers);
    /// assert_eq!(response.headers()[header::CONTENT_ENCODING], "gzip");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "zstd")]
    #[cfg_attr(docsrs, doc(cfg(feature = "zstd")))]
    pub fn with_zstd(mut self, enabled: bool) -> Self {
        self.zstd = enabled;
        self
    }

    /// The body coding for an `Accept-Encoding` header.
    pub(crate) fn coding(&self, headers: &HeaderMap) -> Coding {
        if !self.gzip {
            return Coding::Identity;
        }
        choose_coding(
            joined(headers, header::ACCEPT_ENCODING).as_deref(),
            true,
            self.zstd,
        )
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
        self.finish(self.plan(method, headers))
    }

    /// The response for a plan, its body encoded whole.
    pub(crate) fn finish(&self, planned: Planned) -> Response<Bytes> {
        match planned {
            Planned::Done(response) => response,
            Planned::Page { page, coding, head } => {
                let body = self.encode(page, coding);
                let mut response = Response::new(if head { Bytes::new() } else { body.clone() });
                *response.headers_mut() =
                    self.headers(page.content_type(), coding, Some(body.len()));
                response
            }
        }
    }

    /// What to answer: a refusal or a protobuf body, complete; or which text
    /// exposition to encode (the exporter streams large ones).
    pub(crate) fn plan(&self, method: &Method, headers: &HeaderMap) -> Planned {
        if let Some(token) = &self.token {
            let authorization = headers
                .get(header::AUTHORIZATION)
                .map(HeaderValue::as_bytes);
            if !token.accepts(authorization) {
                return Planned::Done(empty(
                    StatusCode::UNAUTHORIZED,
                    header::WWW_AUTHENTICATE,
                    BEARER_CHALLENGE,
                ));
            }
        }
        let head = match *method {
            Method::GET => false,
            Method::HEAD => true,
            _ => return Planned::Done(empty(StatusCode::METHOD_NOT_ALLOWED, header::ALLOW, ALLOW)),
        };
        let accept = joined(headers, header::ACCEPT);
        let coding = self.coding(headers);
        Planned::Page {
            page: Page::negotiate(accept.as_deref()),
            coding,
            head,
        }
    }

    /// A `200`'s headers (`Content-Length` when the body is complete).
    pub(crate) fn headers(
        &self,
        content_type: &'static str,
        coding: Coding,
        len: Option<usize>,
    ) -> HeaderMap {
        let mut headers = HeaderMap::with_capacity(4);
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        if let Some(len) = len {
            headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
        }
        match coding {
            Coding::Identity => {}
            Coding::Gzip => {
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
            Coding::Zstd => {
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("zstd"));
            }
        }
        headers.insert(
            header::VARY,
            HeaderValue::from_static(if self.gzip {
                VARY_WITH_GZIP
            } else {
                VARY_WITHOUT_GZIP
            }),
        );
        headers
    }

    /// The text length of the last scrape (a hint: 0 before the first).
    #[cfg(any(feature = "exporter", feature = "axum", feature = "actix-web"))]
    pub(crate) fn last_text_len(&self) -> usize {
        self.sizes.text.load(Relaxed)
    }

    /// Records the text length of a scrape streamed elsewhere.
    #[cfg(any(feature = "exporter", feature = "axum", feature = "actix-web"))]
    pub(crate) fn set_last_text_len(&self, len: usize) {
        self.sizes.text.store(len, Relaxed);
    }

    /// A compressor state for a scrape in `coding` (kept ones first).
    #[cfg(any(feature = "exporter", feature = "axum", feature = "actix-web"))]
    pub(crate) fn codec_context(&self, coding: Coding) -> CodecContext<'_> {
        self.sizes.codec_context(coding)
    }

    /// The shared registry, for an encoder on another thread.
    #[cfg(any(feature = "exporter", feature = "axum", feature = "actix-web"))]
    pub(crate) fn registry_ref(&self) -> &RegistryRef {
        &self.registry
    }

    fn encode(&self, page: Page, coding: Coding) -> Bytes {
        if coding == Coding::Identity {
            let body = match page {
                Page::Text(format) => {
                    let mut text = String::with_capacity(capacity_hint(&self.sizes.text));
                    self.registry.encode_into(format, &mut text);
                    Bytes::from(text)
                }
                #[cfg(feature = "protobuf")]
                Page::Protobuf => {
                    let mut bytes = Vec::with_capacity(capacity_hint(&self.sizes.text));
                    self.registry.encode_protobuf_into(&mut bytes);
                    Bytes::from(bytes)
                }
            };
            self.sizes.text.store(body.len(), Relaxed);
            return body;
        }
        let mut ctx = self.sizes.codec_context(coding);
        let mut encoder = Counting {
            inner: Compressor::new(coding, capacity_hint(&self.sizes.compressed), &mut ctx),
            len: 0,
        };
        page.write_to(&self.registry, &mut encoder)
            .expect("writing to a Vec cannot fail");
        // The page's length decides whether the next scrape is streamed.
        self.sizes.text.store(encoder.len, Relaxed);
        let body = encoder.inner.finish();
        self.sizes.compressed.store(body.len(), Relaxed);
        Bytes::from(body)
    }
}

/// A compressor into `W` (a `Vec` for one response, or the exporter's
/// chunk channel).
pub(crate) enum Compressor<'c, W: std::io::Write = Vec<u8>> {
    Gzip(Gzip<'c, W>),
    #[cfg(feature = "zstd")]
    Zstd(zstd::stream::write::Encoder<'c, W>),
}

impl<'c> Compressor<'c> {
    /// `coding` must not be `Identity`.
    pub(crate) fn new(coding: Coding, capacity: usize, ctx: &'c mut CodecContext<'_>) -> Self {
        Compressor::to(coding, Vec::with_capacity(capacity), ctx)
    }

    /// The compressed bytes.
    pub(crate) fn finish(self) -> Vec<u8> {
        self.try_finish().expect("writing to a Vec cannot fail")
    }
}

impl<'c, W: std::io::Write> Compressor<'c, W> {
    /// A compressor writing to `out`; `coding` must not be `Identity`.
    /// Level 1 for both: metrics text shrinks about fivefold even so, and a
    /// scrape should cost the process as little CPU as possible. Each uses
    /// `ctx`'s state when it has one.
    pub(crate) fn to(coding: Coding, out: W, ctx: &'c mut CodecContext<'_>) -> Self {
        match coding {
            #[cfg(feature = "zstd")]
            Coding::Zstd => Compressor::Zstd(match ctx.ctx.as_mut() {
                Some(ctx) => zstd::stream::write::Encoder::with_context(out, ctx),
                None => zstd::stream::write::Encoder::new(out, 1).expect("zstd level 1 is valid"),
            }),
            _ => Compressor::Gzip(Gzip::new(
                ctx.gzip
                    .get_or_insert_with(|| Compress::new(Compression::fast(), false)),
                out,
            )),
        }
    }

    /// Writes the end of the stream; the writer.
    pub(crate) fn try_finish(self) -> std::io::Result<W> {
        match self {
            Compressor::Gzip(e) => e.finish(),
            #[cfg(feature = "zstd")]
            Compressor::Zstd(e) => e.finish(),
        }
    }
}

impl<W: std::io::Write> std::io::Write for Compressor<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Compressor::Gzip(e) => e.write(buf),
            #[cfg(feature = "zstd")]
            Compressor::Zstd(e) => e.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        match self {
            Compressor::Gzip(e) => e.write_all(buf),
            #[cfg(feature = "zstd")]
            Compressor::Zstd(e) => e.write_all(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Compressor::Gzip(e) => e.flush(),
            #[cfg(feature = "zstd")]
            Compressor::Zstd(e) => e.flush(),
        }
    }
}

/// A gzip stream (RFC 1952) over a kept raw-deflate state: the member
/// header, the deflate data, then the CRC-32 and length of the text.
pub(crate) struct Gzip<'c, W: std::io::Write> {
    deflate: &'c mut Compress,
    crc: crc32fast::Hasher,
    /// The text length, modulo 2^32 as the trailer has it.
    len: u32,
    /// Compressed bytes not yet handed to `out`.
    buf: Vec<u8>,
    out: W,
}

/// The gzip member header: no name, no time, OS "unknown".
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];

/// Compressed bytes gathered before they go to the writer.
const GZIP_CHUNK: usize = 32 * 1024;

impl<'c, W: std::io::Write> Gzip<'c, W> {
    /// `deflate` must be new or reset.
    fn new(deflate: &'c mut Compress, out: W) -> Self {
        let mut buf = Vec::with_capacity(GZIP_CHUNK + 1024);
        buf.extend_from_slice(&GZIP_HEADER);
        Gzip {
            deflate,
            crc: crc32fast::Hasher::new(),
            len: 0,
            buf,
            out,
        }
    }

    /// Runs the deflate state over `input` (all of it), or ends the stream.
    fn deflate(&mut self, mut input: &[u8], flush: FlushCompress) -> std::io::Result<()> {
        loop {
            if self.buf.capacity() - self.buf.len() < 1024 {
                self.buf.reserve(GZIP_CHUNK);
            }
            let before = self.deflate.total_in();
            let status = self
                .deflate
                .compress_vec(input, &mut self.buf, flush)
                .map_err(std::io::Error::other)?;
            let read = usize::try_from(self.deflate.total_in() - before).unwrap_or(input.len());
            input = input.get(read..).unwrap_or_default();
            if self.buf.len() >= GZIP_CHUNK {
                self.out.write_all(&self.buf)?;
                self.buf.clear();
            }
            let done = match flush {
                FlushCompress::Finish => status == Status::StreamEnd,
                // A flush is done when it did not fill the buffer.
                _ => input.is_empty() && self.buf.len() < self.buf.capacity(),
            };
            if done {
                return Ok(());
            }
        }
    }

    /// Ends the stream and hands the rest to the writer; the writer.
    fn finish(mut self) -> std::io::Result<W> {
        self.deflate(&[], FlushCompress::Finish)?;
        let crc = self.crc.clone().finalize();
        self.buf.extend_from_slice(&crc.to_le_bytes());
        self.buf.extend_from_slice(&self.len.to_le_bytes());
        self.out.write_all(&self.buf)?;
        Ok(self.out)
    }
}

impl<W: std::io::Write> std::io::Write for Gzip<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.crc.update(buf);
        // The trailer keeps the length modulo 2^32.
        self.len = self.len.wrapping_add(buf.len() as u32);
        self.deflate(buf, FlushCompress::None)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.deflate(&[], FlushCompress::Sync)?;
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        self.out.flush()
    }
}

/// Counts the bytes written through it (the text, before compression).
pub(crate) struct Counting<W> {
    pub(crate) inner: W,
    pub(crate) len: usize,
}

impl<W: std::io::Write> std::io::Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.len += n;
        Ok(n)
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.inner.write_all(buf)?;
        self.len += buf.len();
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
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
/// The coding for `Accept-Encoding` among those offered: the one the
/// client weighs highest (zstd on a tie with gzip), if it weighs it above
/// 0 and at least as high as `identity` (RFC 9110 §12.5.3; `*` covers the
/// codings not named).
fn choose_coding(accept_encoding: Option<&str>, gzip_on: bool, zstd_on: bool) -> Coding {
    let Some(value) = accept_encoding else {
        return Coding::Identity;
    };
    let mut gzip: Option<f32> = None;
    let mut zstd: Option<f32> = None;
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
        } else if coding.eq_ignore_ascii_case("zstd") {
            &mut zstd
        } else if coding == "*" {
            &mut star
        } else if coding.eq_ignore_ascii_case("identity") {
            &mut identity
        } else {
            continue;
        };
        *slot = Some(slot.map_or(q, |old: f32| old.max(q)));
    }
    let identity = identity.unwrap_or(0.0);
    let weight = |on: bool, named: Option<f32>| {
        let q = if on {
            named.or(star).unwrap_or(0.0)
        } else {
            0.0
        };
        (q > 0.0 && q >= identity).then_some(q)
    };
    match (weight(zstd_on, zstd), weight(gzip_on, gzip)) {
        (Some(z), Some(g)) if z >= g => Coding::Zstd,
        (Some(_), None) => Coding::Zstd,
        (_, Some(_)) => Coding::Gzip,
        (None, None) => Coding::Identity,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The gzip stream decodes to what was written, whatever the writes'
    /// sizes, with a kept (reset) deflate state as with a new one.
    #[test]
    fn gzip_stream_round_trips_with_kept_state() {
        use std::io::{Read, Write};
        let sizes = Sizes::default();
        let text: Vec<u8> = (0..40_000u32)
            .flat_map(|i| format!("series{{shard=\"{}\"}} {}\n", i % 97, i * 31).into_bytes())
            .collect();
        for round in 0..3 {
            let mut ctx = sizes.codec_context(Coding::Gzip);
            let mut gz = Compressor::new(Coding::Gzip, 0, &mut ctx);
            let mut rest = &text[..];
            let mut step = 1 + round * 7919;
            while !rest.is_empty() {
                let n = step.min(rest.len());
                gz.write_all(&rest[..n]).unwrap();
                if round == 1 {
                    gz.flush().unwrap();
                }
                rest = &rest[n..];
                step = step * 3 % 100_003 + 1;
            }
            let body = gz.finish();
            drop(ctx);
            let mut back = Vec::new();
            flate2::read::GzDecoder::new(&body[..])
                .read_to_end(&mut back)
                .unwrap();
            assert!(back == text, "round {round}: {} bytes back", back.len());
            if round != 1 {
                assert!(body.len() < text.len() / 3, "{} bytes", body.len());
            }
        }
        // The state went back to the pool each time.
        assert_eq!(sizes.gzip.lock().unwrap().len(), 1);
    }

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
            let gzip = choose_coding(*value, true, false) == Coding::Gzip;
            assert_eq!(gzip, *want, "Accept-Encoding: {value:?}");
        }
    }

    #[test]
    fn zstd_negotiation_table() {
        use Coding::*;
        let cases: &[(Option<&str>, Coding)] = &[
            (None, Identity),
            (Some("zstd"), Zstd),
            (Some("gzip"), Gzip),
            (Some("gzip, zstd"), Zstd),
            (Some("zstd;q=0.5, gzip"), Gzip),
            (Some("zstd;q=0, *"), Gzip),
            (Some("*"), Zstd),
            (Some("ZSTD;q=0.2, identity;q=0.5"), Identity),
            (Some("zstd;q=x, gzip;q=0.1"), Gzip),
            (Some("br"), Identity),
        ];
        for (value, want) in cases {
            assert_eq!(
                choose_coding(*value, true, true),
                *want,
                "Accept-Encoding: {value:?}"
            );
        }
        // zstd only when offered.
        assert_eq!(choose_coding(Some("zstd"), true, false), Identity);
        assert_eq!(choose_coding(Some("zstd, gzip"), true, false), Gzip);
        assert_eq!(choose_coding(Some("gzip"), false, true), Identity);
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
