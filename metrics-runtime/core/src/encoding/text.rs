//! The text encoder for both formats. One writer: the formats differ only in
//! family names (OpenMetrics names a counter family without `_total` and an info
//! family without `_info`), HELP escaping, `# UNIT`, the info type and `# EOF`.
//!
//! It is ours rather than prometheus-client's because prometheus-client writes
//! only OpenMetrics, appends `.` to help text and `_total` to counter names, and
//! takes a lock per histogram; see `benches/core.rs` for the encoding figures.

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

use super::Format;
use crate::label::{cardinality_of, LabelDescriptor, Labels};
use crate::metric::{Exemplar, MetricType, SeriesExtras, SeriesValue, SeriesVisitor};

/// The part of a family's header that the encoder needs.
pub(crate) struct FamilyHeader<'a> {
    pub(crate) name: &'a str,
    pub(crate) help: &'a str,
    pub(crate) unit: Option<&'a str>,
    pub(crate) metric_type: MetricType,
    /// `k="v",…`, already escaped, or empty.
    pub(crate) const_labels: &'a str,
}

/// The family name a format announces in `# HELP`/`# TYPE` for a metric whose
/// samples are named `name`.
pub(crate) fn family_name(name: &str, metric_type: MetricType, format: Format) -> &str {
    match (format, metric_type) {
        (Format::OpenMetrics, MetricType::Counter) => name.strip_suffix("_total").unwrap_or(name),
        (Format::OpenMetrics, MetricType::Info) => name.strip_suffix("_info").unwrap_or(name),
        _ => name,
    }
}

pub(crate) fn write_header(out: &mut String, format: Format, h: &FamilyHeader<'_>) {
    let family = family_name(h.name, h.metric_type, format);
    out.push_str("# HELP ");
    out.push_str(family);
    out.push(' ');
    escape_help(out, h.help, format);
    out.push('\n');
    out.push_str("# TYPE ");
    out.push_str(family);
    out.push(' ');
    out.push_str(match (format, h.metric_type) {
        // The text format has no info or state set type: they are gauges
        // (of 1, and of 0 or 1). Nor a gauge histogram: client_golang
        // writes it as a histogram, and so do we.
        (Format::Prometheus, MetricType::Info | MetricType::StateSet) => "gauge",
        (Format::Prometheus, MetricType::GaugeHistogram) => "histogram",
        (_, t) => t.as_str(),
    });
    out.push('\n');
    if let (Format::OpenMetrics, Some(unit)) = (format, h.unit) {
        out.push_str("# UNIT ");
        out.push_str(family);
        out.push(' ');
        out.push_str(unit);
        out.push('\n');
    }
}

pub(crate) fn write_eof(out: &mut String, format: Format) {
    if format == Format::OpenMetrics {
        out.push_str("# EOF\n");
    }
}

/// Writes the samples of one family.
pub(crate) struct SampleWriter<'a> {
    pub(crate) out: &'a mut String,
    pub(crate) format: Format,
    pub(crate) header: &'a FamilyHeader<'a>,
    /// One series' labels rendered once for the several lines of a histogram
    /// or summary (reused across series to avoid allocating).
    pub(crate) scratch: &'a mut String,
    /// Set when the metric reported it could not be read.
    pub(crate) failed: bool,
    /// Whether to write `_created` samples (OpenMetrics only).
    pub(crate) created: bool,
    /// The family's pre-rendered line prefixes.
    pub(crate) prefixes: Option<&'a PrefixCache>,
    /// Where full chunks go when encoding to a writer (`None`: all of the
    /// exposition stays in `out`).
    pub(crate) sink: Option<&'a mut dyn Sink>,
    /// Where in `out` this family starts: a failed family is cut from there.
    pub(crate) family_start: usize,
    /// The family's one-line prefixes laid out flat, once looked up
    /// (`Some(None)`: there are none).
    pub(crate) flat: Option<Option<Arc<FlatPrefixes>>>,
}

/// How many bytes of exposition are gathered before they go to the writer.
pub(crate) const CHUNK: usize = 64 * 1024;

/// The writer an exposition streams to, and its first error.
pub(crate) struct ChunkSink<'a> {
    pub(crate) writer: &'a mut dyn io::Write,
    pub(crate) error: Option<io::Error>,
}

/// Takes the chunks of an exposition as they fill up.
pub(crate) trait Sink {
    /// Takes `out` and empties it.
    fn flush(&mut self, out: &mut String);
}

