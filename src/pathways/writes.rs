//! Creating and curating pathways: their fields, their ordered steps and
//! their lifecycle (draft -> published -> archived -> published again).
//!
//! Every change bumps the pathway's `version` and `last_modified` (the
//! change feed reads them) with a write conditional on the version read.
//! Validation problems come back as `UserError`s with nothing written;
//! access is the caller's business (`partners::access`), decided from the
//! rows read here.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{
    area, location, organization, pathway, pathway_area, pathway_audience, pathway_entry, pathway_step, service,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};

use super::model::{PathwayStatus, ReferralMethod, StepKind};
use crate::error::{AppError, AppResult};
use crate::services::writes::{DESCRIPTION_MAX, NAME_MAX, Outcome, UserError, check_text, conflict, is_web_url};
use crate::services::{related, status, taxonomy};

/// The taxonomy whose terms say whom a pathway is for.
pub const AUDIENCE_TAXONOMY: &str = "audience";
/// More steps than anyone could follow; a guard against runaway input.
pub const STEPS_MAX: usize = 50;
/// Areas, audience terms and entry locations: at most this many each.
pub const LIST_MAX: usize = 50;
/// Eligibility and contact instructions.
const STEP_TEXT_MAX: usize = 2_000;
const URL_MAX: usize = 2_000;

/// One step as given: how it is reached and where it leads. At most one of
/// `service_id`, `organization_id`, `location_id`, `url` and
/// `at_entry_location` says where; with none the step is an instruction
/// (words only, e.g. "Talk to your GP").
#[derive(Debug, Clone)]
pub struct StepFields {
    /// The id of an existing step of the same pathway to keep (its activity
    /// counts stay with it); `None` for a new step.
    pub id: Option<String>,
    pub title: String,
    pub description: Option<String>,
    pub referral_method: ReferralMethod,
    pub appointment_required: bool,
    pub eligibility: Option<String>,
    pub contact_instructions: Option<String>,
    pub service_id: Option<String>,
    pub organization_id: Option<String>,
    pub location_id: Option<String>,
    pub url: Option<String>,
    /// The step happens at whichever of the pathway's entry locations the
    /// person is at (e.g. library staff at the library they walked into).
    pub at_entry_location: bool,
}

impl StepFields {
    /// How many of the ways of saying where the step happens are given.
    fn places_given(&self) -> usize {
        [
            self.service_id.is_some(),
            self.organization_id.is_some(),
            self.location_id.is_some(),
            self.url.is_some(),
            self.at_entry_location,
        ]
        .into_iter()
        .filter(|set| *set)
        .count()
    }

    /// The kind of step the fields make, once checked (at most one place).
    pub fn kind(&self) -> StepKind {
        if self.service_id.is_some() {
            StepKind::Service
        } else if self.organization_id.is_some() {
            StepKind::Organization
        } else if self.location_id.is_some() {
            StepKind::Location
        } else if self.url.is_some() {
            StepKind::Url
        } else if self.at_entry_location {
            StepKind::EntryLocation
        } else {
            StepKind::Instruction
        }
    }
}

/// A new pathway; it starts as a draft.
#[derive(Debug, Clone)]
pub struct NewPathway {
    pub name: String,
    pub description: Option<String>,
    pub area_codes: Vec<String>,
    pub audience_term_ids: Vec<String>,
    pub entry_location_ids: Vec<String>,
    pub steps: Vec<StepFields>,
}

/// Changes to a pathway's own fields; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct PathwayEdit {
    pub name: Option<String>,
    /// `Some(None)` clears the description.
    pub description: Option<Option<String>>,
    pub area_codes: Option<Vec<String>>,
    pub audience_term_ids: Option<Vec<String>>,
    pub entry_location_ids: Option<Vec<String>>,
}

impl PathwayEdit {
    /// Input fields set, for the audit trail (camelCase, as in the schema).
    pub fn given(&self) -> Vec<&'static str> {
        let flags = [
            ("name", self.name.is_some()),
            ("description", self.description.is_some()),
            ("areaCodes", self.area_codes.is_some()),
            ("audienceTermIds", self.audience_term_ids.is_some()),
            ("entryLocationIds", self.entry_location_ids.is_some()),
        ];
        flags
            .into_iter()
            .filter(|(_, set)| *set)
            .map(|(name, _)| name)
            .collect()
    }
}

