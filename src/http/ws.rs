//! GraphQL over WebSocket at `GET /graphql/ws`, by the
//! `graphql-transport-ws` protocol (graphql-ws's PROTOCOL.md) with its close
//! codes, which async-graphql-poem 7.2 does not send (it closes with 1002
//! or 1011 where the protocol asks for 4400, 4401, 4403 or 4408).
//!
//! One task per connection (the one poem upgrades into) does everything:
//! it reads client messages, polls every operation's response stream and
//! writes to the socket. Nothing else is spawned, so when the socket closes
//! every operation goes with it.
//!
//! Backpressure, not buffering: a response is written before the next one
//! is taken from any operation, so a client that reads slowly slows its own
//! operations (and the event bus drops the oldest events for them, never
//! holding up a publisher). Memory per connection is bounded by the
//! socket's write buffer. A client that stops reading altogether is cut off
//! once a write has stalled for `write_timeout`, without a close frame,
//! since it would not read one.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{ErrorExtensionValues, Executor, ServerError, Value};
use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use futures_util::{SinkExt, Stream, StreamExt};
use poem::http::{HeaderMap, header};
use poem::web::Data;
use poem::web::websocket::{Message, WebSocket, WebSocketConfig, WebSocketStream};
use poem::{IntoResponse, Response, handler};
use serde::{Deserialize, Serialize};
use serde_json::Map;
use tokio_stream::StreamMap;
use tokio_util::sync::CancellationToken;

use super::graphql::{chosen_operation, operation_data, with_codes};
use super::ratelimit::Caller;
use super::response_cache::ResponseCache;
use crate::AppState;
use crate::config::Limits;
use crate::error::AppError;
use crate::graphql::budget::{self, ReadBudget};
use crate::graphql::{null_propagation, reach};
use crate::partners::audit::RequestId;
use crate::partners::{self, Viewer};
use crate::write_turns::CommitWatch;

/// The subprotocol spoken here (`Protocols::GraphQLWS` in async-graphql).
pub const PROTOCOL: &str = "graphql-transport-ws";

/// How long a close handshake may take before the socket is just dropped.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// A close frame: code and reason (at most 123 bytes, as WebSocket allows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Close {
    pub code: u16,
    pub reason: String,
}

impl Close {
    pub fn new(code: u16, reason: impl Into<String>) -> Close {
        let mut reason = reason.into();
        if reason.len() > 123 {
            let mut end = 123;
            while !reason.is_char_boundary(end) {
                end -= 1;
            }
            reason.truncate(end);
        }
        Close { code, reason }
    }

    /// 4400: the client broke the protocol.
    pub fn bad_request(reason: impl Into<String>) -> Close {
        Close::new(4400, reason)
    }

    /// 4403: the credentials in `connection_init` are refused.
    pub fn forbidden() -> Close {
        Close::new(4403, "Forbidden")
    }

    /// 4500: a fault of ours (details in the log, not in the reason).
    pub fn internal() -> Close {
        Close::new(4500, "Internal server error")
    }
}

/// Open connections and operations, read by `/metrics` and the tests.
#[derive(Debug, Default)]
pub struct Gauges {
    connections: AtomicUsize,
    operations: AtomicUsize,
}

impl Gauges {
    /// Open WebSocket connections.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::Relaxed)
    }

    /// Operations in flight over WebSocket (subscriptions, mostly).
    pub fn operations(&self) -> usize {
        self.operations.load(Ordering::Relaxed)
    }
}

/// One unit on a gauge for as long as it lives, so that every way out
/// (close, error, panic, cancellation) gives it back.
struct Held {
    gauges: Arc<Gauges>,
    gauge: fn(&Gauges) -> &AtomicUsize,
}

impl Held {
    fn new(gauges: &Arc<Gauges>, gauge: fn(&Gauges) -> &AtomicUsize) -> Held {
        gauge(gauges).fetch_add(1, Ordering::Relaxed);
        Held {
            gauges: gauges.clone(),
            gauge,
        }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        (self.gauge)(&self.gauges).fetch_sub(1, Ordering::Relaxed);
    }
}

