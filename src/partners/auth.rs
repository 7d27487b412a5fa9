//! Authentication: from a bearer token to the `Viewer` making the request.
//!
//! The signature and claims are checked first (see `keys`); then the
//! database decides, on every request:
//!
//! - the partner named by `sub` exists and is not disabled;
//! - a `jti` that hubgraph issued belongs to that partner and is not revoked;
//! - a `jti` hubgraph never issued (a token minted elsewhere with the
//!   configured key, e.g. by an identity provider) is accepted: revoke such
//!   tokens by disabling the partner, or keep their lifetime short;
//! - the partner's kind and areas come from the database, never the token;
//! - the effective scopes are the token's scopes that the kind allows.

use chrono::{DateTime, Utc};
use entity::{partner, token};
use sea_orm::{ConnectionTrait, EntityTrait};

use super::keys::JwtKeys;
use super::kind::{ADMIN, PartnerKind, effective_scopes, split_scopes};
use super::registry::area_codes_of;
use crate::error::{AppError, AppResult};

/// The authenticated caller of one request.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub partner: partner::Model,
    pub kind: PartnerKind,
    /// Council areas the partner covers (GSS codes).
    pub area_codes: Vec<String>,
    /// The token's scopes that the partner's kind allows.
    pub scopes: Vec<String>,
    pub expires_at: DateTime<Utc>,
    pub jti: String,
}

impl Viewer {
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// An admin partner holding the `admin` scope.
    pub fn is_admin(&self) -> bool {
        self.kind == PartnerKind::Admin && self.has_scope(ADMIN)
    }
}

/// Authenticates a bearer token. Any reason to refuse it is logged (without
/// the token) and reported as `Unauthenticated`; database faults stay faults.
pub async fn authenticate(db: &impl ConnectionTrait, keys: &JwtKeys, bearer: &str) -> AppResult<Viewer> {
    let claims = keys.verify(bearer).map_err(|refusal| refuse(&refusal.0))?;
    let Some(partner) = partner::Entity::find_by_id(claims.sub.clone()).one(db).await? else {
        return Err(refuse("unknown partner"));
    };
    if partner.disabled {
        return Err(refuse_partner(&partner.id, "partner disabled"));
    }
    if let Some(row) = token::Entity::find_by_id(claims.jti.clone()).one(db).await? {
        if row.partner_id != partner.id {
            return Err(refuse_partner(&partner.id, "jti issued to another partner"));
        }
        if row.revoked_at.is_some() {
            return Err(refuse_partner(&partner.id, "token revoked"));
        }
    }
    let Some(kind) = PartnerKind::parse(&partner.kind) else {
        return Err(AppError::Internal(format!(
            "partner {} has an unknown kind",
            partner.id
        )));
    };
    let requested = split_scopes(claims.scope.as_deref().unwrap_or(""));
    let scopes = effective_scopes(kind, &requested);
    let expires_at = DateTime::from_timestamp(claims.exp.round() as i64, 0).unwrap_or(DateTime::<Utc>::MIN_UTC);
    let area_codes = area_codes_of(db, &partner.id).await?;
    tracing::debug!(partner = %partner.id, jti = %claims.jti, "request authenticated");
    Ok(Viewer {
        partner,
        kind,
        area_codes,
        scopes,
        expires_at,
        jti: claims.jti,
    })
}

fn refuse(reason: &str) -> AppError {
    tracing::info!(reason, "bearer token refused");
    AppError::Unauthenticated
}

fn refuse_partner(partner: &str, reason: &str) -> AppError {
    tracing::info!(partner, reason, "bearer token refused");
    AppError::Unauthenticated
}
