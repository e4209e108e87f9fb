//! WebSocket sessions through axum's socket wrapped in `MeteredWebSocket`,
//! over real loopback connections: messages by direction and kind, close
//! codes (a close frame's, and `1006` for a client that just goes away),
//! durations, and the active gauge back at zero.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocketUpgrade};
use axum::routing::get;
use axum::Router;
use futures_util::{SinkExt, StreamExt};
use metrics_toolkit::{poll_until, promtool_check_metrics, python_parse_openmetrics};
use promstrict::http::websocket::{MeteredWebSocket, WebSocketMetrics};
use promstrict::{assert_sample, Format, Registry};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message as ClientMessage;

#[path = "support/axum_server.rs"]
mod axum_server;
use axum_server::with_server;

/// An echo server: every text or binary message comes back; anything else
/// ends the session.
fn app(ws: WebSocketMetrics) -> Router {
    Router::new().route(
        "/ws",
        get(move |upgrade: WebSocketUpgrade| {
            let ws = ws.clone();
            async move {
                upgrade.on_upgrade(move |socket| async move {
                    let mut socket = MeteredWebSocket::new(socket, &ws);
                    while let Some(Ok(message)) = socket.recv().await {
                        let echo = matches!(message, Message::Text(_) | Message::Binary(_));
                        if !echo || socket.send(message).await.is_err() {
                            break;
                        }
                    }
                })
            }
        }),
    )
}

#[test]
fn a_session_s_messages_and_close_codes_are_counted() {
    let registry = Arc::new(Registry::new());
    let ws = WebSocketMetrics::register(&registry).unwrap();
    with_server(app(ws), |addr| {
        talk(addr);
        assert_counted(&registry);
    });
}

/// A polite client (three messages, their echoes, then a close frame) and a
/// rude one (its connection just drops), on a runtime of their own.
fn talk(addr: SocketAddr) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let timeout = Duration::from_secs(10);
        let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (mut client, _) = tokio_tungstenite::client_async(format!("ws://{addr}/ws"), stream)
            .await
            .unwrap();
        for text in ["one", "two", "three"] {
            client.send(ClientMessage::text(text)).await.unwrap();
            let echo = tokio::time::timeout(timeout, client.next())
                .await
                .unwrap()
                .unwrap()
                .unwrap();
            assert_eq!(echo, ClientMessage::text(text));
        }
        client
            .send(ClientMessage::binary(vec![1, 2, 3]))
            .await
            .unwrap();
        let _ = tokio::time::timeout(timeout, client.next()).await.unwrap();
        client
            .close(Some(CloseFrame {
                code: CloseCode::Normal,
                reason: "bye".into(),
            }))
            .await
            .unwrap();
        // Drain until the server's side is done.
        while let Ok(Some(Ok(_))) = tokio::time::timeout(timeout, client.next()).await {}

        // The rude client connects, then its connection just drops.
        let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (client, _) = tokio_tungstenite::client_async(format!("ws://{addr}/ws"), stream)
            .await
            .unwrap();
        drop(client);
    });
}

/// Both sessions' messages and closes, once both have ended.
fn assert_counted(registry: &Registry) {
    let closed = poll_until(Duration::from_secs(10), Duration::from_millis(20), || {
        let done = registry.sample("websocket_connection_duration_seconds_count", &[]) == Some(2.0);
        done.then_some(())
    });
    assert!(closed.is_some(), "{}", registry.encode(Format::Prometheus));
    let messages = |direction, kind| [("direction", direction), ("kind", kind)];
    assert_sample!(
        registry,
        "websocket_messages_total",
        messages("received", "text"),
        3
    );
    assert_sample!(
        registry,
        "websocket_messages_total",
        messages("sent", "text"),
        3
    );
    assert_sample!(
        registry,
        "websocket_messages_total",
        messages("received", "binary"),
        1
    );
    assert_sample!(
        registry,
        "websocket_messages_total",
        messages("sent", "binary"),
        1
    );
    assert_sample!(
        registry,
        "websocket_messages_total",
        messages("received", "close"),
        1
    );
    assert_sample!(registry, "websocket_closes_total", [("code", "1000")], 1);
    assert_sample!(registry, "websocket_closes_total", [("code", "1006")], 1);
    assert_sample!(registry, "websocket_connections_active", 0);
    promtool_check_metrics(&registry.encode(Format::Prometheus)).unwrap();
    python_parse_openmetrics(&registry.encode(Format::OpenMetrics)).unwrap();
}
