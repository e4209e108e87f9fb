//! WebSocket session metrics: connections open, messages by direction and
//! kind, connection duration, and close codes as a closed set. With the
//! `axum-ws` feature, [`MeteredWebSocket`] records them around axum's
//! socket without your code touching a counter.

use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use promstrict_core::{
    Buckets, Counter, Descriptor, Family, Gauge, Histogram, LabelSet, LabelValue, MetricGroup,
    Registry, RegistryError,
};

/// Which way a message went (`direction`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// `received`: from the client.
    Received,
    /// `sent`: to the client.
    Sent,
}

promstrict_core::__impl_label_value!(Direction, ["received", "sent"]);

/// A message's kind (`kind`): `text`, `binary`, `ping`, `pong`, `close`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// A text message.
    Text,
    /// A binary message.
    Binary,
    /// A ping.
    Ping,
    /// A pong.
    Pong,
    /// A close frame.
    Close,
}

promstrict_core::__impl_label_value!(MessageKind, ["text", "binary", "ping", "pong", "close"]);

/// How a connection closed (`code`): the close codes of RFC 6455 §7.4.1 that
/// an endpoint sends, as their numbers, `1006` for a connection that ended
/// without a close frame, and `other` for any other code (an
/// application's 4000–4999, say), so a peer cannot add series.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CloseCode(u8);

impl CloseCode {
    const CODES: [u16; 11] = [
        1000, 1001, 1002, 1003, 1005, 1006, 1007, 1008, 1009, 1010, 1011,
    ];

    /// `1000`: normal closure.
    pub const NORMAL: CloseCode = CloseCode(0);
    /// `1001`: the endpoint is going away.
    pub const GOING_AWAY: CloseCode = CloseCode(1);
    /// `1005`: a close frame without a code.
    pub const NO_STATUS: CloseCode = CloseCode(4);
    /// `1006`: the connection ended without a close frame.
    pub const ABNORMAL: CloseCode = CloseCode(5);

    /// The label value of close code `code`.
    pub fn from_code(code: u16) -> Self {
        match Self::CODES.iter().position(|&c| c == code) {
            Some(i) => CloseCode(i as u8),
            None => CloseCode(Self::CODES.len() as u8),
        }
    }
}

impl LabelValue for CloseCode {
    const CARDINALITY: usize = 12;
    const NAMES: &'static [&'static str] = &[
        "1000", "1001", "1002", "1003", "1005", "1006", "1007", "1008", "1009", "1010", "1011",
        "other",
    ];

    #[inline]
    fn index(self) -> usize {
        self.0 as usize
    }

    fn name_at(index: usize) -> Option<&'static str> {
        Self::NAMES.get(index).copied()
    }
}

#[derive(Clone, Copy, LabelSet)]
struct MessageLabels {
    direction: Direction,
    kind: MessageKind,
}

#[derive(Clone, Copy, LabelSet)]
struct CloseLabels {
    code: CloseCode,
}

struct Families {
    active: Gauge,
    messages: Family<MessageLabels, Counter>,
    duration: Histogram,
    closes: Family<CloseLabels, Counter>,
}

/// The WebSocket metrics, registered in a [`Registry`]:
///
/// - `websocket_connections_active` (gauge): connections open;
/// - `websocket_messages_total{direction, kind}` (counter): messages
///   `received` and `sent`, by kind ([`MessageKind`]);
/// - `websocket_connection_duration_seconds` (histogram): how long
///   connections lasted;
/// - `websocket_closes_total{code}` (counter): closed connections, by close
///   code ([`CloseCode`]).
///
/// ```
/// # mod promstrict { pub use promstrict_core::*; pub mod http { pub use promstrict_serve::*; } }
/// use promstrict::http::websocket::{CloseCode, Direction, MessageKind, WebSocketMetrics};
/// use promstrict::{assert_sample, Registry};
///
/// let registry = Registry::new();
/// let ws = WebSocketMetrics::register(&registry)?;
/// let mut session = ws.connection();                 // one connection open …
/// session.message(Direction::Received, MessageKind::Text);
/// session.message(Direction::Sent, MessageKind::Text);
/// session.closed(1000);
/// drop(session);                                      // … and closed
/// assert_sample!(registry, "websocket_connections_active", 0);
/// assert_sample!(registry, "websocket_closes_total", [("code", "1000")], 1);
/// # Ok::<(), promstrict::RegistryError>(())
/// ```
#[derive(Clone)]
pub struct WebSocketMetrics {
    families: Arc<Families>,
}

