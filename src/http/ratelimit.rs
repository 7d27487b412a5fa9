//! Per-token and per-IP rate limits on `/graphql` (GCRA, via `governor`):
//! a caller over its budget gets 429 with `Retry-After` and the GraphQL code
//! RATE_LIMITED before anything is parsed or executed.
//!
//! The budget is per instance: behind a load balancer of N instances a
//! caller gets up to N times the quota. Callers are told apart by their
//! bearer token (hashed, never kept in clear) or, anonymous, by their IP.
//!
//! A request whose token is refused (401) is charged to its IP's anonymous
//! budget as well: a caller sending a new made-up token each time would
//! otherwise get a fresh budget each time. Once an IP's failed
//! authentications have spent that budget, its requests with a token are
//! refused (429) until it refills; the failed one that spent it included.

use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

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
    /// IPs whose failed authentications spent their anonymous budget, and
    /// until when their requests with a token are refused.
    barred: Arc<Mutex<HashMap<String, Instant>>>,
    /// Where refusals are counted.
    metrics: Arc<Metrics>,
}

/// Barred IPs kept before the expired ones are swept out.
const BARRED_SWEEP_AT: usize = 10_000;

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
            barred: Arc::default(),
            metrics,
        }
    }

    /// `Some(seconds to wait)` when the caller is over its budget.
    fn check(&self, request: &Request) -> Option<u64> {
        let (limiter, caller, kind) = match request.headers().get(header::AUTHORIZATION) {
            Some(value) => {
                if let Some(wait) = self.barred_for(&address_of(request)) {
                    self.metrics.record_rate_limited("ip");
                    return Some(whole_seconds(wait));
                }
                let mut hasher = DefaultHasher::new();
                value.as_bytes().hash(&mut hasher);
                (self.tokens.as_ref()?, Caller::Token(hasher.finish()), "token")
            }
            None => (self.anonymous.as_ref()?, Caller::Address(address_of(request)), "ip"),
        };
        limiter.check_key(&caller).err().map(|not_until| {
            self.metrics.record_rate_limited(kind);
            whole_seconds(not_until.wait_time_from(DefaultClock::default().now()))
        })
    }

    /// Charges a refused token to the IP's anonymous budget: `Some(seconds
    /// to wait)` when that spent it, and the IP is then barred as long.
    fn charge_refused_token(&self, address: &str) -> Option<u64> {
        let limiter = self.anonymous.as_ref()?;
        let not_until = limiter.check_key(&Caller::Address(address.to_owned())).err()?;
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        let now = Instant::now();
        let mut barred = self.barred.lock().unwrap_or_else(PoisonError::into_inner);
        if barred.len() >= BARRED_SWEEP_AT {
            barred.retain(|_, until| *until > now);
        }
        barred.insert(address.to_owned(), now + wait);
        self.metrics.record_rate_limited("ip");
        Some(whole_seconds(wait))
    }

    /// How long `address` is still barred, if it is.
    fn barred_for(&self, address: &str) -> Option<Duration> {
        let mut barred = self.barred.lock().unwrap_or_else(PoisonError::into_inner);
        let until = *barred.get(address)?;
        let left = until.checked_duration_since(Instant::now());
        if left.is_none() {
            barred.remove(address);
        }
        left
    }
}

/// The caller's IP, as the rate limits tell anonymous callers apart.
fn address_of(request: &Request) -> String {
    request
        .remote_addr()
        .as_socket_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default()
}

/// A wait in whole seconds, rounded up (`Retry-After` takes whole seconds).
fn whole_seconds(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

/// Wraps an endpoint with the limits.
pub async fn limit<E: Endpoint>(endpoint: E, request: Request, limits: RateLimits) -> poem::Result<Response> {
    if let Some(wait) = limits.check(&request) {
        return Ok(too_many_requests(wait));
    }
    // Only a request with a token can be refused one.
    let token_sender = request
        .headers()
        .contains_key(header::AUTHORIZATION)
        .then(|| address_of(&request));
    let response = endpoint.call(request).await?.into_response();
    if response.status() == StatusCode::UNAUTHORIZED
        && let Some(address) = token_sender
        && let Some(wait) = limits.charge_refused_token(&address)
    {
        return Ok(too_many_requests(wait));
    }
    Ok(response)
}

/// 429 with `Retry-After` and the code RATE_LIMITED.
fn too_many_requests(wait: u64) -> Response {
    let mut response = request_error(
        StatusCode::TOO_MANY_REQUESTS,
        MediaType::Json,
        "RATE_LIMITED",
        &format!("too many requests; try again in {wait} s"),
    );
    if let Ok(value) = HeaderValue::from_str(&wait.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}
