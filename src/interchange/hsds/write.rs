//! Writing flattened HSDS records: references checked, rows merged, compared
//! with what is stored, and only the differences written, all in the
//! caller's transaction.
//!
//! Re-importing the same data therefore writes nothing: no new versions, no
//! audit rows, no change-feed entries. A top-level record (organization,
//! service, location) gets a new version and `last_modified` when its own row
//! or any row under it changed, and one audit row (`service.import`, ...).
//! A list the document gives in full replaces the stored one: rows no longer
//! listed lose that owner, and go when no owner is left.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::str::FromStr;

use chrono::{DateTime, Utc};
use entity::*;
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, IntoActiveModel,
    QueryFilter, QuerySelect,
};

use super::map::{Flat, Problem, Root};
use crate::bulk::DirectoryData;
use crate::error::{AppError, AppResult};
use crate::hubs;
use crate::partners::audit;
use crate::services::{location_writes, text};

/// Ids per `IN (...)` list and rows per multi-row INSERT: under both
/// databases' bound-parameter limits for the widest table.
const CHUNK: usize = 500;

/// What writing a batch did to the top-level records.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

impl std::ops::AddAssign for Written {
    fn add_assign(&mut self, other: Written) {
        self.created += other.created;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
    }
}

// ---- rows ------------------------------------------------------------------------

/// A child table's row: its id, the columns naming its owners, and how a row
/// read from a document takes over what only the store knows.
pub trait Row:
    std::fmt::Debug + Clone + PartialEq + Send + Sync + FromQueryResult + IntoActiveModel<Self::Active> + 'static
{
    type Entity: EntityTrait<Model = Self>;
    type Active: ActiveModelTrait<Entity = Self::Entity> + ActiveModelBehavior + Send + From<Self>;
    const TABLE: &'static str;
    fn id(&self) -> &str;
    /// The id in an owner column (`service_id`, ...), if the row has one there.
    fn owner(&self, column: &str) -> Option<&str>;
    /// Drops the row from an owner; `false` when no owner is left (the row goes).
    fn release(&mut self, column: &str) -> bool;
    /// Owners the store has and the document does not name are kept: one
    /// document lists a phone under a service, another the same phone under
    /// its location.
    fn absorb(&mut self, stored: &Self);
    /// When only owner columns differ from `stored`, their names: the row
    /// joined (or left) those owners' lists and nothing else changed.
    fn owners_changed(&self, stored: &Self) -> Option<Vec<&'static str>>;
}

/// Implements `Row` for a table whose owners are optional columns
/// (`optional`) or one required column (`required`).
macro_rules! row {
    ($module:ident, optional: [$($opt:ident),*], required: [$($req:ident),*] $(, keep: [$($keep:ident),*])?) => {
        impl Row for $module::Model {
            type Entity = $module::Entity;
            type Active = $module::ActiveModel;
            const TABLE: &'static str = stringify!($module);
            fn id(&self) -> &str {
                &self.id
            }
            fn owner(&self, column: &str) -> Option<&str> {
                match column {
                    $(stringify!($opt) => self.$opt.as_deref(),)*
                    $(stringify!($req) => Some(self.$req.as_str()),)*
                    _ => None,
                }
            }
            /// A row with a required owner goes with it.
            fn release(&mut self, column: &str) -> bool {
                $(if column == stringify!($opt) { self.$opt = None; })*
                let _ = column;
                false $(|| self.$opt.is_some())*
            }
            fn absorb(&mut self, stored: &Self) {
                $(if self.$opt.is_none() { self.$opt = stored.$opt.clone(); })*
                $($(if self.$keep.is_none() { self.$keep = stored.$keep.clone(); })*)?
                let _ = stored;
            }
            fn owners_changed(&self, stored: &Self) -> Option<Vec<&'static str>> {
                #[allow(unused_mut)]
                let mut others = self.clone();
                $(others.$opt = stored.$opt.clone();)*
                if others != *stored {
                    return None;
                }
                #[allow(unused_mut)]
                let mut changed = Vec::new();
                $(if self.$opt != stored.$opt { changed.push(stringify!($opt)); })*
                Some(changed)
            }
        }
    };
}

row!(organization_identifier, optional: [], required: [organization_id]);
row!(address, optional: [location_id], required: []);
row!(accessibility, optional: [location_id], required: []);
row!(service_at_location, optional: [], required: [service_id]);
row!(service_area, optional: [service_id, service_at_location_id], required: [], keep: [area_code]);
row!(contact, optional: [organization_id, service_id, service_at_location_id, location_id], required: []);
row!(phone, optional: [location_id, service_id, organization_id, contact_id, service_at_location_id], required: []);
row!(schedule, optional: [service_id, location_id, service_at_location_id], required: []);
row!(attribute, optional: [], required: [link_id]);
row!(language, optional: [service_id, location_id, phone_id], required: []);
row!(cost_option, optional: [], required: [service_id]);
row!(taxonomy, optional: [], required: []);
row!(taxonomy_term, optional: [], required: []);

