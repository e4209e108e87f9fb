#!/usr/bin/env python3
"""Writes BENCHMARKS.md from one run of the comparison suite.

Reads criterion's medians (`target/criterion/<scenario>/<library>/new/
estimates.json`), the correctness checks (`target/compare-checks.tsv`), the
allocation table (`target/alloc.md`), the compile-time result
(`target/compile-time/result.json`) and the crate versions (`Cargo.lock`), and
prints Markdown on stdout. Python 3 standard library only.
"""

import argparse
import json
import os
import platform
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

PKG = Path(__file__).resolve().parent

# Display order of the variants, and what each one is.
VARIANTS = {
    "ours": "ours",
    "ours_openmetrics": "ours, OpenMetrics text",
    "ours_timer": "ours, `Histogram::time(f)`",
    "ours_classic": "ours, classic histogram (for comparison)",
    "ours_stream": "ours, `encode_to` a writer (64 KiB chunks)",
    "ours_line_by_line": "ours, every line rendered from the labels (before pre-rendering)",
    "ours_openmetrics_line_by_line": "ours, OpenMetrics, every line rendered from the labels",
    "ours_two_counters": "ours, two separate counters",
    "ours_family_padded": "ours, two series of a 2-series family (padded slots)",
    "ours_family_packed": "ours, two neighbouring series of a 4 096-series family (packed slots)",
    "ours_idle": "ours, nothing else running",
    "ours_during_scrapes": "ours, while another thread scrapes 10 000 series back to back",
    "ours_identity": "ours, uncompressed",
    "ours_gzip": "ours, gzip level 1 (flate2, zlib-rs)",
    "ours_zstd": "ours, zstd level 1",
    "prometheus_client": "prometheus-client",
    "prometheus": "prometheus (tikv)",
    "prometheus_static": "prometheus-static-metric",
    "measured": "measured",
    "metrics": "metrics, macro per call",
    "metrics_handle": "metrics, handle resolved once",
    "autometrics": "autometrics `#[autometrics]`",
    "floor": "floor: 2 × `Instant::now()` + observe",
    "bare": "the bare function",
}

SCENARIOS = [
    ("counter_inc", "Counter increment, no labels", 1, "op"),
    ("counter_inc_labels", "Counter increment, 2 enum labels (6 × 3 = 18 series)", 1, "op"),
    ("histogram_observe", "Histogram observe, no labels, 12 buckets", 1, "op"),
    ("native_observe", "Native histogram observe (schema 3, at most 160 buckets), no labels", 1, "op"),
    ("histogram_observe_labels", "Histogram observe, 18 label combinations, 12 buckets", 1, "op"),
    ("instrumentation", "Function instrumentation (latency of an empty `#[inline(never)]` call)", 1, "call"),
    ("counter_inc_exemplar", "Counter increment keeping an exemplar (trace and span id)", 1, "op"),
    ("histogram_observe_exemplar", "Histogram observe keeping an exemplar (trace and span id), 12 buckets", 1, "op"),
    ("contention_counter", "2 threads incrementing the same counter", 1, "round"),
    ("contention_histogram", "2 threads observing into the same histogram", 1, "round"),
    ("contention_neighbours", "2 threads each incrementing its own series", 1, "round"),
    ("scrape_impact", "Labelled counter inc while another thread scrapes", 1, "op"),
    ("compress", "One scrape of 1 000 counter series through `MetricsHandler`", 1_000, "series"),
    ("encode_counters", "Text encoding, 100 families × 100 counter series", 10_000, "series"),
    ("encode_histograms", "Text encoding, 100 families × 100 histogram series (10 buckets)", 10_000, "series"),
]

PEERS = [
    "autometrics",
    "bare",
    "floor",
    "measured",
    "metrics",
    "metrics-exporter-prometheus",
    "prometheus",
    "prometheus-client",
    "prometheus-static-metric",
    "criterion",
]


def fmt_ns(ns):
    if ns is None:
        return "—"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    if ns >= 100:
        return f"{ns:.0f} ns"
    if ns >= 10:
        return f"{ns:.1f} ns"
    return f"{ns:.2f} ns"


def fmt_ratio(r):
    if r is None:
        return "—"
    return f"{r:.2f}"


