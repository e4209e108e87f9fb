//! The guard every instrumented call holds: it records the outcome and the
//! duration when the call ends, however it ends.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use super::{IsError, Outcome};

/// Where a [`Guard`] records a call. Not a public API.
#[doc(hidden)]
pub trait Recorder {
    /// The call starts.
    fn enter(&self);
    /// The call ended `outcome` after `seconds`.
    fn exit(&self, outcome: Outcome, seconds: f64);
    /// A streaming call produced its first item after `seconds`.
    fn first_item(&self, seconds: f64);
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum State {
    /// The body is running on this stack: leaving without `finish` is a panic.
    Running,
    /// A future between polls (or a stream between items): being dropped now
    /// is a cancellation.
    Suspended,
    /// Recorded.
    Done,
}

/// Times one call and records it exactly once: on `finish`, or when dropped
/// (`panic` if the body was running, `cancelled` otherwise). Not a public API.
#[doc(hidden)]
pub struct Guard<R: Recorder> {
    pub(super) recorder: R,
    pub(super) start: Instant,
    pub(super) state: State,
}

impl<R: Recorder> Guard<R> {
    /// A synchronous call starts now.
    #[inline]
    pub fn sync(recorder: R) -> Self {
        Self::start(recorder, State::Running)
    }

    /// A future's first poll starts now; [`Polled`] marks its polls.
    #[inline]
    pub fn future(recorder: R) -> Self {
        Self::start(recorder, State::Suspended)
    }

    #[inline]
    fn start(recorder: R, state: State) -> Self {
        recorder.enter();
        Guard {
            recorder,
            start: Instant::now(),
            state,
        }
    }

    /// The call returned.
    #[inline]
    pub fn finish(mut self, outcome: Outcome) {
        self.record(outcome);
    }

    /// The call returned, failing with `kind` if that is `Some`.
    #[inline]
    pub fn finish_kind<E>(mut self, outcome: Outcome, kind: Option<E>)
    where
        R: super::kinds::KindRecorder<E>,
    {
        match kind {
            Some(kind) if self.state != State::Done => {
                self.state = State::Done;
                self.recorder
                    .exit_kind(kind, self.start.elapsed().as_secs_f64());
            }
            _ => self.record(outcome),
        }
    }

    #[inline]
    pub(super) fn record(&mut self, outcome: Outcome) {
        if self.state != State::Done {
            self.state = State::Done;
            self.recorder
                .exit(outcome, self.start.elapsed().as_secs_f64());
        }
    }
}

impl<R: Recorder> Drop for Guard<R> {
    #[inline]
    fn drop(&mut self) {
        match self.state {
            State::Done => {}
            State::Running => self.record(Outcome::Panic),
            State::Suspended => self.record(Outcome::Cancelled),
        }
    }
}

impl<R: Recorder> fmt::Debug for Guard<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Guard")
            .field("start", &self.start)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

/// Polls an instrumented body, marking its guard as running during each poll,
/// so that a panic inside the body is told apart from the future being
/// dropped (even while something else unwinds). Not a public API.
#[doc(hidden)]
pub struct Polled<'g, F: Future, R: Recorder> {
    guard: &'g mut Guard<R>,
    future: Pin<&'g mut F>,
}

impl<'g, F: Future, R: Recorder> Polled<'g, F, R> {
    /// Polls `future` on behalf of `guard`.
    #[inline]
    pub fn new(guard: &'g mut Guard<R>, future: Pin<&'g mut F>) -> Self {
        Polled { guard, future }
    }
}

impl<F: Future, R: Recorder> Future for Polled<'_, F, R> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // Both fields are references, so `Polled` is `Unpin`.
        let this = self.get_mut();
        this.guard.state = State::Running;
        let poll = this.future.as_mut().poll(cx);
        this.guard.state = State::Suspended;
        poll
    }
}

/// Runs a synchronous body. Passing the closure through an `FnOnce` bound
/// makes it an `FnOnce` closure, so a body may return a borrow of a
/// captured `&mut` argument (`fn name(&mut self) -> &str`), which an
/// immediately-called `(move || body)()` (an `FnMut`) may not.
#[doc(hidden)]
#[inline(always)]
pub fn call_once<T>(body: impl FnOnce() -> T) -> T {
    body()
}

// ---------------------------------------------------------------------------
// The outcome of a return value: `IsError` if implemented, else `ok`
// (autoref specialization: the generated code calls the method on
// `&&OutcomeProbe`, and the impl on `&OutcomeProbe<T: IsError>` wins over the
// one on `OutcomeProbe<T>`).
// ---------------------------------------------------------------------------

/// Not a public API.
#[doc(hidden)]
pub struct OutcomeProbe<'a, T>(pub &'a T);

/// Not a public API.
#[doc(hidden)]
pub trait ErrorOutcome {
    fn __metrics_outcome(&self) -> Outcome;
}

impl<T: IsError> ErrorOutcome for &OutcomeProbe<'_, T> {
    #[inline(always)]
    fn __metrics_outcome(&self) -> Outcome {
        if self.0.is_error() {
            Outcome::Error
        } else {
            Outcome::Ok
        }
    }
}

/// Not a public API.
#[doc(hidden)]
pub trait OkOutcome {
    fn __metrics_outcome(&self) -> Outcome;
}

impl<T> OkOutcome for OutcomeProbe<'_, T> {
    #[inline(always)]
    fn __metrics_outcome(&self) -> Outcome {
        Outcome::Ok
    }
}

// ---------------------------------------------------------------------------
