//! Who gets a connection slot, and how much response memory is held.
//!
//! A slot is never waited for: when every slot is taken, the connection that
//! has waited longest for a request head (a client dribbling its request, or
//! an idle keep-alive one) is closed to make room, so a scraper that sends
//! its request at once always gets in, however many slow clients hold
//! connections. Response bodies in flight are counted; past the byte budget
//! the connections that have been writing the longest (the slowest readers)
//! are closed, so memory stays bounded however many clients stop reading.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use ::http::{header, HeaderValue, Request, Response, StatusCode};
use bytes::Bytes;
use http_body_util::{Either, Full};
use tokio::sync::oneshot;

use super::MetricsService;
use crate::stream::{self, Streamed, STREAM_HELD};

/// What a connection is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Waiting for a request head (just accepted, or between requests).
    Waiting,
    /// Writing a response.
    Responding,
}

struct Conn {
    state: State,
    since: Instant,
    /// Body bytes this connection holds.
    bytes: usize,
    /// Closes the connection when sent (or dropped).
    close: Option<oneshot::Sender<()>>,
}

#[derive(Default)]
struct Inner {
    next_id: u64,
    conns: HashMap<u64, Conn>,
    body_bytes: usize,
}

/// The connection table of one exporter.
pub(super) struct Admission {
    inner: Mutex<Inner>,
    max_connections: usize,
    body_budget: usize,
    closed_waiting: AtomicU64,
    closed_slow: AtomicU64,
}

/// What the exporter is doing now, and what it has had to refuse.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExporterStats {
    /// Open connections.
    pub connections: usize,
    /// Open connections waiting for a request head.
    pub waiting: usize,
    /// Open connections writing a response.
    pub responding: usize,
    /// Bytes of response bodies held for connections still writing them.
    pub body_bytes_in_flight: usize,
    /// Connections closed to make room for a new one, because every slot
    /// was taken; the oldest waiting for a request head goes first.
    pub closed_for_room: u64,
    /// Connections closed because response bodies in flight exceeded the
    /// budget; the longest-writing goes first.
    pub closed_slow_readers: u64,
}

impl std::fmt::Debug for Admission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Admission")
            .field("max_connections", &self.max_connections)
            .field("body_budget", &self.body_budget)
            .field("stats", &self.stats())
            .finish()
    }
}

