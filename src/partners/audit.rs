//! The audit trail: every successful write leaves one row naming the
//! partner, the action, the record, the fields the input set and the request
//! id. `record` takes the write's transaction so that the row and the change
//! commit or roll back together.

use chrono::Utc;
use entity::audit;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::auth::Viewer;
use crate::error::AppResult;
use crate::page::Cursor;

/// The id of one HTTP request, as logged and echoed in `X-Request-Id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

impl RequestId {
    /// A fresh id (UUID v4).
    pub fn generate() -> RequestId {
        RequestId(uuid::Uuid::new_v4().to_string())
    }

    /// A client's id if it is sane (1-64 characters of `[A-Za-z0-9-]`), so
    /// that it can go into logs and the trail without escaping; else `None`.
    pub fn from_client(text: &str) -> Option<RequestId> {
        let sane = !text.is_empty() && text.len() <= 64 && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        sane.then(|| RequestId(text.to_owned()))
    }
}

/// Writes one audit row. `viewer` is `None` for system writes.
pub async fn record(
    txn: &impl ConnectionTrait,
    viewer: Option<&Viewer>,
    action: &str,
    entity: &str,
    entity_id: &str,
    fields: &[&str],
    request_id: Option<&RequestId>,
) -> AppResult<()> {
    let row = audit::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        partner_id: Set(viewer.map(|v| v.partner.id.clone())),
        action: Set(action.to_owned()),
        entity: Set(entity.to_owned()),
        entity_id: Set(entity_id.to_owned()),
        changed_fields: Set(fields.join(",")),
        request_id: Set(request_id.map(|r| r.0.clone())),
        at: Set(Utc::now()),
    };
    audit::Entity::insert(row).exec(txn).await?;
    Ok(())
}

/// The latest row of `action` about each of `entity_ids`, by entity id.
pub async fn latest_about(
    db: &impl ConnectionTrait,
    action: &str,
    entity_ids: &[String],
) -> AppResult<std::collections::HashMap<String, audit::Model>> {
    let rows = audit::Entity::find()
        .filter(audit::Column::Action.eq(action))
        .filter(audit::Column::EntityId.is_in(entity_ids.iter().cloned()))
        .order_by_asc(audit::Column::At)
        .all(db)
        .await?;
    // Later rows replace earlier ones.
    Ok(rows.into_iter().map(|row| (row.entity_id.clone(), row)).collect())
}

/// The cursor of an audit row: its time (RFC 3339, nanoseconds) and id.
pub fn cursor(row: &audit::Model) -> Cursor {
    Cursor::at_time(row.at, &row.id)
}

/// One page of the trail, newest first: rows strictly older than `after`
/// when given, optionally only those about `entity_id`. Fetches
/// `limit + 1` rows so the caller can tell whether there is more.
pub async fn trail(
    db: &impl ConnectionTrait,
    entity_id: Option<&str>,
    after: Option<&Cursor>,
    limit: u64,
) -> AppResult<Vec<audit::Model>> {
    let mut query = audit::Entity::find();
    if let Some(entity_id) = entity_id {
        query = query.filter(audit::Column::EntityId.eq(entity_id));
    }
    if let Some(after) = after {
        // Keyset on (at, id): ids are random, so `at` orders and `id` breaks ties.
        let at = after.time()?;
        query = query.filter(
            sea_orm::Condition::any().add(audit::Column::At.lt(at)).add(
                sea_orm::Condition::all()
                    .add(audit::Column::At.eq(at))
                    .add(audit::Column::Id.lt(after.id.clone())),
            ),
        );
    }
    Ok(query
        .order_by_desc(audit::Column::At)
        .order_by_desc(audit::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await?)
}
