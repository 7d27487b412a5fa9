//! Creating hubs, changing their status and reverting expired manual
//! statuses. Every change appends one `hub_status_event` in the caller's
//! transaction, so the history can never miss a change that committed nor
//! hold one that did not.
//!
//! Validation problems come back as `UserError`s with nothing written;
//! access is the caller's business (`partners::access`), decided from the
//! rows read here.

use chrono::{DateTime, Utc};
use entity::{hub, hub_facility, hub_status_event, location, schedule};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::model::{HubKind, HubStatus, Reason, split_ids};
use crate::error::{AppError, AppResult};
use crate::services::taxonomy;
use crate::services::writes::{NAME_MAX, Outcome, UserError, check_text, conflict};

/// The taxonomy whose terms name what a hub offers.
pub const FACILITY_TAXONOMY: &str = "hub-facility";
/// Larger than any venue; a typo guard, not a building regulation.
pub const CAPACITY_MAX: i32 = 100_000;
pub const NOTE_MAX: usize = 1_000;

/// A new hub at a location.
#[derive(Debug, Clone)]
pub struct NewHub {
    pub name: String,
    pub kinds: Vec<HubKind>,
    pub capacity: Option<i32>,
    /// Raw taxonomy term ids (already decoded).
    pub facility_term_ids: Option<Vec<String>>,
}

/// A status change. Omitted capacity, occupancy, note and facilities stay
/// as they are; those named in `cleared` (an explicit null) are emptied;
/// `valid_until` belongs to this status only (omitted: the status holds
/// until the next change). Closing a hub empties its occupancy: nobody is
/// in a closed hub, and a dashboard must not count the last figure.
#[derive(Debug, Clone)]
pub struct StatusChange {
    pub status: HubStatus,
    pub capacity: Option<i32>,
    pub occupancy: Option<i32>,
    pub note: Option<String>,
    pub facility_term_ids: Option<Vec<String>>,
    pub valid_until: Option<DateTime<Utc>>,
    /// Fields given as an explicit null, by their input names.
    pub cleared: Vec<&'static str>,
}

/// A hub written, with the event that records the change.
#[derive(Debug, Clone)]
pub struct Written {
    pub hub: hub::Model,
    pub event: hub_status_event::Model,
}

impl StatusChange {
    /// Input fields set, for the audit trail (camelCase, as in the schema).
    pub fn given(&self) -> Vec<&'static str> {
        let flags = [
            ("status", true),
            ("capacity", self.capacity.is_some()),
            ("occupancy", self.occupancy.is_some()),
            ("note", self.note.is_some()),
            ("facilityTermIds", self.facility_term_ids.is_some()),
            ("validUntil", self.valid_until.is_some()),
        ];
        flags
            .into_iter()
            .filter(|(name, set)| *set || self.cleared.contains(name))
            .map(|(name, _)| name)
            .collect()
    }

    fn clears(&self, field: &str) -> bool {
        self.cleared.contains(&field)
    }
}

/// A hub by raw id.
pub async fn find_hub(db: &impl ConnectionTrait, id: &str) -> AppResult<Option<hub::Model>> {
    Ok(hub::Entity::find_by_id(id.to_owned()).one(db).await?)
}

/// Reads hub `id` to change it, in a write transaction: on PostgreSQL the
/// row stays locked (`FOR UPDATE`) until the transaction ends, so a second
/// writer waits and then reads the first one's version. Without the lock,
/// two unversioned updates reading the same version would meet in
/// `save_new_version` and one would be refused with `CONFLICT` though
/// neither asked for a version. SQLite needs no lock: its write
/// transactions (`BEGIN IMMEDIATE`) already run one at a time.
pub async fn find_hub_for_update(txn: &impl ConnectionTrait, id: &str) -> AppResult<Option<hub::Model>> {
    Ok(hub::Entity::find_by_id(id.to_owned()).lock_exclusive().one(txn).await?)
}

/// The facility term ids of a hub, sorted.
pub async fn facility_ids(db: &impl ConnectionTrait, hub_id: &str) -> AppResult<Vec<String>> {
    let rows = hub_facility::Entity::find()
        .filter(hub_facility::Column::HubId.eq(hub_id))
        .order_by_asc(hub_facility::Column::TaxonomyTermId)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|row| row.taxonomy_term_id).collect())
}

