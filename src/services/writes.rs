//! Creating, updating and archiving services: validation, optimistic
//! concurrency and the replacement of nested lists. Plain Rust over sea-orm:
//! every function takes the caller's transaction, so the caller decides what
//! else (text index, audit row) commits with the write.
//!
//! Validation problems come back as [`UserError`]s (the write is not made);
//! access is the caller's business (ownership is decided by the resolvers
//! from the row read here, never from the input).

use chrono::{NaiveDate, Utc};
use entity::{
    area, attribute, language, location, phone, schedule, service, service_area, service_at_location, taxonomy_term,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::areas::SCOTLAND;
use super::{opening, status};
use crate::error::{AppError, AppResult};

/// A validation problem with one input field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserError {
    /// Path of the field, e.g. `["input", "schedules", "0", "opensAt"]`.
    pub field: Vec<String>,
    pub message: String,
    /// `INVALID`, `TOO_LONG`, `REQUIRED` or `NOT_FOUND`.
    pub code: &'static str,
}

impl UserError {
    pub(crate) fn new(field: &[&str], code: &'static str, message: impl Into<String>) -> UserError {
        UserError {
            field: std::iter::once("input")
                .chain(field.iter().copied())
                .map(str::to_owned)
                .collect(),
            message: message.into(),
            code,
        }
    }
}

/// The result of a write: the record, or why the input was refused.
pub type Outcome<T> = Result<T, Vec<UserError>>;

/// One opening-hours row of a service.
#[derive(Debug, Clone, Default)]
pub struct ScheduleFields {
    pub freq: Option<String>,
    pub interval: Option<i32>,
    pub by_day: Vec<String>,
    pub by_month_day: Option<Vec<i32>>,
    pub opens_at: Option<String>,
    pub closes_at: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub description: Option<String>,
    pub closed: Option<bool>,
}

/// One phone number of a service.
#[derive(Debug, Clone, Default)]
pub struct PhoneFields {
    pub number: String,
    pub extension: Option<String>,
    pub phone_type: Option<String>,
    pub description: Option<String>,
}

/// The fields a create or update may set. `None` leaves a field as it is (an
/// update) or empty (a create); a given list replaces the stored one.
/// Ids are raw (already decoded from global ids).
#[derive(Debug, Clone, Default)]
pub struct ServiceFields {
    pub name: Option<String>,
    pub description: Option<String>,
    pub url: Option<String>,
    pub email: Option<String>,
    /// HSDS status (`active`, ...).
    pub status: Option<String>,
    pub location_ids: Option<Vec<String>>,
    pub taxonomy_term_ids: Option<Vec<String>>,
    pub languages: Option<Vec<String>>,
    pub schedules: Option<Vec<ScheduleFields>>,
    pub phones: Option<Vec<PhoneFields>>,
    pub eligibility_description: Option<String>,
    pub minimum_age: Option<i32>,
    pub maximum_age: Option<i32>,
    pub application_process: Option<String>,
    pub fees_description: Option<String>,
    pub service_area_codes: Option<Vec<String>>,
    /// Fields an update sets to null (camelCase names, as in the schema):
    /// one of `CLEARABLE`; anything else is refused.
    pub cleared: Vec<&'static str>,
}

impl ServiceFields {
    /// The optional fields an update may clear by giving null.
    pub const CLEARABLE: [&'static str; 8] = [
        "description",
        "url",
        "email",
        "eligibilityDescription",
        "minimumAge",
        "maximumAge",
        "applicationProcess",
        "feesDescription",
    ];

