//! Finding hubs, summing them up and walking a hub's history.
//!
//! Hubs number in the hundreds (one per library or venue), so a search
//! narrows in SQL by area, status, organisation and facilities, then sorts
//! and pages the few rows left in memory: by name, or by distance when a
//! point is given. The history is keyset-paged in SQL, newest first.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use entity::{hub, hub_facility, hub_status_event, location};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::model::{HubKind, HubStatus};
use crate::error::AppResult;
use crate::page::{Cursor, Page, PageRequest};
use crate::services::geo::GeoPoint;
use crate::services::related;

/// Which hubs to find. Every filter given must hold (AND); within a list,
/// any value matches, except facilities: a hub must offer all of them.
#[derive(Debug, Clone, Default)]
pub struct HubFilter {
    pub area_codes: Option<Vec<String>>,
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

/// A page of hubs and how many match in all.
#[derive(Debug, Clone)]
pub struct HubPage {
    pub page: Page<FoundHub>,
    pub total: u64,
}

impl FoundHub {
    /// The cursor of this row: the sort key and the id.
    pub fn cursor(&self) -> Cursor {
        Cursor {
            key: self.sort_key(),
            id: self.hub.id.clone(),
        }
    }

    fn sort_key(&self) -> String {
        match self.distance_km {
            // Zero-padded metres sort as text in distance order.
            Some(km) => format!("{:012.0}", km * 1000.0),
            None => self.hub.name.to_lowercase(),
        }
    }
}

/// The SQL part of the filter: area, status, organisation, facilities.
fn narrowed(filter: &HubFilter) -> sea_orm::Select<hub::Entity> {
    let mut select = hub::Entity::find();
    if let Some(codes) = &filter.area_codes {
        select = select.filter(hub::Column::AreaCode.is_in(codes.clone()));
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

/// The hubs matching `filter`, a page at a time.
pub async fn find_hubs(db: &impl ConnectionTrait, filter: &HubFilter, request: &PageRequest) -> AppResult<HubPage> {
    let rows = narrowed(filter).all(db).await?;
    let rows: Vec<hub::Model> = match &filter.kinds {
        Some(kinds) => rows
            .into_iter()
            .filter(|row| HubKind::parse_list(&row.kinds).iter().any(|k| kinds.contains(k)))
            .collect(),
        None => rows,
    };
    let mut found = match &filter.near {
        Some((centre, radius_km)) => within(db, rows, centre, *radius_km).await?,
        None => rows
            .into_iter()
            .map(|hub| FoundHub { hub, distance_km: None })
            .collect(),
    };
    found.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()).then_with(|| a.hub.id.cmp(&b.hub.id)));
    let total = found.len() as u64;
    let start = match &request.after {
        Some(after) => found
            .iter()
            .position(|f| (f.sort_key(), &f.hub.id) > (after.key.clone(), &after.id))
            .unwrap_or(found.len()),
        None => 0,
    };
    let fetched: Vec<FoundHub> = found
        .into_iter()
        .skip(start)
        .take(request.fetch_limit() as usize)
        .collect();
    Ok(HubPage {
        page: Page::from_fetched(fetched, request),
        total,
    })
}

/// The hubs whose location lies within `radius_km` of `centre`.
async fn within(
    db: &impl ConnectionTrait,
    rows: Vec<hub::Model>,
    centre: &GeoPoint,
    radius_km: f64,
) -> AppResult<Vec<FoundHub>> {
    let ids: Vec<String> = rows.iter().map(|row| row.location_id.clone()).collect();
    let mut points: HashMap<String, GeoPoint> = HashMap::new();
    for place in related::by_ids::<location::Entity>(db, location::Column::Id, &ids).await? {
        if let (Some(latitude), Some(longitude)) = (place.latitude, place.longitude)
            && let Ok(point) = GeoPoint::new(latitude, longitude, &[])
        {
            points.insert(place.id, point);
        }
    }
    Ok(rows
        .into_iter()
        .filter_map(|hub| {
            let distance = centre.distance_km(points.get(&hub.location_id)?);
            (distance <= radius_km).then_some(FoundHub {
                hub,
                distance_km: Some(distance),
            })
        })
        .collect())
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
    let rows = select
        .order_by_desc(hub_status_event::Column::At)
        .order_by_desc(hub_status_event::Column::Id)
        .limit(request.fetch_limit())
        .all(db)
        .await?;
    Ok((Page::from_fetched(rows, request), total))
}

/// The hubs at some locations, by location id.
pub async fn hubs_at_locations(db: &impl ConnectionTrait, location_ids: &[String]) -> AppResult<Vec<hub::Model>> {
    Ok(hub::Entity::find()
        .filter(hub::Column::LocationId.is_in(location_ids.to_vec()))
        .all(db)
        .await?)
}

/// The facility term ids of some hubs: `(hub id, term id)` pairs.
pub async fn facilities_of(db: &impl ConnectionTrait, hub_ids: &[String]) -> AppResult<Vec<(String, String)>> {
    let rows = hub_facility::Entity::find()
        .filter(hub_facility::Column::HubId.is_in(hub_ids.to_vec()))
        .order_by_asc(hub_facility::Column::TaxonomyTermId)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|row| (row.hub_id, row.taxonomy_term_id)).collect())
}

/// One status event by id.
pub async fn find_event(db: &impl ConnectionTrait, id: &str) -> AppResult<Option<hub_status_event::Model>> {
    Ok(hub_status_event::Entity::find_by_id(id.to_owned()).one(db).await?)
}
