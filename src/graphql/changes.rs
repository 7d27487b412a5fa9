//! `changes(since:)`: the change feed for partners keeping a copy in sync.

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::connection::PageInfo;
use super::context::db;
use super::errors::GqlResult;
use super::ids::{self, Kind};
use super::node::{Node, load_node};
use crate::interchange::changes;
use crate::page::PageRequest;
use crate::partners::access::PathwayVisibility;

/// A kind of record in the change feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ChangeEntity {
    /// Organizations.
    Organization,
    /// Services.
    Service,
    /// Locations.
    Location,
    /// Hubs (a status change is an update).
    Hub,
    /// Referral pathways (archived ones are reported as deleted; drafts
    /// only to their owner and admins).
    Pathway,
}

impl From<ChangeEntity> for changes::ChangeEntity {
    fn from(entity: ChangeEntity) -> Self {
        match entity {
            ChangeEntity::Organization => changes::ChangeEntity::Organization,
            ChangeEntity::Service => changes::ChangeEntity::Service,
            ChangeEntity::Location => changes::ChangeEntity::Location,
            ChangeEntity::Hub => changes::ChangeEntity::Hub,
            ChangeEntity::Pathway => changes::ChangeEntity::Pathway,
        }
    }
}

impl From<changes::ChangeEntity> for ChangeEntity {
    fn from(entity: changes::ChangeEntity) -> Self {
        match entity {
            changes::ChangeEntity::Organization => ChangeEntity::Organization,
            changes::ChangeEntity::Service => ChangeEntity::Service,
            changes::ChangeEntity::Location => ChangeEntity::Location,
            changes::ChangeEntity::Hub => ChangeEntity::Hub,
            changes::ChangeEntity::Pathway => ChangeEntity::Pathway,
        }
    }
}

/// What happened to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ChangeKind {
    /// New since the time asked about (unchanged since it was created).
    Created,
    /// Changed; the node holds its current state.
    Updated,
    /// Deleted, or archived (a defunct service, an archived pathway): drop it from your copy.
    Deleted,
}

/// One record's latest change.
#[derive(Debug, Clone)]
pub struct Change(changes::Change);

/// One record's latest change.
#[Object]
impl Change {
    /// The kind of record.
    async fn entity(&self) -> ChangeEntity {
        self.0.entity.into()
    }
    /// Created, updated or deleted.
    async fn kind(&self) -> ChangeKind {
        match self.0.kind {
            changes::ChangeKind::Created => ChangeKind::Created,
            changes::ChangeKind::Updated => ChangeKind::Updated,
            changes::ChangeKind::Deleted => ChangeKind::Deleted,
        }
    }
    /// Global id of the record (still meaningful after deletion).
    async fn id(&self) -> ID {
        ids::encode(self.kind_of_id(), &self.0.id)
    }
    /// When it changed.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// The record as it is now; null once it is deleted.
    async fn node(&self, ctx: &Context<'_>) -> GqlResult<Option<Node>> {
        load_node(ctx, self.kind_of_id(), self.0.id.clone()).await
    }
}

impl Change {
    fn kind_of_id(&self) -> Kind {
        match self.0.entity {
            changes::ChangeEntity::Organization => Kind::Organization,
            changes::ChangeEntity::Service => Kind::Service,
            changes::ChangeEntity::Location => Kind::Location,
            changes::ChangeEntity::Hub => Kind::Hub,
            changes::ChangeEntity::Pathway => Kind::Pathway,
        }
    }
}

/// A page of the change feed, oldest first.
#[derive(Debug, Clone, SimpleObject)]
pub struct ChangeConnection {
    /// The changes of this page with their cursors.
    pub edges: Vec<ChangeEdge>,
    /// Paging state; keep `endCursor` to resume the feed later.
    pub page_info: PageInfo,
}

/// A change in a page.
#[derive(Debug, Clone, SimpleObject)]
pub struct ChangeEdge {
    /// Opaque cursor: pass it as `after` to resume after this change.
    pub cursor: String,
    /// The change.
    pub node: Change,
}

#[derive(Default)]
pub struct ChangesQuery;

#[Object]
impl ChangesQuery {
    /// Everything created, updated or deleted since a time, oldest first, with
    /// tombstones for deletions. Each record appears once, at its latest change;
    /// resume with `after` (the last `endCursor`) rather than a new `since`.
    #[graphql(complexity = "first.unwrap_or(20).clamp(1, 100) as usize * child_complexity")]
    async fn changes(
        &self,
        ctx: &Context<'_>,
        since: DateTime<Utc>,
        entities: Option<Vec<ChangeEntity>>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<ChangeConnection> {
        let page = PageRequest::new(first, after.as_deref())?;
        let visibility = PathwayVisibility::of(super::guards::viewer(ctx));
        let entities: Vec<changes::ChangeEntity> = entities.unwrap_or_default().into_iter().map(Into::into).collect();
        let (found, cursors) = changes::changes(db(ctx)?, since, &entities, &visibility, &page).await?;
        let cursors: Vec<String> = cursors.iter().map(|c| c.encode()).collect();
        Ok(ChangeConnection {
            page_info: PageInfo {
                has_next_page: found.has_next_page,
                has_previous_page: found.has_previous_page,
                start_cursor: cursors.first().cloned(),
                end_cursor: cursors.last().cloned(),
            },
            edges: found
                .rows
                .into_iter()
                .zip(cursors)
                .map(|(c, cursor)| ChangeEdge {
                    cursor,
                    node: Change(c),
                })
                .collect(),
        })
    }
}
