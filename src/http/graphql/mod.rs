//! GraphQL over HTTP, by the GraphQL-over-HTTP spec rather than
//! async-graphql-poem's defaults (which answer 200 to everything and accept
//! any method, content type and batch):
//!
//! - `POST` with `application/json` only (other types: 415, a CSRF guard);
//! - `GET` for queries only (a mutation over GET: 405);
//! - `Accept: application/graphql-response+json` gets that media type and a
//!   4xx status for requests that fail before execution (parse, validation,
//!   limits); `application/json` gets 200 with the errors in the body;
//!   either way such an answer has no `data` entry (see [`WithoutData`]);
//! - one operation per request (a JSON array: 400), body and query size limits;
//! - GraphiQL for browsers (`GET` with `Accept: text/html`), see [`playground`].

pub mod playground;

use async_graphql::Positioned;
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationDefinition, OperationType};
use async_graphql::{ErrorExtensionValues, ServerError, Value};
use bytes::Bytes;
use poem::http::{HeaderMap, StatusCode, header};
use poem::web::{Data, Query};
use poem::{Body, Response, handler};
use serde::Deserialize;
use tracing::Instrument;

use super::answers::{GRAPHQL_RESPONSE, JSON, negotiate, not_acceptable};
use super::answers::{MediaType, request_error, retry_soon};
use super::response_cache::{self, Answer, Key, Lookup, Ticket};
use crate::graphql::budget::{self, Overrun, ReadBudget};
use crate::graphql::loaders::loaders;
use crate::graphql::operation::OperationName;
use crate::graphql::reach;
use crate::partners::Viewer;
use crate::partners::audit::RequestId;
use crate::write_turns::CommitWatch;
use crate::{AppState, metrics};

/// Gives every error a stable `extensions.code`: async-graphql's own
/// validation and limit errors come without one.
pub(super) fn with_codes(errors: &mut [ServerError]) {
    for error in errors {
        let has_code = error.extensions.as_ref().is_some_and(|e| e.get("code").is_some());
        if has_code {
            continue;
        }
        let code = if error.message.contains("nested too deep") || error.message.contains("too complex") {
            "QUERY_TOO_COMPLEX"
        } else if error.path.is_empty()
            || error.message.starts_with("Invalid value")
            || error.message.starts_with("Failed to parse")
            // A null variable for a non-null argument (or one with a default).
            || error.message.starts_with("Expected input type")
        {
            "BAD_USER_INPUT"
        } else {
            "INTERNAL"
        };
        error
            .extensions
            .get_or_insert_with(ErrorExtensionValues::default)
            .set("code", code);
    }
}

/// The request's id: the client's `X-Request-Id` when sane, else a fresh one.
fn request_id(headers: &HeaderMap) -> RequestId {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .and_then(RequestId::from_client)
        .unwrap_or_else(RequestId::generate)
}