impl fmt::Debug for WebSocketMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebSocketMetrics")
            .field("active", &self.families.active.get())
            .finish_non_exhaustive()
    }
}

impl WebSocketMetrics {
    /// The connection duration buckets, in seconds: 1 s to 4 h.
    pub const DURATION_BUCKETS: &'static [f64] = &[
        1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0,
    ];

    /// Registers the metrics in `registry`; `Err` (and nothing registered)
    /// if a name is taken.
    pub fn register(registry: &Registry) -> Result<Self, RegistryError> {
        let families = Families {
            active: Gauge::new(),
            messages: Family::default(),
            duration: Histogram::new(
                Buckets::new(Self::DURATION_BUCKETS).expect("valid duration buckets"),
            ),
            closes: Family::default(),
        };
        const OWNER: &str = "the WebSocket metrics (`http::websocket::WebSocketMetrics`)";
        const GROUP: &str = "WebSocketMetrics";
        let descriptor = |name, help| Descriptor::new(name, help).owner(OWNER).group(GROUP);
        let mut group = MetricGroup::new();
        group
            .add(
                descriptor(
                    "websocket_connections_active",
                    "WebSocket connections open.",
                ),
                &families.active,
            )
            .add(
                descriptor(
                    "websocket_messages_total",
                    "WebSocket messages, by direction (received, sent) and kind.",
                ),
                &families.messages,
            )
            .add(
                descriptor(
                    "websocket_connection_duration_seconds",
                    "How long WebSocket connections lasted.",
                ),
                &families.duration,
            )
            .add(
                descriptor(
                    "websocket_closes_total",
                    "Closed WebSocket connections, by close code (1006: no close frame).",
                ),
                &families.closes,
            );
        registry.register_group(group)?;
        Ok(WebSocketMetrics {
            families: Arc::new(families),
        })
    }

    /// A connection opens: counted as active until the returned guard is
    /// dropped, which records its duration and close code.
    pub fn connection(&self) -> Connection {
        self.families.active.inc();
        Connection {
            metrics: self.clone(),
            start: Instant::now(),
            close: None,
        }
    }

    /// Connections open now.
    pub fn active(&self) -> i64 {
        self.families.active.get()
    }
}

/// One open connection ([`WebSocketMetrics::connection`]). Dropping it ends
/// the connection: its duration and close code are recorded (`1006` if no
/// close frame was seen) and the active gauge comes down.
#[must_use = "a connection is recorded when its guard is dropped"]
pub struct Connection {
    metrics: WebSocketMetrics,
    start: Instant,
    close: Option<CloseCode>,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("elapsed", &self.start.elapsed())
            .field("close", &self.close.map(LabelValue::as_str))
            .finish()
    }
}

impl Connection {
    /// Counts a message.
    pub fn message(&mut self, direction: Direction, kind: MessageKind) {
        self.metrics
            .families
            .messages
            .labels(MessageLabels { direction, kind })
            .inc();
    }

    /// A close frame with `code` was received or sent (the first one counts).
    pub fn closed(&mut self, code: u16) {
        self.close.get_or_insert(CloseCode::from_code(code));
    }

    /// A close frame without a code (`1005`).
    pub fn closed_without_code(&mut self) {
        self.close.get_or_insert(CloseCode::NO_STATUS);
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        let families = &self.metrics.families;
        families
            .duration
            .observe(self.start.elapsed().as_secs_f64());
        families
            .closes
            .labels(CloseLabels {
                code: self.close.unwrap_or(CloseCode::ABNORMAL),
            })
            .inc();
        families.active.dec();
    }
}