/// Rows with the same id merge: owners add up, the last one's fields win.
pub fn dedupe<R: Row>(rows: Vec<R>) -> Vec<R> {
    let mut at: HashMap<String, usize> = HashMap::with_capacity(rows.len());
    let mut merged: Vec<R> = Vec::with_capacity(rows.len());
    for row in rows {
        match at.get(row.id()) {
            Some(&i) => {
                let mut row = row;
                row.absorb(&merged[i]);
                merged[i] = row;
            }
            None => {
                at.insert(row.id().to_owned(), merged.len());
                merged.push(row);
            }
        }
    }
    merged
}

fn id_column<E: EntityTrait>() -> AppResult<E::Column> {
    E::Column::from_str("id").map_err(|_| AppError::Internal("table without an id column".into()))
}

async fn stored<R: Row>(db: &impl ConnectionTrait, ids: &[String]) -> AppResult<HashMap<String, R>> {
    let column = id_column::<R::Entity>()?;
    let mut found = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        for row in R::Entity::find().filter(column.is_in(chunk.to_vec())).all(db).await? {
            found.insert(row.id().to_owned(), row);
        }
    }
    Ok(found)
}

/// Which of `ids` exist in `table` (for reference checks).
async fn existing_ids<E: EntityTrait>(db: &impl ConnectionTrait, ids: Vec<String>) -> AppResult<HashSet<String>> {
    let column = id_column::<E>()?;
    let mut found = HashSet::new();
    for chunk in ids.chunks(CHUNK) {
        let rows: Vec<String> = E::find()
            .select_only()
            .column(column)
            .filter(column.is_in(chunk.to_vec()))
            .into_tuple()
            .all(db)
            .await?;
        found.extend(rows);
    }
    Ok(found)
}

/// The tables of top-level records.
const TOP_LEVEL: [&str; 3] = ["organization", "service", "location"];

/// The inserts and updates a table needs.
struct Plan<R> {
    insert: Vec<R>,
    update: Vec<R>,
}

/// Compares rows read from documents with the stored ones; every row that
/// changes marks its top-level records in `changed`.
async fn plan<R: Row>(
    db: &impl ConnectionTrait,
    rows: Vec<R>,
    roots: &HashMap<String, Vec<Root>>,
    changed: &mut HashSet<Root>,
) -> AppResult<Plan<R>> {
    let rows = dedupe(rows);
    let ids: Vec<String> = rows.iter().map(|r| r.id().to_owned()).collect();
    let stored = stored::<R>(db, &ids).await?;
    let mut plan = Plan {
        insert: Vec::new(),
        update: Vec::new(),
    };
    for mut row in rows {
        // A row that only joined another owner's list changes that owner,
        // not the others it was already listed under.
        let mut only: Option<Vec<&'static str>> = None;
        let target = match stored.get(row.id()) {
            Some(old) => {
                row.absorb(old);
                if row == *old {
                    continue;
                }
                only = row
                    .owners_changed(old)
                    .map(|columns| columns.iter().map(|c| c.trim_end_matches("_id")).collect())
                    .filter(|tables: &Vec<&str>| tables.iter().all(|t| TOP_LEVEL.contains(t)));
                &mut plan.update
            }
            None => &mut plan.insert,
        };
        if let Some(roots) = roots.get(&format!("{}:{}", R::TABLE, row.id())) {
            let marked = roots
                .iter()
                .filter(|root| only.as_ref().is_none_or(|tables| tables.contains(&root.table)));
            changed.extend(marked.cloned());
        }
        target.push(row);
    }
    Ok(plan)
}

async fn execute<R: Row>(db: &impl ConnectionTrait, plan: Plan<R>) -> AppResult<()> {
    for chunk in plan.insert.chunks(CHUNK / 2) {
        let models: Vec<R::Active> = chunk.iter().cloned().map(IntoActiveModel::into_active_model).collect();
        R::Entity::insert_many(models).exec_without_returning(db).await?;
    }
    for row in plan.update {
        // `reset_all`: a model converted as it is counts as unchanged.
        R::Active::from(row).reset_all().update(db).await?;
    }
    Ok(())
}