/// Executes one operation, or answers an anonymous query from the
/// response cache, and echoes the request id in `X-Request-Id`.
pub(super) async fn execute(
    state: &AppState,
    viewer: Option<Viewer>,
    mut request: async_graphql::Request,
    media: MediaType,
    headers: &HeaderMap,
) -> Response {
    let request_id = request_id(headers);
    let started = std::time::Instant::now();
    let key = cache_key(state, viewer.as_ref(), &mut request, media);
    let lookup = match &key {
        // Waiting for another request's answer counts against the timeout too.
        Some(key) => tokio::time::timeout(state.config.limits.request_timeout, state.responses.lookup(key)).await,
        None => Ok(Lookup::Run(None)),
    };
    let mut response = match lookup {
        Ok(Lookup::Kept(body)) => answer_kept(state, &mut request, media, &request_id, started, body),
        Ok(Lookup::Run(ticket)) => {
            let ticket = ticket
                .zip(key.as_ref())
                .map(|(ticket, key)| judged_for_hubs(ticket, key, &mut request));
            execute_operation(state, viewer, request, media, &request_id, ticket).await
        }
        Err(_) => request_error(
            StatusCode::SERVICE_UNAVAILABLE,
            media,
            "TIMEOUT",
            "the request took too long",
        ),
    };
    if let Ok(value) = header::HeaderValue::from_str(&request_id.0) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

/// What the response cache knows the request's answer by, when it may be
/// kept at all: anonymous queries only, while the cache is on.
fn cache_key(
    state: &AppState,
    viewer: Option<&Viewer>,
    request: &mut async_graphql::Request,
    media: MediaType,
) -> Option<Key> {
    if viewer.is_some() || !state.responses.is_on() || !is_read_only(request) {
        return None;
    }
    let variables = declared_variables(request);
    // A sorted map: the same variables give the same text.
    let variables = serde_json::to_string(&variables).ok()?;
    let media = match media {
        MediaType::GraphqlResponse => GRAPHQL_RESPONSE,
        MediaType::Json => JSON,
    };
    Some(Key::new(
        media,
        request.operation_name.as_deref(),
        &request.query,
        &variables,
    ))
}

/// The variables the request's operation declares, which alone can
/// change its answer: others are ignored by execution, and would only
/// make the key (and what the cache weighs) larger, or tell apart two
/// requests with the same answer.
fn declared_variables(request: &mut async_graphql::Request) -> std::collections::BTreeMap<String, Value> {
    let operation_name = request.operation_name.clone();
    let Ok(document) = request.parsed_query() else {
        return Default::default();
    };
    let Some(operation) = chosen_operation(document, operation_name.as_deref()) else {
        return Default::default();
    };
    let declared: Vec<_> = operation
        .node
        .variable_definitions
        .iter()
        .map(|definition| definition.node.name.node.clone())
        .collect();
    declared
        .into_iter()
        .filter_map(|name| {
            let value = request.variables.get(&name)?.clone();
            Some((name.to_string(), value))
        })
        .collect()
}

/// The ticket of a question about to run, told whether its answer may show
/// hubs (`graphql::reach`): asked on a miss only. The key holds the query
/// and variables; a document that does not parse is answered with errors,
/// never kept.
fn judged_for_hubs<'a>(ticket: Ticket<'a>, key: &Key, request: &mut async_graphql::Request) -> Ticket<'a> {
    let reads_hubs = reach::mentions_hub(key.text()) || request.parsed_query().map_or(true, reach::selects_any_record);
    if reads_hubs { ticket } else { ticket.showing_no_hub() }
}

/// The kept answer to an anonymous query, logged and counted as the query
/// itself would have been.
fn answer_kept(
    state: &AppState,
    request: &mut async_graphql::Request,
    media: MediaType,
    request_id: &RequestId,
    started: std::time::Instant,
    body: Bytes,
) -> Response {
    let name = match request.operation_name.clone() {
        Some(name) => Some(name),
        None => only_operation_name(request),
    };
    let span = tracing::info_span!("graphql", partner = "anonymous", operation = log_name(name.as_deref()), request_id = %request_id.0);
    let access = Access {
        request_id,
        partner: "anonymous",
        name: name.as_deref(),
        outcome: "ok",
        took: started.elapsed(),
        errors: 0,
    };
    access_log(state, &span, access);
    Response::builder()
        .status(StatusCode::OK)
        .content_type(media.content_type())
        .body(body)
}

/// The name of the document's only operation, if it has one.
fn only_operation_name(request: &mut async_graphql::Request) -> Option<String> {
    match &request.parsed_query().ok()?.operations {
        DocumentOperations::Single(_) => None,
        DocumentOperations::Multiple(operations) if operations.len() == 1 => {
            operations.keys().next().map(|name| name.to_string())
        }
        DocumentOperations::Multiple(_) => None,
    }
}

/// Adds what every operation's resolvers may ask for, over HTTP and
/// WebSocket alike: fresh DataLoaders, the request id, the event bus and
/// the viewer (none when anonymous).
pub(super) fn operation_data(
    state: &AppState,
    request: async_graphql::Request,
    viewer: Option<Viewer>,
    request_id: &RequestId,
) -> async_graphql::Request {
    let mut request = request
        .data(loaders(state.db.clone()))
        .data(request_id.clone())
        .data(state.events.clone());
    if let Some(viewer) = viewer {
        request = request.data(viewer);
    }
    request
}