/// The knobs of one WebSocket endpoint.
#[derive(Clone)]
pub struct Options {
    /// Time allowed from the upgrade to `connection_ack` (4408 after it).
    pub init_timeout: Duration,
    /// Interval of the server's `ping` messages.
    pub keepalive: Duration,
    /// Longest client message accepted (WebSocket-level; larger closes the connection).
    pub max_message_bytes: usize,
    /// Longest query text in a `subscribe`.
    pub max_query_bytes: usize,
    /// Operations one connection may run at once.
    pub max_operations: usize,
    /// How long one write may stall before the client is cut off.
    pub write_timeout: Duration,
    pub gauges: Arc<Gauges>,
    /// Cancelled on server shutdown: connections close with 1001.
    pub shutdown: CancellationToken,
    /// Emptied whenever a mutation sent over the socket commits a change.
    pub responses: Option<Arc<ResponseCache>>,
    /// What one answer may cost: records, bytes, and time for a query.
    pub limits: Limits,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            init_timeout: Duration::from_secs(3),
            keepalive: Duration::from_secs(15),
            max_message_bytes: 1024 * 1024,
            max_query_bytes: 32 * 1024,
            max_operations: 100,
            write_timeout: Duration::from_secs(10),
            gauges: Arc::default(),
            shutdown: CancellationToken::new(),
            responses: None,
            limits: Limits::default(),
        }
    }
}

impl Options {
    fn of(state: &AppState) -> Options {
        Options {
            init_timeout: state.config.ws_init_timeout,
            keepalive: state.config.ws_keepalive,
            max_message_bytes: state.config.limits.max_body_bytes,
            max_query_bytes: state.config.limits.max_query_bytes,
            gauges: state.ws.clone(),
            shutdown: state.shutdown.clone(),
            responses: Some(state.responses.clone()),
            limits: state.config.limits.clone(),
            ..Options::default()
        }
    }
}

/// What may run over one connection, decided again for every operation:
/// the credentials of `connection_init` are only as good as they are at
/// the moment an operation is sent.
pub trait Session: Send {
    /// Admits one operation: the request with the connection's data to
    /// run, an error that refuses this operation alone, or the close frame
    /// that ends the connection (its credentials no longer hold).
    fn admit(&self, request: async_graphql::Request) -> BoxFuture<'_, Result<Admission, Close>>;

    /// Asked at every keepalive: an error ends the connection, and with it
    /// every subscription still running on it.
    fn recheck(&self) -> BoxFuture<'_, Result<(), Close>> {
        Box::pin(std::future::ready(Ok(())))
    }

    /// When the connection's credentials run out, if they do: it is closed
    /// with 4403 then.
    fn expires_at(&self) -> Option<tokio::time::Instant> {
        None
    }
}

/// What a [`Session`] says of one operation.
pub type Admission = Result<async_graphql::Request, ServerError>;

/// A plain function that adds the connection's data to each request: a
/// session whose credentials never change.
impl<F> Session for F
where
    F: Fn(async_graphql::Request) -> async_graphql::Request + Send,
{
    fn admit(&self, request: async_graphql::Request) -> BoxFuture<'_, Result<Admission, Close>> {
        let request = self(request);
        Box::pin(std::future::ready(Ok(Ok(request))))
    }
}

/// `GET /graphql/ws`: the application's schema, with the viewer named by
/// the token in `connection_init` (anonymous without one).
#[handler]
pub fn graphql_ws(ws: WebSocket, request: &poem::Request, Data(state): Data<&AppState>) -> Response {
    let address = Caller::address_of(request);
    let on_init = {
        let state = state.clone();
        move |payload| connection_init(state, address, payload)
    };
    upgrade(ws, request.headers(), state.schema.clone(), Options::of(state), on_init)
}

/// Decides on a `connection_init` payload: the same token rules as the
/// `Authorization` header over HTTP, with close codes instead of 401.
async fn connection_init(
    state: AppState,
    address: Caller,
    payload: Map<String, serde_json::Value>,
) -> Result<Connection, Close> {
    let token = match payload.get("authorization").or_else(|| payload.get("Authorization")) {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(authorization)) => {
            let Some(token) = super::auth::bearer_token(authorization) else {
                tracing::info!(reason = "not a bearer token", "bearer token refused");
                return Err(Close::forbidden());
            };
            Some(token.to_owned())
        }
        Some(_) => return Err(Close::bad_request("authorization must be a string")),
    };
    let expires_at = match &token {
        Some(token) => {
            let viewer = authorize(&state, token).await?;
            Some(closing_time(&viewer))
        }
        None => None,
    };
    Ok(Connection {
        state,
        token,
        address,
        expires_at,
    })
}

