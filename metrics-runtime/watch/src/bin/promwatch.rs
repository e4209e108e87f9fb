//! `promwatch`: the live terminal dashboard over any Prometheus `/metrics`
//! page, or (`--once`) a plain-text reading of it for scripts; `promwatch
//! rules` and `promwatch dashboard` write a Prometheus rules file and a
//! Grafana dashboard generated from the page's metadata.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use promstrict_core::generate::{Catalog, DashboardOptions, RulesOptions};
use promstrict_core::Objective;
use promstrict_rules::objectives::{check_objective, LabelValues};

use promstrict_watch::dashboard::{Dashboard, DashboardConfig, DashboardState, StatusCounters};
use promstrict_watch::promql::{histogram_quantile, Bucket};
use promstrict_watch::sampler::{SamplerConfig, Snapshot, SnapshotValue};
use promstrict_watch::scrape::{catalog_of, ScrapeTarget};

/// Watch a Prometheus `/metrics` page: raw counters, the rates PromQL would
/// derive from them, gauges, histogram quantiles and alert panels, live in
/// the terminal (or one plain line per interval when stdout is not one).
#[derive(Debug, Parser)]
#[command(
    name = "promwatch",
    version,
    about,
    long_about = None,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,

    /// The page to watch, e.g. http://127.0.0.1:9464/metrics.
    #[arg(required = true)]
    url: Option<String>,

    /// Sent as `Authorization: Bearer <TOKEN>`.
    #[arg(long, env = "METRICS_TOKEN", hide_env_values = true)]
    bearer_token: Option<String>,

    /// Seconds between scrapes.
    #[arg(long, default_value_t = 1.0, value_parser = positive_seconds)]
    interval: f64,

    /// Seconds before a scrape is given up.
    #[arg(long, default_value_t = 2.0, value_parser = positive_seconds)]
    timeout: f64,

    /// The most stored time series tracked (each histogram bucket is one);
    /// series beyond it are counted, not stored.
    #[arg(long, default_value_t = SamplerConfig::default().max_series)]
    max_series: usize,

    /// The window rates and quantiles are computed over, in seconds.
    #[arg(long, value_parser = positive_seconds)]
    window: Option<f64>,

    /// Scrape once, print every series as plain text and exit (0 if the
    /// scrape succeeded).
    #[arg(long)]
    once: bool,

    /// Exit once the status counters say every task is processed, or once
    /// the target is gone (three failed scrapes in a row after answering).
    #[arg(long)]
    exit_when_done: bool,

    /// The status counters shown as `(failed - processed / total)`.
    #[arg(long, value_names = ["FAILED", "PROCESSED", "TOTAL"], num_args = 3)]
    status_counters: Option<Vec<String>>,

    /// The header's title.
    #[arg(long)]
    title: Option<String>,
}

/// Files generated from a page instead of watching it.
#[derive(Debug, Subcommand)]
enum Command {
    /// Write a Prometheus rules file (recording rules for every counter's
    /// rate and every histogram's quantiles, and the HTTP and LLM service
    /// alerts where their families are present).
    Rules(GenerateArgs),
    /// Write a Grafana dashboard (JSON, for import): a panel per family,
    /// chosen by its type.
    Dashboard(GenerateArgs),
}

#[derive(Debug, clap::Args)]
struct GenerateArgs {
    /// The page to read, e.g. http://127.0.0.1:9464/metrics.
    #[arg(long)]
    url: String,

    /// Where to write the file (default: standard output).
    #[arg(long)]
    out: Option<std::path::PathBuf>,

    /// Sent as `Authorization: Bearer <TOKEN>`.
    #[arg(long, env = "METRICS_TOKEN", hide_env_values = true)]
    bearer_token: Option<String>,

    /// Seconds before the scrape is given up.
    #[arg(long, default_value_t = 5.0, value_parser = positive_seconds)]
    timeout: f64,

