//! An organization (HSDS `organization`).

use super::*;

// ---- organization ----------------------------------------------------------

/// An organization: a library service, an HSCP, a charity (HSDS `organization`).
#[derive(Debug, Clone)]
pub struct Organization(pub organization::Model);

/// An organization: a library service, an HSCP, a charity (HSDS `organization`).
#[Object]
impl Organization {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Organization, &self.0.id)
    }
    /// The id as HSDS data and exports carry it (a UUID).
    async fn hsds_id(&self) -> &str {
        &self.0.id
    }
    /// Official name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Another name it is known by.
    async fn alternate_name(&self) -> Option<&str> {
        self.0.alternate_name.as_deref()
    }
    /// What the organization does.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Contact email.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// Web site.
    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }
    /// Tax status (e.g. registered charity).
    async fn tax_status(&self) -> Option<&str> {
        self.0.tax_status.as_deref()
    }
    /// Tax identifier.
    async fn tax_id(&self) -> Option<&str> {
        self.0.tax_id.as_deref()
    }
    /// Year the organization was founded.
    async fn year_incorporated(&self) -> Option<i32> {
        self.0.year_incorporated
    }
    /// Legal form (e.g. SCIO, company limited by guarantee).
    async fn legal_status(&self) -> Option<&str> {
        self.0.legal_status.as_deref()
    }
    /// Link to a logo image.
    async fn logo(&self) -> Option<&str> {
        self.0.logo.as_deref()
    }
    /// A persistent identifier of the organization.
    async fn uri(&self) -> Option<&str> {
        self.0.uri.as_deref()
    }
    /// The parent organization, if any.
    async fn parent_organization(&self, ctx: &Context<'_>) -> GqlResult<Option<Organization>> {
        let Some(parent) = &self.0.parent_organization_id else {
            return Ok(None);
        };
        Ok(load(ctx, OrganizationById(parent.clone())).await?.map(Organization))
    }
    /// Official identifiers, e.g. the Scottish Charity Number.
    async fn identifiers(&self, ctx: &Context<'_>) -> GqlResult<Vec<OrganizationIdentifier>> {
        Ok(load_many(ctx, IdentifiersOfOrganization(self.0.id.clone()))
            .await?
            .into_iter()
            .map(OrganizationIdentifier::from)
            .collect())
    }
    /// Services the organization offers (those people can use).
    #[graphql(complexity = "first.unwrap_or(20).clamp(1, 100) as usize * child_complexity")]
    async fn services(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<ServiceConnection> {
        let filter = search::ServiceFilter {
            organization_id: Some(self.0.id.clone()),
            ..Default::default()
        };
        service_connection(ctx, &filter, search::ServiceOrder::Name, first, after).await
    }
    /// Places the organization runs.
    #[graphql(complexity = "crate::graphql::budget::ASSUMED_LIST_LENGTH * child_complexity")]
    async fn locations(&self, ctx: &Context<'_>) -> GqlResult<Vec<Location>> {
        Ok(load_many(ctx, LocationsOfOrganization(self.0.id.clone()))
            .await?
            .into_iter()
            .map(Location)
            .collect())
    }
    /// Phone numbers.
    async fn phones(&self, ctx: &Context<'_>) -> GqlResult<Vec<Phone>> {
        Ok(load_many(ctx, PhonesOfOrganization(self.0.id.clone()))
            .await?
            .into_iter()
            .map(Phone::from)
            .collect())
    }
    /// When the record last changed.
    async fn last_modified(&self) -> DateTime<Utc> {
        self.0.last_modified
    }
    /// Revision number; pass it as `expectedVersion` when updating.
    async fn version(&self) -> i32 {
        self.0.version
    }
}
