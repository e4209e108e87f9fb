//! The two exposition formats and content negotiation.

/// An exposition format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Prometheus text format 0.0.4 (`text/plain; version=0.0.4`).
    Prometheus,
    /// OpenMetrics text 1.0.0 (`application/openmetrics-text; version=1.0.0`).
    OpenMetrics,
}

impl Format {
    /// The `Content-Type` of a response in this format.
    ///
    /// ```
    /// # extern crate promstrict_core as promstrict;
    /// use promstrict::Format;
    /// assert_eq!(Format::Prometheus.content_type(), "text/plain; version=0.0.4; charset=utf-8");
    /// ```
    pub const fn content_type(self) -> &'static str {
        match self {
            Format::Prometheus => "text/plain; version=0.0.4; charset=utf-8",
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }

    /// Picks the format for a request's `Accept` header (`None` when absent).
    ///
    /// Media ranges are weighed by their `q` values (RFC 9110 §12.5.1); the
    /// highest acceptable one wins, OpenMetrics on a tie. OpenMetrics is
    /// acceptable as `application/openmetrics-text` with no version, `1.0.0`
    /// or `0.0.1` (the pre-1.0 draft, which parsers read the same way); the
    /// text format as `text/plain` with no version or `0.0.4`, or through
    /// `text/*` and `*/*`. With no header, an unparseable one, or nothing
    /// acceptable, the answer is the text format, which every scraper reads.
    ///
    /// ```
    /// # extern crate promstrict_core as promstrict;
    /// use promstrict::Format;
    ///
    /// // What Prometheus itself sends.
    /// let prometheus = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    /// assert_eq!(Format::from_accept(Some(prometheus)), Format::OpenMetrics);
    /// assert_eq!(Format::from_accept(Some("text/plain")), Format::Prometheus);
    /// assert_eq!(Format::from_accept(None), Format::Prometheus);
    /// ```
    pub fn from_accept(accept: Option<&str>) -> Format {
        Format::negotiate(accept).0
    }

    /// The text format for `accept` and the weight the header gives it (0
    /// when it accepts neither and the answer is the fallback).
    fn negotiate(accept: Option<&str>) -> (Format, f32) {
        let Some(accept) = accept else {
            return (Format::Prometheus, 0.0);
        };
        // The q of each format from the ranges naming it exactly, and from
        // wildcards. An exact range wins over a wildcard (RFC 9110 §12.5.1), so
        // `text/plain;q=0, */*` refuses the text format.
        let mut openmetrics = Weights::default();
        let mut text = Weights::default();
        for range in accept.split(',') {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or("").trim();
            let mut q = 1.0f32;
            let mut version: Option<&str> = None;
            let mut bad_q = false;
            for param in parts {
                let Some((key, value)) = param.split_once('=') else {
                    continue;
                };
                let value = value.trim().trim_matches('"');
                match key.trim().to_ascii_lowercase().as_str() {
                    "q" => match value.parse::<f32>() {
                        Ok(v) if (0.0..=1.0).contains(&v) => q = v,
                        _ => bad_q = true,
                    },
                    "version" => version = Some(value),
                    _ => {}
                }
            }
            if bad_q {
                continue;
            }
            match media.to_ascii_lowercase().as_str() {
                "application/openmetrics-text" => {
                    if matches!(version, None | Some("1.0.0") | Some("0.0.1")) {
                        openmetrics.exact(q);
                    }
                }
                "text/plain" => {
                    if matches!(version, None | Some("0.0.4")) {
                        text.exact(q);
                    }
                }
                "application/*" => openmetrics.wildcard(q),
                "text/*" => text.wildcard(q),
                "*/*" => {
                    openmetrics.wildcard(q);
                    text.wildcard(q);
                }
                _ => {}
            }
        }
        let (best_openmetrics, best_text) = (openmetrics.q(), text.q());
        // Nothing acceptable at all: the text format, which every scraper reads.
        if best_openmetrics == 0.0 && best_text == 0.0 {
            return (Format::Prometheus, 0.0);
        }
        // A plain `*/*` weighs both the same: the text format, which is what
        // a client that names neither expects.
        if best_openmetrics > best_text || (best_openmetrics == best_text && openmetrics.named) {
            (Format::OpenMetrics, best_openmetrics)
        } else {
            (Format::Prometheus, best_text)
        }
    }
}

