//! GET a `/metrics` page with [ureq](https://docs.rs/ureq): a deadline on the
//! whole exchange, a cap on the (decompressed) body size, gzip, and
//! keep-alive between the scrapes of one [`HttpClient`].

use std::fmt;
use std::io;
use std::time::Duration;

use ureq::http::Uri;

/// The largest body read (a bigger page is refused, not truncated).
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// What a scrape asks for: the Prometheus text format first, OpenMetrics
/// text next (both parse), anything else last.
const ACCEPT: &str =
    "text/plain;version=0.0.4;q=1,application/openmetrics-text;version=1.0.0;q=0.9,*/*;q=0.1";

/// Why a GET failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum HttpError {
    /// The URL is not `http://host[:port][/path]` (or `https://` with the
    /// `tls` feature).
    InvalidUrl(String),
    /// Connecting, sending or receiving failed.
    Io(io::Error),
    /// The deadline passed.
    Timeout,
    /// The response is not well-formed HTTP/1.x.
    Protocol(String),
    /// The server answered with a status other than 200.
    Status {
        /// The status code.
        code: u16,
        /// The start of the body, for the message.
        body: String,
    },
    /// The body is larger than [`MAX_BODY_BYTES`].
    TooLarge,
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::InvalidUrl(why) => write!(f, "invalid URL: {why}"),
            HttpError::Io(e) => write!(f, "{e}"),
            HttpError::Timeout => f.write_str("timed out"),
            HttpError::Protocol(why) => write!(f, "bad HTTP response: {why}"),
            HttpError::Status { code, body } if body.is_empty() => write!(f, "HTTP {code}"),
            HttpError::Status { code, body } => write!(f, "HTTP {code}: {body}"),
            HttpError::TooLarge => write!(f, "response larger than {MAX_BODY_BYTES} bytes"),
        }
    }
}

impl std::error::Error for HttpError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            HttpError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ureq::Error> for HttpError {
    fn from(e: ureq::Error) -> Self {
        match e {
            ureq::Error::Timeout(_) => HttpError::Timeout,
            ureq::Error::Io(e) => match e.kind() {
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => HttpError::Timeout,
                io::ErrorKind::UnexpectedEof => {
                    HttpError::Protocol("the connection closed before the body ended".to_owned())
                }
                _ => HttpError::Io(e),
            },
            ureq::Error::BodyExceedsLimit(_) => HttpError::TooLarge,
            ureq::Error::BadUri(why) => HttpError::InvalidUrl(why),
            ureq::Error::HostNotFound => {
                HttpError::InvalidUrl("the host resolves to nothing".into())
            }
            ureq::Error::ConnectionFailed => HttpError::Io(io::Error::new(
                io::ErrorKind::ConnectionRefused,
                "connection failed",
            )),
            other => HttpError::Protocol(other.to_string()),
        }
    }
}

/// A checked `/metrics` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpUrl {
    uri: Uri,
}

impl HttpUrl {
    /// Parses `http://host[:port][/path]` (and `https://…` with the `tls`
    /// feature). Credentials in the URL are refused: use a bearer token.
    pub fn parse(url: &str) -> Result<HttpUrl, HttpError> {
        let invalid = |why: &str| HttpError::InvalidUrl(format!("{why}: `{url}`"));
        let uri: Uri = url
            .parse()
            .map_err(|e| invalid(&format!("{e}; expected http://host[:port]/path")))?;
        match uri.scheme_str() {
            Some(s) if s.eq_ignore_ascii_case("http") => {}
            Some(s) if s.eq_ignore_ascii_case("https") && cfg!(feature = "tls") => {}
            Some(s) if s.eq_ignore_ascii_case("https") => {
                return Err(invalid(
                    "https:// needs the `tls` feature (or a TLS-terminating proxy in front)",
                ))
            }
            Some(other) => {
                return Err(invalid(&format!(
                    "only http:// is supported, not {other}://"
                )))
            }
            None => return Err(invalid("expected http://host[:port]/path")),
        }
        let authority = uri.authority().ok_or_else(|| invalid("no host"))?;
        if authority.as_str().contains('@') {
            return Err(invalid("credentials in the URL are not supported"));
        }
        if authority.host().is_empty() || authority.host() == "[]" {
            return Err(invalid("no host"));
        }
        let after_host = &authority.as_str()[authority.host().len()..];
        if let Some(port) = after_host.strip_prefix(':') {
            if !port.is_empty() && port.parse::<u16>().is_err() {
                return Err(invalid("invalid port"));
            }
        }
        Ok(HttpUrl { uri })
    }