/// When a socket whose token expires at `viewer.expires_at` is closed: as
/// HTTP refuses the token then, past the same leeway.
fn closing_time(viewer: &Viewer) -> tokio::time::Instant {
    let leeway = chrono::Duration::seconds(partners::keys::LEEWAY_SECS as i64);
    let left = (viewer.expires_at + leeway - chrono::Utc::now())
        .to_std()
        .unwrap_or(Duration::ZERO);
    tokio::time::Instant::now() + left
}

/// One application connection: its token is verified again for every
/// operation and at every keepalive, as an HTTP request with it would be
/// at that moment (revoked, expired, partner disabled, scopes narrowed),
/// and every operation is charged to the rate limits.
struct Connection {
    state: AppState,
    /// The bearer token of `connection_init`; `None`: anonymous.
    token: Option<String>,
    /// The socket's IP, which anonymous operations are charged to.
    address: Caller,
    expires_at: Option<tokio::time::Instant>,
}

impl Session for Connection {
    fn admit(&self, request: async_graphql::Request) -> BoxFuture<'_, Result<Admission, Close>> {
        Box::pin(async move {
            let viewer = match &self.token {
                Some(token) => Some(authorize(&self.state, token).await?),
                None => None,
            };
            let caller = viewer
                .as_ref()
                .map_or_else(|| self.address.clone(), |v| Caller::Partner(v.partner.id.clone()));
            if let Err(wait) = self.state.rate_limits.admit(&caller).await {
                let mut error = ServerError::new(format!("too many requests; try again in {wait} s"), None);
                let extensions = error.extensions.get_or_insert_with(ErrorExtensionValues::default);
                extensions.set("code", "RATE_LIMITED");
                extensions.set("retryAfter", wait as i64);
                return Ok(Err(error));
            }
            let request_id = RequestId::generate();
            tracing::info!(
                partner = viewer.as_ref().map_or("anonymous", |v| v.partner.id.as_str()),
                operation = request.operation_name.as_deref().unwrap_or("-"),
                request_id = %request_id.0,
                "graphql over websocket"
            );
            Ok(Ok(operation_data(&self.state, request, viewer, &request_id)))
        })
    }

    fn recheck(&self) -> BoxFuture<'_, Result<(), Close>> {
        Box::pin(async move {
            match &self.token {
                Some(token) => authorize(&self.state, token).await.map(|_| ()),
                None => Ok(()),
            }
        })
    }

    fn expires_at(&self) -> Option<tokio::time::Instant> {
        self.expires_at
    }
}

/// The viewer `token` names now; a refused token closes the connection
/// with 4403 (the reason stays in the log, as over HTTP).
async fn authorize(state: &AppState, token: &str) -> Result<Viewer, Close> {
    let Some(keys) = &state.keys else {
        tracing::info!(reason = "bearer tokens are off on this server", "bearer token refused");
        return Err(Close::forbidden());
    };
    match partners::authenticate(&state.db, keys, token).await {
        Ok(viewer) => Ok(viewer),
        Err(AppError::Unauthenticated) => Err(Close::forbidden()),
        Err(error) => {
            tracing::error!(?error, "authentication failed");
            Err(Close::internal())
        }
    }
}

/// Upgrades to a `graphql-transport-ws` connection served by `executor`.
///
/// `on_init` receives the `connection_init` payload (an empty object when
/// there is none) and returns either a refusal or the [`Session`] that
/// admits each operation (adding the connection's data: viewer, loaders...).
/// A client that does not offer the subprotocol is closed with 4406.
pub fn upgrade<E, F, Fut, P>(ws: WebSocket, headers: &HeaderMap, executor: E, options: Options, on_init: F) -> Response
where
    E: Executor,
    F: FnOnce(Map<String, serde_json::Value>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<P, Close>> + Send,
    P: Session + 'static,
{
    let offered = headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|protocol| protocol.trim() == PROTOCOL);
    let config = WebSocketConfig::default()
        .max_message_size(Some(options.max_message_bytes))
        .max_frame_size(Some(options.max_message_bytes));
    ws.protocols([PROTOCOL])
        .config(config)
        .on_upgrade(move |mut socket| async move {
            if offered {
                serve_socket(socket, executor, options, on_init).await;
            } else {
                close(&mut socket, Close::new(4406, "Subprotocol not acceptable"), &options).await;
            }
        })
        .into_response()
}