/// What a response carries: one of the text formats, or protobuf.
///
/// A sibling of [`Format`] rather than a variant of it: protobuf is bytes,
/// not text, so it has its own encoder
/// ([`Registry::encode_protobuf`](crate::Registry::encode_protobuf)), and
/// code matching on `Format` is unaffected by the `protobuf` feature.
#[cfg(feature = "protobuf")]
#[cfg_attr(docsrs, doc(cfg(feature = "protobuf")))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Exposition {
    /// A text format.
    Text(Format),
    /// Delimited `io.prometheus.client.MetricFamily` messages.
    Protobuf,
}

#[cfg(feature = "protobuf")]
impl Exposition {
    /// Picks the exposition for a request's `Accept` header: protobuf when
    /// the header names it (`application/vnd.google.protobuf` with
    /// `proto=io.prometheus.client.MetricFamily` and `encoding=delimited`)
    /// with a weight at least that of the best text format, otherwise what
    /// [`Format::from_accept`] picks. Wildcards never select protobuf, and
    /// an unparseable header gets the text format.
    ///
    /// ```
    /// # extern crate promstrict_core as promstrict;
    /// use promstrict::{Exposition, Format};
    ///
    /// // What Prometheus sends with `--enable-feature=native-histograms`.
    /// let prometheus = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    /// assert_eq!(Exposition::from_accept(Some(prometheus)), Exposition::Protobuf);
    /// assert_eq!(Exposition::from_accept(Some("*/*")), Exposition::Text(Format::Prometheus));
    /// ```
    pub fn from_accept(accept: Option<&str>) -> Exposition {
        let (text, text_q) = Format::negotiate(accept);
        let protobuf_q = accept.map_or(0.0, protobuf_weight);
        if protobuf_q > 0.0 && protobuf_q >= text_q {
            Exposition::Protobuf
        } else {
            Exposition::Text(text)
        }
    }

    /// The `Content-Type` of a response.
    pub const fn content_type(self) -> &'static str {
        match self {
            Exposition::Text(format) => format.content_type(),
            Exposition::Protobuf => super::protobuf::CONTENT_TYPE,
        }
    }
}

/// The highest weight of the ranges naming delimited `MetricFamily` protobuf.
#[cfg(feature = "protobuf")]
fn protobuf_weight(accept: &str) -> f32 {
    let mut best = 0.0f32;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        if !parts
            .next()
            .unwrap_or("")
            .trim()
            .eq_ignore_ascii_case("application/vnd.google.protobuf")
        {
            continue;
        }
        let (mut q, mut proto, mut delimited, mut bad) = (1.0f32, false, false, false);
        for param in parts {
            let Some((key, value)) = param.split_once('=') else {
                continue;
            };
            let value = value.trim().trim_matches('"');
            match key.trim().to_ascii_lowercase().as_str() {
                "q" => match value.parse::<f32>() {
                    Ok(v) if (0.0..=1.0).contains(&v) => q = v,
                    _ => bad = true,
                },
                "proto" => proto = value == "io.prometheus.client.MetricFamily",
                "encoding" => delimited = value == "delimited",
                _ => {}
            }
        }
        if proto && delimited && !bad {
            best = best.max(q);
        }
    }
    best
}

/// The weight a request gives one format.
#[derive(Default)]
struct Weights {
    /// The highest q of ranges naming the format exactly.
    exact: Option<f32>,
    /// The highest q of wildcard ranges covering it.
    wildcard: Option<f32>,
    /// Whether a range named it exactly.
    named: bool,
}

