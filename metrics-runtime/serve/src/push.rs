//! A [Pushgateway](https://github.com/prometheus/pushgateway) client, for
//! batch jobs that end before Prometheus could scrape them: the job pushes
//! its registry (in the text format 0.0.4) to the gateway, which Prometheus
//! scrapes instead.
//!
//! | call | HTTP | what the gateway does |
//! |------|------|-----------------------|
//! | [`Pushgateway::push`] | `PUT` | replaces every metric of the group |
//! | [`Pushgateway::push_add`] | `POST` | replaces only the metrics of the same names |
//! | [`Pushgateway::delete`] | `DELETE` | removes the group |
//!
//! A group is a [`Grouping`]: the `job` label and any further labels, sent in
//! the URL path (`/metrics/job/<job>/<label>/<value>…`). A value with a `/`,
//! or an empty one, is sent base64-encoded as the gateway expects
//! (`<label>@base64/<value>`).
//!
//! Every call has an async form and a blocking one (`*_blocking`) for plain
//! `fn main` programs, which also works inside a tokio runtime (it then runs
//! on a thread of its own). [`Pushgateway::push_on_drop`] pushes when the job
//! ends, however it ends.
//!
//! ```no_run
//! # mod promstrict { pub use promstrict_core::*; pub use promstrict_serve::push; }
//! use promstrict::push::{Grouping, Pushgateway};
//! use promstrict::{Counter, Registry};
//!
//! let registry = Registry::new();
//! let rows = registry.register("backup_rows_total", "Rows backed up.", Counter::new())?;
//! rows.inc_by(1200);
//!
//! let gateway = Pushgateway::builder("http://127.0.0.1:9091").build()?;
//! let group = Grouping::job("nightly_backup").label("shard", "eu-1");
//! gateway.push_blocking(&group, &registry)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The client speaks plain HTTP; put a TLS proxy in front of a gateway
//! reached over https.

use std::fmt;
use std::io::Write as _;
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use http::Method;
use promstrict_core::{check_label_name, Format, Registry};

use crate::client::{block_on, Auth, BaseUrl, HttpClient, SendError, ERROR_BODY_LIMIT};
use crate::RegistryRef;

/// The default timeout of one request: 10 seconds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a push, push-add or delete failed. Nothing is retried: the caller
/// decides.
#[derive(Debug)]
#[non_exhaustive]
pub enum PushError {
    /// The gateway's URL or the credentials cannot be used.
    Config(String),
    /// A label of the grouping key cannot be used (its name breaks the
    /// naming rules, or the job name is empty).
    Grouping(String),
    /// The gateway answered with a status other than 2xx.
    Status {
        /// The status code.
        status: u16,
        /// The start of the answer's body (at most 1 KiB).
        body: String,
    },
    /// Connecting or talking to the gateway failed.
    Transport(String),
    /// No complete answer within the timeout.
    Timeout(Duration),
}

impl fmt::Display for PushError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PushError::Config(why) => write!(f, "pushgateway client: {why}"),
            PushError::Grouping(why) => write!(f, "pushgateway grouping key: {why}"),
            PushError::Status { status, body } if body.is_empty() => {
                write!(f, "the pushgateway answered {status}")
            }
            PushError::Status { status, body } => {
                write!(f, "the pushgateway answered {status}: {body}")
            }
            PushError::Transport(why) => write!(f, "pushgateway unreachable: {why}"),
            PushError::Timeout(after) => {
                write!(f, "the pushgateway did not answer within {after:?}")
            }
        }
    }
}

impl std::error::Error for PushError {}

