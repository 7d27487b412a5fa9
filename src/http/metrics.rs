//! `GET /metrics` in the Prometheus text format (0.0.4): the counters and
//! histograms kept as requests happen (`crate::metrics`), then the values
//! read at scrape time: the database pool, sockets, subscriptions, SQL
//! statements, tasks.

use poem::http::StatusCode;
use poem::web::Data;
use poem::{Response, handler};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::prometheus_text::{CONTENT_TYPE, encode};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::AppState;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    state: &'static str,
}

#[handler]
pub fn metrics(Data(state): Data<&AppState>) -> Response {
    let mut body = String::new();
    let encoded = state
        .metrics
        .encode(&mut body)
        .and_then(|()| encode(&mut body, &scrape_time(state)));
    if encoded.is_err() {
        // Writing to a String fails only if an encoder refuses a value.
        tracing::error!("cannot encode the metrics");
        return Response::builder()
            .status(StatusCode::INTERNAL_SERVER_ERROR)
            .body("cannot encode the metrics");
    }
    Response::builder().content_type(CONTENT_TYPE).body(body)
}

/// A registry of the values read now; built per scrape, so it holds no
/// reference to the state (and the state none to it).
fn scrape_time(state: &AppState) -> Registry {
    let mut registry = Registry::default();
    let gauge = |registry: &mut Registry, name: &str, help: &str, value: i64| {
        let gauge = Gauge::<i64>::default();
        gauge.set(value);
        registry.register(name, help, gauge);
    };
    let counter = |registry: &mut Registry, name: &str, help: &str, value: u64| {
        let counter = Counter::<u64>::default();
        counter.inc_by(value);
        registry.register(name, help, counter);
    };
    if let Some(pool) = crate::db::pool_stats(&state.db) {
        let connections = Family::<PoolLabels, Gauge>::default();
        connections
            .get_or_create(&PoolLabels { state: "in_use" })
            .set(pool.in_use.into());
        connections
            .get_or_create(&PoolLabels { state: "idle" })
            .set(pool.idle.into());
        registry.register(
            "hubgraph_db_pool_connections",
            "Open database connections: in use by a query or transaction, or idle",
            connections,
        );
        gauge(
            &mut registry,
            "hubgraph_db_pool_max_connections",
            "The most connections the database pool opens",
            pool.max.into(),
        );
    }
    counter(
        &mut registry,
        "hubgraph_sql_statements",
        "SQL statements executed by this process",
        state.statements.get(),
    );
    let documents = &state.http_schemas.documents;
    counter(
        &mut registry,
        "hubgraph_graphql_documents_parsed",
        "GraphQL documents sent over HTTP that were parsed, not found already parsed",
        documents.parsed(),
    );
    counter(
        &mut registry,
        "hubgraph_graphql_documents_reused",
        "GraphQL documents sent over HTTP that were found already parsed",
        documents.found(),
    );
    let responses = &state.responses;
    counter(
        &mut registry,
        "hubgraph_response_cache_hits",
        "Anonymous queries answered from the response cache",
        responses.hits(),
    );
    counter(
        &mut registry,
        "hubgraph_response_cache_misses",
        "Anonymous queries the response cache had no current answer for",
        responses.misses(),
    );
    counter(
        &mut registry,
        "hubgraph_response_cache_invalidations",
        "Times the response cache was emptied because data may have changed",
        responses.invalidations(),
    );
    gauge(
        &mut registry,
        "hubgraph_response_cache_bytes",
        "Bytes of answers (and their keys) the response cache keeps",
        i64::try_from(responses.weight()).unwrap_or(i64::MAX),
    );
    gauge(
        &mut registry,
        "hubgraph_ws_connections",
        "Open GraphQL WebSocket connections",
        as_i64(state.ws.connections()),
    );
    gauge(
        &mut registry,
        "hubgraph_subscriptions_active",
        "Operations (subscriptions, mostly) running over WebSocket",
        as_i64(state.ws.operations()),
    );
    gauge(
        &mut registry,
        "hubgraph_event_subscribers",
        "Open subscriptions to the event bus",
        as_i64(state.events.subscriber_count()),
    );
    counter(
        &mut registry,
        "hubgraph_events_lagged",
        "Events subscribers lost by falling behind",
        state.events.lagged_total(),
    );
    gauge(
        &mut registry,
        "hubgraph_tasks_alive",
        "Tasks alive on the runtime serving this request",
        as_i64(tokio::runtime::Handle::current().metrics().num_alive_tasks()),
    );
    registry
}

fn as_i64(count: usize) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}
