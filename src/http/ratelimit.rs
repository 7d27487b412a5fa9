//! Rate limits (GCRA): a caller over its budget gets 429 with
//! `Retry-After` and the GraphQL code RATE_LIMITED, before its operation
//! is parsed or executed.
//!
//! Who pays is decided by what has been verified, never by what a client
//! merely sends:
//!
//! - a request whose bearer token verified is charged to its **partner**
//!   (every token of a partner, however its header is spelt, shares one
//!   budget), after authentication;
//! - every other request is charged to its **IP address**: anonymous
//!   requests, the HSDS API and WebSocket upgrades (which read no
//!   `Authorization` header at all), before anything else runs;
//! - a request whose token is refused (401) is charged to its IP as well,
//!   so that made-up tokens buy no budget; once an IP's failed
//!   authentications have spent its budget, its requests with a token are
//!   refused (429) until it refills;
//! - each operation sent over a WebSocket is charged like a request, to
//!   the partner its `connection_init` token verified as (checked again
//!   for each operation) or to the socket's IP.
//!
//! Budgets live in this process ([`governor`]'s keyed limiters, swept of
//! idle keys as they grow), or, with several instances behind a load
//! balancer, in a Redis server the operator names (`--rate-limit-redis`):
//! one GCRA state per caller that every instance updates atomically with
//! a script, timed by Redis's clock. A Redis that does not answer within
//! [`REDIS_TIMEOUT`] falls back to this process's own budgets (logged and
//! counted), so an outage of the limiter never takes the API down.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use poem::http::{HeaderValue, StatusCode, header};
use poem::{Endpoint, IntoResponse, Request, Response};

use super::answers::{MediaType, request_error};
use crate::metrics::Metrics;

/// Who is charged for a request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Caller {
    /// A partner whose token verified (its id, the tokens' `sub`).
    Partner(String),
    /// Anyone else, by IP address.
    Address(String),
}

impl Caller {
    /// The caller behind `request`'s peer address.
    pub fn address_of(request: &Request) -> Caller {
        Caller::Address(address_text(request.remote_addr().as_socket_addr().map(|a| a.ip())))
    }

    /// The caller at `address` (empty when it has none, as on a Unix socket).
    pub fn address(address: Option<IpAddr>) -> Caller {
        Caller::Address(address_text(address))
    }

    fn kind(&self) -> &'static str {
        match self {
            Caller::Partner(_) => "token",
            Caller::Address(_) => "ip",
        }
    }

    /// The caller's key in a shared store.
    fn store_key(&self, prefix: &str) -> String {
        match self {
            Caller::Partner(id) => format!("{prefix}:partner:{id}"),
            Caller::Address(address) => format!("{prefix}:ip:{address}"),
        }
    }
}

fn address_text(address: Option<IpAddr>) -> String {
    address.map(|ip| ip.to_string()).unwrap_or_default()
}

/// How long a shared store may take to answer before this process's own
/// budgets are used instead.
pub const REDIS_TIMEOUT: Duration = Duration::from_millis(250);

/// Callers kept by a local limiter before idle ones are swept out.
const SWEEP_AT: usize = 10_000;

/// One budget: requests a minute, with a burst of ten seconds' worth.
#[derive(Debug, Clone, Copy)]
struct Budget {
    per_minute: NonZeroU32,
    burst: NonZeroU32,
}

impl Budget {
    fn new(per_minute: Option<u32>) -> Option<Budget> {
        let per_minute = NonZeroU32::new(per_minute?)?;
        let burst = NonZeroU32::new((per_minute.get() / 6).max(1)).unwrap_or(NonZeroU32::MIN);
        Some(Budget { per_minute, burst })
    }

    /// Milliseconds between two requests at the steady rate.
    fn interval_ms(self) -> u64 {
        60_000 / u64::from(self.per_minute.get())
    }
}

/// A budget kept in this process.
struct Local {
    budget: Budget,
    limiter: DefaultKeyedRateLimiter<Caller>,
}

impl Local {
    fn new(budget: Budget) -> Local {
        let quota = Quota::per_minute(budget.per_minute).allow_burst(budget.burst);
        Local {
            budget,
            limiter: RateLimiter::keyed(quota),
        }
    }

