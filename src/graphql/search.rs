//! The partner search: `services(filter:, orderBy:)`, `serviceFacets`, `postcode`.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;

use super::connection::{PageInfo, wants_total};
use super::context::{db, prefix_field};
use super::directory::{Service, ServiceStatus, TaxonomyTerm};
use super::errors::GqlResult;
use super::ids::{self, Kind};
use super::loaders::{Loaders, feed_service_relations, prefetch_services, service_joins};
use crate::error::{AppError, AppResult};
use crate::page::PageRequest;
use crate::services::areas::SCOTLAND;
use crate::services::geo::{self, GeoPoint};
use crate::services::{areas, search};

/// How `services` orders its results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ServiceOrder {
    /// Listings reviewed in the last 12 months first; then name matches before
    /// description matches (with `text`), the nearest (with `near`), the name.
    Relevance,
    /// Nearest first; needs `filter.near`.
    Distance,
    /// Alphabetical by name.
    Name,
    /// Most recently reviewed (assured) first.
    RecentlyReviewed,
}

impl From<ServiceOrder> for search::ServiceOrder {
    fn from(order: ServiceOrder) -> Self {
        match order {
            ServiceOrder::Relevance => search::ServiceOrder::Relevance,
            ServiceOrder::Distance => search::ServiceOrder::Distance,
            ServiceOrder::Name => search::ServiceOrder::Name,
            ServiceOrder::RecentlyReviewed => search::ServiceOrder::RecentlyReviewed,
        }
    }
}

/// A point: give latitude and longitude, or a postcode / outward code.
#[derive(Debug, Clone, InputObject)]
pub struct GeoPointInput {
    /// WGS84 latitude, -90 to 90.
    pub latitude: Option<f64>,
    /// WGS84 longitude, -180 to 180.
    pub longitude: Option<f64>,
    /// A full postcode ("AB10 1AA") or an outward code ("AB10"), any case and spacing.
    pub postcode: Option<String>,
}

impl GeoPointInput {
    /// Resolves to a point; errors name the field under `path`.
    pub async fn resolve(&self, db: &impl ConnectionTrait, path: &[&str]) -> AppResult<GeoPoint> {
        match (self.latitude, self.longitude, &self.postcode) {
            (Some(latitude), Some(longitude), None) => GeoPoint::new(latitude, longitude, path),
            (None, None, Some(postcode)) => {
                let mut field = path.to_vec();
                field.push("postcode");
                Ok(geo::locate(db, postcode, &field).await?.point)
            }
            _ => Err(AppError::bad_input(path, "give latitude and longitude, or a postcode")),
        }
    }
}

/// Which services to find. Every filter given must hold (AND).
#[derive(Debug, Default, InputObject)]
pub struct ServiceFilter {
    /// Words to find in the name or description (matched as plain words).
    pub text: Option<String>,
    /// Centre of a radius search: a point, or a postcode / outward code.
    pub near: Option<GeoPointInput>,
    /// Radius around `near`, kilometres; default 5, at most 200.
    pub radius_km: Option<f64>,
    /// Services whose service area covers this postcode's council area
    /// (national services included). For an outward code, or a full postcode
    /// not in the table, any council area of its district.
    pub covers_postcode: Option<String>,
    /// Any of these terms, descendants included.
    pub taxonomy_term_ids: Option<Vec<ID>>,
    /// All of these terms, descendants included.
    pub all_taxonomy_term_ids: Option<Vec<ID>>,
    /// Age of the person: minimum_age <= age <= maximum_age where set.
    pub age: Option<i32>,
    /// ISO 639 codes; any of them.
    pub languages: Option<Vec<String>>,
    /// At a location with any of these accessibility terms (descendants included).
    pub accessibility_term_ids: Option<Vec<ID>>,
    /// Open at this instant, per schedules (Europe/London).
    pub open_at: Option<DateTime<Utc>>,
    /// Services of this organization.
    pub organization_id: Option<ID>,
    /// Delivered in, or covering, any of these council areas (GSS codes).
    pub area_codes: Option<Vec<String>>,
    /// Delivered in, or covering, a council area of any of these NHS health
    /// boards (GSS codes, e.g. S08000024; see `healthBoards`).
    pub health_board_codes: Option<Vec<String>>,
    /// Default [ACTIVE, TEMPORARILY_CLOSED].
    pub status: Option<Vec<ServiceStatus>>,
    /// Changed after this instant.
    pub modified_after: Option<DateTime<Utc>>,
}