impl PushError {
    /// The HTTP status, when the gateway answered with a non-2xx one.
    pub fn status(&self) -> Option<u16> {
        match self {
            PushError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// A Pushgateway group: the `job` label and further grouping labels, in the
/// order given.
///
/// Names are checked when a request is made: each label name must pass the
/// naming rules (snake_case, not `le`, `quantile` or starting with `_`;
/// `instance` is allowed, as it is the usual grouping label), must not repeat,
/// and must not be `job`, and the job name must not be empty. A breach is a
/// [`PushError::Grouping`], with nothing sent.
///
/// ```
/// # use promstrict_serve::push::Grouping;
/// let group = Grouping::job("backup").label("instance", "db-1").label("path", "/var/lib");
/// assert_eq!(
///     group.path().unwrap(),
///     "/metrics/job/backup/instance/db-1/path@base64/L3Zhci9saWI="
/// );
/// assert!(Grouping::job("backup").label("Bad-Name", "x").path().is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grouping {
    job: String,
    labels: Vec<(String, String)>,
}

impl Grouping {
    /// A group of the job named `job`.
    pub fn job(job: impl Into<String>) -> Self {
        Grouping {
            job: job.into(),
            labels: Vec::new(),
        }
    }

    /// Adds the grouping label `name="value"`.
    #[must_use]
    pub fn label(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.push((name.into(), value.into()));
        self
    }

    /// The job name.
    pub fn job_name(&self) -> &str {
        &self.job
    }

    /// The grouping labels other than `job`, in order.
    pub fn labels(&self) -> &[(String, String)] {
        &self.labels
    }

    /// The path of the group on the gateway (`/metrics/job/…`), or why the
    /// grouping key cannot be used.
    pub fn path(&self) -> Result<String, PushError> {
        if self.job.is_empty() {
            return Err(PushError::Grouping("the job name is empty".to_owned()));
        }
        let mut path = String::from("/metrics");
        push_segment(&mut path, "job", &self.job);
        for (i, (name, value)) in self.labels.iter().enumerate() {
            if name == "job" {
                return Err(PushError::Grouping(
                    "`job` is set by `Grouping::job`, not as a label".to_owned(),
                ));
            }
            if name != "instance" {
                check_label_name(name).map_err(|e| PushError::Grouping(e.to_string()))?;
            }
            if self.labels[..i].iter().any(|(n, _)| n == name) {
                return Err(PushError::Grouping(format!(
                    "the label `{name}` is given twice"
                )));
            }
            push_segment(&mut path, name, value);
        }
        Ok(path)
    }
}

/// Appends `/<name>/<value>`, or `/<name>@base64/<value in base64url>` when
/// the value cannot be a path segment as it is.
fn push_segment(path: &mut String, name: &str, value: &str) {
    path.push('/');
    path.push_str(name);
    let plain = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'));
    if plain {
        path.push('/');
        path.push_str(value);
    } else if value.is_empty() {
        // The gateway's spelling of an empty value (a path segment cannot be
        // empty).
        path.push_str("@base64/=");
    } else {
        path.push_str("@base64/");
        path.push_str(&base64::engine::general_purpose::URL_SAFE.encode(value));
    }
}

/// Configures a [`Pushgateway`]; made by [`Pushgateway::builder`].
#[derive(Clone, Debug)]
#[must_use]
pub struct PushgatewayBuilder {
    url: String,
    auth: Option<Auth>,
    timeout: Duration,
}

impl PushgatewayBuilder {
    /// HTTP basic auth on every request.
    pub fn basic_auth(mut self, username: impl Into<String>, password: impl Into<String>) -> Self {
        self.auth = Some(Auth::Basic {
            username: username.into(),
            password: password.into(),
        });
        self
    }

    /// A bearer token on every request.
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.auth = Some(Auth::Bearer(token.into()));
        self
    }

    /// The longest one request may take, connecting and reading the answer
    /// included (default [`DEFAULT_TIMEOUT`]; zero is taken as one
    /// millisecond).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// The client, or a [`PushError::Config`] for a URL that is not
    /// `http://host[:port][/prefix]` or credentials that cannot be a header.
    pub fn build(self) -> Result<Pushgateway, PushError> {
        let base = BaseUrl::parse(&self.url).map_err(PushError::Config)?;
        let auth = self
            .auth
            .as_ref()
            .map(Auth::header_value)
            .transpose()
            .map_err(PushError::Config)?;
        Ok(Pushgateway {
            base,
            client: HttpClient::new(auth, self.timeout),
            timeout: self.timeout,
        })
    }
}

/// A Pushgateway client; see the [module](self) documentation.
///
/// Cloning is cheap and shares the connection pool. The async methods need a
/// tokio runtime with I/O and timers enabled; the `*_blocking` ones start
/// their own.
#[derive(Clone, Debug)]
pub struct Pushgateway {
    base: BaseUrl,
    client: HttpClient,
    timeout: Duration,
}

impl Pushgateway {
    /// Starts configuring a client of the gateway at `url`
    /// (`http://host:9091`, optionally with a path prefix).
    pub fn builder(url: impl Into<String>) -> PushgatewayBuilder {
        PushgatewayBuilder {
            url: url.into(),
            auth: None,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// `PUT`: replaces every metric of the group with `registry`'s.
    pub async fn push(&self, grouping: &Grouping, registry: &Registry) -> Result<(), PushError> {
        self.request(Method::PUT, grouping, Some(registry)).await
    }

    /// `POST`: replaces the group's metrics that have the same names as
    /// `registry`'s, keeping the others.
    pub async fn push_add(
        &self,
        grouping: &Grouping,
        registry: &Registry,
    ) -> Result<(), PushError> {
        self.request(Method::POST, grouping, Some(registry)).await
    }

    /// `DELETE`: removes the group and all its metrics.
    pub async fn delete(&self, grouping: &Grouping) -> Result<(), PushError> {
        self.request(Method::DELETE, grouping, None).await
    }

    /// [`push`](Self::push), blocking the calling thread.
    pub fn push_blocking(&self, grouping: &Grouping, registry: &Registry) -> Result<(), PushError> {
        self.request_blocking(Method::PUT, grouping, Some(registry))
    }

    /// [`push_add`](Self::push_add), blocking the calling thread.
    pub fn push_add_blocking(
        &self,
        grouping: &Grouping,
        registry: &Registry,
    ) -> Result<(), PushError> {
        self.request_blocking(Method::POST, grouping, Some(registry))
    }

    /// [`delete`](Self::delete), blocking the calling thread.
    pub fn delete_blocking(&self, grouping: &Grouping) -> Result<(), PushError> {
        self.request_blocking(Method::DELETE, grouping, None)
    }

    /// A guard that [pushes](Self::push) `registry` when dropped: at the end
    /// of `main`, on an early `return` or `?`, or while unwinding from a
    /// panic. The push is bounded by the timeout and its error, if any, is
    /// written to stderr; [`PushOnDrop::push_now`] pushes and returns the
    /// result instead.
    ///
    /// ```no_run
    /// # use promstrict_serve::push::{Grouping, Pushgateway};
    /// # use promstrict_core::{Counter, Registry};
    /// use std::sync::Arc;
    ///
    /// let registry = Arc::new(Registry::new());
    /// let gateway = Pushgateway::builder("http://127.0.0.1:9091").build()?;
    /// let _push = gateway.push_on_drop(Grouping::job("cleanup"), &registry);
    /// let removed = registry.register("cleanup_files_removed_total", "Files removed.", Counter::new())?;
    /// removed.inc_by(3);
    /// // …the job's work; the registry is pushed when `_push` goes out of scope.
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn push_on_drop(&self, grouping: Grouping, registry: impl Into<RegistryRef>) -> PushOnDrop {
        PushOnDrop {
            inner: Some((self.clone(), grouping, registry.into())),
        }
    }

    fn request_blocking(
        &self,
        method: Method,
        grouping: &Grouping,
        registry: Option<&Registry>,
    ) -> Result<(), PushError> {
        // Encode here, so the future owns only what it sends.
        let path = grouping.path()?;
        let body = registry.map(|r| Bytes::from(r.encode(Format::Prometheus)));
        // A fresh client: a pooled connection belongs to the runtime that
        // opened it, and this runtime ends with the call.
        let client = self.client.fresh();
        block_on(self.send(&client, method, &path, body)).map_err(PushError::Transport)?
    }

    async fn request(
        &self,
        method: Method,
        grouping: &Grouping,
        registry: Option<&Registry>,
    ) -> Result<(), PushError> {
        let path = grouping.path()?;
        let body = registry.map(|r| Bytes::from(r.encode(Format::Prometheus)));
        self.send(&self.client, method, &path, body).await
    }

    async fn send(
        &self,
        client: &HttpClient,
        method: Method,
        path: &str,
        body: Option<Bytes>,
    ) -> Result<(), PushError> {
        let url = format!("{}{}{}", self.base.origin, self.base.path, path);
        let headers: &[(&str, &str)] = if body.is_some() {
            &[("content-type", Format::Prometheus.content_type())]
        } else {
            &[]
        };
        let answer = client
            .send(method, &url, headers, body.unwrap_or_default())
            .await
            .map_err(|e| match e {
                SendError::Transport(why) => PushError::Transport(why),
                SendError::Timeout => PushError::Timeout(self.timeout),
                SendError::Request(why) => PushError::Grouping(why),
            })?;
        if answer.status.is_success() {
            Ok(())
        } else {
            Err(PushError::Status {
                status: answer.status.as_u16(),
                body: truncate(answer.body_start, ERROR_BODY_LIMIT),
            })
        }
    }
}

fn truncate(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

/// Pushes a registry when dropped; made by [`Pushgateway::push_on_drop`].
#[must_use = "the registry is pushed when the guard is dropped; bind it to a named variable"]
pub struct PushOnDrop {
    inner: Option<(Pushgateway, Grouping, RegistryRef)>,
}

impl fmt::Debug for PushOnDrop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PushOnDrop")
            .field("grouping", &self.inner.as_ref().map(|(_, g, _)| g))
            .finish_non_exhaustive()
    }
}

impl PushOnDrop {
    /// Pushes now and returns the result; nothing is pushed on drop after.
    pub fn push_now(mut self) -> Result<(), PushError> {
        match self.inner.take() {
            Some((gateway, grouping, registry)) => gateway.push_blocking(&grouping, &registry),
            None => Ok(()),
        }
    }