/// A pathway by raw id.
pub async fn find_pathway(db: &impl ConnectionTrait, id: &str) -> AppResult<Option<pathway::Model>> {
    Ok(pathway::Entity::find_by_id(id.to_owned()).one(db).await?)
}

/// The council areas of a pathway, sorted.
pub async fn area_codes_of(db: &impl ConnectionTrait, pathway_id: &str) -> AppResult<Vec<String>> {
    let rows = pathway_area::Entity::find()
        .filter(pathway_area::Column::PathwayId.eq(pathway_id))
        .order_by_asc(pathway_area::Column::AreaCode)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|row| row.area_code).collect())
}

/// How many entry locations a pathway has.
pub async fn entry_count_of(db: &impl ConnectionTrait, pathway_id: &str) -> AppResult<u64> {
    Ok(pathway_entry::Entity::find()
        .filter(pathway_entry::Column::PathwayId.eq(pathway_id))
        .count(db)
        .await?)
}

/// The steps of a pathway, in order.
pub async fn steps_of(db: &impl ConnectionTrait, pathway_id: &str) -> AppResult<Vec<pathway_step::Model>> {
    Ok(pathway_step::Entity::find()
        .filter(pathway_step::Column::PathwayId.eq(pathway_id))
        .order_by_asc(pathway_step::Column::Position)
        .all(db)
        .await?)
}

// ---- validation ---------------------------------------------------------------

fn check_name(errors: &mut Vec<UserError>, name: &str) {
    if name.trim().is_empty() {
        errors.push(UserError::new(&["name"], "REQUIRED", "the name must not be empty"));
    } else {
        check_text(errors, &["name"], name, NAME_MAX);
    }
}

fn check_list_length(errors: &mut Vec<UserError>, field: &str, len: usize, max: usize) {
    if len > max {
        errors.push(UserError::new(&[field], "TOO_LONG", format!("at most {max} entries")));
    }
}

/// Areas must be council areas (GSS codes), at least one.
async fn check_areas(db: &impl ConnectionTrait, errors: &mut Vec<UserError>, codes: &[String]) -> AppResult<()> {
    if codes.is_empty() {
        errors.push(UserError::new(&["areaCodes"], "REQUIRED", "at least one council area"));
        return Ok(());
    }
    check_list_length(errors, "areaCodes", codes.len(), LIST_MAX);
    let known = related::by_ids::<area::Entity>(db, area::Column::Code, codes).await?;
    for (i, code) in codes.iter().enumerate() {
        let index = i.to_string();
        match known.iter().find(|a| &a.code == code) {
            None => errors.push(UserError::new(
                &["areaCodes", &index],
                "NOT_FOUND",
                format!("no council area {code}"),
            )),
            Some(found) if found.kind != "COUNCIL_AREA" => errors.push(UserError::new(
                &["areaCodes", &index],
                "INVALID",
                format!("{code} is not a council area"),
            )),
            Some(_) => {}
        }
    }
    Ok(())
}

async fn check_entries(db: &impl ConnectionTrait, errors: &mut Vec<UserError>, ids: &[String]) -> AppResult<()> {
    check_list_length(errors, "entryLocationIds", ids.len(), LIST_MAX);
    let found = related::by_ids::<location::Entity>(db, location::Column::Id, ids).await?;
    for (i, id) in ids.iter().enumerate() {
        if !found.iter().any(|l| &l.id == id) {
            errors.push(UserError::new(
                &["entryLocationIds", &i.to_string()],
                "NOT_FOUND",
                "no such location",
            ));
        }
    }
    Ok(())
}

async fn check_audience(db: &impl ConnectionTrait, errors: &mut Vec<UserError>, ids: &[String]) -> AppResult<()> {
    check_list_length(errors, "audienceTermIds", ids.len(), LIST_MAX);
    taxonomy::check_terms_of(db, errors, "audienceTermIds", ids, AUDIENCE_TAXONOMY).await
}

/// Whether a service in this state can be a step of a published pathway.
/// "Temporarily closed" counts as active: it is expected back, and a
/// pathway through it stays right.
pub fn service_is_usable(service_status: &str) -> bool {
    service_status != status::INACTIVE && service_status != status::DEFUNCT
}

