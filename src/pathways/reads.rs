//! Finding pathways and reading their parts.
//!
//! Pathways number in the hundreds (a few dozen per partnership), so a
//! search narrows in SQL (visibility, status, area, audience, entry
//! location, service, text, review state), then sorts by name and pages
//! the rows left in memory.

use std::collections::HashSet;

use entity::{pathway, pathway_area, pathway_audience, pathway_entry, pathway_step, service};
use sea_orm::sea_query::{Expr, Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::model::{self, PathwayStatus};
use crate::error::AppResult;
use crate::page::{Cursor, Page, PageRequest};
use crate::partners::access::PathwayVisibility;
use crate::services::areas::AreaSet;
use crate::services::search::column_contains;
use crate::services::{status, taxonomy};

/// Which pathways to find. Every filter given must hold (AND); within a
/// list, any value matches.
#[derive(Debug, Clone, Default)]
pub struct PathwayFilter {
    pub area_codes: Option<Vec<String>>,
    /// Serving a council area of any of these NHS health boards.
    pub health_board_codes: Option<Vec<String>>,
    /// Raw taxonomy term ids; their descendants match too.
    pub audience_term_ids: Option<Vec<String>>,
    pub from_location_id: Option<String>,
    /// A step leads to this service.
    pub service_id: Option<String>,
    /// In the name, the description or a step's title or description.
    pub text: Option<String>,
    pub statuses: Option<Vec<PathwayStatus>>,
    pub needs_review: Option<bool>,
    pub owner_partner_id: Option<String>,
}

/// A page of pathways and how many match in all.
#[derive(Debug, Clone)]
pub struct PathwayPage {
    pub page: Page<pathway::Model>,
    pub total: u64,
}

/// The cursor of a pathway in a list sorted by name.
pub fn cursor(row: &pathway::Model) -> Cursor {
    Cursor {
        key: row.name.to_lowercase(),
        id: row.id.clone(),
    }
}

/// Pathway ids with a step that no longer leads anywhere useful: to a
/// service that is inactive or defunct, to a target that was deleted, or to
/// the pathway's entry locations when it has none (they were deleted, or
/// never given). Instructions lead nowhere by design and never count.
fn needing_review_ids() -> SelectStatement {
    let ended = Query::select()
        .column(service::Column::Id)
        .from(service::Entity)
        .and_where(service::Column::Status.is_in([status::INACTIVE, status::DEFUNCT]))
        .to_owned();
    let no_target = Condition::all()
        .add(pathway_step::Column::Kind.eq(model::STORED_TARGET))
        .add(pathway_step::Column::ServiceId.is_null())
        .add(pathway_step::Column::OrganizationId.is_null())
        .add(pathway_step::Column::LocationId.is_null())
        .add(pathway_step::Column::Url.is_null());
    let with_entries = ids_where(pathway_entry::Column::PathwayId, pathway_entry::Entity);
    let nowhere_to_enter = Condition::all()
        .add(pathway_step::Column::Kind.eq(model::STORED_ENTRY_LOCATION))
        .add(pathway_step::Column::PathwayId.not_in_subquery(with_entries));
    Query::select()
        .distinct()
        .column(pathway_step::Column::PathwayId)
        .from(pathway_step::Entity)
        .cond_where(
            Condition::any()
                .add(pathway_step::Column::ServiceId.in_subquery(ended))
                .add(no_target)
                .add(nowhere_to_enter),
        )
        .to_owned()
}

fn ids_where(
    column: impl sea_orm::sea_query::IntoColumnRef,
    table: impl sea_orm::sea_query::IntoTableRef,
) -> SelectStatement {
    Query::select().column(column).from(table).to_owned()
}

/// The SQL condition of what a caller may see.
fn visible(visibility: &PathwayVisibility) -> Condition {
    let published = pathway::Column::Status.eq(PathwayStatus::Published.as_str());
    match visibility {
        PathwayVisibility::Everything => Condition::all(),
        PathwayVisibility::PublishedAndOwnedBy(partner_id) => Condition::any()
            .add(published)
            .add(pathway::Column::OwnerPartnerId.eq(partner_id.clone())),
        PathwayVisibility::Published => Condition::all().add(published),
    }
}

async fn narrowed(
    db: &impl ConnectionTrait,
    filter: &PathwayFilter,
    visibility: &PathwayVisibility,
) -> AppResult<sea_orm::Select<pathway::Entity>> {
    let mut select = pathway::Entity::find().filter(visible(visibility));
    if let Some(statuses) = &filter.statuses {
        select = select.filter(pathway::Column::Status.is_in(statuses.iter().map(|s| s.as_str())));
    }
    if let Some(owner) = &filter.owner_partner_id {
        select = select.filter(pathway::Column::OwnerPartnerId.eq(owner.clone()));
    }
    if let Some(codes) = &filter.area_codes {
        let serving = ids_where(pathway_area::Column::PathwayId, pathway_area::Entity)
            .and_where(pathway_area::Column::AreaCode.is_in(codes.clone()))
            .to_owned();
        select = select.filter(pathway::Column::Id.in_subquery(serving));
    }
    if let Some(boards) = &filter.health_board_codes {
        let serving = ids_where(pathway_area::Column::PathwayId, pathway_area::Entity)
            .and_where(AreaSet::HealthBoards(boards).holds((pathway_area::Entity, pathway_area::Column::AreaCode)))
            .to_owned();
        select = select.filter(pathway::Column::Id.in_subquery(serving));
    }
    if let Some(ids) = &filter.audience_term_ids {
        let terms = taxonomy::with_descendants(db, ids).await?;
        let for_them = ids_where(pathway_audience::Column::PathwayId, pathway_audience::Entity)
            .and_where(pathway_audience::Column::TaxonomyTermId.is_in(terms))
            .to_owned();
        select = select.filter(pathway::Column::Id.in_subquery(for_them));
    }
    if let Some(location_id) = &filter.from_location_id {
        let starting = ids_where(pathway_entry::Column::PathwayId, pathway_entry::Entity)
            .and_where(pathway_entry::Column::LocationId.eq(location_id.clone()))
            .to_owned();
        select = select.filter(pathway::Column::Id.in_subquery(starting));
    }
    if let Some(service_id) = &filter.service_id {
        let through = ids_where(pathway_step::Column::PathwayId, pathway_step::Entity)
            .and_where(pathway_step::Column::ServiceId.eq(service_id.clone()))
            .to_owned();
        select = select.filter(pathway::Column::Id.in_subquery(through));
    }
    if let Some(text) = filter.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let in_steps = ids_where(pathway_step::Column::PathwayId, pathway_step::Entity)
            .cond_where(
                Condition::any()
                    .add(column_contains(Expr::col(pathway_step::Column::Title), text))
                    .add(column_contains(Expr::col(pathway_step::Column::Description), text)),
            )
            .to_owned();
        select = select.filter(
            Condition::any()
                .add(column_contains(Expr::col(pathway::Column::Name), text))
                .add(column_contains(Expr::col(pathway::Column::Description), text))
                .add(pathway::Column::Id.in_subquery(in_steps)),
        );
    }
    match filter.needs_review {
        Some(true) => select = select.filter(pathway::Column::Id.in_subquery(needing_review_ids())),
        Some(false) => select = select.filter(pathway::Column::Id.not_in_subquery(needing_review_ids())),
        None => {}
    }
    Ok(select)
}

