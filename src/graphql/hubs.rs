//! The GraphQL face of hubs: `Hub`, its status history, `hubs`, `hub`,
//! `hubSummary`, `createHub` and `updateHubStatus`.
//!
//! Everything about a hub's present state is public; its history is for
//! the organisation that keeps it, the HSCP of its area and admins (the
//! `Reports` guard). Writes need `hubs:write` (the `Scope` guard) and the
//! keeping organisation (`partners::access`), read from the database.

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{hub, hub_status_event, taxonomy_term};

use super::connection::{PageInfo, connection};
use super::context::{db, load};
use super::directory::{Location, Organization, TaxonomyTerm};
use super::errors::GqlResult;
use super::guards::{Reports, Scope, caller, refused_as_null};
use super::ids::{self, Kind};
use super::loaders::{
    FacilitiesOfHub, HubById, Loaders, LocationById, OrganizationById, ServiceCountAtLocation, TermById,
    feed_hub_relations, prefetch_hub_facilities,
};
use super::search::GeoPointInput;
use super::writes::{UserError, begin_write, patch};
use crate::error::AppError;
use crate::events::EventBus;
use crate::hubs::commit::{Author, commit};
use crate::hubs::reads::{self, HistoryWindow};
use crate::hubs::writes::{self as domain, NewHub, StatusChange, Written};
use crate::hubs::{HubKind, HubStatus, Reason};
use crate::page::PageRequest;
use crate::partners::access;
use crate::partners::audit::RequestId;
use crate::partners::kind::HUBS_WRITE;
use crate::services::geo::GeoPoint;
use crate::services::search::{DEFAULT_RADIUS_KM, MAX_RADIUS_KM};
use crate::services::{areas, locations, related};

/// Whether a hub can take people in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "HubStatus", remote = "crate::hubs::HubStatus")]
pub enum HubStatusValue {
    /// Open as usual.
    Open,
    /// Open with restrictions: reduced hours, some facilities off, nearly full.
    Limited,
    /// Closed.
    Closed,
}

/// What a hub is for; a hub may be several at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "HubKind", remote = "crate::hubs::HubKind")]
pub enum HubKindValue {
    /// A Community Hub: food and prescription collection, advice, a place to meet.
    CommunityHub,
    /// A Health and Wellbeing Hub: health information, support for carers and care staff.
    HealthAndWellbeingHub,
    /// A warm space: free, warm and welcoming, no questions asked.
    WarmSpace,
}

/// Why a hub's status changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "HubChangeReason", remote = "crate::hubs::Reason")]
pub enum ReasonValue {
    /// The hub was created.
    Created,
    /// A partner set the status.
    Updated,
    /// A status set until `validUntil` ran out; the opening hours decide again.
    Expired,
}

fn status_of(text: &str) -> GqlResult<HubStatusValue> {
    HubStatus::parse(text)
        .map(Into::into)
        .ok_or_else(|| AppError::Internal(format!("unknown hub status {text:?}")).into())
}

/// Facilities as taxonomy terms, through the request's loaders.
async fn terms(ctx: &Context<'_>, ids: Vec<String>) -> GqlResult<Vec<TaxonomyTerm>> {
    let loaders = ctx.data::<Loaders>()?;
    let found = loaders.load_many(ids.iter().cloned().map(TermById)).await?;
    Ok(ids
        .into_iter()
        .filter_map(|id| found.get(&TermById(id)).cloned().map(TaxonomyTerm))
        .collect())
}

// ---- Hub ------------------------------------------------------------------

/// A library or community venue acting as a Community Hub, Health and
/// Wellbeing Hub or warm space, with its live status.
///
/// `facilities` holds the hub's facility ids when they were read with the
/// row (live events); otherwise they come through the request's loaders.
#[derive(Debug, Clone)]
pub struct Hub(pub hub::Model, pub Option<Vec<String>>);