impl Sink for ChunkSink<'_> {
    /// Hands `out` to the writer and empties it (after an error, only empties it).
    fn flush(&mut self, out: &mut String) {
        if self.error.is_none() {
            if let Err(e) = self.writer.write_all(out.as_bytes()) {
                self.error = Some(e);
            }
        }
        out.clear();
    }
}

/// Kinds of pre-rendered series.
const SINGLE: u8 = 0;
const HISTOGRAM: u8 = 1;
const SUMMARY: u8 = 2;

/// The prefixes of a multi-line series, in order.
struct Lines<'a> {
    text: &'a str,
    ends: std::slice::Iter<'a, u32>,
    start: usize,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str, ends: &'a [u32]) -> Self {
        Lines {
            text,
            ends: ends.iter(),
            start: 0,
        }
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a str;

    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        let end = *self.ends.next()? as usize;
        let line = self.text.get(self.start..end).unwrap_or_default();
        self.start = end + 1;
        Some(line)
    }
}

/// Families with more possible series than this are rendered line by line
/// (the cache would cost more memory than it saves time).
const MAX_CACHED_SERIES: usize = 1 << 20;

/// The sample-line prefixes (`name_bucket{labels,le="0.5"} `) of a metric's
/// series, rendered the first time a series is encoded and then copied: the
/// labels of a dense family never change, so encoding is a copy plus number
/// formatting. Indexed by the series' dense index; the same for both text
/// formats (what differs between them is not cached).
pub(crate) struct PrefixCache {
    labels: &'static [LabelDescriptor],
    len: usize,
    slots: OnceLock<Box<[OnceLock<Prefixes>]>>,
    /// The bucket bounds the histogram prefixes were rendered with (a series
    /// with other bounds is rendered line by line).
    bounds: OnceLock<Box<[f64]>>,
    /// How many one-line or histogram prefixes are rendered in `slots`.
    rendered: AtomicUsize,
    /// And their bytes.
    rendered_bytes: AtomicUsize,
    /// Those prefixes laid out flat, in series order, as of some count of
    /// them: a scrape reads them front to back, as the memory prefetcher
    /// likes, instead of from one allocation per series.
    flat: RwLock<Option<Arc<FlatPrefixes>>>,
}

/// Families whose prefixes take more than this are not laid out flat (the
/// flat copy would double a large share of the registry's memory): their
/// series are written the general way.
#[cfg(not(test))]
const MAX_FLAT_BYTES: usize = 8 << 20;
#[cfg(test)]
pub(crate) const MAX_FLAT_BYTES: usize = 16 << 10;

/// The prefixes of a family's series (one-line series, or histograms), one
/// after another.
pub(crate) struct FlatPrefixes {
    /// The value of `PrefixCache::rendered` they were gathered at.
    rendered: usize,
    /// `SINGLE` or `HISTOGRAM`.
    kind: u8,
    /// The histogram bounds they were rendered with.
    bounds: Box<[f64]>,
    /// The line lengths (without newline) of the first histogram series,
    /// and its block length. Another series' lines differ only in their
    /// labels, which are the same on each of its lines: each line is
    /// longer by the same amount, so its lines are found without searching.
    line_lens: Box<[usize]>,
    first_block: usize,
    /// Each series' line prefixes, each followed by a newline (but for a
    /// one-line series' prefix, which is followed by its number).
    text: String,
    /// Series `i`'s prefixes are `text[spans[i]..spans[i + 1]]`; an empty
    /// span is not rendered (yet).
    spans: Box<[u32]>,
}

impl FlatPrefixes {
    /// Series `index`'s prefixes, if rendered.
    #[inline]
    fn of(&self, index: usize) -> Option<&str> {
        let (Some(&start), Some(&end)) = (self.spans.get(index), self.spans.get(index + 1)) else {
            return None;
        };
        self.text
            .get(start as usize..end as usize)
            .filter(|p| !p.is_empty())
    }
}

struct Prefixes {
    kind: u8,
    /// Each line's prefix, each followed by `\n`.
    text: Box<str>,
    /// Where each prefix of a multi-line series ends in `text` (the lines
    /// are found without scanning for the newlines); empty for one line.
    ends: Box<[u32]>,
}