/// The pathways matching `filter` that the caller may see, by name, a page at a time.
pub async fn find_pathways(
    db: &impl ConnectionTrait,
    filter: &PathwayFilter,
    visibility: &PathwayVisibility,
    request: &PageRequest,
) -> AppResult<PathwayPage> {
    let mut rows = narrowed(db, filter, visibility).await?.all(db).await?;
    rows.sort_by(|a, b| {
        a.name
            .to_lowercase()
            .cmp(&b.name.to_lowercase())
            .then_with(|| a.id.cmp(&b.id))
    });
    let total = rows.len() as u64;
    let start = match &request.after {
        Some(after) => rows
            .iter()
            .position(|row| (row.name.to_lowercase(), &row.id) > (after.key.clone(), &after.id))
            .unwrap_or(rows.len()),
        None => 0,
    };
    let fetched: Vec<pathway::Model> = rows
        .into_iter()
        .skip(start)
        .take(request.fetch_limit() as usize)
        .collect();
    Ok(PathwayPage {
        page: Page::from_fetched(fetched, request),
        total,
    })
}

/// Which of `pathway_ids` need review.
pub async fn needing_review(db: &impl ConnectionTrait, pathway_ids: &[String]) -> AppResult<HashSet<String>> {
    let ids: Vec<String> = pathway::Entity::find()
        .select_only()
        .column(pathway::Column::Id)
        .filter(pathway::Column::Id.is_in(pathway_ids.to_vec()))
        .filter(pathway::Column::Id.in_subquery(needing_review_ids()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(ids.into_iter().collect())
}

/// Published pathways with a step at any of `service_ids`, as
/// `(service id, pathway)` pairs, by pathway name.
pub async fn published_through_services(
    db: &impl ConnectionTrait,
    service_ids: &[String],
) -> AppResult<Vec<(String, pathway::Model)>> {
    let steps = pathway_step::Entity::find()
        .filter(pathway_step::Column::ServiceId.is_in(service_ids.to_vec()))
        .all(db)
        .await?;
    let pathway_ids: Vec<String> = steps.iter().map(|s| s.pathway_id.clone()).collect();
    let pathways = published_by_ids(db, &pathway_ids).await?;
    let mut pairs: Vec<(String, pathway::Model)> = Vec::new();
    let mut seen = HashSet::new();
    for pathway in &pathways {
        for step in steps.iter().filter(|s| s.pathway_id == pathway.id) {
            let Some(service_id) = &step.service_id else { continue };
            if seen.insert((service_id.clone(), pathway.id.clone())) {
                pairs.push((service_id.clone(), pathway.clone()));
            }
        }
    }
    Ok(pairs)
}

/// Published pathways entered at any of `location_ids`, as
/// `(location id, pathway)` pairs, by pathway name.
pub async fn published_from_locations(
    db: &impl ConnectionTrait,
    location_ids: &[String],
) -> AppResult<Vec<(String, pathway::Model)>> {
    let entries = pathway_entry::Entity::find()
        .filter(pathway_entry::Column::LocationId.is_in(location_ids.to_vec()))
        .all(db)
        .await?;
    let pathway_ids: Vec<String> = entries.iter().map(|e| e.pathway_id.clone()).collect();
    let pathways = published_by_ids(db, &pathway_ids).await?;
    let mut pairs = Vec::new();
    for pathway in &pathways {
        for entry in entries.iter().filter(|e| e.pathway_id == pathway.id) {
            pairs.push((entry.location_id.clone(), pathway.clone()));
        }
    }
    Ok(pairs)
}

async fn published_by_ids(db: &impl ConnectionTrait, ids: &[String]) -> AppResult<Vec<pathway::Model>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(pathway::Entity::find()
        .filter(pathway::Column::Id.is_in(ids.to_vec()))
        .filter(pathway::Column::Status.eq(PathwayStatus::Published.as_str()))
        .order_by_asc(pathway::Column::Name)
        .order_by_asc(pathway::Column::Id)
        .all(db)
        .await?)
}

/// `(pathway id, area code)` pairs of some pathways.
pub async fn areas_of(db: &impl ConnectionTrait, pathway_ids: &[String]) -> AppResult<Vec<(String, String)>> {
    let rows = pathway_area::Entity::find()
        .filter(pathway_area::Column::PathwayId.is_in(pathway_ids.to_vec()))
        .order_by_asc(pathway_area::Column::AreaCode)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.pathway_id, r.area_code)).collect())
}

/// `(pathway id, audience term id)` pairs of some pathways.
pub async fn audience_of(db: &impl ConnectionTrait, pathway_ids: &[String]) -> AppResult<Vec<(String, String)>> {
    let rows = pathway_audience::Entity::find()
        .filter(pathway_audience::Column::PathwayId.is_in(pathway_ids.to_vec()))
        .order_by_asc(pathway_audience::Column::TaxonomyTermId)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.pathway_id, r.taxonomy_term_id)).collect())
}

/// `(pathway id, entry location id)` pairs of some pathways, in order.
pub async fn entries_of(db: &impl ConnectionTrait, pathway_ids: &[String]) -> AppResult<Vec<(String, String)>> {
    let rows = pathway_entry::Entity::find()
        .filter(pathway_entry::Column::PathwayId.is_in(pathway_ids.to_vec()))
        .order_by_asc(pathway_entry::Column::Position)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.pathway_id, r.location_id)).collect())
}