/// The rows the steps' targets name, read once for all steps.
struct Targets {
    services: HashMap<String, service::Model>,
    organizations: HashSet<String>,
    locations: HashSet<String>,
}

impl Targets {
    async fn read(db: &impl ConnectionTrait, steps: &[StepFields]) -> AppResult<Targets> {
        let ids = |pick: fn(&StepFields) -> &Option<String>| -> Vec<String> {
            steps.iter().filter_map(|s| pick(s).clone()).collect()
        };
        let services = related::by_ids::<service::Entity>(db, service::Column::Id, &ids(|s| &s.service_id)).await?;
        let organizations =
            related::by_ids::<organization::Entity>(db, organization::Column::Id, &ids(|s| &s.organization_id)).await?;
        let locations = related::by_ids::<location::Entity>(db, location::Column::Id, &ids(|s| &s.location_id)).await?;
        Ok(Targets {
            services: services.into_iter().map(|s| (s.id.clone(), s)).collect(),
            organizations: organizations.into_iter().map(|o| o.id).collect(),
            locations: locations.into_iter().map(|l| l.id).collect(),
        })
    }
}

/// What steps as given are checked against.
struct StepRules<'a> {
    /// The ids of the pathway's current steps: a step may keep one of them.
    kept: &'a HashSet<String>,
    /// `Some(entry locations the pathway has)` when the steps go on a
    /// published pathway: then they must be publishable as they stand (a
    /// title, every service running, entry locations for a step at them).
    /// A draft may be incomplete: publishing says what is missing.
    published: Option<u64>,
}

/// Checks steps as given. Whatever would make a step wrong (two places, a
/// target that does not exist, a bad URL, text too long) is refused even in
/// a draft; what only makes it unfinished waits for publishing.
async fn check_steps(
    db: &impl ConnectionTrait,
    errors: &mut Vec<UserError>,
    steps: &[StepFields],
    rules: StepRules<'_>,
) -> AppResult<()> {
    let StepRules { kept, published } = rules;
    if steps.len() > STEPS_MAX {
        errors.push(UserError::new(
            &["steps"],
            "TOO_LONG",
            format!("at most {STEPS_MAX} steps"),
        ));
        return Ok(());
    }
    let targets = Targets::read(db, steps).await?;
    let mut seen = HashSet::new();
    for (i, step) in steps.iter().enumerate() {
        let push = |errors: &mut Vec<UserError>, field: &str, code: &'static str, message: String| {
            errors.push(UserError::new(&["steps", &i.to_string(), field], code, message));
        };
        if let Some(id) = &step.id {
            if !kept.contains(id) {
                push(errors, "id", "NOT_FOUND", "not a step of this pathway".into());
            } else if !seen.insert(id.clone()) {
                push(errors, "id", "INVALID", "the same step is given twice".into());
            }
        }
        if step.title.trim().is_empty() {
            if published.is_some() {
                push(errors, "title", "REQUIRED", "the title must not be empty".into());
            }
        } else {
            check_text(errors, &["steps", &i.to_string(), "title"], &step.title, NAME_MAX);
        }
        for (field, text, max) in [
            ("description", &step.description, DESCRIPTION_MAX),
            ("eligibility", &step.eligibility, STEP_TEXT_MAX),
            ("contactInstructions", &step.contact_instructions, STEP_TEXT_MAX),
        ] {
            if let Some(text) = text {
                check_text(errors, &["steps", &i.to_string(), field], text, max);
            }
        }
        if step.places_given() > 1 {
            push(
                errors,
                "target",
                "INVALID",
                "at most one of serviceId, organizationId, locationId, url and atEntryLocation".into(),
            );
        } else if step.at_entry_location && published == Some(0) {
            push(
                errors,
                "atEntryLocation",
                "INVALID",
                "the pathway has no entry locations for the step to happen at; add them first (updatePathway)".into(),
            );
        }
        if let Some(id) = &step.service_id {
            match targets.services.get(id) {
                None => push(errors, "serviceId", "NOT_FOUND", "no such service".into()),
                Some(found) if published.is_some() && !service_is_usable(&found.status) => push(
                    errors,
                    "serviceId",
                    "INVALID",
                    format!("the service is {}; a published pathway needs it active", found.status),
                ),
                Some(_) => {}
            }
        }
        if step
            .organization_id
            .as_ref()
            .is_some_and(|id| !targets.organizations.contains(id))
        {
            push(errors, "organizationId", "NOT_FOUND", "no such organization".into());
        }
        if step
            .location_id
            .as_ref()
            .is_some_and(|id| !targets.locations.contains(id))
        {
            push(errors, "locationId", "NOT_FOUND", "no such location".into());
        }
        if let Some(url) = &step.url {
            if url.chars().count() > URL_MAX {
                push(errors, "url", "TOO_LONG", format!("at most {URL_MAX} characters"));
            } else if !is_web_url(url) {
                push(errors, "url", "INVALID", "an absolute http(s) URL".into());
            }
        }
    }
    Ok(())
}

