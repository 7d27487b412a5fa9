//! Listing and filtering services.

use entity::{attribute, location, service, service_area, service_at_location};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, Query, SimpleExpr};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Select};

use crate::error::AppResult;
use crate::page::{Page, PageRequest};
use crate::services::{keyset, status, taxonomy};

/// What to list. Every filter given must hold (AND); an empty list means the
/// filter is not given.
#[derive(Debug, Default, Clone)]
pub struct ServiceFilter {
    /// Words matched (case-insensitively) in the name or description.
    pub text: Option<String>,
    pub organization_id: Option<String>,
    /// Delivered at a location in, or with a service area covering, any of these.
    pub area_codes: Vec<String>,
    /// HSDS statuses; `None` means those people can use (active, temporarily closed).
    pub statuses: Option<Vec<String>>,
    /// Linked to any of these terms or their descendants.
    pub taxonomy_term_ids: Vec<String>,
}

pub async fn find_service(db: &impl ConnectionTrait, id: &str) -> AppResult<Option<service::Model>> {
    Ok(service::Entity::find_by_id(id.to_owned()).one(db).await?)
}

/// A `LIKE` pattern that matches `text` literally anywhere, lower-cased.
pub fn contains_pattern(text: &str) -> LikeExpr {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

/// `lower(column) LIKE %text%`, portable across SQLite and PostgreSQL.
pub fn column_contains(column: impl Into<SimpleExpr>, text: &str) -> SimpleExpr {
    Expr::expr(Func::lower(column.into())).like(contains_pattern(text))
}

/// Ids of services delivered at a location in one of the areas, or whose
/// service area covers one of them.
fn in_areas(area_codes: &[String]) -> Condition {
    let at_location = Query::select()
        .column((service_at_location::Entity, service_at_location::Column::ServiceId))
        .from(service_at_location::Entity)
        .inner_join(
            location::Entity,
            Expr::col((location::Entity, location::Column::Id))
                .equals((service_at_location::Entity, service_at_location::Column::LocationId)),
        )
        .and_where(location::Column::AreaCode.is_in(area_codes.to_vec()))
        .to_owned();
    let covering = Query::select()
        .column(service_area::Column::ServiceId)
        .from(service_area::Entity)
        .and_where(service_area::Column::AreaCode.is_in(area_codes.to_vec()))
        .to_owned();
    Condition::any()
        .add(service::Column::Id.in_subquery(at_location))
        .add(service::Column::Id.in_subquery(covering))
}

async fn filtered(db: &impl ConnectionTrait, filter: &ServiceFilter) -> AppResult<Select<service::Entity>> {
    let mut condition = Condition::all();
    let statuses = filter.statuses.clone().unwrap_or_else(status::default_listed);
    condition = condition.add(service::Column::Status.is_in(statuses));
    if let Some(text) = filter.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        condition = condition.add(
            Condition::any()
                .add(column_contains(service::Column::Name.into_expr(), text))
                .add(column_contains(service::Column::Description.into_expr(), text)),
        );
    }
    if let Some(organization_id) = &filter.organization_id {
        condition = condition.add(service::Column::OrganizationId.eq(organization_id.clone()));
    }
    if !filter.area_codes.is_empty() {
        condition = condition.add(in_areas(&filter.area_codes));
    }
    if !filter.taxonomy_term_ids.is_empty() {
        let terms = taxonomy::with_descendants(db, &filter.taxonomy_term_ids).await?;
        let linked = Query::select()
            .column(attribute::Column::LinkId)
            .from(attribute::Entity)
            .and_where(attribute::Column::LinkEntity.eq("service"))
            .and_where(attribute::Column::TaxonomyTermId.is_in(terms))
            .to_owned();
        condition = condition.add(service::Column::Id.in_subquery(linked));
    }
    Ok(service::Entity::find().filter(condition))
}

/// One page of matching services, by name.
pub async fn list_services(
    db: &impl ConnectionTrait,
    filter: &ServiceFilter,
    page: &PageRequest,
) -> AppResult<Page<service::Model>> {
    let select = keyset::apply(
        filtered(db, filter).await?,
        service::Column::Name.into_expr(),
        service::Column::Id.into_expr(),
        page,
    );
    Ok(Page::from_fetched(select.all(db).await?, page))
}

pub async fn count_services(db: &impl ConnectionTrait, filter: &ServiceFilter) -> AppResult<u64> {
    Ok(filtered(db, filter).await?.count(db).await?)
}

/// The cursor key of a service in the name ordering.
pub fn sort_key(service: &service::Model) -> String {
    service.name.clone()
}
