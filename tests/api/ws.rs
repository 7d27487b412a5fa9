//! `graphql-transport-ws` at `/graphql/ws`, with a real WebSocket client
//! over TCP: the protocol's messages and close codes, keepalive, streaming,
//! stopping, errors, shutdown, and that connections leave nothing behind.
//!
//! The protocol cases run the same handler over a small test schema whose
//! subscriptions stream, stall and fail on demand; `hub_live` covers the
//! application's own `hubStatusChanged`.

use std::net::SocketAddr;
use std::time::Duration;

use async_graphql::{Context, EmptyMutation, Guard, Object, Schema, Subscription};
use futures_util::{SinkExt, Stream, StreamExt, stream};
use hubgraph::http::ws::{self, Close, Options};
use hubgraph::partners::PartnerKind;
use hubgraph::{AppState, Application};
use poem::http::HeaderMap;
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::web::Data;
use poem::web::websocket::WebSocket;
use poem::{EndpointExt, Response, Route, Server, get, handler};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::*;
use crate::ws_client::*;

// --- a small schema with subscriptions -------------------------------------

/// Who the test `connection_init` callback let in.
#[derive(Clone)]
struct Who(String);

struct Query;

#[Object]
impl Query {
    async fn hello(&self) -> &str {
        "world"
    }

    /// The name attached by `connection_init`; proves that per-connection data reaches resolvers.
    async fn who(&self, ctx: &Context<'_>) -> Option<String> {
        ctx.data_opt::<Who>().map(|who| who.0.clone())
    }
}

struct Forbidden;

impl Guard for Forbidden {
    async fn check(&self, _ctx: &Context<'_>) -> async_graphql::Result<()> {
        use async_graphql::ErrorExtensions;
        Err(async_graphql::Error::new("not for you").extend_with(|_, e| e.set("code", "FORBIDDEN")))
    }
}

struct Subscription;

#[Subscription]
impl Subscription {
    /// 1, 2, ... `to`, then the end.
    async fn counter(&self, to: i32) -> impl Stream<Item = i32> {
        stream::iter(1..=to)
    }

    /// A number every 20 ms, for ever.
    async fn ticker(&self) -> impl Stream<Item = i32> {
        let ticks = tokio_stream::wrappers::IntervalStream::new(tokio::time::interval(Duration::from_millis(20)));
        ticks.enumerate().map(|(n, _)| n as i32)
    }

    /// Never says anything, never ends.
    async fn silent(&self) -> impl Stream<Item = i32> {
        stream::pending()
    }

    #[graphql(guard = "Forbidden")]
    async fn secret(&self) -> impl Stream<Item = i32> {
        stream::iter([42])
    }
}

type TestSchema = Schema<Query, EmptyMutation, Subscription>;

#[derive(Clone)]
struct TestServer {
    schema: TestSchema,
    options: Options,
}

/// `connection_init` for the test server: `{"name": "..."}` is let in,
/// `{"name": "mallory"}` is refused.
async fn test_init(
    payload: serde_json::Map<String, Value>,
) -> Result<impl Fn(async_graphql::Request) -> async_graphql::Request + Send + 'static, Close> {
    let name = payload
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("anonymous")
        .to_owned();
    if name == "mallory" {
        return Err(Close::forbidden());
    }
    Ok(move |request: async_graphql::Request| request.data(Who(name.clone())))
}

#[handler]
fn test_endpoint(ws: WebSocket, headers: &HeaderMap, Data(server): Data<&TestServer>) -> Response {
    ws::upgrade(ws, headers, server.schema.clone(), server.options.clone(), test_init)
}

/// The ws handler over the test schema on a random port.
async fn spawn_test_server(options: Options) -> SocketAddr {
    let schema = Schema::build(Query, EmptyMutation, Subscription).finish();
    let app = Route::new()
        .at("/ws", get(test_endpoint))
        .data(TestServer { schema, options });
    let acceptor = TcpListener::bind("127.0.0.1:0").into_acceptor().await.unwrap();
    let address = *acceptor.local_addr()[0].as_socket_addr().unwrap();
    tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
    address
}

fn test_url(address: SocketAddr) -> String {
    format!("ws://{address}/ws")
}