/// Why a stored pathway cannot be published, every reason at once: no
/// steps; a step with no title, whose target is gone or whose service is no
/// longer running; steps at the entry locations of a pathway that has none.
/// Paths name the pathway's fields (`steps.<index>.<field>`,
/// `entryLocations`), not an input.
async fn publish_problems(
    db: &impl ConnectionTrait,
    steps: &[pathway_step::Model],
    entry_count: u64,
) -> AppResult<Vec<UserError>> {
    let mut problems = Vec::new();
    let problem = |field: &[&str], code: &'static str, message: String| UserError {
        field: field.iter().map(|f| (*f).to_owned()).collect(),
        message,
        code,
    };
    if steps.is_empty() {
        problems.push(problem(
            &["steps"],
            "REQUIRED",
            "a pathway needs at least one step to be published".into(),
        ));
    }
    let ids: Vec<String> = steps.iter().filter_map(|s| s.service_id.clone()).collect();
    let services = related::by_ids::<service::Entity>(db, service::Column::Id, &ids).await?;
    let mut at_entry = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let index = i.to_string();
        if step.title.trim().is_empty() {
            problems.push(problem(
                &["steps", &index, "title"],
                "REQUIRED",
                "a published step needs a title".into(),
            ));
        }
        match StepKind::of(step) {
            Some(StepKind::Service) => {
                let Some(id) = &step.service_id else { continue };
                match services.iter().find(|s| &s.id == id) {
                    Some(found) if !service_is_usable(&found.status) => problems.push(problem(
                        &["steps", &index, "service"],
                        "INVALID",
                        format!("the service is {}; a published pathway needs it active", found.status),
                    )),
                    Some(_) => {}
                    None => problems.push(problem(
                        &["steps", &index, "service"],
                        "NOT_FOUND",
                        "the service no longer exists".into(),
                    )),
                }
            }
            Some(StepKind::TargetRemoved) => problems.push(problem(
                &["steps", &index, "target"],
                "NOT_FOUND",
                "the step's target no longer exists".into(),
            )),
            Some(StepKind::EntryLocation) => at_entry.push(step.position.to_string()),
            Some(StepKind::Organization | StepKind::Location | StepKind::Url | StepKind::Instruction) => {}
            None => return Err(unknown_kind(step)),
        }
    }
    if !at_entry.is_empty() && entry_count == 0 {
        problems.push(problem(
            &["entryLocations"],
            "REQUIRED",
            format!(
                "{} at the pathway's entry locations (position {}), and it has none: add entryLocationIds",
                if at_entry.len() == 1 {
                    "a step happens"
                } else {
                    "steps happen"
                },
                at_entry.join(", ")
            ),
        ));
    }
    Ok(problems)
}

fn unknown_kind(step: &pathway_step::Model) -> AppError {
    AppError::Internal(format!("pathway step {} has an unknown kind {:?}", step.id, step.kind))
}

/// The kind of a stored step.
pub fn kind_of(step: &pathway_step::Model) -> AppResult<StepKind> {
    StepKind::of(step).ok_or_else(|| unknown_kind(step))
}

// ---- child rows -----------------------------------------------------------------

fn deduplicated(values: &[String]) -> Vec<String> {
    let mut seen = HashSet::new();
    values.iter().filter(|v| seen.insert(v.to_string())).cloned().collect()
}

