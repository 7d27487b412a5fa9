//! `Idempotency-Key` on mutations: the first request with a key runs and
//! its response is kept; a retry with the same key and body is answered
//! with that response (and `Idempotent-Replayed: true`); the same key with a
//! different body is refused with 422 `IDEMPOTENCY_KEY_REUSED`, and a retry
//! while the first is still running with 409 `IDEMPOTENCY_KEY_IN_USE`.
//!
//! Keys are per partner (anonymous requests cannot write, so they run as
//! usual and fail there). Responses that failed on our side (5xx,
//! `INTERNAL`) are not kept, so the retry runs again.

use poem::Response;
use poem::http::{HeaderMap, HeaderValue, StatusCode};

use super::answers::{MediaType, app_error, request_error};
use super::graphql::execute;
use crate::AppState;
use crate::partners::Viewer;
use crate::partners::idempotency::{self, Claim};

pub const HEADER: &str = "idempotency-key";

/// Runs a mutation at most once per (partner, key).
pub(super) async fn execute_once(
    state: &AppState,
    viewer: Viewer,
    request: async_graphql::Request,
    media: MediaType,
    headers: &HeaderMap,
    key: &str,
    canonical: &str,
) -> Response {
    if !idempotency::is_valid_key(key) {
        return request_error(
            StatusCode::BAD_REQUEST,
            media,
            "BAD_REQUEST",
            "Idempotency-Key must be 1 to 255 visible ASCII characters",
        );
    }
    let partner_id = viewer.partner.id.clone();
    let request_hash = idempotency::hash(canonical);
    // A claim still unfinished after twice the request timeout was abandoned.
    let stale_after = chrono::Duration::from_std(2 * state.config.limits.request_timeout)
        .unwrap_or_else(|_| chrono::Duration::seconds(20));
    let claim = match idempotency::claim(&state.db, &partner_id, key, &request_hash, stale_after).await {
        Ok(claim) => claim,
        Err(error) => return failure(media, error),
    };
    match claim {
        Claim::Reused => request_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            media,
            "IDEMPOTENCY_KEY_REUSED",
            "this Idempotency-Key was used for a different request",
        ),
        Claim::InProgress => request_error(
            StatusCode::CONFLICT,
            media,
            "IDEMPOTENCY_KEY_IN_USE",
            "a request with this Idempotency-Key is still running; retry later",
        ),
        Claim::Replay { status, body } => {
            let mut response = Response::builder()
                .status(StatusCode::from_u16(status).unwrap_or(StatusCode::OK))
                .content_type(media.content_type())
                .body(body);
            response
                .headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            response
        }
        Claim::Run => {
            let response = execute(state, Some(viewer), request, media, headers).await;
            let status = response.status();
            let (parts, body) = response.into_parts();
            let bytes = match body.into_bytes().await {
                Ok(bytes) => bytes,
                Err(_) => {
                    let _ = idempotency::release(&state.db, &partner_id, key).await;
                    return request_error(StatusCode::INTERNAL_SERVER_ERROR, media, "INTERNAL", "internal error");
                }
            };
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let outcome = if status.is_server_error() || failed_on_our_side(&text) {
                idempotency::release(&state.db, &partner_id, key).await
            } else {
                idempotency::complete(&state.db, &partner_id, key, status.as_u16(), &text).await
            };
            if let Err(error) = outcome {
                // The mutation ran; only the bookkeeping failed. Answer truthfully.
                tracing::error!(?error, "cannot record an idempotency key");
            }
            Response::from_parts(parts, bytes.into())
        }
    }
}

/// Whether a GraphQL response carries an error that a retry might not hit.
fn failed_on_our_side(body: &str) -> bool {
    let Ok(json) = serde_json::from_str::<serde_json::Value>(body) else {
        return true;
    };
    json["errors"].as_array().is_some_and(|errors| {
        errors.iter().any(|e| {
            matches!(
                e["extensions"]["code"].as_str(),
                Some("INTERNAL" | "SERVICE_UNAVAILABLE" | "TIMEOUT")
            )
        })
    })
}

fn failure(media: MediaType, error: crate::error::AppError) -> Response {
    app_error(media, &error, "idempotency key lookup failed")
}
