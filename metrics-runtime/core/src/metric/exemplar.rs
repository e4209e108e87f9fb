//! Exemplars: a trace (or any small label set) attached to one counter series
//! or one histogram bucket, so that a graph's spike links to a request that
//! made it.
//!
//! Each counter series and each histogram bucket keeps the latest exemplar
//! recorded into it, with its value and the time it was recorded. Recording
//! one never waits (see `ExemplarCell`); they are written in OpenMetrics
//! only: the Prometheus text format has no syntax for them.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use std::sync::{Mutex, TryLockError};

use arc_swap::ArcSwapOption;
use once_cell::race::OnceBox;

pub use promstrict_rules::exemplars::MAX_EXEMPLAR_LABEL_CHARS;

/// Why an exemplar's label set was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExemplarError {
    message: String,
}

impl fmt::Display for ExemplarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ExemplarError {}

struct LabelsInner {
    pairs: Box<[(Box<str>, Box<str>)]>,
    /// `k="v",…`, escaped, as the exposition writes it.
    rendered: Box<str>,
}

/// A checked exemplar label set (`trace_id`, `span_id`, …). Build it once per
/// request and attach it to as many metrics as the request touches; cloning
/// shares it.
///
/// ```
/// # extern crate promstrict_core as promstrict;
/// use promstrict::ExemplarLabels;
///
/// let trace = ExemplarLabels::new(&[("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736")])?;
/// assert_eq!(trace.get("trace_id"), Some("4bf92f3577b34da6a3ce929d0e0e4736"));
///
/// // Over OpenMetrics' 128 characters of names and values: refused.
/// assert!(ExemplarLabels::new(&[("trace_id", &"f".repeat(200))]).is_err());
/// // Label names follow the rules of every label name.
/// assert!(ExemplarLabels::new(&[("TraceID", "abc")]).is_err());
/// # Ok::<(), promstrict::ExemplarError>(())
/// ```
#[derive(Clone)]
pub struct ExemplarLabels(Arc<LabelsInner>);

impl ExemplarLabels {
    /// Checks `labels` (names as for any label, each once, at most
    /// [`MAX_EXEMPLAR_LABEL_CHARS`] characters of names and values together).
    pub fn new(labels: &[(&str, &str)]) -> Result<Self, ExemplarError> {
        promstrict_rules::exemplars::check_exemplar_labels(labels)
            .map_err(|message| ExemplarError { message })?;
        let mut rendered = String::new();
        for (name, value) in labels {
            if !rendered.is_empty() {
                rendered.push(',');
            }
            crate::encoding::text::push_label(&mut rendered, name, value);
        }
        Ok(ExemplarLabels(Arc::new(LabelsInner {
            pairs: labels
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect(),
            rendered: rendered.into(),
        })))
    }

    /// The W3C trace context pair: `trace_id` (32 hex digits) and `span_id`
    /// (16 hex digits). Refused if either is not lowercase hex of that
    /// length, or is all zeros (an invalid id).
    ///
    /// ```
    /// # extern crate promstrict_core as promstrict;
    /// use promstrict::ExemplarLabels;
    ///
    /// let ex = ExemplarLabels::trace("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7")?;
    /// assert_eq!(ex.get("span_id"), Some("00f067aa0ba902b7"));
    /// assert!(ExemplarLabels::trace("not hex", "00f067aa0ba902b7").is_err());
    /// # Ok::<(), promstrict::ExemplarError>(())
    /// ```
    pub fn trace(trace_id: &str, span_id: &str) -> Result<Self, ExemplarError> {
        fn hex_id(what: &str, id: &str, digits: usize) -> Result<(), ExemplarError> {
            let hex = id.len() == digits
                && id
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
            if !hex || id.bytes().all(|b| b == b'0') {
                return Err(ExemplarError {
                    message: format!(
                        "`{what}` must be {digits} lowercase hex digits, not all zero (the W3C trace context form), not `{id}`"
                    ),
                });
            }
            Ok(())
        }
        hex_id("trace_id", trace_id, 32)?;
        hex_id("span_id", span_id, 16)?;
        ExemplarLabels::new(&[("trace_id", trace_id), ("span_id", span_id)])
    }