/// Replaces the child rows of a pathway held in `table` (owner column
/// `owner`) with `rows`.
async fn replace_children<E, A>(
    txn: &impl ConnectionTrait,
    owner: E::Column,
    pathway_id: &str,
    rows: Vec<A>,
) -> AppResult<()>
where
    E: EntityTrait,
    A: ActiveModelTrait<Entity = E> + Send,
{
    E::delete_many().filter(owner.eq(pathway_id)).exec(txn).await?;
    if !rows.is_empty() {
        E::insert_many(rows).exec_without_returning(txn).await?;
    }
    Ok(())
}

async fn replace_areas(txn: &impl ConnectionTrait, pathway_id: &str, codes: &[String]) -> AppResult<()> {
    let rows: Vec<pathway_area::ActiveModel> = deduplicated(codes)
        .into_iter()
        .map(|area_code| {
            let pathway_id = pathway_id.to_owned();
            pathway_area::Model { pathway_id, area_code }.into()
        })
        .collect();
    replace_children(txn, pathway_area::Column::PathwayId, pathway_id, rows).await
}

async fn replace_audience(txn: &impl ConnectionTrait, pathway_id: &str, ids: &[String]) -> AppResult<()> {
    let rows: Vec<pathway_audience::ActiveModel> = deduplicated(ids)
        .into_iter()
        .map(|taxonomy_term_id| {
            let pathway_id = pathway_id.to_owned();
            pathway_audience::Model {
                pathway_id,
                taxonomy_term_id,
            }
            .into()
        })
        .collect();
    replace_children(txn, pathway_audience::Column::PathwayId, pathway_id, rows).await
}

async fn replace_entries(txn: &impl ConnectionTrait, pathway_id: &str, ids: &[String]) -> AppResult<()> {
    let rows: Vec<pathway_entry::ActiveModel> = deduplicated(ids)
        .into_iter()
        .enumerate()
        .map(|(i, location_id)| {
            let pathway_id = pathway_id.to_owned();
            let position = i as i32 + 1;
            pathway_entry::Model {
                pathway_id,
                location_id,
                position,
            }
            .into()
        })
        .collect();
    replace_children(txn, pathway_entry::Column::PathwayId, pathway_id, rows).await
}

fn trimmed(text: &Option<String>) -> Option<String> {
    text.as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

/// Replaces every step of a pathway with `steps`, in order. A kept step
/// keeps its id; removed steps go (their activity counts stay, by id).
async fn replace_steps(txn: &impl ConnectionTrait, pathway_id: &str, steps: &[StepFields]) -> AppResult<()> {
    let rows: Vec<pathway_step::ActiveModel> = steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            pathway_step::Model {
                id: step.id.clone().unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
                pathway_id: pathway_id.to_owned(),
                position: i as i32 + 1,
                title: step.title.trim().to_owned(),
                description: trimmed(&step.description),
                referral_method: step.referral_method.as_str().to_owned(),
                appointment_required: step.appointment_required,
                eligibility: trimmed(&step.eligibility),
                contact_instructions: trimmed(&step.contact_instructions),
                service_id: step.service_id.clone(),
                organization_id: step.organization_id.clone(),
                location_id: step.location_id.clone(),
                url: step.url.as_deref().map(str::trim).map(str::to_owned),
                kind: step.kind().stored().to_owned(),
            }
            .into()
        })
        .collect();
    replace_children(txn, pathway_step::Column::PathwayId, pathway_id, rows).await
}

/// Writes `row` as the next version of `existing`.
async fn save_new_version(
    txn: &impl ConnectionTrait,
    existing: &pathway::Model,
    mut row: pathway::Model,
    now: DateTime<Utc>,
) -> AppResult<pathway::Model> {
    row.version = existing.version + 1;
    // Never before the previous change, even if clocks of two instances differ.
    row.last_modified = now.max(existing.last_modified);
    let mut active = pathway::ActiveModel::from(row.clone()).reset_all();
    active.id = ActiveValue::NotSet;
    active.created_at = ActiveValue::NotSet;
    active.owner_partner_id = ActiveValue::NotSet;
    let written = crate::db::update_if_version::<pathway::Entity>(
        txn,
        active,
        pathway::Column::Id,
        &existing.id,
        pathway::Column::Version,
        existing.version,
    )
    .await?;
    if !written {
        let current = find_pathway(txn, &existing.id)
            .await?
            .map_or(existing.version, |p| p.version);
        return Err(conflict(current));
    }
    Ok(row)
}

