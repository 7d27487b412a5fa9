//! HTTP: the poem routes around the GraphQL schema.

mod auth;
pub mod examples;
pub mod graphql;
pub mod health;
pub mod hsds;
mod idempotency;
pub mod metrics;
pub mod ratelimit;
pub mod ws;

use poem::http::Method;
use poem::middleware::Cors;
use poem::{Endpoint, EndpointExt, Route, get};

use crate::AppState;

/// Browsers may call the API from the configured origins (any, when none
/// is configured); a preflight from any other origin gets no allow header.
fn cors(origins: &[String]) -> Cors {
    Cors::new()
        .allow_origins(origins.iter().map(String::as_str))
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers([
            "authorization",
            "content-type",
            "accept",
            "idempotency-key",
            "x-request-id",
        ])
        .expose_headers(["x-request-id", "retry-after"])
        .max_age(3600)
}

/// Every route hubgraph serves.
pub fn routes(state: AppState) -> impl Endpoint {
    let cors = cors(&state.config.cors_origins);
    let limits = ratelimit::RateLimits::new(
        state.config.limits.rate_per_token_per_minute,
        state.config.limits.rate_per_ip_per_minute,
        state.metrics.clone(),
    );
    let graphql_limits = limits.clone();
    let graphql = get(graphql::get)
        .post(graphql::post)
        .around(move |endpoint, request| ratelimit::limit(endpoint, request, graphql_limits.clone()));
    // Opening a WebSocket counts as one request against the same budgets.
    let ws_limits = limits.clone();
    let websocket =
        get(ws::graphql_ws).around(move |endpoint, request| ratelimit::limit(endpoint, request, ws_limits.clone()));
    // The HSDS REST API is public data for any website: open to every
    // origin whatever the GraphQL API allows, under the same rate limits.
    let hsds = Route::new()
        .at("/", get(hsds::root))
        .at("/services", get(hsds::services))
        .at("/services/:id", get(hsds::service))
        .at("/organizations", get(hsds::organizations))
        .at("/organizations/:id", get(hsds::organization))
        .at("/service_at_locations", get(hsds::service_at_locations))
        .at("/service_at_locations/:id", get(hsds::service_at_location))
        .at("/taxonomies", get(hsds::taxonomies))
        .at("/taxonomies/:id", get(hsds::taxonomy_by_id))
        .at("/taxonomy_terms", get(hsds::taxonomy_terms))
        .at("/taxonomy_terms/:id", get(hsds::taxonomy_term))
        .around(move |endpoint, request| ratelimit::limit(endpoint, request, limits.clone()))
        .data(state.clone())
        .with(Cors::new().allow_methods([Method::GET, Method::OPTIONS]).max_age(3600));
    let api = Route::new()
        .at("/graphql", graphql)
        .at("/graphql/ws", websocket)
        .at("/schema.graphql", get(graphql::sdl))
        .at("/healthz", get(health::healthz))
        .at("/readyz", get(health::readyz))
        .at("/metrics", get(metrics::metrics))
        .data(state)
        .with(cors);
    // The example pages are static files: no rate limit, and none of the
    // API's CORS rules (the scripts carry their own allow-any-origin header).
    Route::new()
        .nest("/hsds", hsds)
        .at("/examples", get(examples::root))
        .at("/examples/*path", get(examples::file))
        .nest("/", api)
}