    /// The names of the fields the input sets (camelCase, as in the schema),
    /// for the audit trail.
    pub fn given(&self) -> Vec<&'static str> {
        let flags = [
            ("name", self.name.is_some()),
            ("description", self.description.is_some()),
            ("url", self.url.is_some()),
            ("email", self.email.is_some()),
            ("status", self.status.is_some()),
            ("locationIds", self.location_ids.is_some()),
            ("taxonomyTermIds", self.taxonomy_term_ids.is_some()),
            ("languages", self.languages.is_some()),
            ("schedules", self.schedules.is_some()),
            ("phones", self.phones.is_some()),
            ("eligibilityDescription", self.eligibility_description.is_some()),
            ("minimumAge", self.minimum_age.is_some()),
            ("maximumAge", self.maximum_age.is_some()),
            ("applicationProcess", self.application_process.is_some()),
            ("feesDescription", self.fees_description.is_some()),
            ("serviceAreaCodes", self.service_area_codes.is_some()),
        ];
        flags
            .into_iter()
            .filter(|(_, set)| *set)
            .map(|(name, _)| name)
            .chain(self.cleared.iter().copied())
            .collect()
    }
}

/// Refuses nulls for fields that cannot be cleared (required ones).
pub(crate) fn check_cleared(errors: &mut Vec<UserError>, cleared: &[&'static str], clearable: &[&str]) {
    for field in cleared {
        if !clearable.contains(field) {
            errors.push(UserError::new(&[field], "REQUIRED", "cannot be cleared"));
        }
    }
}

pub const NAME_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 5_000;
/// Other free text (eligibility, fees, notes): generous, but bounded.
const TEXT_MAX: usize = 5_000;
/// Short text: URLs, emails, phone extensions and types.
pub(crate) const SHORT_MAX: usize = 500;

// ---- field rules ---------------------------------------------------------------

/// Characters refused in any text: NUL and the bidi controls (`crate::input`).
fn forbidden_char(c: char) -> bool {
    crate::input::is_refused_in_records(c)
}

/// Length (in characters) and charset of a text field.
pub(crate) fn check_text(errors: &mut Vec<UserError>, field: &[&str], text: &str, max: usize) {
    if text.chars().any(forbidden_char) {
        errors.push(UserError::new(
            field,
            "INVALID",
            "contains a NUL or bidirectional control character",
        ));
    } else if text.chars().count() > max {
        errors.push(UserError::new(field, "TOO_LONG", format!("at most {max} characters")));
    }
}

pub(crate) fn check_optional_text(errors: &mut Vec<UserError>, field: &str, text: &Option<String>, max: usize) {
    if let Some(text) = text {
        check_text(errors, &[field], text, max);
    }
}

/// A plausible address: one `@`, a non-empty local part, a dotted domain, no spaces.
pub(crate) fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// An absolute http(s) URL with a host (no `javascript:`, `data:` or `file:`).
pub(crate) fn is_web_url(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    let Some(rest) = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://")) else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    !host.is_empty() && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// UK-style numbers: digits, spaces, `+`, `-` and parentheses, with 7 to 20 digits.
fn is_phone(text: &str) -> bool {
    let allowed = text.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c));
    let digits = text.chars().filter(char::is_ascii_digit).count();
    allowed && (7..=20).contains(&digits)
}

fn is_language_code(text: &str) -> bool {
    (2..=3).contains(&text.len()) && text.chars().all(|c| c.is_ascii_alphabetic())
}

