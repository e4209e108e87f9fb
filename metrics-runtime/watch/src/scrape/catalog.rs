//! A scraped page's metadata as a [`Catalog`], so the alert rules and the
//! Grafana dashboard the registry generates can be generated for any target.

use promstrict_core::generate::{Catalog, CatalogFamily};
use promstrict_core::MetricType;

use super::parse::{FamilyType, ParsedFamily};

/// The families of a parsed page as the generators see them: their types,
/// units, help, label names and (for histograms) `le` bounds. A page carries
/// no objectives, and OpenMetrics-only types (info, stateset,
/// gaugehistogram) are left out; untyped families count as gauges.
///
/// ```
/// use promstrict_watch::scrape::{catalog_of, parse_text};
///
/// let page = concat!(
///     "# TYPE http_requests_total counter\n",
///     "http_requests_total{method=\"get\",status=\"2xx\"} 3\n",
///     "# TYPE latency_seconds histogram\n",
///     "latency_seconds_bucket{le=\"0.1\"} 1\n",
///     "latency_seconds_bucket{le=\"+Inf\"} 2\n",
///     "latency_seconds_count 2\n",
///     "latency_seconds_sum 0.3\n",
/// );
/// let catalog = catalog_of(&parse_text(page)?);
/// assert_eq!(catalog.families[0].name, "http_requests_total");
/// assert_eq!(catalog.families[0].labels, ["method", "status"]);
/// assert_eq!(catalog.families[1].buckets, [0.1]);
/// # Ok::<(), promstrict_watch::scrape::ParseError>(())
/// ```
pub fn catalog_of(families: &[ParsedFamily]) -> Catalog {
    let families = families
        .iter()
        .filter_map(|family| {
            let metric_type = match family.family_type {
                FamilyType::Counter => MetricType::Counter,
                FamilyType::Gauge | FamilyType::Untyped => MetricType::Gauge,
                FamilyType::Histogram => MetricType::Histogram,
                FamilyType::Summary => MetricType::Summary,
                FamilyType::Other => return None,
            };
            let name = match metric_type {
                // Prometheus' text format names the family after the
                // samples (`…_total`), OpenMetrics without the suffix.
                MetricType::Counter if !family.name.ends_with("_total") => {
                    format!("{}_total", family.name)
                }
                _ => family.name.clone(),
            };
            let mut labels: Vec<String> = Vec::new();
            let mut buckets: Vec<f64> = Vec::new();
            for sample in &family.samples {
                for (label, value) in &sample.labels {
                    if label == "le" && metric_type == MetricType::Histogram {
                        if let Ok(bound) = value.parse::<f64>() {
                            if bound.is_finite() && !buckets.contains(&bound) {
                                buckets.push(bound);
                            }
                        }
                        continue;
                    }
                    if label == "quantile" && metric_type == MetricType::Summary {
                        continue;
                    }
                    if !labels.contains(label) {
                        labels.push(label.clone());
                    }
                }
            }
            buckets.sort_by(f64::total_cmp);
            Some(CatalogFamily {
                name,
                metric_type,
                help: family.help.clone().unwrap_or_default(),
                unit: family.unit.clone().filter(|u| !u.is_empty()),
                labels,
                buckets,
                objectives: Vec::new(),
                group: None,
            })
        })
        .collect();
    Catalog { families }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scrape::parse_text;

    #[test]
    fn openmetrics_counters_get_their_total_and_other_types_are_left_out() {
        let page = "# TYPE jobs counter\njobs_total{queue=\"a\"} 1\njobs_created{queue=\"a\"} 1\n# TYPE build info\nbuild_info{version=\"1\"} 1\n# TYPE temp gauge\n# UNIT temp celsius\ntemp 3\n# EOF\n";
        let catalog = catalog_of(&parse_text(page).unwrap());
        let names: Vec<&str> = catalog.families.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["jobs_total", "temp"]);
        assert_eq!(catalog.families[0].labels, ["queue"]);
        assert_eq!(catalog.families[1].unit.as_deref(), Some("celsius"));
    }
}