impl From<hub::Model> for Hub {
    fn from(model: hub::Model) -> Self {
        Hub(model, None)
    }
}

/// A library or community venue acting as a Community Hub, Health and
/// Wellbeing Hub or warm space, with its live status.
#[Object]
impl Hub {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Hub, &self.0.id)
    }
    /// Name of the hub, e.g. "Dalkeith Library Community Hub".
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What the hub is for.
    async fn kinds(&self) -> Vec<HubKindValue> {
        HubKind::parse_list(&self.0.kinds).into_iter().map(Into::into).collect()
    }
    /// Where the hub is.
    async fn location(&self, ctx: &Context<'_>) -> GqlResult<Location> {
        load(ctx, LocationById(self.0.location_id.clone()))
            .await?
            .map(Location)
            .ok_or_else(|| AppError::Internal(format!("hub {} has no location", self.0.id)).into())
    }
    /// The organisation that runs the hub.
    async fn organization(&self, ctx: &Context<'_>) -> GqlResult<Organization> {
        load(ctx, OrganizationById(self.0.organization_id.clone()))
            .await?
            .map(Organization)
            .ok_or_else(|| AppError::Internal(format!("hub {} has no organization", self.0.id)).into())
    }
    /// How many services are delivered at the hub's location.
    async fn service_count(&self, ctx: &Context<'_>) -> GqlResult<i32> {
        let count = load(ctx, ServiceCountAtLocation(self.0.location_id.clone()))
            .await?
            .unwrap_or(0);
        Ok(i32::try_from(count).unwrap_or(i32::MAX))
    }
    /// Council area (GSS code) the hub lies in.
    async fn area_code(&self) -> &str {
        &self.0.area_code
    }
    /// Open, limited or closed, now.
    async fn status(&self) -> GqlResult<HubStatusValue> {
        status_of(&self.0.status)
    }
    /// How many people the hub can take at once, if known.
    async fn capacity(&self) -> Option<i32> {
        self.0.capacity
    }
    /// How many people are there, as last reported; null when the hub is
    /// closed (closing clears it).
    async fn occupancy(&self) -> Option<i32> {
        self.0.occupancy.filter(|_| self.0.status != HubStatus::Closed.as_str())
    }
    /// Facilities on offer: terms of the `hub-facility` taxonomy.
    async fn facilities(&self, ctx: &Context<'_>) -> GqlResult<Vec<TaxonomyTerm>> {
        let ids = match &self.1 {
            Some(ids) => ids.clone(),
            None => load(ctx, FacilitiesOfHub(self.0.id.clone())).await?.unwrap_or_default(),
        };
        terms(ctx, ids).await
    }
    /// A word from the hub, e.g. "Closing at 3pm for staff training".
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// Until when the status holds; afterwards the opening hours decide again.
    async fn valid_until(&self) -> Option<DateTime<Utc>> {
        self.0.valid_until
    }
    /// When the hub last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.last_modified
    }
    /// Goes up by one with every change; pass it as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// Every change, newest first. For the organisation that runs the hub,
    /// the HSCP of its area (`reports:read`) and admins; anyone else gets
    /// null and a FORBIDDEN error, and the hub's public fields as usual.
    #[graphql(complexity = "first.unwrap_or(20).clamp(1, 100) as usize * child_complexity")]
    async fn history(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only changes at or after this time.")] from: Option<DateTime<Utc>>,
        #[graphql(desc = "Only changes at or before this time.")] to: Option<DateTime<Utc>>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last event of the previous page.")] after: Option<String>,
    ) -> GqlResult<Option<HubStatusEventConnection>> {
        let keepers = Reports {
            organization_id: &self.0.organization_id,
            area_code: &self.0.area_code,
        };
        if refused_as_null(ctx, &keepers).await {
            return Ok(None);
        }
        if let (Some(from), Some(to)) = (from, to)
            && from > to
        {
            return Err(AppError::bad_input(&["from"], "from is after to").into());
        }
        let request = PageRequest::new(first, after.as_deref())?;
        let window = HistoryWindow { from, to };
        let (page, total) = reads::history(db(ctx)?, &self.0.id, &window, &request).await?;
        let page = page.map(HubStatusEvent::from);
        Ok(Some(HubStatusEventConnection::new(
            page,
            |event| {
                let cursor = reads::event_cursor(&event.0);
                (cursor.key, cursor.id)
            },
            total,
        )))
    }
}