/// Rows of lists given in full that the documents no longer list: each
/// loses that owner, and goes when it has none left. Owners new in this
/// batch have nothing stored under them and are skipped.
async fn release_unlisted<R: Row>(
    db: &impl ConnectionTrait,
    lists: &[super::map::ListScope],
    new_owners: &HashSet<String>,
    desired: &HashSet<String>,
    changed: &mut HashSet<Root>,
) -> AppResult<()> {
    let mut by_column: HashMap<&str, Vec<&super::map::ListScope>> = HashMap::new();
    for list in lists
        .iter()
        .filter(|l| l.table == R::TABLE && !new_owners.contains(&l.owner_id))
    {
        by_column.entry(list.owner_column).or_default().push(list);
    }
    for (column_name, lists) in by_column {
        let column = <R::Entity as EntityTrait>::Column::from_str(column_name)
            .map_err(|_| AppError::Internal(format!("{} has no column {column_name}", R::TABLE)))?;
        let keep: HashMap<&str, (&Vec<String>, &Root)> = lists
            .iter()
            .map(|l| (l.owner_id.as_str(), (&l.keep, &l.root)))
            .collect();
        let owners: Vec<String> = keep.keys().map(|k| (*k).to_owned()).collect();
        let mut gone = Vec::new();
        for chunk in owners.chunks(CHUNK) {
            let rows = R::Entity::find().filter(column.is_in(chunk.to_vec())).all(db).await?;
            for mut row in rows {
                let Some(owner) = row.owner(column_name).map(str::to_owned) else {
                    continue;
                };
                let Some((listed, root)) = keep.get(owner.as_str()) else {
                    continue;
                };
                if listed.iter().any(|id| id == row.id()) {
                    continue;
                }
                changed.insert((*root).clone());
                if desired.contains(row.id()) {
                    // Moved to another owner in this batch: its update rewrites the owners.
                    continue;
                }
                if row.release(column_name) {
                    R::Active::from(row).reset_all().update(db).await?;
                } else {
                    gone.push(row.id().to_owned());
                }
            }
        }
        let id = id_column::<R::Entity>()?;
        for chunk in gone.chunks(CHUNK) {
            R::Entity::delete_many()
                .filter(id.is_in(chunk.to_vec()))
                .exec(db)
                .await?;
        }
    }
    Ok(())
}

// ---- references ------------------------------------------------------------------

/// A reference from a row to another table's row.
struct Reference {
    target: &'static str,
    id: String,
    /// Where it comes from, for the report: `service 1234 organization_id`.
    from: String,
    /// A missing link in a nullable column is dropped with a warning (the
    /// official examples have several); a missing required owner (a
    /// service's organization, an attribute's term) rejects the record.
    optional: bool,
}

fn references(rows: &DirectoryData) -> Vec<Reference> {
    let mut refs = Vec::new();
    let mut add = |target: &'static str, id: &Option<String>, table: &str, row: &str, column: &str, optional: bool| {
        if let Some(id) = id {
            refs.push(Reference {
                target,
                id: id.clone(),
                from: format!("{table} {row} {column}"),
                optional,
            });
        }
    };
    for r in &rows.organizations {
        add(
            "organization",
            &r.parent_organization_id,
            "organization",
            &r.id,
            "parent_organization_id",
            true,
        );
    }
    for r in &rows.organization_identifiers {
        add(
            "organization",
            &Some(r.organization_id.clone()),
            "organization_identifier",
            &r.id,
            "organization_id",
            false,
        );
    }
    for r in &rows.services {
        add(
            "organization",
            &Some(r.organization_id.clone()),
            "service",
            &r.id,
            "organization_id",
            false,
        );
    }
    for r in &rows.locations {
        add(
            "organization",
            &r.organization_id,
            "location",
            &r.id,
            "organization_id",
            true,
        );
    }
    for r in &rows.service_at_locations {
        add(
            "service",
            &Some(r.service_id.clone()),
            "service_at_location",
            &r.id,
            "service_id",
            false,
        );
        add(
            "location",
            &Some(r.location_id.clone()),
            "service_at_location",
            &r.id,
            "location_id",
            false,
        );
    }
    for r in &rows.taxonomy_terms {
        add("taxonomy_term", &r.parent_id, "taxonomy_term", &r.id, "parent_id", true);
        add("taxonomy", &r.taxonomy_id, "taxonomy_term", &r.id, "taxonomy_id", true);
    }
    for r in &rows.attributes {
        add(
            "taxonomy_term",
            &Some(r.taxonomy_term_id.clone()),
            "attribute",
            &r.id,
            "taxonomy_term_id",
            false,
        );
    }
    for r in &rows.addresses {
        add("location", &r.location_id, "address", &r.id, "location_id", true);
    }
    for r in &rows.accessibilities {
        add("location", &r.location_id, "accessibility", &r.id, "location_id", true);
    }
    for r in &rows.phones {
        add("location", &r.location_id, "phone", &r.id, "location_id", true);
        add("service", &r.service_id, "phone", &r.id, "service_id", true);
        add(
            "organization",
            &r.organization_id,
            "phone",
            &r.id,
            "organization_id",
            true,
        );
        add("contact", &r.contact_id, "phone", &r.id, "contact_id", true);
        add(
            "service_at_location",
            &r.service_at_location_id,
            "phone",
            &r.id,
            "service_at_location_id",
            true,
        );
    }
    for r in &rows.schedules {
        add("service", &r.service_id, "schedule", &r.id, "service_id", true);
        add("location", &r.location_id, "schedule", &r.id, "location_id", true);
        add(
            "service_at_location",
            &r.service_at_location_id,
            "schedule",
            &r.id,
            "service_at_location_id",
            true,
        );
    }
    for r in &rows.languages {
        add("service", &r.service_id, "language", &r.id, "service_id", true);
        add("location", &r.location_id, "language", &r.id, "location_id", true);
        add("phone", &r.phone_id, "language", &r.id, "phone_id", true);
    }
    for r in &rows.contacts {
        add(
            "organization",
            &r.organization_id,
            "contact",
            &r.id,
            "organization_id",
            true,
        );
        add("service", &r.service_id, "contact", &r.id, "service_id", true);
        add(
            "service_at_location",
            &r.service_at_location_id,
            "contact",
            &r.id,
            "service_at_location_id",
            true,
        );
        add("location", &r.location_id, "contact", &r.id, "location_id", true);
    }
    for r in &rows.service_areas {
        add("service", &r.service_id, "service_area", &r.id, "service_id", true);
        add(
            "service_at_location",
            &r.service_at_location_id,
            "service_area",
            &r.id,
            "service_at_location_id",
            true,
        );
    }
    for r in &rows.cost_options {
        add(
            "service",
            &Some(r.service_id.clone()),
            "cost_option",
            &r.id,
            "service_id",
            false,
        );
    }
    refs
}

