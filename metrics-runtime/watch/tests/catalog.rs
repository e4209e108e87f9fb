//! A scraped page's catalog matches the registry's own: the same names,
//! types, units, labels and bucket bounds, in both exposition formats, so
//! `promwatch rules` writes the expressions `Registry::alert_rules` writes.

use promstrict_core::generate::{Catalog, RulesOptions};
use promstrict_core::{
    Buckets, Counter, Descriptor, Family, Format, Gauge, Histogram, LabelSet, LabelValue, Registry,
    Summary,
};
use promstrict_watch::scrape::{catalog_of, parse_text};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
enum Method {
    Get,
    Post,
}

#[derive(Clone, Copy, Debug, LabelSet)]
struct MethodLabels {
    method: Method,
    ok: bool,
}

fn registry() -> Registry {
    let registry = Registry::with_namespace("shop");
    let requests = registry
        .register(
            "requests_total",
            "Requests.",
            Family::<MethodLabels, Counter>::default(),
        )
        .unwrap();
    requests
        .labels(MethodLabels {
            method: Method::Get,
            ok: true,
        })
        .inc();
    let latency = registry
        .register(
            "latency_seconds",
            "Latency.",
            Family::<MethodLabels, Histogram>::with_options(
                Buckets::new(&[0.005, 0.25, 1.0, 2.5]).unwrap(),
            ),
        )
        .unwrap();
    latency
        .labels(MethodLabels {
            method: Method::Post,
            ok: false,
        })
        .observe(0.3);
    registry
        .register_with(
            Descriptor::new("queue_bytes", "Queued bytes.").unit("bytes"),
            Gauge::new(),
        )
        .unwrap()
        .set(3);
    registry
        .register("payload_bytes", "Payloads.", Summary::default())
        .unwrap()
        .observe(10.0);
    registry
}

/// The registry's catalog without what a page cannot carry.
fn scrapeable(mut catalog: Catalog) -> Catalog {
    for family in &mut catalog.families {
        family.objectives.clear();
        family.group = None;
        family.help.clear();
    }
    catalog
}

#[test]
fn a_scraped_catalog_matches_the_registrys() {
    let registry = registry();
    let expected = scrapeable(registry.catalog());
    for format in [Format::Prometheus, Format::OpenMetrics] {
        let mut scraped = catalog_of(&parse_text(&registry.encode(format)).unwrap());
        for family in &mut scraped.families {
            family.help.clear();
            // The text format has no `# UNIT`; the generators read the unit
            // from the name then.
            if format == Format::Prometheus {
                family.unit = expected
                    .families
                    .iter()
                    .find(|f| f.name == family.name)
                    .and_then(|f| f.unit.clone());
            }
        }
        assert_eq!(scraped, expected, "{format:?}");
        assert_eq!(
            scraped.alert_rules(&RulesOptions::default()),
            expected.alert_rules(&RulesOptions::default())
        );
    }
}