    /// The value of label `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .pairs
            .iter()
            .find(|(k, _)| &**k == name)
            .map(|(_, v)| &**v)
    }

    /// The labels, in the order given.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.0.pairs.iter().map(|(k, v)| (&**k, &**v))
    }

    /// `k="v",…` as the exposition writes it.
    pub(crate) fn rendered(&self) -> &str {
        &self.0.rendered
    }
}

impl fmt::Debug for ExemplarLabels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{{}}}", self.rendered())
    }
}

impl PartialEq for ExemplarLabels {
    fn eq(&self, other: &Self) -> bool {
        self.0.pairs == other.0.pairs
    }
}

/// An exemplar as a scrape reads it: its labels, the value it was recorded
/// with and when (Unix seconds).
#[derive(Clone)]
pub struct Exemplar {
    labels: ExemplarLabels,
    value: f64,
    timestamp: f64,
}

impl Exemplar {
    /// The labels.
    pub fn labels(&self) -> &ExemplarLabels {
        &self.labels
    }

    /// The value recorded with it: the observation for a histogram, the
    /// increment for a counter.
    pub fn value(&self) -> f64 {
        self.value
    }

    /// When it was recorded, in seconds since the Unix epoch.
    pub fn timestamp(&self) -> f64 {
        self.timestamp
    }

    /// The same labels and time with another value (a histogram bucket's
    /// exemplar shown on a call counter, whose increment is 1).
    pub(crate) fn with_value(&self, value: f64) -> Exemplar {
        Exemplar {
            value,
            ..self.clone()
        }
    }

    /// Keeps in `slot` whichever of the two was recorded last.
    pub(crate) fn keep_latest(slot: &mut Option<Exemplar>, candidate: Exemplar) {
        if slot
            .as_ref()
            .is_none_or(|kept| kept.timestamp() <= candidate.timestamp())
        {
            *slot = Some(candidate);
        }
    }
}

impl fmt::Debug for Exemplar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Exemplar")
            .field("labels", &self.labels)
            .field("value", &self.value)
            .field("timestamp", &self.timestamp)
            .finish()
    }
}

/// The latest exemplar of one counter series or histogram bucket: a pointer
/// (null until the first exemplar, so a series that never gets one costs 8
/// bytes) to a slot behind a mutex that recorders only ever *try* to take.
/// Recording never waits and never allocates after the first time; if the
/// slot is busy at that instant (another thread recording into the same
/// series, or a scrape reading it), that exemplar is skipped: the count or
/// observation it came with is recorded all the same, and the next exemplar
/// is kept.
#[derive(Default)]
pub(crate) struct ExemplarCell(OnceBox<Mutex<Option<Exemplar>>>);

impl ExemplarCell {
    #[inline]
    pub(crate) fn store(&self, labels: &ExemplarLabels, value: f64) {
        let slot = self.0.get_or_init(Box::default);
        let mut guard = match slot.try_lock() {
            Ok(guard) => guard,
            // Nothing panics while holding it; were it poisoned, the
            // exemplar in it is still whole.
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => return,
        };
        let exemplar = Exemplar {
            labels: labels.clone(),
            value,
            timestamp: unix_seconds(),
        };
        // The replaced exemplar is dropped after the unlock.
        let _replaced = guard.replace(exemplar);
        drop(guard);
    }

    /// Whether no exemplar was ever recorded here (one load).
    #[inline]
    pub(crate) fn never_set(&self) -> bool {
        self.0.get().is_none()
    }

    pub(crate) fn load(&self) -> Option<Exemplar> {
        let slot = self.0.get()?;
        slot.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl fmt::Debug for ExemplarCell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.load(), f)
    }
}

/// Now, in seconds since the Unix epoch (0 if the clock is before it).
pub(crate) fn unix_seconds() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Now, in nanoseconds since the Unix epoch, at least 1 (0 means "not yet").
pub(crate) fn unix_nanos() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(1, |d| {
        u64::try_from(d.as_nanos()).unwrap_or(u64::MAX).max(1)
    })
}

type Source = Box<dyn Fn() -> Option<ExemplarLabels> + Send + Sync>;

static SOURCE_SET: AtomicBool = AtomicBool::new(false);
static SOURCE: ArcSwapOption<Source> = ArcSwapOption::const_empty();