/// Everything that can be checked without the stored record.
fn check_fields(fields: &ServiceFields, errors: &mut Vec<UserError>) {
    if let Some(name) = &fields.name {
        if name.trim().is_empty() {
            errors.push(UserError::new(&["name"], "REQUIRED", "the name must not be empty"));
        } else {
            check_text(errors, &["name"], name, NAME_MAX);
        }
    }
    check_optional_text(errors, "description", &fields.description, DESCRIPTION_MAX);
    check_optional_text(
        errors,
        "eligibilityDescription",
        &fields.eligibility_description,
        TEXT_MAX,
    );
    check_optional_text(errors, "applicationProcess", &fields.application_process, TEXT_MAX);
    check_optional_text(errors, "feesDescription", &fields.fees_description, TEXT_MAX);
    if fields
        .email
        .as_ref()
        .is_some_and(|email| !is_email(email) || email.len() > SHORT_MAX)
    {
        errors.push(UserError::new(&["email"], "INVALID", "not an email address"));
    }
    if fields
        .url
        .as_ref()
        .is_some_and(|url| !is_web_url(url) || url.len() > SHORT_MAX)
    {
        errors.push(UserError::new(&["url"], "INVALID", "not an http or https URL"));
    }
    for (field, age) in [("minimumAge", fields.minimum_age), ("maximumAge", fields.maximum_age)] {
        if age.is_some_and(|age| !(0..=120).contains(&age)) {
            errors.push(UserError::new(&[field], "INVALID", "an age from 0 to 120"));
        }
    }
    if let Some(languages) = &fields.languages {
        for (i, code) in languages.iter().enumerate() {
            if !is_language_code(code) {
                errors.push(UserError::new(
                    &["languages", &i.to_string()],
                    "INVALID",
                    "an ISO 639 code of 2 or 3 letters",
                ));
            }
        }
    }
    if let Some(phones) = &fields.phones {
        for (i, phone) in phones.iter().enumerate() {
            let index = i.to_string();
            if !is_phone(&phone.number) {
                errors.push(UserError::new(
                    &["phones", &index, "number"],
                    "INVALID",
                    "a phone number: digits, spaces, +, - and parentheses, 7 to 20 digits",
                ));
            }
            for (field, text) in [
                ("extension", &phone.extension),
                ("type", &phone.phone_type),
                ("description", &phone.description),
            ] {
                if let Some(text) = text {
                    check_text(errors, &["phones", &index, field], text, SHORT_MAX);
                }
            }
        }
    }
    if let Some(schedules) = &fields.schedules {
        for (i, fields) in schedules.iter().enumerate() {
            let index = i.to_string();
            if let Some(description) = &fields.description {
                check_text(errors, &["schedules", &index, "description"], description, TEXT_MAX);
            }
            for (field, message) in opening::validate(&schedule_row(fields, String::new(), String::new())) {
                errors.push(UserError::new(&["schedules", &index, field], "INVALID", message));
            }
        }
    }
}

/// Checks that referenced records exist: locations, taxonomy terms, areas.
async fn check_references(
    db: &impl ConnectionTrait,
    fields: &ServiceFields,
    errors: &mut Vec<UserError>,
) -> AppResult<()> {
    if let Some(ids) = &fields.location_ids {
        let found: Vec<String> = location::Entity::find()
            .select_only()
            .column(location::Column::Id)
            .filter(location::Column::Id.is_in(ids.clone()))
            .into_tuple()
            .all(db)
            .await?;
        missing(errors, "locationIds", ids, &found, "no such location");
    }
    if let Some(ids) = &fields.taxonomy_term_ids {
        let found: Vec<String> = taxonomy_term::Entity::find()
            .select_only()
            .column(taxonomy_term::Column::Id)
            .filter(taxonomy_term::Column::Id.is_in(ids.clone()))
            .into_tuple()
            .all(db)
            .await?;
        missing(errors, "taxonomyTermIds", ids, &found, "no such taxonomy term");
    }
    if let Some(codes) = &fields.service_area_codes {
        let found: Vec<String> = area::Entity::find()
            .select_only()
            .column(area::Column::Code)
            .filter(area::Column::Code.is_in(codes.clone()))
            .into_tuple()
            .all(db)
            .await?;
        let mut found = found;
        found.push(SCOTLAND.to_owned());
        missing(errors, "serviceAreaCodes", codes, &found, "no such area code");
    }
    Ok(())
}

fn missing(errors: &mut Vec<UserError>, field: &str, wanted: &[String], found: &[String], message: &str) {
    for (i, id) in wanted.iter().enumerate() {
        if !found.contains(id) {
            errors.push(UserError::new(&[field, &i.to_string()], "NOT_FOUND", message));
        }
    }
}

// ---- writes --------------------------------------------------------------------

/// A service by raw id.
pub async fn find_service(db: &impl ConnectionTrait, id: &str) -> AppResult<Option<service::Model>> {
    Ok(service::Entity::find_by_id(id.to_owned()).one(db).await?)
}