impl PrefixCache {
    pub(crate) fn new(labels: &'static [LabelDescriptor]) -> Self {
        PrefixCache {
            labels,
            len: cardinality_of(labels),
            slots: OnceLock::new(),
            bounds: OnceLock::new(),
            rendered: AtomicUsize::new(0),
            rendered_bytes: AtomicUsize::new(0),
            flat: RwLock::new(None),
        }
    }

    /// Whether `labels` are this family's.
    fn is_for(&self, labels: &[LabelDescriptor]) -> bool {
        std::ptr::eq(labels, self.labels)
            || (labels.len() == self.labels.len()
                && labels
                    .iter()
                    .zip(self.labels)
                    .all(|(a, b)| a.name == b.name && a.cardinality == b.cardinality))
    }

    /// The slot of a series, if its labels are this family's.
    fn slot(&self, labels: &Labels<'_>) -> Option<&OnceLock<Prefixes>> {
        let index = match *labels {
            Labels::None if self.labels.is_empty() => 0,
            Labels::Dense { labels, index } if index < self.len && self.is_for(labels) => index,
            _ => return None,
        };
        if self.len > MAX_CACHED_SERIES {
            return None;
        }
        let slots = self
            .slots
            .get_or_init(|| (0..self.len).map(|_| OnceLock::new()).collect());
        slots.get(index)
    }
}

/// Writes a dense family's one-line series from their pre-rendered prefixes,
/// straight from the family's loop.
#[doc(hidden)]
pub struct PlainLines<'w> {
    out: &'w mut String,
    format: Format,
    flat: &'w FlatPrefixes,
    sink: Option<&'w mut dyn Sink>,
    family_start: &'w mut usize,
}

impl PlainLines<'_> {
    /// Writes series `index` with `value`; `false` (writing nothing) if its
    /// prefix is not rendered yet or `value` is not one number.
    #[inline]
    pub fn write(&mut self, index: usize, value: SeriesValue<'_>) -> bool {
        if self.flat.kind != SINGLE {
            return false;
        }
        let Some(prefix) = self.flat.of(index) else {
            return false;
        };
        if !push_number_line(self.out, prefix, &value) {
            return false;
        }
        self.done();
        true
    }

    /// Writes histogram series `index` (its `_bucket`, `_count` and `_sum`
    /// lines); `false` (writing nothing) if its prefixes are not rendered
    /// yet, were rendered for other bounds, or it needs the general way.
    #[inline]
    pub fn write_histogram(
        &mut self,
        index: usize,
        bounds: &[f64],
        counts: &[u64],
        sum: f64,
    ) -> bool {
        let flat = self.flat;
        if flat.kind != HISTOGRAM
            || counts.len() != bounds.len() + 1
            || (!std::ptr::eq(bounds, &*flat.bounds) && *bounds != *flat.bounds)
        {
            return false;
        }
        // The general way leaves the `_sum` out.
        if !histogram_sum_written(self.format, bounds, sum) {
            return false;
        }
        let Some(block) = flat.of(index) else {
            return false;
        };
        // Every line of this series is longer than the first series' by
        // the same amount: the difference of the labels.
        let lines = flat.line_lens.len();
        // (Blocks are at most 4 GiB.)
        let grown = block.len() as i64 - flat.first_block as i64;
        if lines != counts.len() + 2 || grown % lines as i64 != 0 {
            return false;
        }
        let grown = grown / lines as i64;
        let start = self.out.len();
        let mut at = 0usize;
        let mut next_prefix = |j: usize| {
            let len = usize::try_from(*flat.line_lens.get(j)? as i64 + grown).ok()?;
            let prefix = block.get(at..at.checked_add(len)?)?;
            at += len + 1;
            (block.as_bytes().get(at - 1) == Some(&b'\n')).then_some(prefix)
        };
        let mut count = 0u64;
        let mut itoa = itoa::Buffer::new();
        for (j, n) in counts.iter().enumerate() {
            let Some(prefix) = next_prefix(j) else {
                self.out.truncate(start);
                return false;
            };
            count = count.saturating_add(*n);
            self.out.push_str(prefix);
            self.out.push_str(itoa.format(count));
            self.out.push('\n');
        }
        let (Some(count_prefix), Some(sum_prefix)) =
            (next_prefix(lines - 2), next_prefix(lines - 1))
        else {
            self.out.truncate(start);
            return false;
        };
        self.out.push_str(count_prefix);
        self.out.push_str(itoa.format(count));
        self.out.push('\n');
        self.out.push_str(sum_prefix);
        push_f64(self.out, sum);
        self.out.push('\n');
        self.done();
        true
    }

    /// After each series: hands a full chunk to the writer, if there is one.
    #[inline]
    fn done(&mut self) {
        if self.out.len() >= CHUNK {
            if let Some(sink) = self.sink.as_deref_mut() {
                sink.flush(self.out);
                *self.family_start = 0;
            }
        }
    }
}