fn check_capacity(errors: &mut Vec<UserError>, field: &str, value: Option<i32>) {
    if value.is_some_and(|n| !(0..=CAPACITY_MAX).contains(&n)) {
        errors.push(UserError::new(
            &[field],
            "INVALID",
            format!("a number of people from 0 to {CAPACITY_MAX}"),
        ));
    }
}

/// Facilities must be terms of the `hub-facility` taxonomy.
async fn check_facilities(
    db: &impl ConnectionTrait,
    errors: &mut Vec<UserError>,
    ids: &Option<Vec<String>>,
) -> AppResult<()> {
    let Some(ids) = ids else { return Ok(()) };
    taxonomy::check_terms_of(db, errors, "facilityTermIds", ids, FACILITY_TAXONOMY).await
}

async fn replace_facilities(txn: &impl ConnectionTrait, hub_id: &str, ids: &[String]) -> AppResult<()> {
    hub_facility::Entity::delete_many()
        .filter(hub_facility::Column::HubId.eq(hub_id))
        .exec(txn)
        .await?;
    let mut ids = ids.to_vec();
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return Ok(());
    }
    let rows = ids.into_iter().map(|taxonomy_term_id| {
        hub_facility::ActiveModel::from(hub_facility::Model {
            hub_id: hub_id.to_owned(),
            taxonomy_term_id,
        })
    });
    hub_facility::Entity::insert_many(rows).exec(txn).await?;
    Ok(())
}

/// The opening hours of a location.
async fn location_schedules(db: &impl ConnectionTrait, location_id: &str) -> AppResult<Vec<schedule::Model>> {
    Ok(schedule::Entity::find()
        .filter(schedule::Column::LocationId.eq(location_id))
        .all(db)
        .await?)
}

/// Appends the event recording the hub's state as it now is.
async fn append_event(
    txn: &impl ConnectionTrait,
    row: &hub::Model,
    facility_ids: &[String],
    partner_id: Option<&str>,
    reason: Reason,
) -> AppResult<hub_status_event::Model> {
    let event = hub_status_event::Model {
        id: uuid::Uuid::new_v4().to_string(),
        hub_id: row.id.clone(),
        status: row.status.clone(),
        capacity: row.capacity,
        occupancy: row.occupancy,
        note: row.note.clone(),
        facility_term_ids: facility_ids.join(","),
        valid_until: row.valid_until,
        partner_id: partner_id.map(str::to_owned),
        reason: reason.as_str().to_owned(),
        version: row.version,
        at: row.last_modified,
    };
    hub_status_event::Entity::insert(hub_status_event::ActiveModel::from(event.clone()))
        .exec(txn)
        .await?;
    Ok(event)
}