/// Executes one operation for `viewer` (`None`: anonymous) and encodes the response.
async fn execute_operation(
    state: &AppState,
    viewer: Option<Viewer>,
    mut request: async_graphql::Request,
    media: MediaType,
    request_id: &RequestId,
    ticket: Option<Ticket<'_>>,
) -> Response {
    let partner = viewer
        .as_ref()
        .map_or_else(|| "anonymous".to_owned(), |v| v.partner.id.clone());
    // Log lines of the request name the partner (never the token), the
    // operation and the request id. A name only in the document is filled
    // in once the document is parsed.
    let given_name = request.operation_name.clone();
    let span = tracing::info_span!(
        "graphql",
        partner = %partner,
        operation = tracing::field::Empty,
        request_id = %request_id.0
    );
    if let Some(name) = &given_name {
        span.record("operation", log_name(Some(name)));
    }
    // Reads are cut off at the request timeout. A mutation runs to its end:
    // cut off mid-commit, its write could be made yet reported as failed.
    // Writes are bounded by the database instead (on SQLite the wait for
    // the writer's turn, the pool's acquire timeout and the busy timeout;
    // on PostgreSQL the acquire and statement timeouts).
    let read_only = is_read_only(&mut request);
    let writes_only_hubs = !read_only && request.parsed_query().is_ok_and(reach::writes_only_hubs);
    let named = OperationName::default();
    let budget = ReadBudget::for_operation(&state.config.limits, read_only);
    let request = operation_data(state, request, viewer, request_id)
        .data(budget.clone())
        .data(named.clone());
    let timeout = state.config.limits.request_timeout;
    let started = std::time::Instant::now();
    let commits = CommitWatch::default();
    let execution = crate::graphql::checked::execute(&state.http_schemas, request, &named).instrument(span.clone());
    let execution = commits.watch(execution);
    let outcome = if read_only {
        tokio::time::timeout(timeout, execution).await
    } else {
        Ok(execution.await)
    };
    let took = started.elapsed();
    if commits.take() {
        // A write has committed: answers kept from before it may be wrong
        // now. One that committed nothing (refused, or with nothing to
        // do) leaves them be.
        state.responses.after_write(writes_only_hubs);
    }
    let name = given_name.as_deref().or(named.get());
    if given_name.is_none() {
        span.record("operation", log_name(name));
    }
    // A read past its deadline that was still resolving stopped itself
    // (`graphql::budget`); one waiting on the database was cut off here.
    let timed_out = budget.overrun() == Some(Overrun::TooSlow);
    let mut response = match outcome {
        Ok(mut response) if !timed_out => {
            budget::settle(&mut response, &budget);
            response
        }
        _ => {
            if let Some(ticket) = ticket {
                state.responses.settle(ticket, Answer::NotNow);
            }
            let access = Access {
                request_id,
                partner: &partner,
                name,
                outcome: "TIMEOUT",
                took,
                errors: 1,
            };
            access_log(state, &span, access);
            return request_error(
                StatusCode::SERVICE_UNAVAILABLE,
                media,
                "TIMEOUT",
                "the request took too long",
            );
        }
    };
    with_codes(&mut response.errors);
    let mut body = match encode(&response, state.config.limits.max_response_bytes) {
        Ok(body) => body,
        Err(too_large) => {
            response = async_graphql::Response::from_errors(vec![too_large]);
            match encode(&response, usize::MAX) {
                Ok(body) => body,
                Err(_) => {
                    return request_error(StatusCode::INTERNAL_SERVER_ERROR, media, "INTERNAL", "internal error");
                }
            }
        }
    };
    let never_ran = failed_before_execution(&response);
    if never_ran {
        // No `data` entry at all, whatever the media type: see `WithoutData`.
        match encode(&WithoutData::of(&response), usize::MAX) {
            Ok(without_data) => body = without_data,
            Err(_) => {
                return request_error(StatusCode::INTERNAL_SERVER_ERROR, media, "INTERNAL", "internal error");
            }
        }
    }
    let outcome = outcome_of(&response.errors);
    let access = Access {
        request_id,
        partner: &partner,
        name,
        outcome: &outcome,
        took,
        errors: response.errors.len(),
    };
    access_log(state, &span, access);
    // A database out of reach is the server's state, not the request's
    // fault: 503 whatever the media type, so that clients and load
    // balancers back off and retry.
    let unavailable = response.errors.iter().any(|e| has_code(e, "SERVICE_UNAVAILABLE"));
    let status = if unavailable {
        StatusCode::SERVICE_UNAVAILABLE
    } else if media == MediaType::GraphqlResponse && never_ran {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    if let Some(ticket) = ticket {
        let answer = if status == StatusCode::OK && response.errors.is_empty() {
            response_cache::answer(&response.cache_control, body.clone())
        } else {
            Answer::NotNow
        };
        state.responses.settle(ticket, answer);
    }
    let response = Response::builder()
        .status(status)
        .content_type(media.content_type())
        .body(body);
    if unavailable { retry_soon(response) } else { response }
}

/// Whether the request failed before execution (it did not parse, failed
/// validation, its variables did not fit, a limit refused it, or its answer
/// was refused whole): no data and only errors without a path, which no
/// resolver raised.
pub(super) fn failed_before_execution(response: &async_graphql::Response) -> bool {
    response.data == Value::Null && !response.errors.is_empty() && response.errors.iter().all(|e| e.path.is_empty())
}

/// The answer to a request that failed before execution: its errors (and
/// extensions) with no `data` entry. async-graphql writes `"data": null`
/// there, but the GraphQL spec says that when an error is raised before
/// execution begins the data entry should not be present, and GraphQL over
/// HTTP ties it to the status for `application/graphql-response+json`: a
/// 4xx answer has no `data`, a 2xx one has it. `application/json` answers
/// the same way, as the refusals of `request_error` already do.
#[derive(Debug, serde::Serialize)]
pub(super) struct WithoutData<'a> {
    errors: &'a [ServerError],
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    extensions: &'a std::collections::BTreeMap<String, Value>,
}

