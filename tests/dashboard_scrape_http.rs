//! The dashboard's HTTP GET, against small loopback servers that answer the
//! ways real exporters do (and some ways they should not).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use promstrict::sampler::SnapshotValue;
use promstrict::scrape::{get, HttpError, HttpUrl, ScrapeError, ScrapeTarget};
use promstrict::{Counter, Format, Registry};

/// Serves `connections` connections with `answer(request_head, stream)` and
/// sends each request head back through the channel.
fn serve(
    connections: usize,
    answer: impl Fn(&str, &mut TcpStream) + Send + 'static,
) -> (String, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/metrics", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for stream in listener.incoming().take(connections) {
            let mut stream = stream.unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                head.push_str(&line);
            }
            answer(&head, &mut stream);
            let _ = tx.send(head);
        }
    });
    (url, rx)
}

fn url(s: &str) -> HttpUrl {
    HttpUrl::parse(s).unwrap()
}

const TIMEOUT: Duration = Duration::from_secs(5);

#[test]
fn sends_a_plain_get_asking_for_the_text_format() {
    let (u, heads) = serve(1, |_, s| {
        s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: 6\r\n\r\nup 1\n\n")
            .unwrap();
    });
    let response = get(&url(&u), &[("Authorization", "Bearer s3cret")], TIMEOUT).unwrap();
    assert_eq!(response.body, b"up 1\n\n");
    assert_eq!(
        response.content_type.as_deref(),
        Some("text/plain; version=0.0.4")
    );
    let head = heads.recv().unwrap();
    let addr = u.trim_start_matches("http://").trim_end_matches("/metrics");
    assert!(head.starts_with("GET /metrics HTTP/1.1\r\n"), "{head}");
    // Header names are case-insensitive; compare them in lowercase.
    let has = |name: &str, value: &str| {
        head.lines().any(|line| {
            line.split_once(':')
                .is_some_and(|(n, v)| n.eq_ignore_ascii_case(name) && v.trim().starts_with(value))
        })
    };
    assert!(has("host", addr), "{head}");
    assert!(has("accept", "text/plain;version=0.0.4"), "{head}");
    assert!(has("accept-encoding", "gzip"), "{head}");
    assert!(has("authorization", "Bearer s3cret"), "{head}");
}

#[test]
fn decodes_chunks_arriving_in_pieces() {
    let (u, _) = serve(1, |_, s| {
        let parts: [&[u8]; 6] = [
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"c\r\njobs_to",
            b"tal 1\r\n",
            b"1;name=ext\r\n\n\r\n",
            b"0\r\n",
            b"\r\n",
        ];
        for p in parts {
            s.write_all(p).unwrap();
            s.flush().unwrap();
            thread::sleep(Duration::from_millis(20));
        }
    });
    let response = get(&url(&u), &[], TIMEOUT).unwrap();
    assert_eq!(response.body, b"jobs_total 1\n");
}