impl PrefixCache {
    /// The one-line prefixes laid out flat, if `labels` are this family's
    /// and it is cached: gathered again when more were rendered since.
    pub(crate) fn flat(&self, labels: &'static [LabelDescriptor]) -> Option<Arc<FlatPrefixes>> {
        if !self.is_for(labels) || self.len > MAX_CACHED_SERIES || self.labels.is_empty() {
            return None;
        }
        let rendered = self.rendered.load(Ordering::Acquire);
        if rendered == 0 || self.rendered_bytes.load(Ordering::Relaxed) > MAX_FLAT_BYTES {
            return None;
        }
        if let Some(flat) = &*self.flat.read().unwrap_or_else(PoisonError::into_inner) {
            if flat.rendered == rendered {
                return Some(Arc::clone(flat));
            }
        }
        let mut kept = self.flat.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(flat) = &*kept {
            if flat.rendered >= rendered {
                return Some(Arc::clone(flat));
            }
        }
        let slots = self.slots.get()?;
        // The family's kind: that of its first rendered series.
        let kind = slots
            .iter()
            .find_map(|slot| slot.get().map(|p| p.kind))
            .filter(|kind| *kind == SINGLE || *kind == HISTOGRAM)?;
        let mut text = String::new();
        let mut spans = Vec::with_capacity(slots.len() + 1);
        spans.push(0);
        for slot in slots.iter() {
            if let Some(p) = slot.get().filter(|p| p.kind == kind) {
                // A one-line prefix without its newline: the number goes there.
                text.push_str(match kind {
                    SINGLE => p.text.strip_suffix('\n').unwrap_or_default(),
                    _ => &p.text,
                });
            }
            // Past 4 GiB of prefixes the rest stay unrendered here.
            spans.push(u32::try_from(text.len()).unwrap_or(*spans.last().unwrap_or(&0)));
        }
        if text.len() > u32::MAX as usize {
            return None;
        }
        let (bounds, line_lens, first_block) = match kind {
            HISTOGRAM => {
                let first = slots
                    .iter()
                    .find_map(|slot| slot.get().filter(|p| p.kind == kind))?;
                let lens: Box<[usize]> = first.text.split_terminator('\n').map(str::len).collect();
                (self.bounds.get()?.clone(), lens, first.text.len())
            }
            _ => Default::default(),
        };
        let flat = Arc::new(FlatPrefixes {
            rendered,
            kind,
            bounds,
            line_lens,
            first_block,
            text,
            spans: spans.into_boxed_slice(),
        });
        *kept = Some(Arc::clone(&flat));
        Some(flat)
    }
}

impl<'a> SampleWriter<'a> {
    /// The pre-rendered prefixes of a series of `kind` (`None`: render it
    /// line by line).
    fn prefixes(
        &mut self,
        labels: &Labels<'_>,
        kind: u8,
        bounds: &[f64],
    ) -> Option<(&'a str, &'a [u32])> {
        let cache = self.prefixes?;
        if kind == HISTOGRAM && **cache.bounds.get_or_init(|| bounds.into()) != *bounds {
            return None;
        }
        let slot = cache.slot(labels)?;
        let prefixes = slot.get_or_init(|| {
            // Render into an empty `out` with the line-by-line writer
            // itself, so that both always agree.
            let saved = std::mem::take(&mut *self.out);
            let mut ends = Vec::new();
            match kind {
                HISTOGRAM => {
                    self.render_labels(labels);
                    let mut le = ryu::Buffer::new();
                    for bound in bounds {
                        self.start_rendered("_bucket", Some(le.format_finite(*bound)));
                        self.end_prefix(&mut ends);
                    }
                    self.start_rendered("_bucket", Some("+Inf"));
                    self.end_prefix(&mut ends);
                    self.start_rendered("_count", None);
                    self.end_prefix(&mut ends);
                    self.start_rendered("_sum", None);
                    self.end_prefix(&mut ends);
                }
                SUMMARY => {
                    self.render_labels(labels);
                    self.start_rendered("_count", None);
                    self.end_prefix(&mut ends);
                    self.start_rendered("_sum", None);
                    self.end_prefix(&mut ends);
                }
                _ => {
                    self.start("", labels);
                    self.out.push('\n');
                }
            }
            let rendered = std::mem::replace(&mut *self.out, saved);
            // Offsets past `u32` (a 4 GiB prefix) are not cached.
            let kind = if rendered.len() > u32::MAX as usize {
                u8::MAX
            } else {
                kind
            };
            if kind == SINGLE || kind == HISTOGRAM {
                cache
                    .rendered_bytes
                    .fetch_add(rendered.len(), Ordering::Relaxed);
                cache.rendered.fetch_add(1, Ordering::Release);
            }
            Prefixes {
                kind,
                text: rendered.into_boxed_str(),
                ends: ends.into_boxed_slice(),
            }
        });
        (prefixes.kind == kind).then_some((&*prefixes.text, &*prefixes.ends))
    }

