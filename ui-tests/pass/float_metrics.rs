//! `Counter<f64>` and `Gauge<f64>` beside the integer defaults, `Summary`
//! and `Info`, and declared units.

use promstrict::{Counter, Format, Gauge, Info, Metrics, Registry, Summary};

#[derive(Metrics)]
struct Power {
    /// Energy drawn.
    #[metric(unit = "joules")]
    energy_joules_total: Counter<f64>,
    /// Requests served.
    requests_total: Counter<u64>,
    /// Supply voltage.
    #[metric(unit = "volts")]
    supply_volts: Gauge<f64>,
    /// Free slots.
    free_slots: Gauge<i64>,
    /// Request sizes.
    request_size_bytes: Summary,
    /// Build information.
    build_info: Info,
}

fn main() {
    let registry = Registry::new();
    let p = Power::register(&registry).unwrap();
    p.energy_joules_total.inc_by(0.5).unwrap();
    p.requests_total.inc();
    p.supply_volts.set(3.3);
    p.free_slots.dec();
    p.request_size_bytes.observe(512.0);
    p.build_info.set([("version", "1.0.0")]).unwrap();
    let text = registry.encode(Format::OpenMetrics);
    for line in [
        "# UNIT energy_joules joules\nenergy_joules_total 0.5\n",
        "requests_total 1\n",
        "# UNIT supply_volts volts\nsupply_volts 3.3\n",
        "free_slots -1\n",
        "request_size_bytes_sum 512.0\n",
        "build_info{version=\"1.0.0\"} 1\n",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
}
