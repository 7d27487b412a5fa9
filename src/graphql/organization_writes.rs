//! The GraphQL face of organization writes: `createOrganization` (admins)
//! and `updateOrganization` (admins, or the organization's own library or
//! third-sector partner). Same shape as the service writes: one
//! transaction holding the row, the search text of the organization's
//! services (which includes its name) and one audit row.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};

use super::context::db;
use super::directory::Organization;
use super::errors::GqlResult;
use super::guards::{Admin, Scope, caller};
use super::ids::{self, Kind};
use super::writes::{UserError, begin_write, patch};
use crate::error::AppError;
use crate::partners::access;
use crate::partners::audit::{self, RequestId};
use crate::partners::kind::SERVICES_WRITE;
use crate::services::organization_writes::{self as domain, OrganizationFields};
use crate::services::text;
use crate::services::writes::Outcome;
use entity::organization;

/// The result of an organization write.
#[derive(SimpleObject)]
pub struct OrganizationPayload {
    /// The organization as written; null when the input was refused.
    pub organization: Option<Organization>,
    /// Why the input was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// A new organization.
#[derive(Debug, Clone, InputObject)]
pub struct CreateOrganizationInput {
    /// Official name, 1 to 200 characters.
    pub name: String,
    /// What it does, up to 5,000 characters.
    pub description: String,
    /// Contact email.
    pub email: Option<String>,
    /// Web site (http or https).
    pub website: Option<String>,
}

/// Changes to an organization: omitted fields stay as they are.
#[derive(Debug, Clone, InputObject)]
pub struct UpdateOrganizationInput {
    /// The organization to change.
    pub id: ID,
    /// Official name, 1 to 200 characters.
    pub name: MaybeUndefined<String>,
    /// What it does, up to 5,000 characters.
    pub description: MaybeUndefined<String>,
    /// Contact email.
    pub email: MaybeUndefined<String>,
    /// Web site (http or https).
    pub website: MaybeUndefined<String>,
    /// The version the change is based on; a stale one fails with `CONFLICT`.
    pub expected_version: Option<i32>,
}

fn payload(result: Outcome<organization::Model>) -> OrganizationPayload {
    match result {
        Ok(organization) => OrganizationPayload {
            organization: Some(Organization(organization)),
            user_errors: Vec::new(),
        },
        Err(errors) => OrganizationPayload {
            organization: None,
            user_errors: errors.into_iter().map(UserError::from).collect(),
        },
    }
}

/// Writes on organizations.
#[derive(Default)]
pub struct OrganizationWrites;

/// Writes on organizations.
#[Object]
impl OrganizationWrites {
    /// Creates an organization. Admins only.
    #[graphql(guard = "Admin(\"creating organizations\")")]
    async fn create_organization(
        &self,
        ctx: &Context<'_>,
        input: CreateOrganizationInput,
    ) -> GqlResult<OrganizationPayload> {
        let viewer = caller(ctx)?;
        let fields = OrganizationFields {
            name: Some(input.name),
            description: Some(input.description),
            email: input.email,
            website: input.website,
            cleared: Vec::new(),
        };
        let txn = begin_write(db(ctx)?).await?;
        let result = domain::create_organization(&txn, &fields).await?;
        if let Ok(organization) = &result {
            let request_id = ctx.data_opt::<RequestId>();
            let given = fields.given();
            audit::record(
                &txn,
                Some(viewer),
                "organization.create",
                "organization",
                &organization.id,
                &given,
                request_id,
            )
            .await?;
            txn.commit().await.map_err(AppError::from)?;
        }
        Ok(payload(result))
    }

    /// Changes an organization: admins any, libraries and third-sector
    /// bodies their own (with the `services:write` scope).
    #[graphql(guard = "Scope(SERVICES_WRITE)")]
    async fn update_organization(
        &self,
        ctx: &Context<'_>,
        input: UpdateOrganizationInput,
    ) -> GqlResult<OrganizationPayload> {
        let viewer = caller(ctx)?;
        let id = ids::decode(&input.id, Kind::Organization, &["input", "id"])?;
        let mut cleared = Vec::new();
        let fields = OrganizationFields {
            name: patch(input.name, "name", &mut cleared),
            description: patch(input.description, "description", &mut cleared),
            email: patch(input.email, "email", &mut cleared),
            website: patch(input.website, "website", &mut cleared),
            cleared,
        };
        let txn = begin_write(db(ctx)?).await?;
        let existing = domain::find_organization(&txn, &id)
            .await?
            .ok_or_else(|| AppError::NotFound("no such organization".into()))?;
        access::must_keep_organization(viewer, &existing.id, "the organization")?;
        let result = domain::update_organization(&txn, existing, &fields, input.expected_version).await?;
        if let Ok(organization) = &result {
            if fields.name.is_some() {
                let services = domain::service_ids_of(&txn, &organization.id).await?;
                text::reindex(&txn, &services).await?;
            }
            let request_id = ctx.data_opt::<RequestId>();
            let given = fields.given();
            audit::record(
                &txn,
                Some(viewer),
                "organization.update",
                "organization",
                &organization.id,
                &given,
                request_id,
            )
            .await?;
            txn.commit().await.map_err(AppError::from)?;
        }
        Ok(payload(result))
    }
}
