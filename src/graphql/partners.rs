//! The GraphQL face of partners: `me` (the caller) and `Partner` objects,
//! which only the partner itself or an admin may see.

use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, Utc};

use super::directory::{Organization, db, load};
use super::errors::GqlResult;
use super::guards::viewer;
use super::ids::{self, Kind};
use super::loaders::OrganizationById;
use crate::error::AppError;
use crate::partners::{self, Viewer as ViewerRecord, access};

/// What kind of body a partner is; it decides what the partner may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "PartnerKind", remote = "crate::partners::PartnerKind")]
pub enum PartnerKindValue {
    /// A public library service: its hubs, its own organization's services.
    Library,
    /// A Health and Social Care Partnership: pathways and reports in its areas.
    Hscp,
    /// A third-sector (voluntary) organisation: its own services.
    ThirdSector,
    /// The platform operator: everything.
    Admin,
}

/// A library service, HSCP, third-sector body or operator that holds tokens.
#[derive(Debug, Clone)]
pub struct Partner(pub partners::Partner);

/// A library service, HSCP, third-sector body or operator that holds tokens.
/// Visible to the partner itself and to admins only.
#[Object]
impl Partner {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Partner, &self.0.record.id)
    }
    /// Name of the partner.
    async fn name(&self) -> &str {
        &self.0.record.name
    }
    /// What kind of body the partner is.
    async fn kind(&self) -> GqlResult<PartnerKindValue> {
        let kind = self
            .0
            .kind()
            .ok_or_else(|| AppError::Internal(format!("partner {} has an unknown kind", self.0.record.id)))?;
        Ok(kind.into())
    }
    /// The organization whose records the partner keeps (libraries and third-sector bodies).
    async fn organization(&self, ctx: &Context<'_>) -> GqlResult<Option<Organization>> {
        let Some(id) = &self.0.record.organization_id else {
            return Ok(None);
        };
        Ok(load(ctx, OrganizationById(id.clone())).await?.map(Organization))
    }
    /// Council areas (GSS codes) the partner covers.
    async fn area_codes(&self) -> &[String] {
        &self.0.area_codes
    }
}

/// The authenticated caller: a partner and what its token lets it do.
pub struct Viewer(ViewerRecord);

/// The authenticated caller: a partner and what its token lets it do.
#[Object]
impl Viewer {
    /// The partner the token was issued to.
    async fn partner(&self) -> Partner {
        Partner(partners::Partner {
            record: self.0.partner.clone(),
            area_codes: self.0.area_codes.clone(),
        })
    }
    /// The token's scopes that the partner's kind allows.
    async fn scopes(&self) -> &[String] {
        &self.0.scopes
    }
    /// When the token expires.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }
}

/// `node(id:)` for a partner id: the partner itself or an admin sees it;
/// anyone else gets null and a FORBIDDEN error, whether or not it exists.
pub(crate) async fn partner_node(ctx: &Context<'_>, raw: &str) -> GqlResult<Option<Partner>> {
    if !access::may_see_partner(viewer(ctx), raw) {
        let error = async_graphql::Error::from(AppError::Forbidden(
            "only the partner itself or an admin can see a partner".into(),
        ));
        ctx.add_error(ctx.set_error_path(error.into_server_error(ctx.item.pos)));
        return Ok(None);
    }
    Ok(partners::find_partner(db(ctx)?, raw).await?.map(Partner))
}

#[derive(Default)]
pub struct PartnersQuery;

#[Object]
impl PartnersQuery {
    /// The caller: null when anonymous.
    async fn me(&self, ctx: &Context<'_>) -> Option<Viewer> {
        viewer(ctx).cloned().map(Viewer)
    }
}
