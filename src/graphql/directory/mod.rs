//! The GraphQL face of the services directory: HSDS objects, their nested
//! fields (through the per-request loaders) and the directory queries.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::*;
use sea_orm::EntityTrait;

use super::connection::{connection, wants_total};
use super::context::{db, load, load_many, not_found};
use super::errors::GqlResult;
use super::ids::{self, Kind};
use super::loaders::*;
use super::scalars::Date;
use super::search::{ServiceConnection, service_connection};
use crate::error::AppError;
use crate::page::PageRequest;
use crate::services::taxonomy as terms;
use crate::services::{areas, locations, organizations, running, search, status, with_relations};

// One file per object (named so as not to hide the entity modules).
mod location_object;
mod organization_object;
mod records;
mod schedule_object;
mod service_object;
mod taxonomy_objects;

pub use location_object::{Location, LocationType, ServiceLink};
pub use organization_object::Organization;
pub use records::*;
pub use schedule_object::Schedule;
pub use service_object::{Service, ServiceStatus};
pub use taxonomy_objects::{Taxonomy, TaxonomyTerm};

// ---- connections -----------------------------------------------------------

connection!(
    OrganizationConnection,
    OrganizationEdge,
    Organization,
    "A page of organizations.",
    "An organization in a page."
);
connection!(
    LocationConnection,
    LocationEdge,
    Location,
    "A page of locations.",
    "A location in a page."
);
connection!(
    TaxonomyTermConnection,
    TaxonomyTermEdge,
    TaxonomyTerm,
    "A page of taxonomy terms.",
    "A taxonomy term in a page."
);

/// Which organizations to list.
#[derive(Debug, Default, InputObject)]
pub struct OrganizationFilter {
    /// Words to find in the name or description.
    pub text: Option<String>,
    /// With a location in, or a service covering, any of these council areas.
    pub area_codes: Option<Vec<String>>,
    /// With a location in, or a service covering, a council area of any of
    /// these NHS health boards (GSS codes, e.g. S08000024).
    pub health_board_codes: Option<Vec<String>>,
}

/// Which locations to list.
#[derive(Debug, Default, InputObject)]
pub struct LocationFilter {
    /// Words to find in the name or description.
    pub text: Option<String>,
    /// In any of these council areas.
    pub area_codes: Option<Vec<String>>,
    /// In a council area of any of these NHS health boards (GSS codes, e.g. S08000024).
    pub health_board_codes: Option<Vec<String>>,
    /// Run by this organization.
    pub organization_id: Option<ID>,
}

// ---- queries ---------------------------------------------------------------

/// Reads of the services directory.
#[derive(Default)]
pub struct DirectoryQuery;

