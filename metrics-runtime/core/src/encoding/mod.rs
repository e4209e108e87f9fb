//! Exposition: the formats, negotiation and the text encoder.

mod format;
pub(crate) mod text;

pub use format::Format;
