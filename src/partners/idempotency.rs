//! Idempotency keys, per partner: the first request with a key runs and its
//! response is kept; a retry with the same key and the same request gets
//! that response again; the same key with a different request is refused.
//!
//! A key is claimed before the request runs (an insert that does nothing on
//! a duplicate), so of two concurrent requests with one key only one runs;
//! the other is told the key is in use and may retry.

use chrono::Utc;
use entity::idempotency_key;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};

use crate::error::AppResult;

/// The longest key accepted (Stripe's limit).
pub const KEY_MAX: usize = 255;

/// Whether a client's key is acceptable: 1-255 visible ASCII characters.
pub fn is_valid_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= KEY_MAX && key.bytes().all(|b| b.is_ascii_graphic())
}

/// The SHA-256 (hex) of a request's canonical form.
pub fn hash(canonical: &str) -> String {
    Sha256::digest(canonical.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What to do with a request carrying a key.
#[derive(Debug, PartialEq, Eq)]
pub enum Claim {
    /// First use: run the request, then `complete` (or `release`) the key.
    Run,
    /// The same request ran before: answer with its response.
    Replay { status: u16, body: String },
    /// The key was used for a different request.
    Reused,
    /// The first request with this key is still running.
    InProgress,
}

/// Claims `key` for `partner_id` and a request hashing to `request_hash`.
pub async fn claim(db: &impl ConnectionTrait, partner_id: &str, key: &str, request_hash: &str) -> AppResult<Claim> {
    let row = idempotency_key::ActiveModel {
        key: Set(key.to_owned()),
        partner_id: Set(partner_id.to_owned()),
        request_hash: Set(request_hash.to_owned()),
        status: Set(None),
        response: Set(None),
        created_at: Set(Utc::now()),
    };
    let inserted = idempotency_key::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([idempotency_key::Column::Key, idempotency_key::Column::PartnerId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    if inserted == 1 {
        return Ok(Claim::Run);
    }
    let Some(existing) = idempotency_key::Entity::find_by_id((key.to_owned(), partner_id.to_owned()))
        .one(db)
        .await?
    else {
        // Released between our insert and this read: the client may retry.
        return Ok(Claim::InProgress);
    };
    if existing.request_hash != request_hash {
        return Ok(Claim::Reused);
    }
    Ok(match (existing.status, existing.response) {
        (Some(status), Some(body)) => Claim::Replay {
            status: u16::try_from(status).unwrap_or(200),
            body,
        },
        _ => Claim::InProgress,
    })
}

/// Keeps the response of the request that claimed the key.
pub async fn complete(
    db: &impl ConnectionTrait,
    partner_id: &str,
    key: &str,
    status: u16,
    body: &str,
) -> AppResult<()> {
    idempotency_key::Entity::update_many()
        .col_expr(idempotency_key::Column::Status, i32::from(status).into())
        .col_expr(idempotency_key::Column::Response, body.to_owned().into())
        .filter(idempotency_key::Column::Key.eq(key))
        .filter(idempotency_key::Column::PartnerId.eq(partner_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Gives the key up (the request failed on our side), so that a retry runs.
pub async fn release(db: &impl ConnectionTrait, partner_id: &str, key: &str) -> AppResult<()> {
    idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::Key.eq(key))
        .filter(idempotency_key::Column::PartnerId.eq(partner_id))
        .exec(db)
        .await?;
    Ok(())
}