#[Object]
impl DirectoryQuery {
    /// One service.
    async fn service(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<Service>> {
        let id = ids::decode(&id, Kind::Service, &["id"])?;
        // With the relations the query shows, in one statement, handed to
        // the loader their resolvers read.
        let joins = service_joins(&[ctx.look_ahead()]);
        let (services, relations) =
            with_relations::services_of(db(ctx)?, service::Entity::find_by_id(id), &[], joins).await?;
        feed_service_relations(ctx.data::<Loaders>()?, relations).await;
        match services.into_iter().next() {
            Some(service) => Ok(Some(Service(service))),
            None => Err(not_found(Kind::Service)),
        }
    }

    /// Organizations matching the filter, by name.
    #[graphql(complexity = "first.unwrap_or(20).clamp(1, 100) as usize * child_complexity")]
    async fn organizations(
        &self,
        ctx: &Context<'_>,
        filter: Option<OrganizationFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<OrganizationConnection> {
        let page = PageRequest::new(first, after.as_deref())?;
        let filter = filter.unwrap_or_default();
        let filter = organizations::OrganizationFilter {
            text: filter.text,
            area_codes: areas::area_codes(filter.area_codes.unwrap_or_default()),
            health_board_codes: areas::health_board_codes(
                &filter.health_board_codes.unwrap_or_default(),
                &["filter", "healthBoardCodes"],
            )?,
        };
        let db = db(ctx)?;
        let rows = organizations::list_organizations(db, &filter, &page).await?;
        let total = if wants_total(ctx) {
            organizations::count_organizations(db, &filter).await?
        } else {
            0
        };
        Ok(OrganizationConnection::new(
            rows.map(Organization),
            |o| (o.0.name.clone(), o.0.id.clone()),
            total,
        ))
    }

    /// One organization.
    async fn organization(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<Organization>> {
        let id = ids::decode(&id, Kind::Organization, &["id"])?;
        match organizations::find_organization(db(ctx)?, &id).await? {
            Some(found) => Ok(Some(Organization(found))),
            None => Err(not_found(Kind::Organization)),
        }
    }

    /// Locations matching the filter, by name.
    #[graphql(complexity = "first.unwrap_or(20).clamp(1, 100) as usize * child_complexity")]
    async fn locations(
        &self,
        ctx: &Context<'_>,
        filter: Option<LocationFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<LocationConnection> {
        let page = PageRequest::new(first, after.as_deref())?;
        let filter = filter.unwrap_or_default();
        let filter = locations::LocationFilter {
            text: filter.text,
            area_codes: areas::area_codes(filter.area_codes.unwrap_or_default()),
            health_board_codes: areas::health_board_codes(
                &filter.health_board_codes.unwrap_or_default(),
                &["filter", "healthBoardCodes"],
            )?,
            organization_id: filter
                .organization_id
                .map(|id| ids::decode(&id, Kind::Organization, &["filter", "organizationId"]))
                .transpose()?,
        };
        let db = db(ctx)?;
        let rows = locations::list_locations(db, &filter, &page).await?;
        let total = if wants_total(ctx) {
            locations::count_locations(db, &filter).await?
        } else {
            0
        };
        Ok(LocationConnection::new(
            rows.map(Location),
            |l| (locations::sort_key(&l.0), l.0.id.clone()),
            total,
        ))
    }

    /// One location.
    async fn location(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<Location>> {
        let id = ids::decode(&id, Kind::Location, &["id"])?;
        match locations::find_location(db(ctx)?, &id).await? {
            Some(found) => Ok(Some(Location(found))),
            None => Err(not_found(Kind::Location)),
        }
    }

    /// Every taxonomy (vocabulary) in use.
    async fn taxonomies(&self, ctx: &Context<'_>) -> GqlResult<Vec<Taxonomy>> {
        Ok(terms::all_taxonomies(db(ctx)?)
            .await?
            .into_iter()
            .map(Taxonomy)
            .collect())
    }

    /// Terms of one taxonomy (by name or id) and/or the children of one
    /// term, by name. With `topOnly`, only terms with no parent: the first
    /// level of a menu, whose `children` give the next.
    #[graphql(complexity = "first.unwrap_or(20).clamp(1, 100) as usize * child_complexity")]
    async fn taxonomy_terms(
        &self,
        ctx: &Context<'_>,
        taxonomy: Option<String>,
        parent_id: Option<ID>,
        #[graphql(desc = "Only terms with no parent (not with `parentId`).", default = false)] top_only: bool,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<TaxonomyTermConnection> {
        let page = PageRequest::new(first, after.as_deref())?;
        if top_only && parent_id.is_some() {
            return Err(AppError::bad_input(&["topOnly"], "give parentId or topOnly, not both").into());
        }
        let filter = terms::TermFilter {
            taxonomy,
            parent_id: parent_id
                .map(|id| ids::decode(&id, Kind::TaxonomyTerm, &["parentId"]))
                .transpose()?,
            top_only,
        };
        let db = db(ctx)?;
        let rows = terms::list_terms(db, &filter, &page).await?;
        let total = if wants_total(ctx) {
            terms::count_terms(db, &filter).await?
        } else {
            0
        };
        Ok(TaxonomyTermConnection::new(
            rows.map(TaxonomyTerm),
            |t| (t.0.name.clone(), t.0.id.clone()),
            total,
        ))
    }
}
