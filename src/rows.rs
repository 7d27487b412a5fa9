//! The rows of the busiest pages (services, hubs) decoded by column
//! position.
//!
//! sea-orm's derived `FromQueryResult` looks each column up by name and,
//! for every NULL it reads into an `Option`, formats the column's name into
//! an error message that it then drops (`err_null_idx_col`). For a page of
//! 20 services (W2) that decoding was a fifth of the server's instructions,
//! a third of it those messages. The decoders here ask sqlx for the same
//! types, as sea-orm does, but by position: the model's fields in column
//! order, the order in which a `Select` of the entity lists its columns.
//! A model with a field not listed here does not compile; a list out of
//! column order is caught by the test that compares these decoders with
//! sea-orm's on both databases (`tests/api/directory.rs`).

use entity::{hub, service};
use sea_orm::sqlx::{self, Row};
use sea_orm::{FromQueryResult, QueryResult};

use crate::error::{AppError, AppResult};

/// Positions 0, 1, 2, ... one per call.
fn positions() -> impl FnMut() -> usize {
    let mut next = 0;
    move || {
        next += 1;
        next - 1
    }
}

fn undecodable(error: sqlx::Error) -> AppError {
    AppError::Internal(format!("decoding a row: {error}"))
}

/// `pub fn $name(row) -> $model`, reading the listed fields from the row's
/// first columns in turn; a row from neither sqlx driver (none, today)
/// goes to sea-orm.
macro_rules! by_position {
    ($name:ident, $model:ident :: $ty:ident { $($field:ident),+ $(,)? }) => {
        pub fn $name(row: &QueryResult) -> AppResult<$model::$ty> {
            if let Some(row) = row.try_as_pg_row() {
                let mut next = positions();
                return Ok($model::$ty { $($field: row.try_get(next()).map_err(undecodable)?,)+ });
            }
            if let Some(row) = row.try_as_sqlite_row() {
                let mut next = positions();
                return Ok($model::$ty { $($field: row.try_get(next()).map_err(undecodable)?,)+ });
            }
            Ok($model::$ty::from_query_result(row, "")?)
        }
    };
}

by_position!(
    service_row,
    service::Model {
        id,
        organization_id,
        program_id,
        name,
        alternate_name,
        description,
        url,
        email,
        status,
        interpretation_services,
        application_process,
        fees_description,
        wait_time,
        fees,
        accreditations,
        eligibility_description,
        minimum_age,
        maximum_age,
        assured_date,
        assurer_email,
        licenses,
        alert,
        version,
        created_at,
        last_modified,
    }
);

by_position!(
    hub_row,
    hub::Model {
        id,
        location_id,
        organization_id,
        area_code,
        name,
        kinds,
        status,
        capacity,
        occupancy,
        note,
        valid_until,
        version,
        created_at,
        last_modified,
    }
);
