//! Council areas (GSS codes) and the national pseudo-area `SCOTLAND`.

use entity::area;
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};

use crate::error::AppResult;

/// The code a service area uses for national coverage.
pub const SCOTLAND: &str = "SCOTLAND";

pub async fn all_areas(db: &impl ConnectionTrait) -> AppResult<Vec<area::Model>> {
    Ok(area::Entity::find().order_by_asc(area::Column::Name).all(db).await?)
}