/// Every `table:id` a batch defines.
fn defined(rows: &DirectoryData, into: &mut HashSet<String>) {
    let mut add = |table: &str, id: &str| {
        into.insert(format!("{table}:{id}"));
    };
    rows.organizations.iter().for_each(|r| add("organization", &r.id));
    rows.services.iter().for_each(|r| add("service", &r.id));
    rows.locations.iter().for_each(|r| add("location", &r.id));
    rows.service_at_locations
        .iter()
        .for_each(|r| add("service_at_location", &r.id));
    rows.taxonomies.iter().for_each(|r| add("taxonomy", &r.id));
    rows.taxonomy_terms.iter().for_each(|r| add("taxonomy_term", &r.id));
    rows.contacts.iter().for_each(|r| add("contact", &r.id));
    rows.phones.iter().for_each(|r| add("phone", &r.id));
}

/// Drops a missing optional link from the rows: every nullable column
/// naming that record of that table.
fn drop_link(rows: &mut DirectoryData, reference: &Reference) {
    let clear = |value: &mut Option<String>| {
        if value.as_deref() == Some(reference.id.as_str()) {
            *value = None;
        }
    };
    match reference.target {
        "organization" => {
            rows.organizations
                .iter_mut()
                .for_each(|r| clear(&mut r.parent_organization_id));
            rows.locations.iter_mut().for_each(|r| clear(&mut r.organization_id));
            rows.phones.iter_mut().for_each(|r| clear(&mut r.organization_id));
            rows.contacts.iter_mut().for_each(|r| clear(&mut r.organization_id));
        }
        "service" => {
            rows.phones.iter_mut().for_each(|r| clear(&mut r.service_id));
            rows.schedules.iter_mut().for_each(|r| clear(&mut r.service_id));
            rows.languages.iter_mut().for_each(|r| clear(&mut r.service_id));
            rows.contacts.iter_mut().for_each(|r| clear(&mut r.service_id));
            rows.service_areas.iter_mut().for_each(|r| clear(&mut r.service_id));
        }
        "location" => {
            rows.addresses.iter_mut().for_each(|r| clear(&mut r.location_id));
            rows.accessibilities.iter_mut().for_each(|r| clear(&mut r.location_id));
            rows.phones.iter_mut().for_each(|r| clear(&mut r.location_id));
            rows.schedules.iter_mut().for_each(|r| clear(&mut r.location_id));
            rows.languages.iter_mut().for_each(|r| clear(&mut r.location_id));
            rows.contacts.iter_mut().for_each(|r| clear(&mut r.location_id));
        }
        "service_at_location" => {
            rows.phones
                .iter_mut()
                .for_each(|r| clear(&mut r.service_at_location_id));
            rows.schedules
                .iter_mut()
                .for_each(|r| clear(&mut r.service_at_location_id));
            rows.contacts
                .iter_mut()
                .for_each(|r| clear(&mut r.service_at_location_id));
            rows.service_areas
                .iter_mut()
                .for_each(|r| clear(&mut r.service_at_location_id));
        }
        "contact" => rows.phones.iter_mut().for_each(|r| clear(&mut r.contact_id)),
        "phone" => rows.languages.iter_mut().for_each(|r| clear(&mut r.phone_id)),
        "taxonomy_term" => rows.taxonomy_terms.iter_mut().for_each(|r| clear(&mut r.parent_id)),
        "taxonomy" => rows.taxonomy_terms.iter_mut().for_each(|r| clear(&mut r.taxonomy_id)),
        _ => {}
    }
}

