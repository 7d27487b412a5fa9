//! Issuing, listing and revoking tokens.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use entity::token;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};

use super::keys::JwtKeys;
use super::kind::{ALL_SCOPES, PartnerKind, effective_scopes};
use super::registry::find_partner;
use crate::error::{AppError, AppResult};

/// The longest lifetime a token may be issued for.
pub const MAX_TTL: Duration = Duration::from_secs(366 * 24 * 60 * 60);

/// A freshly issued token.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The signed JWT.
    pub token: String,
    pub jti: String,
    pub scopes: Vec<String>,
    pub expires_at: DateTime<Utc>,
}

/// Issues a token for `partner_id` (raw id) with `scopes` (all the partner's
/// kind allows when empty), valid for `ttl`. Refuses unknown and disabled
/// partners and any scope the partner's kind does not allow.
pub async fn issue_token(
    db: &impl ConnectionTrait,
    keys: &JwtKeys,
    partner_id: &str,
    scopes: &[String],
    ttl: Duration,
) -> AppResult<IssuedToken> {
    if ttl.is_zero() || ttl > MAX_TTL {
        return Err(AppError::bad_input(
            &["ttl"],
            "a token lives for more than 0 seconds and at most 366 days",
        ));
    }
    let Some(partner) = find_partner(db, partner_id).await? else {
        return Err(AppError::NotFound(format!("no partner {partner_id}")));
    };
    if partner.record.disabled {
        return Err(AppError::bad_input(&["partner"], "the partner is disabled"));
    }
    let kind = partner
        .kind()
        .ok_or_else(|| AppError::Internal(format!("partner {partner_id} has an unknown kind")))?;
    let scopes = granted_scopes(kind, scopes)?;

    let issued_at = now_in_seconds();
    let ttl = TimeDelta::from_std(ttl).map_err(|_| AppError::bad_input(&["ttl"], "ttl too long"))?;
    let expires_at = issued_at + ttl;
    let jti = uuid::Uuid::new_v4().to_string();
    let scope = scopes.join(" ");
    // The row goes in before the token is signed: a token must never exist
    // whose jti the database does not know, or it could not be revoked.
    token::Entity::insert(
        token::Model {
            jti: jti.clone(),
            partner_id: partner.record.id.clone(),
            scopes: scope.clone(),
            issued_at,
            expires_at,
            revoked_at: None,
        }
        .into_active_model(),
    )
    .exec_without_returning(db)
    .await?;
    let token = keys
        .sign(
            &partner.record.id,
            &jti,
            &scope,
            issued_at.timestamp(),
            expires_at.timestamp(),
        )
        .map_err(|e| AppError::Internal(format!("{e:#}")))?;
    Ok(IssuedToken {
        token,
        jti,
        scopes,
        expires_at,
    })
}

/// The scopes to grant: those asked for, each known and allowed for `kind`,
/// or every scope `kind` allows when none is asked for.
fn granted_scopes(kind: PartnerKind, requested: &[String]) -> AppResult<Vec<String>> {
    if requested.is_empty() {
        return Ok(kind.allowed_scopes().iter().map(|s| s.to_string()).collect());
    }
    for (i, scope) in requested.iter().enumerate() {
        if !ALL_SCOPES.contains(&scope.as_str()) {
            return Err(AppError::bad_input(
                &["scopes", &i.to_string()],
                format!("unknown scope {scope:?}; known scopes: {}", ALL_SCOPES.join(", ")),
            ));
        }
        if !kind.allows(scope) {
            return Err(AppError::bad_input(
                &["scopes", &i.to_string()],
                format!(
                    "scope {scope} is not allowed for {kind} partners (allowed: {})",
                    kind.allowed_scopes().join(", ")
                ),
            ));
        }
    }
    Ok(effective_scopes(kind, requested))
}

/// JWT times are whole seconds; the stored times match the claims exactly.
fn now_in_seconds() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now)
}

/// Revokes a token by `jti`; its next request is refused. Revoking a
/// revoked token changes nothing.
pub async fn revoke_token(db: &impl ConnectionTrait, jti: &str) -> AppResult<token::Model> {
    let Some(row) = token::Entity::find_by_id(jti.to_owned()).one(db).await? else {
        return Err(AppError::NotFound(format!("no token with jti {jti}")));
    };
    if row.revoked_at.is_some() {
        return Ok(row);
    }
    let mut active = row.into_active_model();
    active.revoked_at = Set(Some(Utc::now()));
    Ok(active.update(db).await?)
}

/// Issued tokens, oldest first; only `partner_id`'s when given.
pub async fn list_tokens(db: &impl ConnectionTrait, partner_id: Option<&str>) -> AppResult<Vec<token::Model>> {
    let mut query = token::Entity::find();
    if let Some(partner_id) = partner_id {
        query = query.filter(token::Column::PartnerId.eq(partner_id));
    }
    Ok(query
        .order_by_asc(token::Column::IssuedAt)
        .order_by_asc(token::Column::Jti)
        .all(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_scopes_asked_means_all_the_kind_allows() {
        assert_eq!(
            granted_scopes(PartnerKind::ThirdSector, &[]).unwrap(),
            vec!["services:write", "pathways:activity"]
        );
    }

    #[test]
    fn a_scope_the_kind_does_not_allow_is_refused() {
        let error = granted_scopes(PartnerKind::Library, &["admin".into()]).unwrap_err();
        assert_eq!(error.code(), "BAD_USER_INPUT");
        assert!(error.message().contains("not allowed for library partners"));
        let error = granted_scopes(PartnerKind::Admin, &["root".into()]).unwrap_err();
        assert!(error.message().contains("unknown scope"));
    }
}
