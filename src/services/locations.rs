//! Listing locations.

use entity::location;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Select};

use crate::error::AppResult;
use crate::page::{Page, PageRequest};
use crate::services::areas::AreaSet;
use crate::services::keyset;
use crate::services::search::column_contains;

#[derive(Debug, Default, Clone)]
pub struct LocationFilter {
    pub text: Option<String>,
    pub area_codes: Vec<String>,
    /// In a council area of any of these NHS health boards.
    pub health_board_codes: Vec<String>,
    pub organization_id: Option<String>,
}

pub async fn find_location(db: &impl ConnectionTrait, id: &str) -> AppResult<Option<location::Model>> {
    Ok(location::Entity::find_by_id(id.to_owned()).one(db).await?)
}

fn filtered(filter: &LocationFilter) -> Select<location::Entity> {
    let mut condition = Condition::all();
    if let Some(text) = filter.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        condition = condition.add(
            Condition::any()
                .add(column_contains(location::Column::Name.into_expr(), text))
                .add(column_contains(location::Column::Description.into_expr(), text)),
        );
    }
    if !filter.area_codes.is_empty() {
        condition = condition.add(location::Column::AreaCode.is_in(filter.area_codes.clone()));
    }
    if !filter.health_board_codes.is_empty() {
        let boards = AreaSet::HealthBoards(&filter.health_board_codes);
        condition = condition.add(boards.holds((location::Entity, location::Column::AreaCode)));
    }
    if let Some(organization_id) = &filter.organization_id {
        condition = condition.add(location::Column::OrganizationId.eq(organization_id.clone()));
    }
    location::Entity::find().filter(condition)
}

pub async fn list_locations(
    db: &impl ConnectionTrait,
    filter: &LocationFilter,
    page: &PageRequest,
) -> AppResult<Page<location::Model>> {
    let select = keyset::apply(
        filtered(filter),
        keyset::text_key(location::Column::Name.into_expr()),
        location::Column::Id.into_expr(),
        page,
    );
    Ok(Page::from_fetched(keyset::fetch(db, select).await?, page))
}

pub async fn count_locations(db: &impl ConnectionTrait, filter: &LocationFilter) -> AppResult<u64> {
    Ok(filtered(filter).count(db).await?)
}

/// The cursor key of a location in the name ordering.
pub fn sort_key(location: &location::Model) -> String {
    location.name.clone().unwrap_or_default()
}