/// Polls `check` until it holds, failing after a generous deadline.
async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !check() {
        assert!(tokio::time::Instant::now() < deadline, "never happened: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

// --- the handshake -------------------------------------------------------------

#[tokio::test]
async fn the_subprotocol_is_negotiated_and_init_is_acknowledged() {
    let address = spawn_test_server(Options::default()).await;
    let (mut client, response) = Client::connect_with(&test_url(address), Some("graphql-transport-ws")).await;
    assert_eq!(response.headers()["sec-websocket-protocol"], "graphql-transport-ws");
    client.init(json!({})).await;
    // No payload at all is fine too.
    let mut bare = Client::connect(&test_url(address)).await;
    bare.send(json!({ "type": "connection_init" })).await;
    assert_eq!(bare.recv().await["type"], "connection_ack");
}

#[tokio::test]
async fn a_client_without_the_subprotocol_is_closed_with_4406() {
    let address = spawn_test_server(Options::default()).await;
    let (mut client, _) = Client::connect_with(&test_url(address), None).await;
    assert_eq!(client.closed().await.0, 4406);
}

#[tokio::test]
async fn connection_data_reaches_every_operation() {
    let address = spawn_test_server(Options::default()).await;
    let mut client = Client::connect(&test_url(address)).await;
    client.init(json!({ "name": "alice" })).await;
    client.subscribe("1", "{ who }").await;
    assert_eq!(
        client.recv().await,
        json!({ "type": "next", "id": "1", "payload": { "data": { "who": "alice" } } })
    );
    assert_eq!(client.recv().await, json!({ "type": "complete", "id": "1" }));
}

#[tokio::test]
async fn a_refused_init_closes_with_4403() {
    let address = spawn_test_server(Options::default()).await;
    let mut client = Client::connect(&test_url(address)).await;
    client
        .send(json!({ "type": "connection_init", "payload": { "name": "mallory" } }))
        .await;
    assert_eq!(client.closed().await, (4403, "Forbidden".into()));
}

#[tokio::test]
async fn no_init_within_the_timeout_closes_with_4408() {
    let options = Options {
        init_timeout: Duration::from_millis(200),
        ..Options::default()
    };
    let address = spawn_test_server(options).await;
    let mut client = Client::connect(&test_url(address)).await;
    // A ping does not count as initialisation.
    client.send(json!({ "type": "ping" })).await;
    assert_eq!(client.recv().await, json!({ "type": "pong" }));
    assert_eq!(
        client.closed().await,
        (4408, "Connection initialisation timeout".into())
    );
}

#[tokio::test]
async fn a_second_init_closes_with_4429() {
    let address = spawn_test_server(Options::default()).await;
    let mut client = Client::connect(&test_url(address)).await;
    client.init(json!({})).await;
    client.send(json!({ "type": "connection_init" })).await;
    assert_eq!(client.closed().await, (4429, "Too many initialisation requests".into()));
}

#[tokio::test]
async fn subscribe_before_the_ack_closes_with_4401() {
    let address = spawn_test_server(Options::default()).await;
    let mut client = Client::connect(&test_url(address)).await;
    client.subscribe("1", "{ hello }").await;
    assert_eq!(client.closed().await, (4401, "Unauthorized".into()));
}

#[tokio::test]
async fn malformed_messages_close_with_4400() {
    let address = spawn_test_server(Options::default()).await;
    let cases = [
        "not json",
        r#"{"type":"shout"}"#,
        r#"{"no":"type"}"#,
        r#"{"type":"connection_init","payload":"a string"}"#,
        r#"{"type":"subscribe","id":"1","payload":{"query":"{ hello }","variables":[1]}}"#,
        r#"{"type":"subscribe","id":"1"}"#,
    ];
    for (n, text) in cases.into_iter().enumerate() {
        let mut client = Client::connect(&test_url(address)).await;
        // The subscribe cases are after the ack, so the message itself is at fault.
        if n >= 4 {
            client.init(json!({})).await;
        }
        client.send_text(text).await;
        assert_eq!(client.closed().await.0, 4400, "{text}");
    }
    let mut binary = Client::connect(&test_url(address)).await;
    binary.socket.send(Message::binary(vec![1, 2, 3])).await.unwrap();
    assert_eq!(binary.closed().await.0, 4400);
}

#[tokio::test]
async fn a_duplicate_subscription_id_closes_with_4409() {
    let address = spawn_test_server(Options::default()).await;
    let mut client = Client::connect(&test_url(address)).await;
    client.init(json!({})).await;
    client.subscribe("one", "subscription { silent }").await;
    client.subscribe("one", "subscription { silent }").await;
    assert_eq!(
        client.closed().await,
        (4409, "Subscriber for one already exists".into())
    );
}

#[tokio::test]
async fn ping_gets_pong_and_the_server_pings_on_its_own() {
    let options = Options {
        keepalive: Duration::from_millis(100),
        ..Options::default()
    };
    let address = spawn_test_server(options).await;
    let mut client = Client::connect(&test_url(address)).await;
    client.init(json!({})).await;
    client.send(json!({ "type": "ping", "payload": { "x": 1 } })).await;
    assert_eq!(client.recv().await, json!({ "type": "pong" }));
    // Nothing else is going on: the next messages are the server's pings.
    assert_eq!(client.recv().await, json!({ "type": "ping" }));
    assert_eq!(client.recv().await, json!({ "type": "ping" }));
    // Answering them is optional; a pong from the client is accepted quietly.
    client.send(json!({ "type": "pong" })).await;
    client.send(json!({ "type": "ping" })).await;
    loop {
        let message = client.recv().await;
        if message["type"] == "pong" {
            break;
        }
        assert_eq!(message, json!({ "type": "ping" }));
    }
}

// --- operations ----------------------------------------------------------------

#[tokio::test]
async fn a_subscription_streams_next_messages_then_complete() {
    let address = spawn_test_server(Options::default()).await;
    let mut client = Client::connect(&test_url(address)).await;
    client.init(json!({})).await;
    client.subscribe("c", "subscription { counter(to: 3) }").await;
    for n in 1..=3 {
        assert_eq!(
            client.recv().await,
            json!({ "type": "next", "id": "c", "payload": { "data": { "counter": n } } })
        );
    }
    assert_eq!(client.recv().await, json!({ "type": "complete", "id": "c" }));
    // The id is free again once completed.
    client.subscribe("c", "subscription { counter(to: 1) }").await;
    assert_eq!(client.recv().await["type"], "next");
    assert_eq!(client.recv().await["type"], "complete");
}

#[tokio::test]
async fn complete_from_the_client_stops_the_subscription() {
    let options = Options::default();
    let gauges = options.gauges.clone();
    let address = spawn_test_server(options).await;
    let mut client = Client::connect(&test_url(address)).await;
    client.init(json!({})).await;
    client.subscribe("t", "subscription { ticker }").await;
    assert_eq!(client.recv().await["type"], "next");
    assert_eq!(gauges.operations(), 1);
    client.send(json!({ "type": "complete", "id": "t" })).await;
    client.send(json!({ "type": "ping" })).await;
    // Ticks already sent may still arrive before the pong; none after it.
    loop {
        let message = client.recv().await;
        if message["type"] == "pong" {
            break;
        }
        assert_eq!(message["type"], "next");
    }
    client.send(json!({ "type": "ping" })).await;
    assert_eq!(client.recv().await, json!({ "type": "pong" }));
    assert_eq!(gauges.operations(), 0);
    // Completing an unknown or finished id is harmless.
    client.send(json!({ "type": "complete", "id": "t" })).await;
    client.send(json!({ "type": "ping" })).await;
    assert_eq!(client.recv().await, json!({ "type": "pong" }));
}

#[tokio::test]
async fn an_invalid_operation_gets_an_error_message_with_codes() {
    let address = spawn_test_server(Options::default()).await;
    let mut client = Client::connect(&test_url(address)).await;
    client.init(json!({})).await;

    client.subscribe("v", "subscription { nope }").await;
    let error = client.recv().await;
    assert_eq!(error["type"], "error", "{error}");
    assert_eq!(error["id"], "v");
    assert_eq!(error["payload"][0]["extensions"]["code"], "BAD_USER_INPUT", "{error}");

    client.subscribe("g", "subscription { secret }").await;
    let error = client.recv().await;
    assert_eq!(error["type"], "error", "{error}");
    assert_eq!(error["payload"][0]["message"], "not for you");
    assert_eq!(error["payload"][0]["extensions"]["code"], "FORBIDDEN");

    client.subscribe("s", "subscription { counter(to: 1) } }").await;
    assert_eq!(client.recv().await["type"], "error");

    // An error ends the operation without `complete`, and frees its id.
    client.subscribe("v", "subscription { counter(to: 1) }").await;
    assert_eq!(client.recv().await["type"], "next");
    assert_eq!(client.recv().await, json!({ "type": "complete", "id": "v" }));
}

#[tokio::test]
async fn oversized_queries_and_too_many_operations_are_refused_per_operation() {
    let options = Options {
        max_query_bytes: 100,
        max_operations: 2,
        ..Options::default()
    };
    let address = spawn_test_server(options).await;
    let mut client = Client::connect(&test_url(address)).await;
    client.init(json!({})).await;
    let long = format!("{{ hello {} }}", " ".repeat(200));
    client.subscribe("long", &long).await;
    let error = client.recv().await;
    assert_eq!(error["type"], "error");
    assert_eq!(error["payload"][0]["extensions"]["code"], "QUERY_TOO_LARGE");

    client.subscribe("a", "subscription { silent }").await;
    client.subscribe("b", "subscription { silent }").await;
    client.subscribe("c", "subscription { silent }").await;
    let error = client.recv().await;
    assert_eq!(error["id"], "c");
    assert_eq!(error["payload"][0]["extensions"]["code"], "RATE_LIMITED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_and_dropping_many_subscriptions_leaves_nothing_behind() {
    let options = Options::default();
    let gauges = options.gauges.clone();
    let address = spawn_test_server(options).await;
    let tasks = || tokio::runtime::Handle::current().metrics().num_alive_tasks();
    let baseline = tasks();

    let count = 500;
    let mut clients = Vec::with_capacity(count);
    for n in 0..count {
        let mut client = Client::connect(&test_url(address)).await;
        client.init(json!({})).await;
        client.subscribe(&n.to_string(), "subscription { silent }").await;
        clients.push(client);
    }
    eventually("every subscription is running", || gauges.operations() == count).await;
    assert_eq!(gauges.connections(), count);
    assert!(tasks() >= baseline + count, "each connection is served by a task");

    // Half leave politely, half just vanish.
    for (n, mut client) in clients.into_iter().enumerate() {
        if n % 2 == 0 {
            let _ = client.socket.close(None).await;
        }
    }
    eventually("every connection is gone", || gauges.connections() == 0).await;
    assert_eq!(gauges.operations(), 0);
    eventually("the tasks are back to the baseline", || tasks() <= baseline + 2).await;
}

// --- the application's endpoint ------------------------------------------------

#[tokio::test]
async fn the_application_answers_queries_over_websocket() {
    let app = spawn_app_with(Backend::Sqlite, false).await.unwrap();
    let mut client = Client::connect(&app_url(&app)).await;
    client.init(json!({})).await;
    client.subscribe("q", "{ me { scopes } }").await;
    assert_eq!(
        client.recv().await,
        json!({ "type": "next", "id": "q", "payload": { "data": { "me": null } } })
    );
    assert_eq!(client.recv().await, json!({ "type": "complete", "id": "q" }));
    // Validation errors carry codes, as over HTTP.
    client.subscribe("bad", "{ nope }").await;
    let error = client.recv().await;
    assert_eq!(error["type"], "error");
    assert_eq!(error["payload"][0]["extensions"]["code"], "BAD_USER_INPUT");
}

#[tokio::test]
async fn a_token_in_connection_init_names_the_viewer() {
    let app = spawn_app_with(Backend::Sqlite, false).await.unwrap();
    let partner = app.add_partner(PartnerKind::Admin, "Operator", None, &[]).await;
    let token = app.issue_token(&partner, &[]).await.token;

    for key in ["authorization", "Authorization"] {
        let mut client = Client::connect(&app_url(&app)).await;
        client.init(json!({ key: format!("Bearer {token}") })).await;
        client.subscribe("me", "{ me { partner { name } } }").await;
        let next = client.recv().await;
        assert_eq!(next["payload"]["data"]["me"]["partner"]["name"], "Operator", "{next}");
    }

    let refused = [
        json!({ "authorization": format!("Bearer {token}x") }),
        json!({ "authorization": token }),
        json!({ "authorization": "Bearer" }),
    ];
    for payload in refused {
        let mut client = Client::connect(&app_url(&app)).await;
        client
            .send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        assert_eq!(client.closed().await, (4403, "Forbidden".into()), "{payload}");
    }

    let mut client = Client::connect(&app_url(&app)).await;
    client
        .send(json!({ "type": "connection_init", "payload": { "authorization": 42 } }))
        .await;
    assert_eq!(client.closed().await.0, 4400);
}

#[tokio::test]
async fn metrics_count_websocket_connections_and_operations() {
    let app = spawn_app_with(Backend::Sqlite, false).await.unwrap();
    let mut clients = Vec::new();
    for _ in 0..3 {
        let mut client = Client::connect(&app_url(&app)).await;
        client.init(json!({})).await;
        clients.push(client);
    }
    let body = app.metrics().await;
    assert_eq!(metric_value(&body, "hubgraph_ws_connections"), Some(3), "{body}");
    assert_eq!(metric_value(&body, "hubgraph_subscriptions_active"), Some(0), "{body}");
    assert!(metric_value(&body, "hubgraph_tasks_alive").is_some(), "{body}");
    drop(clients);
    eventually("the connections are gone", || app.state.ws.connections() == 0).await;
    let body = app.metrics().await;
    assert_eq!(metric_value(&body, "hubgraph_ws_connections"), Some(0), "{body}");
}

#[tokio::test]
async fn shutdown_closes_open_websockets_with_1001() {
    let app = spawn_app_with(Backend::Sqlite, false).await.unwrap();
    // A second server on the same database, which this test shuts down.
    let state = AppState {
        shutdown: tokio_util::sync::CancellationToken::new(),
        ..app.state.clone()
    };
    let server = Application::bind(state, "127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/graphql/ws", server.address());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(server.run_until(async {
        let _ = stopped.await;
    }));
    let mut client = Client::connect(&url).await;
    client.init(json!({})).await;
    stop.send(()).unwrap();
    assert_eq!(client.closed().await, (1001, "Server shutting down".into()));
    tokio::time::timeout(WAIT, running)
        .await
        .expect("the server stops")
        .unwrap()
        .unwrap();
}
