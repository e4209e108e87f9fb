//! The foreign parsers each case is read back through.

pub(crate) mod promtool;
pub(crate) mod python;
pub(crate) mod tsdb;
