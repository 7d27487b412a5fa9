//! The GraphQL face of partners: `me` (the caller) and `Partner` objects,
//! which only the partner itself or an admin may see in full; anyone else
//! meets a partner only as a pathway's owner, by its public name.

use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, Utc};

use super::context::{db, load};
use super::directory::Organization;
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

/// A library service, HSCP, third-sector body or operator that holds tokens,
/// as the caller may see it.
#[derive(Debug, Clone)]
pub struct Partner {
    record: partners::Partner,
    /// Only the public name (and an id that does not reveal the partner's):
    /// how a pathway's owner looks to anyone but that partner and admins.
    public_only: bool,
}

impl Partner {
    /// Everything about the partner: for the partner itself and admins.
    pub fn full(record: partners::Partner) -> Partner {
        Partner {
            record,
            public_only: false,
        }
    }

    /// The partner as `viewer` may see it where its name is public (a
    /// pathway's owner): everything for the partner itself and admins, the
    /// public name only for anyone else.
    pub fn as_seen_by(record: partners::Partner, viewer: Option<&ViewerRecord>) -> Partner {
        let public_only = !access::may_see_partner(viewer, &record.record.id);
        Partner { record, public_only }
    }
}

/// A stable id for a partner's public face that does not carry its raw id
/// (the `sub` of its tokens): a digest, which `node(id:)` resolves to nothing.
fn public_id(raw: &str) -> ID {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("hubgraph public partner:{raw}").as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    ids::encode(Kind::Partner, &format!("public-{hex}"))
}

/// A library service, HSCP, third-sector body or operator that holds tokens.
/// Seen in full by the partner itself and admins; anyone else meets it only
/// as a pathway's owner, and sees its name (the other fields are null and
/// its id is not the partner's own).
#[Object]
impl Partner {
    /// Opaque global id. Outside the partner itself and admins, an id that
    /// stands for the partner without revealing it.
    pub async fn id(&self) -> ID {
        if self.public_only {
            public_id(&self.record.record.id)
        } else {
            ids::encode(Kind::Partner, &self.record.record.id)
        }
    }
    /// Name of the partner.
    async fn name(&self) -> &str {
        &self.record.record.name
    }
    /// What kind of body the partner is; null for anyone but the partner
    /// itself and admins.
    async fn kind(&self) -> GqlResult<Option<PartnerKindValue>> {
        if self.public_only {
            return Ok(None);
        }
        let kind = self
            .record
            .kind()
            .ok_or_else(|| AppError::Internal(format!("partner {} has an unknown kind", self.record.record.id)))?;
        Ok(Some(kind.into()))
    }
    /// The organization whose records the partner keeps (libraries and
    /// third-sector bodies); null for anyone but the partner itself and admins.
    async fn organization(&self, ctx: &Context<'_>) -> GqlResult<Option<Organization>> {
        let Some(id) = self
            .record
            .record
            .organization_id
            .as_ref()
            .filter(|_| !self.public_only)
        else {
            return Ok(None);
        };
        Ok(load(ctx, OrganizationById(id.clone())).await?.map(Organization))
    }
    /// Council areas (GSS codes) the partner covers; null for anyone but the
    /// partner itself and admins.
    async fn area_codes(&self) -> Option<&[String]> {
        (!self.public_only).then_some(self.record.area_codes.as_slice())
    }
}

/// The authenticated caller: a partner and what its token lets it do.
pub struct Viewer(ViewerRecord);

/// The authenticated caller: a partner and what its token lets it do.
#[Object]
impl Viewer {
    /// The partner the token was issued to.
    async fn partner(&self) -> Partner {
        Partner::full(partners::Partner {
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
    Ok(partners::find_partner(db(ctx)?, raw).await?.map(Partner::full))
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