impl<'a> WithoutData<'a> {
    pub(super) fn of(response: &'a async_graphql::Response) -> WithoutData<'a> {
        WithoutData {
            errors: &response.errors,
            extensions: &response.extensions,
        }
    }
}

/// The response as JSON, or the error that replaces it when it is over
/// `max_bytes` (one that cannot be encoded is logged and refused too).
pub(super) fn encode(response: &impl serde::Serialize, max_bytes: usize) -> Result<Bytes, ServerError> {
    match serde_json::to_vec(response) {
        Ok(body) if body.len() <= max_bytes => Ok(Bytes::from(body)),
        Ok(body) => Err(budget::too_many_bytes(body.len(), max_bytes)),
        Err(error) => {
            tracing::error!(%error, "cannot encode a response");
            let mut refused = ServerError::new("internal error", None);
            refused
                .extensions
                .get_or_insert_with(ErrorExtensionValues::default)
                .set("code", "INTERNAL");
            Err(refused)
        }
    }
}

fn has_code(error: &ServerError, code: &str) -> bool {
    error
        .extensions
        .as_ref()
        .and_then(|e| e.get("code"))
        .is_some_and(|value| *value == Value::String(code.to_owned()))
}

/// An operation name as logs show it: client text only when it is a plain
/// GraphQL name (no line breaks or markup can reach a log line).
fn log_name(name: Option<&str>) -> &str {
    match name {
        None => metrics::ANONYMOUS,
        Some(name) if metrics::is_plain_name(name) => name,
        Some(_) => metrics::OTHER,
    }
}

/// `ok`, or the code of the first error (every error has one, see `with_codes`).
fn outcome_of(errors: &[ServerError]) -> String {
    let Some(first) = errors.first() else {
        return "ok".to_owned();
    };
    match first.extensions.as_ref().and_then(|e| e.get("code")) {
        Some(Value::String(code)) if metrics::is_plain_name(code) => code.clone(),
        _ => "INTERNAL".to_owned(),
    }
}

/// What the access log says of one operation.
struct Access<'a> {
    request_id: &'a RequestId,
    partner: &'a str,
    name: Option<&'a str>,
    outcome: &'a str,
    took: std::time::Duration,
    errors: usize,
}