    /// Notes where a prefix ends and starts the next one.
    fn end_prefix(&mut self, ends: &mut Vec<u32>) {
        ends.push(u32::try_from(self.out.len()).unwrap_or(u32::MAX));
        self.out.push('\n');
    }

    /// Writes one sample line after a pre-rendered prefix (`prefix` without
    /// its newline).
    #[inline]
    fn prefixed_u64(&mut self, prefix: &str, v: u64) {
        self.out.push_str(prefix);
        self.out.push_str(itoa::Buffer::new().format(v));
        self.out.push('\n');
    }

    #[inline]
    fn prefixed_f64(&mut self, prefix: &str, v: f64) {
        self.out.push_str(prefix);
        push_f64(self.out, v);
        self.out.push('\n');
    }

    /// After each series: hands a full chunk to the writer, if there is one.
    #[inline]
    fn series_done(&mut self) {
        if self.out.len() >= CHUNK {
            if let Some(sink) = self.sink.as_deref_mut() {
                sink.flush(self.out);
                self.family_start = 0;
            }
        }
    }

    fn start(&mut self, suffix: &str, labels: &Labels<'_>) {
        let out = &mut *self.out;
        out.push_str(self.header.name);
        out.push_str(suffix);
        let const_labels = self.header.const_labels;
        let has_labels = !labels.is_empty();
        if const_labels.is_empty() && !has_labels {
            out.push(' ');
            return;
        }
        out.push('{');
        out.push_str(const_labels);
        let mut first = const_labels.is_empty();
        labels.for_each(|k, v| {
            if !first {
                out.push(',');
            }
            first = false;
            push_label(out, k, v);
        });
        out.push_str("} ");
    }

    fn u64_sample(&mut self, suffix: &str, labels: &Labels<'_>, v: u64) {
        self.start(suffix, labels);
        self.out.push_str(itoa::Buffer::new().format(v));
        self.out.push('\n');
    }

    fn f64_sample(&mut self, suffix: &str, labels: &Labels<'_>, v: f64) {
        self.start(suffix, labels);
        push_f64(self.out, v);
        self.out.push('\n');
    }

    /// Renders `const,labels` (no braces) of one series into `scratch`.
    fn render_labels(&mut self, labels: &Labels<'_>) {
        let buf = &mut *self.scratch;
        buf.clear();
        buf.push_str(self.header.const_labels);
        labels.for_each(|k, v| {
            if !buf.is_empty() {
                buf.push(',');
            }
            push_label(buf, k, v);
        });
    }

    /// `name<suffix>{<scratch>[,le="…"]} ` for a series rendered by `render_labels`.
    fn start_rendered(&mut self, suffix: &str, le: Option<&str>) {
        self.start_rendered_as(self.header.name, suffix, le.map(|le| ("le", le)));
    }

    /// `<stem><suffix>{<scratch>[,<extra>]} `; `extra`'s value is escaped.
    fn start_rendered_as(&mut self, stem: &str, suffix: &str, extra: Option<(&str, &str)>) {
        let out = &mut *self.out;
        out.push_str(stem);
        out.push_str(suffix);
        let rendered = self.scratch.as_str();
        match (rendered.is_empty(), extra) {
            (true, None) => {
                out.push(' ');
                return;
            }
            (_, extra) => {
                out.push('{');
                out.push_str(rendered);
                if let Some((name, value)) = extra {
                    if !rendered.is_empty() {
                        out.push(',');
                    }
                    push_label(out, name, value);
                }
            }
        }
        out.push_str("} ");
    }