/// Checks every record's references against the batch and the store.
/// Records with a missing owner come back as problems (and leave the batch,
/// which may make others fail in turn); missing optional links are dropped
/// with a warning.
pub async fn check_references(
    db: &impl ConnectionTrait,
    records: Vec<Flat>,
) -> AppResult<(Vec<(usize, Flat)>, Vec<(usize, Problem)>)> {
    let all_refs: Vec<Vec<Reference>> = records.iter().map(|f| references(&f.rows)).collect();
    let mut in_batch = HashSet::new();
    records.iter().for_each(|f| defined(&f.rows, &mut in_batch));
    let mut wanted: HashMap<&'static str, BTreeSet<String>> = HashMap::new();
    for reference in all_refs.iter().flatten() {
        if !in_batch.contains(&format!("{}:{}", reference.target, reference.id)) {
            wanted.entry(reference.target).or_default().insert(reference.id.clone());
        }
    }
    let mut stored: HashSet<String> = HashSet::new();
    for (table, ids) in wanted {
        let ids: Vec<String> = ids.into_iter().collect();
        let found = match table {
            "organization" => existing_ids::<organization::Entity>(db, ids).await?,
            "service" => existing_ids::<service::Entity>(db, ids).await?,
            "location" => existing_ids::<location::Entity>(db, ids).await?,
            "service_at_location" => existing_ids::<service_at_location::Entity>(db, ids).await?,
            "taxonomy" => existing_ids::<taxonomy::Entity>(db, ids).await?,
            "taxonomy_term" => existing_ids::<taxonomy_term::Entity>(db, ids).await?,
            "contact" => existing_ids::<contact::Entity>(db, ids).await?,
            "phone" => existing_ids::<phone::Entity>(db, ids).await?,
            _ => HashSet::new(),
        };
        stored.extend(found.into_iter().map(|id| format!("{table}:{id}")));
    }
    // A rejected record's rows are not there for the others: repeat until no more go.
    let mut records: Vec<(usize, Flat, Vec<Reference>)> = records
        .into_iter()
        .zip(all_refs)
        .enumerate()
        .map(|(i, (f, r))| (i, f, r))
        .collect();
    let mut problems = Vec::new();
    loop {
        let mut known = stored.clone();
        records.iter().for_each(|(_, f, _)| defined(&f.rows, &mut known));
        let before = records.len();
        let mut kept = Vec::with_capacity(records.len());
        for (i, mut flat, refs) in records {
            let mut missing = None;
            for reference in &refs {
                if known.contains(&format!("{}:{}", reference.target, reference.id)) {
                    continue;
                }
                if reference.optional {
                    drop_link(&mut flat.rows, reference);
                    flat.warnings.push(Problem {
                        pointer: String::new(),
                        reason: format!(
                            "{}: no {} {} here: the link is dropped",
                            reference.from, reference.target, reference.id
                        ),
                    });
                } else {
                    missing = Some(format!(
                        "{}: no {} {} in the data or the database",
                        reference.from, reference.target, reference.id
                    ));
                    break;
                }
            }
            match missing {
                Some(reason) => problems.push((
                    i,
                    Problem {
                        pointer: String::new(),
                        reason,
                    },
                )),
                None => kept.push((i, flat, refs)),
            }
        }
        records = kept;
        if records.len() == before {
            break;
        }
        // Warnings of optional links were already recorded: check only owners again.
        for (_, _, refs) in records.iter_mut() {
            refs.retain(|r| !r.optional);
        }
    }
    Ok((records.into_iter().map(|(i, f, _)| (i, f)).collect(), problems))
}

// ---- top-level records -----------------------------------------------------------

/// A top-level table: versioned, audited, in the change feed.
trait Versioned: Row {
    fn version(&self) -> i32;
    /// Takes the store's version, creation time and computed columns, so
    /// that equality compares only what documents carry.
    fn settle(&mut self, stored: &Self);
    fn bump(&mut self, now: DateTime<Utc>);
}

