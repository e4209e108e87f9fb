//! An axum app served on a loopback port for the length of a closure, for
//! the tests that need a real HTTP server (included with `#[path]`: the
//! support library itself does not depend on axum or tokio).

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;

/// Serves `app` on a free loopback port while `f` runs, then stops it
/// (waiting at most 10 s for the server to finish).
pub fn with_server(app: Router, f: impl FnOnce(SocketAddr)) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = runtime.spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
    });
    f(addr);
    let _ = stop.send(());
    runtime
        .block_on(async { tokio::time::timeout(Duration::from_secs(10), server).await })
        .expect("server stopped")
        .unwrap();
}
