//! `GET /metrics` in the Prometheus text format.

use poem::web::Data;
use poem::{Response, handler};

use crate::AppState;

#[handler]
pub fn metrics(Data(state): Data<&AppState>) -> Response {
    let body = format!(
        "# HELP hubgraph_sql_statements_total SQL statements executed by this process.\n\
         # TYPE hubgraph_sql_statements_total counter\n\
         hubgraph_sql_statements_total {}\n",
        state.statements.get()
    );
    Response::builder()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body)
}
