//! The reads behind the HSDS REST API (`http::hsds`): numbered pages of
//! organizations, taxonomies, terms and services at locations, as HSDS
//! pages them. Services are found by `services::search`, as GraphQL finds
//! them. Plain sea-orm; the HTTP layer parses and answers.

use entity::{organization, service, service_at_location, taxonomy, taxonomy_term};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::{Value, json};

use crate::error::AppResult;
use crate::services::search::column_contains;
use crate::services::status;

/// HSDS version served.
pub const VERSION: &str = "3.0";
/// The Open Referral UK profile, whose `/services` filters (ages) we serve.
pub const PROFILE: &str = "https://openreferraluk.org/";
/// The API description this follows.
pub const OPENAPI_URL: &str = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json";

/// A page by number, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageNumber {
    pub page: u64,
    pub per_page: u64,
}

impl PageNumber {
    pub fn offset(&self) -> u64 {
        (self.page - 1).saturating_mul(self.per_page)
    }

    /// The HSDS `Page` object around `contents`.
    pub fn wrap(&self, total: u64, contents: Vec<Value>) -> Value {
        let total_pages = total.div_ceil(self.per_page);
        json!({
            "total_items": total,
            "total_pages": total_pages,
            "page_number": self.page,
            "size": contents.len(),
            "first_page": self.page == 1,
            "last_page": self.page >= total_pages,
            "empty": contents.is_empty(),
            "contents": contents,
        })
    }
}

pub async fn organizations(
    db: &impl ConnectionTrait,
    search: Option<&str>,
    page: PageNumber,
) -> AppResult<(Vec<organization::Model>, u64)> {
    let mut condition = Condition::all();
    if let Some(text) = search {
        condition = condition.add(
            Condition::any()
                .add(column_contains(organization::Column::Name.into_expr(), text))
                .add(column_contains(organization::Column::Description.into_expr(), text)),
        );
    }
    let select = organization::Entity::find().filter(condition);
    let total = select.clone().count(db).await?;
    let rows = select
        .order_by_asc(organization::Column::Name)
        .order_by_asc(organization::Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(db)
        .await?;
    Ok((rows, total))
}

pub async fn taxonomies(
    db: &impl ConnectionTrait,
    search: Option<&str>,
    page: PageNumber,
) -> AppResult<(Vec<taxonomy::Model>, u64)> {
    let mut select = taxonomy::Entity::find();
    if let Some(text) = search {
        select = select.filter(column_contains(taxonomy::Column::Name.into_expr(), text));
    }
    let total = select.clone().count(db).await?;
    let rows = select
        .order_by_asc(taxonomy::Column::Name)
        .order_by_asc(taxonomy::Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// Which terms to list.
#[derive(Debug, Clone, Default)]
pub struct TermQuery {
    pub search: Option<String>,
    pub taxonomy_id: Option<String>,
    pub parent_id: Option<String>,
    /// Only terms without a parent.
    pub top_only: bool,
}

pub async fn taxonomy_terms(
    db: &impl ConnectionTrait,
    query: &TermQuery,
    page: PageNumber,
) -> AppResult<(Vec<taxonomy_term::Model>, u64)> {
    let mut condition = Condition::all();
    if let Some(text) = &query.search {
        condition = condition.add(column_contains(taxonomy_term::Column::Name.into_expr(), text));
    }
    if let Some(taxonomy) = &query.taxonomy_id {
        condition = condition.add(taxonomy_term::Column::TaxonomyId.eq(taxonomy.clone()));
    }
    if let Some(parent) = &query.parent_id {
        condition = condition.add(taxonomy_term::Column::ParentId.eq(parent.clone()));
    }
    if query.top_only {
        condition = condition.add(taxonomy_term::Column::ParentId.is_null());
    }
    let select = taxonomy_term::Entity::find().filter(condition);
    let total = select.clone().count(db).await?;
    let rows = select
        .order_by_asc(taxonomy_term::Column::Name)
        .order_by_asc(taxonomy_term::Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// Services at locations of listed services (active or temporarily
/// closed), optionally of one organization, in id order.
pub async fn service_at_locations(
    db: &impl ConnectionTrait,
    organization_id: Option<&str>,
    page: PageNumber,
) -> AppResult<(Vec<service_at_location::Model>, u64)> {
    let mut services = service::Entity::find()
        .select_only()
        .column(service::Column::Id)
        .filter(service::Column::Status.is_in(status::default_listed()));
    if let Some(organization) = organization_id {
        services = services.filter(service::Column::OrganizationId.eq(organization.to_owned()));
    }
    let select = service_at_location::Entity::find()
        .filter(service_at_location::Column::ServiceId.in_subquery(sea_orm::QueryTrait::into_query(services)));
    let total = select.clone().count(db).await?;
    let rows = select
        .order_by_asc(service_at_location::Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(db)
        .await?;
    Ok((rows, total))
}
