//! Finding hubs, summing them up and walking a hub's history.
//!
//! Hubs number in the hundreds (one per library or venue), so a search
//! narrows in SQL by area, status, organisation and facilities, sorts the
//! matches' keys in memory (by name, or by distance when a point is given),
//! then reads the rows of one page. The history is keyset-paged in SQL,
//! newest first.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use entity::{hub, hub_facility, hub_status_event, location, organization, service_at_location};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, QueryStatementBuilder, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, Iterable, JoinType, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, RelationDef,
};

use super::model::{HubKind, HubStatus};
use crate::db::{add_organizations_of, is_in_hashed_list, json_referenced_row_subquery, json_rows_of};
use crate::error::AppResult;
use crate::page::{Cursor, Page, PageRequest};
use crate::services::areas::AreaSet;
use crate::services::geo::GeoPoint;

/// Which hubs to find. Every filter given must hold (AND); within a list,
/// any value matches, except facilities: a hub must offer all of them.
#[derive(Debug, Clone, Default)]
pub struct HubFilter {
    pub area_codes: Option<Vec<String>>,
    /// In a council area of any of these NHS health boards.
    pub health_board_codes: Option<Vec<String>>,
    pub statuses: Option<Vec<HubStatus>>,
    pub kinds: Option<Vec<HubKind>>,
    /// Raw taxonomy term ids; all of them.
    pub facility_term_ids: Option<Vec<String>>,
    /// Centre and radius (km) of a distance search.
    pub near: Option<(GeoPoint, f64)>,
    pub organization_id: Option<String>,
}

/// A hub found, with its distance from the search point, if any.
#[derive(Debug, Clone)]
pub struct FoundHub {
    pub hub: hub::Model,
    pub distance_km: Option<f64>,
}

/// What a page of hubs reads along with the hubs, in the same statement
/// (whatever the query selects of each hub).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HubJoins {
    pub location: bool,
    pub organization: bool,
    pub service_count: bool,
}

/// What a page of hubs read along with its rows, as `HubJoins` asked
/// (empty lists for what it did not).
#[derive(Debug, Clone, Default)]
pub struct HubRelations {
    /// The page's locations.
    pub locations: Vec<location::Model>,
    /// The page's organisations, each once.
    pub organizations: Vec<organization::Model>,
    /// Services delivered at each of the page's locations.
    pub service_counts: Vec<(String, i64)>,
}

/// A page of hubs, how many match in all, and what was read along.
#[derive(Debug, Clone)]
pub struct HubPage {
    pub page: Page<FoundHub>,
    pub total: u64,
    pub relations: HubRelations,
}

impl FoundHub {
    /// The cursor of this row: the sort key and the id.
    pub fn cursor(&self) -> Cursor {
        Cursor {
            key: sort_key(&self.hub.name, self.distance_km),
            id: self.hub.id.clone(),
        }
    }
}

/// What hubs sort by: distance, or the name lower-cased (Unicode-aware,
/// which SQLite's `lower()` is not; hence the sort in Rust).
fn sort_key(name: &str, distance_km: Option<f64>) -> String {
    match distance_km {
        // Zero-padded metres sort as text in distance order.
        Some(km) => format!("{:012.0}", km * 1000.0),
        None => name.to_lowercase(),
    }
}

/// The SQL part of the filter: area, status, organisation, facilities.
fn narrowed(filter: &HubFilter) -> sea_orm::Select<hub::Entity> {
    let mut select = hub::Entity::find();
    if let Some(codes) = &filter.area_codes {
        select = select.filter(hub::Column::AreaCode.is_in(codes.clone()));
    }
    if let Some(boards) = &filter.health_board_codes {
        select = select.filter(AreaSet::HealthBoards(boards).holds((hub::Entity, hub::Column::AreaCode)));
    }
    if let Some(statuses) = &filter.statuses {
        select = select.filter(hub::Column::Status.is_in(statuses.iter().map(|s| s.as_str())));
    }
    if let Some(organization_id) = &filter.organization_id {
        select = select.filter(hub::Column::OrganizationId.eq(organization_id.clone()));
    }
    if let Some(terms) = &filter.facility_term_ids {
        let mut terms = terms.clone();
        terms.sort();
        terms.dedup();
        // Hubs holding every one of the terms.
        let holding_all = Query::select()
            .column(hub_facility::Column::HubId)
            .from(hub_facility::Entity)
            .and_where(hub_facility::Column::TaxonomyTermId.is_in(terms.clone()))
            .group_by_col(hub_facility::Column::HubId)
            .and_having(
                Expr::col(hub_facility::Column::TaxonomyTermId)
                    .count_distinct()
                    .eq(terms.len() as i64),
            )
            .to_owned();
        select = select.filter(Condition::all().add(hub::Column::Id.in_subquery(holding_all)));
    }
    select
}

