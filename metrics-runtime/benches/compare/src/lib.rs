//! What every side of the comparison shares: the label types of each library
//! (the same closed sets, spelled the way each library wants them), the bucket
//! bounds, and the precomputed inputs the hot loops step through.
//!
//! Scenarios (ids `<scenario>/<library>`, see `benches/compare.rs`):
//! the 18-combination label set is `method` (6 values) × `status` (3 values);
//! the encoding scenarios use 100 families of `row` (10) × `col` (10) = 100
//! series each.

#![allow(clippy::new_without_default)]

/// 12 histogram buckets, as `core.rs` uses.
pub const BOUNDS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// 10 histogram buckets, for the encoding scenario.
pub const BOUNDS10: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

/// Families and series per family in the encoding scenarios.
pub const FAMILIES: usize = 100;
/// Values of each of the two labels (`row`, `col`) of an encoded family.
pub const SIDE: usize = 10;

/// 64 observations spread over all 12 buckets and beyond (stepped with `& 63`).
pub fn spread_values() -> [f64; 64] {
    std::array::from_fn(|i| 0.0007 * 1.16f64.powi(i as i32))
}

/// The 18 (method, status) combinations in a fixed scrambled order, repeated to
/// 32 entries so a loop steps with `& 31`, never a division (as `core.rs`).
pub const SEQ: [(usize, usize); 32] = {
    let mut out = [(0, 0); 32];
    let mut i = 0;
    while i < 32 {
        let k = (i * 7) % 18;
        out[i] = (k / 3, k % 3);
        i += 1;
    }
    out
};

/// The method label values as text (prometheus, metrics).
pub const METHOD_NAMES: [&str; 6] = ["get", "post", "put", "delete", "patch", "head"];
/// The status label values as text.
pub const STATUS_NAMES: [&str; 3] = ["2xx", "4xx", "5xx"];
/// `row` label values as text.
pub const ROW_NAMES: [&str; SIDE] = ["r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"];
/// `col` label values as text.
pub const COL_NAMES: [&str; SIDE] = ["c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9"];

/// `text[i]` for every entry of [`SEQ`].
pub fn seq_names() -> [(&'static str, &'static str); 32] {
    SEQ.map(|(m, s)| (METHOD_NAMES[m], STATUS_NAMES[s]))
}

/// The 100 family names of the encoding scenarios, `family_00` … (leaked once:
/// measured wants `&'static` names).
pub fn family_names(suffix: &str) -> Vec<&'static str> {
    (0..FAMILIES)
        .map(|f| &*Box::leak(format!("family_{f:02}{suffix}").into_boxed_str()))
        .collect()
}

/// This toolkit's label types.
pub mod ours {
    use promstrict::{LabelSet, LabelValue};

    #[derive(LabelValue, Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum Method {
        Get,
        Post,
        Put,
        Delete,
        Patch,
        Head,
    }
    pub const METHODS: [Method; 6] = [
        Method::Get,
        Method::Post,
        Method::Put,
        Method::Delete,
        Method::Patch,
        Method::Head,
    ];

    #[derive(LabelValue, Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum Status {
        #[label(name = "2xx")]
        Success,
        #[label(name = "4xx")]
        ClientError,
        #[label(name = "5xx")]
        ServerError,
    }
    pub const STATUSES: [Status; 3] = [Status::Success, Status::ClientError, Status::ServerError];

    #[derive(LabelSet, Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct Request {
        pub method: Method,
        pub status: Status,
    }

    #[derive(LabelValue, Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum Row {
        R0,
        R1,
        R2,
        R3,
        R4,
        R5,
        R6,
        R7,
        R8,
        R9,
    }
    pub const ROWS: [Row; 10] = [
        Row::R0,
        Row::R1,
        Row::R2,
        Row::R3,
        Row::R4,
        Row::R5,
        Row::R6,
        Row::R7,
        Row::R8,
        Row::R9,
    ];

    #[derive(LabelValue, Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum Col {
        C0,
        C1,
        C2,
        C3,
        C4,
        C5,
        C6,
        C7,
        C8,
        C9,
    }
    pub const COLS: [Col; 10] = [
        Col::C0,
        Col::C1,
        Col::C2,
        Col::C3,
        Col::C4,
        Col::C5,
        Col::C6,
        Col::C7,
        Col::C8,
        Col::C9,
    ];

    #[derive(LabelSet, Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct Grid {
        pub row: Row,
        pub col: Col,
    }

    /// [`crate::SEQ`] as label sets.
    pub fn seq() -> [Request; 32] {
        crate::SEQ.map(|(m, s)| Request {
            method: METHODS[m],
            status: STATUSES[s],
        })
    }

    /// Every `row` × `col` combination, row-major.
    pub fn grid() -> impl Iterator<Item = Grid> {
        ROWS.into_iter()
            .flat_map(|row| COLS.into_iter().map(move |col| Grid { row, col }))
    }
}

