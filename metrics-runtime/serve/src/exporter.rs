//! The embedded exporter: `GET /metrics` on its own address, from a sync
//! program (its own thread and runtime) or inside tokio.
//!
//! ```
//! # mod promstrict { pub use promstrict_core::*; pub mod http { pub use promstrict_serve::*; } #[cfg(feature = "exporter")] pub use promstrict_serve::exporter::Exporter; }
//! use promstrict::{default_registry, Counter, Exporter};
//!
//! let jobs = default_registry().register("exporter_doc_jobs_total", "Jobs run.", Counter::new())?;
//! let exporter = Exporter::builder().addr("127.0.0.1:0").spawn_thread()?;  // default: 127.0.0.1:9464
//! jobs.inc();
//! println!("scrape http://{}/metrics", exporter.local_addr());
//! exporter.shutdown(); // or drop it
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! What it protects against, with the defaults:
//!
//! | limit                          | default   | on breach                           |
//! |--------------------------------|-----------|-------------------------------------|
//! | request head read time         | 10 s      | connection closed (also idle ones)  |
//! | writing one response           | 10 s      | connection closed                   |
//! | request head size              | 8 KiB     | `431`, connection closed            |
//! | open connections               | 256       | the one waiting longest for a request head is closed to make room |
//! | response bodies in flight      | 64 MiB    | the longest-writing connection is closed |
//!
//! Every path but the metrics path gets `404`; other methods than `GET` and
//! `HEAD` on it get `405`; with a bearer token, a scrape without it gets
//! `401`. Each of these refusals closes the connection.
//!
//! So clients that hold connections without sending a request, dribble one
//! byte at a time, or stop reading their response cannot lock scrapers
//! out: a new connection never waits for a slot, and memory for responses
//! stays within the budget (plus one response, if a single one is larger).
//! [`ExporterHandle::stats`] shows how often that was needed.
//!
//! Large pages are streamed: once a scrape's text has reached 256 KiB, the
//! next ones are encoded on a blocking thread into a queue of a few 64 KiB
//! chunks ([`Registry::encode_to`](promstrict_core::Registry::encode_to),
//! through the compressor if the scraper asked for one) and sent with
//! chunked transfer encoding as the client reads them; each holds at most
//! 512 KiB of the budget, whatever the page's size. Smaller pages are
//! encoded whole and sent with a `Content-Length`.

mod admission;
mod write_timeout;

pub use admission::ExporterStats;

use std::future::Future;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use ::hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::oneshot;
use tokio::task::JoinSet;

use self::admission::{Admission, ConnectionService};
use self::write_timeout::WriteTimeout;
use super::hyper::MetricsService;
use super::{MetricsHandler, RegistryRef};

/// The default address: loopback only, on the port registered for
/// OpenTelemetry's Prometheus exporter.
pub const DEFAULT_ADDR: SocketAddr = SocketAddr::V4(std::net::SocketAddrV4::new(
    std::net::Ipv4Addr::LOCALHOST,
    9464,
));

/// The smallest request-head cap hyper accepts.
const MIN_HEAD_BYTES: usize = 8 * 1024;

/// The embedded exporter. Start from [`Exporter::builder`].
#[derive(Debug)]
pub struct Exporter {
    _private: (),
}

impl Exporter {
    /// A builder with the defaults: [`DEFAULT_ADDR`], the
    /// [default registry](promstrict_core::default_registry), `/metrics`, no auth.
    pub fn builder() -> ExporterBuilder {
        ExporterBuilder {
            addrs: Ok(vec![DEFAULT_ADDR]),
            registry: RegistryRef::Static(promstrict_core::default_registry()),
            path: "/metrics".into(),
            bearer_token: None,
            gzip: true,
            header_read_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(10),
            max_head_bytes: MIN_HEAD_BYTES,
            max_connections: 256,
            max_body_bytes_in_flight: 64 << 20,
            process_metrics: true,
            shutdown_grace: Duration::from_secs(5),
        }
    }
}

