//! Exporter throughput side by side: our `Exporter` against
//! metrics-exporter-prometheus's HTTP listener, each serving the same
//! 1 000 or 100 000 counter series on 127.0.0.1 (a free port), driven by a
//! bounded tokio client: 4 keep-alive connections scraping back to back for
//! a fixed time (and at most a fixed count), with `Accept-Encoding`
//! none, `gzip` and (ours only: the other does not compress) `zstd`. Requests per second and the p99 latency of a
//! whole response; the first response of each run is decoded and its series
//! counted. Both servers are stopped at the end.
//!
//! Prints a Markdown table on stdout for `scripts/bench`; run it in release mode.

use std::io::Read as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const CLIENTS: usize = 4;
const RUN_FOR: Duration = Duration::from_secs(2);
const MAX_PER_CLIENT: usize = 20_000;
const COLS: usize = 100;

/// One response: its body (decoded from chunks, still compressed if it was).
struct Response {
    body: Vec<u8>,
    /// The `Content-Encoding`, if any.
    coding: String,
}

async fn read_response(stream: &mut BufReader<TcpStream>) -> std::io::Result<Response> {
    let mut line = String::new();
    let mut length = None;
    let mut chunked = false;
    let mut coding = String::new();
    let mut status = 0;
    loop {
        line.clear();
        if stream.read_line(&mut line).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let l = line.trim_end().to_ascii_lowercase();
        if l.is_empty() {
            break;
        }
        if let Some(rest) = l.strip_prefix("http/1.1 ") {
            status = rest.get(..3).and_then(|s| s.parse().ok()).unwrap_or(0);
        } else if let Some(v) = l.strip_prefix("content-length:") {
            length = v.trim().parse::<usize>().ok();
        } else if let Some(v) = l.strip_prefix("transfer-encoding:") {
            chunked = v.trim() == "chunked";
        } else if let Some(v) = l.strip_prefix("content-encoding:") {
            coding = v.trim().to_owned();
        }
    }
    if status != 200 {
        return Err(std::io::Error::other(format!("status {status}")));
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            line.clear();
            stream.read_line(&mut line).await?;
            let size = usize::from_str_radix(line.trim(), 16)
                .map_err(|_| std::io::Error::other("bad chunk size"))?;
            let start = body.len();
            body.resize(start + size, 0);
            stream.read_exact(&mut body[start..]).await?;
            line.clear();
            stream.read_line(&mut line).await?; // the chunk's CRLF
            if size == 0 {
                break;
            }
        }
    } else {
        let length = length.ok_or_else(|| std::io::Error::other("no length"))?;
        body.resize(length, 0);
        stream.read_exact(&mut body).await?;
    }
    Ok(Response { body, coding })
}

/// Counter samples in an exposition.
fn samples(response: &Response) -> usize {
    let mut text = String::new();
    match response.coding.as_str() {
        "gzip" => {
            flate2::read::GzDecoder::new(&response.body[..])
                .read_to_string(&mut text)
                .unwrap_or_default();
        }
        "zstd" => {
            text = String::from_utf8(zstd::decode_all(&response.body[..]).unwrap_or_default())
                .unwrap_or_default();
        }
        _ => text = String::from_utf8_lossy(&response.body).into_owned(),
    }
    text.lines()
        .filter(|l| l.starts_with("load_") && l.contains("_total{"))
        .count()
}

struct Run {
    requests: usize,
    secs: f64,
    p99: Duration,
    bytes: usize,
    series: usize,
    coding: String,
}