/// Creates a hub at `location` (read in this transaction). Its status
/// starts as the location's opening hours say now (open when they say
/// nothing). Organisation and area are the location's.
pub async fn create_hub(
    txn: &impl ConnectionTrait,
    location: &location::Model,
    new: &NewHub,
    partner_id: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<Outcome<Written>> {
    let mut errors = Vec::new();
    if new.name.trim().is_empty() {
        errors.push(UserError::new(&["name"], "REQUIRED", "the name must not be empty"));
    } else {
        check_text(&mut errors, &["name"], &new.name, NAME_MAX);
    }
    if new.kinds.is_empty() {
        errors.push(UserError::new(&["kinds"], "REQUIRED", "at least one kind"));
    }
    check_capacity(&mut errors, "capacity", new.capacity);
    check_facilities(txn, &mut errors, &new.facility_term_ids).await?;
    let organization_id = location.organization_id.clone();
    let area_code = location.area_code.clone();
    if organization_id.is_none() {
        errors.push(UserError::new(
            &["locationId"],
            "INVALID",
            "the location belongs to no organization",
        ));
    }
    if area_code.is_none() {
        errors.push(UserError::new(
            &["locationId"],
            "INVALID",
            "the location lies in no known council area (no coordinates or postcode)",
        ));
    }
    let taken = hub::Entity::find()
        .filter(hub::Column::LocationId.eq(location.id.clone()))
        .one(txn)
        .await?;
    if taken.is_some() {
        errors.push(UserError::new(
            &["locationId"],
            "INVALID",
            "the location already has a hub",
        ));
    }
    let (Some(organization_id), Some(area_code), true) = (organization_id, area_code, errors.is_empty()) else {
        return Ok(Err(errors));
    };
    let schedules = location_schedules(txn, &location.id).await?;
    let status = HubStatus::from_schedule(&schedules, now).unwrap_or(HubStatus::Open);
    let row = hub::Model {
        id: uuid::Uuid::new_v4().to_string(),
        location_id: location.id.clone(),
        organization_id,
        area_code,
        name: new.name.trim().to_owned(),
        kinds: HubKind::join(&new.kinds),
        status: status.as_str().to_owned(),
        capacity: new.capacity,
        occupancy: None,
        note: None,
        valid_until: None,
        version: 1,
        created_at: now,
        last_modified: now,
    };
    hub::Entity::insert(hub::ActiveModel::from(row.clone()))
        .exec(txn)
        .await?;
    let facilities = new.facility_term_ids.clone().unwrap_or_default();
    replace_facilities(txn, &row.id, &facilities).await?;
    let facilities = facility_ids(txn, &row.id).await?;
    let event = append_event(txn, &row, &facilities, partner_id, Reason::Created).await?;
    Ok(Ok(Written { hub: row, event }))
}

/// Moves the hub at `location_id` (if any) into `area_code`, the area its
/// location now lies in: a hub's area is its location's, not a copy that
/// ages. The hub's version goes up (its status history does not: the
/// status did not change). Returns the hub when it moved.
pub async fn follow_location_area(
    txn: &impl ConnectionTrait,
    location_id: &str,
    area_code: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<hub::Model>> {
    let Some(existing) = hub::Entity::find()
        .filter(hub::Column::LocationId.eq(location_id))
        .one(txn)
        .await?
    else {
        return Ok(None);
    };
    if existing.area_code == area_code {
        return Ok(None);
    }
    let mut row = existing.clone();
    row.area_code = area_code.to_owned();
    row.version = existing.version + 1;
    row.last_modified = now;
    let result = hub::Entity::update_many()
        .col_expr(
            hub::Column::AreaCode,
            sea_orm::sea_query::Expr::value(row.area_code.clone()),
        )
        .col_expr(hub::Column::Version, sea_orm::sea_query::Expr::value(row.version))
        .col_expr(
            hub::Column::LastModified,
            sea_orm::sea_query::Expr::value(row.last_modified),
        )
        .filter(hub::Column::Id.eq(existing.id.clone()))
        .filter(hub::Column::Version.eq(existing.version))
        .exec(txn)
        .await?;
    if result.rows_affected == 0 {
        let current = hub::Entity::find_by_id(existing.id.clone())
            .one(txn)
            .await?
            .map_or(existing.version, |h| h.version);
        return Err(conflict(current));
    }
    Ok(Some(row))
}

/// Changes the status of `existing` (read in this transaction). A stale
/// `expected_version` is a `Conflict` carrying the current version.
pub async fn update_status(
    txn: &impl ConnectionTrait,
    existing: hub::Model,
    change: &StatusChange,
    expected_version: Option<i32>,
    partner_id: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<Outcome<Written>> {
    if let Some(expected) = expected_version
        && expected != existing.version
    {
        return Err(conflict(existing.version));
    }
    let mut errors = Vec::new();
    check_capacity(&mut errors, "capacity", change.capacity);
    check_capacity(&mut errors, "occupancy", change.occupancy);
    let closing = change.status == HubStatus::Closed;
    if closing && change.occupancy.is_some_and(|n| n > 0) {
        errors.push(UserError::new(
            &["occupancy"],
            "INVALID",
            "a closed hub has nobody in it: leave occupancy out (closing clears it)",
        ));
    }
    let capacity = if change.clears("capacity") {
        None
    } else {
        change.capacity.or(existing.capacity)
    };
    let occupancy = if closing || change.clears("occupancy") {
        None
    } else {
        change.occupancy.or(existing.occupancy)
    };
    if let (Some(capacity), Some(occupancy)) = (capacity, occupancy)
        && occupancy > capacity
    {
        errors.push(UserError::new(
            &["occupancy"],
            "INVALID",
            format!("occupancy {occupancy} is above the capacity of {capacity}"),
        ));
    }
    if let Some(note) = &change.note {
        check_text(&mut errors, &["note"], note, NOTE_MAX);
    }
    if change.valid_until.is_some_and(|until| until <= now) {
        errors.push(UserError::new(&["validUntil"], "INVALID", "must be in the future"));
    }
    check_facilities(txn, &mut errors, &change.facility_term_ids).await?;
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let mut row = existing.clone();
    row.status = change.status.as_str().to_owned();
    row.capacity = capacity;
    row.occupancy = occupancy;
    if let Some(note) = &change.note {
        // An empty note clears it, as a null does.
        row.note = Some(note.trim().to_owned()).filter(|n| !n.is_empty());
    } else if change.clears("note") {
        row.note = None;
    }
    row.valid_until = change.valid_until;
    let row = save_new_version(txn, &existing, row, now).await?;
    if let Some(ids) = &change.facility_term_ids {
        replace_facilities(txn, &row.id, ids).await?;
    } else if change.clears("facilityTermIds") {
        replace_facilities(txn, &row.id, &[]).await?;
    }
    let facilities = facility_ids(txn, &row.id).await?;
    let event = append_event(txn, &row, &facilities, partner_id, Reason::Updated).await?;
    Ok(Ok(Written { hub: row, event }))
}

/// Writes `row` as the next version of `existing`, conditional on the
/// version read: of two writers that read version n only one writes n + 1.
async fn save_new_version(
    txn: &impl ConnectionTrait,
    existing: &hub::Model,
    mut row: hub::Model,
    now: DateTime<Utc>,
) -> AppResult<hub::Model> {
    row.version = existing.version + 1;
    // Never before the previous change, even if clocks of two instances differ.
    row.last_modified = now.max(existing.last_modified);
    let mut active = hub::ActiveModel::from(row.clone()).reset_all();
    active.id = sea_orm::ActiveValue::NotSet;
    active.created_at = sea_orm::ActiveValue::NotSet;
    let written = crate::db::update_if_version::<hub::Entity>(
        txn,
        active,
        hub::Column::Id,
        &existing.id,
        hub::Column::Version,
        existing.version,
    )
    .await?;
    if !written {
        let current = find_hub(txn, &existing.id)
            .await?
            .map_or(existing.version, |h| h.version);
        return Err(conflict(current));
    }
    Ok(row)
}

/// Hubs whose manual status has run out by `now`, oldest deadline first.
pub async fn due_for_expiry(db: &impl ConnectionTrait, now: DateTime<Utc>, limit: u64) -> AppResult<Vec<String>> {
    use sea_orm::QuerySelect;
    Ok(hub::Entity::find()
        .select_only()
        .column(hub::Column::Id)
        .filter(hub::Column::ValidUntil.lte(now))
        .order_by_asc(hub::Column::ValidUntil)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await?)
}

/// Ends the manual status of hub `id` if it ran out by `now`: the status
/// becomes what the location's opening hours say (or stays, when they say
/// nothing), `valid_until` is cleared and an `expired` event is appended.
/// `None` when there was nothing to do (another instance did it first).
pub async fn expire(txn: &impl ConnectionTrait, id: &str, now: DateTime<Utc>) -> AppResult<Option<Written>> {
    let Some(existing) = find_hub(txn, id).await? else {
        return Ok(None);
    };
    if existing.valid_until.is_none_or(|until| until > now) {
        return Ok(None);
    }
    let schedules = location_schedules(txn, &existing.location_id).await?;
    let mut row = existing.clone();
    if let Some(status) = HubStatus::from_schedule(&schedules, now) {
        row.status = status.as_str().to_owned();
        if status == HubStatus::Closed {
            row.occupancy = None;
        }
    }
    row.valid_until = None;
    let row = match save_new_version(txn, &existing, row, now).await {
        Ok(row) => row,
        // Changed since it was read: whoever changed it decided.
        Err(AppError::Conflict { .. }) => return Ok(None),
        Err(other) => return Err(other),
    };
    let facilities = facility_ids(txn, &row.id).await?;
    let event = append_event(txn, &row, &facilities, None, Reason::Expired).await?;
    Ok(Some(Written { hub: row, event }))
}

/// The facility ids recorded on an event.
pub fn event_facility_ids(event: &hub_status_event::Model) -> Vec<String> {
    split_ids(&event.facility_term_ids)
}
