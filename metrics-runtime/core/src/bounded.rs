//! Labels whose values are a closed set not known at compile time (HTTP route
//! templates, tenant tiers read from config): at most `max` distinct values are
//! kept, every later one is folded into a single overflow value, so memory and
//! series count stay bounded whatever the input.

use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};

/// The table behind a [`bounded_label!`](crate::bounded_label) type: interns up
/// to `max` strings, each leaked once (bounded by `max`, so the leak is bounded).
#[derive(Debug)]
pub struct BoundedInterner {
    max: usize,
    overflow: &'static str,
    table: OnceLock<RwLock<Table>>,
}

#[derive(Debug, Default)]
struct Table {
    by_name: HashMap<&'static str, usize>,
    names: Vec<&'static str>,
    /// How many values were folded into the overflow slot (for diagnostics).
    folded: u64,
}

impl BoundedInterner {
    /// An empty table keeping at most `max` values; the rest encode as `overflow`.
    pub const fn new(max: usize, overflow: &'static str) -> Self {
        BoundedInterner {
            max,
            overflow,
            table: OnceLock::new(),
        }
    }

    fn table(&self) -> &RwLock<Table> {
        self.table.get_or_init(Default::default)
    }

    /// The dense index of `value`: its own slot if it is already known or a slot
    /// is free, otherwise the overflow slot (`max`).
    pub fn intern(&self, value: &str) -> usize {
        if value == self.overflow {
            return self.max;
        }
        // Poisoning cannot leave the table inconsistent (every write is a single
        // push + insert), so a poisoned lock is used as is.
        if let Some(&i) = self
            .table()
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .by_name
            .get(value)
        {
            return i;
        }
        let mut table = self.table().write().unwrap_or_else(|e| e.into_inner());
        if let Some(&i) = table.by_name.get(value) {
            return i;
        }
        if table.names.len() >= self.max {
            table.folded += 1;
            return self.max;
        }
        let name: &'static str = Box::leak(value.to_owned().into_boxed_str());
        let i = table.names.len();
        table.names.push(name);
        table.by_name.insert(name, i);
        i
    }

    /// The text of slot `index`: an interned value, the overflow value for `max`,
    /// `None` for a slot not filled yet.
    pub fn name_at(&self, index: usize) -> Option<&'static str> {
        if index == self.max {
            return Some(self.overflow);
        }
        self.table()
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .names
            .get(index)
            .copied()
    }

    /// How many distinct values have their own slot.
    pub fn len(&self) -> usize {
        self.table()
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .names
            .len()
    }

    /// Whether no value has been interned yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many `intern` calls were folded into the overflow value.
    pub fn folded(&self) -> u64 {
        self.table()
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .folded
    }

    /// The configured maximum number of distinct values.
    pub const fn max(&self) -> usize {
        self.max
    }
}

/// Declares a label type whose values are strings from a closed set that is only
/// known at run time, keeping at most `max` of them and folding the rest into
/// `overflow`.
///
/// The type is `Copy` and implements [`LabelValue`](crate::LabelValue) with
/// `CARDINALITY = max + 1`, so it can be a field of a `LabelSet` like any enum.
/// Create values with `Type::new(&str)` (a read-locked lookup; keep the value
/// around rather than re-creating it on a hot path).
///
/// ```
/// # extern crate promstrict_core as promstrict;
/// use promstrict::{bounded_label, LabelValue};
///
/// bounded_label! {
///     /// The matched route template of a request.
///     pub struct Route { max: 2, overflow: "other" }
/// }
///
/// let a = Route::new("/users/{id}");
/// let b = Route::new("/health");
/// let c = Route::new("/admin"); // a third value: folded
/// assert_eq!(a.as_str(), "/users/{id}");
/// assert_eq!(c.as_str(), "other");
/// assert_eq!(<Route as LabelValue>::CARDINALITY, 3);
/// assert_ne!(a.index(), b.index());
/// ```
#[macro_export]
macro_rules! bounded_label {
    ($(#[$meta:meta])* $vis:vis struct $name:ident { max: $max:expr, overflow: $overflow:expr $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        $vis struct $name(usize);

        const _: () = {
            static INTERNER: $crate::BoundedInterner = $crate::BoundedInterner::new($max, $overflow);

            // Not every user calls every constructor of a private label type.
            #[allow(dead_code)]
            impl $name {
                /// The label value for `value`, or the overflow value once the
                /// type's table is full.
                $vis fn new(value: &str) -> Self {
                    $name(INTERNER.intern(value))
                }

                /// The overflow value.
                $vis fn overflow() -> Self {
                    $name($max)
                }

                /// The table behind this type (size, folded count).
                $vis fn interner() -> &'static $crate::BoundedInterner {
                    &INTERNER
                }
            }

            impl $crate::LabelValue for $name {
                const CARDINALITY: usize = $max + 1;

                #[inline]
                fn index(self) -> usize {
                    self.0
                }

                fn name_at(index: usize) -> ::core::option::Option<&'static str> {
                    INTERNER.name_at(index)
                }
            }
        };
    };
}

#[cfg(test)]
mod tests {
    use crate::LabelValue;

    crate::bounded_label! {
        struct Tenant { max: 3, overflow: "__overflow__" }
    }

    #[test]
    fn keeps_at_most_max_values_and_folds_the_rest() {
        let names: Vec<String> = (0..1000).map(|i| format!("tenant-{i}")).collect();
        let values: Vec<Tenant> = names.iter().map(|n| Tenant::new(n)).collect();
        assert_eq!(Tenant::interner().len(), 3);
        assert_eq!(Tenant::interner().folded(), 997);
        assert_eq!(values[0].as_str(), "tenant-0");
        assert_eq!(values[2].as_str(), "tenant-2");
        for v in &values[3..] {
            assert_eq!(*v, Tenant::overflow());
            assert_eq!(v.as_str(), "__overflow__");
        }
        // The same string maps to the same slot every time.
        assert_eq!(Tenant::new("tenant-1"), values[1]);
        assert!(values.iter().all(|v| v.index() < Tenant::CARDINALITY));
        assert_eq!(Tenant::name_at(3), Some("__overflow__"));
        assert_eq!(Tenant::name_at(4), None);
    }
}
