//! Streamed scrapes: a large exposition is encoded on a blocking thread
//! into a bounded channel of chunks that the response body drains, so a
//! scrape of any size holds a few chunks, and its first bytes leave before
//! the last series is read.

use std::io::{self, Write};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
#[cfg(any(feature = "exporter", feature = "axum"))]
use http_body::{Body, Frame};
use tokio::sync::mpsc;

use crate::handler::{Coding, Compressor, Counting, Page};
use crate::MetricsHandler;

/// Pages whose last scrape was at least this long are streamed (by the
/// exporter and the axum router); smaller ones are encoded whole and sent
/// with a `Content-Length` (one write, no thread hop).
pub(crate) const STREAM_ABOVE: usize = 256 * 1024;

/// Chunks queued between the encoder and the connection.
const QUEUED: usize = 2;

/// The most a streamed response holds at once: the queued chunks, the one
/// hyper is writing and the one being filled (a zstd chunk is up to 128 KiB).
#[cfg(feature = "exporter")]
pub(crate) const STREAM_HELD: usize = (QUEUED + 2) * 128 * 1024;

/// A response body fed by the encoder thread; `G` is dropped with it.
pub(crate) struct Streamed<G> {
    chunks: mpsc::Receiver<Bytes>,
    /// Set by the encoder once the whole page has been queued: a channel
    /// closed without it is a page cut short (the encoder panicked), which
    /// must not reach the client as a complete body.
    finished: Arc<AtomicBool>,
    _guard: G,
}

#[cfg(any(feature = "exporter", feature = "axum"))]
impl<G: Unpin> Body for Streamed<G> {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        self.chunks.poll_recv(cx).map(|chunk| match chunk {
            Some(data) => Some(Ok(Frame::data(data))),
            None if self.finished.load(Ordering::Acquire) => None,
            // hyper aborts the response: the client sees an unfinished body.
            None => Some(Err(io::Error::other("the exposition stopped short"))),
        })
    }
}

/// The chunks as a stream, for actix-web's streaming bodies.
#[cfg(feature = "actix-web")]
impl<G: Unpin> futures_core::Stream for Streamed<G> {
    type Item = Result<Bytes, io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.chunks.poll_recv(cx).map(|chunk| match chunk {
            Some(data) => Some(Ok(data)),
            None if self.finished.load(Ordering::Acquire) => None,
            None => Some(Err(io::Error::other("the exposition stopped short"))),
        })
    }
}

/// Streams `planned` if it is a `GET` of a page as large as the last one
/// was worth streaming, inside a tokio runtime (whose blocking threads
/// encode it): the response's headers and body. `guard` is only called
/// then; what it returns is dropped with the body.
pub(crate) fn start<G: Unpin>(
    handler: &MetricsHandler,
    planned: &crate::handler::Planned,
    guard: impl FnOnce() -> G,
) -> Option<(http::HeaderMap, Streamed<G>)> {
    match *planned {
        crate::handler::Planned::Page {
            page,
            coding,
            head: false,
        } if handler.last_text_len() >= STREAM_ABOVE
            && tokio::runtime::Handle::try_current().is_ok() =>
        {
            let headers = handler.headers(page.content_type(), coding, None);
            Some((headers, spawn(handler, page, coding, guard())))
        }
        _ => None,
    }
}

/// Starts encoding `page` (compressed with `coding`) on a blocking thread
/// of the current runtime; the body yields the chunks as they come. If the
/// connection goes away, the body is dropped and the encoder stops at its
/// next chunk.
fn spawn<G: Unpin>(handler: &MetricsHandler, page: Page, coding: Coding, guard: G) -> Streamed<G> {
    let (tx, chunks) = mpsc::channel(QUEUED);
    let handler = handler.clone();
    let finished = Arc::new(AtomicBool::new(false));
    let done = Arc::clone(&finished);
    tokio::task::spawn_blocking(move || {
        let registry = handler.registry_ref();
        let chunks = Chunks { tx };
        // Errors only mean the client went away: nothing to do.
        let len = match coding {
            Coding::Identity => {
                let mut text = Counting {
                    inner: chunks,
                    len: 0,
                };
                if page.write_to(registry, &mut text).is_ok() {
                    done.store(true, Ordering::Release);
                }
                text.len
            }
            coding => {
                let mut ctx = handler.codec_context(coding);
                let mut text = Counting {
                    inner: Compressor::to(coding, chunks, &mut ctx),
                    len: 0,
                };
                if page.write_to(registry, &mut text).is_ok() {
                    // The compressor's last bytes are queued by `try_finish`,
                    // before the channel closes with it.
                    if let Ok(chunks) = text.inner.try_finish() {
                        done.store(true, Ordering::Release);
                        drop(chunks);
                    }
                }
                text.len
            }
        };
        // A page cut short by its client still says how large pages are.
        handler.set_last_text_len(len);
    });
    Streamed {
        chunks,
        finished,
        _guard: guard,
    }
}

/// Sends each write as one chunk; fails once the body is gone.
struct Chunks {
    tx: mpsc::Sender<Bytes>,
}

impl Write for Chunks {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        self.tx
            .blocking_send(Bytes::copy_from_slice(buf))
            .map_err(|_| io::Error::from(io::ErrorKind::BrokenPipe))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