/// One matching hub as the search sorts it: only what sorting and the
/// filters SQL cannot apply need.
struct HubKey {
    id: String,
    key: String,
    distance_km: Option<f64>,
}

/// The hubs matching `filter`, a page at a time, with what `joins` asks for.
///
/// Two statements: the keys of every matching hub (id, name, kinds, and
/// coordinates for a distance search), sorted and paged here; then the
/// page's rows, joined to their locations, organisations and service
/// counts as asked. Hubs number in the hundreds, so the keys are a few
/// hundred short rows; the wide rows are read for one page only.
pub async fn find_hubs(
    db: &impl ConnectionTrait,
    filter: &HubFilter,
    request: &PageRequest,
    joins: HubJoins,
) -> AppResult<HubPage> {
    let mut keys = matching_keys(db, filter).await?;
    keys.sort_by(|a, b| a.key.cmp(&b.key).then_with(|| a.id.cmp(&b.id)));
    let total = keys.len() as u64;
    let start = match &request.after {
        Some(after) => keys
            .iter()
            .position(|k| (&k.key, &k.id) > (&after.key, &after.id))
            .unwrap_or(keys.len()),
        None => 0,
    };
    let fetched: Vec<HubKey> = keys
        .into_iter()
        .skip(start)
        .take(request.fetch_limit() as usize)
        .collect();
    let keys = Page::from_fetched(fetched, request);
    let (rows, relations) = page_rows(db, &keys.rows, joins).await?;
    Ok(HubPage {
        page: Page {
            rows,
            has_next_page: keys.has_next_page,
            has_previous_page: keys.has_previous_page,
        },
        total,
        relations,
    })
}

/// Sort keys of every hub matching `filter`, unsorted.
async fn matching_keys(db: &impl ConnectionTrait, filter: &HubFilter) -> AppResult<Vec<HubKey>> {
    let wanted_kind = |kinds: &str| match &filter.kinds {
        Some(wanted) => HubKind::parse_list(kinds).iter().any(|k| wanted.contains(k)),
        None => true,
    };
    let select = narrowed(filter)
        .select_only()
        .column(hub::Column::Id)
        .column(hub::Column::Name)
        .column(hub::Column::Kinds);
    let Some((centre, radius_km)) = &filter.near else {
        let rows: Vec<(String, String, String)> =
            crate::db::rows_as_json(db, select.into_query(), &["id", "name", "kinds"]).await?;
        return Ok(rows
            .into_iter()
            .filter(|(_, _, kinds)| wanted_kind(kinds))
            .map(|(id, name, _)| HubKey {
                key: sort_key(&name, None),
                id,
                distance_km: None,
            })
            .collect());
    };
    // A hub whose location has no coordinates is nowhere near anything.
    let select = select
        .join(JoinType::InnerJoin, location_of_hub())
        .column(location::Column::Latitude)
        .column(location::Column::Longitude);
    // id, name, kinds, latitude, longitude
    type Row = (String, String, String, Option<f64>, Option<f64>);
    let rows: Vec<Row> = crate::db::rows_as_json(
        db,
        select.into_query(),
        &["id", "name", "kinds", "latitude", "longitude"],
    )
    .await?;
    Ok(rows
        .into_iter()
        .filter(|(_, _, kinds, _, _)| wanted_kind(kinds))
        .filter_map(|(id, name, _, latitude, longitude)| {
            let point = GeoPoint::new(latitude?, longitude?, &[]).ok()?;
            let distance = centre.distance_km(&point);
            (distance <= *radius_km).then(|| HubKey {
                key: sort_key(&name, Some(distance)),
                id,
                distance_km: Some(distance),
            })
        })
        .collect())
}

fn location_of_hub() -> RelationDef {
    hub::Entity::belongs_to(location::Entity)
        .from(hub::Column::LocationId)
        .to(location::Column::Id)
        .into()
}

/// Column aliases of what the page statement reads along with each hub.
const LOCATION: &str = "rel_location";
const ORGANIZATION: &str = "rel_organization";
const SERVICE_COUNT: &str = "service_count";