impl Weights {
    fn exact(&mut self, q: f32) {
        self.named = true;
        self.exact = Some(self.exact.map_or(q, |e| e.max(q)));
    }

    fn wildcard(&mut self, q: f32) {
        self.wildcard = Some(self.wildcard.map_or(q, |w| w.max(q)));
    }

    fn q(&self) -> f32 {
        self.exact.or(self.wildcard).unwrap_or(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Format::{self, *};

    #[cfg(feature = "protobuf")]
    #[test]
    fn protobuf_negotiation_table() {
        use super::Exposition::{self, Protobuf, Text};
        const PB: &str = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited";
        let cases: Vec<(Option<String>, Exposition)> = vec![
            (None, Text(Prometheus)),
            (Some("garbage;;;".into()), Text(Prometheus)),
            (Some(PB.into()), Protobuf),
            (Some(format!("{PB};q=0.7,text/plain;version=0.0.4;q=0.3,*/*;q=0.1")), Protobuf),
            (Some(format!("{PB};q=0.2,application/openmetrics-text;version=1.0.0;q=0.8")), Text(OpenMetrics)),
            (Some(format!("{PB};q=0,text/plain")), Text(Prometheus)),
            (Some(format!("{PB};q=abc")), Text(Prometheus)),
            (Some("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text".into()), Text(Prometheus)),
            (Some("application/vnd.google.protobuf".into()), Text(Prometheus)),
            (Some("application/*".into()), Text(OpenMetrics)),
            (Some("*/*".into()), Text(Prometheus)),
            // Equal weight: protobuf, the richest.
            (Some(format!("text/plain, {PB}")), Protobuf),
        ];
        for (accept, want) in cases {
            assert_eq!(
                Exposition::from_accept(accept.as_deref()),
                want,
                "Accept: {accept:?}"
            );
        }
        assert_eq!(
            Protobuf.content_type(),
            super::super::protobuf::CONTENT_TYPE
        );
    }

    #[test]
    fn negotiation_table() {
        let cases: &[(Option<&str>, Format)] = &[
            (None, Prometheus),
            (Some(""), Prometheus),
            (Some("garbage;;;"), Prometheus),
            // Prometheus 2.x/3.x scrape header.
            (Some("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"), OpenMetrics),
            // Prometheus 3 with escaping parameters.
            (Some("application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.1"), OpenMetrics),
            // A scraper configured for the text format only.
            (Some("text/plain;version=0.0.4;q=1,*/*;q=0.1"), Prometheus),
            (Some("text/plain;version=0.0.4;q=0.3,application/openmetrics-text;q=0.2"), Prometheus),
            (Some("application/openmetrics-text"), OpenMetrics),
            (Some("APPLICATION/OpenMetrics-Text; Version=1.0.0"), OpenMetrics),
            (Some("application/openmetrics-text; version=2.0.0"), Prometheus),
            (Some("application/openmetrics-text;q=0"), Prometheus),
            (Some("application/openmetrics-text;q=2"), Prometheus),
            (Some("application/openmetrics-text;q=abc, text/plain"), Prometheus),
            (Some("text/html"), Prometheus),
            (Some("*/*"), Prometheus),
            // Equal weight: the richer format.
            (Some("text/plain, application/openmetrics-text"), OpenMetrics),
            // An exact refusal beats a wildcard (RFC 9110 §12.5.1).
            (Some("text/plain;q=0, */*"), OpenMetrics),
            (Some("text/plain;version=0.0.4;q=0, application/openmetrics-text;q=0.1, */*;q=1"), OpenMetrics),
            (Some("application/openmetrics-text;q=0, */*"), Prometheus),
            (Some("application/*"), OpenMetrics),
            (Some("text/*;q=0.5, application/*;q=0.9"), OpenMetrics),
            (Some("application/json, application/openmetrics-text;version=1.0.0;q=0.9"), OpenMetrics),
        ];
        for (accept, want) in cases {
            assert_eq!(Format::from_accept(*accept), *want, "Accept: {accept:?}");
        }
    }
}
