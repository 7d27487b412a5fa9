//! HTTP: the poem routes around the GraphQL schema.

mod answers;
mod auth;
pub mod examples;
pub mod graphql;
pub mod health;
pub mod hsds;
mod idempotency;
pub mod metrics;
pub mod ratelimit;
pub mod response_cache;
pub mod ws;

use std::sync::Arc;

use poem::http::Method;
use poem::middleware::Cors;
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response, Route, get};

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

/// The route label of a path for `/metrics`: a fixed few, whatever clients ask for.
pub fn route_label(path: &str) -> &'static str {
    let path = path.trim_end_matches('/');
    match path {
        "/graphql" => "graphql",
        "/graphql/ws" => "graphql_ws",
        "/favicon.ico" => "playground_assets",
        "/schema.graphql" => "schema",
        "/healthz" | "/readyz" => "health",
        "/metrics" => "metrics",
        _ if path == "/hsds" || path.starts_with("/hsds/") => "hsds",
        _ if path.starts_with("/graphql/assets/") => "playground_assets",
        _ if path == "/examples" || path.starts_with("/examples/") => "examples",
        _ => "other",
    }
}

/// Counts every response by route and status, refusals before execution
/// included (they never reach the GraphQL operation counter).
async fn count_response<E: Endpoint>(
    endpoint: E,
    request: Request,
    metrics: Arc<crate::metrics::Metrics>,
) -> poem::Result<Response> {
    let route = route_label(request.uri().path());
    let response = match endpoint.call(request).await {
        Ok(response) => response.into_response(),
        Err(error) => error.into_response(),
    };
    metrics.record_response(route, response.status().as_u16());
    Ok(response)
}

/// Every route hubgraph serves.
pub fn routes(state: AppState) -> impl Endpoint {
    let counted = state.metrics.clone();
    let cors = cors(&state.config.cors_origins);
    use ratelimit::Charging;
    let limits = state.rate_limits.clone();
    let graphql_limits = limits.clone();
    let graphql = get(graphql::get).post(graphql::post).around(move |endpoint, request| {
        ratelimit::limit(endpoint, request, graphql_limits.clone(), Charging::ByTokenOrAddress)
    });
    // Opening a WebSocket counts as one request of its IP (the token, if
    // any, comes later, in `connection_init`); each operation sent over it
    // counts too (`ws`).
    let ws_limits = limits.clone();
    let websocket = get(ws::graphql_ws)
        .around(move |endpoint, request| ratelimit::limit(endpoint, request, ws_limits.clone(), Charging::ByAddress));
    // The HSDS REST API is public data for any website: open to every
    // origin whatever the GraphQL API allows, under the same rate limits,
    // its answers kept in the response cache.
    let (responses, timeout) = (state.responses.clone(), state.config.limits.request_timeout);
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
        .around(move |endpoint, request| hsds::cached(endpoint, request, responses.clone(), timeout))
        .around(hsds::refuse_unstorable)
        // Public data: whatever `Authorization` says, charged to the IP.
        .around(move |endpoint, request| ratelimit::limit(endpoint, request, limits.clone(), Charging::ByAddress))
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
        // The playground's files, like the example pages: static, no rate limit.
        .at("/graphql/assets/:name", get(graphql::playground::serve_asset))
        .at("/favicon.ico", get(graphql::playground::favicon))
        .nest("/", api)
        .around(move |endpoint, request| count_response(endpoint, request, counted.clone()))
}
