//! The Pushgateway client against a real Pushgateway: a push shows our
//! series with the grouping labels on the gateway's `/metrics`, push-add
//! merges, push replaces, delete removes, a grouping value with `/` (or an
//! empty one) round-trips through base64, a refused push is an `Err` with the
//! gateway's status and reason, and the blocking API works inside a tokio
//! runtime too. Also the `push_batch_job` example, run in-process.
//!
//! Needs `/usr/bin/prometheus-pushgateway` (Debian's `prometheus-pushgateway`
//! package; `scripts/test` installs it): skipped with a message without it, a
//! failure under `CI=true`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use metrics_toolkit::{free_loopback_port, http_request, poll_until, pushgateway, ChildGuard};
use promstrict::push::{Grouping, PushError, Pushgateway};
use promstrict::{Buckets, Counter, Gauge, Histogram, Registry};

#[allow(dead_code)]
#[path = "../examples/push_batch_job.rs"]
mod push_batch_job;

/// A running Pushgateway on a free loopback port.
struct Gateway {
    addr: SocketAddr,
    _process: ChildGuard,
}

impl Gateway {
    fn start() -> Option<Gateway> {
        let bin = pushgateway()?;
        let addr: SocketAddr = ([127, 0, 0, 1], free_loopback_port()).into();
        let child = Command::new(bin)
            .arg(format!("--web.listen-address={addr}"))
            .arg("--log.level=warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the pushgateway started");
        let mut process = ChildGuard::new(child, "pushgateway");
        let ready = poll_until(Duration::from_secs(30), Duration::from_millis(100), || {
            process.assert_running();
            let r = http_request(addr, "GET", "/-/ready", &[]).ok()?;
            (r.status == 200).then_some(())
        });
        assert!(ready.is_some(), "the pushgateway did not become ready");
        Some(Gateway {
            addr,
            _process: process,
        })
    }

    fn client(&self) -> Pushgateway {
        Pushgateway::builder(format!("http://{}", self.addr))
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap()
    }

    /// The samples on the gateway's `/metrics` named `name`, as label maps
    /// and values.
    fn series(&self, name: &str) -> Vec<(BTreeMap<String, String>, f64)> {
        let page = http_request(self.addr, "GET", "/metrics", &[]).expect("GET /metrics");
        assert_eq!(page.status, 200);
        page.text()
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(parse_line)
            .filter(|(n, _, _)| n == name)
            .map(|(_, labels, value)| (labels, value))
            .collect()
    }
}

/// `name{a="x",b="y"} value` (label values without `"`, `,` or `\`).
fn parse_line(line: &str) -> Option<(String, BTreeMap<String, String>, f64)> {
    let (head, value) = line.rsplit_once(' ')?;
    let value: f64 = value.parse().ok()?;
    let (name, labels) = match head.split_once('{') {
        Some((name, rest)) => (name, rest.strip_suffix('}')?),
        None => (head, ""),
    };
    let labels = labels
        .split(',')
        .filter(|p| !p.is_empty())
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            Some((k.to_owned(), v.trim_matches('"').to_owned()))
        })
        .collect();
    Some((name.to_owned(), labels, value))
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn push_push_add_replace_and_delete() {
    let Some(gateway) = Gateway::start() else {
        return;
    };
    let client = gateway.client();
    let group = Grouping::job("nightly_backup").label("shard", "eu-1");

    let first = Registry::new();
    first
        .register("backup_rows_total", "Rows backed up.", Counter::new())
        .unwrap()
        .inc_by(1200);
    client.push_blocking(&group, &first).unwrap();
    let grouping = [
        ("instance", ""),
        ("job", "nightly_backup"),
        ("shard", "eu-1"),
    ];
    assert_eq!(
        gateway.series("backup_rows_total"),
        vec![(labels(&grouping), 1200.0)]
    );

    // push-add: another metric joins, the first stays.
    let second = Registry::new();
    second
        .register(
            "backup_last_size_bytes",
            "Size of the last backup.",
            Gauge::new(),
        )
        .unwrap()
        .set(4096);
    client.push_add_blocking(&group, &second).unwrap();
    assert_eq!(
        gateway.series("backup_rows_total"),
        vec![(labels(&grouping), 1200.0)]
    );
    assert_eq!(
        gateway.series("backup_last_size_bytes"),
        vec![(labels(&grouping), 4096.0)]
    );

    // push: the group is replaced.
    client.push_blocking(&group, &second).unwrap();
    assert_eq!(gateway.series("backup_rows_total"), vec![]);
    assert_eq!(
        gateway.series("backup_last_size_bytes"),
        vec![(labels(&grouping), 4096.0)]
    );

    // delete: the group is gone.
    client.delete_blocking(&group).unwrap();
    assert_eq!(gateway.series("backup_last_size_bytes"), vec![]);
}