fn term_ids(list: Option<Vec<ID>>, field: &str) -> AppResult<Vec<String>> {
    ids::decode_list(&list.unwrap_or_default(), Kind::TaxonomyTerm, field).map_err(|e| prefix_field(e, "filter"))
}

impl ServiceFilter {
    /// The domain filter, with ids decoded and postcodes resolved.
    pub async fn into_domain(self, db: &impl ConnectionTrait) -> AppResult<search::ServiceFilter> {
        let near = match &self.near {
            Some(point) => Some(point.resolve(db, &["filter", "near"]).await?),
            None => None,
        };
        let covers_area_codes = match &self.covers_postcode {
            Some(code) => {
                let place = geo::locate(db, code, &["filter", "coversPostcode"]).await?;
                place.area_codes.into_iter().chain([SCOTLAND.to_owned()]).collect()
            }
            None => Vec::new(),
        };
        let filter = search::ServiceFilter {
            text: self.text,
            organization_id: self
                .organization_id
                .map(|id| ids::decode(&id, Kind::Organization, &["filter", "organizationId"]))
                .transpose()?,
            area_codes: areas::area_codes(self.area_codes.unwrap_or_default()),
            health_board_codes: areas::health_board_codes(
                &self.health_board_codes.unwrap_or_default(),
                &["filter", "healthBoardCodes"],
            )?,
            statuses: self
                .status
                .map(|s| s.into_iter().map(|s| s.as_hsds().to_owned()).collect()),
            taxonomy_term_ids: term_ids(self.taxonomy_term_ids, "taxonomyTermIds")?,
            all_taxonomy_term_ids: term_ids(self.all_taxonomy_term_ids, "allTaxonomyTermIds")?,
            near,
            radius_km: self.radius_km,
            covers_area_codes,
            age: self.age,
            minimum_age_at_least: None,
            maximum_age_at_most: None,
            languages: self.languages.unwrap_or_default(),
            accessibility_term_ids: term_ids(self.accessibility_term_ids, "accessibilityTermIds")?,
            open_at: self.open_at,
            modified_after: self.modified_after,
        };
        filter.validate()?;
        Ok(filter)
    }
}

/// A page of services (Relay connection).
#[derive(Debug, Clone, SimpleObject)]
pub struct ServiceConnection {
    /// The services of this page with their cursors.
    pub edges: Vec<ServiceEdge>,
    /// The services of this page, without cursors.
    pub nodes: Vec<Service>,
    /// Paging state.
    pub page_info: PageInfo,
    /// Services matching the filter across all pages.
    pub total_count: i32,
}

/// A service in a page.
#[derive(Debug, Clone, SimpleObject)]
pub struct ServiceEdge {
    /// Opaque cursor of this row: pass it as `after` to continue after it.
    pub cursor: String,
    /// The service.
    pub node: Service,
    /// Distance in kilometres (to the metre: three decimals) from `near` to the
    /// service's nearest location, when `near` is given.
    pub distance_km: Option<f64>,
}