// ---- history ------------------------------------------------------------

/// One change of a hub's status: what it became, when, and why.
///
/// A live event carries its hub as read when the event arrived: a
/// subscription's loaders live as long as the subscription, so a hub loaded
/// through them would show the state of the first event for ever.
#[derive(Debug, Clone)]
pub struct HubStatusEvent(pub hub_status_event::Model, pub Option<Hub>);

impl From<hub_status_event::Model> for HubStatusEvent {
    fn from(model: hub_status_event::Model) -> Self {
        HubStatusEvent(model, None)
    }
}

/// One change of a hub's status: what it became, when, and why.
#[Object]
impl HubStatusEvent {
    /// Id of the event.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// The hub, as it is now.
    async fn hub(&self, ctx: &Context<'_>) -> GqlResult<Hub> {
        if let Some(hub) = &self.1 {
            return Ok(hub.clone());
        }
        load(ctx, HubById(self.0.hub_id.clone()))
            .await?
            .map(Hub::from)
            .ok_or_else(|| AppError::NotFound("the hub no longer exists".into()).into())
    }
    /// The status it became.
    async fn status(&self) -> GqlResult<HubStatusValue> {
        status_of(&self.0.status)
    }
    /// Capacity at that moment.
    async fn capacity(&self) -> Option<i32> {
        self.0.capacity
    }
    /// Occupancy at that moment.
    async fn occupancy(&self) -> Option<i32> {
        self.0.occupancy
    }
    /// The note at that moment.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// Facilities on offer at that moment.
    async fn facilities(&self, ctx: &Context<'_>) -> GqlResult<Vec<TaxonomyTerm>> {
        terms(ctx, domain::event_facility_ids(&self.0)).await
    }
    /// Until when that status was to hold.
    async fn valid_until(&self) -> Option<DateTime<Utc>> {
        self.0.valid_until
    }
    /// Why the status changed.
    async fn reason(&self) -> GqlResult<ReasonValue> {
        Reason::parse(&self.0.reason)
            .map(Into::into)
            .ok_or_else(|| AppError::Internal(format!("unknown reason {:?}", self.0.reason)).into())
    }
    /// The hub's version after the change.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When it changed.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
}

connection!(
    HubStatusEventConnection,
    HubStatusEventEdge,
    HubStatusEvent,
    "A page of a hub's history, newest first.",
    "A status event in a page."
);

// ---- finding hubs -----------------------------------------------------------

/// Which hubs to find. Every filter given must hold (AND).
#[derive(Debug, Default, InputObject)]
pub struct HubFilter {
    /// In any of these council areas (GSS codes).
    pub area_codes: Option<Vec<String>>,
    /// In a council area of any of these NHS health boards (GSS codes, e.g.
    /// S08000024; see `healthBoards`).
    pub health_board_codes: Option<Vec<String>>,
    /// With any of these statuses.
    pub status: Option<Vec<HubStatusValue>>,
    /// Of any of these kinds.
    pub kinds: Option<Vec<HubKindValue>>,
    /// Offering all of these facilities (`hub-facility` terms).
    pub facility_term_ids: Option<Vec<ID>>,
    /// Centre of a radius search: a point, or a postcode / outward code.
    pub near: Option<GeoPointInput>,
    /// Radius around `near`, kilometres; default 5, at most 200.
    pub radius_km: Option<f64>,
    /// Hubs run by this organization.
    pub organization_id: Option<ID>,
}

