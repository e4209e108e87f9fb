//! What the code `#[instrument_latency]` generates calls, re-exported by the
//! crate's hidden versioned module; nothing here is part of the public API.

pub use super::builtin::{Callsite, CallsiteRecorder};
pub use super::custom::{calls_metric, in_flight_metric, latency_cell, Custom};
pub use super::guard::{call_once, ErrorOutcome, Guard, OkOutcome, OutcomeProbe, Polled, Recorder};
pub use super::kinds::{error_kind_of, kind_calls_metric, CustomKinds, ErrorKindOf, KindRecorder};
pub use super::stream::{
    BoxStreamKind, BoxStreamProbe, IterKind, IterProbe, IteratorOrStream, NotStreamKind,
    NotStreamProbe, StreamProbe, UnpinStreamKind, UnpinStreamProbe,
};