async fn drive(addr: SocketAddr, coding: &str) -> std::io::Result<Run> {
    let request: &'static [u8] = match coding {
        "gzip" => b"GET /metrics HTTP/1.1\r\nHost: bench\r\nAccept-Encoding: gzip\r\n\r\n",
        "zstd" => b"GET /metrics HTTP/1.1\r\nHost: bench\r\nAccept-Encoding: zstd\r\n\r\n",
        _ => b"GET /metrics HTTP/1.1\r\nHost: bench\r\n\r\n",
    };
    // One response first, to check it and warm both sides up.
    let mut stream = BufReader::new(TcpStream::connect(addr).await?);
    stream.get_mut().write_all(request).await?;
    let first = read_response(&mut stream).await?;
    let series = samples(&first);
    let start = Instant::now();
    let deadline = start + RUN_FOR;
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            tokio::spawn(async move {
                let mut stream = BufReader::new(TcpStream::connect(addr).await?);
                let mut latencies = Vec::new();
                while Instant::now() < deadline && latencies.len() < MAX_PER_CLIENT {
                    let t = Instant::now();
                    stream.get_mut().write_all(request).await?;
                    read_response(&mut stream).await?;
                    latencies.push(t.elapsed());
                }
                Ok::<_, std::io::Error>(latencies)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for c in clients {
        latencies.extend(c.await.map_err(std::io::Error::other)??);
    }
    let secs = start.elapsed().as_secs_f64();
    latencies.sort();
    let p99 = latencies
        .get(latencies.len().saturating_sub(1) * 99 / 100)
        .copied()
        .unwrap_or_default();
    Ok(Run {
        requests: latencies.len(),
        secs,
        p99,
        bytes: first.body.len(),
        series,
        coding: first.coding,
    })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn print(exporter: &str, series: usize, coding: &str, run: std::io::Result<Run>) {
    match run {
        Ok(r) => println!(
            "| {exporter} | {series} | {coding} | {:.0} | {:.2} ms | {:.0} KB{} | {} |",
            r.requests as f64 / r.secs,
            r.p99.as_secs_f64() * 1e3,
            r.bytes as f64 / 1e3,
            if coding != "none" && r.coding != coding {
                " (not compressed)"
            } else {
                ""
            },
            if r.series == series {
                "ok".to_owned()
            } else {
                format!("**{} of {series} series**", r.series)
            }
        ),
        Err(e) => println!("| {exporter} | {series} | {coding} | failed: {e} | — | — | — |"),
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    println!("| exporter | series | compression | requests/s | p99 latency | body | check |");
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    for series in [1_000, 100_000] {
        let families = series / COLS;
        let names: Vec<String> = (0..families)
            .map(|f| format!("load_{f:04}_total"))
            .collect();
        let cols: Vec<&'static str> = (0..COLS)
            .map(|c| &*Box::leak(format!("c{c:02}").into_boxed_str()))
            .collect();

        // Ours.
        let registry = Arc::new(promstrict::Registry::new());
        for name in &names {
            let family: promstrict::Family<metrics_compare::ours::Grid, promstrict::Counter> =
                registry
                    .register_with(
                        promstrict::Descriptor::new(name.clone(), "Load.").allow_legacy_name(),
                        promstrict::Family::default(),
                    )
                    .unwrap();
            for (i, l) in metrics_compare::ours::grid().enumerate() {
                family.labels(l).inc_by(i as u64 + 1);
            }
        }
        let exporter = runtime.block_on(async {
            promstrict::Exporter::builder()
                .addr("127.0.0.1:0")
                .registry(Arc::clone(&registry))
                .process_metrics(false)
                .spawn()
                .unwrap()
        });
        let addr = exporter.local_addr();
        for coding in ["none", "gzip", "zstd"] {
            print(
                "ours",
                series,
                coding,
                runtime.block_on(drive(addr, coding)),
            );
        }
        runtime.block_on(exporter.shutdown());

        // metrics-exporter-prometheus, on its own recorder (not installed
        // globally), serving the same series.
        let addr: SocketAddr = ([127, 0, 0, 1], free_port()).into();
        let (recorder, server) = {
            let _guard = runtime.enter();
            metrics_exporter_prometheus::PrometheusBuilder::new()
                .with_http_listener(addr)
                .build()
                .unwrap()
        };
        metrics::with_local_recorder(&recorder, || {
            for name in &names {
                for (i, l) in metrics_compare::ours::grid().enumerate() {
                    metrics::counter!(
                        name.clone(),
                        "row" => metrics_compare::ROW_NAMES[l.row as usize],
                        "col" => cols[l.col as usize % COLS]
                    )
                    .increment(i as u64 + 1);
                }
            }
        });
        let task = runtime.spawn(server);
        runtime.block_on(async {
            // Until it listens (bounded).
            for _ in 0..100 {
                if TcpStream::connect(addr).await.is_ok() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        });
        for coding in ["none", "gzip"] {
            print(
                "metrics-exporter-prometheus",
                series,
                coding,
                runtime.block_on(drive(addr, coding)),
            );
        }
        task.abort();
        drop(recorder);
    }
    runtime.shutdown_timeout(Duration::from_secs(5));
}