/// The rows of the hubs `keys` name, in that order, with what `joins` asks for.
///
/// The hub's columns come as they are; its location and organisation as one
/// JSON column each, looked up per hub. Joined as columns of their own, a
/// page of 100 hubs had PostgreSQL hash every location and organisation
/// (the planner's default costs price 100 index lookups above reading the
/// tables whole), and decoding 46 prefixed columns a row was a fifth of the
/// server's work for the dashboard: sea-orm formats each prefixed name, and
/// an error message for each NULL, as it reads a cell.
async fn page_rows(
    db: &impl ConnectionTrait,
    keys: &[HubKey],
    joins: HubJoins,
) -> AppResult<(Vec<FoundHub>, HubRelations)> {
    let mut relations = HubRelations::default();
    if keys.is_empty() {
        return Ok((Vec::new(), relations));
    }
    let backend = db.get_database_backend();
    let mut query = Query::select();
    query
        .from(hub::Entity)
        .columns(hub::Column::iter().map(|c| (hub::Entity, c)));
    if joins.location {
        query.expr_as(
            json_referenced_row_subquery::<location::Entity, hub::Entity>(
                backend,
                location::Column::Id,
                hub::Column::LocationId,
            ),
            Alias::new(LOCATION),
        );
    }
    if joins.organization {
        query.expr_as(
            json_referenced_row_subquery::<organization::Entity, hub::Entity>(
                backend,
                organization::Column::Id,
                hub::Column::OrganizationId,
            ),
            Alias::new(ORGANIZATION),
        );
    }
    if joins.service_count {
        let count = Query::select()
            .expr(Expr::col(service_at_location::Column::ServiceId).count())
            .from(service_at_location::Entity)
            .and_where(
                Expr::col((service_at_location::Entity, service_at_location::Column::LocationId))
                    .equals((hub::Entity, hub::Column::LocationId)),
            )
            .to_owned();
        query.expr_as(
            SimpleExpr::SubQuery(None, Box::new(count.into_sub_query_statement())),
            Alias::new(SERVICE_COUNT),
        );
    }
    let ids: Vec<String> = keys.iter().map(|k| k.id.clone()).collect();
    query.and_where(is_in_hashed_list(backend, hub::Column::Id.into_expr(), &ids));

    let mut rows: HashMap<String, hub::Model> = HashMap::with_capacity(keys.len());
    for row in db.query_all(&query).await? {
        let hub = crate::rows::hub_row(&row)?;
        if joins.location {
            relations
                .locations
                .extend(json_rows_of::<location::Model>(&row, LOCATION)?);
        }
        if joins.organization {
            add_organizations_of(&mut relations.organizations, &row, ORGANIZATION)?;
        }
        if joins.service_count {
            let count: i64 = row.try_get("", SERVICE_COUNT)?;
            relations.service_counts.push((hub.location_id.clone(), count));
        }
        rows.insert(hub.id.clone(), hub);
    }
    // A hub deleted between the two statements is left out of the page.
    let found = keys
        .iter()
        .filter_map(|key| {
            rows.remove(&key.id).map(|hub| FoundHub {
                hub,
                distance_km: key.distance_km,
            })
        })
        .collect();
    Ok((found, relations))
}

/// Counts of hubs in some areas (all, when none given).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    pub total: u64,
    /// Every status, zero counts included, in `HubStatus::ALL` order.
    pub by_status: Vec<(HubStatus, u64)>,
    /// Per area, sorted by code: total and the count of each status.
    pub by_area: Vec<AreaCounts>,
    /// Facility term id and the number of hubs offering it, most first.
    pub by_facility: Vec<(String, u64)>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AreaCounts {
    pub area_code: String,
    pub total: u64,
    pub open: u64,
    pub limited: u64,
    pub closed: u64,
}

