//! The Relay `Node` interface and `node` / `nodes` lookups.

use async_graphql::{Context, ID, Interface, Object};

use super::context::db;
use super::directory::{Location, Organization, Service, TaxonomyTerm};
use super::errors::GqlResult;
use super::hubs::Hub;
use super::ids::{self, Kind};
use super::loaders::{HubById, Loaders, LocationById, OrganizationById, TermById};
use super::partners::{Partner, partner_node};
use super::pathways::{Pathway, pathway_node};
use crate::error::AppError;
use crate::services::search;

/// An object with an opaque global id, fetchable with `node(id:)`.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Opaque global id."))]
pub enum Node {
    Service(Service),
    Organization(Organization),
    Location(Location),
    TaxonomyTerm(TaxonomyTerm),
    Partner(Partner),
    Hub(Hub),
    Pathway(Pathway),
}

async fn fetch(ctx: &Context<'_>, id: &ID, field: &[&str]) -> GqlResult<Option<Node>> {
    let (kind, raw) = ids::decode_any(id).ok_or_else(|| AppError::bad_input(field, "malformed id"))?;
    load_node(ctx, kind, raw).await
}

/// The object of `kind` with raw id `raw`, through the request's loaders.
pub(crate) async fn load_node(ctx: &Context<'_>, kind: Kind, raw: String) -> GqlResult<Option<Node>> {
    let loaders = ctx.data::<Loaders>()?;
    Ok(match kind {
        Kind::Service => search::find_service(db(ctx)?, &raw)
            .await?
            .map(|s| Node::Service(Service(s))),
        Kind::Organization => loaders
            .load_one(OrganizationById(raw))
            .await?
            .map(|o| Node::Organization(Organization(o))),
        Kind::Location => loaders
            .load_one(LocationById(raw))
            .await?
            .map(|l| Node::Location(Location(l))),
        Kind::TaxonomyTerm => loaders
            .load_one(TermById(raw))
            .await?
            .map(|t| Node::TaxonomyTerm(TaxonomyTerm(t))),
        Kind::Partner => partner_node(ctx, &raw).await?.map(Node::Partner),
        Kind::Hub => loaders.load_one(HubById(raw)).await?.map(|h| Node::Hub(Hub::from(h))),
        Kind::Pathway => pathway_node(ctx, raw).await?.map(Node::Pathway),
    })
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any object by its global id; null when no such object exists.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<Node>> {
        fetch(ctx, &id, &["id"]).await
    }

    /// Several objects by global id, in the order asked; null for each one that does not exist.
    #[graphql(complexity = "ids.len() * child_complexity")]
    async fn nodes(&self, ctx: &Context<'_>, ids: Vec<ID>) -> GqlResult<Vec<Option<Node>>> {
        if ids.len() > crate::page::MAX_PAGE_SIZE as usize {
            return Err(AppError::bad_input(&["ids"], "at most 100 ids at once").into());
        }
        let lookups = ids.iter().enumerate().map(|(i, id)| {
            let index = i.to_string();
            async move { fetch(ctx, id, &["ids", &index]).await }
        });
        futures_util::future::try_join_all(lookups).await
    }
}