/// Configures and starts an [`Exporter`].
pub struct ExporterBuilder {
    addrs: io::Result<Vec<SocketAddr>>,
    registry: RegistryRef,
    path: String,
    bearer_token: Option<String>,
    gzip: bool,
    header_read_timeout: Duration,
    write_timeout: Duration,
    max_head_bytes: usize,
    max_connections: usize,
    max_body_bytes_in_flight: usize,
    process_metrics: bool,
    shutdown_grace: Duration,
}

impl std::fmt::Debug for ExporterBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExporterBuilder")
            .field("addrs", &self.addrs)
            .field("path", &self.path)
            .field("auth", &self.bearer_token.is_some())
            .field("gzip", &self.gzip)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("write_timeout", &self.write_timeout)
            .field("max_head_bytes", &self.max_head_bytes)
            .field("max_connections", &self.max_connections)
            .field("max_body_bytes_in_flight", &self.max_body_bytes_in_flight)
            .field("process_metrics", &self.process_metrics)
            .finish()
    }
}

impl ExporterBuilder {
    /// The address to listen on (`"0.0.0.0:9464"`, a `SocketAddr`, …; port 0
    /// picks a free one, see [`ExporterHandle::local_addr`]). A name that
    /// resolves to several addresses binds the first that works. A resolution
    /// error is reported when the exporter starts.
    pub fn addr(mut self, addr: impl ToSocketAddrs) -> Self {
        self.addrs = addr.to_socket_addrs().map(Iterator::collect);
        self
    }

    /// The registry to serve (default: the [default registry](promstrict_core::default_registry)).
    pub fn registry(mut self, registry: impl Into<RegistryRef>) -> Self {
        self.registry = registry.into();
        self
    }

    /// The path to serve at (default `/metrics`; a missing leading `/` is added).
    pub fn path(mut self, path: impl Into<String>) -> Self {
        let path = path.into();
        self.path = if path.starts_with('/') {
            path
        } else {
            format!("/{path}")
        };
        self
    }

