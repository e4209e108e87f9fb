//! A stream whose writes must finish each response within a deadline: a
//! client that stops reading, or reads just fast enough to keep the writes
//! moving, cannot hold a connection (and its slot) for longer than that.
//!
//! The deadline starts with the first write after the client last sent
//! something (a request), and is not moved by progress: it bounds the whole
//! response, not each stall.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{sleep_until, Instant, Sleep};

pub(super) struct WriteTimeout<T> {
    io: T,
    timeout: Duration,
    /// When the response being written must be done; `None` between responses.
    response_deadline: Option<Instant>,
    /// The timer behind `response_deadline`, created once and reset.
    timer: Option<Pin<Box<Sleep>>>,
}

impl<T> WriteTimeout<T> {
    pub(super) fn new(io: T, timeout: Duration) -> Self {
        WriteTimeout {
            io,
            timeout,
            response_deadline: None,
            timer: None,
        }
    }

    fn timed_out<R>() -> Poll<io::Result<R>> {
        Poll::Ready(Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "the client did not read the response in time",
        )))
    }

    /// Runs one write-side operation under the response's deadline.
    fn write_op<R>(
        &mut self,
        cx: &mut Context<'_>,
        op: impl FnOnce(Pin<&mut T>, &mut Context<'_>) -> Poll<io::Result<R>>,
    ) -> Poll<io::Result<R>>
    where
        T: Unpin,
    {
        let timeout = self.timeout;
        let deadline = *self
            .response_deadline
            .get_or_insert_with(|| Instant::now() + timeout);
        if Instant::now() >= deadline {
            return Self::timed_out();
        }
        match op(Pin::new(&mut self.io), cx) {
            Poll::Pending => {
                let timer = match &mut self.timer {
                    Some(timer) => {
                        if timer.deadline() != deadline {
                            timer.as_mut().reset(deadline);
                        }
                        timer
                    }
                    None => self.timer.insert(Box::pin(sleep_until(deadline))),
                };
                match timer.as_mut().poll(cx) {
                    Poll::Ready(()) => Self::timed_out(),
                    Poll::Pending => Poll::Pending,
                }
            }
            ready => ready,
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for WriteTimeout<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.io).poll_read(cx, buf);
        if matches!(result, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            // The client sent something: the next write starts a new response.
            self.response_deadline = None;
        }
        result
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for WriteTimeout<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.write_op(cx, |io, cx| io.poll_write(cx, buf))
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.write_op(cx, |io, cx| io.poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.write_op(cx, |io, cx| io.poll_flush(cx))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.write_op(cx, |io, cx| io.poll_shutdown(cx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::poll_fn;

    #[tokio::test(flavor = "current_thread")]
    async fn a_write_to_a_client_that_stops_reading_times_out() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let _client = tokio::net::TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        let mut io = WriteTimeout::new(server, Duration::from_millis(200));
        let chunk = vec![0u8; 64 * 1024];
        let start = std::time::Instant::now();
        // Fills the socket buffers (a few MiB at most), then stalls.
        let err = loop {
            match poll_fn(|cx| Pin::new(&mut io).poll_write(cx, &chunk)).await {
                Ok(_) => assert!(start.elapsed() < Duration::from_secs(20), "never stalled"),
                Err(e) => break e,
            }
        };
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert!(start.elapsed() >= Duration::from_millis(200));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_client_that_reads_slowly_cannot_stretch_a_response_past_the_deadline() {
        use tokio::io::AsyncReadExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = tokio::net::TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        // Reads 16 KiB every 20 ms: the writes keep moving, slowly. Bounded
        // in count; it stops when the server gives up.
        let reader = tokio::spawn(async move {
            let mut buf = vec![0u8; 16 * 1024];
            for _ in 0..2_000 {
                tokio::time::sleep(Duration::from_millis(20)).await;
                match client.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
            }
        });
        let mut io = WriteTimeout::new(server, Duration::from_millis(300));
        let chunk = vec![0u8; 64 * 1024];
        let start = std::time::Instant::now();
        let mut written = 0usize;
        let err = loop {
            match poll_fn(|cx| Pin::new(&mut io).poll_write(cx, &chunk)).await {
                Ok(n) => {
                    written += n;
                    assert!(start.elapsed() < Duration::from_secs(20), "never timed out");
                }
                Err(e) => break e,
            }
        };
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        let elapsed = start.elapsed();
        assert!(written > 0, "the client did read some of it");
        assert!(
            elapsed >= Duration::from_millis(300) && elapsed < Duration::from_secs(5),
            "gave up after {elapsed:?}"
        );
        reader.abort();
    }
}