/// Sums up the hubs of `area_codes` (every area when `None`). Areas asked
/// for that have no hubs are listed with zeros, so a dashboard can show them.
///
/// The database does the counting (a grouped statement, a few dozen rows
/// back, and one more for the facilities when `with_facilities`), so the
/// cost does not grow with the number of hubs: a dashboard asks for this on
/// every refresh. Without `with_facilities`, `by_facility` is empty.
pub async fn summary(
    db: &impl ConnectionTrait,
    area_codes: Option<&[String]>,
    with_facilities: bool,
) -> AppResult<Summary> {
    let mut by_area_and_status = hub::Entity::find()
        .select_only()
        .column(hub::Column::AreaCode)
        .column(hub::Column::Status)
        .column_as(hub::Column::Id.count(), "hubs")
        .group_by(hub::Column::AreaCode)
        .group_by(hub::Column::Status);
    let mut by_facility = hub_facility::Entity::find()
        .select_only()
        .column(hub_facility::Column::TaxonomyTermId)
        .column_as(hub_facility::Column::HubId.count(), "hubs")
        .group_by(hub_facility::Column::TaxonomyTermId);
    if let Some(codes) = area_codes {
        by_area_and_status = by_area_and_status.filter(hub::Column::AreaCode.is_in(codes.to_vec()));
        let hubs_in_areas = Query::select()
            .column(hub::Column::Id)
            .from(hub::Entity)
            .and_where(hub::Column::AreaCode.is_in(codes.to_vec()))
            .to_owned();
        by_facility = by_facility.filter(hub_facility::Column::HubId.in_subquery(hubs_in_areas));
    }
    let counts: Vec<(String, String, i64)> = by_area_and_status.into_tuple().all(db).await?;
    let held: Vec<(String, i64)> = if with_facilities {
        by_facility.into_tuple().all(db).await?
    } else {
        Vec::new()
    };

    let mut areas: BTreeMap<String, AreaCounts> = BTreeMap::new();
    for code in area_codes.unwrap_or_default() {
        areas.entry(code.clone()).or_insert_with(|| AreaCounts {
            area_code: code.clone(),
            ..AreaCounts::default()
        });
    }
    let mut by_status: BTreeMap<HubStatus, u64> = HubStatus::ALL.into_iter().map(|s| (s, 0)).collect();
    let mut total = 0;
    for (area_code, status, hubs) in counts {
        let hubs = u64::try_from(hubs).unwrap_or_default();
        total += hubs;
        let area = areas.entry(area_code.clone()).or_insert_with(|| AreaCounts {
            area_code,
            ..AreaCounts::default()
        });
        area.total += hubs;
        if let Some(status) = HubStatus::parse(&status) {
            *by_status.entry(status).or_default() += hubs;
            match status {
                HubStatus::Open => area.open += hubs,
                HubStatus::Limited => area.limited += hubs,
                HubStatus::Closed => area.closed += hubs,
            }
        }
    }
    let mut by_facility: Vec<(String, u64)> = held
        .into_iter()
        .map(|(term, hubs)| (term, u64::try_from(hubs).unwrap_or_default()))
        .collect();
    by_facility.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(Summary {
        total,
        by_status: by_status.into_iter().collect(),
        by_area: areas.into_values().collect(),
        by_facility,
    })
}

/// Which part of a hub's history to read.
#[derive(Debug, Clone, Default)]
pub struct HistoryWindow {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// The cursor of a history event: its time (RFC 3339, nanoseconds) and id.
pub fn event_cursor(event: &hub_status_event::Model) -> Cursor {
    Cursor::at_time(event.at, &event.id)
}

/// A hub's status events in the window, newest first, a page at a time,
/// and how many there are in the window.
pub async fn history(
    db: &impl ConnectionTrait,
    hub_id: &str,
    window: &HistoryWindow,
    request: &PageRequest,
) -> AppResult<(Page<hub_status_event::Model>, u64)> {
    let mut select = hub_status_event::Entity::find().filter(hub_status_event::Column::HubId.eq(hub_id));
    if let Some(from) = window.from {
        select = select.filter(hub_status_event::Column::At.gte(from));
    }
    if let Some(to) = window.to {
        select = select.filter(hub_status_event::Column::At.lte(to));
    }
    let total = select.clone().count(db).await?;
    if let Some(after) = &request.after {
        let at = after.time()?;
        select = select.filter(
            Condition::any().add(hub_status_event::Column::At.lt(at)).add(
                Condition::all()
                    .add(hub_status_event::Column::At.eq(at))
                    .add(hub_status_event::Column::Id.lt(after.id.clone())),
            ),
        );
    }
    let select = select
        .order_by_desc(hub_status_event::Column::At)
        .order_by_desc(hub_status_event::Column::Id)
        .limit(request.fetch_limit());
    // The limit written into the SQL: PostgreSQL keeps one plan for it.
    let rows = crate::services::keyset::fetch(db, select).await?;
    Ok((Page::from_fetched(rows, request), total))
}

/// The hubs at some locations, by location id.
pub async fn hubs_at_locations(db: &impl ConnectionTrait, location_ids: &[String]) -> AppResult<Vec<hub::Model>> {
    Ok(hub::Entity::find()
        .filter(is_in_hashed_list(
            db.get_database_backend(),
            hub::Column::LocationId.into_expr(),
            location_ids,
        ))
        .all(db)
        .await?)
}

/// The facility term ids of some hubs: `(hub id, term id)` pairs.
pub async fn facilities_of(db: &impl ConnectionTrait, hub_ids: &[String]) -> AppResult<Vec<(String, String)>> {
    let rows = hub_facility::Entity::find()
        .filter(is_in_hashed_list(
            db.get_database_backend(),
            hub_facility::Column::HubId.into_expr(),
            hub_ids,
        ))
        .order_by_asc(hub_facility::Column::TaxonomyTermId)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|row| (row.hub_id, row.taxonomy_term_id)).collect())
}

/// One status event by id.
pub async fn find_event(db: &impl ConnectionTrait, id: &str) -> AppResult<Option<hub_status_event::Model>> {
    Ok(hub_status_event::Entity::find_by_id(id.to_owned()).one(db).await?)
}
