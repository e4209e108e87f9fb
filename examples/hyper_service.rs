//! A plain hyper 1 service: it routes by hand and records HTTP request
//! metrics with `HttpMetrics::start` (the way to instrument any framework),
//! and serves `/metrics` on a second address with `MetricsService`.
//!
//! ```text
//! cargo run --example hyper_service --features hyper
//! curl localhost:3001/hello
//! curl localhost:3001/items/7
//! curl localhost:9464/metrics
//! ```
//!
//! `APP_ADDR` (default `127.0.0.1:3001`) and `METRICS_ADDR` (default
//! `127.0.0.1:9464`) set the addresses; `RUN_SECONDS` stops the servers after
//! that long (default: run until killed).

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::{service_fn, Service};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use promstrict::http::hyper::MetricsService;
use promstrict::http::{HttpMethod, HttpMetrics, Route};
use promstrict::{Counter, Metrics, Registry, RegistryError};
use tokio::net::TcpListener;

/// The app's own metrics.
#[derive(Metrics)]
pub struct GreeterMetrics {
    /// Greetings sent.
    pub greetings_total: Counter,
}

pub struct App {
    http: HttpMetrics,
    greeter: GreeterMetrics,
}

impl App {
    pub fn new(registry: &Registry) -> Result<Arc<Self>, RegistryError> {
        Ok(Arc::new(App {
            http: HttpMetrics::register(registry)?,
            greeter: GreeterMetrics::register(registry)?,
        }))
    }

    /// Routes a request, recording it under its route template.
    pub fn handle<B>(&self, request: &Request<B>) -> Response<Full<Bytes>> {
        let mut recorded = self.http.start(HttpMethod::from(request.method()));
        let path = request.uri().path();
        let (route, response) = match (request.method(), path) {
            (&Method::GET, "/hello") => {
                self.greeter.greetings_total.inc();
                (Some("/hello"), text(StatusCode::OK, "hello\n".into()))
            }
            (&Method::GET, _) if path.starts_with("/items/") => {
                let id = &path["/items/".len()..];
                let response = match id.parse::<u32>() {
                    Ok(id) => text(StatusCode::OK, format!("item {id}\n")),
                    Err(_) => text(StatusCode::BAD_REQUEST, "ids are numbers\n".into()),
                };
                (Some("/items/{id}"), response)
            }
            (_, "/hello") => (
                Some("/hello"),
                text(StatusCode::METHOD_NOT_ALLOWED, String::new()),
            ),
            _ => (None, text(StatusCode::NOT_FOUND, String::new())),
        };
        // No route: recorded as `unmatched`, so unknown paths add no series.
        if let Some(route) = route {
            recorded.set_route(Route::new(route));
        }
        recorded.finish(response.status().as_u16());
        response
    }
}

fn text(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
}

/// Serves `service` on `listener` until `shutdown` completes.
pub async fn serve<S>(listener: TcpListener, service: S, shutdown: impl Future<Output = ()>)
where
    S: Service<
            Request<hyper::body::Incoming>,
            Response = Response<Full<Bytes>>,
            Error = Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send,
{
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            () = &mut shutdown => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => continue,
            },
        };
        let service = service.clone();
        tokio::spawn(http1::Builder::new().serve_connection(TokioIo::new(stream), service));
    }
}

/// The app as a hyper service.
pub fn app_service(
    app: Arc<App>,
) -> impl Service<
    Request<hyper::body::Incoming>,
    Response = Response<Full<Bytes>>,
    Error = Infallible,
    Future = impl Future<Output = Result<Response<Full<Bytes>>, Infallible>> + Send,
> + Clone
       + Send
       + 'static {
    service_fn(move |request| {
        let response = app.handle(&request);
        async move { Ok::<_, Infallible>(response) }
    })
}

async fn stop_after(run_for: Option<Duration>) {
    match run_for {
        Some(d) => tokio::time::sleep(d).await,
        None => std::future::pending().await,
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let app_addr = std::env::var("APP_ADDR").unwrap_or_else(|_| "127.0.0.1:3001".into());
    let metrics_addr = std::env::var("METRICS_ADDR").unwrap_or_else(|_| "127.0.0.1:9464".into());
    let run_for = std::env::var("RUN_SECONDS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .map(|s| Duration::from_secs_f64(s.max(0.0)));

    let registry = Arc::new(Registry::new());
    let app = App::new(&registry)?;
    let app_listener = TcpListener::bind(&app_addr).await?;
    let metrics_listener = TcpListener::bind(&metrics_addr).await?;
    println!(
        "hyper_service on http://{}/ (metrics at http://{}/metrics)",
        app_listener.local_addr()?,
        metrics_listener.local_addr()?
    );
    tokio::join!(
        serve(app_listener, app_service(app), stop_after(run_for)),
        serve(
            metrics_listener,
            MetricsService::new(registry),
            stop_after(run_for)
        ),
    );
    Ok(())
}
