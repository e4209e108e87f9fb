//! Memory of a scrape of 1 000 000 series: how much the resident set grows
//! while the registry is encoded, streamed to a writer in chunks
//! (`Registry::encode_to`) against built whole (`Registry::encode`), and how
//! soon the first chunk leaves.
//!
//! The peak is the kernel's `VmHWM`, reset before each scrape through
//! `/proc/self/clear_refs` (Linux). Prints a Markdown table on stdout for
//! `scripts/bench`; run it in release mode.

use std::io::{self, Write};
use std::time::{Duration, Instant};

use promstrict::{Counter, Family, Format, LabelSet, Registry};

promstrict::bounded_label! {
    struct Host { max: 999, overflow: "other" }
}

promstrict::bounded_label! {
    struct Disk { max: 999, overflow: "other" }
}

#[derive(LabelSet, Clone, Copy)]
struct Device {
    host: Host,
    disk: Disk,
}

/// `VmHWM` and `VmRSS` in KiB.
fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// Resets `VmHWM` to the current RSS; false where the kernel does not allow it.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Discards what it gets, noting when the first bytes came and how much.
struct Timed {
    start: Instant,
    first: Option<Duration>,
    bytes: usize,
    writes: usize,
}

impl Write for Timed {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.first.get_or_insert_with(|| self.start.elapsed());
        self.bytes += buf.len();
        self.writes += 1;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn main() {
    let registry = Registry::new();
    let family: Family<Device, Counter> = registry
        .register("disk_reads_total", "Reads per disk.", Family::default())
        .unwrap();
    for i in 0..999 {
        let name = format!("h{i:03}");
        Host::new(&name);
        Disk::new(&format!("d{i:03}"));
    }
    family.init_all();
    family
        .labels(Device {
            host: Host::new("h001"),
            disk: Disk::new("d002"),
        })
        .inc_by(7);
    let series = family.len();

    println!("| scrape of {series} counter series | text | RSS growth at the peak | first bytes after | total | writes |");
    println!("| --- | --- | --- | --- | --- | --- |");
    let resettable = reset_peak();
    for (label, streamed) in [
        (
            "`encode_to`, first scrape (renders the line prefixes)",
            true,
        ),
        ("`encode_to`, next scrape", true),
        ("`encode() -> String`", false),
    ] {
        reset_peak();
        let (_, rss_before) = memory();
        let start = Instant::now();
        let mut out = Timed {
            start,
            first: None,
            bytes: 0,
            writes: 0,
        };
        if streamed {
            registry.encode_to(&mut out, Format::OpenMetrics).unwrap();
        } else {
            let text = registry.encode(Format::OpenMetrics);
            out.write_all(text.as_bytes()).unwrap();
        }
        let total = start.elapsed();
        let (peak, _) = memory();
        let growth_kib = peak.saturating_sub(rss_before);
        println!(
            "| {label} | {:.1} MB | {} | {:.1} ms | {:.0} ms | {} |",
            out.bytes as f64 / 1e6,
            if resettable {
                format!("{:.2} MiB", growth_kib as f64 / 1024.0)
            } else {
                "— (no `clear_refs`)".to_owned()
            },
            out.first.unwrap_or_default().as_secs_f64() * 1e3,
            total.as_secs_f64() * 1e3,
            out.writes,
        );
    }
}
