//! Liveness and readiness probes.

use poem::http::StatusCode;
use poem::web::Data;
use poem::{Response, handler};

use crate::{AppState, db};

/// The process is up (it answers even when the database is down).
#[handler]
pub fn healthz() -> &'static str {
    "ok"
}

/// The process can serve: the database answers.
#[handler]
pub async fn readyz(Data(state): Data<&AppState>) -> Response {
    if db::is_ready(&state.db).await {
        Response::builder().status(StatusCode::OK).body("ready")
    } else {
        Response::builder()
            .status(StatusCode::SERVICE_UNAVAILABLE)
            .body("database unavailable")
    }
}
