//! Answers the HTTP layer gives before (or instead of) executing GraphQL,
//! shaped as GraphQL errors so every client reads them alike: the media
//! type negotiated from `Accept`, one-error responses, and the 503/500 for
//! a fault met while authenticating, rate limiting or looking up an
//! idempotency key. Below `graphql`, `auth`, `ratelimit` and `idempotency`,
//! which all use it.

use poem::Response;
use poem::http::{HeaderMap, StatusCode, header};

pub(super) const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
pub(super) const JSON: &str = "application/json";

/// The media type the client accepts for the response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MediaType {
    GraphqlResponse,
    Json,
}

impl MediaType {
    pub(super) fn content_type(self) -> &'static str {
        match self {
            MediaType::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            MediaType::Json => "application/json; charset=utf-8",
        }
    }
}

/// Picks the response media type from `Accept`; `None` when nothing we serve is acceptable.
pub(super) fn negotiate(headers: &HeaderMap) -> Option<MediaType> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Some(MediaType::Json);
    };
    let types: Vec<&str> = accept
        .split(',')
        .map(|t| t.split(';').next().unwrap_or("").trim())
        .collect();
    if types.contains(&GRAPHQL_RESPONSE) {
        Some(MediaType::GraphqlResponse)
    } else if types.iter().any(|t| *t == JSON || *t == "application/*" || *t == "*/*") {
        Some(MediaType::Json)
    } else {
        None
    }
}

/// A response carrying one GraphQL error, for failures before execution.
pub(super) fn request_error(status: StatusCode, media: MediaType, code: &str, message: &str) -> Response {
    let body = serde_json::json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    Response::builder()
        .status(status)
        .content_type(media.content_type())
        .body(body.to_string())
}

pub(super) fn not_acceptable() -> Response {
    request_error(
        StatusCode::NOT_ACCEPTABLE,
        MediaType::Json,
        "NOT_ACCEPTABLE",
        "accepts application/graphql-response+json or application/json",
    )
}

/// Seconds a client should wait before retrying after a 503.
const RETRY_AFTER_SECS: &str = "2";

/// Adds `Retry-After` to a 503.
pub(super) fn retry_soon(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from_static(RETRY_AFTER_SECS));
    response
}

/// The response for an `AppError` met outside GraphQL execution (looking up
/// a token or an idempotency key): 503 when the database is out of reach,
/// else 500; the details go to the log only.
pub(super) fn app_error(media: MediaType, error: &crate::error::AppError, context: &str) -> Response {
    let code = error.code();
    if code == "SERVICE_UNAVAILABLE" {
        tracing::warn!(?error, "{context}: database unavailable");
        let response = request_error(StatusCode::SERVICE_UNAVAILABLE, media, code, &error.message());
        return retry_soon(response);
    }
    tracing::error!(?error, "{context}");
    request_error(StatusCode::INTERNAL_SERVER_ERROR, media, code, &error.message())
}