/// Creates a service of `organization_id` (which the caller has checked exists
/// and may be written to). `fields.name` is required.
pub async fn create_service(
    txn: &impl ConnectionTrait,
    organization_id: &str,
    fields: &ServiceFields,
) -> AppResult<Outcome<service::Model>> {
    let mut errors = Vec::new();
    if fields.name.is_none() {
        errors.push(UserError::new(&["name"], "REQUIRED", "a service needs a name"));
    }
    check_fields(fields, &mut errors);
    check_ages(fields.minimum_age, fields.maximum_age, &mut errors);
    check_references(txn, fields, &mut errors).await?;
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let now = Utc::now();
    let row = service::Model {
        id: uuid::Uuid::new_v4().to_string(),
        organization_id: organization_id.to_owned(),
        program_id: None,
        name: fields.name.clone().unwrap_or_default(),
        alternate_name: None,
        description: fields.description.clone(),
        url: fields.url.clone(),
        email: fields.email.clone(),
        status: fields.status.clone().unwrap_or_else(|| status::ACTIVE.to_owned()),
        interpretation_services: None,
        application_process: fields.application_process.clone(),
        fees_description: fields.fees_description.clone(),
        wait_time: None,
        fees: None,
        accreditations: None,
        eligibility_description: fields.eligibility_description.clone(),
        minimum_age: fields.minimum_age,
        maximum_age: fields.maximum_age,
        assured_date: None,
        assurer_email: None,
        licenses: None,
        alert: None,
        version: 1,
        created_at: now,
        last_modified: now,
    };
    service::Entity::insert(service::ActiveModel::from(row.clone()))
        .exec(txn)
        .await?;
    replace_lists(txn, &row.id, fields).await?;
    Ok(Ok(row))
}

/// Updates `existing` (read in this transaction) with the given fields.
/// A stale `expected_version` is a `Conflict` carrying the current version.
pub async fn update_service(
    txn: &impl ConnectionTrait,
    existing: service::Model,
    fields: &ServiceFields,
    expected_version: Option<i32>,
) -> AppResult<Outcome<service::Model>> {
    check_version(&existing, expected_version)?;
    let mut errors = Vec::new();
    check_fields(fields, &mut errors);
    check_cleared(&mut errors, &fields.cleared, &ServiceFields::CLEARABLE);
    let cleared = |field: &str| fields.cleared.contains(&field);
    let age =
        |given: Option<i32>, stored: Option<i32>, field: &str| if cleared(field) { None } else { given.or(stored) };
    check_ages(
        age(fields.minimum_age, existing.minimum_age, "minimumAge"),
        age(fields.maximum_age, existing.maximum_age, "maximumAge"),
        &mut errors,
    );
    check_references(txn, fields, &mut errors).await?;
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let mut row = existing.clone();
    let keep = |new: &Option<String>, old: Option<String>| new.clone().or(old);
    if let Some(name) = &fields.name {
        row.name = name.clone();
    }
    row.description = keep(&fields.description, row.description);
    row.url = keep(&fields.url, row.url);
    row.email = keep(&fields.email, row.email);
    if let Some(status) = &fields.status {
        row.status = status.clone();
    }
    row.eligibility_description = keep(&fields.eligibility_description, row.eligibility_description);
    row.application_process = keep(&fields.application_process, row.application_process);
    row.fees_description = keep(&fields.fees_description, row.fees_description);
    row.minimum_age = fields.minimum_age.or(row.minimum_age);
    row.maximum_age = fields.maximum_age.or(row.maximum_age);
    for field in &fields.cleared {
        match *field {
            "description" => row.description = None,
            "url" => row.url = None,
            "email" => row.email = None,
            "eligibilityDescription" => row.eligibility_description = None,
            "minimumAge" => row.minimum_age = None,
            "maximumAge" => row.maximum_age = None,
            "applicationProcess" => row.application_process = None,
            "feesDescription" => row.fees_description = None,
            // Refused by `check_cleared` above.
            _ => {}
        }
    }
    let row = save_new_version(txn, &existing, row).await?;
    replace_lists(txn, &row.id, fields).await?;
    Ok(Ok(row))
}

/// Archives a service: status `defunct`, which the change feed reports as a deletion.
pub async fn archive_service(
    txn: &impl ConnectionTrait,
    existing: service::Model,
    expected_version: Option<i32>,
) -> AppResult<service::Model> {
    check_version(&existing, expected_version)?;
    let mut row = existing.clone();
    row.status = status::DEFUNCT.to_owned();
    save_new_version(txn, &existing, row).await
}

