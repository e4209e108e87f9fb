//! Streams and iterators: the call ends when the returned iterator or stream
//! ends or is dropped.

use std::fmt;
#[cfg(feature = "stream")]
use std::pin::Pin;
#[cfg(feature = "stream")]
use std::task::{Context, Poll};

use super::guard::{Guard, Recorder, State};
use super::Outcome;

/// An iterator returned by a function instrumented with `stream`: times its
/// first item and ends the call when it ends or is dropped.
pub struct InstrumentedIter<I, R: Recorder> {
    inner: I,
    guard: Guard<R>,
    seen_first: bool,
}

impl<I: fmt::Debug, R: Recorder> fmt::Debug for InstrumentedIter<I, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InstrumentedIter")
            .field("inner", &self.inner)
            .field("guard", &self.guard)
            .finish()
    }
}

impl<R: Recorder> Guard<R> {
    /// Runs `produce` (one `next`/`poll_next` of the wrapped value) as part of
    /// the call, and records what its result means.
    #[inline]
    fn item<T>(
        &mut self,
        seen_first: &mut bool,
        produce: impl FnOnce() -> Option<Option<T>>,
    ) -> Option<Option<T>> {
        if self.state == State::Done {
            return produce();
        }
        self.state = State::Running;
        let item = produce();
        self.state = State::Suspended;
        match &item {
            Some(Some(_)) if !*seen_first => {
                *seen_first = true;
                self.recorder.first_item(self.start.elapsed().as_secs_f64());
            }
            Some(None) => self.record(Outcome::Ok),
            _ => {}
        }
        item
    }
}

impl<I: Iterator, R: Recorder> Iterator for InstrumentedIter<I, R> {
    type Item = I::Item;

    #[inline]
    fn next(&mut self) -> Option<I::Item> {
        let inner = &mut self.inner;
        self.guard
            .item(&mut self.seen_first, || Some(inner.next()))
            .flatten()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<I: DoubleEndedIterator, R: Recorder> DoubleEndedIterator for InstrumentedIter<I, R> {
    #[inline]
    fn next_back(&mut self) -> Option<I::Item> {
        let inner = &mut self.inner;
        self.guard
            .item(&mut self.seen_first, || Some(inner.next_back()))
            .flatten()
    }
}

impl<I: ExactSizeIterator, R: Recorder> ExactSizeIterator for InstrumentedIter<I, R> {}

impl<I: std::iter::FusedIterator, R: Recorder> std::iter::FusedIterator for InstrumentedIter<I, R> {}

/// A stream returned by a function instrumented with `stream` (feature
/// `stream`): times its first item and ends the call when it ends or is
/// dropped. A stream that is not `Unpin` is boxed.
#[cfg(feature = "stream")]
pub struct InstrumentedStream<S, R: Recorder> {
    inner: S,
    guard: Guard<R>,
    seen_first: bool,
}

#[cfg(feature = "stream")]
impl<S: fmt::Debug, R: Recorder> fmt::Debug for InstrumentedStream<S, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InstrumentedStream")
            .field("inner", &self.inner)
            .field("guard", &self.guard)
            .finish()
    }
}

#[cfg(feature = "stream")]
impl<S: futures_core::Stream + Unpin, R: Recorder + Unpin> futures_core::Stream
    for InstrumentedStream<S, R>
{
    type Item = S::Item;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        // `S: Unpin` and the other fields are plain data, so `Self: Unpin`.
        let this = self.get_mut();
        let inner = &mut this.inner;
        match this.guard.item(&mut this.seen_first, || {
            match Pin::new(inner).poll_next(cx) {
                Poll::Ready(item) => Some(item),
                Poll::Pending => None,
            }
        }) {
            Some(item) => Poll::Ready(item),
            None => Poll::Pending,
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

/// Chooses how a `stream` function's return value is wrapped (autoref
/// specialization on `&&&&StreamProbe`: an iterator, else an `Unpin` stream,
/// else a stream to box, else an error). Not a public API.
#[doc(hidden)]
pub struct StreamProbe<'a, T>(pub &'a T);

/// Not a public API.
#[doc(hidden)]
pub trait IterProbe {
    fn __metrics_stream_kind(&self) -> IterKind;
}
impl<T: Iterator> IterProbe for &&&StreamProbe<'_, T> {
    #[inline(always)]
    fn __metrics_stream_kind(&self) -> IterKind {
        IterKind
    }
}