    fn rendered_u64(&mut self, suffix: &str, le: Option<&str>, v: u64) {
        self.start_rendered(suffix, le);
        self.out.push_str(itoa::Buffer::new().format(v));
        self.out.push('\n');
    }

    fn rendered_f64(&mut self, suffix: &str, v: f64) {
        self.start_rendered(suffix, None);
        push_f64(self.out, v);
        self.out.push('\n');
    }

    /// ` # {labels} value timestamp` before a sample's newline, in OpenMetrics.
    fn exemplar(&mut self, exemplar: Option<&Exemplar>) {
        let Some(ex) = exemplar else { return };
        if self.format != Format::OpenMetrics {
            return;
        }
        // Replace the newline the sample ended with.
        self.out.pop();
        self.out.push_str(" # {");
        self.out.push_str(ex.labels().rendered());
        self.out.push_str("} ");
        push_f64(self.out, ex.value());
        self.out.push(' ');
        push_f64(self.out, ex.timestamp());
        self.out.push('\n');
    }

    /// The `_created` sample of a counter, histogram or summary series,
    /// whose labels are in `scratch`.
    fn created_sample(&mut self, created: Option<f64>) {
        let Some(created) = created else { return };
        if !self.created || self.format != Format::OpenMetrics {
            return;
        }
        let stem = family_name(self.header.name, self.header.metric_type, self.format);
        self.start_rendered_as(stem, "_created", None);
        push_f64(self.out, created);
        self.out.push('\n');
    }

    fn buckets(&mut self, bounds: &[f64], counts: &[u64], exemplars: &[Option<Exemplar>]) -> u64 {
        let mut cumulative = 0u64;
        let mut le = ryu::Buffer::new();
        for (i, (bound, count)) in bounds.iter().zip(counts).enumerate() {
            cumulative += count;
            self.rendered_u64("_bucket", Some(le.format_finite(*bound)), cumulative);
            self.exemplar(exemplars.get(i).and_then(Option::as_ref));
        }
        cumulative += counts[bounds.len()];
        self.rendered_u64("_bucket", Some("+Inf"), cumulative);
        self.exemplar(exemplars.get(bounds.len()).and_then(Option::as_ref));
        cumulative
    }
}

impl SeriesVisitor for SampleWriter<'_> {
    fn failed(&mut self) {
        self.failed = true;
    }

    fn plain_lines(&mut self, labels: &'static [LabelDescriptor]) -> Option<PlainLines<'_>> {
        // `_created` samples go with each series.
        if self.created && self.format == Format::OpenMetrics {
            return None;
        }
        let cache = self.prefixes?;
        let flat = self
            .flat
            .get_or_insert_with(|| cache.flat(labels))
            .as_deref()?;
        Some(PlainLines {
            out: self.out,
            format: self.format,
            flat,
            sink: match &mut self.sink {
                Some(sink) => Some(&mut **sink),
                None => None,
            },
            family_start: &mut self.family_start,
        })
    }

    fn series(&mut self, labels: Labels<'_>, value: SeriesValue<'_>) {
        self.series_with_extras(labels, value, SeriesExtras::default())
    }

    fn series_with_extras(
        &mut self,
        labels: Labels<'_>,
        value: SeriesValue<'_>,
        extras: SeriesExtras<'_>,
    ) {
        if !self.cached_series(&labels, &value, &extras) {
            self.uncached_series(labels, value, extras);
        }
        self.series_done();
    }
}