    /// The host as written (an IPv6 literal keeps its brackets).
    pub fn host(&self) -> &str {
        self.uri.host().unwrap_or_default()
    }

    /// The port (the scheme's default if not given).
    pub fn port(&self) -> u16 {
        self.uri.port_u16().unwrap_or(match self.uri.scheme_str() {
            Some(s) if s.eq_ignore_ascii_case("https") => 443,
            _ => 80,
        })
    }

    /// The path and query (`/` if not given).
    pub fn path(&self) -> &str {
        self.uri.path_and_query().map_or("/", |p| p.as_str())
    }
}

impl fmt::Display for HttpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.uri, f)
    }
}

/// A response with status 200.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpResponse {
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The decoded body.
    pub body: Vec<u8>,
}

/// An HTTP client for repeated scrapes: connections are kept alive between
/// them. Cloning shares the connection pool.
#[derive(Clone, Debug)]
pub struct HttpClient {
    agent: ureq::Agent,
    timeout: Duration,
}

impl HttpClient {
    /// A client that gives up on a scrape after `timeout` in total
    /// (connecting, sending, the response head and the whole body).
    pub fn new(timeout: Duration) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .user_agent(concat!("promstrict-watch/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        HttpClient { agent, timeout }
    }

    /// The deadline of one GET.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// GETs `url`; `headers` are sent as given (e.g.
    /// `("Authorization", "Bearer …")`). Any status but 200 is an error
    /// carrying the start of the body.
    pub fn get(&self, url: &HttpUrl, headers: &[(&str, &str)]) -> Result<HttpResponse, HttpError> {
        let mut request = self.agent.get(&url.uri).header("Accept", ACCEPT);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let mut response = request.call()?;
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let status = response.status().as_u16();
        let limit = if status == 200 {
            MAX_BODY_BYTES as u64
        } else {
            4096
        };
        let declared = response
            .headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if status == 200 && declared.is_some_and(|n| n > limit) {
            return Err(HttpError::TooLarge);
        }
        let body = response.body_mut().with_config().limit(limit).read_to_vec();
        if status != 200 {
            let body = body.unwrap_or_default();
            let text = String::from_utf8_lossy(&body);
            let mut text: String = text.trim().chars().take(200).collect();
            text.retain(|c| !c.is_control());
            return Err(HttpError::Status {
                code: status,
                body: text,
            });
        }
        Ok(HttpResponse {
            content_type,
            body: body?,
        })
    }
}

/// GETs `url` once with a client of its own, giving up after `timeout` in
/// total; see [`HttpClient::get`].
pub fn get(
    url: &HttpUrl,
    headers: &[(&str, &str)],
    timeout: Duration,
) -> Result<HttpResponse, HttpError> {
    HttpClient::new(timeout).get(url, headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = HttpUrl::parse("http://127.0.0.1:9464/metrics").unwrap();
        assert_eq!(
            (u.host(), u.port(), u.path()),
            ("127.0.0.1", 9464, "/metrics")
        );
        let u = HttpUrl::parse("http://[::1]/m?x=1").unwrap();
        assert_eq!((u.host(), u.port(), u.path()), ("[::1]", 80, "/m?x=1"));
        let u = HttpUrl::parse("HTTP://example.com").unwrap();
        assert_eq!((u.host(), u.port(), u.path()), ("example.com", 80, "/"));
        for bad in [
            "ftp://x/",
            "example.com/metrics",
            "http://",
            "http://user:pw@host/",
            "http://host:port/",
            "http://host:99999/",
        ] {
            assert!(
                matches!(HttpUrl::parse(bad), Err(HttpError::InvalidUrl(_))),
                "{bad}"
            );
        }
        assert_eq!(
            HttpUrl::parse("https://x/").is_ok(),
            cfg!(feature = "tls"),
            "https:// needs the tls feature"
        );
    }
}
