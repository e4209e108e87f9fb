//! Bad input at run time: refused with a clear error, and nothing lost or doubled.

use promstrict::{
    bounded_label, Buckets, Counter, Descriptor, Family, Format, Gauge, Histogram, Info,
    LabelDescriptor, LabelSet, LabelValue, MetricGroup, Registry, RegistryError, Summary,
};

#[test]
fn a_second_registration_of_a_name_is_an_error_and_keeps_the_first() {
    let registry = Registry::new();
    let first = registry
        .register("jobs_total", "Jobs.", Counter::new())
        .unwrap();
    first.inc();
    let second = Counter::new();
    let err = registry
        .register("jobs_total", "Jobs again.", second.clone())
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("metric `jobs_total` is already registered, by the registration at tests/registry_errors.rs:"),
        "{err}"
    );
    second.inc_by(100);
    let text = registry.encode(Format::Prometheus);
    assert_eq!(
        text.matches("jobs_total").count(),
        3,
        "one HELP, one TYPE, one sample:\n{text}"
    );
    assert!(text.contains("jobs_total 1\n"));
    assert!(text.contains("# HELP jobs_total Jobs.\n"));
}

#[test]
fn names_that_would_clash_in_the_exposition_are_duplicates() {
    let registry = Registry::new();
    registry
        .register("queue_total", "Queue.", Counter::new())
        .unwrap();
    // OpenMetrics names the counter family `queue`: a gauge `queue` would clash.
    let err = registry
        .register("queue", "Depth.", Gauge::new())
        .unwrap_err();
    assert!(
        matches!(&err, RegistryError::Duplicate { clash, existing, .. } if clash == "queue" && existing == "queue_total"),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("which metric `queue_total` (registered by the registration at tests/registry_errors.rs:"),
        "{err}"
    );
    registry
        .register("latency_seconds", "Latency.", Histogram::default())
        .unwrap();
    // A histogram named `latency_seconds_bucket`... clashes with nothing, but a
    // summary `latency_seconds` does (same family and `_count`/`_sum`).
    assert!(registry
        .register("latency_seconds", "Again.", Summary::default())
        .is_err());
    assert_eq!(registry.len(), 2);
}

#[test]
fn a_group_is_registered_whole_or_not_at_all() {
    let registry = Registry::new();
    registry
        .register("beta_total", "B.", Counter::new())
        .unwrap();
    let mut group = MetricGroup::new();
    group
        .add(Descriptor::new("alpha_total", "A."), &Counter::new())
        .add(Descriptor::new("beta_total", "B again."), &Counter::new())
        .add(Descriptor::new("gamma", "C."), &Gauge::new());
    assert!(registry.register_group(group).is_err());
    assert_eq!(registry.names(), vec!["beta_total".to_owned()]);

    // Duplicates inside one group are caught too.
    let mut group = MetricGroup::new();
    group
        .add(Descriptor::new("depth", "D."), &Gauge::new())
        .add(Descriptor::new("depth", "D."), &Gauge::new());
    assert!(matches!(
        registry.register_group(group),
        Err(RegistryError::Duplicate { .. })
    ));
    assert_eq!(registry.len(), 1);
}

