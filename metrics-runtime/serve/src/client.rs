//! The HTTP client the Pushgateway client and the remote-write sender share:
//! a kept hyper-util client (plain HTTP), the target URL checked once, auth
//! headers, whole-request timeouts, bounded response bodies, and running an
//! async call from blocking code.

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use http::header::{HeaderValue, AUTHORIZATION, USER_AGENT};
use http::{Method, Request, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// The `User-Agent` both clients send.
pub(crate) const USER_AGENT_VALUE: &str = concat!("promstrict/", env!("CARGO_PKG_VERSION"));

/// How much of an error response's body is kept (and read).
pub(crate) const ERROR_BODY_LIMIT: usize = 1024;

/// Credentials sent with every request.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    /// HTTP basic auth (`Authorization: Basic …`).
    Basic {
        /// The user name.
        username: String,
        /// The password.
        password: String,
    },
    /// A bearer token (`Authorization: Bearer …`).
    Bearer(String),
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print secrets.
        match self {
            Auth::Basic { username, .. } => f
                .debug_struct("Basic")
                .field("username", username)
                .finish_non_exhaustive(),
            Auth::Bearer(_) => f.write_str("Bearer(..)"),
        }
    }
}

impl Auth {
    /// The `Authorization` header value, or why it cannot be one.
    pub(crate) fn header_value(&self) -> Result<HeaderValue, String> {
        let text = match self {
            Auth::Basic { username, password } => {
                if username.contains(':') {
                    return Err("a basic-auth user name cannot contain `:`".to_owned());
                }
                let raw = format!("{username}:{password}");
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(raw)
                )
            }
            Auth::Bearer(token) => format!("Bearer {token}"),
        };
        let mut value = HeaderValue::from_str(&text)
            .map_err(|_| "credentials must be visible ASCII (no line breaks)".to_owned())?;
        value.set_sensitive(true);
        Ok(value)
    }
}

/// A checked `http://host[:port][/prefix]` URL, without a trailing slash.
#[derive(Clone, Debug)]
pub(crate) struct BaseUrl {
    /// `http://host:port`.
    pub origin: String,
    /// The path, `""` or `/prefix` (no trailing `/`).
    pub path: String,
}

impl BaseUrl {
    /// Parses `url`; the error says what is wrong.
    pub(crate) fn parse(url: &str) -> Result<Self, String> {
        let uri: Uri = url
            .trim()
            .parse()
            .map_err(|e| format!("`{url}` is not a URL: {e}"))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some("https") => {
                return Err(format!(
                    "`{url}`: https is not supported (plain http only; put a TLS proxy in front)"
                ))
            }
            Some(other) => return Err(format!("`{url}`: unsupported scheme `{other}`")),
            None => return Err(format!("`{url}` has no scheme (write `http://…`)")),
        }
        let authority = uri
            .authority()
            .filter(|a| !a.host().is_empty())
            .ok_or_else(|| format!("`{url}` has no host"))?;
        if authority.as_str().contains('@') {
            return Err(format!(
                "`{url}`: credentials in the URL are not supported (use the auth options)"
            ));
        }
        if uri.query().is_some() {
            return Err(format!("`{url}`: a query string is not supported"));
        }
        Ok(BaseUrl {
            origin: format!("http://{authority}"),
            path: uri.path().trim_end_matches('/').to_owned(),
        })
    }
}

/// A failed exchange, before any answer was read.
#[derive(Debug)]
pub(crate) enum SendError {
    /// Connecting or talking to the server failed.
    Transport(String),
    /// No complete answer within the timeout.
    Timeout,
    /// The request could not be built (a bad path).
    Request(String),
}

/// An answer: status and the start of the body.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: StatusCode,
    pub body_start: String,
}

/// The kept client: connection pool, timeouts, headers.
#[derive(Clone)]
pub(crate) struct HttpClient {
    client: Client<HttpConnector, Full<Bytes>>,
    auth: Option<HeaderValue>,
    timeout: Duration,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("timeout", &self.timeout)
            .field("auth", &self.auth.is_some())
            .finish_non_exhaustive()
    }
}