/// prometheus-client's label types: `#[derive(EncodeLabelValue, EncodeLabelSet)]`.
pub mod pc {
    use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};

    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EncodeLabelValue)]
    pub enum Method {
        Get,
        Post,
        Put,
        Delete,
        Patch,
        Head,
    }
    pub const METHODS: [Method; 6] = [
        Method::Get,
        Method::Post,
        Method::Put,
        Method::Delete,
        Method::Patch,
        Method::Head,
    ];

    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EncodeLabelValue)]
    pub enum Status {
        Success,
        ClientError,
        ServerError,
    }
    pub const STATUSES: [Status; 3] = [Status::Success, Status::ClientError, Status::ServerError];

    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EncodeLabelSet)]
    pub struct Request {
        pub method: Method,
        pub status: Status,
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EncodeLabelValue)]
    pub enum Row {
        R0,
        R1,
        R2,
        R3,
        R4,
        R5,
        R6,
        R7,
        R8,
        R9,
    }
    pub const ROWS: [Row; 10] = [
        Row::R0,
        Row::R1,
        Row::R2,
        Row::R3,
        Row::R4,
        Row::R5,
        Row::R6,
        Row::R7,
        Row::R8,
        Row::R9,
    ];

    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EncodeLabelValue)]
    pub enum Col {
        C0,
        C1,
        C2,
        C3,
        C4,
        C5,
        C6,
        C7,
        C8,
        C9,
    }
    pub const COLS: [Col; 10] = [
        Col::C0,
        Col::C1,
        Col::C2,
        Col::C3,
        Col::C4,
        Col::C5,
        Col::C6,
        Col::C7,
        Col::C8,
        Col::C9,
    ];

    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EncodeLabelSet)]
    pub struct Grid {
        pub row: Row,
        pub col: Col,
    }

    pub fn seq() -> [Request; 32] {
        crate::SEQ.map(|(m, s)| Request {
            method: METHODS[m],
            status: STATUSES[s],
        })
    }

    pub fn grid() -> impl Iterator<Item = Grid> {
        ROWS.into_iter()
            .flat_map(|row| COLS.into_iter().map(move |col| Grid { row, col }))
    }

    /// A histogram family needs a constructor for its buckets.
    pub type HistogramFamily<L> = prometheus_client::metrics::family::Family<
        L,
        prometheus_client::metrics::histogram::Histogram,
        fn() -> prometheus_client::metrics::histogram::Histogram,
    >;
}

/// measured's label types: `#[derive(FixedCardinalityLabel, LabelGroup)]`, a
/// dense `StaticLabelSet` per label.
pub mod meas {
    use measured::{FixedCardinalityLabel, LabelGroup};

    #[derive(Clone, Copy, Debug, PartialEq, Eq, FixedCardinalityLabel)]
    pub enum Method {
        Get,
        Post,
        Put,
        Delete,
        Patch,
        Head,
    }
    pub const METHODS: [Method; 6] = [
        Method::Get,
        Method::Post,
        Method::Put,
        Method::Delete,
        Method::Patch,
        Method::Head,
    ];

    #[derive(Clone, Copy, Debug, PartialEq, Eq, FixedCardinalityLabel)]
    pub enum Status {
        #[label(rename = "2xx")]
        Success,
        #[label(rename = "4xx")]
        ClientError,
        #[label(rename = "5xx")]
        ServerError,
    }
    pub const STATUSES: [Status; 3] = [Status::Success, Status::ClientError, Status::ServerError];

    #[derive(Clone, Copy, Debug, PartialEq, LabelGroup)]
    #[label(set = RequestSet)]
    pub struct Request {
        pub method: Method,
        pub status: Status,
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq, FixedCardinalityLabel)]
    pub enum Row {
        R0,
        R1,
        R2,
        R3,
        R4,
        R5,
        R6,
        R7,
        R8,
        R9,
    }
    pub const ROWS: [Row; 10] = [
        Row::R0,
        Row::R1,
        Row::R2,
        Row::R3,
        Row::R4,
        Row::R5,
        Row::R6,
        Row::R7,
        Row::R8,
        Row::R9,
    ];

    #[derive(Clone, Copy, Debug, PartialEq, Eq, FixedCardinalityLabel)]
    pub enum Col {
        C0,
        C1,
        C2,
        C3,
        C4,
        C5,
        C6,
        C7,
        C8,
        C9,
    }
    pub const COLS: [Col; 10] = [
        Col::C0,
        Col::C1,
        Col::C2,
        Col::C3,
        Col::C4,
        Col::C5,
        Col::C6,
        Col::C7,
        Col::C8,
        Col::C9,
    ];

    #[derive(Clone, Copy, Debug, PartialEq, LabelGroup)]
    #[label(set = GridSet)]
    pub struct Grid {
        pub row: Row,
        pub col: Col,
    }

    pub fn seq() -> [Request; 32] {
        crate::SEQ.map(|(m, s)| Request {
            method: METHODS[m],
            status: STATUSES[s],
        })
    }

    pub fn grid() -> impl Iterator<Item = Grid> {
        ROWS.into_iter()
            .flat_map(|row| COLS.into_iter().map(move |col| Grid { row, col }))
    }
}

/// prometheus-static-metric's typed views over an `IntCounterVec` /
/// `HistogramVec` with `method` and `status` labels.
pub mod tikv_static {
    use prometheus_static_metric::make_static_metric;

    make_static_metric! {
        pub label_enum Methods {
            get,
            post,
            put,
            delete,
            patch,
            head,
        }

        pub label_enum Statuses {
            s2xx: "2xx",
            s4xx: "4xx",
            s5xx: "5xx",
        }

        pub struct RequestCounters: IntCounter {
            "method" => Methods,
            "status" => Statuses,
        }

        pub struct RequestHistograms: Histogram {
            "method" => Methods,
            "status" => Statuses,
        }
    }

    pub const METHODS: [Methods; 6] = [
        Methods::get,
        Methods::post,
        Methods::put,
        Methods::delete,
        Methods::patch,
        Methods::head,
    ];
    pub const STATUSES: [Statuses; 3] = [Statuses::s2xx, Statuses::s4xx, Statuses::s5xx];

    pub fn seq() -> [(Methods, Statuses); 32] {
        crate::SEQ.map(|(m, s)| (METHODS[m], STATUSES[s]))
    }
}
