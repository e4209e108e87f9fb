//! The messages of remote write 1.0, as the specification numbers their
//! fields (`prometheus/prompb`): what the sender encodes, and what a
//! receiver of yours (or a test) can decode with [`prost::Message::decode`]
//! after snappy's block decompression.
//!
//! ```
//! # use promstrict_serve::remote_write::proto::{Label, Sample, TimeSeries, WriteRequest};
//! use prost::Message;
//!
//! let request = WriteRequest {
//!     timeseries: vec![TimeSeries {
//!         labels: vec![Label { name: "__name__".into(), value: "up".into() }],
//!         samples: vec![Sample { value: 1.0, timestamp: 1_700_000_000_000 }],
//!     }],
//!     metadata: vec![],
//! };
//! let bytes = request.encode_to_vec();
//! assert_eq!(WriteRequest::decode(bytes.as_slice()).unwrap(), request);
//! ```

use promstrict_core::MetricType as CoreType;

/// A request: series and, optionally, the families' metadata.
#[derive(Clone, PartialEq, prost::Message)]
pub struct WriteRequest {
    /// The series, each with its samples (field 1).
    #[prost(message, repeated, tag = "1")]
    pub timeseries: Vec<TimeSeries>,
    /// The families' type, help and unit (field 3).
    #[prost(message, repeated, tag = "3")]
    pub metadata: Vec<MetricMetadata>,
}

/// One series: its labels (sorted by name, `__name__` included) and samples
/// (oldest first).
#[derive(Clone, PartialEq, prost::Message)]
pub struct TimeSeries {
    /// The labels (field 1).
    #[prost(message, repeated, tag = "1")]
    pub labels: Vec<Label>,
    /// The samples (field 2).
    #[prost(message, repeated, tag = "2")]
    pub samples: Vec<Sample>,
}

/// A label.
#[derive(Clone, PartialEq, Eq, Hash, prost::Message)]
pub struct Label {
    /// The name (field 1).
    #[prost(string, tag = "1")]
    pub name: String,
    /// The value (field 2).
    #[prost(string, tag = "2")]
    pub value: String,
}

/// A sample.
#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct Sample {
    /// The value (field 1).
    #[prost(double, tag = "1")]
    pub value: f64,
    /// Milliseconds since the Unix epoch (field 2).
    #[prost(int64, tag = "2")]
    pub timestamp: i64,
}

/// A family's metadata.
#[derive(Clone, PartialEq, Eq, Hash, prost::Message)]
pub struct MetricMetadata {
    /// The type: a [`MetricType`] as `i32` (field 1).
    #[prost(int32, tag = "1")]
    pub r#type: i32,
    /// The family name (field 2).
    #[prost(string, tag = "2")]
    pub metric_family_name: String,
    /// The help text (field 4).
    #[prost(string, tag = "4")]
    pub help: String,
    /// The unit (field 5).
    #[prost(string, tag = "5")]
    pub unit: String,
}

/// The metric types of [`MetricMetadata`]'s `type` field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum MetricType {
    /// Unknown.
    Unknown = 0,
    /// A counter.
    Counter = 1,
    /// A gauge.
    Gauge = 2,
    /// A histogram (classic buckets).
    Histogram = 3,
    /// A gauge histogram.
    GaugeHistogram = 4,
    /// A summary.
    Summary = 5,
    /// An info metric.
    Info = 6,
    /// A state set.
    StateSet = 7,
}

impl From<CoreType> for MetricType {
    fn from(t: CoreType) -> Self {
        match t {
            CoreType::Counter => MetricType::Counter,
            CoreType::Gauge => MetricType::Gauge,
            CoreType::Histogram => MetricType::Histogram,
            CoreType::Summary => MetricType::Summary,
            // The text format sends an info metric as a gauge of 1.
            CoreType::Info => MetricType::Gauge,
            CoreType::StateSet => MetricType::StateSet,
            CoreType::GaugeHistogram => MetricType::GaugeHistogram,
        }
    }
}