def read_medians(crit):
    out = {}
    if not crit.is_dir():
        return out
    for scenario, *_ in SCENARIOS:
        d = crit / scenario
        if not d.is_dir():
            continue
        for lib in sorted(p.name for p in d.iterdir() if p.is_dir()):
            est = d / lib / "new" / "estimates.json"
            if est.exists():
                e = json.loads(est.read_text())
                out[(scenario, lib)] = {
                    "median": e["median"]["point_estimate"],
                    "lo": e["median"]["confidence_interval"]["lower_bound"],
                    "hi": e["median"]["confidence_interval"]["upper_bound"],
                }
    return out


def read_checks(path):
    checks = {}
    if path.exists():
        for line in path.read_text().splitlines()[1:]:
            parts = line.split("\t", 2)
            if len(parts) == 3:
                checks[parts[0]] = (parts[1] == "true", parts[2])
    return checks


def lock_versions(lock):
    versions = {}
    if not lock.exists():
        return versions
    name = None
    for line in lock.read_text().splitlines():
        m = re.match(r'name = "(.+)"', line)
        if m:
            name = m.group(1)
            continue
        m = re.match(r'version = "(.+)"', line)
        if m and name:
            versions.setdefault(name, []).append(m.group(1))
            name = None
    return versions


def sh(*cmd):
    try:
        return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout.strip()
    except OSError:
        return ""


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def variant_label(scenario, lib):
    """A variant's description in one scenario's table."""
    if scenario.startswith("encode_") and lib == "metrics":
        return "metrics-exporter-prometheus `render_to_write`"
    return VARIANTS.get(lib, lib)