impl Admission {
    pub(super) fn new(max_connections: usize, body_budget: usize) -> Self {
        Admission {
            inner: Mutex::default(),
            max_connections: max_connections.max(1),
            body_budget,
            closed_waiting: AtomicU64::new(0),
            closed_slow: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Nothing here panics while holding the lock; a poisoned table is
        // still consistent.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes a slot for a new connection, closing the one that has waited
    /// longest for a request head if every slot is taken (or, if none is
    /// waiting, the one that has been writing longest). Returns its id and
    /// the receiver that closes it.
    pub(super) fn admit(&self) -> (u64, oneshot::Receiver<()>) {
        let mut inner = self.lock();
        while inner.conns.len() >= self.max_connections {
            let victim = oldest(&inner, State::Waiting, None)
                .or_else(|| oldest(&inner, State::Responding, None));
            match victim {
                Some(id) => {
                    close(&mut inner, id);
                    self.closed_waiting.fetch_add(1, Relaxed);
                }
                None => break,
            }
        }
        let id = inner.next_id;
        inner.next_id += 1;
        let (tx, rx) = oneshot::channel();
        inner.conns.insert(
            id,
            Conn {
                state: State::Waiting,
                since: Instant::now(),
                bytes: 0,
                close: Some(tx),
            },
        );
        (id, rx)
    }

    /// The connection ended.
    pub(super) fn remove(&self, id: u64) {
        let mut inner = self.lock();
        if let Some(conn) = inner.conns.remove(&id) {
            inner.body_bytes -= conn.bytes;
        }
    }

    /// Connection `id` starts writing a body of `len` bytes; over the
    /// budget, the connections writing the longest are closed (never `id`
    /// itself, so one response always goes out).
    fn responding(&self, id: u64, len: usize) {
        let mut inner = self.lock();
        let Some(conn) = inner.conns.get_mut(&id) else {
            return;
        };
        conn.state = State::Responding;
        conn.since = Instant::now();
        conn.bytes += len;
        inner.body_bytes += len;
        while inner.body_bytes > self.body_budget {
            match oldest(&inner, State::Responding, Some(id)) {
                Some(victim) => {
                    close(&mut inner, victim);
                    self.closed_slow.fetch_add(1, Relaxed);
                }
                None => break,
            }
        }
    }

    /// Connection `id` finished (or dropped) a body of `len` bytes and waits
    /// for its next request.
    fn written(&self, id: u64, len: usize) {
        let mut inner = self.lock();
        let Some(conn) = inner.conns.get_mut(&id) else {
            return;
        };
        let len = len.min(conn.bytes);
        conn.bytes -= len;
        if conn.bytes == 0 {
            conn.state = State::Waiting;
            conn.since = Instant::now();
        }
        inner.body_bytes -= len;
    }

    pub(super) fn stats(&self) -> ExporterStats {
        let inner = self.lock();
        let responding = inner
            .conns
            .values()
            .filter(|c| c.state == State::Responding)
            .count();
        ExporterStats {
            connections: inner.conns.len(),
            waiting: inner.conns.len() - responding,
            responding,
            body_bytes_in_flight: inner.body_bytes,
            closed_for_room: self.closed_waiting.load(Relaxed),
            closed_slow_readers: self.closed_slow.load(Relaxed),
        }
    }
}

/// The connection in `state` that has been in it longest, `except` one.
fn oldest(inner: &Inner, state: State, except: Option<u64>) -> Option<u64> {
    inner
        .conns
        .iter()
        .filter(|(id, c)| c.state == state && c.close.is_some() && Some(**id) != except)
        .min_by_key(|(id, c)| (c.since, **id))
        .map(|(id, _)| *id)
}

/// Signals connection `id` to close and stops counting it: its slot and its
/// bytes are free at once (the task drops the connection right after).
fn close(inner: &mut Inner, id: u64) {
    if let Some(conn) = inner.conns.remove(&id) {
        inner.body_bytes -= conn.bytes;
        if let Some(tx) = conn.close {
            let _ = tx.send(());
        }
    }
}

/// The exporter's service on one connection: tells the table when a
/// response is written, and closes the connection after a refusal (`401`,
/// `404`, `405`), so a client without the token cannot keep a slot by
/// sending request after request.
#[derive(Clone)]
pub(super) struct ConnectionService {
    pub(super) inner: MetricsService,
    pub(super) admission: Arc<Admission>,
    pub(super) id: u64,
}

/// The exporter's response body: a page encoded whole, or streamed.
pub(super) type ExporterBody = Either<Full<Bytes>, Streamed<Written>>;

impl<B> ::hyper::service::Service<Request<B>> for ConnectionService {
    type Response = Response<ExporterBody>;
    type Error = std::convert::Infallible;
    type Future = std::future::Ready<Result<Self::Response, Self::Error>>;

    fn call(&self, request: Request<B>) -> Self::Future {
        let handler = self.inner.handler();
        if self.inner.serves(request.uri().path()) {
            let planned = handler.plan(request.method(), request.headers());
            let streamed = stream::start(handler, &planned, || {
                self.admission.responding(self.id, STREAM_HELD);
                Written {
                    admission: Arc::clone(&self.admission),
                    id: self.id,
                    len: STREAM_HELD,
                }
            });
            if let Some((headers, body)) = streamed {
                let mut response = Response::new(Either::Right(body));
                *response.headers_mut() = headers;
                return std::future::ready(Ok(response));
            }
            return self.whole(handler.finish(planned));
        }
        self.whole(self.inner.handler_response(&request))
    }
}

impl ConnectionService {
    /// Sends a complete response, counting its bytes until written.
    fn whole(
        &self,
        mut response: Response<Bytes>,
    ) -> std::future::Ready<Result<Response<ExporterBody>, std::convert::Infallible>> {
        if matches!(
            response.status(),
            StatusCode::UNAUTHORIZED | StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED
        ) {
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        let len = response.body().len();
        self.admission.responding(self.id, len);
        let written = Written {
            admission: Arc::clone(&self.admission),
            id: self.id,
            len,
        };
        // The bytes are counted until hyper has written (or dropped) the
        // last of them: it keeps the chunk, not the body, while the socket
        // drains.
        std::future::ready(Ok(response.map(|data| {
            Either::Left(Full::new(Bytes::from_owner(Counted {
                data,
                _written: written,
            })))
        })))
    }
}

/// Tells the table the bytes are gone when dropped: written, or abandoned
/// with their connection.
pub(super) struct Written {
    admission: Arc<Admission>,
    id: u64,
    len: usize,
}

impl Drop for Written {
    fn drop(&mut self) {
        self.admission.written(self.id, self.len);
    }
}

/// A response body's bytes, counted while anything holds them.
struct Counted {
    data: Bytes,
    _written: Written,
}

impl AsRef<[u8]> for Counted {
    fn as_ref(&self) -> &[u8] {
        &self.data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_table_closes_the_longest_waiting_connection() {
        let table = Admission::new(2, 100);
        let (a, mut a_closed) = table.admit();
        let (b, mut b_closed) = table.admit();
        table.responding(a, 10); // `a` is writing, `b` waits
        let (_c, _) = table.admit();
        assert!(b_closed.try_recv().is_ok(), "the waiting one goes");
        assert!(a_closed.try_recv().is_err());
        assert_eq!(table.stats().connections, 2);
        assert_eq!(table.stats().closed_for_room, 1);
        table.remove(b); // its task ends later: nothing left to free
        assert_eq!(table.stats().body_bytes_in_flight, 10);
    }

    #[test]
    fn over_the_budget_the_longest_writer_is_closed_never_the_newest() {
        let table = Admission::new(8, 100);
        let (a, mut a_closed) = table.admit();
        let (b, mut b_closed) = table.admit();
        let (c, mut c_closed) = table.admit();
        table.responding(a, 60);
        table.responding(b, 30);
        table.responding(c, 60); // 150 > 100: `a` (the oldest writer) goes
        assert!(a_closed.try_recv().is_ok());
        assert!(b_closed.try_recv().is_err() && c_closed.try_recv().is_err());
        assert_eq!(table.stats().body_bytes_in_flight, 90);
        table.written(b, 30);
        table.written(c, 60);
        let stats = table.stats();
        assert_eq!((stats.body_bytes_in_flight, stats.responding), (0, 0));
        // One body larger than the budget still goes out.
        table.responding(b, 500);
        assert!(b_closed.try_recv().is_err());
        assert_eq!(table.stats().closed_slow_readers, 1);
    }
}