/// Not a public API.
#[doc(hidden)]
pub trait UnpinStreamProbe {
    fn __metrics_stream_kind(&self) -> UnpinStreamKind;
}
#[cfg(feature = "stream")]
impl<T: futures_core::Stream + Unpin> UnpinStreamProbe for &&StreamProbe<'_, T> {
    #[inline(always)]
    fn __metrics_stream_kind(&self) -> UnpinStreamKind {
        UnpinStreamKind
    }
}

/// Not a public API.
#[doc(hidden)]
pub trait BoxStreamProbe {
    fn __metrics_stream_kind(&self) -> BoxStreamKind;
}
#[cfg(feature = "stream")]
impl<T: futures_core::Stream> BoxStreamProbe for &StreamProbe<'_, T> {
    #[inline(always)]
    fn __metrics_stream_kind(&self) -> BoxStreamKind {
        BoxStreamKind
    }
}

/// Not a public API.
#[doc(hidden)]
pub trait NotStreamProbe {
    fn __metrics_stream_kind(&self) -> NotStreamKind;
}
impl<T> NotStreamProbe for StreamProbe<'_, T> {
    #[inline(always)]
    fn __metrics_stream_kind(&self) -> NotStreamKind {
        NotStreamKind
    }
}

/// Not a public API.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct IterKind;

impl IterKind {
    /// Wraps an iterator.
    #[inline]
    pub fn wrap<I: Iterator, R: Recorder>(
        self,
        inner: I,
        mut guard: Guard<R>,
    ) -> InstrumentedIter<I, R> {
        guard.state = State::Suspended;
        InstrumentedIter {
            inner,
            guard,
            seen_first: false,
        }
    }
}

/// Not a public API.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct UnpinStreamKind;

#[cfg(feature = "stream")]
impl UnpinStreamKind {
    /// Wraps an `Unpin` stream.
    #[inline]
    pub fn wrap<S: futures_core::Stream + Unpin, R: Recorder>(
        self,
        inner: S,
        mut guard: Guard<R>,
    ) -> InstrumentedStream<S, R> {
        guard.state = State::Suspended;
        InstrumentedStream {
            inner,
            guard,
            seen_first: false,
        }
    }
}

/// Not a public API.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct BoxStreamKind;

#[cfg(feature = "stream")]
impl BoxStreamKind {
    /// Pins a stream that is not `Unpin` in a box, and wraps it.
    #[inline]
    pub fn wrap<S: futures_core::Stream, R: Recorder>(
        self,
        inner: S,
        guard: Guard<R>,
    ) -> InstrumentedStream<Pin<Box<S>>, R> {
        UnpinStreamKind.wrap(Box::pin(inner), guard)
    }
}

/// Implemented by nothing: the error a `stream` function gets when its return
/// value is neither an iterator nor a stream. Not a public API.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`stream` needs the function to return an `Iterator` or a `Stream`, and `{Self}` is neither",
    label = "not an `Iterator` nor a `Stream`",
    note = "return `impl Iterator<Item = …>`, or `impl Stream<Item = …>` with the `stream` feature of promstrict enabled; or remove `stream`"
)]
pub trait IteratorOrStream {}

/// Not a public API.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct NotStreamKind;

impl NotStreamKind {
    /// Never compiles; reports why.
    pub fn wrap<T: IteratorOrStream, R: Recorder>(self, inner: T, _guard: Guard<R>) -> T {
        inner
    }
}
