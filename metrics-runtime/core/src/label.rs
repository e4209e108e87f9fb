//! Closed-set labels: every label type knows how many values it can take, so a
//! family can store one metric per combination in a dense array and find it by
//! arithmetic instead of hashing.

/// A label value drawn from a closed set known at compile time.
///
/// Each value maps to a dense index in `0..CARDINALITY`; [`LabelValue::name_at`]
/// maps an index back to the encoded string. Derive it on fieldless enums with
/// `#[derive(LabelValue)]`; it is provided for `bool` (`"false"`, `"true"`).
///
/// ```
/// # extern crate promstrict_core as promstrict;
/// use promstrict::LabelValue;
///
/// assert_eq!(<bool as LabelValue>::CARDINALITY, 2);
/// assert_eq!(true.index(), 1);
/// assert_eq!(true.as_str(), "true");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a closed set of label values",
    label = "not a `LabelValue`: its values are unbounded, so every distinct value would become a new time series",
    note = "use an enum with `#[derive(LabelValue)]`, or a `bounded_label!` type for a closed set only known at run time"
)]
pub trait LabelValue: Copy + Send + Sync + 'static {
    /// How many distinct values this type can take.
    const CARDINALITY: usize;

    /// The encoded values in index order, where they are known at compile
    /// time (derived enums, `bool`); empty for values that arrive at run
    /// time. Objectives naming a value are checked against it when the
    /// crate compiles.
    const NAMES: &'static [&'static str] = &[];

    /// The dense index of this value, in `0..CARDINALITY`.
    fn index(self) -> usize;

    /// The encoded label value at `index`, or `None` if no value has that index
    /// (yet: a [bounded label](crate::bounded_label) fills its slots as values arrive).
    fn name_at(index: usize) -> Option<&'static str>;

    /// The encoded label value of `self`.
    fn as_str(self) -> &'static str {
        // A value always knows its own slot: `index` only hands out filled ones.
        Self::name_at(self.index()).unwrap_or("")
    }
}

/// `LabelValue` for a fieldless enum whose variants, in order, are named
/// by the given strings: what the crates of this toolkit write for their
/// own label enums, where `#[derive(LabelValue)]` cannot name them. Not a
/// public API.
#[doc(hidden)]
#[macro_export]
macro_rules! __impl_label_value {
    ($ty:ty, [$($name:literal),+ $(,)?]) => {
        impl $crate::LabelValue for $ty {
            const CARDINALITY: usize = [$($name),+].len();
            const NAMES: &'static [&'static str] = &[$($name),+];

            #[inline]
            fn index(self) -> usize {
                self as usize
            }

            fn name_at(index: usize) -> ::core::option::Option<&'static str> {
                <Self as $crate::LabelValue>::NAMES.get(index).copied()
            }
        }
    };
}

impl LabelValue for bool {
    const CARDINALITY: usize = 2;
    const NAMES: &'static [&'static str] = &["false", "true"];

    #[inline]
    fn index(self) -> usize {
        self as usize
    }

    fn name_at(index: usize) -> Option<&'static str> {
        match index {
            0 => Some("false"),
            1 => Some("true"),
            _ => None,
        }
    }
}

/// One label of a [`LabelSet`]: its name, its value type's cardinality and how
/// to turn a value index back into text.
#[derive(Clone, Copy, Debug)]
pub struct LabelDescriptor {
    /// The label name as it appears in the exposition (`method`).
    pub name: &'static str,
    /// The cardinality of the label's value type.
    pub cardinality: usize,
    /// Maps a value index to its encoded text (the value type's [`LabelValue::name_at`]).
    pub name_at: fn(usize) -> Option<&'static str>,
}

impl LabelDescriptor {
    /// The descriptor of a label named `name` whose values are `V`.
    pub const fn of<V: LabelValue>(name: &'static str) -> Self {
        LabelDescriptor {
            name,
            cardinality: V::CARDINALITY,
            name_at: V::name_at,
        }
    }
}

/// A set of labels, each a [`LabelValue`]: a struct whose fields are the labels.
///
/// The set's index is mixed-radix over its labels (the first label varies
/// slowest), so `index()` is a handful of multiply-adds and every combination has
/// its own slot in `0..CARDINALITY`. Derive it with `#[derive(LabelSet)]`.
///
/// `()` is the empty label set (one series, no labels). A label set needs no
/// `Copy` or `Clone`: families take it by value and only read it.
pub trait LabelSet: Send + Sync + 'static {
    /// The labels, in encoding order.
    const LABELS: &'static [LabelDescriptor];

    /// The number of label combinations: the product of the labels' cardinalities.
    const CARDINALITY: usize = cardinality_of(Self::LABELS);

    /// Each label's [`LabelValue::NAMES`], in the order of `LABELS` (empty
    /// where not known at compile time).
    const LABEL_NAMES: &'static [&'static [&'static str]] = &[];

    /// The dense index of this combination, in `0..CARDINALITY`.
    fn index(&self) -> usize;
}

impl LabelSet for () {
    const LABELS: &'static [LabelDescriptor] = &[];

    #[inline]
    fn index(&self) -> usize {
        0
    }
}