impl HubFilter {
    async fn into_domain(self, ctx: &Context<'_>) -> GqlResult<reads::HubFilter> {
        let near = match &self.near {
            Some(near) => {
                let radius = self.radius_km.unwrap_or(DEFAULT_RADIUS_KM);
                if !(radius > 0.0 && radius <= MAX_RADIUS_KM) {
                    return Err(AppError::bad_input(
                        &["filter", "radiusKm"],
                        format!("a radius above 0 and at most {MAX_RADIUS_KM} km"),
                    )
                    .into());
                }
                Some((near.resolve(db(ctx)?, &["filter", "near"]).await?, radius))
            }
            None if self.radius_km.is_some() => {
                return Err(AppError::bad_input(&["filter", "radiusKm"], "radiusKm needs near").into());
            }
            None => None,
        };
        let facility_term_ids = match &self.facility_term_ids {
            Some(ids) => Some(ids::decode_list(ids, Kind::TaxonomyTerm, "facilityTermIds")?),
            None => None,
        };
        let organization_id = match &self.organization_id {
            Some(id) => Some(ids::decode(id, Kind::Organization, &["filter", "organizationId"])?),
            None => None,
        };
        let health_board_codes = self
            .health_board_codes
            .map(|codes| areas::health_board_codes(&codes, &["filter", "healthBoardCodes"]))
            .transpose()?;
        Ok(reads::HubFilter {
            area_codes: self.area_codes.map(areas::area_codes),
            health_board_codes,
            statuses: self.status.map(|s| s.into_iter().map(Into::into).collect()),
            kinds: self.kinds.map(|k| k.into_iter().map(Into::into).collect()),
            facility_term_ids,
            near,
            organization_id,
        })
    }
}

/// A page of hubs (Relay connection).
#[derive(Debug, Clone, SimpleObject)]
pub struct HubConnection {
    /// The hubs of this page with their cursors.
    pub edges: Vec<HubEdge>,
    /// The hubs of this page, without cursors.
    pub nodes: Vec<Hub>,
    /// Paging state.
    pub page_info: PageInfo,
    /// Hubs matching the filter across all pages.
    pub total_count: i32,
}

/// A hub in a page.
#[derive(Debug, Clone, SimpleObject)]
pub struct HubEdge {
    /// Opaque cursor of this row: pass it as `after` to continue after it.
    pub cursor: String,
    /// The hub.
    pub node: Hub,
    /// Distance in kilometres from `near` (to the metre: three decimals), when `near` is given.
    pub distance_km: Option<f64>,
}

/// Hubs by status.
#[derive(Debug, Clone, SimpleObject)]
pub struct HubStatusCount {
    /// The status.
    pub status: HubStatusValue,
    /// Hubs with it now.
    pub count: i32,
}

/// Hubs of one council area by status.
#[derive(Debug, Clone, SimpleObject)]
pub struct HubAreaSummary {
    /// GSS code of the area.
    pub area_code: String,
    /// Hubs in the area.
    pub total: i32,
    /// Open now.
    pub open: i32,
    /// Open with restrictions now.
    pub limited: i32,
    /// Closed now.
    pub closed: i32,
}

/// Counts of hubs for a dashboard.
#[derive(Debug, Clone, SimpleObject)]
pub struct HubSummary {
    /// Hubs counted.
    pub total: i32,
    /// By status, every status listed.
    pub by_status: Vec<HubStatusCount>,
    /// By council area.
    pub by_area: Vec<HubAreaSummary>,
    /// By facility on offer, most common first.
    pub by_facility: Vec<super::search::TaxonomyFacet>,
}