/// Client-to-server messages.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ClientMessage {
    ConnectionInit {
        #[serde(default)]
        payload: Option<serde_json::Value>,
    },
    Ping {},
    Pong {},
    Subscribe {
        id: String,
        payload: SubscribePayload,
    },
    Complete {
        id: String,
    },
}

#[derive(Debug, Deserialize)]
struct SubscribePayload {
    query: String,
    #[serde(default, rename = "operationName")]
    operation_name: Option<String>,
    #[serde(default)]
    variables: Option<Map<String, serde_json::Value>>,
    #[serde(default)]
    extensions: Option<Map<String, serde_json::Value>>,
}

impl SubscribePayload {
    fn into_request(self) -> async_graphql::Request {
        let mut request = async_graphql::Request::new(self.query);
        if let Some(name) = self.operation_name {
            request = request.operation_name(name);
        }
        if let Some(variables) = self.variables {
            request = request.variables(async_graphql::Variables::from_json(variables.into()));
        }
        if let Some(extensions) = self.extensions {
            request.extensions = serde_json::from_value(extensions.into()).unwrap_or_default();
        }
        request
    }
}

/// Server-to-client messages.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ServerMessage<'a> {
    ConnectionAck,
    Ping,
    Pong,
    Next {
        id: &'a str,
        payload: &'a async_graphql::Response,
    },
    Error {
        id: &'a str,
        payload: &'a [ServerError],
    },
    Complete {
        id: &'a str,
    },
}

/// Why a connection ends.
enum End {
    /// Close with this frame.
    Close(Close),
    /// The client is gone (or not reading): just drop the socket.
    Gone,
}

impl From<Close> for End {
    fn from(close: Close) -> End {
        End::Close(close)
    }
}

/// One operation's responses, then `Done`; holds its place on the gauge.
struct Operation {
    responses: BoxStream<'static, async_graphql::Response>,
    first: bool,
    finished: bool,
    /// Whether the operation is a mutation, and if so whether it may
    /// write only to the hub tables.
    writes: Option<bool>,
    /// Notes the commits the operation's writes make.
    commits: CommitWatch,
    /// What each answer may cost.
    budget: Arc<ReadBudget>,
    /// When a query is answered with TIMEOUT if it has not answered yet.
    deadline: Option<Pin<Box<tokio::time::Sleep>>>,
    max_response_bytes: usize,
    /// The document (if it parses) and operation run, to null errored
    /// fields by.
    document: Option<ExecutableDocument>,
    operation_name: Option<String>,
    /// Whether the operation is a subscription.
    subscribes: bool,
    _held: Held,
}

enum Output {
    Response {
        // Boxed: a response is large, and `Done` is nothing.
        response: Box<async_graphql::Response>,
        /// The first response of an operation that never ran: sent as `error`.
        never_ran: bool,
        /// `Some(only_hubs)` when the operation committed a write.
        committed: Option<bool>,
    },
    Done,
}