    /// `Err(wait)` when `caller` is over the budget.
    fn check(&self, caller: &Caller) -> Result<(), Duration> {
        if self.limiter.len() >= SWEEP_AT {
            // Callers whose budget has refilled are as good as new: forget them.
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        self.limiter
            .check_key(caller)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

/// GCRA over Redis: the theoretical arrival time of each caller's next
/// request, in milliseconds of Redis's clock, updated atomically. Returns
/// 0 when the request may go, else the milliseconds to wait.
const GCRA: &str = r"
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local wait = tat - now - tolerance
if wait > 0 then return wait end
local next = tat + interval
redis.call('SET', KEYS[1], next, 'PX', next - now + 1)
return 0
";

/// Budgets shared by every instance through Redis.
struct Shared {
    connection: redis::aio::ConnectionManager,
    prefix: String,
    script: redis::Script,
    failures: AtomicU64,
}

impl Shared {
    /// `Ok(Err(wait))` when over the budget; `Err` when Redis did not answer.
    async fn check(&self, budget: Budget, caller: &Caller) -> Result<Result<(), Duration>, ()> {
        let interval = budget.interval_ms();
        let tolerance = interval * u64::from(budget.burst.get() - 1);
        let mut connection = self.connection.clone();
        let mut invocation = self.script.key(caller.store_key(&self.prefix));
        invocation.arg(interval).arg(tolerance);
        match tokio::time::timeout(REDIS_TIMEOUT, invocation.invoke_async::<u64>(&mut connection)).await {
            Ok(Ok(0)) => Ok(Ok(())),
            Ok(Ok(wait_ms)) => Ok(Err(Duration::from_millis(wait_ms))),
            Ok(Err(error)) => {
                self.failed(&error.to_string());
                Err(())
            }
            Err(_) => {
                self.failed("no answer in time");
                Err(())
            }
        }
    }

    fn failed(&self, error: &str) {
        // Logged once in a while, not for every request of an outage.
        if self.failures.fetch_add(1, Ordering::Relaxed).is_multiple_of(1_000) {
            tracing::warn!(
                error,
                "the shared rate-limit store failed; using this instance's own budgets"
            );
        }
    }
}

/// The rate limits of one server instance; cheap to clone.
#[derive(Clone)]
pub struct RateLimits {
    partners: Option<Arc<Local>>,
    addresses: Option<Arc<Local>>,
    shared: Option<Arc<Shared>>,
    /// IPs whose failed authentications spent their budget, and until when
    /// their requests with a token are refused.
    barred: Arc<Mutex<HashMap<String, Instant>>>,
    /// Where refusals are counted.
    metrics: Arc<Metrics>,
}

impl RateLimits {
    /// Budgets in this process: `per_partner_per_minute` for each verified
    /// partner, `per_ip_per_minute` for each IP (`None`: no limit).
    pub fn new(per_partner_per_minute: Option<u32>, per_ip_per_minute: Option<u32>, metrics: Arc<Metrics>) -> Self {
        RateLimits {
            partners: Budget::new(per_partner_per_minute).map(|b| Arc::new(Local::new(b))),
            addresses: Budget::new(per_ip_per_minute).map(|b| Arc::new(Local::new(b))),
            shared: None,
            barred: Arc::default(),
            metrics,
        }
    }

    /// The same budgets kept in the Redis server at `url` under keys that
    /// start with `prefix`, shared by every instance that names both. Fails when the URL is not a Redis URL or
    /// the server cannot be reached now.
    pub async fn shared_through(mut self, url: &str, prefix: &str) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)?;
        let connection = tokio::time::timeout(Duration::from_secs(5), client.get_connection_manager())
            .await
            .map_err(|_| anyhow::anyhow!("the rate-limit store at {} did not answer", redact(url)))??;
        self.shared = Some(Arc::new(Shared {
            connection,
            prefix: prefix.to_owned(),
            script: redis::Script::new(GCRA),
            failures: AtomicU64::new(0),
        }));
        Ok(self)
    }

    /// Charges one request to `caller`: `Err(seconds to wait)` when it is
    /// over its budget (counted in `/metrics`).
    pub async fn admit(&self, caller: &Caller) -> Result<(), u64> {
        let local = match caller {
            Caller::Partner(_) => &self.partners,
            Caller::Address(_) => &self.addresses,
        };
        let Some(local) = local else {
            return Ok(());
        };
        let checked = match &self.shared {
            Some(shared) => match shared.check(local.budget, caller).await {
                Ok(checked) => checked,
                Err(()) => local.check(caller),
            },
            None => local.check(caller),
        };
        checked.map_err(|wait| {
            self.metrics.record_rate_limited(caller.kind());
            whole_seconds(wait)
        })
    }

    fn bar(&self, address: &Caller, seconds: u64) {
        let Caller::Address(address) = address else { return };
        let now = Instant::now();
        let mut barred = self.barred.lock().unwrap_or_else(PoisonError::into_inner);
        if barred.len() >= SWEEP_AT {
            barred.retain(|_, until| *until > now);
        }
        barred.insert(address.clone(), now + Duration::from_secs(seconds));
    }

    /// How long `address` is still barred, if it is.
    fn barred_for(&self, address: &Caller) -> Option<Duration> {
        let Caller::Address(address) = address else { return None };
        let mut barred = self.barred.lock().unwrap_or_else(PoisonError::into_inner);
        let until = *barred.get(address)?;
        let left = until.checked_duration_since(Instant::now());
        if left.is_none() {
            barred.remove(address);
        }
        left
    }

    /// Callers this process keeps a budget for (the swept limiters' size).
    pub fn tracked(&self) -> usize {
        [&self.partners, &self.addresses]
            .into_iter()
            .flatten()
            .map(|local| local.limiter.len())
            .sum()
    }
}

/// A Redis URL with any password left out, for messages.
fn redact(url: &str) -> String {
    match url.split_once('@') {
        Some((scheme_and_user, host)) => {
            let scheme = scheme_and_user.split("://").next().unwrap_or("redis");
            format!("{scheme}://…@{host}")
        }
        None => url.to_owned(),
    }
}

/// A wait in whole seconds, rounded up (`Retry-After` takes whole seconds).
fn whole_seconds(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

/// Which requests a route charges before they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charging {
    /// Requests without `Authorization` are charged to their IP here;
    /// those with one are charged to their partner once it verified (by
    /// the handler), or to their IP when it is refused.
    ByTokenOrAddress,
    /// Every request is charged to its IP, whatever headers it sends.
    ByAddress,
}

/// Wraps an endpoint with the limits.
pub async fn limit<E: Endpoint>(
    endpoint: E,
    request: Request,
    limits: RateLimits,
    charging: Charging,
) -> poem::Result<Response> {
    let address = Caller::address_of(&request);
    let sends_token = charging == Charging::ByTokenOrAddress && request.headers().contains_key(header::AUTHORIZATION);
    if sends_token {
        if let Some(wait) = limits.barred_for(&address) {
            limits.metrics.record_rate_limited("ip");
            return Ok(too_many_requests(MediaType::Json, whole_seconds(wait)));
        }
    } else if let Err(wait) = limits.admit(&address).await {
        return Ok(too_many_requests(MediaType::Json, wait));
    }
    let response = endpoint.call(request).await?.into_response();
    // A refused token is charged to its IP; once that spends the IP's
    // budget, the IP is barred as long.
    if sends_token
        && response.status() == StatusCode::UNAUTHORIZED
        && let Err(wait) = limits.admit(&address).await
    {
        limits.bar(&address, wait);
        return Ok(too_many_requests(MediaType::Json, wait));
    }
    Ok(response)
}

/// 429 with `Retry-After` and the code RATE_LIMITED.
pub(super) fn too_many_requests(media: MediaType, wait: u64) -> Response {
    let mut response = request_error(
        StatusCode::TOO_MANY_REQUESTS,
        media,
        "RATE_LIMITED",
        &format!("too many requests; try again in {wait} s"),
    );
    if let Ok(value) = HeaderValue::from_str(&wait.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(per_minute: u32) -> RateLimits {
        RateLimits::new(Some(per_minute), Some(per_minute), Arc::default())
    }

    #[tokio::test]
    async fn a_partner_gets_its_burst_then_waits() {
        let limits = limits(60);
        let partner = Caller::Partner("p".into());
        for _ in 0..10 {
            assert_eq!(limits.admit(&partner).await, Ok(()));
        }
        assert_eq!(limits.admit(&partner).await, Err(1));
        assert_eq!(
            limits.admit(&Caller::Partner("q".into())).await,
            Ok(()),
            "another partner has its own budget"
        );
    }

    #[tokio::test]
    async fn callers_whose_budget_refilled_are_swept_once_there_are_many() {
        // 600 a minute: one request is made good again in a tenth of a second.
        let limits = limits(600);
        for n in 0..SWEEP_AT {
            let _ = limits
                .admit(&Caller::Address(format!("10.0.{}.{}", n / 256, n % 256)))
                .await;
        }
        assert_eq!(limits.tracked(), SWEEP_AT);
        tokio::time::sleep(Duration::from_millis(250)).await;
        let _ = limits.admit(&Caller::Address("192.0.2.1".into())).await;
        assert!(limits.tracked() <= 1, "{} callers kept", limits.tracked());
    }

    #[test]
    fn redis_urls_lose_their_password_in_messages() {
        assert_eq!(redact("redis://:secret@cache:6379/0"), "redis://…@cache:6379/0");
        assert_eq!(redact("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
    }
}