fn check_version(existing: &service::Model, expected: Option<i32>) -> AppResult<()> {
    match expected {
        Some(expected) if expected != existing.version => Err(conflict(existing.version)),
        _ => Ok(()),
    }
}

pub(crate) fn conflict(current_version: i32) -> AppError {
    AppError::Conflict {
        message: format!("the record has changed: its current version is {current_version}"),
        current_version,
    }
}

fn check_ages(minimum: Option<i32>, maximum: Option<i32>, errors: &mut Vec<UserError>) {
    if let (Some(minimum), Some(maximum)) = (minimum, maximum)
        && maximum < minimum
    {
        errors.push(UserError::new(
            &["maximumAge"],
            "INVALID",
            "maximumAge is below minimumAge",
        ));
    }
}

/// Writes `row` as the next version of `existing`. The update is conditional
/// on the version read, so that of two concurrent writers that both read
/// version n, only one writes n + 1 and the other gets a conflict.
async fn save_new_version(
    txn: &impl ConnectionTrait,
    existing: &service::Model,
    mut row: service::Model,
) -> AppResult<service::Model> {
    row.version = existing.version + 1;
    row.last_modified = Utc::now();
    // `reset_all` marks every column as set: a model converted as it is counts as unchanged.
    let mut active = service::ActiveModel::from(row.clone()).reset_all();
    // The key and the creation time never change.
    active.id = sea_orm::ActiveValue::NotSet;
    active.created_at = sea_orm::ActiveValue::NotSet;
    active.organization_id = sea_orm::ActiveValue::NotSet;
    let result = service::Entity::update_many()
        .set(active)
        .filter(service::Column::Id.eq(existing.id.clone()))
        .filter(service::Column::Version.eq(existing.version))
        .exec(txn)
        .await?;
    if result.rows_affected == 0 {
        let current = find_service(txn, &existing.id)
            .await?
            .map_or(existing.version, |s| s.version);
        return Err(conflict(current));
    }
    Ok(row)
}