#[test]
fn values_with_slashes_and_empty_values_round_trip_through_base64() {
    let Some(gateway) = Gateway::start() else {
        return;
    };
    let client = gateway.client();
    let registry = Registry::new();
    registry
        .register("files_scanned_total", "Files scanned.", Counter::new())
        .unwrap()
        .inc_by(7);
    let group = Grouping::job("scan/daily")
        .label("path", "/var/lib/data")
        .label("instance", "")
        .label("note", "a b?c");
    client.push_blocking(&group, &registry).unwrap();
    assert_eq!(
        gateway.series("files_scanned_total"),
        vec![(
            labels(&[
                ("instance", ""),
                ("job", "scan/daily"),
                ("note", "a b?c"),
                ("path", "/var/lib/data"),
            ]),
            7.0
        )]
    );
    client.delete_blocking(&group).unwrap();
    assert_eq!(gateway.series("files_scanned_total"), vec![]);
}

#[test]
fn a_refused_push_is_an_error_with_the_status_and_reason() {
    let Some(gateway) = Gateway::start() else {
        return;
    };
    let client = gateway.client();
    let one = Registry::new();
    one.register("work_seconds", "Work time.", Gauge::<f64>::default())
        .unwrap()
        .set(1.5);
    client.push_blocking(&Grouping::job("a"), &one).unwrap();

    // The same name as another type, in another group: the gateway refuses
    // it as inconsistent.
    let other = Registry::new();
    other
        .register(
            "work_seconds",
            "Work time.",
            Histogram::new(Buckets::new(&[1.0]).unwrap()),
        )
        .unwrap()
        .observe(0.5);
    let err = client
        .push_blocking(&Grouping::job("b"), &other)
        .unwrap_err();
    match &err {
        PushError::Status { status, body } => {
            assert_eq!(*status, 400, "{err}");
            assert!(body.contains("inconsistent"), "{err}");
        }
        other => panic!("expected a status error, got {other:?}"),
    }
    assert_eq!(err.status(), Some(400));

    // A grouping key breaking the naming rules is refused before sending.
    let bad = client.push_blocking(&Grouping::job("a").label("Bad-Name", "x"), &one);
    assert!(matches!(bad, Err(PushError::Grouping(_))), "{bad:?}");
}

#[test]
fn async_api_blocking_api_inside_a_runtime_and_the_drop_guard() {
    let Some(gateway) = Gateway::start() else {
        return;
    };
    let client = gateway.client();
    let registry = Arc::new(Registry::new());
    let runs = registry
        .register("cleanup_runs_total", "Cleanup runs.", Counter::new())
        .unwrap();
    runs.inc();

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        // The async API.
        client
            .push(&Grouping::job("async"), &registry)
            .await
            .unwrap();
        // The blocking API, called from inside the runtime: no panic.
        client
            .push_blocking(&Grouping::job("blocking_in_runtime"), &registry)
            .unwrap();
        // The guard, dropped inside the runtime.
        let guard = client.push_on_drop(Grouping::job("guard_in_runtime"), &registry);
        runs.inc();
        drop(guard);
    });
    {
        let _guard = client.push_on_drop(Grouping::job("guard"), &registry);
        runs.inc();
    }
    let mut jobs: Vec<(String, f64)> = gateway
        .series("cleanup_runs_total")
        .into_iter()
        .map(|(l, v)| (l["job"].clone(), v))
        .collect();
    jobs.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        jobs,
        vec![
            ("async".to_owned(), 1.0),
            ("blocking_in_runtime".to_owned(), 1.0),
            ("guard".to_owned(), 3.0),
            ("guard_in_runtime".to_owned(), 2.0),
        ]
    );
}

#[test]
fn the_batch_job_example_pushes_its_metrics() {
    let Some(gateway) = Gateway::start() else {
        return;
    };
    push_batch_job::run(&format!("http://{}", gateway.addr), 25).unwrap();
    let processed = gateway.series("batch_items_processed_total");
    assert_eq!(processed.len(), 1, "{processed:?}");
    assert_eq!(processed[0].0["job"], "push_batch_job");
    assert_eq!(processed[0].1, 25.0);
    let last = gateway.series("batch_last_success_timestamp_seconds");
    assert_eq!(last.len(), 1);
    assert!(last[0].1 > 1.5e9, "{last:?}");
}