impl SampleWriter<'_> {
    /// Writes a series from its pre-rendered prefixes; `false` if it has
    /// none (its kind is not cached, or its labels are not the family's).
    #[inline]
    fn cached_series(
        &mut self,
        labels: &Labels<'_>,
        value: &SeriesValue<'_>,
        extras: &SeriesExtras<'_>,
    ) -> bool {
        match *value {
            SeriesValue::CounterU64(_)
            | SeriesValue::CounterF64(_)
            | SeriesValue::GaugeF64(_)
            | SeriesValue::GaugeI64(_) => {
                let Some((p, _)) = self.prefixes(labels, SINGLE, &[]) else {
                    return false;
                };
                push_number_line(self.out, p.strip_suffix('\n').unwrap_or(p), value);
                // A gauge has neither (its extras are empty).
                self.exemplar(extras.exemplars.first().and_then(Option::as_ref));
                self.counter_created(labels, extras.created);
            }
            SeriesValue::Histogram {
                bounds,
                counts,
                sum,
            } => {
                if counts.len() != bounds.len() + 1 {
                    return false;
                }
                let Some((p, ends)) = self.prefixes(labels, HISTOGRAM, bounds) else {
                    return false;
                };
                let mut lines = Lines::new(p, ends);
                let mut count = 0u64;
                for (i, (n, prefix)) in counts.iter().zip(&mut lines).enumerate() {
                    count = count.saturating_add(*n);
                    self.prefixed_u64(prefix, count);
                    self.exemplar(extras.exemplars.get(i).and_then(Option::as_ref));
                }
                if histogram_sum_written(self.format, bounds, sum) {
                    let (count_prefix, sum_prefix) = (lines.next(), lines.next());
                    self.prefixed_u64(count_prefix.unwrap_or_default(), count);
                    self.prefixed_f64(sum_prefix.unwrap_or_default(), sum);
                }
                if extras.created.is_some() && self.created && self.format == Format::OpenMetrics {
                    self.render_labels(labels);
                    self.created_sample(extras.created);
                }
            }
            SeriesValue::Summary { count, sum } => {
                if self.format == Format::OpenMetrics && (sum.is_nan() || sum < 0.0) {
                    return true;
                }
                let Some((p, ends)) = self.prefixes(labels, SUMMARY, &[]) else {
                    return false;
                };
                let mut lines = Lines::new(p, ends);
                let (count_prefix, sum_prefix) = (lines.next(), lines.next());
                self.prefixed_u64(count_prefix.unwrap_or_default(), count);
                self.prefixed_f64(sum_prefix.unwrap_or_default(), sum);
                if extras.created.is_some() && self.created && self.format == Format::OpenMetrics {
                    self.render_labels(labels);
                    self.created_sample(extras.created);
                }
            }
            SeriesValue::Info => {
                let Some((p, _)) = self.prefixes(labels, SINGLE, &[]) else {
                    return false;
                };
                self.prefixed_u64(&p[..p.len() - 1], 1);
            }
            SeriesValue::GaugeHistogram { .. } | SeriesValue::StateSet { .. } => return false,
        }
        true
    }

    fn uncached_series(
        &mut self,
        labels: Labels<'_>,
        value: SeriesValue<'_>,
        extras: SeriesExtras<'_>,
    ) {
        let first_exemplar = extras.exemplars.first().and_then(Option::as_ref);
        match value {
            SeriesValue::CounterU64(v) => {
                self.u64_sample("", &labels, v);
                self.exemplar(first_exemplar);
                self.counter_created(&labels, extras.created);
            }
            SeriesValue::CounterF64(v) => {
                self.f64_sample("", &labels, v);
                self.exemplar(first_exemplar);
                self.counter_created(&labels, extras.created);
            }
            SeriesValue::GaugeF64(v) => self.f64_sample("", &labels, v),
            SeriesValue::GaugeI64(v) => {
                self.start("", &labels);
                self.out.push_str(itoa::Buffer::new().format(v));
                self.out.push('\n');
            }
            SeriesValue::Histogram {
                bounds,
                counts,
                sum,
            } => {
                self.render_labels(&labels);
                let count = self.buckets(bounds, counts, extras.exemplars);
                if histogram_sum_written(self.format, bounds, sum) {
                    self.rendered_u64("_count", None, count);
                    self.rendered_f64("_sum", sum);
                }
                self.created_sample(extras.created);
            }
            SeriesValue::GaugeHistogram {
                bounds,
                counts,
                sum,
            } => {
                self.render_labels(&labels);
                let count = self.buckets(bounds, counts, &[]);
                let (count_suffix, sum_suffix) = match self.format {
                    Format::OpenMetrics => ("_gcount", "_gsum"),
                    Format::Prometheus => ("_count", "_sum"),
                };
                if !sum.is_nan() {
                    self.rendered_u64(count_suffix, None, count);
                    self.rendered_f64(sum_suffix, sum);
                }
            }
            SeriesValue::Summary { count, sum } => {
                // As for histograms: no negative `_sum` in OpenMetrics, and
                // then no `_count` either (a summary is nothing else here).
                if self.format == Format::OpenMetrics && (sum.is_nan() || sum < 0.0) {
                    return;
                }
                self.render_labels(&labels);
                self.rendered_u64("_count", None, count);
                self.rendered_f64("_sum", sum);
                self.created_sample(extras.created);
            }
            SeriesValue::StateSet { states, active } => {
                self.render_labels(&labels);
                let name = self.header.name;
                for (i, state) in states.iter().enumerate() {
                    if state.is_empty() {
                        continue;
                    }
                    self.start_rendered_as(name, "", Some((name, state)));
                    self.out.push_str(if i == active { "1\n" } else { "0\n" });
                }
            }
            SeriesValue::Info => self.u64_sample("", &labels, 1),
        }
    }

    fn counter_created(&mut self, labels: &Labels<'_>, created: Option<f64>) {
        if created.is_some() && self.created && self.format == Format::OpenMetrics {
            self.render_labels(labels);
            self.created_sample(created);
        }
    }
}

