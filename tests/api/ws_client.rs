//! A `graphql-transport-ws` client over a real WebSocket, for the tests.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use hubgraph::http::ws;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::helpers::TestApp;

/// How long a test waits for a message before it fails.
pub const WAIT: Duration = Duration::from_secs(10);

/// The application's WebSocket endpoint.
pub fn app_url(app: &TestApp) -> String {
    app.url("/graphql/ws").replacen("http://", "ws://", 1)
}

pub struct Client {
    pub socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Client {
    /// Connects offering `graphql-transport-ws`.
    pub async fn connect(url: &str) -> Client {
        Client::connect_with(url, Some(ws::PROTOCOL)).await.0
    }

    pub async fn connect_with(url: &str, protocol: Option<&str>) -> (Client, tungstenite::handshake::client::Response) {
        let mut request = url.into_client_request().unwrap();
        if let Some(protocol) = protocol {
            request
                .headers_mut()
                .insert("sec-websocket-protocol", protocol.parse().unwrap());
        }
        let (socket, response) = tokio_tungstenite::connect_async(request).await.expect("connect");
        (Client { socket }, response)
    }

    pub async fn send(&mut self, message: Value) {
        self.send_text(&message.to_string()).await;
    }

    pub async fn send_text(&mut self, text: &str) {
        self.socket.send(Message::text(text)).await.expect("send");
    }

    /// The next protocol message.
    pub async fn recv(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(WAIT, self.socket.next())
                .await
                .expect("a message in time")
                .expect("the connection is open")
                .expect("a message");
            match message {
                Message::Text(text) => return serde_json::from_str(&text).expect("JSON"),
                Message::Close(frame) => panic!("closed: {frame:?}"),
                _ => continue,
            }
        }
    }

    /// Reads until the server closes; the close code and reason.
    pub async fn closed(&mut self) -> (u16, String) {
        loop {
            let message = tokio::time::timeout(WAIT, self.socket.next())
                .await
                .expect("closed in time");
            match message {
                Some(Ok(Message::Close(Some(frame)))) => return (frame.code.into(), frame.reason.as_str().to_owned()),
                Some(Ok(Message::Close(None))) | None | Some(Err(_)) => panic!("closed without a code"),
                Some(Ok(_)) => continue,
            }
        }
    }

    pub async fn init(&mut self, payload: Value) {
        self.send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        assert_eq!(self.recv().await, json!({ "type": "connection_ack" }));
    }

    pub async fn subscribe(&mut self, id: &str, query: &str) {
        self.send(json!({ "type": "subscribe", "id": id, "payload": { "query": query } }))
            .await;
    }
}