def reference(scenario, lib):
    """Which of our variants a peer is compared with."""
    if scenario.startswith("encode_") and lib == "prometheus_client":
        return "ours_openmetrics"  # same format: prometheus-client only writes OpenMetrics
    if scenario == "contention_neighbours" and lib == "prometheus_client":
        return "ours_family_padded"
    return "ours"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", default="quick")
    ap.add_argument("--criterion-args", default="")
    ap.add_argument("--timings", default="", help="phase=seconds,…")
    ap.add_argument("--target", default=str(PKG / "target"))
    args = ap.parse_args()
    target = Path(args.target)

    med = read_medians(target / "criterion")
    checks = read_checks(target / "compare-checks.tsv")
    versions = lock_versions(PKG / "Cargo.lock")
    ct_path = target / "compile-time" / "result.json"
    ct = json.loads(ct_path.read_text()) if ct_path.exists() else None
    alloc_md = (target / "alloc.md").read_text().strip() if (target / "alloc.md").exists() else ""
    rss_md = (target / "rss.md").read_text().strip() if (target / "rss.md").exists() else ""
    exporter_md = (target / "exporter.md").read_text().strip() if (target / "exporter.md").exists() else ""

    def m(scenario, lib):
        v = med.get((scenario, lib))
        return v["median"] if v else None

    o = []
    w = o.append
    smoke = args.mode == "smoke"
    w("# Benchmarks: this toolkit side by side with the other Rust Prometheus crates")
    w("")
    w("<!-- Generated by scripts/bench (metrics-runtime/benches/compare/report.py). Do not edit by hand. -->")
    w("")
    if smoke:
        w("> **SMOKE NUMBERS.** This file was written by `scripts/bench --smoke` (criterion "
          f"`{args.criterion_args}`) on a machine shared with other builds: it proves the suite "
          "runs end to end, not how fast anything is. Re-run `scripts/bench` on a quiet machine "
          "for figures to quote.")
    else:
        w(f"> Quick mode (criterion `{args.criterion_args}`): medians of a short run, good to "
          "±10–20 % on a quiet machine; a ratio within that band of a target is a tie, not a verdict.")
    w("")
    w("All libraries run in the same process and the same run, in release mode, through "
      "[`metrics-runtime/benches/compare/`](metrics-runtime/benches/compare/) "
      "(a separate package, so none of these crates enters the main workspace). "
      "Each cell is criterion's **median** time per iteration. "
      "**Ratio = ours ÷ peer: below 1 means we are faster** (0.25 = we take a quarter of the "
      "peer's time, i.e. 4× faster).")
    w("")

    # ---- machine ----------------------------------------------------------
    w("## Machine and versions")
    w("")
    w(f"- Date: {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}")
    w(f"- CPU: {cpu_model()}, `nproc` = {os.cpu_count() if not sh('nproc') else sh('nproc')}")
    load = sh("cat", "/proc/loadavg").split()[:3]
    if load:
        w(f"- Load average when the report was written: {' '.join(load)} "
          "(other builds running at the same time inflate and scatter the figures)")
    w(f"- {sh('rustc', '--version') or 'rustc ?'}; {sh('cargo', '--version') or 'cargo ?'}")
    w("- Our label types: `#[derive(LabelValue, LabelSet)]`")
    if args.timings:
        parts = []
        for kv in args.timings.split(","):
            if "=" in kv:
                k, v = kv.split("=", 1)
                parts.append(f"{k} {float(v):.0f} s")
        w(f"- Wall time of this run: {', '.join(parts)}")
    w("")
    w("| crate | version |")
    w("| --- | --- |")
    for name in ["promstrict"] + [p for p in PEERS if p in versions]:
        vs = versions.get(name, ["path"])
        note = ""
        if name == "prometheus-client" and len(vs) > 1:
            note = " (0.22 only as autometrics' backend)"
        if name == "measured":
            note = " (0.1 needs a newer rustc than this machine's)"
        w(f"| {name} | {', '.join(vs)}{note} |")
    w("")

    # ---- targets ----------------------------------------------------------
    w("## Targets")
    w("")
    w("| target | measured | verdict |")
    w("| --- | --- | --- |")

    def verdict(ok):
        if ok is None:
            return "no data"
        return "met" if ok else "**MISSED**"

    def overhead(lib):
        t, bare = m("instrumentation", lib), m("instrumentation", "bare")
        return None if t is None or bare is None else max(t - bare, 0.0)

    def speedup(scenario, peer, ours_id="ours", base=None):
        a = base if base is not None else m(scenario, ours_id)
        b = m(scenario, peer)
        return None if a is None or b is None or a == 0 else b / a

    rows = []
    s = speedup("counter_inc_labels", "prometheus_client")
    rows.append(("labelled counter inc ≥ 5× faster than prometheus-client `Family`",
                 f"{s:.1f}×" if s else "—", None if s is None else s >= 5))
    s = speedup("counter_inc_labels", "measured")
    rows.append(("labelled counter inc no slower than measured",
                 f"ours ÷ measured = {1 / s:.2f}" if s else "—", None if s is None else s >= 1))
    a, b = m("counter_inc_labels", "ours"), m("counter_inc", "ours")
    r = a / b if a and b else None
    rows.append(("labelled counter inc within 1.5× our unlabelled inc",
                 f"{r:.2f}×" if r else "—", None if r is None else r <= 1.5))
    for sc, label in [("histogram_observe", "histogram observe"),
                      ("histogram_observe_labels", "labelled histogram observe")]:
        s = speedup(sc, "prometheus_client")
        rows.append((f"{label} ≥ 2× faster than prometheus-client",
                     f"{s:.1f}×" if s else "—", None if s is None else s >= 2))
        s = speedup(sc, "measured")
        rows.append((f"{label} no slower than measured",
                     f"ours ÷ measured = {1 / s:.2f}" if s else "—", None if s is None else s >= 1))
    s = speedup("native_observe", "prometheus_client")
    rows.append(("native histogram observe ≥ 2× faster than prometheus-client's native histogram",
                 f"{s:.1f}×" if s else "—", None if s is None else s >= 2))
    a, b = m("native_observe", "ours"), m("native_observe", "ours_classic")
    r = a / b if a and b else None
    rows.append(("native histogram observe within 1.5× our classic observe (same values, same run)",
                 f"{r:.2f}×" if r else "—", None if r is None else r <= 1.5))
    # The contention target is set for histograms; a contended
    # counter is one shared `fetch_add` everywhere and is reported, not judged.
    s = speedup("contention_histogram", "prometheus_client")
    rows.append(("2-thread contended histogram ≥ 2× faster than prometheus-client",
                 f"{s:.1f}×" if s else "—", None if s is None else s >= 2))
    oo, oa = overhead("ours"), overhead("autometrics")
    s = oa / oo if oo and oa else None
    rows.append(("instrumentation overhead ≥ 2× less than autometrics",
                 f"{fmt_ns(oo)} vs {fmt_ns(oa)} per call: {s:.1f}× less" if s else "—",
                 None if s is None else s >= 2))
    for sc, label in [("encode_counters", "counters"), ("encode_histograms", "histograms")]:
        s = speedup(sc, "prometheus_client", "ours_openmetrics")
        rows.append((f"encoding {label} ≥ 2× faster per series than prometheus-client (both OpenMetrics)",
                     f"{s:.1f}×" if s else "—", None if s is None else s >= 2))
        s = speedup(sc, "measured")
        rows.append((f"encoding {label} no slower than measured (both Prometheus text)",
                     f"ours ÷ measured = {1 / s:.2f}" if s else "—", None if s is None else s >= 1))
    # Encoding per series, both text formats.
    for sc, label, limit in [("encode_counters", "counter", 20), ("encode_histograms", "10-bucket histogram", 400)]:
        for ours_id, fmt_label in [("ours", "text"), ("ours_openmetrics", "OpenMetrics")]:
            t = m(sc, ours_id)
            per = t / 10_000 if t else None
            rows.append((f"{label} series ≤ {limit} ns to encode ({fmt_label})",
                         fmt_ns(per) if per else "—", None if per is None else per <= limit))
            s = speedup(sc, ours_id + "_line_by_line", ours_id)
            rows.append((f"{label} series ≥ 4× faster than rendered line by line ({fmt_label}, same run)",
                         f"{s:.1f}×" if s else "—", None if s is None else s >= 4))
        s = speedup(sc, "prometheus_client", "ours_openmetrics")
        rows.append((f"{label} series ≥ 6× faster than prometheus-client (OpenMetrics)",
                     f"{s:.1f}×" if s else "—", None if s is None else s >= 6))
    # What a compressed scrape costs: served by the exporter (requests/s
    # of back-to-back scrapes, HTTP included), and inside the handler alone
    # (encoding plus compression, where the compressor's speed is all).
    def exporter_rps(series, coding):
        hit = re.search(rf"^\| ours \| {series} \| {coding} \| ([0-9]+) \|", exporter_md, re.M)
        return int(hit.group(1)) if hit else None
    for coding in ["gzip", "zstd"]:
        plain, packed = exporter_rps(1000, "none"), exporter_rps(1000, coding)
        r = plain / packed if plain and packed else None
        rows.append((f"{coding} scrape of 1 000 series ≤ 2× an uncompressed one (exporter, requests/s)",
                     f"{r:.2f}×" if r else "—", None if r is None else r <= 2))
    for coding in ["gzip", "zstd"]:
        a, b = m("compress", f"ours_{coding}"), m("compress", "ours_identity")
        r = a / b if a and b else None
        rows.append((f"{coding} scrape of 1 000 series ≤ 2× an uncompressed one (handler alone, no HTTP)",
                     f"{r:.2f}×" if r else "—", None if r is None else r <= 2))
    a, b = m("contention_neighbours", "ours_family_padded"), m("contention_neighbours", "ours_two_counters")
    r = a / b if a and b else None
    rows.append(("2 threads on 2 series of one family as fast as on 2 counters (within 10 %)",
                 f"{r:.2f}×" if r else "—", None if r is None else r <= 1.1))
    a, b = m("scrape_impact", "ours_during_scrapes"), m("scrape_impact", "ours_idle")
    r = a / b if a and b else None
    rows.append(("a scrape slows inc on another thread by ≤ 10 %",
                 f"{r:.2f}×" if r else "—", None if r is None else r <= 1.1))
    growth = re.search(r"`encode_to`, next scrape \| [^|]* \| ([0-9.]+) MiB", rss_md)
    g_mib = float(growth.group(1)) if growth else None
    rows.append(("streamed scrape of 1 000 000 series grows RSS by < 1 MiB (warm)",
                 f"{g_mib:.2f} MiB" if g_mib is not None else "—",
                 None if g_mib is None else g_mib < 1))
    for key, what in [("check_ratio_ours_over_prometheus_client", "`cargo check` (the editing cost)"),
                      ("ratio_ours_over_prometheus_client", "`cargo build`")]:
        r = ct.get(key) if ct else None
        rows.append((f"`#[derive(Metrics)]` {what} ≤ 1.5× hand-written prometheus-client registration",
                     f"{r:.2f}×" if r else "—", None if r is None else r <= 1.5))
    for name, value, ok in rows:
        w(f"| {name} | {value} | {verdict(ok)} |")
    w("")

    # Checks of benchmarks that did not run (filtered out) say nothing.
    def ran(k):
        scenario, lib = k.split("#")[0].split("/", 1)
        return (scenario, lib) in med or (lib == "metrics" and (scenario, "metrics_handle") in med)

    checks = {k: v for k, v in checks.items() if ran(k)}
    overlap = {k: v for k, v in checks.items() if k.endswith("#overlap")}
    checks = {k: v for k, v in checks.items() if not k.endswith("#overlap")}
    failed = [k for k, (ok, _) in checks.items() if not ok]
    w("## Correctness checks")
    w("")
    if not checks:
        w("No checks file: the benchmark binary did not finish.")
    elif failed:
        w(f"**{len(failed)} of {len(checks)} checks FAILED** — the timings of these variants "
          "do not measure a working metric:")
        w("")
        for k in failed:
            w(f"- `{k}`: {checks[k][1]}")
    else:
        w(f"All {len(checks)} checks passed: after the measurements, every benchmarked variant's "
          "own exposition was read back and each benchmarked series had counted (the 18 labelled "
          "series each; the 10 000 encoded series each, in the encoding scenarios; the "
          "instrumented functions' series in `#[instrument_latency]`'s default registry and "
          "autometrics' registry).")
    w("")
    if overlap:
        alone = [k for k, (ok, _) in overlap.items() if not ok]
        if alone:
            w(f"**Contention**: in {len(alone)} of {len(overlap)} contended benchmarks the two "
              "threads ran at the same time for less than 80 % of the wall time (median over the "
              "samples): the machine was too busy, and those figures measure scheduling, not "
              "contention: " + ", ".join(f"`{k.split('#')[0]}`" for k in alone) + ".")
        else:
            w(f"**Contention**: in all {len(overlap)} contended benchmarks the two threads ran "
              "at the same time for at least 80 % of the wall time (median over the samples).")
        w("")

    # ---- scenario tables ---------------------------------------------------
    w("## Results")
    w("")
    for scenario, title, per, unit in SCENARIOS:
        libs = [l for l in VARIANTS if (scenario, l) in med]
        extra = sorted(l for (s, l) in med if s == scenario and l not in VARIANTS)
        libs += extra
        w(f"### `{scenario}` — {title}")
        w("")
        if not libs:
            w("No results (filtered out, or the run failed).")
            w("")
            continue
        if scenario == "instrumentation":
            w("| variant | median per call | overhead over the bare call | ratio ours ÷ peer (overhead) | check |")
            w("| --- | --- | --- | --- | --- |")
            oo = overhead("ours")
            for l in libs:
                t = m(scenario, l)
                ov = overhead(l)
                ratio = None
                if l not in ("ours", "bare") and ov and oo is not None:
                    ratio = oo / ov
                c = checks.get(f"{scenario}/{l}")
                cs = "—" if c is None else ("ok" if c[0] else "**FAILED**")
                w(f"| `{scenario}/{l}` — {variant_label(scenario, l)} | {fmt_ns(t)} | "
                  f"{'—' if l == 'bare' else fmt_ns(ov)} | {fmt_ratio(ratio)} | {cs} |")
        else:
            per_col = f"per {unit}" if per > 1 else ""
            head = "| variant | median per iteration |"
            head += f" {per_col} |" if per > 1 else ""
            head += " ratio ours ÷ peer | check |"
            w(head)
            w("|" + " --- |" * (head.count("|") - 1))
            for l in libs:
                t = m(scenario, l)
                ref = reference(scenario, l)
                ratio = None
                if not l.startswith("ours") and m(scenario, ref) and t:
                    ratio = m(scenario, ref) / t
                c = checks.get(f"{scenario}/{l}")
                if c is None and l == "metrics_handle":
                    c = checks.get(f"{scenario}/metrics")
                cs = "—" if c is None else ("ok" if c[0] else "**FAILED**")
                ov = overlap.get(f"{scenario}/{l}#overlap")
                if ov:
                    pct = re.search(r"(\d+) %", ov[1])
                    cs += f"; threads overlapped {pct.group(1) if pct else '?'} %"
                    if not ov[0]:
                        cs += " (**too little**)"
                cells = f"| `{scenario}/{l}` — {variant_label(scenario, l)} | {fmt_ns(t)} |"
                if per > 1:
                    cells += f" {fmt_ns(t / per) if t else '—'} |"
                rn = fmt_ratio(ratio)
                if ratio is not None and ref != "ours":
                    rn += f" (vs `{ref}`)"
                cells += f" {rn} | {cs} |"
                w(cells)
        w("")
        notes = NOTES.get(scenario)
        if notes:
            w(notes)
            w("")

    # ---- allocations -------------------------------------------------------
    w("## Memory per new series")
    w("")
    w("From `target/release/alloc` (a counting global allocator, single thread): each library "
      "creates a 100-series family (`row` × `col`, 10 × 10), then uses each series once, then "
      "does 1 000 more labelled operations on existing series. **Our families (and measured's "
      "dense vecs) preallocate every combination's slot at creation**, so their first use "
      "allocates nothing: their per-series cost is the creation cost divided by the cardinality "
      "(the `per series` column, the fair comparison). The others allocate on first use. "
      "\"Bytes\" counts every allocation (and realloc growth); \"retained\" is what is still "
      "allocated afterwards.")
    w("")
    w(alloc_md or "No allocation table (the `alloc` binary did not run).")
    w("")

    # ---- scrape memory and exporters -------------------------------------------
    w("## Memory of a scrape of 1 000 000 series")
    w("")
    w("From `target/release/scrape_rss`: one family of 1 000 × 1 000 series (every one "
      "exposed), encoded in OpenMetrics to a writer that discards it. The growth is the "
      "kernel's peak resident set (`VmHWM`, reset before each scrape through "
      "`/proc/self/clear_refs`) over the resident set before the scrape. The first streamed "
      "scrape also renders every series' line prefixes, which later scrapes copy (they stay: "
      "memory of the registry, not of a scrape).")
    w("")
    w(rss_md or "Not measured in this run.")
    w("")
    w("## Exporter throughput")
    w("")
    w("From `target/release/exporter_load`: our `Exporter` and metrics-exporter-prometheus's "
      "HTTP listener (`PrometheusBuilder::with_http_listener`), each serving the same "
      "counter series (families of 10 × 10 labelled series) on 127.0.0.1, scraped back to back by "
      "4 keep-alive connections of one tokio client for 2 s (at most 20 000 requests each), "
      "after a first scrape that is decoded and checked to hold every series. "
      "metrics-exporter-prometheus does not compress: with `Accept-Encoding: gzip` it still "
      "sends plain text. Client, servers and the other builds share the machine's cores.")
    w("")
    w(exporter_md or "Not measured in this run.")
    w("")

    # ---- compile time --------------------------------------------------------
    w("## Compile time of the derive")
    w("")
    if ct:
        w(f"A generated crate of {ct['structs']} structs × {ct['fields_per_struct']} metrics "
          "(4 counters, 3 gauges, 3 histograms; 3 of them families over a 2-label set), written "
          "once with `#[derive(LabelValue, LabelSet, Metrics)]` and once as hand-written "
          "prometheus-client registration (with its `#[derive(EncodeLabelValue, EncodeLabelSet)]`). "
          "Dependencies are built by a warm-up build first; then `cargo clean -p <crate> && "
          f"cargo build -p <crate>` (dev profile) is timed {ct['runs']}× per crate, alternating. "
          "`cargo check` (the front end alone: expansion, type and borrow checking — what every "
          "edit costs in an IDE) is timed the same way. The crates are libraries: each struct's "
          "`register` is code-generated there, as the hand-written one is, while the derive's "
          "optional functions (`global`, `try_global`, `metric_group`, "
          "`register_prometheus_client`) are `#[inline]` and only code-generated where used. "
          "Generated by `metrics-runtime/benches/compare/compile_time.py` under "
          "`metrics-runtime/benches/compare/target/compile-time/`.")
        w("")
        w("| crate | source | `cargo build` of the generated crate, wall (median) | runs | ratio | CPU user+sys (median) | ratio | `cargo check`, wall (median) | ratio |")
        w("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for lib, label in [("ours", "`#[derive(Metrics)]` (ours)"),
                           ("prometheus_client", "hand-written prometheus-client")]:
            e = ct["crates"].get(lib, {})
            if not e.get("ok"):
                w(f"| {label} | FAILED to build | — | — |")
                continue
            ratio = ct.get("ratio_ours_over_prometheus_client") if lib == "ours" else 1.0
            cratio = ct.get("check_ratio_ours_over_prometheus_client") if lib == "ours" else 1.0
            src = e.get("source_bytes")
            srcs = f"{src / 1024:.0f} KiB" if src else "—"
            chk = e.get("check_median_s")
            cpu = e.get("cpu_median_s")
            uratio = ct.get("cpu_ratio_ours_over_prometheus_client") if lib == "ours" else 1.0
            w(f"| {label} | {srcs} | {e.get('median_s', 0):.2f} s | "
              f"{', '.join(f'{t:.2f}' for t in e['times_s'])} s | {fmt_ratio(ratio)} | "
              f"{f'{cpu:.2f} s' if cpu else '—'} | {fmt_ratio(uratio if cpu else None)} | "
              f"{f'{chk:.2f} s' if chk else '—'} | {fmt_ratio(cratio if chk else None)} |")
        for lib, e in ct["crates"].items():
            if not e.get("ok") and e.get("error"):
                w("")
                w(f"`{e['crate']}` failed:")
                w("")
                w("```")
                w(e["error"])
                w("```")
    else:
        w("Not measured in this run.")
    w("")

    w("## How to run")
    w("")
    w("```sh")
    w("scripts/bench            # quick mode: builds, runs everything, rewrites BENCHMARKS.md")
    w("scripts/bench --smoke    # very short times, to check that it all works")
    w("scripts/bench --smoke counter_inc   # extra arguments filter criterion's benchmarks")
    w("```")
    w("")
    w("Raw criterion output: `metrics-runtime/benches/compare/target/criterion/<scenario>/<library>/new/estimates.json`.")
    print("\n".join(o))