#[cfg(feature = "axum-ws")]
pub use self::axum_ws::MeteredWebSocket;

#[cfg(feature = "axum-ws")]
mod axum_ws {
    use ::axum::extract::ws::{Message, WebSocket};

    use super::{Connection, Direction, MessageKind, WebSocketMetrics};

    /// axum's [`WebSocket`] recording [`WebSocketMetrics`]: every message
    /// received and sent, the close code, and the connection's duration
    /// (until this is dropped).
    ///
    /// ```
    /// # mod promstrict { pub use promstrict_core::*; pub mod http { pub use promstrict_serve::*; } }
    /// use axum::extract::ws::{Message, WebSocketUpgrade};
    /// use axum::{response::Response, routing::get, Router};
    /// use promstrict::http::websocket::{MeteredWebSocket, WebSocketMetrics};
    ///
    /// # fn app(registry: &promstrict::Registry) -> Result<Router, promstrict::RegistryError> {
    /// let ws = WebSocketMetrics::register(registry)?;
    /// let echo = move |upgrade: WebSocketUpgrade| {
    ///     let ws = ws.clone();
    ///     async move {
    ///         upgrade.on_upgrade(move |socket| async move {
    ///             let mut socket = MeteredWebSocket::new(socket, &ws);
    ///             while let Some(Ok(message)) = socket.recv().await {
    ///                 if socket.send(message).await.is_err() {
    ///                     break;
    ///                 }
    ///             }
    ///         })
    ///     }
    /// };
    /// Ok(Router::new().route("/ws", get(echo)))
    /// # }
    /// ```
    #[derive(Debug)]
    pub struct MeteredWebSocket {
        socket: WebSocket,
        connection: Connection,
    }

    fn kind(message: &Message) -> MessageKind {
        match message {
            Message::Text(_) => MessageKind::Text,
            Message::Binary(_) => MessageKind::Binary,
            Message::Ping(_) => MessageKind::Ping,
            Message::Pong(_) => MessageKind::Pong,
            Message::Close(_) => MessageKind::Close,
        }
    }

    impl MeteredWebSocket {
        /// Wraps `socket`, counting it as an open connection of `metrics`.
        pub fn new(socket: WebSocket, metrics: &WebSocketMetrics) -> Self {
            MeteredWebSocket {
                socket,
                connection: metrics.connection(),
            }
        }

        fn saw(&mut self, direction: Direction, message: &Message) {
            self.connection.message(direction, kind(message));
            if let Message::Close(frame) = message {
                match frame {
                    Some(frame) => self.connection.closed(frame.code),
                    None => self.connection.closed_without_code(),
                }
            }
        }

        /// The next message from the client ([`WebSocket::recv`]), counted.
        pub async fn recv(&mut self) -> Option<Result<Message, ::axum::Error>> {
            let message = self.socket.recv().await;
            if let Some(Ok(message)) = &message {
                self.saw(Direction::Received, message);
            }
            message
        }

        /// Sends `message` ([`WebSocket::send`]), counted once sent.
        pub async fn send(&mut self, message: Message) -> Result<(), ::axum::Error> {
            let kind = kind(&message);
            let close = match &message {
                Message::Close(Some(frame)) => Some(frame.code),
                _ => None,
            };
            let is_close = kind == MessageKind::Close;
            self.socket.send(message).await?;
            self.connection.message(Direction::Sent, kind);
            match close {
                Some(code) => self.connection.closed(code),
                None if is_close => self.connection.closed_without_code(),
                None => {}
            }
            Ok(())
        }

        /// The wrapped socket, for what this wrapper does not offer (its
        /// messages are then not counted).
        pub fn get_mut(&mut self) -> &mut WebSocket {
            &mut self.socket
        }
    }
}