/// Fails the constant it is evaluated in, with `message`, when a family's
/// `cardinality` is over its `limit`. `#[track_caller]`: rustc reports the
/// failure where the derive calls it, on the family's label type.
#[doc(hidden)]
#[track_caller]
pub const fn check_cardinality(cardinality: usize, limit: u64, message: &str) {
    if cardinality as u64 > limit {
        panic!("{}", message)
    }
}

/// The product of the labels' cardinalities, saturating at `usize::MAX` so a
/// compile-time limit check can reject it instead of overflowing.
pub const fn cardinality_of(labels: &[LabelDescriptor]) -> usize {
    let mut product: usize = 1;
    let mut i = 0;
    while i < labels.len() {
        product = product.saturating_mul(labels[i].cardinality);
        i += 1;
    }
    product
}

/// The labels of one series, as the encoder and visitors see them.
#[derive(Clone, Copy, Debug)]
pub enum Labels<'a> {
    /// No labels.
    None,
    /// A dense family's series: label `k` has value index `(index / stride_k) % card_k`.
    Dense {
        /// The family's labels.
        labels: &'static [LabelDescriptor],
        /// The series' dense index.
        index: usize,
    },
    /// Owned name/value pairs (an `Info` metric's labels).
    Pairs(&'a [(String, String)]),
    /// Borrowed name/value pairs (per-callsite series, e.g. `#[instrument_latency]`'s).
    Borrowed(&'a [(&'a str, &'a str)]),
}

impl<'a> Labels<'a> {
    /// Calls `f(name, value)` for each label, in encoding order.
    #[inline]
    pub fn for_each(&self, mut f: impl FnMut(&str, &str)) {
        match *self {
            Labels::None => {}
            Labels::Dense { labels, index } => {
                // Mixed radix, first label most significant: label k's digit
                // is `index / stride_k % card_k`, where the stride is the
                // product of the cardinalities after it.
                let mut stride = cardinality_of(labels);
                for label in labels {
                    stride /= label.cardinality;
                    let digit = index / stride % label.cardinality;
                    f(label.name, (label.name_at)(digit).unwrap_or(""));
                }
            }
            Labels::Pairs(pairs) => {
                for (name, value) in pairs {
                    f(name, value);
                }
            }
            Labels::Borrowed(pairs) => {
                for (name, value) in pairs {
                    f(name, value);
                }
            }
        }
    }

    /// Whether there are no labels at all.
    pub fn is_empty(&self) -> bool {
        match *self {
            Labels::None => true,
            Labels::Dense { labels, .. } => labels.is_empty(),
            Labels::Pairs(p) => p.is_empty(),
            Labels::Borrowed(p) => p.is_empty(),
        }
    }

    /// The labels as owned pairs (for snapshots and tests).
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        self.for_each(|k, v| out.push((k.to_owned(), v.to_owned())));
        out
    }
}

/// Mixed-radix index of label value indexes, first label most significant.
/// Used by generated `LabelSet::index` impls.
#[doc(hidden)]
#[inline(always)]
pub const fn mixed_radix_step(acc: usize, cardinality: usize, digit: usize) -> usize {
    acc * cardinality + digit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy)]
    enum Color {
        Red,
        Green,
        Blue,
    }
    impl LabelValue for Color {
        const CARDINALITY: usize = 3;
        fn index(self) -> usize {
            self as usize
        }
        fn name_at(i: usize) -> Option<&'static str> {
            ["red", "green", "blue"].get(i).copied()
        }
    }
    #[derive(Clone, Copy)]
    struct Pair {
        color: Color,
        ok: bool,
    }
    impl LabelSet for Pair {
        const LABELS: &'static [LabelDescriptor] = &[
            LabelDescriptor::of::<Color>("color"),
            LabelDescriptor::of::<bool>("ok"),
        ];
        fn index(&self) -> usize {
            mixed_radix_step(
                mixed_radix_step(0, 3, self.color.index()),
                2,
                self.ok.index(),
            )
        }
    }

    #[test]
    fn cardinality_is_the_product() {
        assert_eq!(<Pair as LabelSet>::CARDINALITY, 6);
        assert_eq!(<() as LabelSet>::CARDINALITY, 1);
    }

    #[test]
    fn every_combination_has_its_own_index_and_decodes_back() {
        let mut seen = [false; 6];
        for color in [Color::Red, Color::Green, Color::Blue] {
            for ok in [false, true] {
                let set = Pair { color, ok };
                let i = set.index();
                assert!(!seen[i], "index {i} used twice");
                seen[i] = true;
                let pairs = Labels::Dense {
                    labels: Pair::LABELS,
                    index: i,
                }
                .to_pairs();
                assert_eq!(
                    pairs,
                    vec![
                        ("color".to_owned(), color.as_str().to_owned()),
                        ("ok".to_owned(), ok.as_str().to_owned())
                    ]
                );
            }
        }
        assert!(seen.iter().all(|s| *s));
    }

    #[test]
    fn cardinality_saturates_instead_of_overflowing() {
        const HUGE: LabelDescriptor = LabelDescriptor {
            name: "x",
            cardinality: usize::MAX / 2,
            name_at: <bool as LabelValue>::name_at,
        };
        assert_eq!(cardinality_of(&[HUGE, HUGE, HUGE]), usize::MAX);
    }
}