/// Sets where `#[instrument_latency]` and the HTTP layer take an exemplar
/// from: `source` is called at the end of each instrumented call, in the
/// call's context (its thread, its span), and returns the labels of the
/// current trace, or `None` to record no exemplar (no trace, or one that is
/// not sampled). Replaces any earlier source.
///
/// With feature `opentelemetry`, `opentelemetry_exemplars()` installs the
/// OpenTelemetry one; with feature `tracing`, `tracing_exemplars()` the one
/// reading `tracing`'s current span through `tracing-opentelemetry`.
///
/// ```
/// # extern crate promstrict_core as promstrict;
/// use promstrict::{set_exemplar_source, ExemplarLabels};
///
/// // E.g. a request id your framework keeps in a task-local.
/// set_exemplar_source(|| ExemplarLabels::new(&[("request", "r-42")]).ok());
/// # promstrict::clear_exemplar_source();
/// ```
pub fn set_exemplar_source(source: impl Fn() -> Option<ExemplarLabels> + Send + Sync + 'static) {
    SOURCE.store(Some(Arc::new(Box::new(source))));
    SOURCE_SET.store(true, Relaxed);
}

/// Removes the exemplar source: instrumented calls record no exemplar.
pub fn clear_exemplar_source() {
    SOURCE_SET.store(false, Relaxed);
    SOURCE.store(None);
}

/// The exemplar the current source gives for the current context, if any.
/// Costs one atomic load when no source is set.
#[inline]
pub fn current_exemplar() -> Option<ExemplarLabels> {
    if !SOURCE_SET.load(Relaxed) {
        return None;
    }
    current_exemplar_slow()
}

#[cold]
fn current_exemplar_slow() -> Option<ExemplarLabels> {
    let source = SOURCE.load();
    let source = source.as_ref()?;
    // A panicking source must not take the instrumented call down with it.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| source())).unwrap_or(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits() {
        let at_limit = "a".repeat(MAX_EXEMPLAR_LABEL_CHARS - "trace_id".len());
        ExemplarLabels::new(&[("trace_id", &at_limit)]).unwrap();
        let over = format!("{at_limit}b");
        let err = ExemplarLabels::new(&[("trace_id", &over)]).unwrap_err();
        assert!(err.to_string().contains("129 characters"), "{err}");
        // Characters, not bytes: 120 'é' are 240 bytes and within the limit.
        ExemplarLabels::new(&[("x", &"é".repeat(127))]).unwrap();
        assert!(ExemplarLabels::new(&[("a", "1"), ("a", "2")]).is_err());
        assert!(ExemplarLabels::new(&[("", "1")]).is_err());
        assert!(ExemplarLabels::new(&[("__x", "1")]).is_err());
        ExemplarLabels::new(&[]).unwrap();
    }

    #[test]
    fn values_are_escaped_once_rendered() {
        let l = ExemplarLabels::new(&[("q", "a\"b\\c\nd")]).unwrap();
        assert_eq!(l.rendered(), r#"q="a\"b\\c\nd""#);
        assert_eq!(l.get("q"), Some("a\"b\\c\nd"));
    }

    #[test]
    fn recorders_never_wait_and_a_reader_sees_a_whole_exemplar() {
        let cell = ExemplarCell::default();
        let labels: Vec<ExemplarLabels> = (0..4)
            .map(|t| ExemplarLabels::new(&[("trace_id", &format!("t{t}"))]).unwrap())
            .collect();
        std::thread::scope(|s| {
            for (t, l) in labels.iter().enumerate() {
                let cell = &cell;
                s.spawn(move || {
                    for i in 0..20_000 {
                        cell.store(l, (t * 100_000 + i) as f64);
                    }
                });
            }
            s.spawn(|| {
                for _ in 0..2_000 {
                    if let Some(ex) = cell.load() {
                        // The labels and value were stored together.
                        let t = ex.value() as usize / 100_000;
                        assert_eq!(ex.labels().get("trace_id"), Some(format!("t{t}").as_str()));
                    }
                }
            });
        });
        assert!(cell.load().is_some());
    }

    #[test]
    fn latest_wins() {
        let cell = ExemplarCell::default();
        assert!(cell.load().is_none());
        let a = ExemplarLabels::new(&[("trace_id", "a")]).unwrap();
        let b = ExemplarLabels::new(&[("trace_id", "b")]).unwrap();
        cell.store(&a, 1.0);
        cell.store(&b, 2.0);
        let ex = cell.load().unwrap();
        assert_eq!((ex.labels(), ex.value()), (&b, 2.0));
        assert!(ex.timestamp() > 1.5e9);
    }
}
