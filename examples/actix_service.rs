//! An actix-web service with HTTP request metrics (labelled by the matched
//! resource pattern), a business counter, and `/metrics` for Prometheus.
//!
//! ```text
//! cargo run --example actix_service --features actix-web
//! curl -X POST localhost:8080/v1/orders
//! curl localhost:8080/v1/orders/1
//! curl localhost:8080/metrics
//! ```
//!
//! `APP_ADDR` sets the address (default `127.0.0.1:8080`); `RUN_SECONDS`
//! stops the server after that long (default: run until killed).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_web::{web, App, HttpResponse, HttpServer};
use promstrict::http::actix::{configure, HttpMetricsMiddleware};
use promstrict::{Counter, Family, LabelSet, LabelValue, Metrics, Registry, RegistryError};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum Channel {
    Web,
    Api,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
pub struct OrderLabels {
    pub channel: Channel,
}

/// The shop's own metrics (the HTTP ones come from the middleware).
#[derive(Metrics)]
pub struct ShopMetrics {
    /// Orders placed, by channel.
    pub orders_created_total: Family<OrderLabels, Counter>,
}

pub struct Shop {
    metrics: ShopMetrics,
    orders: AtomicU64,
}

/// Everything the app needs, registered once in `registry` (the
/// `HttpServer` factory runs once per worker and only clones these).
#[derive(Clone)]
pub struct Setup {
    pub registry: Arc<Registry>,
    pub shop: Arc<Shop>,
    pub http_metrics: HttpMetricsMiddleware,
}

impl Setup {
    pub fn new(registry: Arc<Registry>) -> Result<Self, RegistryError> {
        Ok(Setup {
            shop: Arc::new(Shop {
                metrics: ShopMetrics::register(&registry)?,
                orders: AtomicU64::new(0),
            }),
            http_metrics: HttpMetricsMiddleware::new(&registry)?,
            registry,
        })
    }

    /// The routes, `/metrics` included; wrap the app in `self.http_metrics`.
    pub fn configure(&self, config: &mut web::ServiceConfig) {
        config
            .app_data(web::Data::from(Arc::clone(&self.shop)))
            .route("/health", web::get().to(|| async { "ok" }))
            .route("/v1/orders", web::post().to(create_order))
            .route("/v1/orders/{id}", web::get().to(get_order))
            .configure(configure(Arc::clone(&self.registry)));
    }
}

async fn create_order(shop: web::Data<Shop>, request: actix_web::HttpRequest) -> HttpResponse {
    let channel = if request.headers().contains_key("x-api-key") {
        Channel::Api
    } else {
        Channel::Web
    };
    shop.metrics
        .orders_created_total
        .labels(OrderLabels { channel })
        .inc();
    let id = shop.orders.fetch_add(1, Ordering::Relaxed) + 1;
    HttpResponse::Created().body(format!("{id}\n"))
}

async fn get_order(shop: web::Data<Shop>, id: web::Path<String>) -> HttpResponse {
    match id.parse::<u64>() {
        Ok(id) if (1..=shop.orders.load(Ordering::Relaxed)).contains(&id) => {
            HttpResponse::Ok().body(format!("order {id}\n"))
        }
        _ => HttpResponse::NotFound().body("no such order\n"),
    }
}

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = std::env::var("APP_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".into());
    let setup = Setup::new(Arc::new(Registry::new()))?;
    let server = HttpServer::new(move || {
        App::new()
            .configure(|config| setup.configure(config))
            .wrap(setup.http_metrics.clone())
    })
    .workers(2)
    .bind(&addr)?;
    println!(
        "actix_service on http://{}/ (metrics at /metrics)",
        server.addrs()[0]
    );
    let server = server.run();
    if let Some(secs) = std::env::var("RUN_SECONDS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
    {
        let handle = server.handle();
        actix_web::rt::spawn(async move {
            actix_web::rt::time::sleep(Duration::from_secs_f64(secs.max(0.0))).await;
            handle.stop(true).await;
        });
    }
    server.await?;
    Ok(())
}