    /// The dashboard's title.
    #[arg(long)]
    title: Option<String>,

    /// An objective of a family on the page, for SLO alerts and panels:
    /// `NAME:latency=THRESHOLD:PERCENT` (a histogram; the threshold is one of
    /// its `le` bounds) or `NAME:LABEL=BAD[,BAD…]:PERCENT` (a counter with
    /// that label). Repeatable.
    #[arg(long, value_name = "OBJECTIVE")]
    objective: Vec<String>,
}

/// `NAME:latency=0.25:99` or `NAME:status=5xx,503:99.9`, checked against the
/// page's family by the rule book.
fn parse_objective(spec: &str, catalog: &mut Catalog) -> Result<(), String> {
    let parts: Vec<&str> = spec.split(':').collect();
    let [name, what, percent] = parts.as_slice() else {
        return Err(format!(
            "objective `{spec}`: write `NAME:latency=0.25:99` or `NAME:status=5xx:99.9`"
        ));
    };
    let percent: f64 = percent
        .parse()
        .map_err(|_| format!("objective `{spec}`: `{percent}` is not a percentage"))?;
    let Some((key, value)) = what.split_once('=') else {
        return Err(format!(
            "objective `{spec}`: `{what}` is neither `latency=THRESHOLD` nor `LABEL=BAD`"
        ));
    };
    let objective = if key == "latency" {
        let threshold: f64 = value
            .parse()
            .map_err(|_| format!("objective `{spec}`: `{value}` is not a number"))?;
        Objective::latency(threshold, percent)
    } else {
        Objective::errors(key, value.split(','), percent)
    };
    let family = catalog
        .families
        .iter_mut()
        .find(|f| f.name == *name)
        .ok_or_else(|| format!("objective `{spec}`: the page has no family `{name}`"))?;
    let labels: Vec<LabelValues<'_>> = family
        .labels
        .iter()
        .map(|l| LabelValues {
            name: l,
            values: None,
        })
        .collect();
    check_objective(&objective, family.metric_type, &labels, &family.buckets)
        .map_err(|e| format!("objective `{spec}`: {e}"))?;
    family.objectives.push(objective);
    Ok(())
}

/// Scrapes the page once and writes the generated file.
fn generate(command: &Command) -> ExitCode {
    let (args, rules) = match command {
        Command::Rules(args) => (args, true),
        Command::Dashboard(args) => (args, false),
    };
    let target = match ScrapeTarget::new(&args.url) {
        Ok(target) => target.timeout(Duration::from_secs_f64(args.timeout)),
        Err(e) => {
            eprintln!("promwatch: {e}");
            return ExitCode::from(2);
        }
    };
    let target = match &args.bearer_token {
        Some(token) => target.bearer_token(token),
        None => target,
    };
    let families = match target.scrape_families() {
        Ok(families) => families,
        Err(e) => {
            eprintln!("promwatch: {}: {e}", args.url);
            return ExitCode::FAILURE;
        }
    };
    let mut catalog = catalog_of(&families);
    for spec in &args.objective {
        if let Err(e) = parse_objective(spec, &mut catalog) {
            eprintln!("promwatch: {e}");
            return ExitCode::from(2);
        }
    }
    let text = if rules {
        catalog.alert_rules(&RulesOptions::default())
    } else {
        let mut options = DashboardOptions {
            ungrouped_title: "Metrics".to_owned(),
            ..DashboardOptions::default()
        };
        if let Some(title) = &args.title {
            options.title = title.clone();
        }
        catalog.grafana_dashboard(&options)
    };
    let written = match &args.out {
        Some(path) => std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display())),
        None => {
            print!("{text}");
            Ok(())
        }
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("promwatch: {e}");
            ExitCode::FAILURE
        }
    }
}