macro_rules! versioned {
    ($module:ident $(, keep: [$($keep:ident),*])?) => {
        impl Row for $module::Model {
            type Entity = $module::Entity;
            type Active = $module::ActiveModel;
            const TABLE: &'static str = stringify!($module);
            fn id(&self) -> &str {
                &self.id
            }
            fn owner(&self, _column: &str) -> Option<&str> {
                None
            }
            fn release(&mut self, _column: &str) -> bool {
                false
            }
            fn absorb(&mut self, _stored: &Self) {}
            fn owners_changed(&self, _stored: &Self) -> Option<Vec<&'static str>> {
                None
            }
        }
        impl Versioned for $module::Model {
            fn version(&self) -> i32 {
                self.version
            }
            fn settle(&mut self, stored: &Self) {
                self.version = stored.version;
                self.created_at = stored.created_at;
                self.last_modified = stored.last_modified;
                $($(if self.$keep.is_none() { self.$keep = stored.$keep.clone(); })*)?
            }
            fn bump(&mut self, now: DateTime<Utc>) {
                self.version += 1;
                self.last_modified = now;
            }
        }
    };
}

versioned!(organization);
versioned!(service);
versioned!(location, keep: [area_code]);

/// New, changed and unchanged top-level rows.
struct TopPlan<R> {
    insert: Vec<R>,
    /// (row as it will be, version read)
    update: Vec<(R, i32)>,
    /// Ids of rows the documents give as they are stored.
    unchanged: HashSet<String>,
}

async fn plan_top<R: Versioned>(
    db: &impl ConnectionTrait,
    rows: Vec<R>,
    changed: &HashSet<Root>,
    now: DateTime<Utc>,
) -> AppResult<TopPlan<R>> {
    let rows = dedupe(rows);
    let ids: Vec<String> = rows.iter().map(|r| r.id().to_owned()).collect();
    let stored = stored::<R>(db, &ids).await?;
    let mut plan = TopPlan {
        insert: Vec::new(),
        update: Vec::new(),
        unchanged: HashSet::new(),
    };
    for mut row in rows {
        match stored.get(row.id()) {
            None => plan.insert.push(row),
            Some(old) => {
                row.settle(old);
                let root = Root {
                    table: R::TABLE,
                    id: row.id().to_owned(),
                };
                if row == *old && !changed.contains(&root) {
                    plan.unchanged.insert(root.id);
                } else {
                    row.bump(now);
                    plan.update.push((row, old.version()));
                }
            }
        }
    }
    Ok(plan)
}

async fn execute_top<R: Versioned>(db: &impl ConnectionTrait, plan: &TopPlan<R>) -> AppResult<()> {
    for chunk in plan.insert.chunks(CHUNK / 5) {
        let models: Vec<R::Active> = chunk.iter().cloned().map(IntoActiveModel::into_active_model).collect();
        R::Entity::insert_many(models).exec_without_returning(db).await?;
    }
    let id = id_column::<R::Entity>()?;
    let version = <R::Entity as EntityTrait>::Column::from_str("version")
        .map_err(|_| AppError::Internal("table without a version column".into()))?;
    for (row, read) in &plan.update {
        // Conditional on the version read, as the GraphQL writes are: a write
        // that slipped in between fails the batch rather than being lost.
        let result = R::Entity::update_many()
            .set(R::Active::from(row.clone()).reset_all())
            .filter(id.eq(row.id().to_owned()))
            .filter(version.eq(*read))
            .exec(db)
            .await?;
        if result.rows_affected == 0 {
            return Err(crate::services::writes::conflict(*read));
        }
    }
    Ok(())
}

async fn audit_top<R: Versioned>(db: &impl ConnectionTrait, plan: &TopPlan<R>) -> AppResult<()> {
    let table = R::TABLE;
    for row in &plan.insert {
        audit::record(db, None, &format!("{table}.import"), table, row.id(), &["hsds"], None).await?;
    }
    for (row, _) in &plan.update {
        audit::record(db, None, &format!("{table}.import"), table, row.id(), &["hsds"], None).await?;
    }
    Ok(())
}

/// Orders rows so that a parent named in the same batch comes first.
fn parents_first<R: Clone>(rows: Vec<R>, id: impl Fn(&R) -> &str, parent: impl Fn(&R) -> Option<&str>) -> Vec<R> {
    let in_batch: HashSet<String> = rows.iter().map(|r| id(r).to_owned()).collect();
    let mut placed: HashSet<String> = HashSet::new();
    let mut ordered = Vec::with_capacity(rows.len());
    let mut pending = rows;
    while !pending.is_empty() {
        let before = pending.len();
        let mut rest = Vec::new();
        for row in pending {
            let ready = parent(&row).is_none_or(|p| !in_batch.contains(p) || placed.contains(p));
            if ready {
                placed.insert(id(&row).to_owned());
                ordered.push(row);
            } else {
                rest.push(row);
            }
        }
        if rest.len() == before {
            // A cycle: let the database's foreign key report it.
            ordered.extend(rest);
            break;
        }
        pending = rest;
    }
    ordered
}

