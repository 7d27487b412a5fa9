//! HTTP: the poem routes around the GraphQL schema.

mod auth;
pub mod graphql;
pub mod health;
mod idempotency;
pub mod metrics;

use poem::{Endpoint, EndpointExt, Route, get};

use crate::AppState;

/// Every route hubgraph serves.
pub fn routes(state: AppState) -> impl Endpoint {
    Route::new()
        .at("/graphql", get(graphql::get).post(graphql::post))
        .at("/schema.graphql", get(graphql::sdl))
        .at("/healthz", get(health::healthz))
        .at("/readyz", get(health::readyz))
        .at("/metrics", get(metrics::metrics))
        .data(state)
}