    /// Requires `Authorization: Bearer <token>` on scrapes (compared in
    /// constant time). Without it they get `401` and
    /// `WWW-Authenticate: Bearer`. An empty token is refused when starting.
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.bearer_token = Some(token.into());
        self
    }

    /// Turns gzip responses on (default) or off.
    pub fn gzip(mut self, enabled: bool) -> Self {
        self.gzip = enabled;
        self
    }

    /// How long a client may take to send a request head, and how long an
    /// idle keep-alive connection stays open (default 10 s).
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// How long writing one response may take, however slowly the client
    /// reads (default 10 s): progress does not extend it, so a client reading
    /// a trickle cannot hold a connection slot longer than this.
    pub fn write_timeout(mut self, timeout: Duration) -> Self {
        self.write_timeout = timeout;
        self
    }

    /// The largest request head accepted, in bytes (default and minimum
    /// 8 KiB; smaller values are raised to it). Larger heads get `431`.
    pub fn max_request_head_bytes(mut self, bytes: usize) -> Self {
        self.max_head_bytes = bytes.max(MIN_HEAD_BYTES);
        self
    }

    /// How many connections are open at once (default 256, at least 1).
    /// A connection beyond it is served all the same: the open connection
    /// that has waited longest for a request head is closed to make room
    /// (if every one is writing a response, the one writing longest).
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.max_connections = connections.max(1);
        self
    }

    /// Whether the registry also exposes the process's own metrics
    /// (`process_cpu_seconds_total`, `process_resident_memory_bytes`, open
    /// and maximum file descriptors, threads, start time: see
    /// [`register_process_metrics`](promstrict_core::register_process_metrics)).
    /// On by default; they are registered when the exporter starts, unless
    /// the registry has them already.
    pub fn process_metrics(mut self, enabled: bool) -> Self {
        self.process_metrics = enabled;
        self
    }

    /// The response bytes held for connections still writing them (default
    /// 64 MiB). Beyond it, the connection that has been writing longest is
    /// closed; the newest response always goes out, so the memory held is at
    /// most this budget plus one response.
    pub fn max_body_bytes_in_flight(mut self, bytes: usize) -> Self {
        self.max_body_bytes_in_flight = bytes;
        self
    }

    /// How long a shutdown waits for responses in progress (default 5 s).
    pub fn shutdown_grace_period(mut self, grace: Duration) -> Self {
        self.shutdown_grace = grace;
        self
    }

    /// Starts the exporter on a thread of its own with a single-threaded
    /// tokio runtime; for programs that do not use tokio (or do not want to
    /// share it). Binds before returning, so an address in use is an error
    /// here. Stop it with [`ExporterHandle::shutdown`] or by dropping the handle.
    pub fn spawn_thread(self) -> io::Result<ExporterHandle> {
        self.validate()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .thread_name("metrics-exporter")
            .build()?;
        let listener = {
            let _context = runtime.enter();
            self.bind()?
        };
        let local_addr = listener.local_addr()?;
        let server = self.into_server()?;
        let admission = Arc::clone(&server.admission);
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = thread::Builder::new()
            .name("metrics-exporter".into())
            .spawn(move || {
                runtime.block_on(server.run(listener, async {
                    // A send or a dropped sender: both mean stop.
                    let _ = stopped.await;
                }));
            })?;
        Ok(ExporterHandle {
            local_addr,
            admission,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Starts the exporter as a task on the current tokio runtime. Binds
    /// before returning. Fails if called outside a runtime.
    pub fn spawn(self) -> io::Result<ExporterTask> {
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|e| io::Error::other(format!("Exporter::spawn needs a tokio runtime: {e}")))?;
        self.validate()?;
        let listener = self.bind()?;
        let local_addr = listener.local_addr()?;
        let server = self.into_server()?;
        let admission = Arc::clone(&server.admission);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = runtime.spawn(server.run(listener, async {
            let _ = stopped.await;
        }));
        Ok(ExporterTask {
            local_addr,
            admission,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// Serves until `shutdown` completes, then stops gracefully.
    ///
    /// ```no_run
    /// # mod promstrict { pub use promstrict_core::*; pub mod http { pub use promstrict_serve::*; } #[cfg(feature = "exporter")] pub use promstrict_serve::exporter::Exporter; }
    /// # async fn run() -> std::io::Result<()> {
    /// use promstrict::Exporter;
    ///
    /// let (_stop, stopped) = tokio::sync::oneshot::channel::<()>();
    /// let shutdown = async { stopped.await.unwrap_or(()) }; // or a ctrl-c future
    /// Exporter::builder().addr("0.0.0.0:9464").serve(shutdown).await
    /// # }
    /// ```
    pub async fn serve(self, shutdown: impl Future<Output = ()>) -> io::Result<()> {
        self.validate()?;
        let listener = self.bind()?;
        self.into_server()?.run(listener, shutdown).await;
        Ok(())
    }

    /// Refuses a configuration that would be unsafe to serve.
    fn validate(&self) -> io::Result<()> {
        if self.bearer_token.as_deref() == Some("") {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "an empty bearer token would accept any client",
            ));
        }
        Ok(())
    }

    fn bind(&self) -> io::Result<TcpListener> {
        let addrs = match &self.addrs {
            Ok(addrs) => addrs,
            Err(e) => return Err(io::Error::new(e.kind(), e.to_string())),
        };
        let mut last = io::Error::new(io::ErrorKind::InvalidInput, "no address to listen on");
        for &addr in addrs {
            let socket = if addr.is_ipv4() {
                TcpSocket::new_v4()?
            } else {
                TcpSocket::new_v6()?
            };
            socket.set_reuseaddr(true)?;
            socket.set_nodelay(true)?;
            match socket.bind(addr) {
                // A backlog above the connection cap absorbs bursts of scrapes.
                Ok(()) => return socket.listen(1024),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn into_server(self) -> io::Result<Server> {
        self.validate()?;
        if self.process_metrics {
            match promstrict_core::register_process_metrics(&self.registry) {
                // Already there: another exporter of this registry, or the
                // program registered them itself.
                Ok(()) | Err(promstrict_core::RegistryError::Duplicate { .. }) => {}
                Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidInput, e)),
            }
        }
        let mut handler = MetricsHandler::new(self.registry).with_gzip(self.gzip);
        if let Some(token) = &self.bearer_token {
            handler = handler.with_bearer_token(token);
        }
        Ok(Server {
            service: MetricsService::from_handler(handler).with_path(self.path),
            header_read_timeout: self.header_read_timeout,
            write_timeout: self.write_timeout,
            max_head_bytes: self.max_head_bytes,
            admission: Arc::new(Admission::new(
                self.max_connections,
                self.max_body_bytes_in_flight,
            )),
            shutdown_grace: self.shutdown_grace,
        })
    }
}

struct Server {
    service: MetricsService,
    admission: Arc<Admission>,
    header_read_timeout: Duration,
    write_timeout: Duration,
    max_head_bytes: usize,
    shutdown_grace: Duration,
}

impl Server {
    async fn run(self, listener: TcpListener, shutdown: impl Future<Output = ()>) {
        let mut http = http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(self.header_read_timeout)
            .max_buf_size(self.max_head_bytes)
            .keep_alive(true);
        let graceful = GracefulShutdown::new();
        let mut connections = JoinSet::new();
        tokio::pin!(shutdown);

        loop {
            let stream = tokio::select! {
                biased;
                () = &mut shutdown => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => stream,
                    Err(_) => {
                        // Out of file descriptors, a connection reset before
                        // accept, …: none is fatal to a listener. Back off.
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        continue;
                    }
                },
            };
            while connections.try_join_next().is_some() {}
            // Never waits: a full table closes the connection that has
            // waited longest for a request head.
            let (id, closed) = self.admission.admit();
            let service = ConnectionService {
                inner: self.service.clone(),
                admission: Arc::clone(&self.admission),
                id,
            };
            let io = TokioIo::new(WriteTimeout::new(stream, self.write_timeout));
            let connection = graceful.watch(http.serve_connection(io, service));
            let admission = Arc::clone(&self.admission);
            connections.spawn(async move {
                tokio::select! {
                    // Errors are the client's (timeouts, resets, bad requests).
                    _ = connection => {}
                    // Closed to make room, or for reading too slowly.
                    _ = closed => {}
                }
                admission.remove(id);
            });
            // Let the new connection (and the others) run before the next
            // accept: a scraper's request is usually in its socket already,
            // and once read it is no longer a connection waiting for one.
            // Without this a flood of connects is accepted back to back and
            // closes the newest scraper before it was ever read.
            tokio::task::yield_now().await;
        }

        drop(listener);
        // Idle connections close now; those mid-response finish it, within
        // the grace period. Whatever is left after it is aborted.
        let _ = tokio::time::timeout(self.shutdown_grace, graceful.shutdown()).await;
        connections.shutdown().await;
    }
}

/// The exporter running on its own thread ([`ExporterBuilder::spawn_thread`]).
/// Dropping it stops the exporter and waits for its thread, like
/// [`shutdown`](Self::shutdown).
#[derive(Debug)]
#[must_use = "dropping the handle stops the exporter"]
pub struct ExporterHandle {
    local_addr: SocketAddr,
    admission: Arc<Admission>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl ExporterHandle {
    /// The address it listens on (with the actual port when bound to port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Connections and response memory now, and what was closed to bound
    /// them.
    pub fn stats(&self) -> ExporterStats {
        self.admission.stats()
    }

    /// Stops accepting, lets responses in progress finish (within the grace
    /// period), and waits until the exporter's thread has exited.
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            // A panic on the exporter thread has been reported there already.
            let _ = thread.join();
        }
    }
}

impl Drop for ExporterHandle {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

/// The exporter running as a task on a tokio runtime ([`ExporterBuilder::spawn`]).
/// Dropping it signals the task to stop without waiting for it; await
/// [`shutdown`](Self::shutdown) to wait.
#[derive(Debug)]
#[must_use = "dropping the handle stops the exporter"]
pub struct ExporterTask {
    local_addr: SocketAddr,
    admission: Arc<Admission>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl ExporterTask {
    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Connections and response memory now, and what was closed to bound
    /// them.
    pub fn stats(&self) -> ExporterStats {
        self.admission.stats()
    }

    /// Stops accepting, lets responses in progress finish (within the grace
    /// period), and waits until the task has ended.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for ExporterTask {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