impl HttpClient {
    /// A client whose every request (connect, send, read the answer) is
    /// bounded by `timeout`.
    pub(crate) fn new(auth: Option<HeaderValue>, timeout: Duration) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(timeout));
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(2)
            .build(connector);
        HttpClient {
            client,
            auth,
            timeout,
        }
    }

    /// A client with the same settings and a pool of its own.
    #[cfg(feature = "push")]
    pub(crate) fn fresh(&self) -> Self {
        HttpClient::new(self.auth.clone(), self.timeout)
    }

    /// Sends one request and reads the status and at most
    /// [`ERROR_BODY_LIMIT`] bytes of the body; must run inside a tokio
    /// runtime with timers and I/O enabled.
    pub(crate) async fn send(
        &self,
        method: Method,
        url: &str,
        headers: &[(&'static str, &str)],
        body: Bytes,
    ) -> Result<Answer, SendError> {
        let mut builder = Request::builder()
            .method(method)
            .uri(url)
            .header(USER_AGENT, USER_AGENT_VALUE);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        if let Some(auth) = &self.auth {
            builder = builder.header(AUTHORIZATION, auth.clone());
        }
        let request = builder
            .body(Full::new(body))
            .map_err(|e| SendError::Request(e.to_string()))?;
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| SendError::Transport(error_chain(&e)))?;
            let status = response.status();
            let mut body = response.into_body();
            let mut kept = Vec::new();
            // Read at most the limit; the rest of a long body is not read
            // (the connection is then dropped, not reused).
            while kept.len() < ERROR_BODY_LIMIT {
                match body.frame().await {
                    Some(Ok(frame)) => {
                        if let Ok(data) = frame.into_data() {
                            let room = ERROR_BODY_LIMIT - kept.len();
                            kept.extend_from_slice(&data[..data.len().min(room)]);
                        }
                    }
                    // A cut answer is a failed exchange, whatever its status.
                    Some(Err(e)) => return Err(SendError::Transport(error_chain(&e))),
                    None => break,
                }
            }
            Ok(Answer {
                status,
                body_start: String::from_utf8_lossy(&kept).trim().to_owned(),
            })
        };
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(result) => result,
            Err(_) => Err(SendError::Timeout),
        }
    }
}

/// An error and its sources, on one line.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        text.push_str(": ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
}

/// Runs `future` to completion from blocking code: on this thread with a
/// current-thread runtime, or, when this thread is already inside a tokio
/// runtime (where blocking on another runtime would panic), on a short-lived
/// thread of its own. `Err` when no runtime or thread could be started.
#[cfg(feature = "push")]
pub(crate) fn block_on<F>(future: F) -> Result<F::Output, String>
where
    F: std::future::Future + Send,
    F::Output: Send,
{
    let run = move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map(|runtime| runtime.block_on(future))
            .map_err(|e| format!("cannot start a tokio runtime: {e}"))
    };
    if tokio::runtime::Handle::try_current().is_err() {
        return run();
    }
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("promstrict-push".to_owned())
            .spawn_scoped(scope, run)
            .map_err(|e| format!("cannot start a thread: {e}"))?
            .join()
            .unwrap_or_else(|_| Err("the request thread panicked".to_owned()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = BaseUrl::parse("http://127.0.0.1:9091/").unwrap();
        assert_eq!(u.origin, "http://127.0.0.1:9091");
        assert_eq!(u.path, "");
        let u = BaseUrl::parse("http://gw:9091/prefix/").unwrap();
        assert_eq!(u.path, "/prefix");
        for bad in [
            "",
            "127.0.0.1:9091",
            "ftp://x/",
            "https://x/",
            "http://",
            "http://u:p@x/",
            "http://x/?a=b",
            "http://x y/",
        ] {
            assert!(BaseUrl::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn auth_headers() {
        let basic = Auth::Basic {
            username: "user".into(),
            password: "pass".into(),
        };
        assert_eq!(basic.header_value().unwrap(), "Basic dXNlcjpwYXNz");
        assert_eq!(
            Auth::Bearer("t0k".into()).header_value().unwrap(),
            "Bearer t0k"
        );
        assert!(Auth::Bearer("a\nb".into()).header_value().is_err());
        assert!(format!("{:?}", Auth::Bearer("secret".into()))
            .find("secret")
            .is_none());
    }

    #[cfg(feature = "push")]
    #[test]
    fn block_on_inside_and_outside_a_runtime() {
        assert_eq!(block_on(async { 1 }).unwrap(), 1);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async { assert_eq!(block_on(async { 2 }).unwrap(), 2) });
    }
}
