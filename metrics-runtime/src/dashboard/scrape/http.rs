//! A minimal blocking HTTP/1.1 GET over `std::net::TcpStream`: enough to read
//! a `/metrics` page (plain `http://` only), with a deadline on the whole
//! exchange, a cap on the body size, and chunked transfer decoding.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// The largest body read (a bigger page is refused, not truncated).
pub const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// Why a GET failed.
#[derive(Debug)]
pub enum HttpError {
    /// The URL is not `http://host[:port][/path]`.
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

impl From<io::Error> for HttpError {
    fn from(e: io::Error) -> Self {
        match e.kind() {
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => HttpError::Timeout,
            _ => HttpError::Io(e),
        }
    }
}

/// A parsed `http://` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpUrl {
    /// The host as written (an IPv6 literal keeps its brackets).
    pub host: String,
    /// The port (80 if not given).
    pub port: u16,
    /// The path and query (`/` if not given).
    pub path: String,
}

impl HttpUrl {
    /// Parses `http://host[:port][/path]`.
    pub fn parse(url: &str) -> Result<HttpUrl, HttpError> {
        let invalid = |why: &str| HttpError::InvalidUrl(format!("{why}: `{url}`"));
        let rest = match url.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
            Some((scheme, _)) => {
                return Err(invalid(&format!(
                "only http:// is supported, not {scheme}:// (put a TLS-terminating proxy in front)"
            )))
            }
            None => return Err(invalid("expected http://host[:port]/path")),
        };
        let (authority, path) = match rest.find(['/', '?']) {
            Some(i) if rest[i..].starts_with('/') => (&rest[..i], &rest[i..]),
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let path = if path.starts_with('?') {
            format!("/{path}")
        } else {
            path.to_owned()
        };
        if authority.contains('@') {
            return Err(invalid("credentials in the URL are not supported"));
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (addr, after) = v6.split_once(']').ok_or_else(|| invalid("unclosed `[`"))?;
            (format!("[{addr}]"), after.strip_prefix(':'))
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h.to_owned(), Some(p)),
                None => (authority.to_owned(), None),
            }
        };
        if host.is_empty() || host == "[]" {
            return Err(invalid("no host"));
        }
        let port = match port {
            None | Some("") => 80,
            Some(p) => p.parse().map_err(|_| invalid("invalid port"))?,
        };
        Ok(HttpUrl { host, port, path })
    }

    fn authority(&self) -> String {
        if self.port == 80 {
            self.host.clone()
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

impl fmt::Display for HttpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "http://{}{}", self.authority(), self.path)
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

/// GETs `url` with `Connection: close`, giving up after `timeout` in total.
/// `headers` are sent as given (e.g. `("Authorization", "Bearer …")`).
pub fn get(
    url: &HttpUrl,
    headers: &[(&str, &str)],
    timeout: Duration,
) -> Result<HttpResponse, HttpError> {
    let deadline = Instant::now() + timeout;
    let remaining = || {
        deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or(HttpError::Timeout)
    };
    let host = url.host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<_> = (host, url.port).to_socket_addrs()?.collect();
    let mut last_error = None;
    let mut stream = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, remaining()?) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last_error = Some(e),
        }
    }
    let mut stream = match (stream, last_error) {
        (Some(s), _) => s,
        (None, Some(e)) => return Err(e.into()),
        (None, None) => {
            return Err(HttpError::InvalidUrl(format!(
                "`{}` resolves to nothing",
                url.host
            )))
        }
    };
    stream.set_nodelay(true)?;
    let mut request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: metrics-toolkit-dashboard/{}\r\nAccept: text/plain;version=0.0.4;q=1,*/*;q=0.1\r\nAccept-Encoding: identity\r\nConnection: close\r\n",
        url.path,
        url.authority(),
        env!("CARGO_PKG_VERSION"),
    );
    for (name, value) in headers {
        request.push_str(name);
        request.push_str(": ");
        request.push_str(value);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    stream.set_write_timeout(Some(remaining()?))?;
    stream.write_all(request.as_bytes())?;

    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        stream.set_read_timeout(Some(remaining()?))?;
        let n = match stream.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&buf[..n]);
        if raw.len() > MAX_BODY_BYTES + 64 * 1024 {
            return Err(HttpError::TooLarge);
        }
        // Stop as soon as a framed body is complete: a server may keep the
        // connection open despite `Connection: close`.
        if let Some(response) = parse_response(&raw, false)? {
            return finish(response);
        }
    }
    match parse_response(&raw, true)? {
        Some(response) => finish(response),
        None => Err(HttpError::Protocol(
            "connection closed before the response ended".to_owned(),
        )),
    }
}

fn finish(response: Parsed) -> Result<HttpResponse, HttpError> {
    if response.status != 200 {
        let body = String::from_utf8_lossy(&response.body);
        let body: String = body.trim().chars().take(200).collect();
        return Err(HttpError::Status {
            code: response.status,
            body,
        });
    }
    Ok(HttpResponse {
        content_type: response.content_type,
        body: response.body,
    })
}

struct Parsed {
    status: u16,
    content_type: Option<String>,
    body: Vec<u8>,
}

/// Parses a complete response out of `raw`; `Ok(None)` while more bytes are
/// needed. `eof`: the peer closed the connection (so an unframed body is
/// complete).
fn parse_response(raw: &[u8], eof: bool) -> Result<Option<Parsed>, HttpError> {
    let protocol = |why: &str| HttpError::Protocol(why.to_owned());
    let Some(head_end) = find(raw, b"\r\n\r\n") else {
        return if eof {
            Err(protocol("no end of headers"))
        } else {
            Ok(None)
        };
    };
    let head =
        std::str::from_utf8(&raw[..head_end]).map_err(|_| protocol("headers are not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    if !version.starts_with("HTTP/1.") {
        return Err(protocol(&format!("unexpected status line `{status_line}`")));
    }
    let status: u16 = parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| protocol(&format!("unexpected status line `{status_line}`")))?;
    let mut content_length = None;
    let mut chunked = false;
    let mut content_type = None;
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| protocol(&format!("malformed header `{line}`")))?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            let n: usize = value
                .parse()
                .map_err(|_| protocol("invalid Content-Length"))?;
            if n > MAX_BODY_BYTES {
                return Err(HttpError::TooLarge);
            }
            content_length = Some(n);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value
                .rsplit(',')
                .next()
                .is_some_and(|last| last.trim().eq_ignore_ascii_case("chunked"));
        } else if name.eq_ignore_ascii_case("content-type") {
            content_type = Some(value.to_owned());
        } else if name.eq_ignore_ascii_case("content-encoding")
            && !value.eq_ignore_ascii_case("identity")
        {
            return Err(protocol(&format!(
                "body is `{value}`-encoded although identity was asked for"
            )));
        }
    }
    let body = &raw[head_end + 4..];
    let body = if chunked {
        // A chunked body ends with the last chunk and an empty line; only
        // then is it worth decoding (keeps reading linear in the body size).
        if !eof && !body.ends_with(b"\r\n\r\n") {
            return Ok(None);
        }
        match decode_chunked(body)? {
            Some(body) => body,
            None if eof => return Err(protocol("connection closed inside a chunked body")),
            None => return Ok(None),
        }
    } else if let Some(n) = content_length {
        if body.len() < n {
            return if eof {
                Err(protocol(
                    "connection closed before Content-Length bytes arrived",
                ))
            } else {
                Ok(None)
            };
        }
        body[..n].to_vec()
    } else if eof {
        body.to_vec()
    } else {
        return Ok(None);
    };
    Ok(Some(Parsed {
        status,
        content_type,
        body,
    }))
}

/// Decodes a chunked body; `Ok(None)` if it is not complete yet.
fn decode_chunked(mut input: &[u8]) -> Result<Option<Vec<u8>>, HttpError> {
    let protocol = |why: &str| HttpError::Protocol(why.to_owned());
    let mut out = Vec::new();
    loop {
        let Some(line_end) = find(input, b"\r\n") else {
            return Ok(None);
        };
        let line =
            std::str::from_utf8(&input[..line_end]).map_err(|_| protocol("bad chunk size"))?;
        let size_text = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| protocol(&format!("bad chunk size `{size_text}`")))?;
        input = &input[line_end + 2..];
        if size == 0 {
            // Trailer fields (ignored) up to an empty line.
            loop {
                let Some(end) = find(input, b"\r\n") else {
                    return Ok(None);
                };
                if end == 0 {
                    return Ok(Some(out));
                }
                input = &input[end + 2..];
            }
        }
        if out.len() + size > MAX_BODY_BYTES {
            return Err(HttpError::TooLarge);
        }
        if input.len() < size + 2 {
            return Ok(None);
        }
        out.extend_from_slice(&input[..size]);
        if &input[size..size + 2] != b"\r\n" {
            return Err(protocol("chunk not followed by CRLF"));
        }
        input = &input[size + 2..];
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = HttpUrl::parse("http://127.0.0.1:9464/metrics").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.path.as_str()),
            ("127.0.0.1", 9464, "/metrics")
        );
        let u = HttpUrl::parse("http://localhost").unwrap();
        assert_eq!((u.port, u.path.as_str()), (80, "/"));
        let u = HttpUrl::parse("http://[::1]:8080/m?x=1").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.path.as_str()),
            ("[::1]", 8080, "/m?x=1")
        );
        assert_eq!(u.to_string(), "http://[::1]:8080/m?x=1");
        assert!(HttpUrl::parse("https://example.com/metrics").is_err());
        assert!(HttpUrl::parse("127.0.0.1:9464").is_err());
        assert!(HttpUrl::parse("http://:80/").is_err());
        assert!(HttpUrl::parse("http://h:99999/").is_err());
    }

    #[test]
    fn framing() {
        let raw = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello, and more";
        assert_eq!(parse_response(raw, false).unwrap().unwrap().body, b"hello");
        let partial = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel";
        assert!(parse_response(partial, false).unwrap().is_none());
        assert!(parse_response(partial, true).is_err());
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-Trailer: y\r\n\r\n";
        assert_eq!(
            parse_response(chunked, false).unwrap().unwrap().body,
            b"Wikipedia in\r\n\r\nchunks."
        );
        let unframed = b"HTTP/1.0 200 OK\r\n\r\nuntil close";
        assert!(parse_response(unframed, false).unwrap().is_none());
        assert_eq!(
            parse_response(unframed, true).unwrap().unwrap().body,
            b"until close"
        );
        let gzip = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 0\r\n\r\n";
        assert!(parse_response(gzip, false).is_err());
    }
}