fn positive_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 86_400.0 => Ok(v),
        _ => Err(format!(
            "`{s}` is not a number of seconds between 0 and 86400"
        )),
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(command) = &args.command {
        return generate(command);
    }
    // Required unless a subcommand is given (clap checks it).
    let Some(url) = args.url.as_deref() else {
        return ExitCode::from(2);
    };
    let target = match ScrapeTarget::new(url) {
        Ok(target) => target.timeout(Duration::from_secs_f64(args.timeout)),
        Err(e) => {
            eprintln!("promwatch: {e}");
            return ExitCode::from(2);
        }
    };
    let target = match &args.bearer_token {
        Some(token) => target.bearer_token(token),
        None => target,
    };
    if args.once {
        return match target.scrape() {
            Ok(snapshot) => {
                print!("{}", plain_text(&snapshot));
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("promwatch: {url}: {e}");
                ExitCode::FAILURE
            }
        };
    }
    match watch(target, &args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("promwatch: {e}");
            ExitCode::FAILURE
        }
    }
}

fn watch(target: ScrapeTarget, args: &Args) -> std::io::Result<()> {
    let defaults = SamplerConfig::default();
    let interval = Duration::from_secs_f64(args.interval);
    let mut config = DashboardConfig {
        sampler: SamplerConfig {
            interval,
            max_series: args.max_series,
            window: args
                .window
                .map_or(defaults.window.max(interval * 4), Duration::from_secs_f64),
            ..defaults
        },
        note: Some(format!(
            "promwatch: scraping every {}s",
            format_seconds(args.interval)
        )),
        exit_when_done: args.exit_when_done,
        ..DashboardConfig::default()
    };
    if let Some(title) = &args.title {
        config.title = title.clone();
    }
    if let Some([failed, processed, total]) = args.status_counters.as_deref() {
        config.status = StatusCounters {
            failed: failed.clone(),
            processed: processed.clone(),
            total: total.clone(),
        };
    }
    let exit_when_done = args.exit_when_done;
    let done = move |state: &DashboardState| {
        exit_when_done && (state.status().is_done() || state.target_gone())
    };
    Dashboard::watch(target, config).run_until(done)?;
    Ok(())
}

/// `1`, `0.5`, `2.25`: seconds without trailing zeros.
fn format_seconds(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Every series, one line each, sorted by name and labels: counters and
/// gauges with their value, histograms with count, sum and estimated
/// quantiles, summaries with count and sum.
fn plain_text(snapshot: &Snapshot) -> String {
    let mut lines: Vec<String> = snapshot
        .series()
        .iter()
        .map(|series| {
            let mut id = series.name.clone();
            if !series.labels.is_empty() {
                let labels: Vec<String> = series
                    .labels
                    .iter()
                    .map(|(k, v)| format!("{k}={v:?}"))
                    .collect();
                id = format!("{id}{{{}}}", labels.join(","));
            }
            let value = match &series.value {
                SnapshotValue::Counter(v) => format!("counter {}", number(*v)),
                SnapshotValue::Gauge(v) => format!("gauge {}", number(*v)),
                SnapshotValue::Untyped(v) => format!("untyped {}", number(*v)),
                SnapshotValue::Histogram {
                    buckets,
                    count,
                    sum,
                } => {
                    let buckets: Vec<Bucket> = buckets
                        .iter()
                        .map(|&(upper_bound, count)| Bucket { upper_bound, count })
                        .collect();
                    let q = |q: f64| histogram_quantile(q, &buckets).map_or("-".to_owned(), number);
                    format!(
                        "histogram count={} sum={} p50={} p90={} p99={}",
                        number(*count),
                        number(*sum),
                        q(0.5),
                        q(0.9),
                        q(0.99)
                    )
                }
                SnapshotValue::Summary { count, sum } => {
                    format!("summary count={} sum={}", number(*count), number(*sum))
                }
            };
            format!("{id} {value}")
        })
        .collect();
    lines.sort();
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_owned()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else {
        format!("{v}")
    }
}