/// Counts the operation in `/metrics` and writes its access-log line: one
/// line per operation carrying every field a reader filters on itself (not
/// only through its span), in the request's span.
fn access_log(state: &AppState, span: &tracing::Span, access: Access<'_>) {
    state
        .metrics
        .record_request(&state.metrics.operation_label(access.name), access.outcome, access.took);
    tracing::info!(
        parent: span,
        request_id = %access.request_id.0,
        partner = access.partner,
        operation = log_name(access.name),
        outcome = access.outcome,
        errors = access.errors,
        duration_ms = access.took.as_secs_f64() * 1000.0,
        "graphql request"
    );
}

/// Checks what every request must satisfy before parsing: the query's size.
/// `None` when the query text is within the limit, else the refusal.
fn check_query(state: &AppState, query: &str, media: MediaType) -> Option<Response> {
    if query.len() > state.config.limits.max_query_bytes {
        return Some(request_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            media,
            "QUERY_TOO_LARGE",
            &format!("the query text is over {} bytes", state.config.limits.max_query_bytes),
        ));
    }
    None
}

/// A request for `query`, its document taken from the parsed documents
/// (parsed now if not there). A query that does not parse goes without
/// one, for the checks to report why.
fn request_for(state: &AppState, query: String, operation_name: Option<String>) -> async_graphql::Request {
    let document = state.http_schemas.documents.parse(&query);
    let mut request = async_graphql::Request::new(query);
    request.operation_name = operation_name;
    if let Ok(document) = document {
        request.set_parsed_query(document);
    }
    request
}

/// Whether the request's operation is a query (GET may only run queries,
/// and only queries are cut off at the timeout). A document that does not
/// parse, or names no operation it has, is left for the executor to report.
fn is_read_only(request: &mut async_graphql::Request) -> bool {
    // Without either keyword every operation is a query, and a document
    // that did not parse is not parsed again just to learn that.
    if !request.query.contains("mutation") && !request.query.contains("subscription") {
        return true;
    }
    let operation_name = request.operation_name.clone();
    let Ok(document) = request.parsed_query() else {
        return true;
    };
    chosen_operation(document, operation_name.as_deref()).is_none_or(|op| op.node.ty == OperationType::Query)
}

/// The operation a request runs: the one it names, or the document's only one.
pub(super) fn chosen_operation<'a>(
    document: &'a ExecutableDocument,
    operation_name: Option<&str>,
) -> Option<&'a Positioned<OperationDefinition>> {
    match &document.operations {
        DocumentOperations::Single(operation) => Some(operation),
        DocumentOperations::Multiple(operations) => match operation_name {
            Some(name) => operations.get(name),
            None if operations.len() == 1 => operations.values().next(),
            None => None,
        },
    }
}