#[test]
fn reads_an_unframed_body_until_close_and_a_framed_one_without_waiting() {
    let (u, _) = serve(1, |_, s| {
        s.write_all(b"HTTP/1.0 200 OK\r\n\r\nup 1\n").unwrap();
    });
    assert_eq!(get(&url(&u), &[], TIMEOUT).unwrap().body, b"up 1\n");
    // A server that ignores `Connection: close` and keeps the socket open:
    // the Content-Length is enough to finish.
    let (u, _) = serve(1, |_, s| {
        s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nup 1\n")
            .unwrap();
        thread::sleep(Duration::from_secs(3));
    });
    let started = Instant::now();
    assert_eq!(get(&url(&u), &[], TIMEOUT).unwrap().body, b"up 1\n");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn errors_say_what_went_wrong() {
    let (u, _) = serve(1, |_, s| {
        s.write_all(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 13\r\n\r\nbearer needed")
            .unwrap();
    });
    match get(&url(&u), &[], TIMEOUT) {
        Err(HttpError::Status { code: 401, body }) => assert_eq!(body, "bearer needed"),
        other => panic!("{other:?}"),
    }
    let (u, _) = serve(1, |_, s| {
        s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 999999999999\r\n\r\n")
            .unwrap();
    });
    assert!(matches!(
        get(&url(&u), &[], TIMEOUT),
        Err(HttpError::TooLarge)
    ));
    let (u, _) = serve(1, |_, s| {
        s.write_all(b"SSH-2.0-OpenSSH\r\n\r\n").unwrap();
    });
    assert!(matches!(
        get(&url(&u), &[], TIMEOUT),
        Err(HttpError::Protocol(_))
    ));
    let (u, _) = serve(1, |_, s| {
        s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort")
            .unwrap();
    });
    assert!(matches!(
        get(&url(&u), &[], TIMEOUT),
        Err(HttpError::Protocol(_))
    ));
    // Nobody listening.
    let port = metrics_toolkit::free_loopback_port();
    let refused = get(
        &url(&format!("http://127.0.0.1:{port}/metrics")),
        &[],
        TIMEOUT,
    );
    assert!(matches!(refused, Err(HttpError::Io(_))), "{refused:?}");
}

#[test]
fn a_silent_server_times_out_on_time() {
    let (u, _) = serve(1, |_, s| {
        // Accepts, reads the request, never answers.
        let mut buf = [0u8; 1];
        let _ = s.read(&mut buf);
        thread::sleep(Duration::from_secs(3));
    });
    let started = Instant::now();
    let result = get(&url(&u), &[], Duration::from_millis(300));
    assert!(matches!(result, Err(HttpError::Timeout)), "{result:?}");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(2),
        "{took:?}"
    );
}

/// A scrape of a page our encoder wrote reads the registry's values; a
/// scraper thread delivers one result per interval.
#[test]
fn scraping_a_registry_page() {
    let registry = Registry::new();
    let jobs = registry
        .register("jobs_total", "Jobs.", Counter::new())
        .unwrap();
    jobs.inc_by(3);
    let body = registry.encode(Format::Prometheus);
    let (u, _) = serve(3, move |_, s| {
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {}\r\n\r\n",
            Format::Prometheus.content_type(),
            body.len()
        );
        s.write_all(head.as_bytes()).unwrap();
        s.write_all(body.as_bytes()).unwrap();
    });
    let target = ScrapeTarget::new(&u).unwrap();
    let snapshot = target.scrape().unwrap();
    assert_eq!(
        snapshot.find("jobs_total", &[]).unwrap().value,
        SnapshotValue::Counter(3.0)
    );
    let rx = target.spawn(Duration::from_millis(50));
    for _ in 0..2 {
        let (_, result) = rx.recv_timeout(TIMEOUT).unwrap();
        assert!(result.is_ok());
    }
    // The server is gone after three connections: the next scrape fails.
    let (_, result) = rx.recv_timeout(TIMEOUT).unwrap();
    assert!(matches!(result, Err(ScrapeError::Http(_))), "{result:?}");
}

#[test]
fn an_invalid_page_is_a_parse_error() {
    let (u, _) = serve(1, |_, s| {
        s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\n<html>hi</html")
            .unwrap();
    });
    let result = ScrapeTarget::new(&u).unwrap().scrape();
    match result {
        Err(ScrapeError::Parse(e)) => assert_eq!(e.line, 1),
        other => panic!("{other:?}"),
    }
}

/// A gzip-compressed page (what most exporters send when asked) is read
/// decompressed.
#[test]
fn reads_a_gzip_body() {
    use flate2::{write::GzEncoder, Compression};
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    gz.write_all(b"# TYPE jobs_total counter\njobs_total 7\n")
        .unwrap();
    let body = gz.finish().unwrap();
    let (u, _) = serve(1, move |_, s| {
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        s.write_all(head.as_bytes()).unwrap();
        s.write_all(&body).unwrap();
    });
    let snapshot = ScrapeTarget::new(&u).unwrap().scrape().unwrap();
    assert_eq!(
        snapshot.find("jobs_total", &[]).unwrap().value,
        SnapshotValue::Counter(7.0)
    );
}

/// Chunk sizes that overflow any integer, and other broken framing from a
/// hostile page, are errors of that scrape: no panic, and the scraper thread
/// goes on (the next scrape succeeds).
#[test]
fn hostile_framing_is_an_error_not_a_panic() {
    let answers: [&[u8]; 4] = [
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nx\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffffffff\r\nx\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\nx",
    ];
    let (u, _) = serve(answers.len() + 1, move |_, s| {
        thread_local!(static N: std::cell::Cell<usize> = const { std::cell::Cell::new(0) });
        let n = N.with(|n| {
            let v = n.get();
            n.set(v + 1);
            v
        });
        match answers.get(n) {
            Some(a) => s.write_all(a).unwrap(),
            None => s
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nup 1\n")
                .unwrap(),
        }
    });
    let target = ScrapeTarget::new(&u).unwrap();
    let rx = target.spawn(Duration::from_millis(20));
    for i in 0..answers.len() {
        let (_, result) = rx.recv_timeout(TIMEOUT).unwrap();
        assert!(
            matches!(result, Err(ScrapeError::Http(_))),
            "answer {i}: {result:?}"
        );
    }
    let (_, result) = rx.recv_timeout(TIMEOUT).unwrap();
    assert!(result.is_ok(), "{result:?}");
}