#[test]
fn invalid_names_and_descriptions_are_refused_with_the_fix() {
    let registry = Registry::new();
    let cases: Vec<(Result<(), RegistryError>, &str)> = vec![
        (
            registry.register("jobs", "Jobs.", Counter::new()).map(drop),
            "ends in `_total`",
        ),
        (
            registry
                .register("depth_total", "Depth.", Gauge::new())
                .map(drop),
            "only counters end in `_total`",
        ),
        (
            registry
                .register("build", "Build.", Info::default())
                .map(drop),
            "ends in `_info`",
        ),
        (
            registry
                .register("jobs-done_total", "Jobs.", Counter::new())
                .map(drop),
            "may only contain lowercase ASCII letters, digits and `_`: write `jobs_done_total`",
        ),
        (
            registry.register("", "Nothing.", Gauge::new()).map(drop),
            "cannot be empty",
        ),
        (
            registry
                .register("__secret", "Hidden.", Gauge::new())
                .map(drop),
            "reserved for Prometheus",
        ),
        (
            registry
                .register("rows_count", "Rows.", Gauge::new())
                .map(drop),
            "reserved suffix",
        ),
        (
            registry.register("rows", "  ", Gauge::new()).map(drop),
            "no help text",
        ),
        (
            registry
                .register_with(
                    Descriptor::new("size_bytes", "Size.").unit("seconds"),
                    Gauge::new(),
                )
                .map(drop),
            "the unit is `seconds` but the name ends in `_bytes`: make them agree",
        ),
        (
            registry
                .register_with(
                    Descriptor::new("size_Bytes", "Size.").unit("Bytes"),
                    Gauge::new(),
                )
                .map(drop),
            "snake_case, not camelCase: write `size_bytes`",
        ),
        (
            registry
                .register_with(
                    Descriptor::new("build_info", "Build.").unit("info"),
                    Info::default(),
                )
                .map(drop),
            "no unit",
        ),
        (
            registry
                .register_with(
                    Descriptor::new("latency_seconds", "L.").const_label("le", "1"),
                    Histogram::default(),
                )
                .map(drop),
            "`le` is reserved",
        ),
        (
            registry
                .register_with(
                    Descriptor::new("up", "Up.")
                        .const_label("a", "1")
                        .const_label("a", "2"),
                    Gauge::new(),
                )
                .map(drop),
            "used twice",
        ),
    ];
    for (result, fragment) in cases {
        let err = result.expect_err(fragment);
        assert!(
            err.to_string().contains(fragment),
            "`{err}` lacks `{fragment}`"
        );
    }
    assert!(
        registry.is_empty(),
        "a refused registration left something behind"
    );
    assert!(Registry::new().with_const_label("bad-name", "x").is_err());
}

#[derive(Clone, Copy)]
struct Le {
    le: bool,
}
impl LabelSet for Le {
    const LABELS: &'static [LabelDescriptor] = &[LabelDescriptor::of::<bool>("le")];
    fn index(&self) -> usize {
        self.le.index()
    }
}

#[derive(Clone, Copy)]
struct Tier {
    tier: bool,
}
impl LabelSet for Tier {
    const LABELS: &'static [LabelDescriptor] = &[LabelDescriptor::of::<bool>("tier")];
    fn index(&self) -> usize {
        self.tier.index()
    }
}

#[test]
fn a_histogram_family_cannot_use_le_and_const_labels_cannot_shadow_family_labels() {
    let registry = Registry::new();
    let family: Family<Le, Histogram> = Family::with_options(Buckets::default());
    let err = registry.register("x_seconds", "X.", family).unwrap_err();
    assert!(
        err.to_string()
            .contains("`le` is reserved: histograms use it for their bucket bounds"),
        "{err}"
    );
    let family: Family<Le, Counter> = Family::default();
    let err = registry
        .register_with(
            Descriptor::new("x_total", "X.").const_label("tier", "a"),
            Family::<Tier, Counter>::default(),
        )
        .unwrap_err();
    assert!(err.to_string().contains("used twice"), "{err}");
    // `le` is reserved on every metric, as the derive refuses it everywhere.
    let err = registry.register("y_total", "Y.", family).unwrap_err();
    assert!(err.to_string().contains("`le` is reserved"), "{err}");
}

bounded_label! {
    struct Tenant { max: 8, overflow: "other" }
}

#[derive(Clone, Copy)]
struct TenantLabels {
    tenant: Tenant,
}
impl LabelSet for TenantLabels {
    const LABELS: &'static [LabelDescriptor] = &[LabelDescriptor::of::<Tenant>("tenant")];
    fn index(&self) -> usize {
        self.tenant.index()
    }
}

#[test]
fn over_cap_bounded_labels_fold_into_one_series() {
    let registry = Registry::new();
    let requests: Family<TenantLabels, Counter> = registry
        .register(
            "tenant_requests_total",
            "Requests per tenant.",
            Family::default(),
        )
        .unwrap();
    for i in 0..100_000 {
        let tenant = Tenant::new(&format!("tenant-{}", i % 50));
        requests.labels(TenantLabels { tenant }).inc();
    }
    let text = registry.encode(Format::Prometheus);
    let series: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(series.len(), 9, "8 tenants and the overflow:\n{text}");
    // 8 named tenants got 2 000 each; the other 42 were folded.
    assert!(
        text.contains("tenant_requests_total{tenant=\"tenant-0\"} 2000\n"),
        "{text}"
    );
    assert!(
        text.contains("tenant_requests_total{tenant=\"other\"} 84000\n"),
        "{text}"
    );
    assert_eq!(Tenant::interner().len(), 8);
}
