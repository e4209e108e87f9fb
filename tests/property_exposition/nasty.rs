//! The nasty strings and values the generated registries are full of.

use proptest::prelude::*;

/// Substrings that break naive encoders and parsers.
const NASTY_ATOMS: &[&str] = &[
    "\"",
    "\\",
    "\n",
    "\\n",
    "\\\"",
    "\\\\",
    "\t",
    "\r",
    "\r\n",
    "\0",
    "\x01",
    "\x1b[31m",
    "\x7f",
    "{",
    "}",
    "=",
    ",",
    "#",
    " # ",
    "\"} 1",
    "le=\"+Inf\"",
    "# EOF",
    "\n# EOF\n",
    " ",
    "  ",
    "é",
    "ß",
    "\u{85}",
    "\u{a0}",
    "\u{2028}",
    "\u{feff}",
    "\u{200b}",
    "\u{fffd}",
    "😀",
    "𝕏",
    "\u{10ffff}",
    "\u{1f3f3}\u{fe0f}\u{200d}\u{1f308}",
];

fn special_f64() -> Vec<f64> {
    vec![
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.1,
        -2.5,
        0.30000000000000004,
        f64::NAN,
        -f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::from_bits(1),                     // smallest subnormal
        -f64::from_bits(1),                    // its negative
        f64::from_bits(0x000f_ffff_ffff_ffff), // largest subnormal
        f64::MIN_POSITIVE,
        f64::EPSILON,
        9_007_199_254_740_991.0, // 2^53 - 1
        9_007_199_254_740_992.0, // 2^53
        9_007_199_254_740_994.0, // 2^53 + 2 (2^53 + 1 is not a double)
        -9_007_199_254_740_991.0,
        1e21,
        1e-7,
        123_456_789.125,
        1e308,
        -1e308,
        f64::MAX,
        f64::MIN,
    ]
}

pub(crate) fn any_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        2 => prop::sample::select(vec![
            f64::NAN,
            -f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -0.0,
            f64::from_bits(1),
            -f64::from_bits(1),
        ]),
        5 => prop::sample::select(special_f64()),
        1 => any::<f64>(),
        1 => any::<u64>().prop_map(f64::from_bits),
        2 => (-1000i32..1000).prop_map(|v| f64::from(v) / 8.0),
    ]
}

pub(crate) fn finite_f64() -> impl Strategy<Value = f64> {
    use prop::num::f64 as f;
    prop_oneof![
        3 => prop::sample::select(special_f64().into_iter().filter(|v| v.is_finite()).collect::<Vec<_>>()),
        2 => f::POSITIVE | f::NEGATIVE | f::NORMAL | f::SUBNORMAL | f::ZERO,
        3 => (-100i32..100).prop_map(|v| f64::from(v) / 4.0),
    ]
}

/// Mostly valid counter increments, sometimes refused ones.
pub(crate) fn increment_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => finite_f64().prop_map(f64::abs),
        1 => any_f64(),
    ]
}

pub(crate) fn any_u64() -> impl Strategy<Value = u64> {
    prop_oneof![
        2 => prop::sample::select(vec![
            0,
            1,
            2,
            (1u64 << 53) - 1,
            1 << 53,
            (1 << 53) + 1,
            i64::MAX as u64,
            u64::MAX - 1,
            u64::MAX,
        ]),
        1 => any::<u64>(),
        1 => 0..100u64,
    ]
}

pub(crate) fn any_i64() -> impl Strategy<Value = i64> {
    prop_oneof![
        2 => prop::sample::select(vec![
            0,
            1,
            -1,
            i64::MIN,
            i64::MAX,
            (1i64 << 53) + 1,
            -(1i64 << 53) - 1,
            -1_000_000_007,
        ]),
        1 => any::<i64>(),
        1 => -100..100i64,
    ]
}

/// The neighbour of a finite `x` towards +∞ (`up`) or −∞.
pub(crate) fn next_float(x: f64, up: bool) -> f64 {
    if !x.is_finite() {
        return x;
    }
    if x == 0.0 {
        let tiny = f64::from_bits(1);
        return if up { tiny } else { -tiny };
    }
    let bits = x.to_bits();
    f64::from_bits(if (x > 0.0) == up { bits + 1 } else { bits - 1 })
}

pub(crate) fn nasty_string() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        3 => "[a-zA-Z0-9 ._/-]{1,6}",
        3 => prop::sample::select(NASTY_ATOMS).prop_map(str::to_owned),
        1 => any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(atom, 0..8).prop_map(|atoms| atoms.concat())
}

/// A help text: anything with a non-blank character (the registry refuses blank ones).
pub(crate) fn help_text() -> impl Strategy<Value = String> {
    nasty_string().prop_map(|s| if s.trim().is_empty() { s + "Help." } else { s })
}
