//! A page past the 256 KiB streaming threshold and the checks that a
//! framework adapter streams it (included with `#[path]`: the support
//! library itself does not depend on flate2).

use std::net::SocketAddr;
use std::sync::Arc;

use metrics_toolkit::{http_get, http_request};
use promstrict::{Counter, Format, Registry};

/// 4 000 counters: about 400 KB of text.
pub fn large_registry() -> Arc<Registry> {
    let registry = Arc::new(Registry::new());
    for i in 0..4000u64 {
        registry
            .register(
                format!("worker_{i:04}_jobs_completed_total"),
                "Jobs this worker completed since it started.",
                Counter::new(),
            )
            .unwrap()
            .inc_by(i * 7);
    }
    registry
}

/// Scrapes `registry` served at `addr`: the first scrape is sent whole
/// (it tells the adapter how large pages are), the next ones, plain or
/// gzip, chunked without a `Content-Length`, each the same text as a page
/// encoded whole; HEAD still gets the length.
pub fn assert_large_pages_are_streamed(addr: SocketAddr, registry: &Registry) {
    let want = registry.encode(Format::Prometheus);
    assert!(want.len() > 256 * 1024, "{} bytes", want.len());
    let first = http_get(addr, "/metrics", &[]);
    assert_eq!(first.text(), want);
    assert!(first.header("content-length").is_some());
    for coding in ["identity", "gzip"] {
        let response = http_get(addr, "/metrics", &[("accept-encoding", coding)]);
        assert_eq!(response.status, 200, "{coding}");
        assert_eq!(response.header("content-length"), None, "{coding}");
        assert_eq!(response.header("transfer-encoding"), Some("chunked"));
        let text = if coding == "gzip" {
            assert_eq!(response.header("content-encoding"), Some("gzip"));
            let mut text = String::new();
            std::io::Read::read_to_string(
                &mut flate2::read::GzDecoder::new(&response.body[..]),
                &mut text,
            )
            .unwrap();
            text
        } else {
            response.text().to_owned()
        };
        assert!(text == want, "{coding}: {} bytes", text.len());
    }
    let head = http_request(addr, "HEAD", "/metrics", &[]).unwrap();
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(
        head.header("content-length"),
        Some(want.len().to_string().as_str())
    );
}
