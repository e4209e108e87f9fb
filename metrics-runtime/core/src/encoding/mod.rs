//! Exposition: the formats, negotiation and the text encoder.

mod format;
#[cfg(feature = "protobuf")]
pub mod protobuf;
pub(crate) mod text;

#[cfg(feature = "protobuf")]
pub use format::Exposition;
pub use format::Format;
