//! Idempotency keys, per partner: the first request with a key runs and its
//! response is kept; a retry with the same key and the same request gets
//! that response again; the same key with a different request is refused.
//!
//! A key is claimed before the request runs (an insert that does nothing on
//! a duplicate), so of two concurrent requests with one key only one runs;
//! the other is told the key is in use and may retry. A claim whose request
//! never finished (the process died mid-request) goes stale after a while
//! and the next retry takes it over, so a key is never stuck "in use".

use chrono::{Duration, Utc};
use entity::idempotency_key;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};

use crate::db::begin_write;
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

/// Claims `key` for `partner_id` and a request hashing to `request_hash`;
/// an unfinished claim older than `stale_after` is taken over.
///
/// Each of this module's writes is a write transaction of its own, so that
/// on SQLite it takes its turn with the mutations (`write_turns`) instead
/// of waiting for the lock on a pooled connection.
pub async fn claim(
    db: &DatabaseConnection,
    partner_id: &str,
    key: &str,
    request_hash: &str,
    stale_after: Duration,
) -> AppResult<Claim> {
    let txn = begin_write(db).await?;
    let claim = claim_in(&txn, partner_id, key, request_hash, stale_after).await?;
    txn.commit().await?;
    Ok(claim)
}

async fn claim_in(
    db: &impl ConnectionTrait,
    partner_id: &str,
    key: &str,
    request_hash: &str,
    stale_after: Duration,
) -> AppResult<Claim> {
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
    Ok(match (existing.status, existing.response.clone()) {
        (Some(status), Some(body)) => Claim::Replay {
            status: u16::try_from(status).unwrap_or(200),
            body,
        },
        _ if existing.created_at < Utc::now() - stale_after => take_over(db, &existing).await?,
        _ => Claim::InProgress,
    })
}

/// Takes over a stale claim, unless another retry took it first: the update
/// matches only the unfinished row with the claim time we read.
async fn take_over(db: &impl ConnectionTrait, stale: &idempotency_key::Model) -> AppResult<Claim> {
    let taken = idempotency_key::Entity::update_many()
        .col_expr(idempotency_key::Column::CreatedAt, Utc::now().into())
        .filter(idempotency_key::Column::Key.eq(stale.key.clone()))
        .filter(idempotency_key::Column::PartnerId.eq(stale.partner_id.clone()))
        .filter(idempotency_key::Column::Status.is_null())
        .filter(idempotency_key::Column::CreatedAt.eq(stale.created_at))
        .exec(db)
        .await?;
    Ok(if taken.rows_affected == 1 {
        Claim::Run
    } else {
        Claim::InProgress
    })
}

/// Keeps the response of the request that claimed the key.
pub async fn complete(db: &DatabaseConnection, partner_id: &str, key: &str, status: u16, body: &str) -> AppResult<()> {
    let txn = begin_write(db).await?;
    idempotency_key::Entity::update_many()
        .col_expr(idempotency_key::Column::Status, i32::from(status).into())
        .col_expr(idempotency_key::Column::Response, body.to_owned().into())
        .filter(idempotency_key::Column::Key.eq(key))
        .filter(idempotency_key::Column::PartnerId.eq(partner_id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// Gives the key up (the request failed on our side), so that a retry runs.
pub async fn release(db: &DatabaseConnection, partner_id: &str, key: &str) -> AppResult<()> {
    let txn = begin_write(db).await?;
    idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::Key.eq(key))
        .filter(idempotency_key::Column::PartnerId.eq(partner_id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// How long a key is remembered: a client retries within minutes, and a day
/// (as Stripe keeps them) covers a retry after an overnight outage.
pub const RETENTION: Duration = Duration::hours(24);

/// Forgets keys claimed before `cutoff`; returns how many. A retry after
/// that runs as a new request.
pub async fn purge(db: &DatabaseConnection, cutoff: chrono::DateTime<Utc>) -> AppResult<u64> {
    let txn = begin_write(db).await?;
    let result = idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::CreatedAt.lt(cutoff))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(result.rows_affected)
}

/// Purges keys older than `RETENTION` every `interval` until `stop` is
/// cancelled; a failure (database outage) is logged and tried again.
pub async fn purge_until(
    db: sea_orm::DatabaseConnection,
    interval: std::time::Duration,
    stop: tokio_util::sync::CancellationToken,
) {
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = ticker.tick() => {}
        }
        match purge(&db, Utc::now() - RETENTION).await {
            Ok(0) => {}
            Ok(purged) => tracing::info!(purged, "old idempotency keys forgotten"),
            Err(error) => tracing::warn!(error = ?error, "idempotency key purge failed; retrying"),
        }
    }
}