impl Stream for Operation {
    type Item = Output;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Output>> {
        if self.finished {
            return Poll::Ready(None);
        }
        let this = &mut *self;
        let polled = this.commits.watch_step(|| this.responses.poll_next_unpin(cx));
        let late = polled.is_pending()
            && this
                .deadline
                .as_mut()
                .is_some_and(|deadline| deadline.as_mut().poll(cx).is_ready());
        let polled = if late {
            // Dropping the stream ends the work still running for it.
            this.responses = futures_util::stream::empty().boxed();
            this.first = false;
            Poll::Ready(Some(async_graphql::Response::from_errors(vec![budget::timed_out()])))
        } else {
            polled
        };
        match polled {
            Poll::Ready(Some(mut response)) => {
                self.deadline = None;
                // An answer stopped by its budget did run: it goes out as `next`.
                let stopped = self.budget.overrun().is_some();
                budget::settle(&mut response, &self.budget);
                if self.subscribes {
                    self.budget.next_answer();
                }
                let first = std::mem::replace(&mut self.first, false);
                // No data and errors at once: the operation never ran
                // (validation, limits), or a subscription never started (a
                // guard on its field). A query or mutation whose fields
                // failed did run: its errors have paths, and its answer
                // goes out as `next`, completed like any other.
                let never_ran = first
                    && !stopped
                    && response.data == Value::Null
                    && !response.errors.is_empty()
                    && (self.subscribes || response.errors.iter().all(|error| error.path.is_empty()));
                if !never_ran && let Some(document) = &self.document {
                    let types = null_propagation::FieldTypes::of_hubgraph();
                    null_propagation::complete(&mut response, document, self.operation_name.as_deref(), types);
                }
                if let Err(too_large) = super::graphql::encode(&response, self.max_response_bytes) {
                    response = async_graphql::Response::from_errors(vec![too_large]);
                }
                let committed = self.writes.filter(|_| self.commits.take());
                Poll::Ready(Some(Output::Response {
                    response: Box::new(response),
                    never_ran,
                    committed,
                }))
            }
            Poll::Ready(None) => {
                self.finished = true;
                Poll::Ready(Some(Output::Done))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Serves one upgraded socket until either side ends it.
pub async fn serve_socket<E, F, Fut, P>(mut socket: WebSocketStream, executor: E, options: Options, on_init: F)
where
    E: Executor,
    F: FnOnce(Map<String, serde_json::Value>) -> Fut,
    Fut: Future<Output = Result<P, Close>>,
    P: Session,
{
    let _connection = Held::new(&options.gauges, |g| &g.connections);
    let Err(end) = run(&mut socket, &executor, &options, on_init).await;
    if let End::Close(frame) = end {
        close(&mut socket, frame, &options).await;
    }
}

/// The connection's loop; returns only to end the connection.
async fn run<E, F, Fut, P>(
    socket: &mut WebSocketStream,
    executor: &E,
    options: &Options,
    on_init: F,
) -> Result<Infallible, End>
where
    E: Executor,
    F: FnOnce(Map<String, serde_json::Value>) -> Fut,
    Fut: Future<Output = Result<P, Close>>,
    P: Session,
{
    let mut on_init = Some(on_init);
    // Set once `connection_ack` is sent: admits each operation.
    let mut session: Option<P> = None;
    // When the session's credentials run out (4403 then).
    let expiry = tokio::time::sleep(Duration::ZERO);
    tokio::pin!(expiry);
    let mut operations: StreamMap<String, Operation> = StreamMap::new();
    let init_deadline = tokio::time::sleep(options.init_timeout);
    tokio::pin!(init_deadline);
    // A zero interval would make tokio panic; a tenth of a second is plenty.
    let period = options.keepalive.max(Duration::from_millis(100));
    let mut keepalive = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    keepalive.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);

    loop {
        tokio::select! {
            _ = options.shutdown.cancelled() => return Err(going_away()),
            _ = &mut init_deadline, if session.is_none() => return Err(init_timeout()),
            _ = &mut expiry, if session.as_ref().is_some_and(|s| s.expires_at().is_some()) => {
                return Err(Close::forbidden().into());
            }
            _ = keepalive.tick() => {
                if let Some(session) = &session {
                    session.recheck().await?;
                }
                send(socket, &ServerMessage::Ping, options).await?;
            }
            Some((id, output)) = operations.next(), if !operations.is_empty() => match output {
                Output::Response { mut response, never_ran, committed } => {
                    // A write has committed: answers kept from before it may be wrong now.
                    if let Some(only_hubs) = committed
                        && let Some(responses) = &options.responses
                    {
                        responses.after_write(only_hubs);
                    }
                    with_codes(&mut response.errors);
                    if never_ran {
                        operations.remove(&id);
                        let error = ServerMessage::Error { id: &id, payload: &response.errors };
                        send(socket, &error, options).await?;
                    } else {
                        send(socket, &ServerMessage::Next { id: &id, payload: &response }, options).await?;
                    }
                }
                Output::Done => {
                    // Removed now, so that the client may reuse the id as
                    // soon as it reads `complete`.
                    operations.remove(&id);
                    send(socket, &ServerMessage::Complete { id: &id }, options).await?;
                }
            },
            message = socket.next() => {
                let text = match message {
                    Some(Ok(Message::Text(text))) => text,
                    // WebSocket-level pings are answered by tungstenite itself.
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    Some(Ok(Message::Binary(_))) => {
                        return Err(Close::bad_request("Binary messages are not supported").into());
                    }
                    Some(Ok(Message::Close(_)) | Err(_)) | None => return Err(End::Gone),
                };
                let message = serde_json::from_str::<ClientMessage>(&text)
                    .map_err(|error| Close::bad_request(format!("Invalid message received: {error}")))?;
                match message {
                    ClientMessage::ConnectionInit { payload } => {
                        let Some(init) = on_init.take() else {
                            return Err(Close::new(4429, "Too many initialisation requests").into());
                        };
                        let payload = match payload {
                            None | Some(serde_json::Value::Null) => Map::new(),
                            Some(serde_json::Value::Object(payload)) => payload,
                            Some(_) => {
                                return Err(Close::bad_request("The connection_init payload must be an object").into());
                            }
                        };
                        // Authentication counts against the initialisation timeout.
                        let accepted = tokio::select! {
                            accepted = init(payload) => accepted?,
                            _ = &mut init_deadline => return Err(init_timeout()),
                            _ = options.shutdown.cancelled() => return Err(going_away()),
                        };
                        if let Some(at) = accepted.expires_at() {
                            expiry.as_mut().reset(at);
                        }
                        session = Some(accepted);
                        send(socket, &ServerMessage::ConnectionAck, options).await?;
                    }
                    ClientMessage::Ping {} => send(socket, &ServerMessage::Pong, options).await?,
                    ClientMessage::Pong {} => {}
                    ClientMessage::Subscribe { id, payload } => {
                        let Some(session) = &session else {
                            return Err(Close::new(4401, "Unauthorized").into());
                        };
                        if operations.contains_key(&id) {
                            return Err(Close::new(4409, format!("Subscriber for {id} already exists")).into());
                        }
                        if let Some(refusal) = refuse(&payload, operations.len(), options) {
                            send(socket, &ServerMessage::Error { id: &id, payload: &[refusal] }, options).await?;
                            continue;
                        }
                        // Parsed once: for the executor, the response cache,
                        // telling the operation's type and completing errored answers.
                        let document = async_graphql::parser::parse_query(&payload.query).ok();
                        let operation_name = payload.operation_name.clone();
                        let kind = operation_type(document.as_ref(), operation_name.as_deref());
                        let subscribes = kind.is_none_or(|kind| kind == OperationType::Subscription);
                        let writes = (kind == Some(OperationType::Mutation))
                            .then(|| document.as_ref().is_some_and(reach::writes_only_hubs));
                        // Queries end at the request timeout, as over HTTP;
                        // mutations run to their end, subscriptions for ever.
                        let read = kind == Some(OperationType::Query);
                        let budget = ReadBudget::for_operation(&options.limits, read);
                        let deadline = read.then(|| Box::pin(tokio::time::sleep(options.limits.request_timeout)));
                        let mut request = match session.admit(payload.into_request()).await? {
                            Ok(request) => request.data(budget.clone()),
                            Err(refusal) => {
                                send(socket, &ServerMessage::Error { id: &id, payload: &[refusal] }, options).await?;
                                continue;
                            }
                        };
                        if let Some(document) = &document {
                            request.set_parsed_query(document.clone());
                        }
                        let operation = Operation {
                            responses: executor.execute_stream(request, None),
                            first: true,
                            finished: false,
                            writes,
                            commits: CommitWatch::default(),
                            budget,
                            deadline,
                            max_response_bytes: options.limits.max_response_bytes,
                            document,
                            operation_name,
                            subscribes,
                            _held: Held::new(&options.gauges, |g| &g.operations),
                        };
                        operations.insert(id, operation);
                    }
                    // The client stops an operation: dropping its stream ends it.
                    ClientMessage::Complete { id } => {
                        operations.remove(&id);
                    }
                }
            }
        }
    }
}

/// The type of the operation `document` runs (`operation_name`, or its
/// only one). `None` when there is no telling (a document that did not
/// parse, an operation it does not have): such a request never runs.
fn operation_type(document: Option<&ExecutableDocument>, operation_name: Option<&str>) -> Option<OperationType> {
    chosen_operation(document?, operation_name).map(|operation| operation.node.ty)
}

fn init_timeout() -> End {
    Close::new(4408, "Connection initialisation timeout").into()
}

fn going_away() -> End {
    Close::new(1001, "Server shutting down").into()
}

/// Why a `subscribe` is refused before it runs, if it is.
fn refuse(payload: &SubscribePayload, running: usize, options: &Options) -> Option<ServerError> {
    let (code, message) = if payload.query.len() > options.max_query_bytes {
        (
            "QUERY_TOO_LARGE",
            format!("the query text is over {} bytes", options.max_query_bytes),
        )
    } else if running >= options.max_operations {
        (
            "RATE_LIMITED",
            format!(
                "at most {} operations may run at once on a connection",
                options.max_operations
            ),
        )
    } else {
        return None;
    };
    let mut error = ServerError::new(message, None);
    error
        .extensions
        .get_or_insert_with(ErrorExtensionValues::default)
        .set("code", code);
    Some(error)
}

/// Writes one message; a client that does not take it within the write
/// timeout is treated as gone.
async fn send(socket: &mut WebSocketStream, message: &ServerMessage<'_>, options: &Options) -> Result<(), End> {
    let text = serde_json::to_string(message).map_err(|error| {
        tracing::error!(%error, "cannot encode a WebSocket message");
        Close::internal()
    })?;
    match tokio::time::timeout(options.write_timeout, socket.send(Message::Text(text))).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(End::Gone),
        Err(_) => {
            tracing::info!("dropping a WebSocket client that stopped reading");
            Err(End::Gone)
        }
    }
}

/// Sends a close frame and waits briefly for the client's, so that the
/// client reads the code before the TCP connection goes.
async fn close(socket: &mut WebSocketStream, frame: Close, options: &Options) {
    let message = Message::close_with(frame.code, frame.reason);
    if let Ok(Ok(())) = tokio::time::timeout(options.write_timeout.min(CLOSE_GRACE), socket.send(message)).await {
        let _ = tokio::time::timeout(CLOSE_GRACE, async {
            while let Some(Ok(message)) = socket.next().await {
                if message.is_close() {
                    break;
                }
            }
        })
        .await;
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::types::OperationType;

    /// Whether `query`, as sent, runs a subscription (or cannot run at all).
    fn is_subscription(query: &str, operation_name: Option<&str>) -> bool {
        let document = async_graphql::parser::parse_query(query).ok();
        super::operation_type(document.as_ref(), operation_name).is_none_or(|kind| kind == OperationType::Subscription)
    }

    #[test]
    fn the_operation_run_tells_a_mutation() {
        let kind = |query: &str, name: Option<&str>| {
            let document = async_graphql::parser::parse_query(query).ok();
            super::operation_type(document.as_ref(), name)
        };
        assert_eq!(kind("mutation { __typename }", None), Some(OperationType::Mutation));
        assert_eq!(
            kind("{ services(filter: { text: \"mutation\" }) { totalCount } }", None),
            Some(OperationType::Query)
        );
        assert_eq!(kind("query A { areas { code } } mutation B { __typename }", None), None);
        assert_eq!(kind("query A { areas { code } }", Some("B")), None);
    }

    #[test]
    fn the_operation_run_tells_a_subscription() {
        assert!(is_subscription("subscription { hubStatusChanged { version } }", None));
        assert!(!is_subscription("{ areas { code } }", None));
        assert!(!is_subscription(
            "query Q { services(filter: { text: \"subscription\" }) { totalCount } }",
            None
        ));
        let both = "query Q { areas { code } } subscription S { hubStatusChanged { version } }";
        assert!(is_subscription(both, Some("S")));
        assert!(!is_subscription(both, Some("Q")));
        assert!(
            is_subscription("subscription {", None),
            "a document that does not parse never runs"
        );
    }
}
