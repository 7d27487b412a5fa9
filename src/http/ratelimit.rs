//! Per-token and per-IP rate limits on `/graphql` (GCRA, via `governor`):
//! a caller over its budget gets 429 with `Retry-After` and the GraphQL code
//! RATE_LIMITED before anything is parsed or executed.
//!
//! The budget is per instance: behind a load balancer of N instances a
//! caller gets up to N times the quota. Callers are told apart by their
//! bearer token (hashed, never kept in clear) or, anonymous, by their IP.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::num::NonZeroU32;
use std::sync::Arc;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use poem::http::{HeaderValue, StatusCode, header};
use poem::{Endpoint, IntoResponse, Request, Response};

use super::graphql::{MediaType, request_error};
use crate::metrics::Metrics;

/// Who is asking, for rate limiting.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Caller {
    Token(u64),
    Address(String),
}

/// The limiters of one server instance.
#[derive(Clone)]
pub struct RateLimits {
    tokens: Option<Arc<DefaultKeyedRateLimiter<Caller>>>,
    anonymous: Option<Arc<DefaultKeyedRateLimiter<Caller>>>,
    /// Where refusals are counted.
    metrics: Arc<Metrics>,
}

/// Requests a minute, with a burst of ten seconds' worth.
fn limiter(per_minute: Option<u32>) -> Option<Arc<DefaultKeyedRateLimiter<Caller>>> {
    let per_minute = NonZeroU32::new(per_minute?)?;
    let burst = NonZeroU32::new((per_minute.get() / 6).max(1)).unwrap_or(NonZeroU32::MIN);
    Some(Arc::new(RateLimiter::keyed(
        Quota::per_minute(per_minute).allow_burst(burst),
    )))
}

impl RateLimits {
    pub fn new(per_token_per_minute: Option<u32>, per_ip_per_minute: Option<u32>, metrics: Arc<Metrics>) -> Self {
        RateLimits {
            tokens: limiter(per_token_per_minute),
            anonymous: limiter(per_ip_per_minute),
            metrics,
        }
    }

    /// `Some(seconds to wait)` when the caller is over its budget.
    fn check(&self, request: &Request) -> Option<u64> {
        let (limiter, caller, kind) = match request.headers().get(header::AUTHORIZATION) {
            Some(value) => {
                let mut hasher = DefaultHasher::new();
                value.as_bytes().hash(&mut hasher);
                (self.tokens.as_ref()?, Caller::Token(hasher.finish()), "token")
            }
            None => {
                let address = request
                    .remote_addr()
                    .as_socket_addr()
                    .map(|a| a.ip().to_string())
                    .unwrap_or_default();
                (self.anonymous.as_ref()?, Caller::Address(address), "ip")
            }
        };
        limiter.check_key(&caller).err().map(|not_until| {
            self.metrics.record_rate_limited(kind);
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }
}

/// Wraps an endpoint with the limits.
pub async fn limit<E: Endpoint>(endpoint: E, request: Request, limits: RateLimits) -> poem::Result<Response> {
    if let Some(wait) = limits.check(&request) {
        let mut response = request_error(
            StatusCode::TOO_MANY_REQUESTS,
            MediaType::Json,
            "RATE_LIMITED",
            &format!("too many requests; try again in {wait} s"),
        );
        if let Ok(value) = HeaderValue::from_str(&wait.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return Ok(response);
    }
    Ok(endpoint.call(request).await?.into_response())
}
