//! `#[instrument_latency(native)]` and `native(…)`: the built-in families'
//! durations as native histograms; `metric = …` a `NativeHistogram` of yours.

use promstrict::{instrument_latency, Family, LabelSet, LabelValue, NativeHistogram, Registry};
use std::sync::LazyLock;

#[derive(Clone, Copy, Debug, PartialEq, Eq, LabelValue)]
enum Model {
    Small,
    Large,
}

#[derive(Clone, Copy, Debug, LabelSet)]
struct ModelLabels {
    model: Model,
}

static REGISTRY: LazyLock<Registry> = LazyLock::new(Registry::new);
static LATENCY: LazyLock<NativeHistogram> = LazyLock::new(|| {
    REGISTRY
        .register("job_seconds", "Job latency.", NativeHistogram::default())
        .unwrap()
});
static BY_MODEL: LazyLock<Family<ModelLabels, NativeHistogram>> = LazyLock::new(|| {
    REGISTRY
        .register("model_seconds", "Model latency.", Family::default())
        .unwrap()
});

#[instrument_latency(native)]
fn bare() {}

#[instrument_latency(native(schema = 1, max_buckets = 80, zero_threshold = 1e-9), buckets = "fast")]
async fn with_classic_beside() {}

#[instrument_latency(metric = LATENCY)]
fn job() {}

#[instrument_latency(metric = BY_MODEL, labels = ModelLabels { model })]
fn complete(model: Model) -> usize {
    model as usize
}

fn main() {
    bare();
    drop(with_classic_beside());
    job();
    assert_eq!(complete(Model::Large), 1);
    assert_eq!(LATENCY.count(), 1);
    assert_eq!(BY_MODEL.labels(ModelLabels { model: Model::Small }).count(), 0);
}