    /// Drops the guard without pushing.
    pub fn cancel(mut self) {
        self.inner = None;
    }
}

impl Drop for PushOnDrop {
    fn drop(&mut self) {
        if let Some((gateway, grouping, registry)) = self.inner.take() {
            if let Err(e) = gateway.push_blocking(&grouping, &registry) {
                // Never panics, even with stderr closed.
                let _ = writeln!(
                    std::io::stderr(),
                    "promstrict: pushing the metrics of job `{}` failed: {e}",
                    grouping.job
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouping_paths() {
        assert_eq!(Grouping::job("a").path().unwrap(), "/metrics/job/a");
        assert_eq!(
            Grouping::job("a/b").label("instance", "").path().unwrap(),
            "/metrics/job@base64/YS9i/instance@base64/="
        );
        // base64url: `-` and `_` instead of `+` and `/`.
        assert_eq!(
            Grouping::job("j").label("v", "?>?").path().unwrap(),
            "/metrics/job/j/v@base64/Pz4_"
        );
        assert!(Grouping::job("").path().is_err());
        assert!(Grouping::job("a").label("job", "b").path().is_err());
        assert!(Grouping::job("a").label("le", "1").path().is_err());
        assert!(Grouping::job("a").label("__x", "1").path().is_err());
        assert!(Grouping::job("a")
            .label("x", "1")
            .label("x", "2")
            .path()
            .is_err());
    }

    #[test]
    fn bad_configs_are_errors() {
        assert!(matches!(
            Pushgateway::builder("not a url").build(),
            Err(PushError::Config(_))
        ));
        assert!(Pushgateway::builder("http://127.0.0.1:9091")
            .bearer_token("x\r\ny")
            .build()
            .is_err());
    }

    /// A one-shot server: reads a request head and body, answers `answer`,
    /// and hands back what it read.
    fn one_shot(answer: &'static [u8]) -> (String, std::thread::JoinHandle<String>) {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/prefix/", listener.local_addr().unwrap());
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let mut seen = Vec::new();
            let mut buf = [0u8; 4096];
            // The head, then the body by Content-Length.
            while !String::from_utf8_lossy(&seen).contains("\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => seen.extend_from_slice(&buf[..n]),
                }
            }
            let text = String::from_utf8_lossy(&seen).into_owned();
            let head_len = text.find("\r\n\r\n").map_or(text.len(), |i| i + 4);
            let body_len: usize = text
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length: ")
                        .map(|v| v.trim().parse().unwrap())
                })
                .unwrap_or(0);
            while seen.len() < head_len + body_len {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => seen.extend_from_slice(&buf[..n]),
                }
            }
            let _ = stream.write_all(answer);
            String::from_utf8_lossy(&seen).into_owned()
        });
        (url, server)
    }