fn count(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Reads of hubs.
#[derive(Default)]
pub struct HubQuery;

/// Reads of hubs.
#[Object]
impl HubQuery {
    /// Hubs, by name, or nearest first when `near` is given.
    #[graphql(complexity = "first.unwrap_or(20).clamp(1, 100) as usize * child_complexity")]
    async fn hubs(
        &self,
        ctx: &Context<'_>,
        filter: Option<HubFilter>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last hub of the previous page.")] after: Option<String>,
    ) -> GqlResult<HubConnection> {
        let request = PageRequest::new(first, after.as_deref())?;
        let filter = filter.unwrap_or_default().into_domain(ctx).await?;
        let look = ctx.look_ahead();
        let selection = [look.field("nodes"), look.field("edges").field("node")];
        let selects = |field: &str| selection.iter().any(|s| s.field(field).exists());
        // Location, organisation and service count come with the page's
        // rows, into the request's loaders: resolving them runs no SQL.
        let joins = reads::HubJoins {
            location: selects("location"),
            organization: selects("organization"),
            service_count: selects("serviceCount"),
        };
        let found = reads::find_hubs(db(ctx)?, &filter, &request, joins).await?;
        let loaders = ctx.data::<Loaders>()?;
        feed_hub_relations(loaders, found.relations).await;
        if selects("facilities") {
            let rows: Vec<hub::Model> = found.page.rows.iter().map(|hit| hit.hub.clone()).collect();
            prefetch_hub_facilities(loaders, &rows).await?;
        }
        let edges: Vec<HubEdge> = found
            .page
            .rows
            .iter()
            .map(|hit| HubEdge {
                cursor: hit.cursor().encode(),
                node: Hub::from(hit.hub.clone()),
                distance_km: hit.distance_km.map(GeoPoint::shown_km),
            })
            .collect();
        let page_info = PageInfo {
            has_next_page: found.page.has_next_page,
            has_previous_page: found.page.has_previous_page,
            start_cursor: edges.first().map(|e| e.cursor.clone()),
            end_cursor: edges.last().map(|e| e.cursor.clone()),
        };
        Ok(HubConnection {
            nodes: edges.iter().map(|e| e.node.clone()).collect(),
            edges,
            page_info,
            total_count: count(found.total),
        })
    }

    /// One hub by id (global or raw); null when there is none.
    async fn hub(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<Hub>> {
        let raw = ids::decode(&id, Kind::Hub, &["id"])?;
        Ok(load(ctx, HubById(raw)).await?.map(Hub::from))
    }

    /// Counts of hubs by status, area and facility, in some council areas
    /// (all areas when none are given).
    async fn hub_summary(
        &self,
        ctx: &Context<'_>,
        area_codes: Option<Vec<String>>,
        #[graphql(desc = "Only the council areas of these NHS health boards (GSS codes, e.g. S08000024).")]
        health_board_codes: Option<Vec<String>>,
    ) -> GqlResult<HubSummary> {
        // The facility counts cost a statement of their own (and one for the
        // terms' names): only when the query asks for them.
        let with_facilities = ctx.look_ahead().field("byFacility").exists();
        let boards = health_board_codes
            .map(|codes| areas::health_board_codes(&codes, &["healthBoardCodes"]))
            .transpose()?;
        let area_codes =
            areas::narrow_to_boards(db(ctx)?, area_codes.map(areas::area_codes), boards.as_deref()).await?;
        let summary = reads::summary(db(ctx)?, area_codes.as_deref(), with_facilities).await?;
        let ids: Vec<String> = summary.by_facility.iter().map(|(id, _)| id.clone()).collect();
        // Read directly, not through the request's loaders: beside a page of
        // hubs (which loads terms too) a shared batch would form or not by
        // timing, and the statements a dashboard costs would vary.
        let found: Vec<TaxonomyTerm> =
            related::by_ids::<taxonomy_term::Entity>(db(ctx)?, taxonomy_term::Column::Id, &ids)
                .await?
                .into_iter()
                .map(TaxonomyTerm)
                .collect();
        let by_facility = summary
            .by_facility
            .iter()
            .filter_map(|(id, n)| {
                let term = found.iter().find(|t| &t.0.id == id)?.clone();
                Some(super::search::TaxonomyFacet { term, count: count(*n) })
            })
            .collect();
        Ok(HubSummary {
            total: count(summary.total),
            by_status: summary
                .by_status
                .iter()
                .map(|(status, n)| HubStatusCount {
                    status: (*status).into(),
                    count: count(*n),
                })
                .collect(),
            by_area: summary
                .by_area
                .iter()
                .map(|a| HubAreaSummary {
                    area_code: a.area_code.clone(),
                    total: count(a.total),
                    open: count(a.open),
                    limited: count(a.limited),
                    closed: count(a.closed),
                })
                .collect(),
            by_facility,
        })
    }
}

// ---- writes -------------------------------------------------------------------

/// A new hub at one of the caller's locations.
#[derive(Debug, InputObject)]
pub struct CreateHubInput {
    /// The location (a library, a hall) the hub is at; one hub per location.
    pub location_id: ID,
    /// Name of the hub, 1 to 200 characters.
    pub name: String,
    /// What the hub is for; at least one.
    pub kinds: Vec<HubKindValue>,
    /// How many people it can take at once.
    pub capacity: Option<i32>,
    /// Facilities on offer (`hub-facility` terms).
    pub facility_term_ids: Option<Vec<ID>>,
}

/// A change of a hub's status. Omitted capacity, occupancy, note and
/// facilities stay as they are; an explicit null (or an empty note) clears
/// them. `CLOSED` clears the occupancy.
#[derive(Debug, InputObject)]
pub struct UpdateHubStatusInput {
    /// The hub.
    pub hub_id: ID,
    /// The new status.
    pub status: HubStatusValue,
    /// How many people it can take at once; null clears it.
    pub capacity: MaybeUndefined<i32>,
    /// How many people are there now; at most the capacity; null clears it.
    /// A closed hub has none: closing clears it, and a figure above 0 with
    /// `CLOSED` is refused.
    pub occupancy: MaybeUndefined<i32>,
    /// A word for visitors, at most 1,000 characters; null or "" clears it.
    pub note: MaybeUndefined<String>,
    /// Facilities on offer now (`hub-facility` terms); replaces the list;
    /// null clears it.
    pub facility_term_ids: MaybeUndefined<Vec<ID>>,
    /// The status holds until then (in the future); afterwards the opening
    /// hours decide again. Omitted or null: until the next change.
    pub valid_until: Option<DateTime<Utc>>,
    /// The version the change is based on; a stale one is a CONFLICT.
    pub expected_version: Option<i32>,
}

/// The result of a hub write.
#[derive(SimpleObject)]
pub struct HubPayload {
    /// The hub as written; null when the input was refused.
    pub hub: Option<Hub>,
    /// Why the input was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

impl HubPayload {
    fn refused(errors: Vec<crate::services::writes::UserError>) -> HubPayload {
        HubPayload {
            hub: None,
            user_errors: errors.into_iter().map(Into::into).collect(),
        }
    }
}

fn decode_terms(ids: &Option<Vec<ID>>) -> GqlResult<Option<Vec<String>>> {
    Ok(match ids {
        Some(ids) => Some(ids::decode_list(ids, Kind::TaxonomyTerm, "facilityTermIds")?),
        None => None,
    })
}

/// Ends a hub write the one way every hub write ends (`hubs::commit`),
/// as the caller of this request.
async fn finish(
    ctx: &Context<'_>,
    txn: crate::write_turns::WriteTransaction,
    action: &str,
    written: &Written,
    fields: &[&str],
) -> GqlResult<()> {
    let author = Author {
        viewer: Some(caller(ctx)?),
        request_id: ctx.data_opt::<RequestId>(),
    };
    commit(txn, ctx.data::<EventBus>()?, author, action, written, fields).await?;
    Ok(())
}

/// Writes on hubs.
#[derive(Default)]
pub struct HubWrites;

/// Writes on hubs.
#[Object]
impl HubWrites {
    /// Makes one of the caller's locations a hub (admins: any location).
    /// Needs the `hubs:write` scope.
    #[graphql(guard = "Scope(HUBS_WRITE)")]
    async fn create_hub(&self, ctx: &Context<'_>, input: CreateHubInput) -> GqlResult<HubPayload> {
        let viewer = caller(ctx)?;
        let location_id = ids::decode(&input.location_id, Kind::Location, &["input", "locationId"])?;
        let facility_term_ids = decode_terms(&input.facility_term_ids)?;
        let txn = begin_write(db(ctx)?).await?;
        let Some(location) = locations::find_location(&txn, &location_id).await? else {
            return Ok(HubPayload::refused(vec![crate::services::writes::UserError::new(
                &["locationId"],
                "NOT_FOUND",
                "no such location",
            )]));
        };
        access::must_keep_organization(
            viewer,
            location.organization_id.as_deref().unwrap_or(""),
            "the location",
        )?;
        let new = NewHub {
            name: input.name,
            kinds: input.kinds.into_iter().map(Into::into).collect(),
            capacity: input.capacity,
            facility_term_ids,
        };
        let written = match domain::create_hub(&txn, &location, &new, Some(&viewer.partner.id), Utc::now()).await? {
            Ok(written) => written,
            Err(errors) => return Ok(HubPayload::refused(errors)),
        };
        let mut fields = vec!["locationId", "name", "kinds"];
        fields.extend(new.capacity.map(|_| "capacity"));
        fields.extend(new.facility_term_ids.as_ref().map(|_| "facilityTermIds"));
        finish(ctx, txn, "hub.create", &written, &fields).await?;
        Ok(HubPayload {
            hub: Some(Hub::from(written.hub)),
            user_errors: Vec::new(),
        })
    }

    /// Sets a hub's status, capacity, occupancy, facilities and note.
    /// Needs the `hubs:write` scope and the hub's organisation (admins: any);
    /// `version` goes up by one and the change joins the hub's history.
    #[graphql(guard = "Scope(HUBS_WRITE)")]
    async fn update_hub_status(&self, ctx: &Context<'_>, input: UpdateHubStatusInput) -> GqlResult<HubPayload> {
        let viewer = caller(ctx)?;
        let hub_id = ids::decode(&input.hub_id, Kind::Hub, &["input", "hubId"])?;
        let mut cleared = Vec::new();
        let facility_term_ids = patch(input.facility_term_ids, "facilityTermIds", &mut cleared);
        let change = StatusChange {
            status: input.status.into(),
            capacity: patch(input.capacity, "capacity", &mut cleared),
            occupancy: patch(input.occupancy, "occupancy", &mut cleared),
            note: patch(input.note, "note", &mut cleared),
            facility_term_ids: decode_terms(&facility_term_ids)?,
            valid_until: input.valid_until,
            cleared,
        };
        let txn = begin_write(db(ctx)?).await?;
        let existing = domain::find_hub_for_update(&txn, &hub_id)
            .await?
            .ok_or_else(|| AppError::NotFound("no such hub".into()))?;
        access::must_keep_organization(viewer, &existing.organization_id, "the hub")?;
        let written = match domain::update_status(
            &txn,
            existing,
            &change,
            input.expected_version,
            Some(&viewer.partner.id),
            Utc::now(),
        )
        .await?
        {
            Ok(written) => written,
            Err(errors) => return Ok(HubPayload::refused(errors)),
        };
        finish(ctx, txn, "hub.update_status", &written, &change.given()).await?;
        Ok(HubPayload {
            hub: Some(Hub::from(written.hub)),
            user_errors: Vec::new(),
        })
    }
}