fn check_version(existing: &pathway::Model, expected_version: Option<i32>) -> AppResult<()> {
    match expected_version {
        Some(expected) if expected != existing.version => Err(conflict(existing.version)),
        _ => Ok(()),
    }
}

fn is_published(row: &pathway::Model) -> bool {
    row.status == PathwayStatus::Published.as_str()
}

// ---- writes ---------------------------------------------------------------------

/// Creates a draft pathway owned by `owner_partner_id`.
pub async fn create_pathway(
    txn: &impl ConnectionTrait,
    new: &NewPathway,
    owner_partner_id: &str,
    now: DateTime<Utc>,
) -> AppResult<Outcome<pathway::Model>> {
    let mut errors = Vec::new();
    check_name(&mut errors, &new.name);
    if let Some(description) = &new.description {
        check_text(&mut errors, &["description"], description, DESCRIPTION_MAX);
    }
    check_areas(txn, &mut errors, &new.area_codes).await?;
    check_audience(txn, &mut errors, &new.audience_term_ids).await?;
    check_entries(txn, &mut errors, &new.entry_location_ids).await?;
    let rules = StepRules {
        kept: &HashSet::new(),
        published: None,
    };
    check_steps(txn, &mut errors, &new.steps, rules).await?;
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let row = pathway::Model {
        id: uuid::Uuid::new_v4().to_string(),
        name: new.name.trim().to_owned(),
        description: trimmed(&new.description),
        status: PathwayStatus::Draft.as_str().to_owned(),
        owner_partner_id: owner_partner_id.to_owned(),
        reviewed_at: None,
        version: 1,
        created_at: now,
        last_modified: now,
    };
    pathway::Entity::insert(pathway::ActiveModel::from(row.clone()))
        .exec(txn)
        .await?;
    replace_areas(txn, &row.id, &new.area_codes).await?;
    replace_audience(txn, &row.id, &new.audience_term_ids).await?;
    replace_entries(txn, &row.id, &new.entry_location_ids).await?;
    replace_steps(txn, &row.id, &new.steps).await?;
    Ok(Ok(row))
}

