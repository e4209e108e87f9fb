//! Bearer-token auth for the metrics endpoint (RFC 6750 §2.1).

use std::fmt;
use std::sync::Arc;

/// The token a scrape must present as `Authorization: Bearer <token>`.
#[derive(Clone)]
pub(crate) struct BearerToken(Arc<[u8]>);

impl BearerToken {
    pub(crate) fn new(token: &str) -> Self {
        BearerToken(token.as_bytes().into())
    }

    /// Whether the `Authorization` header value carries this token. The
    /// token comparison takes the same time wherever the first difference
    /// is, so response timing does not reveal how much of a guess was right.
    pub(crate) fn accepts(&self, authorization: Option<&[u8]>) -> bool {
        let Some(value) = authorization else {
            return false;
        };
        // The scheme is case-insensitive; the token follows one or more spaces.
        let Some(pos) = value.iter().position(|&b| b == b' ') else {
            return false;
        };
        let (scheme, rest) = value.split_at(pos);
        if !scheme.eq_ignore_ascii_case(b"bearer") {
            return false;
        }
        let start = rest.iter().position(|&b| b != b' ').unwrap_or(rest.len());
        constant_time_eq(&rest[start..], &self.0)
    }
}

impl fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BearerToken(<redacted>)")
    }
}

/// Compares `given` with `expected` in time that depends only on
/// `expected.len()`.
fn constant_time_eq(given: &[u8], expected: &[u8]) -> bool {
    let mut diff = u8::from(given.len() != expected.len());
    for (i, &e) in expected.iter().enumerate() {
        diff |= given.get(i).copied().unwrap_or(!e) ^ e;
    }
    // Keeps the optimizer from turning the loop into an early exit.
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_only_the_exact_token_with_the_bearer_scheme() {
        let token = BearerToken::new("s3cret");
        assert!(token.accepts(Some(b"Bearer s3cret")));
        assert!(token.accepts(Some(b"bearer s3cret")));
        assert!(token.accepts(Some(b"BEARER   s3cret")));
        for bad in [
            &b"Bearer s3cre"[..],
            b"Bearer s3cret!",
            b"Bearer S3cret",
            b"Bearer ",
            b"Bearer",
            b"Basic s3cret",
            b"s3cret",
            b"",
        ] {
            assert!(
                !token.accepts(Some(bad)),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        assert!(!token.accepts(None));
    }

    #[test]
    fn compare() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abd", b"abc"));
        assert!(!constant_time_eq(b"ab", b"abc"));
        assert!(!constant_time_eq(b"abcd", b"abc"));
        assert!(!constant_time_eq(b"\0", b""));
    }

    #[test]
    fn debug_does_not_print_the_token() {
        assert!(!format!("{:?}", BearerToken::new("s3cret")).contains("s3cret"));
    }
}
