//! `#[derive(LabelValue)]` and `#[derive(LabelSet)]`: cardinalities, dense
//! indexes and encoded names for several shapes.

use promstrict::{bounded_label, LabelSet, LabelValue, Labels};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
enum Method {
    Get,
    Post,
    Put,
    Delete,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
enum StatusClass {
    #[label(name = "2xx")]
    Success,
    #[label(name = "4xx")]
    ClientError,
    #[label(name = "5xx")]
    ServerError,
}

/// Explicit discriminants, acronyms, raw identifiers and odd encodings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, LabelValue)]
#[repr(u8)]
enum Odd {
    HTTPError = 7,
    IOError = 3,
    r#Type = 200,
    #[label(name = "with \"quotes\" and \\ and\nnewline")]
    Escaped,
    #[label(name = "Ünïcödé")]
    Unicode,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, LabelValue)]
enum Single {
    Only,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
struct RequestLabels {
    method: Method,
    status: StatusClass,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, LabelSet)]
struct Three {
    #[label(name = "cached")]
    hit: bool,
    status: StatusClass,
    r#type: Odd,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, LabelSet)]
struct One {
    only: Single,
}

bounded_label! {
    /// A route template.
    pub struct Route { max: 3, overflow: "other" }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, LabelSet)]
struct WithBounded {
    route: Route,
    method: Method,
}

/// Generic label sets work: the parameter is itself a label value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, LabelSet)]
struct Generic<V: LabelValue> {
    value: V,
    ok: bool,
}

/// Every value of a derived `LabelValue`, through its own `name_at`.
fn names<V: LabelValue>() -> Vec<&'static str> {
    (0..V::CARDINALITY)
        .map(|i| V::name_at(i).unwrap())
        .collect()
}

#[test]
fn label_values_are_snake_case_or_renamed() {
    assert_eq!(Method::CARDINALITY, 4);
    assert_eq!(names::<Method>(), ["get", "post", "put", "delete"]);
    assert_eq!(Method::Delete.as_str(), "delete");
    assert_eq!(names::<StatusClass>(), ["2xx", "4xx", "5xx"]);
    assert_eq!(StatusClass::ClientError.as_str(), "4xx");
    assert_eq!(
        names::<Odd>(),
        [
            "http_error",
            "io_error",
            "type",
            "with \"quotes\" and \\ and\nnewline",
            "Ünïcödé"
        ]
    );
    assert_eq!(Single::CARDINALITY, 1);
    assert_eq!(Single::Only.index(), 0);
    assert_eq!(Method::name_at(4), None);
    assert_eq!(Odd::name_at(usize::MAX), None);
}

#[test]
fn label_value_indexes_are_dense_in_declaration_order() {
    // Discriminants do not matter: the index is the declaration order.
    let all = [
        Odd::HTTPError,
        Odd::IOError,
        Odd::r#Type,
        Odd::Escaped,
        Odd::Unicode,
    ];
    for (i, v) in all.into_iter().enumerate() {
        assert_eq!(v.index(), i);
        assert_eq!(Odd::name_at(i), Some(v.as_str()));
    }
}

/// Checks that `index` is a bijection from `all` onto `0..CARDINALITY` and
/// that every index decodes back to the labels it came from.
fn assert_bijection<L: LabelSet + std::fmt::Debug>(all: &[L], expected: &[Vec<(&str, &str)>]) {
    assert_eq!(all.len(), L::CARDINALITY);
    let mut seen = vec![false; L::CARDINALITY];
    for (set, pairs) in all.iter().zip(expected) {
        let i = set.index();
        assert!(i < L::CARDINALITY, "{set:?} -> {i}");
        assert!(!seen[i], "{set:?}: index {i} used twice");
        seen[i] = true;
        let decoded = Labels::Dense {
            labels: L::LABELS,
            index: i,
        }
        .to_pairs();
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        assert_eq!(decoded, pairs, "{set:?}");
    }
    assert!(seen.iter().all(|s| *s));
}

#[test]
fn request_labels() {
    assert_eq!(RequestLabels::CARDINALITY, 12);
    let names: Vec<_> = RequestLabels::LABELS.iter().map(|l| l.name).collect();
    assert_eq!(names, ["method", "status"]);
    let mut all = Vec::new();
    let mut expected = Vec::new();
    for method in [Method::Get, Method::Post, Method::Put, Method::Delete] {
        for status in [
            StatusClass::Success,
            StatusClass::ClientError,
            StatusClass::ServerError,
        ] {
            all.push(RequestLabels { method, status });
            expected.push(vec![
                ("method", method.as_str()),
                ("status", status.as_str()),
            ]);
        }
    }
    assert_bijection(&all, &expected);
    // The first label is the most significant digit.
    assert_eq!(
        RequestLabels {
            method: Method::Post,
            status: StatusClass::Success
        }
        .index(),
        3
    );
}

#[test]
fn three_labels_with_rename_and_raw_identifier() {
    assert_eq!(Three::CARDINALITY, 2 * 3 * 5);
    let names: Vec<_> = Three::LABELS.iter().map(|l| l.name).collect();
    assert_eq!(names, ["cached", "status", "type"]);
    let mut all = Vec::new();
    let mut expected = Vec::new();
    for hit in [false, true] {
        for status in [
            StatusClass::Success,
            StatusClass::ClientError,
            StatusClass::ServerError,
        ] {
            for t in [
                Odd::HTTPError,
                Odd::IOError,
                Odd::r#Type,
                Odd::Escaped,
                Odd::Unicode,
            ] {
                all.push(Three {
                    hit,
                    status,
                    r#type: t,
                });
                expected.push(vec![
                    ("cached", hit.as_str()),
                    ("status", status.as_str()),
                    ("type", t.as_str()),
                ]);
            }
        }
    }
    assert_bijection(&all, &expected);
}

#[test]
fn single_label_of_a_single_value() {
    assert_eq!(One::CARDINALITY, 1);
    assert_bijection(&[One { only: Single::Only }], &[vec![("only", "only")]]);
}

#[test]
fn bounded_label_in_a_set() {
    assert_eq!(WithBounded::CARDINALITY, 4 * 4);
    let a = Route::new("/users/{id}");
    let b = Route::new("/health");
    let set = WithBounded {
        route: b,
        method: Method::Put,
    };
    assert_eq!(set.index(), b.index() * 4 + 2);
    assert_ne!(
        WithBounded {
            route: a,
            method: Method::Put
        }
        .index(),
        set.index()
    );
    let decoded = Labels::Dense {
        labels: WithBounded::LABELS,
        index: set.index(),
    }
    .to_pairs();
    assert_eq!(
        decoded,
        [
            ("route".to_owned(), "/health".to_owned()),
            ("method".to_owned(), "put".to_owned())
        ]
    );
}

#[test]
fn generic_label_set() {
    assert_eq!(<Generic<Method> as LabelSet>::CARDINALITY, 8);
    assert_eq!(<Generic<StatusClass> as LabelSet>::CARDINALITY, 6);
    let mut all = Vec::new();
    let mut expected = Vec::new();
    for value in [
        StatusClass::Success,
        StatusClass::ClientError,
        StatusClass::ServerError,
    ] {
        for ok in [false, true] {
            all.push(Generic { value, ok });
            expected.push(vec![("value", value.as_str()), ("ok", ok.as_str())]);
        }
    }
    assert_bijection(&all, &expected);
}
