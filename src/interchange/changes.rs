//! The change feed: organizations, services, locations, hubs and pathways
//! created, updated or deleted since a time, oldest first, resumable by
//! cursor.
//!
//! A record appears once, at its latest change (clients syncing a copy want
//! the current state, not every intermediate one). Deletions come from the
//! tombstone table; an archived (defunct) service is reported as deleted too,
//! since it should leave a directory even though hubgraph keeps it, and so
//! is an archived pathway that was once published. Draft pathways, and
//! pathways archived straight from draft, appear only to their owner and
//! admins, as everywhere else.

use chrono::{DateTime, SecondsFormat, Utc};
use entity::{hub, location, organization, pathway, service, tombstone};
use sea_orm::sea_query::{Expr, ExprTrait, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    TryGetableMany,
};

use crate::db::with_literal_limit;
use crate::error::{AppError, AppResult};
use crate::page::{Cursor, Page, PageRequest};
use crate::partners::access::PathwayVisibility;
use crate::pathways::PathwayStatus;
use crate::services::status;

/// The kinds of record the feed covers, in their tie-break order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChangeEntity {
    Organization,
    Service,
    Location,
    Hub,
    Pathway,
}

impl ChangeEntity {
    pub const ALL: [ChangeEntity; 5] = [
        ChangeEntity::Organization,
        ChangeEntity::Service,
        ChangeEntity::Location,
        ChangeEntity::Hub,
        ChangeEntity::Pathway,
    ];

    /// The table name, as tombstones record it.
    pub fn table(self) -> &'static str {
        match self {
            ChangeEntity::Organization => "organization",
            ChangeEntity::Service => "service",
            ChangeEntity::Location => "location",
            ChangeEntity::Hub => "hub",
            ChangeEntity::Pathway => "pathway",
        }
    }

    fn from_table(table: &str) -> Option<ChangeEntity> {
        ChangeEntity::ALL.into_iter().find(|e| e.table() == table)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Created,
    Updated,
    Deleted,
}

/// One entry of the feed.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub entity: ChangeEntity,
    pub kind: ChangeKind,
    pub id: String,
    pub at: DateTime<Utc>,
}

/// Position in the feed's order: time, then a rank per source, then id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Position {
    at: DateTime<Utc>,
    rank: u8,
    id: String,
}

impl Position {
    fn cursor(&self) -> Cursor {
        Cursor {
            key: format!("{}|{}", self.at.to_rfc3339_opts(SecondsFormat::Nanos, true), self.rank),
            id: self.id.clone(),
        }
    }

    fn from_cursor(cursor: &Cursor) -> AppResult<Position> {
        let bad = || AppError::bad_input(&["after"], "malformed cursor");
        let (at, rank) = cursor.key.split_once('|').ok_or_else(bad)?;
        Ok(Position {
            at: DateTime::parse_from_rfc3339(at).map_err(|_| bad())?.with_timezone(&Utc),
            rank: rank.parse().map_err(|_| bad())?,
            id: cursor.id.clone(),
        })
    }
}

/// The tie-break rank of a source within one instant. Fixed numbers, not
/// derived from the enum's order: cursors handed out earlier hold them.
/// (A record still at version 1 was created and never changed since.)
fn rank(entity: ChangeEntity, deleted: bool) -> u8 {
    match (entity, deleted) {
        (ChangeEntity::Organization, false) => 0,
        (ChangeEntity::Service, false) => 1,
        (ChangeEntity::Location, false) => 2,
        (ChangeEntity::Organization, true) => 3,
        (ChangeEntity::Service, true) => 4,
        (ChangeEntity::Location, true) => 5,
        (ChangeEntity::Hub, false) => 6,
        (ChangeEntity::Pathway, false) => 7,
        (ChangeEntity::Hub, true) => 8,
        (ChangeEntity::Pathway, true) => 9,
    }
}

/// Rows of one source strictly after `after` in feed order, from `since` on.
fn after_condition(
    time: SimpleExpr,
    id: SimpleExpr,
    own_rank: u8,
    since: DateTime<Utc>,
    after: &Option<Position>,
) -> Condition {
    let mut condition = Condition::all().add(time.clone().gte(since));
    if let Some(after) = after {
        condition = condition.add(match own_rank.cmp(&after.rank) {
            std::cmp::Ordering::Greater => Condition::all().add(time.gte(after.at)),
            std::cmp::Ordering::Less => Condition::all().add(time.gt(after.at)),
            std::cmp::Ordering::Equal => Condition::any()
                .add(time.clone().gt(after.at))
                .add(Condition::all().add(time.eq(after.at)).add(id.gt(after.id.clone()))),
        });
    }
    condition
}

