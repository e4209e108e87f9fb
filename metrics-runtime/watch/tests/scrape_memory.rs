//! What a hostile page costs the watcher: the heap a scrape allocates at its
//! peak, counted by this test binary's allocator, stays under 256 MiB
//! whatever the page (a page of millions of tiny samples, of labels, of
//! families, or larger than the body cap), and parsing is refused at a limit
//! instead of growing with the page.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use promstrict_watch::scrape::{ScrapeError, ScrapeTarget};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Relaxed) + layout.size();
            PEAK.fetch_max(now, Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size > layout.size() {
                let now = CURRENT.fetch_add(new_size - layout.size(), Relaxed)
                    + (new_size - layout.size());
                PEAK.fetch_max(now, Relaxed);
            } else {
                CURRENT.fetch_sub(layout.size() - new_size, Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const MIB: usize = 1 << 20;

/// Serves `page` once per connection, `count` times, on a free loopback
/// port.
fn serve(page: Arc<Vec<u8>>, count: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/metrics", listener.local_addr().unwrap());
    thread::spawn(move || {
        for stream in listener.incoming().take(count) {
            let Ok(mut stream) = stream else { continue };
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                page.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&page);
        }
    });
    url
}

/// The heap a scrape of `page` allocates at its peak, beyond what was
/// allocated before it, and the scrape's result.
fn scrape_peak(page: Vec<u8>) -> (usize, Result<usize, ScrapeError>) {
    // One scrape at a time: the counters are process-wide.
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let url = serve(Arc::new(page), 1);
    let target = ScrapeTarget::new(&url)
        .unwrap()
        .timeout(Duration::from_secs(60));
    let before = CURRENT.load(Relaxed);
    PEAK.store(before, Relaxed);
    let result = target.scrape().map(|snapshot| snapshot.series().len());
    let peak = PEAK.load(Relaxed) - before;
    (peak, result)
}

fn page_of(line: impl Fn(usize) -> String, bytes: usize) -> Vec<u8> {
    let mut page = Vec::with_capacity(bytes + 256);
    let mut i = 0;
    while page.len() < bytes {
        page.extend_from_slice(line(i).as_bytes());
        i += 1;
    }
    page
}

fn assert_bounded(what: &str, peak: usize) {
    println!("{what}: peak heap {:.1} MiB", peak as f64 / MIB as f64);
    assert!(
        peak < 256 * MIB,
        "{what}: a scrape allocated {} MiB at its peak",
        peak / MIB
    );
}

#[test]
fn millions_of_tiny_samples_are_refused_at_the_sample_limit() {
    let (peak, result) = scrape_peak(page_of(|_| "a 1\n".to_owned(), 30 * MIB));
    assert_bounded("30 MiB of `a 1`", peak);
    match result {
        Err(ScrapeError::Parse(e)) => {
            assert!(e.message.contains("more than 100000 samples"), "{e}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn millions_of_labels_are_refused_at_the_label_limit() {
    let line = |i: usize| {
        let labels: Vec<String> = (0..200).map(|j| format!("l{j}=\"{i}\"")).collect();
        format!("x{{{}}} 1\n", labels.join(","))
    };
    let (peak, result) = scrape_peak(page_of(line, 30 * MIB));
    assert_bounded("30 MiB of 200-label samples", peak);
    match result {
        Err(ScrapeError::Parse(e)) => assert!(e.message.contains("more labels"), "{e}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn millions_of_families_are_refused_at_the_family_limit() {
    let (peak, result) = scrape_peak(page_of(|i| format!("# HELP f{i} x\n"), 30 * MIB));
    assert_bounded("30 MiB of HELP lines", peak);
    match result {
        Err(ScrapeError::Parse(e)) => assert!(e.message.contains("metric families"), "{e}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_page_over_the_body_cap_is_refused_unread() {
    let (peak, result) = scrape_peak(page_of(|_| "a 1\n".to_owned(), 40 * MIB));
    assert_bounded("40 MiB page", peak);
    assert!(matches!(result, Err(ScrapeError::Http(_))), "{result:?}");
}

#[test]
fn the_largest_page_within_the_limits_is_read() {
    // 99,000 samples with 5 labels each: under every limit.
    let line = |i: usize| {
        format!(
            "requests_total{{method=\"get\",route=\"/r/{}\",status=\"2xx\",zone=\"z{}\",pod=\"p{}\"}} {i}\n",
            i % 5000,
            i % 7,
            i
        )
    };
    let mut page = Vec::new();
    for i in 0..99_000 {
        page.extend_from_slice(line(i).as_bytes());
    }
    let (peak, result) = scrape_peak(page);
    assert_bounded("99,000 samples of 5 labels", peak);
    assert_eq!(result.unwrap(), 99_000);
}
