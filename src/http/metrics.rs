//! `GET /metrics` in the Prometheus text format.

use std::fmt::Write;

use poem::web::Data;
use poem::{Response, handler};

use crate::AppState;

#[handler]
pub fn metrics(Data(state): Data<&AppState>) -> Response {
    let mut body = String::new();
    let mut metric = |name: &str, kind: &str, help: &str, value: u64| {
        let _ = write!(body, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n");
    };
    metric(
        "hubgraph_sql_statements_total",
        "counter",
        "SQL statements executed by this process.",
        state.statements.get(),
    );
    metric(
        "hubgraph_ws_connections",
        "gauge",
        "Open GraphQL WebSocket connections.",
        state.ws.connections() as u64,
    );
    metric(
        "hubgraph_subscriptions_active",
        "gauge",
        "Operations (subscriptions, mostly) running over WebSocket.",
        state.ws.operations() as u64,
    );
    metric(
        "hubgraph_event_subscribers",
        "gauge",
        "Open subscriptions to the event bus.",
        state.events.subscriber_count() as u64,
    );
    metric(
        "hubgraph_events_lagged_total",
        "counter",
        "Events subscribers lost by falling behind.",
        state.events.lagged_total(),
    );
    metric(
        "hubgraph_tasks_alive",
        "gauge",
        "Tasks alive on the runtime serving this request.",
        tokio::runtime::Handle::current().metrics().num_alive_tasks() as u64,
    );
    Response::builder()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body)
}
