//! Listing organizations.

use entity::{location, organization, service, service_area};
use sea_orm::sea_query::{ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Select};

use crate::error::AppResult;
use crate::page::{Page, PageRequest};
use crate::services::areas::AreaSet;
use crate::services::keyset;
use crate::services::search::column_contains;

#[derive(Debug, Default, Clone)]
pub struct OrganizationFilter {
    pub text: Option<String>,
    /// With a location in, or a service covering, any of these areas.
    pub area_codes: Vec<String>,
    /// As `area_codes`, for the council areas of any of these NHS health boards.
    pub health_board_codes: Vec<String>,
}

pub async fn find_organization(db: &impl ConnectionTrait, id: &str) -> AppResult<Option<organization::Model>> {
    Ok(organization::Entity::find_by_id(id.to_owned()).one(db).await?)
}

/// Organisations with a location in one of the areas, or a service covering one.
fn in_areas(areas: AreaSet<'_>) -> Condition {
    let with_location = Query::select()
        .column(location::Column::OrganizationId)
        .from(location::Entity)
        .and_where(areas.holds((location::Entity, location::Column::AreaCode)))
        .to_owned();
    let covering = Query::select()
        .column((service::Entity, service::Column::OrganizationId))
        .from(service::Entity)
        .inner_join(
            service_area::Entity,
            sea_orm::sea_query::Expr::col((service_area::Entity, service_area::Column::ServiceId))
                .equals((service::Entity, service::Column::Id)),
        )
        .and_where(areas.holds((service_area::Entity, service_area::Column::AreaCode)))
        .to_owned();
    Condition::any()
        .add(organization::Column::Id.in_subquery(with_location))
        .add(organization::Column::Id.in_subquery(covering))
}

fn filtered(filter: &OrganizationFilter) -> Select<organization::Entity> {
    let mut condition = Condition::all();
    if let Some(text) = filter.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        condition = condition.add(
            Condition::any()
                .add(column_contains(organization::Column::Name.into_expr(), text))
                .add(column_contains(organization::Column::Description.into_expr(), text)),
        );
    }
    if !filter.area_codes.is_empty() {
        condition = condition.add(in_areas(AreaSet::Codes(&filter.area_codes)));
    }
    if !filter.health_board_codes.is_empty() {
        condition = condition.add(in_areas(AreaSet::HealthBoards(&filter.health_board_codes)));
    }
    organization::Entity::find().filter(condition)
}

pub async fn list_organizations(
    db: &impl ConnectionTrait,
    filter: &OrganizationFilter,
    page: &PageRequest,
) -> AppResult<Page<organization::Model>> {
    let select = keyset::apply(
        filtered(filter),
        organization::Column::Name.into_expr(),
        organization::Column::Id.into_expr(),
        page,
    );
    Ok(Page::from_fetched(keyset::fetch(db, select).await?, page))
}

pub async fn count_organizations(db: &impl ConnectionTrait, filter: &OrganizationFilter) -> AppResult<u64> {
    Ok(filtered(filter).count(db).await?)
}