/// Writes checked records in the caller's transaction.
pub async fn write(db: &impl ConnectionTrait, records: Vec<Flat>, now: DateTime<Utc>) -> AppResult<Written> {
    let mut rows = DirectoryData::default();
    let mut lists = Vec::new();
    let mut roots: HashMap<String, Vec<Root>> = HashMap::new();
    for flat in records {
        let r = flat.rows;
        rows.taxonomies.extend(r.taxonomies);
        rows.taxonomy_terms.extend(r.taxonomy_terms);
        rows.organizations.extend(r.organizations);
        rows.organization_identifiers.extend(r.organization_identifiers);
        rows.locations.extend(r.locations);
        rows.addresses.extend(r.addresses);
        rows.accessibilities.extend(r.accessibilities);
        rows.services.extend(r.services);
        rows.service_at_locations.extend(r.service_at_locations);
        rows.service_areas.extend(r.service_areas);
        rows.contacts.extend(r.contacts);
        rows.phones.extend(r.phones);
        rows.schedules.extend(r.schedules);
        rows.attributes.extend(r.attributes);
        rows.languages.extend(r.languages);
        rows.cost_options.extend(r.cost_options);
        lists.extend(flat.lists);
        for (key, r) in flat.roots {
            roots.entry(key).or_default().extend(r);
        }
    }
    let mut changed: HashSet<Root> = HashSet::new();

    // Owners that are new have nothing stored under them.
    let mut new_owners: HashSet<String> = HashSet::new();
    let mut desired: HashSet<String> = HashSet::new();
    macro_rules! note {
        ($rows:expr) => {
            desired.extend($rows.iter().map(|r| r.id.clone()));
        };
    }
    note!(rows.organization_identifiers);
    note!(rows.addresses);
    note!(rows.accessibilities);
    note!(rows.service_at_locations);
    note!(rows.service_areas);
    note!(rows.contacts);
    note!(rows.phones);
    note!(rows.schedules);
    note!(rows.attributes);
    note!(rows.languages);
    note!(rows.cost_options);

    // HSDS has no council area for a location: it follows the postcode, as
    // it does for locations written through the API.
    location_writes::place_by_postcode(db, &mut rows.locations, &rows.addresses).await?;

    // Child rows first: their changes decide which top-level records change.
    let taxonomies = plan(db, rows.taxonomies, &roots, &mut changed).await?;
    let terms = plan(db, rows.taxonomy_terms, &roots, &mut changed).await?;
    let identifiers = plan(db, rows.organization_identifiers, &roots, &mut changed).await?;
    let addresses = plan(db, rows.addresses, &roots, &mut changed).await?;
    let accessibilities = plan(db, rows.accessibilities, &roots, &mut changed).await?;
    let sals = plan(db, rows.service_at_locations, &roots, &mut changed).await?;
    let areas = plan(db, rows.service_areas, &roots, &mut changed).await?;
    let contacts = plan(db, rows.contacts, &roots, &mut changed).await?;
    let phones = plan(db, rows.phones, &roots, &mut changed).await?;
    let schedules = plan(db, rows.schedules, &roots, &mut changed).await?;
    let attributes = plan(db, rows.attributes, &roots, &mut changed).await?;
    let languages = plan(db, rows.languages, &roots, &mut changed).await?;
    let costs = plan(db, rows.cost_options, &roots, &mut changed).await?;
    new_owners.extend(sals.insert.iter().map(|r| r.id.clone()));
    new_owners.extend(contacts.insert.iter().map(|r| r.id.clone()));
    new_owners.extend(phones.insert.iter().map(|r| r.id.clone()));

    // Lists given in full: the stored rows they no longer name.
    let organizations = plan_top(db, rows.organizations, &HashSet::new(), now).await?;
    let services = plan_top(db, rows.services, &HashSet::new(), now).await?;
    let locations = plan_top(db, rows.locations, &HashSet::new(), now).await?;
    new_owners.extend(organizations.insert.iter().map(|r| r.id.clone()));
    new_owners.extend(services.insert.iter().map(|r| r.id.clone()));
    new_owners.extend(locations.insert.iter().map(|r| r.id.clone()));
    release_unlisted::<language::Model>(db, &lists, &new_owners, &desired, &mut changed).await?;
    release_unlisted::<phone::Model>(db, &lists, &new_owners, &desired, &mut changed).await?;
    release_unlisted::<schedule::Model>(db, &lists, &new_owners, &desired, &mut changed).await?;
    release_unlisted::<contact::Model>(db, &lists, &new_owners, &desired, &mut changed).await?;
    release_unlisted::<service_area::Model>(db, &lists, &new_owners, &desired, &mut changed).await?;
    release_unlisted::<service_at_location::Model>(db, &lists, &new_owners, &desired, &mut changed).await?;
    release_unlisted::<address::Model>(db, &lists, &new_owners, &desired, &mut changed).await?;
    release_unlisted::<accessibility::Model>(db, &lists, &new_owners, &desired, &mut changed).await?;
    release_unlisted::<cost_option::Model>(db, &lists, &new_owners, &desired, &mut changed).await?;
    release_unlisted::<organization_identifier::Model>(db, &lists, &new_owners, &desired, &mut changed).await?;
    release_unlisted::<attribute::Model>(db, &lists, &new_owners, &desired, &mut changed).await?;

    // Now that every child change is known, decide the top-level versions.
    let organizations = replan(db, organizations, &changed, now).await?;
    let services = replan(db, services, &changed, now).await?;
    let locations = replan(db, locations, &changed, now).await?;

    execute(db, taxonomies).await?;
    let terms = Plan {
        insert: parents_first(terms.insert, |t| &t.id, |t| t.parent_id.as_deref()),
        update: terms.update,
    };
    execute(db, terms).await?;
    let organizations = TopPlan {
        insert: parents_first(organizations.insert, |o| &o.id, |o| o.parent_organization_id.as_deref()),
        ..organizations
    };
    execute_top(db, &organizations).await?;
    execute(db, identifiers).await?;
    execute_top(db, &locations).await?;
    execute(db, addresses).await?;
    execute(db, accessibilities).await?;
    execute_top(db, &services).await?;
    execute(db, sals).await?;
    execute(db, areas).await?;
    execute(db, contacts).await?;
    execute(db, phones).await?;
    execute(db, schedules).await?;
    execute(db, attributes).await?;
    execute(db, languages).await?;
    execute(db, costs).await?;

    audit_top(db, &organizations).await?;
    audit_top(db, &services).await?;
    audit_top(db, &locations).await?;
    // A hub lies where its location does (a new location has no hub yet).
    for (location, _) in &locations.update {
        if let Some(area_code) = &location.area_code
            && let Some(hub) = hubs::writes::follow_location_area(db, &location.id, area_code, now).await?
        {
            audit::record(db, None, "hub.move_area", "hub", &hub.id, &["areaCode"], None).await?;
        }
    }

    // The search index holds service, organization and category names.
    let mut reindex: BTreeSet<String> = services.insert.iter().map(|s| s.id.clone()).collect();
    reindex.extend(services.update.iter().map(|(s, _)| s.id.clone()));
    let renamed: Vec<String> = organizations.update.iter().map(|(o, _)| o.id.clone()).collect();
    for chunk in renamed.chunks(CHUNK) {
        let ids: Vec<String> = service::Entity::find()
            .select_only()
            .column(service::Column::Id)
            .filter(service::Column::OrganizationId.is_in(chunk.to_vec()))
            .into_tuple()
            .all(db)
            .await?;
        reindex.extend(ids);
    }
    text::reindex(db, &reindex.into_iter().collect::<Vec<_>>()).await?;

    let mut written = Written::default();
    for (created, updated, unchanged) in [
        (
            organizations.insert.len(),
            organizations.update.len(),
            organizations.unchanged.len(),
        ),
        (services.insert.len(), services.update.len(), services.unchanged.len()),
        (
            locations.insert.len(),
            locations.update.len(),
            locations.unchanged.len(),
        ),
    ] {
        written += Written {
            created,
            updated,
            unchanged,
        };
    }
    Ok(written)
}

/// Adds the top-level rows whose children changed to the updates (those
/// in the batch that were unchanged themselves, and those the batch only
/// reaches through children, as the tabular form does).
async fn replan<R: Versioned>(
    db: &impl ConnectionTrait,
    plan: TopPlan<R>,
    changed: &HashSet<Root>,
    now: DateTime<Utc>,
) -> AppResult<TopPlan<R>> {
    let marked: Vec<String> = changed
        .iter()
        .filter(|r| r.table == R::TABLE)
        .map(|r| r.id.clone())
        .filter(|id| !plan.update.iter().any(|(u, _)| u.id() == id) && !plan.insert.iter().any(|i| i.id() == id))
        .collect();
    if marked.is_empty() {
        return Ok(plan);
    }
    let stored = stored::<R>(db, &marked).await?;
    let mut plan = plan;
    for (_, mut row) in stored {
        let read = row.version();
        row.bump(now);
        plan.unchanged.remove(row.id());
        plan.update.push((row, read));
    }
    Ok(plan)
}
