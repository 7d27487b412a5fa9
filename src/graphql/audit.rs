//! `auditTrail`: the admin's read of who changed what, newest first.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::audit as row;

use super::connection::PageInfo;
use super::context::db;
use super::errors::GqlResult;
use super::guards::Admin;
use super::ids;
use crate::error::AppError;
use crate::page::Cursor;
use crate::partners::audit;

/// The largest page.
const MAX_PAGE: i32 = 100;
const DEFAULT_PAGE: i32 = 20;

/// One successful write.
#[derive(Debug, Clone, SimpleObject)]
pub struct AuditEntry {
    /// Id of the entry.
    pub id: ID,
    /// Raw id of the partner who wrote; null for system writes.
    pub partner_id: Option<String>,
    /// What was done, `entity.verb`: `service.update`, `location.create`, ...
    pub action: String,
    /// The table written: `service`, `organization`, `location`.
    pub entity: String,
    /// Raw (HSDS) id of the record written.
    pub entity_id: String,
    /// Input fields the write set (camelCase).
    pub changed_fields: Vec<String>,
    /// The request's `X-Request-Id`.
    pub request_id: Option<String>,
    /// When the write committed.
    pub at: DateTime<Utc>,
}

impl From<row::Model> for AuditEntry {
    fn from(model: row::Model) -> Self {
        AuditEntry {
            id: ID(model.id),
            partner_id: model.partner_id,
            action: model.action,
            entity: model.entity,
            entity_id: model.entity_id,
            changed_fields: model
                .changed_fields
                .split(',')
                .filter(|f| !f.is_empty())
                .map(str::to_owned)
                .collect(),
            request_id: model.request_id,
            at: model.at,
        }
    }
}

/// An audit entry with its cursor.
#[derive(Debug, Clone, SimpleObject)]
pub struct AuditEdge {
    /// Pass as `after` to continue after this entry.
    pub cursor: String,
    /// The entry.
    pub node: AuditEntry,
}

/// A page of the audit trail, newest first.
#[derive(Debug, Clone, SimpleObject)]
pub struct AuditConnection {
    /// The entries of this page with their cursors.
    pub edges: Vec<AuditEdge>,
    /// The entries of this page.
    pub nodes: Vec<AuditEntry>,
    /// Paging state.
    pub page_info: PageInfo,
}

/// The admin's read of the audit trail.
#[derive(Default)]
pub struct AuditQuery;

/// The admin's read of the audit trail.
#[Object]
impl AuditQuery {
    /// Every successful write, newest first. Admins only.
    #[graphql(guard = "Admin(\"the audit trail\")")]
    async fn audit_trail(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last entry of the previous page.")] after: Option<String>,
        #[graphql(desc = "Only writes to this record (a global or raw id).")] entity_id: Option<ID>,
    ) -> GqlResult<AuditConnection> {
        let first = first.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&first) {
            return Err(AppError::bad_input(&["first"], format!("first must be 1 to {MAX_PAGE}")).into());
        }
        let entity_id = entity_id.map(|id| ids::decode_any(&id).map_or(id.0, |(_, raw)| raw));
        let after_cursor = after.as_deref().map(Cursor::decode).transpose()?;
        let limit = u64::try_from(first).unwrap_or(20);
        let mut rows = audit::trail(db(ctx)?, entity_id.as_deref(), after_cursor.as_ref(), limit).await?;
        let has_next_page = rows.len() as u64 > limit;
        rows.truncate(first as usize);
        let edges: Vec<AuditEdge> = rows
            .into_iter()
            .map(|row| AuditEdge {
                cursor: audit::cursor(&row).encode(),
                node: AuditEntry::from(row),
            })
            .collect();
        let nodes: Vec<AuditEntry> = edges.iter().map(|edge| edge.node.clone()).collect();
        let page_info = PageInfo {
            has_next_page,
            has_previous_page: after.is_some(),
            start_cursor: edges.first().map(|e| e.cursor.clone()),
            end_cursor: edges.last().map(|e| e.cursor.clone()),
        };
        Ok(AuditConnection {
            edges,
            nodes,
            page_info,
        })
    }
}
