//! Who is calling: the `Authorization: Bearer <JWT>` header, authenticated
//! on every request (RFC 6750). Tokens are read from that header only; an
//! `access_token` in the URL is ignored, since URLs end up in logs.
//!
//! No header: anonymous. A header that is not a valid, current bearer token
//! (or any bearer token while tokens are off): 401 with
//! `WWW-Authenticate: Bearer error="invalid_token"`, never echoing the token.

use poem::Response;
use poem::http::{HeaderMap, HeaderValue, StatusCode, header};

use super::answers::{MediaType, app_error, request_error};
use super::ratelimit::Caller;
use crate::AppState;
use crate::error::AppError;
use crate::partners::{self, Viewer};

/// The caller of this request: `Ok(None)` when anonymous, `Err` with the
/// response to send when the request must be refused.
pub(super) async fn viewer(
    state: &AppState,
    headers: &HeaderMap,
    media: MediaType,
) -> Result<Option<Viewer>, Response> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    // Two Authorization headers: which one counts would be anybody's guess.
    if values.next().is_some() {
        return Err(refused(media, "more than one Authorization header"));
    }
    let Some(token) = value.to_str().ok().and_then(bearer_token) else {
        return Err(refused(media, "not a bearer token"));
    };
    let Some(keys) = &state.keys else {
        return Err(refused(media, "bearer tokens are off on this server"));
    };
    match partners::authenticate(&state.db, keys, token).await {
        Ok(viewer) => {
            // Charged to the partner the token verified as, however the
            // header spelt it (`ratelimit`).
            let partner = Caller::Partner(viewer.partner.id.clone());
            match state.rate_limits.admit(&partner).await {
                Ok(()) => Ok(Some(viewer)),
                Err(wait) => Err(super::ratelimit::too_many_requests(media, wait)),
            }
        }
        Err(AppError::Unauthenticated) => Err(unauthorized(media)),
        Err(error) => Err(app_error(media, &error, "authentication failed")),
    }
}

/// The token of an `Authorization: Bearer <token>` value (scheme case-insensitive).
pub(super) fn bearer_token(text: &str) -> Option<&str> {
    let (scheme, token) = text.trim().split_once(' ')?;
    let token = token.trim();
    let well_formed = scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && !token.contains(' ');
    well_formed.then_some(token)
}

fn refused(media: MediaType, reason: &str) -> Response {
    tracing::info!(reason, "bearer token refused");
    unauthorized(media)
}

/// 401, whatever the reason: the client learns only that the token is not
/// accepted, and the details stay in the log.
fn unauthorized(media: MediaType) -> Response {
    let mut response = request_error(
        StatusCode::UNAUTHORIZED,
        media,
        "UNAUTHENTICATED",
        "the bearer token is invalid, expired or revoked",
    );
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(r#"Bearer error="invalid_token""#),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_are_parsed_strictly() {
        let token = |text: &str| bearer_token(text).map(str::to_owned);
        assert_eq!(token("Bearer abc.def.ghi").as_deref(), Some("abc.def.ghi"));
        assert_eq!(token("bearer abc").as_deref(), Some("abc"));
        assert_eq!(token("Basic dXNlcjpwYXNz"), None);
        assert_eq!(token("Bearer"), None);
        assert_eq!(token("Bearer "), None);
        assert_eq!(token("Bearer a b"), None);
    }
}