/// Changes a pathway's own fields. Editing a published pathway counts as
/// reviewing it.
pub async fn update_pathway(
    txn: &impl ConnectionTrait,
    existing: pathway::Model,
    edit: &PathwayEdit,
    expected_version: Option<i32>,
    now: DateTime<Utc>,
) -> AppResult<Outcome<pathway::Model>> {
    check_version(&existing, expected_version)?;
    let mut errors = Vec::new();
    if let Some(name) = &edit.name {
        check_name(&mut errors, name);
    }
    if let Some(Some(description)) = &edit.description {
        check_text(&mut errors, &["description"], description, DESCRIPTION_MAX);
    }
    if let Some(codes) = &edit.area_codes {
        check_areas(txn, &mut errors, codes).await?;
    }
    if let Some(ids) = &edit.audience_term_ids {
        check_audience(txn, &mut errors, ids).await?;
    }
    if let Some(ids) = &edit.entry_location_ids {
        check_entries(txn, &mut errors, ids).await?;
        // A published pathway stays publishable: its steps at the entry
        // locations need somewhere to happen.
        if ids.is_empty() && is_published(&existing) {
            let steps = steps_of(txn, &existing.id).await?;
            if steps.iter().any(|s| StepKind::of(s) == Some(StepKind::EntryLocation)) {
                errors.push(UserError::new(
                    &["entryLocationIds"],
                    "REQUIRED",
                    "a step of this published pathway happens at its entry locations; keep at least one, or \
                     change that step first",
                ));
            }
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let mut row = existing.clone();
    if let Some(name) = &edit.name {
        row.name = name.trim().to_owned();
    }
    if let Some(description) = &edit.description {
        row.description = trimmed(description);
    }
    if is_published(&existing) {
        row.reviewed_at = Some(now);
    }
    let row = save_new_version(txn, &existing, row, now).await?;
    if let Some(codes) = &edit.area_codes {
        replace_areas(txn, &row.id, codes).await?;
    }
    if let Some(ids) = &edit.audience_term_ids {
        replace_audience(txn, &row.id, ids).await?;
    }
    if let Some(ids) = &edit.entry_location_ids {
        replace_entries(txn, &row.id, ids).await?;
    }
    Ok(Ok(row))
}

/// Replaces all steps of a pathway at once. On a published pathway the new
/// steps must be publishable (at least one, each with a title, every
/// service running, entry locations for steps at them); a draft's may be
/// unfinished.
pub async fn set_steps(
    txn: &impl ConnectionTrait,
    existing: pathway::Model,
    steps: &[StepFields],
    expected_version: Option<i32>,
    now: DateTime<Utc>,
) -> AppResult<Outcome<pathway::Model>> {
    check_version(&existing, expected_version)?;
    let kept: HashSet<String> = steps_of(txn, &existing.id).await?.into_iter().map(|s| s.id).collect();
    let published = is_published(&existing);
    let mut errors = Vec::new();
    if published && steps.is_empty() {
        errors.push(UserError::new(
            &["steps"],
            "REQUIRED",
            "a published pathway needs at least one step; archive it instead",
        ));
    }
    let rules = StepRules {
        kept: &kept,
        published: if published {
            Some(entry_count_of(txn, &existing.id).await?)
        } else {
            None
        },
    };
    check_steps(txn, &mut errors, steps, rules).await?;
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let mut row = existing.clone();
    if published {
        row.reviewed_at = Some(now);
    }
    let row = save_new_version(txn, &existing, row, now).await?;
    replace_steps(txn, &row.id, steps).await?;
    Ok(Ok(row))
}

/// Publishes a draft or archived pathway. It needs at least one step, each
/// with a title; every step's target must exist, every service must be
/// running, and steps at the entry locations need the pathway to have some.
/// Every problem is reported at once.
pub async fn publish(
    txn: &impl ConnectionTrait,
    existing: pathway::Model,
    expected_version: Option<i32>,
    now: DateTime<Utc>,
) -> AppResult<Outcome<pathway::Model>> {
    check_version(&existing, expected_version)?;
    if is_published(&existing) {
        return Ok(Err(vec![UserError::new(
            &["id"],
            "INVALID",
            "the pathway is already published",
        )]));
    }
    let steps = steps_of(txn, &existing.id).await?;
    let entry_count = entry_count_of(txn, &existing.id).await?;
    let problems = publish_problems(txn, &steps, entry_count).await?;
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    let mut row = existing.clone();
    row.status = PathwayStatus::Published.as_str().to_owned();
    row.reviewed_at = Some(now);
    Ok(Ok(save_new_version(txn, &existing, row, now).await?))
}

/// Archives a pathway: it leaves public view and can be published again.
pub async fn archive(
    txn: &impl ConnectionTrait,
    existing: pathway::Model,
    expected_version: Option<i32>,
    now: DateTime<Utc>,
) -> AppResult<Outcome<pathway::Model>> {
    check_version(&existing, expected_version)?;
    if existing.status == PathwayStatus::Archived.as_str() {
        return Ok(Err(vec![UserError::new(
            &["id"],
            "INVALID",
            "the pathway is already archived",
        )]));
    }
    let mut row = existing.clone();
    row.status = PathwayStatus::Archived.as_str().to_owned();
    Ok(Ok(save_new_version(txn, &existing, row, now).await?))
}

/// The status of a stored pathway.
pub fn status_of(row: &pathway::Model) -> AppResult<PathwayStatus> {
    PathwayStatus::parse(&row.status)
        .ok_or_else(|| AppError::Internal(format!("pathway {} has an unknown status {:?}", row.id, row.status)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_services_are_usable_and_ended_ones_are_not() {
        assert!(service_is_usable(status::ACTIVE));
        assert!(service_is_usable(status::TEMPORARILY_CLOSED));
        assert!(!service_is_usable(status::INACTIVE));
        assert!(!service_is_usable(status::DEFUNCT));
    }

    #[test]
    fn edits_name_the_fields_they_set() {
        let edit = PathwayEdit {
            name: Some("x".into()),
            description: Some(None),
            ..PathwayEdit::default()
        };
        assert_eq!(edit.given(), vec!["name", "description"]);
    }
}