NOTES = {
    "counter_inc_exemplar": "Only prometheus-client keeps exemplars among the peers. Ours: "
                            "`inc_with_exemplar(&labels)` with a prepared `ExemplarLabels` "
                            "(a slot allocated with the series' first exemplar, which recorders only try to lock: "
                            "they never wait, and skip the exemplar if the slot is busy at that instant; "
                            "a plain `inc` is unchanged). "
                            "prometheus-client: `CounterWithExemplar::inc_by(1, Some(labels), Some(now))` "
                            "(a write lock per call).",
    "histogram_observe_exemplar": "Ours: `observe_with_exemplar(v, &labels)` (the bucket's exemplar "
                                  "slot is taken the same way). prometheus-client: "
                                  "`HistogramWithExemplars::observe(v, Some(labels), Some(now))` "
                                  "(a write lock per call).",
    "counter_inc": "`metrics` resolves the key through the installed recorder on every call "
                   "(a hash-map lookup); `metrics_handle` keeps the resolved `Counter` handle.",
    "counter_inc_labels": "Each library's idiomatic labelled path, the label set picked per "
                          "iteration from a precomputed 32-entry array: ours `family.labels(l).inc()`, "
                          "prometheus-client `family.get_or_create(&l).inc()` (hash + read lock), "
                          "prometheus `vec.with_label_values(&[m, s]).inc()` (hash of the strings + "
                          "read lock + `Arc` clone), prometheus-static-metric `vec.get(m).get(s).inc()` "
                          "(the vec resolved at start-up), measured `vec.inc(l)` (dense index), "
                          "metrics `counter!(\"…\", \"method\" => m, \"status\" => s).increment(1)` "
                          "(builds a key with a `Vec` of labels and looks it up on every call), "
                          "`metrics_handle`: the 18 handles resolved once.",
    "histogram_observe": "metrics-exporter-prometheus only queues the sample on the hot path and "
                         "folds it into buckets at upkeep/scrape time; its benchmarks run upkeep "
                         "between samples, outside the timed loop (so its cost is not counted here).",
    "native_observe": "The same 64 values as `histogram_observe`. `ours_classic` is our classic "
                      "histogram (12 buckets) on those values, for the cost of the native layout. "
                      "prometheus-client: `Histogram::new_native(NativeHistogramConfig::with_schema(3))`. "
                      "metrics-exporter-prometheus (`set_native_histogram_for_metric`, factor 2^(1/8), "
                      "160 buckets) queues samples and sorts them into native buckets at upkeep: here "
                      "upkeep is timed with the samples, or its bucketing would not be counted; its "
                      "output is not checked (its text rendering leaves native histograms out, and "
                      "its protobuf rendering needs `protoc` to build).",
    "histogram_observe_labels": "Same label paths as `counter_inc_labels`; metrics' upkeep runs "
                                "between samples, untimed.",
    "instrumentation": "Overhead = median − the bare call's median. `ours` is `#[instrument_latency]` "
                       "(duration histogram, calls counter by outcome, in-flight gauge, in the "
                       "default registry); `autometrics` records its counter, histogram (same 12 "
                       "buckets) and labels through prometheus-client 0.22 `Family`s; the others "
                       "are each library's own timer around the call on one unlabelled histogram "
                       "(prometheus `start_timer`/`observe_duration`, prometheus-client `Instant` "
                       "+ `observe`, measured `start_timer`, metrics `Instant` + `histogram!` "
                       "record). The ratio column compares overheads.",
    "contention_counter": "`iter_custom`: both threads meet at a `Barrier`, then each does the "
                          "iteration count; the time is the wall time from the first thread's start "
                          "to the last one's end, so a median is the wall time of one round (one op "
                          "on each thread, 2 ops). The check column says for how much of that time "
                          "both threads really ran at once: on a 2-core machine shared with builds, "
                          "one thread often runs alone, and then nothing contends. A single shared "
                          "atomic counter is one `fetch_add` in every library here (ours, "
                          "prometheus-client, prometheus): under contention they all pay the same "
                          "cache-line ping-pong.",
    "contention_histogram": "As `contention_counter`, on one unlabelled 12-bucket histogram. "
                            "Ours spreads a histogram over per-thread stripes once two threads "
                            "collide on it (as Java's `LongAdder` does); prometheus-client takes a "
                            "`Mutex`, prometheus and measured share their atomics. "
                            "metrics' upkeep runs after each sample, untimed.",
    "encode_counters": "Into a buffer reused (and cleared) each iteration, with each library's "
                       "fastest text path: ours `Registry::encode_into(format, &mut String)`, "
                       "prometheus-client `encoding::text::encode(&mut String, &registry)` "
                       "(OpenMetrics, so it is compared with `ours_openmetrics`), prometheus "
                       "`TextEncoder::encode_utf8(&registry.gather(), &mut String)` (gather "
                       "included: it is the only way), measured `BufferedTextEncoder` (HELP + "
                       "family per metric, `finish()` each iteration), metrics "
                       "`PrometheusHandle::render_to_write(&mut Vec<u8>)`. Every output was checked "
                       "to hold the 10 000 series.",
    "contention_neighbours": "As `contention_counter`, but each thread increments its own "
                             "series: two separate counters (the floor), two series of one small "
                             "family (each slot on its own 128-byte line), two neighbouring series "
                             "of a large family (slots packed, so the two share a cache line), and "
                             "prometheus-client's `Family` with two label sets.",
    "scrape_impact": "`family.labels(l).inc()` over 64 of a family's series, alone and while "
                     "another thread encodes the registry's 10 000 series (OpenMetrics, "
                     "`encode_to` into `io::sink()`) back to back. On a 2-core machine shared "
                     "with builds, the scraping thread also competes for the core.",
    "compress": "`MetricsHandler::respond` (negotiation, encoding, compression, headers) for "
                "10 families × 100 series, with `Accept-Encoding` `identity`, `gzip` and `zstd`. "
                "Each body was decoded back and compared with `Registry::encode`. The compressors "
                "keep their state between scrapes (a pooled deflate state, reset; a pooled zstd "
                "context), so what is left is their own speed: level-1 deflate (zlib-rs's quick "
                "strategy, static Huffman codes) and zstd level 1 take in text several times slower "
                "than the encoder writes it, which bounds this ratio however fast the encoding gets. "
                "A scraper sees the exporter's figure (HTTP included), in the targets above.",
    "encode_histograms": "As `encode_counters`; each series has 3 observations in different "
                         "buckets. metrics keeps its distributions after upkeep, so its render "
                         "re-encodes the same 10 000 histograms each iteration.",
}


if __name__ == "__main__":
    main()