type Row = (String, i32, DateTime<Utc>, Option<String>);

/// How to read one table for the feed: its id, version and time columns,
/// the status column and the value that means "gone" (if any), and which
/// rows the caller may see.
struct Source<E: EntityTrait> {
    entity: ChangeEntity,
    columns: [E::Column; 3],
    gone: Option<(E::Column, &'static str)>,
    visible: Condition,
}

async fn live<E: EntityTrait>(
    db: &impl ConnectionTrait,
    source: Source<E>,
    since: DateTime<Utc>,
    after: &Option<Position>,
    limit: u64,
) -> AppResult<Vec<(Position, Change)>> {
    let Source {
        entity,
        columns,
        gone,
        visible,
    } = source;
    let [id, version, modified] = columns;
    let own_rank = rank(entity, false);
    let mut select = E::find().select_only().columns([id, version, modified]);
    select = match gone {
        Some((status, _)) => select.column(status),
        None => select.expr(Expr::cust("CAST(NULL AS TEXT)")),
    };
    let gone_value = gone.map(|(_, value)| value);
    let select = select
        .filter(after_condition(
            Expr::col(modified),
            Expr::col(id),
            own_rank,
            since,
            after,
        ))
        .filter(visible)
        .order_by_asc(modified)
        .order_by_asc(id)
        .limit(limit);
    // The limit written into the SQL lets PostgreSQL keep one plan for a
    // feed page (`db::with_literal_limit`).
    let statement = with_literal_limit(db.get_database_backend(), &select.into_query());
    let rows = db
        .query_all_raw(statement)
        .await?
        .iter()
        .map(Row::try_get_many_by_index)
        .collect::<Result<Vec<Row>, _>>()
        .map_err(sea_orm::DbErr::from)?;
    Ok(rows
        .into_iter()
        .map(|(id, version, last_modified, status_value)| {
            let kind = if status_value.is_some() && status_value.as_deref() == gone_value {
                ChangeKind::Deleted
            } else if version <= 1 {
                ChangeKind::Created
            } else {
                ChangeKind::Updated
            };
            let position = Position {
                at: last_modified,
                rank: own_rank,
                id: id.clone(),
            };
            (
                position,
                Change {
                    entity,
                    kind,
                    id,
                    at: last_modified,
                },
            )
        })
        .collect())
}

/// Which pathways a caller may follow in the feed: published ones, and
/// archived ones that were once published (as deleted), for everyone;
/// drafts, and pathways archived without ever being published, for their
/// owner and admins only. A pathway has been published when it has a
/// `reviewed_at`: publishing sets it, and nothing clears it.
fn followed_pathways(visibility: &PathwayVisibility) -> Condition {
    let once_published = Condition::all()
        .add(pathway::Column::Status.ne(PathwayStatus::Draft.as_str()))
        .add(pathway::Column::ReviewedAt.is_not_null());
    match visibility {
        PathwayVisibility::Everything => Condition::all(),
        PathwayVisibility::PublishedAndOwnedBy(partner_id) => Condition::any()
            .add(once_published)
            .add(pathway::Column::OwnerPartnerId.eq(partner_id.clone())),
        PathwayVisibility::Published => once_published,
    }
}

/// One page of the feed, as the caller (`pathways`: what it may see of
/// pathways) may see it.
pub async fn changes(
    db: &impl ConnectionTrait,
    since: DateTime<Utc>,
    entities: &[ChangeEntity],
    pathways: &PathwayVisibility,
    page: &PageRequest,
) -> AppResult<(Page<Change>, Vec<Cursor>)> {
    let after = page.after.as_ref().map(Position::from_cursor).transpose()?;
    let limit = page.fetch_limit();
    let wanted = |e: ChangeEntity| entities.is_empty() || entities.contains(&e);
    let mut found = Vec::new();
    if wanted(ChangeEntity::Organization) {
        let source = Source::<organization::Entity> {
            entity: ChangeEntity::Organization,
            columns: [
                organization::Column::Id,
                organization::Column::Version,
                organization::Column::LastModified,
            ],
            gone: None,
            visible: Condition::all(),
        };
        found.extend(live(db, source, since, &after, limit).await?);
    }
    if wanted(ChangeEntity::Service) {
        let source = Source::<service::Entity> {
            entity: ChangeEntity::Service,
            columns: [
                service::Column::Id,
                service::Column::Version,
                service::Column::LastModified,
            ],
            gone: Some((service::Column::Status, status::DEFUNCT)),
            visible: Condition::all(),
        };
        found.extend(live(db, source, since, &after, limit).await?);
    }
    if wanted(ChangeEntity::Location) {
        let source = Source::<location::Entity> {
            entity: ChangeEntity::Location,
            columns: [
                location::Column::Id,
                location::Column::Version,
                location::Column::LastModified,
            ],
            gone: None,
            visible: Condition::all(),
        };
        found.extend(live(db, source, since, &after, limit).await?);
    }
    if wanted(ChangeEntity::Hub) {
        let source = Source::<hub::Entity> {
            entity: ChangeEntity::Hub,
            columns: [hub::Column::Id, hub::Column::Version, hub::Column::LastModified],
            gone: None,
            visible: Condition::all(),
        };
        found.extend(live(db, source, since, &after, limit).await?);
    }
    if wanted(ChangeEntity::Pathway) {
        let source = Source::<pathway::Entity> {
            entity: ChangeEntity::Pathway,
            columns: [
                pathway::Column::Id,
                pathway::Column::Version,
                pathway::Column::LastModified,
            ],
            gone: Some((pathway::Column::Status, PathwayStatus::Archived.as_str())),
            visible: followed_pathways(pathways),
        };
        found.extend(live(db, source, since, &after, limit).await?);
    }
    let tables: Vec<&str> = ChangeEntity::ALL
        .into_iter()
        .filter(|e| wanted(*e))
        .map(ChangeEntity::table)
        .collect();
    let tombstones = tombstone::Entity::find()
        .filter(tombstone::Column::Entity.is_in(tables))
        .filter(tombstone::Column::DeletedAt.gte(since))
        .filter(match &after {
            Some(after) => tombstone::Column::DeletedAt.gte(after.at),
            None => Expr::val(true),
        })
        .order_by_asc(tombstone::Column::DeletedAt)
        .all(db)
        .await?;
    for stone in tombstones {
        let Some(entity) = ChangeEntity::from_table(&stone.entity) else {
            continue;
        };
        let position = Position {
            at: stone.deleted_at,
            rank: rank(entity, true),
            id: stone.id.clone(),
        };
        if after.as_ref().is_some_and(|a| &position <= a) {
            continue;
        }
        found.push((
            position,
            Change {
                entity,
                kind: ChangeKind::Deleted,
                id: stone.id,
                at: stone.deleted_at,
            },
        ));
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found.truncate(limit as usize);
    let cursors: Vec<Cursor> = found.iter().map(|(p, _)| p.cursor()).collect();
    let page = Page::from_fetched(found.into_iter().map(|(_, c)| c).collect(), page);
    let cursors = cursors.into_iter().take(page.rows.len()).collect();
    Ok((page, cursors))
}

/// Records that a row is gone, for the feed (in the deleting transaction).
pub async fn record_deletion(
    db: &impl ConnectionTrait,
    entity: ChangeEntity,
    id: &str,
    at: DateTime<Utc>,
) -> AppResult<()> {
    use sea_orm::sea_query::OnConflict;
    let stone = tombstone::ActiveModel {
        entity: sea_orm::Set(entity.table().to_owned()),
        id: sea_orm::Set(id.to_owned()),
        deleted_at: sea_orm::Set(at),
    };
    tombstone::Entity::insert(stone)
        .on_conflict(
            OnConflict::columns([tombstone::Column::Entity, tombstone::Column::Id])
                .update_column(tombstone::Column::DeletedAt)
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_round_trip_through_cursors() {
        let at = DateTime::parse_from_rfc3339("2026-11-23T10:00:00.123456789Z")
            .unwrap()
            .with_timezone(&Utc);
        let position = Position {
            at,
            rank: 4,
            id: "x".into(),
        };
        assert_eq!(Position::from_cursor(&position.cursor()).unwrap(), position);
        assert!(
            Position::from_cursor(&Cursor {
                key: "nope".into(),
                id: "x".into()
            })
            .is_err()
        );
    }
}