/// Writes `prefix`, the number of a one-number series and a newline;
/// `false` (writing nothing) for any other value.
#[inline]
fn push_number_line(out: &mut String, prefix: &str, value: &SeriesValue<'_>) -> bool {
    match *value {
        SeriesValue::CounterU64(v) => {
            out.push_str(prefix);
            out.push_str(itoa::Buffer::new().format(v));
        }
        SeriesValue::GaugeI64(v) => {
            out.push_str(prefix);
            out.push_str(itoa::Buffer::new().format(v));
        }
        SeriesValue::CounterF64(v) | SeriesValue::GaugeF64(v) => {
            out.push_str(prefix);
            push_f64(out, v);
        }
        _ => return false,
    }
    out.push('\n');
    true
}

/// Whether a histogram's `_count` and `_sum` are written: OpenMetrics
/// forbids `_sum` on a histogram with negative buckets, and a negative or
/// NaN `_sum` anywhere (it is counter-like); `_count` goes only together
/// with `_sum`.
#[inline]
fn histogram_sum_written(format: Format, bounds: &[f64], sum: f64) -> bool {
    let negative = bounds.first().is_some_and(|b| *b < 0.0);
    !(format == Format::OpenMetrics && (negative || sum.is_nan() || sum < 0.0))
}

#[inline]
pub(crate) fn push_label(out: &mut String, name: &str, value: &str) {
    out.push_str(name);
    out.push_str("=\"");
    escape_label_value(out, value);
    out.push('"');
}

/// Label values escape `\`, `"` and newline in both formats.
#[inline]
pub(crate) fn escape_label_value(out: &mut String, value: &str) {
    if !value.bytes().any(|b| matches!(b, b'\\' | b'"' | b'\n')) {
        out.push_str(value);
        return;
    }
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// HELP escapes `\` and newline in the text format; OpenMetrics also escapes
/// `"` (and the text format's parser rejects `\"` in HELP).
fn escape_help(out: &mut String, help: &str, format: Format) {
    for c in help.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '"' if format == Format::OpenMetrics => out.push_str("\\\""),
            c => out.push(c),
        }
    }
}

/// Floats as both formats spell them: `+Inf`, `-Inf`, `NaN`, else the shortest
/// representation that round-trips.
#[inline]
pub(crate) fn push_f64(out: &mut String, v: f64) {
    if v.is_finite() {
        out.push_str(ryu::Buffer::new().format_finite(v));
    } else if v.is_nan() {
        out.push_str("NaN");
    } else if v > 0.0 {
        out.push_str("+Inf");
    } else {
        out.push_str("-Inf");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        let mut s = String::new();
        escape_label_value(&mut s, "a\\b\"c\nd é");
        assert_eq!(s, "a\\\\b\\\"c\\nd é");
    }

    #[test]
    fn help_escaping_differs_by_format() {
        let mut s = String::new();
        escape_help(&mut s, "say \"hi\"\\\n", Format::Prometheus);
        assert_eq!(s, "say \"hi\"\\\\\\n");
        s.clear();
        escape_help(&mut s, "say \"hi\"\\\n", Format::OpenMetrics);
        assert_eq!(s, "say \\\"hi\\\"\\\\\\n");
    }

    #[test]
    fn floats() {
        let mut s = String::new();
        for v in [
            1.0,
            0.1,
            1e21,
            -2.5,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ] {
            push_f64(&mut s, v);
            s.push(' ');
        }
        assert_eq!(s, "1.0 0.1 1e21 -2.5 +Inf -Inf NaN ");
    }
}
