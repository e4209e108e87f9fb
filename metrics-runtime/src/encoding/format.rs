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
    /// use metrics_runtime::Format;
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
    /// use metrics_runtime::Format;
    ///
    /// // What Prometheus itself sends.
    /// let prometheus = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    /// assert_eq!(Format::from_accept(Some(prometheus)), Format::OpenMetrics);
    /// assert_eq!(Format::from_accept(Some("text/plain")), Format::Prometheus);
    /// assert_eq!(Format::from_accept(None), Format::Prometheus);
    /// ```
    pub fn from_accept(accept: Option<&str>) -> Format {
        let Some(accept) = accept else {
            return Format::Prometheus;
        };
        let mut best_openmetrics = 0.0f32;
        let mut best_text = 0.0f32;
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
            if bad_q || q <= 0.0 {
                continue;
            }
            let media = media.to_ascii_lowercase();
            match media.as_str() {
                "application/openmetrics-text" => {
                    if matches!(version, None | Some("1.0.0") | Some("0.0.1")) {
                        best_openmetrics = best_openmetrics.max(q);
                    }
                }
                "text/plain" => {
                    if matches!(version, None | Some("0.0.4")) {
                        best_text = best_text.max(q);
                    }
                }
                "text/*" | "*/*" => best_text = best_text.max(q),
                _ => {}
            }
        }
        if best_openmetrics > 0.0 && best_openmetrics >= best_text {
            Format::OpenMetrics
        } else {
            Format::Prometheus
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Format::{self, *};

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
            (Some("application/json, application/openmetrics-text;version=1.0.0;q=0.9"), OpenMetrics),
        ];
        for (accept, want) in cases {
            assert_eq!(Format::from_accept(*accept), *want, "Accept: {accept:?}");
        }
    }
}