/// Replaces the nested lists the input gives (delete, then insert).
async fn replace_lists(txn: &impl ConnectionTrait, service_id: &str, fields: &ServiceFields) -> AppResult<()> {
    let id = service_id.to_owned();
    let new_id = || uuid::Uuid::new_v4().to_string();
    if let Some(location_ids) = &fields.location_ids {
        // Links that stay keep their id (and so their audit trail); only
        // those dropped go and only those new are made.
        let wanted = unique(location_ids);
        service_at_location::Entity::delete_many()
            .filter(service_at_location::Column::ServiceId.eq(id.clone()))
            .filter(service_at_location::Column::LocationId.is_not_in(wanted.clone()))
            .exec(txn)
            .await?;
        let kept: Vec<String> = links_of_service(txn, &id)
            .await?
            .into_iter()
            .map(|link| link.location_id)
            .collect();
        for location_id in wanted.into_iter().filter(|l| !kept.contains(l)) {
            let row = service_at_location::Model {
                id: new_id(),
                service_id: id.clone(),
                location_id,
                description: None,
            };
            service_at_location::Entity::insert(service_at_location::ActiveModel::from(row))
                .exec(txn)
                .await?;
        }
    }
    if let Some(term_ids) = &fields.taxonomy_term_ids {
        attribute::Entity::delete_many()
            .filter(attribute::Column::LinkEntity.eq("service"))
            .filter(attribute::Column::LinkId.eq(id.clone()))
            .exec(txn)
            .await?;
        for term_id in unique(term_ids) {
            let row = attribute::Model {
                id: new_id(),
                link_id: id.clone(),
                taxonomy_term_id: term_id,
                link_type: None,
                link_entity: "service".into(),
                value: None,
                label: None,
            };
            attribute::Entity::insert(attribute::ActiveModel::from(row))
                .exec(txn)
                .await?;
        }
    }
    if let Some(codes) = &fields.languages {
        language::Entity::delete_many()
            .filter(language::Column::ServiceId.eq(id.clone()))
            .exec(txn)
            .await?;
        let codes: Vec<String> = codes.iter().map(|c| c.to_ascii_lowercase()).collect();
        for code in unique(&codes) {
            let row = language::Model {
                id: new_id(),
                service_id: Some(id.clone()),
                location_id: None,
                phone_id: None,
                name: None,
                code: Some(code),
                note: None,
            };
            language::Entity::insert(language::ActiveModel::from(row))
                .exec(txn)
                .await?;
        }
    }
    if let Some(schedules) = &fields.schedules {
        schedule::Entity::delete_many()
            .filter(schedule::Column::ServiceId.eq(id.clone()))
            .exec(txn)
            .await?;
        for fields in schedules {
            let row = schedule_row(fields, new_id(), id.clone());
            schedule::Entity::insert(schedule::ActiveModel::from(row))
                .exec(txn)
                .await?;
        }
    }
    if let Some(phones) = &fields.phones {
        phone::Entity::delete_many()
            .filter(phone::Column::ServiceId.eq(id.clone()))
            .exec(txn)
            .await?;
        for (position, fields) in phones.iter().enumerate() {
            let row = phone::Model {
                id: new_id(),
                location_id: None,
                service_id: Some(id.clone()),
                organization_id: None,
                contact_id: None,
                service_at_location_id: None,
                number: fields.number.clone(),
                extension: fields.extension.clone(),
                phone_type: fields.phone_type.clone(),
                description: fields.description.clone(),
                position: i32::try_from(position).unwrap_or(i32::MAX),
            };
            phone::Entity::insert(phone::ActiveModel::from(row)).exec(txn).await?;
        }
    }
    if let Some(codes) = &fields.service_area_codes {
        service_area::Entity::delete_many()
            .filter(service_area::Column::ServiceId.eq(id.clone()))
            .exec(txn)
            .await?;
        let names: Vec<(String, String)> = area::Entity::find()
            .select_only()
            .columns([area::Column::Code, area::Column::Name])
            .filter(area::Column::Code.is_in(codes.clone()))
            .into_tuple()
            .all(txn)
            .await?;
        for code in unique(codes) {
            let name = names
                .iter()
                .find(|(c, _)| *c == code)
                .map(|(_, name)| name.clone())
                .or_else(|| (code == SCOTLAND).then(|| "Scotland".to_owned()));
            let row = service_area::Model {
                id: new_id(),
                service_id: Some(id.clone()),
                service_at_location_id: None,
                name,
                description: None,
                extent: None,
                extent_type: None,
                uri: None,
                area_code: Some(code),
            };
            service_area::Entity::insert(service_area::ActiveModel::from(row))
                .exec(txn)
                .await?;
        }
    }
    Ok(())
}

/// The links of a service to the locations it is delivered at.
pub async fn links_of_service(
    db: &impl ConnectionTrait,
    service_id: &str,
) -> AppResult<Vec<service_at_location::Model>> {
    Ok(service_at_location::Entity::find()
        .filter(service_at_location::Column::ServiceId.eq(service_id))
        .all(db)
        .await?)
}

/// The links made into `location` by services of other organisations (or
/// of none), with their services: what the location's keeper may review
/// and remove.
pub async fn links_by_others(
    db: &impl ConnectionTrait,
    location: &location::Model,
) -> AppResult<Vec<(service_at_location::Model, service::Model)>> {
    let links = service_at_location::Entity::find()
        .filter(service_at_location::Column::LocationId.eq(location.id.clone()))
        .all(db)
        .await?;
    let service_ids: Vec<String> = links.iter().map(|l| l.service_id.clone()).collect();
    let services = service::Entity::find()
        .filter(service::Column::Id.is_in(service_ids))
        .all(db)
        .await?;
    let mut found: Vec<(service_at_location::Model, service::Model)> = links
        .into_iter()
        .filter_map(|link| {
            let service = services.iter().find(|s| s.id == link.service_id)?.clone();
            (location.organization_id.as_deref() != Some(service.organization_id.as_str())).then_some((link, service))
        })
        .collect();
    found.sort_by(|a, b| a.1.name.cmp(&b.1.name).then_with(|| a.0.id.cmp(&b.0.id)));
    Ok(found)
}