    #[test]
    fn requests_carry_auth_path_and_format_and_errors_keep_the_status_and_reason() {
        let (url, server) = one_shot(
            b"HTTP/1.1 401 Unauthorized\r\ncontent-length: 5\r\nconnection: close\r\n\r\nnope!",
        );
        let gateway = Pushgateway::builder(url)
            .basic_auth("user", "pass")
            .build()
            .unwrap();
        let registry = Registry::new();
        registry
            .register("jobs_total", "Jobs.", promstrict_core::Counter::new())
            .unwrap()
            .inc();
        let err = gateway
            .push_add_blocking(&Grouping::job("j").label("instance", "a/b"), &registry)
            .unwrap_err();
        assert!(
            matches!(&err, PushError::Status { status: 401, body } if body == "nope!"),
            "{err:?}"
        );
        let request = server.join().unwrap();
        assert!(
            request.starts_with("POST /prefix/metrics/job/j/instance@base64/YS9i HTTP/1.1\r\n"),
            "{request}"
        );
        let lower = request.to_ascii_lowercase();
        assert!(
            lower.contains("authorization: basic dxnlcjpwyxnz\r\n"),
            "{request}"
        );
        assert!(
            lower.contains("content-type: text/plain; version=0.0.4; charset=utf-8\r\n"),
            "{request}"
        );
        assert!(request.ends_with("jobs_total 1\n"), "{request}");
    }

    #[test]
    fn a_long_error_body_is_cut() {
        let mut answer = b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 100000\r\nconnection: close\r\n\r\n".to_vec();
        answer.extend(std::iter::repeat_n(b'x', 100_000));
        let (url, server) = one_shot(Box::leak(answer.into_boxed_slice()));
        let gateway = Pushgateway::builder(url).build().unwrap();
        let err = gateway.delete_blocking(&Grouping::job("j")).unwrap_err();
        match err {
            PushError::Status { status, body } => {
                assert_eq!(status, 500);
                assert_eq!(body.len(), ERROR_BODY_LIMIT);
            }
            other => panic!("{other:?}"),
        }
        server.join().unwrap();
    }

    #[test]
    fn unreachable_gateway_is_an_error_not_a_panic() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        // Nothing listens there any more.
        let gateway = Pushgateway::builder(format!("http://127.0.0.1:{port}"))
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap();
        let registry = Registry::new();
        let err = gateway
            .push_blocking(&Grouping::job("j"), &registry)
            .unwrap_err();
        assert!(matches!(err, PushError::Transport(_)), "{err}");
    }
}
