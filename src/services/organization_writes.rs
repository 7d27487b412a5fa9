//! Creating and updating organizations: validation and optimistic
//! concurrency, in the caller's transaction (see `services::writes`).

use chrono::Utc;
use entity::{organization, service};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::writes::{
    DESCRIPTION_MAX, NAME_MAX, Outcome, SHORT_MAX, UserError, check_cleared, check_optional_text, check_text, conflict,
    is_email, is_web_url,
};
use crate::error::AppResult;

/// The fields a create or update may set; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct OrganizationFields {
    pub name: Option<String>,
    pub description: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    /// Fields an update sets to null: one of `CLEARABLE`.
    pub cleared: Vec<&'static str>,
}

impl OrganizationFields {
    /// The optional fields an update may clear by giving null (HSDS requires a description).
    pub const CLEARABLE: [&'static str; 2] = ["email", "website"];

    /// The names of the fields the input sets, for the audit trail.
    pub fn given(&self) -> Vec<&'static str> {
        [
            ("name", self.name.is_some()),
            ("description", self.description.is_some()),
            ("email", self.email.is_some()),
            ("website", self.website.is_some()),
        ]
        .into_iter()
        .filter(|(_, set)| *set)
        .map(|(name, _)| name)
        .chain(self.cleared.iter().copied())
        .collect()
    }

    fn check(&self) -> Vec<UserError> {
        let mut errors = Vec::new();
        check_cleared(&mut errors, &self.cleared, &OrganizationFields::CLEARABLE);
        if let Some(name) = &self.name {
            if name.trim().is_empty() {
                errors.push(UserError::new(&["name"], "REQUIRED", "the name must not be empty"));
            } else {
                check_text(&mut errors, &["name"], name, NAME_MAX);
            }
        }
        check_optional_text(&mut errors, "description", &self.description, DESCRIPTION_MAX);
        if self
            .email
            .as_ref()
            .is_some_and(|email| !is_email(email) || email.len() > SHORT_MAX)
        {
            errors.push(UserError::new(&["email"], "INVALID", "not an email address"));
        }
        if self
            .website
            .as_ref()
            .is_some_and(|url| !is_web_url(url) || url.len() > SHORT_MAX)
        {
            errors.push(UserError::new(&["website"], "INVALID", "not an http or https URL"));
        }
        errors
    }
}

pub async fn find_organization(db: &impl ConnectionTrait, id: &str) -> AppResult<Option<organization::Model>> {
    Ok(organization::Entity::find_by_id(id.to_owned()).one(db).await?)
}

/// Creates an organization; `name` and `description` are required.
pub async fn create_organization(
    txn: &impl ConnectionTrait,
    fields: &OrganizationFields,
) -> AppResult<Outcome<organization::Model>> {
    let errors = fields.check();
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let now = Utc::now();
    let row = organization::Model {
        id: uuid::Uuid::new_v4().to_string(),
        name: fields.name.clone().unwrap_or_default(),
        alternate_name: None,
        description: fields.description.clone().unwrap_or_default(),
        email: fields.email.clone(),
        website: fields.website.clone(),
        tax_status: None,
        tax_id: None,
        year_incorporated: None,
        legal_status: None,
        logo: None,
        uri: None,
        parent_organization_id: None,
        version: 1,
        created_at: now,
        last_modified: now,
    };
    organization::Entity::insert(organization::ActiveModel::from(row.clone()))
        .exec(txn)
        .await?;
    Ok(Ok(row))
}

/// Updates `existing` (read in this transaction); a stale `expected_version`
/// is a `Conflict`. The update is conditional on the version read.
pub async fn update_organization(
    txn: &impl ConnectionTrait,
    existing: organization::Model,
    fields: &OrganizationFields,
    expected_version: Option<i32>,
) -> AppResult<Outcome<organization::Model>> {
    if expected_version.is_some_and(|v| v != existing.version) {
        return Err(conflict(existing.version));
    }
    let errors = fields.check();
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let mut row = existing.clone();
    if let Some(name) = &fields.name {
        row.name = name.clone();
    }
    if let Some(description) = &fields.description {
        row.description = description.clone();
    }
    row.email = fields.email.clone().or(row.email);
    row.website = fields.website.clone().or(row.website);
    for field in &fields.cleared {
        match *field {
            "email" => row.email = None,
            "website" => row.website = None,
            // Refused by `check`.
            _ => {}
        }
    }
    row.version = existing.version + 1;
    row.last_modified = Utc::now();
    // `reset_all` marks every column as set: a model converted as it is counts as unchanged.
    let mut active = organization::ActiveModel::from(row.clone()).reset_all();
    active.id = sea_orm::ActiveValue::NotSet;
    active.created_at = sea_orm::ActiveValue::NotSet;
    let result = organization::Entity::update_many()
        .set(active)
        .filter(organization::Column::Id.eq(existing.id.clone()))
        .filter(organization::Column::Version.eq(existing.version))
        .exec(txn)
        .await?;
    if result.rows_affected == 0 {
        let current = find_organization(txn, &existing.id)
            .await?
            .map_or(existing.version, |o| o.version);
        return Err(conflict(current));
    }
    Ok(Ok(row))
}

/// The services of an organization (their search text holds its name).
pub async fn service_ids_of(db: &impl ConnectionTrait, organization_id: &str) -> AppResult<Vec<String>> {
    Ok(service::Entity::find()
        .select_only()
        .column(service::Column::Id)
        .filter(service::Column::OrganizationId.eq(organization_id))
        .into_tuple()
        .all(db)
        .await?)
}