/// Takes `existing` (read in this transaction) off `location_id`: the link
/// goes and the service's version goes up, as any change to its list of
/// locations does. `None` when the service was not listed there.
pub async fn remove_service_at_location(
    txn: &impl ConnectionTrait,
    existing: service::Model,
    location_id: &str,
) -> AppResult<Option<service_at_location::Model>> {
    let Some(link) = service_at_location::Entity::find()
        .filter(service_at_location::Column::ServiceId.eq(existing.id.clone()))
        .filter(service_at_location::Column::LocationId.eq(location_id))
        .one(txn)
        .await?
    else {
        return Ok(None);
    };
    service_at_location::Entity::delete_by_id(link.id.clone())
        .exec(txn)
        .await?;
    save_new_version(txn, &existing, existing.clone()).await?;
    Ok(Some(link))
}

/// The items in their first-seen order, without repeats (a repeated id in
/// the input would otherwise become a duplicate link).
fn unique(items: &[String]) -> Vec<String> {
    let mut seen: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        if !seen.contains(item) {
            seen.push(item.clone());
        }
    }
    seen
}

/// The schedule row an input describes.
fn schedule_row(fields: &ScheduleFields, id: String, service_id: String) -> schedule::Model {
    let join = |items: Vec<String>| (!items.is_empty()).then(|| items.join(","));
    schedule::Model {
        id,
        service_id: (!service_id.is_empty()).then_some(service_id),
        location_id: None,
        service_at_location_id: None,
        valid_from: fields.valid_from,
        valid_to: fields.valid_to,
        dtstart: None,
        timezone: None,
        until: None,
        count: None,
        wkst: None,
        freq: fields.freq.clone(),
        interval: fields.interval,
        byday: join(fields.by_day.clone()),
        byweekno: None,
        bymonthday: fields
            .by_month_day
            .clone()
            .and_then(|days| join(days.iter().map(i32::to_string).collect())),
        byyearday: None,
        description: fields.description.clone(),
        opens_at: fields.opens_at.clone(),
        closes_at: fields.closes_at.clone(),
        schedule_link: None,
        attending_type: None,
        notes: None,
        closed: fields.closed.unwrap_or(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rules() {
        assert!(forbidden_char('\0'));
        assert!(forbidden_char('\u{202E}'));
        assert!(forbidden_char('\u{2068}'));
        assert!(!forbidden_char('é'));
        let mut errors = Vec::new();
        check_text(&mut errors, &["name"], &"ü".repeat(200), NAME_MAX);
        assert!(errors.is_empty(), "length counts characters, not bytes");
        check_text(&mut errors, &["name"], &"a".repeat(201), NAME_MAX);
        assert_eq!(errors[0].code, "TOO_LONG");
        assert_eq!(errors[0].field, ["input", "name"]);
    }

    #[test]
    fn contact_rules() {
        assert!(is_email("help@example.org.uk"));
        for bad in ["", "a@", "@b.org", "a b@c.org", "a@b", "a@@b.org", "a@.org"] {
            assert!(!is_email(bad), "{bad}");
        }
        assert!(is_web_url("https://example.org/x?y=1"));
        assert!(is_web_url("HTTP://EXAMPLE.ORG"));
        for bad in [
            "javascript:alert(1)",
            "ftp://x.org",
            "https://",
            "http:///path",
            "https://a b.org",
            "data:text/html,x",
        ] {
            assert!(!is_web_url(bad), "{bad}");
        }
        assert!(is_phone("0131 496 0000"));
        assert!(is_phone("+44 (0)131 496-0000"));
        for bad in ["123456", "0131 abc 0000", "1".repeat(21).as_str()] {
            assert!(!is_phone(bad), "{bad}");
        }
        assert!(is_language_code("gd") && is_language_code("bfi"));
        assert!(!is_language_code("e") && !is_language_code("engl") && !is_language_code("e1"));
    }
}