/// Query-string parameters of a GET request.
#[derive(Debug, Deserialize)]
pub struct GetParams {
    query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

/// `GET /graphql`: a query in the URL, or the playground for a browser.
#[handler]
pub async fn get(headers: &HeaderMap, Query(params): Query<GetParams>, Data(state): Data<&AppState>) -> Response {
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    let Some(query) = params.query else {
        if wants_html {
            return playground::page_response();
        }
        return request_error(
            StatusCode::BAD_REQUEST,
            MediaType::Json,
            "BAD_REQUEST",
            "missing the query parameter",
        );
    };
    let Some(media) = negotiate(headers) else {
        return not_acceptable();
    };
    let viewer = match super::auth::viewer(state, headers, media).await {
        Ok(viewer) => viewer,
        Err(response) => return response,
    };
    if let Some(response) = check_query(state, &query, media) {
        return response;
    }
    let mut request = request_for(state, query, params.operation_name);
    if !is_read_only(&mut request) {
        let mut response = request_error(
            StatusCode::METHOD_NOT_ALLOWED,
            media,
            "METHOD_NOT_ALLOWED",
            "mutations must use POST",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, header::HeaderValue::from_static("POST"));
        return response;
    }
    for (text, target) in [(params.variables, "variables"), (params.extensions, "extensions")] {
        let Some(text) = text else { continue };
        let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else {
            return request_error(
                StatusCode::BAD_REQUEST,
                media,
                "BAD_REQUEST",
                &format!("{target} is not valid JSON"),
            );
        };
        if target == "variables" {
            request = request.variables(async_graphql::Variables::from_json(value));
        } else if let Ok(extensions) = serde_json::from_value(value) {
            request.extensions = extensions;
        }
    }
    execute(state, viewer, request, media, headers).await
}

/// The body of a POST: exactly one operation.
#[derive(Debug, Deserialize)]
struct PostBody {
    query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<serde_json::Value>,
    extensions: Option<serde_json::Value>,
}

/// `POST /graphql` with a JSON body.
#[handler]
pub async fn post(headers: &HeaderMap, body: Body, Data(state): Data<&AppState>) -> Response {
    let Some(media) = negotiate(headers) else {
        return not_acceptable();
    };
    let viewer = match super::auth::viewer(state, headers, media).await {
        Ok(viewer) => viewer,
        Err(response) => return response,
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if content_type.as_deref() != Some(JSON) {
        return request_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            media,
            "UNSUPPORTED_MEDIA_TYPE",
            "send the request as application/json",
        );
    }
    let limit = state.config.limits.max_body_bytes;
    let bytes = match body.into_bytes_limit(limit).await {
        Ok(bytes) => bytes,
        Err(poem::error::ReadBodyError::PayloadTooLarge) => {
            return request_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                media,
                "PAYLOAD_TOO_LARGE",
                &format!("the body is over {limit} bytes"),
            );
        }
        Err(_) => return request_error(StatusCode::BAD_REQUEST, media, "BAD_REQUEST", "could not read the body"),
    };
    let json: serde_json::Value = match serde_json::from_slice(&bytes) {
        Ok(json) => json,
        Err(_) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                media,
                "BAD_REQUEST",
                "the body is not valid JSON",
            );
        }
    };
    if json.is_array() {
        return request_error(
            StatusCode::BAD_REQUEST,
            media,
            "BAD_REQUEST",
            "batched operations are not supported",
        );
    }
    let Ok(body) = serde_json::from_value::<PostBody>(json) else {
        return request_error(
            StatusCode::BAD_REQUEST,
            media,
            "BAD_REQUEST",
            "the body is not a GraphQL request",
        );
    };
    let Some(query) = body.query.filter(|q| !q.trim().is_empty()) else {
        return request_error(StatusCode::BAD_REQUEST, media, "BAD_REQUEST", "the body has no query");
    };
    if let Some(response) = check_query(state, &query, media) {
        return response;
    }
    let mut request = request_for(state, query, body.operation_name);
    let read_only = is_read_only(&mut request);
    // What an Idempotency-Key retry must repeat exactly (serde_json sorts
    // object keys); only writes with a key need it.
    let idempotency_key = headers.get(super::idempotency::HEADER).filter(|_| !read_only);
    let canonical = idempotency_key.map(|_| {
        serde_json::json!({
            "query": &request.query, "operationName": &request.operation_name, "variables": &body.variables
        })
        .to_string()
    });
    match body.variables {
        None | Some(serde_json::Value::Null) => {}
        Some(variables @ serde_json::Value::Object(_)) => {
            request = request.variables(async_graphql::Variables::from_json(variables));
        }
        Some(_) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                media,
                "BAD_REQUEST",
                "variables must be a JSON object",
            );
        }
    }
    if let Some(extensions) = body.extensions.and_then(|e| serde_json::from_value(e).ok()) {
        request.extensions = extensions;
    }
    if let (Some(key), Some(canonical), Some(writer)) = (idempotency_key, &canonical, &viewer) {
        // A key that is not text is refused like an empty one.
        let key = key.to_str().unwrap_or("");
        return super::idempotency::execute_once(state, writer.clone(), request, media, headers, key, canonical).await;
    }
    execute(state, viewer, request, media, headers).await
}

/// `GET /schema.graphql`: the SDL.
#[handler]
pub fn sdl() -> Response {
    Response::builder()
        .content_type("text/plain; charset=utf-8")
        .body(crate::graphql::sdl())
}