/// Runs a search and builds its connection, prefetching the nested fields the query selects.
pub async fn service_connection(
    ctx: &Context<'_>,
    filter: &search::ServiceFilter,
    order: search::ServiceOrder,
    first: Option<i32>,
    after: Option<String>,
) -> GqlResult<ServiceConnection> {
    let page = PageRequest::new(first, after.as_deref())?;
    let look = ctx.look_ahead();
    let selection = [look.field("nodes"), look.field("edges").field("node")];
    let extras = search::Extras {
        total: wants_total(ctx),
        joins: service_joins(&selection),
    };
    let found = search::search_services(db(ctx)?, filter, order, &page, extras, Utc::now()).await?;
    let services: Vec<_> = found.page.rows.iter().map(|hit| hit.service.clone()).collect();
    let loaders = ctx.data::<Loaders>()?;
    // Read with the page: in the loader, they cost the prefetch no statement.
    feed_service_relations(loaders, found.relations).await;
    prefetch_services(loaders, &selection, &services).await?;
    let cursors: Vec<String> = found.cursors.iter().map(|c| c.encode()).collect();
    let edges: Vec<ServiceEdge> = found
        .page
        .rows
        .into_iter()
        .zip(&cursors)
        .map(|(hit, cursor)| ServiceEdge {
            cursor: cursor.clone(),
            node: Service(hit.service),
            distance_km: hit.distance_km.map(GeoPoint::shown_km),
        })
        .collect();
    Ok(ServiceConnection {
        nodes: edges.iter().map(|e| e.node.clone()).collect(),
        page_info: PageInfo {
            has_next_page: found.page.has_next_page,
            has_previous_page: found.page.has_previous_page,
            start_cursor: cursors.first().cloned(),
            end_cursor: cursors.last().cloned(),
        },
        total_count: i32::try_from(found.total.unwrap_or(0)).unwrap_or(i32::MAX),
        edges,
    })
}

/// A taxonomy term with the number of matching services filed under it (or its descendants).
#[derive(Debug, Clone, SimpleObject)]
pub struct TaxonomyFacet {
    /// The term.
    pub term: TaxonomyTerm,
    /// Matching services filed under the term or one of its descendants.
    pub count: i32,
}

/// The partner search.
#[derive(Default)]
pub struct SearchQuery;

#[Object]
impl SearchQuery {
    /// Services matching the filter, a page at a time. Cursors stay valid
    /// while paging: each match comes exactly once.
    #[graphql(complexity = "first.unwrap_or(20).clamp(1, 100) as usize * child_complexity")]
    async fn services(
        &self,
        ctx: &Context<'_>,
        filter: Option<ServiceFilter>,
        #[graphql(default_with = "ServiceOrder::Relevance")] order_by: ServiceOrder,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<ServiceConnection> {
        let filter = filter.unwrap_or_default().into_domain(db(ctx)?).await?;
        service_connection(ctx, &filter, order_by.into(), first, after).await
    }

    /// Counts per taxonomy term for the services that match the filter
    /// (ignoring paging); a term counts the services under it and its
    /// descendants, as `taxonomyTermIds` does. `taxonomy` defaults to `service-category`.
    async fn service_facets(
        &self,
        ctx: &Context<'_>,
        filter: Option<ServiceFilter>,
        taxonomy: Option<String>,
    ) -> GqlResult<Vec<TaxonomyFacet>> {
        let db = db(ctx)?;
        let filter = filter.unwrap_or_default().into_domain(db).await?;
        let taxonomy = taxonomy.unwrap_or_else(|| "service-category".to_owned());
        let terms = crate::services::taxonomy::terms_of_taxonomy(db, &taxonomy).await?;
        let ids = search::matching_ids(db, &filter).await?;
        let counts = search::facet_counts(db, &ids, &terms).await?;
        let mut facets: Vec<TaxonomyFacet> = terms
            .into_iter()
            .zip(counts)
            .filter(|(_, (_, count))| *count > 0)
            .map(|(term, (_, count))| TaxonomyFacet {
                term: TaxonomyTerm(term),
                count: count as i32,
            })
            .collect();
        facets.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.term.0.name.cmp(&b.term.0.name)));
        Ok(facets)
    }
}
