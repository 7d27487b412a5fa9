//! The GraphQL face of directory writes: `createService`, `updateService`,
//! `archiveService`, their inputs and payloads.
//!
//! Each resolver sits behind the `services:write` guard (anonymous:
//! `UNAUTHENTICATED`; no `services:write` or `admin` scope: `FORBIDDEN`),
//! opens one transaction,
//! reads the record and decides ownership from the database, calls the
//! domain (`services::writes`), then reindexes the service's search text and
//! writes one audit row before committing. Validation problems come back in
//! `userErrors` with nothing written.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use sea_orm::{ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter};

use super::context::db;
use super::directory::{Service, ServiceStatus};
use super::errors::GqlResult;
use super::guards::{Scope, caller};
use super::ids::{self, Kind};
use super::scalars::Date;
use crate::error::AppError;
use crate::partners::Viewer;
use crate::partners::access;
use crate::partners::audit::{self, RequestId};
use crate::partners::kind::SERVICES_WRITE;
use crate::services::text;
use crate::services::writes::{self as domain, PhoneFields, ScheduleFields, ServiceFields};
use crate::write_turns::WriteTransaction;

/// A problem with one input field: the write was not made.
#[derive(Debug, Clone, SimpleObject)]
pub struct UserError {
    /// Path of the offending field from the argument, e.g. `["input", "email"]`.
    pub field: Option<Vec<String>>,
    /// What is wrong, for people.
    pub message: String,
    /// What is wrong, for programs: `INVALID`, `TOO_LONG`, `REQUIRED` or `NOT_FOUND`.
    pub code: String,
}

impl From<domain::UserError> for UserError {
    fn from(error: domain::UserError) -> Self {
        UserError {
            field: Some(error.field),
            message: error.message,
            code: error.code.to_owned(),
        }
    }
}

/// The result of a service write.
#[derive(SimpleObject)]
pub struct ServicePayload {
    /// The service as written; null when the input was refused.
    pub service: Option<Service>,
    /// Why the input was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

impl ServicePayload {
    fn refused(errors: Vec<domain::UserError>) -> ServicePayload {
        ServicePayload {
            service: None,
            user_errors: errors.into_iter().map(UserError::from).collect(),
        }
    }
}

/// One row of opening hours (an iCalendar-style recurrence), Europe/London local time.
#[derive(Debug, Clone, InputObject)]
pub struct ScheduleInput {
    /// `WEEKLY` or `MONTHLY`; omitted for one-off dates and ranges.
    pub freq: Option<String>,
    /// Every n-th week or month.
    pub interval: Option<i32>,
    /// iCalendar days: `MO`, `TU`, ..., or with an ordinal (`1MO`, `-1FR`).
    pub by_day: Vec<String>,
    /// Days of the month; negative counts from the month's end.
    pub by_month_day: Option<Vec<i32>>,
    /// Opening time, `HH:MM`.
    pub opens_at: Option<String>,
    /// Closing time, `HH:MM` (`24:00` allowed).
    pub closes_at: Option<String>,
    /// First date the row applies.
    pub valid_from: Option<Date>,
    /// Last date the row applies.
    pub valid_to: Option<Date>,
    /// The hours in words.
    pub description: Option<String>,
    /// A closure rather than an opening.
    pub closed: Option<bool>,
}

impl From<ScheduleInput> for ScheduleFields {
    fn from(input: ScheduleInput) -> Self {
        ScheduleFields {
            freq: input.freq,
            interval: input.interval,
            by_day: input.by_day,
            by_month_day: input.by_month_day,
            opens_at: input.opens_at,
            closes_at: input.closes_at,
            valid_from: input.valid_from.map(|d| d.0),
            valid_to: input.valid_to.map(|d| d.0),
            description: input.description,
            closed: input.closed,
        }
    }
}

/// A phone number.
#[derive(Debug, Clone, InputObject)]
pub struct PhoneInput {
    /// The number: digits, spaces, `+`, `-` and parentheses, 7 to 20 digits.
    pub number: String,
    /// Extension.
    pub extension: Option<String>,
    /// HSDS phone type: `voice`, `text`, `fax`, ...
    #[graphql(name = "type")]
    pub phone_type: Option<String>,
    /// When or what to call it for.
    pub description: Option<String>,
}

impl From<PhoneInput> for PhoneFields {
    fn from(input: PhoneInput) -> Self {
        PhoneFields {
            number: input.number,
            extension: input.extension,
            phone_type: input.phone_type,
            description: input.description,
        }
    }
}

/// A new service of an organization.
#[derive(Debug, Clone, InputObject)]
pub struct CreateServiceInput {
    /// The organization offering it: the caller's own (admins: any).
    pub organization_id: ID,
    /// Official name, 1 to 200 characters.
    pub name: String,
    /// What the service does and for whom, up to 5,000 characters.
    pub description: Option<String>,
    /// Web page (http or https).
    pub url: Option<String>,
    /// Contact email.
    pub email: Option<String>,
    /// Whether it is running (default `ACTIVE`).
    pub status: Option<ServiceStatus>,
    /// Where it is delivered.
    pub location_ids: Option<Vec<ID>>,
    /// Categories and audiences.
    pub taxonomy_term_ids: Option<Vec<ID>>,
    /// ISO 639 codes of the languages it is offered in.
    pub languages: Option<Vec<String>>,
    /// Opening hours.
    pub schedules: Option<Vec<ScheduleInput>>,
    /// Phone numbers, in order.
    pub phones: Option<Vec<PhoneInput>>,
    /// Who may use it.
    pub eligibility_description: Option<String>,
    /// Youngest age served (0 to 120).
    pub minimum_age: Option<i32>,
    /// Oldest age served (0 to 120, not below `minimumAge`).
    pub maximum_age: Option<i32>,
    /// How to apply or get referred.
    pub application_process: Option<String>,
    /// What it costs, in words.
    pub fees_description: Option<String>,
    /// Council areas (GSS codes) it serves, or `SCOTLAND`.
    pub service_area_codes: Option<Vec<String>>,
}

/// Changes to a service: omitted fields stay as they are; a given list
/// replaces the stored one.
#[derive(Debug, Clone, InputObject)]
pub struct UpdateServiceInput {
    /// The service to change.
    pub id: ID,
    /// Official name, 1 to 200 characters (cannot be cleared).
    pub name: MaybeUndefined<String>,
    /// What the service does and for whom, up to 5,000 characters.
    pub description: MaybeUndefined<String>,
    /// Web page (http or https).
    pub url: MaybeUndefined<String>,
    /// Contact email.
    pub email: MaybeUndefined<String>,
    /// Whether it is running (cannot be cleared).
    pub status: MaybeUndefined<ServiceStatus>,
    /// Where it is delivered (replaces the list; null empties it).
    pub location_ids: MaybeUndefined<Vec<ID>>,
    /// Categories and audiences (replaces the list; null empties it).
    pub taxonomy_term_ids: MaybeUndefined<Vec<ID>>,
    /// ISO 639 codes (replaces the list; null empties it).
    pub languages: MaybeUndefined<Vec<String>>,
    /// Opening hours (replaces the list; null empties it).
    pub schedules: MaybeUndefined<Vec<ScheduleInput>>,
    /// Phone numbers (replaces the list; null empties it).
    pub phones: MaybeUndefined<Vec<PhoneInput>>,
    /// Who may use it.
    pub eligibility_description: MaybeUndefined<String>,
    /// Youngest age served (0 to 120).
    pub minimum_age: MaybeUndefined<i32>,
    /// Oldest age served (0 to 120, not below `minimumAge`).
    pub maximum_age: MaybeUndefined<i32>,
    /// How to apply or get referred.
    pub application_process: MaybeUndefined<String>,
    /// What it costs, in words.
    pub fees_description: MaybeUndefined<String>,
    /// Council areas (GSS codes) it serves, or `SCOTLAND` (replaces the
    /// list; null empties it).
    pub service_area_codes: MaybeUndefined<Vec<String>>,
    /// The version the change is based on; a stale one fails with `CONFLICT`.
    pub expected_version: Option<i32>,
}

/// Retiring a service.
#[derive(Debug, Clone, InputObject)]
pub struct ArchiveServiceInput {
    /// The service to archive.
    pub id: ID,
    /// The version the change is based on; a stale one fails with `CONFLICT`.
    pub expected_version: Option<i32>,
}

/// Decodes a list of ids into the input path `["input", field, i]`.
fn decode_ids(ids: Option<Vec<ID>>, kind: Kind, field: &str) -> Result<Option<Vec<String>>, AppError> {
    let Some(ids) = ids else { return Ok(None) };
    let mut raw = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        raw.push(ids::decode(id, kind, &["input", field, &i.to_string()])?);
    }
    Ok(Some(raw))
}

/// A nullable field of an update input: its value, or `None` when it is
/// omitted. An explicit null means "clear it": the field joins `cleared`
/// (the domain refuses it for fields that cannot be cleared).
pub(crate) fn patch<T>(value: MaybeUndefined<T>, field: &'static str, cleared: &mut Vec<&'static str>) -> Option<T> {
    match value {
        MaybeUndefined::Value(value) => Some(value),
        MaybeUndefined::Null => {
            cleared.push(field);
            None
        }
        MaybeUndefined::Undefined => None,
    }
}

/// A list field of an update input: the list that replaces the stored one,
/// or `None` when it is omitted. An explicit null empties it, as `[]` does.
pub(crate) fn replaced_list<T>(value: MaybeUndefined<Vec<T>>) -> Option<Vec<T>> {
    match value {
        MaybeUndefined::Value(list) => Some(list),
        MaybeUndefined::Null => Some(Vec::new()),
        MaybeUndefined::Undefined => None,
    }
}

/// Opens a write transaction (see `db::begin_write`); a failure is an `AppError`.
pub(crate) async fn begin_write(db: &DatabaseConnection) -> Result<WriteTransaction, AppError> {
    Ok(crate::db::begin_write(db).await?)
}

/// Reindexes the service, writes the audit row and commits.
async fn finish(
    ctx: &Context<'_>,
    txn: WriteTransaction,
    viewer: &Viewer,
    action: &str,
    service_id: &str,
    fields: &[&str],
) -> Result<(), AppError> {
    text::reindex(&txn, &[service_id.to_owned()]).await?;
    let request_id = ctx.data_opt::<RequestId>();
    audit::record(&txn, Some(viewer), action, "service", service_id, fields, request_id).await?;
    txn.commit().await?;
    Ok(())
}

/// Writes on services.
#[derive(Default)]
pub struct ServiceWrites;

/// Writes on services.
#[Object]
impl ServiceWrites {
    /// Creates a service of the caller's organization (admins: any).
    /// Needs the `services:write` scope.
    #[graphql(guard = "Scope(SERVICES_WRITE)")]
    async fn create_service(&self, ctx: &Context<'_>, input: CreateServiceInput) -> GqlResult<ServicePayload> {
        let viewer = caller(ctx)?;
        let organization_id = ids::decode(&input.organization_id, Kind::Organization, &["input", "organizationId"])?;
        access::must_keep_organization(viewer, &organization_id, "the organization")?;
        let fields = ServiceFields {
            name: Some(input.name),
            description: input.description,
            url: input.url,
            email: input.email,
            status: input.status.map(|s| s.as_hsds().to_owned()),
            location_ids: decode_ids(input.location_ids, Kind::Location, "locationIds")?,
            taxonomy_term_ids: decode_ids(input.taxonomy_term_ids, Kind::TaxonomyTerm, "taxonomyTermIds")?,
            languages: input.languages,
            schedules: input.schedules.map(|s| s.into_iter().map(Into::into).collect()),
            phones: input.phones.map(|p| p.into_iter().map(Into::into).collect()),
            eligibility_description: input.eligibility_description,
            minimum_age: input.minimum_age,
            maximum_age: input.maximum_age,
            application_process: input.application_process,
            fees_description: input.fees_description,
            service_area_codes: input.service_area_codes,
            cleared: Vec::new(),
        };
        let txn = begin_write(db(ctx)?).await?;
        let exists = entity::organization::Entity::find_by_id(organization_id.clone())
            .one(&txn)
            .await
            .map_err(AppError::from)?
            .is_some();
        if !exists {
            return Ok(ServicePayload::refused(vec![domain::UserError {
                field: vec!["input".into(), "organizationId".into()],
                message: "no such organization".into(),
                code: "NOT_FOUND",
            }]));
        }
        let service = match domain::create_service(&txn, &organization_id, &fields).await? {
            Ok(service) => service,
            Err(errors) => return Ok(ServicePayload::refused(errors)),
        };
        audit_links_into_others(ctx, &txn, viewer, &service, &[]).await?;
        let mut given = vec!["organizationId"];
        given.extend(fields.given());
        finish(ctx, txn, viewer, "service.create", &service.id, &given).await?;
        Ok(ServicePayload {
            service: Some(Service(service)),
            user_errors: Vec::new(),
        })
    }

    /// Changes a service of the caller's organization (admins: any).
    /// Needs the `services:write` scope; `version` goes up by one.
    #[graphql(guard = "Scope(SERVICES_WRITE)")]
    async fn update_service(&self, ctx: &Context<'_>, input: UpdateServiceInput) -> GqlResult<ServicePayload> {
        let viewer = caller(ctx)?;
        let id = ids::decode(&input.id, Kind::Service, &["input", "id"])?;
        let mut cleared = Vec::new();
        let fields = ServiceFields {
            name: patch(input.name, "name", &mut cleared),
            description: patch(input.description, "description", &mut cleared),
            url: patch(input.url, "url", &mut cleared),
            email: patch(input.email, "email", &mut cleared),
            status: patch(input.status, "status", &mut cleared).map(|s| s.as_hsds().to_owned()),
            location_ids: decode_ids(replaced_list(input.location_ids), Kind::Location, "locationIds")?,
            taxonomy_term_ids: decode_ids(
                replaced_list(input.taxonomy_term_ids),
                Kind::TaxonomyTerm,
                "taxonomyTermIds",
            )?,
            languages: replaced_list(input.languages),
            schedules: replaced_list(input.schedules).map(|s| s.into_iter().map(Into::into).collect()),
            phones: replaced_list(input.phones).map(|p| p.into_iter().map(Into::into).collect()),
            eligibility_description: patch(input.eligibility_description, "eligibilityDescription", &mut cleared),
            minimum_age: patch(input.minimum_age, "minimumAge", &mut cleared),
            maximum_age: patch(input.maximum_age, "maximumAge", &mut cleared),
            application_process: patch(input.application_process, "applicationProcess", &mut cleared),
            fees_description: patch(input.fees_description, "feesDescription", &mut cleared),
            service_area_codes: replaced_list(input.service_area_codes),
            cleared,
        };
        let txn = begin_write(db(ctx)?).await?;
        let existing = owned_service(&txn, viewer, &id).await?;
        let before = domain::links_of_service(&txn, &existing.id).await?;
        let service = match domain::update_service(&txn, existing, &fields, input.expected_version).await? {
            Ok(service) => service,
            Err(errors) => return Ok(ServicePayload::refused(errors)),
        };
        audit_links_into_others(ctx, &txn, viewer, &service, &before).await?;
        finish(ctx, txn, viewer, "service.update", &service.id, &fields.given()).await?;
        Ok(ServicePayload {
            service: Some(Service(service)),
            user_errors: Vec::new(),
        })
    }

    /// Retires a service: its status becomes `DEFUNCT` and the change feed
    /// reports it as deleted. Needs the `services:write` scope.
    #[graphql(guard = "Scope(SERVICES_WRITE)")]
    async fn archive_service(&self, ctx: &Context<'_>, input: ArchiveServiceInput) -> GqlResult<ServicePayload> {
        let viewer = caller(ctx)?;
        let id = ids::decode(&input.id, Kind::Service, &["input", "id"])?;
        let txn = begin_write(db(ctx)?).await?;
        let existing = owned_service(&txn, viewer, &id).await?;
        let service = domain::archive_service(&txn, existing, input.expected_version).await?;
        finish(ctx, txn, viewer, "service.archive", &service.id, &["status"]).await?;
        Ok(ServicePayload {
            service: Some(Service(service)),
            user_errors: Vec::new(),
        })
    }

    /// Takes a service off a location. For the keeper of the location (to
    /// remove a listing another organisation made at its place, see
    /// `Location.serviceLinksFromOthers`), the keeper of the service, and
    /// admins; needs the `services:write` scope. The service's `version`
    /// goes up. Anyone else: FORBIDDEN.
    #[graphql(guard = "Scope(SERVICES_WRITE)")]
    async fn remove_service_at_location(
        &self,
        ctx: &Context<'_>,
        input: RemoveServiceAtLocationInput,
    ) -> GqlResult<ServicePayload> {
        let viewer = caller(ctx)?;
        let service_id = ids::decode(&input.service_id, Kind::Service, &["input", "serviceId"])?;
        let location_id = ids::decode(&input.location_id, Kind::Location, &["input", "locationId"])?;
        let txn = begin_write(db(ctx)?).await?;
        let existing = domain::find_service(&txn, &service_id)
            .await?
            .ok_or_else(|| AppError::NotFound("no such service".into()))?;
        let location = entity::location::Entity::find_by_id(location_id.clone())
            .one(&txn)
            .await
            .map_err(AppError::from)?
            .ok_or_else(|| AppError::NotFound("no such location".into()))?;
        // A location without an organization is the platform's: only admins match "".
        let keeps_location =
            access::keeps_organization(viewer, location.organization_id.as_deref().unwrap_or_default());
        if !keeps_location && !access::keeps_organization(viewer, &existing.organization_id) {
            return Err(AppError::Forbidden(
                "a listing is removed by the keeper of the location or of the service".into(),
            )
            .into());
        }
        let Some(link) = domain::remove_service_at_location(&txn, existing, &location.id).await? else {
            return Ok(ServicePayload::refused(vec![domain::UserError {
                field: vec!["input".into(), "locationId".into()],
                message: "the service is not listed at this location".into(),
                code: "NOT_FOUND",
            }]));
        };
        let request_id = ctx.data_opt::<RequestId>();
        audit::record(
            &txn,
            Some(viewer),
            LINK_REMOVED,
            LINK_ENTITY,
            &link.id,
            &["serviceId", "locationId"],
            request_id,
        )
        .await?;
        text::reindex(&txn, std::slice::from_ref(&link.service_id)).await?;
        let service = domain::find_service(&txn, &link.service_id)
            .await?
            .ok_or_else(|| AppError::Internal(format!("service {} vanished in its write", link.service_id)))?;
        txn.commit().await.map_err(AppError::from)?;
        Ok(ServicePayload {
            service: Some(Service(service)),
            user_errors: Vec::new(),
        })
    }
}

/// The audit trail's name for a link of a service to a location.
pub(crate) const LINK_ENTITY: &str = "service_at_location";
/// A service listed at a location of another organisation.
pub(crate) const LINK_MADE: &str = "service_at_location.create";
/// A listing taken off a location.
const LINK_REMOVED: &str = "service_at_location.delete";

/// Takes a service off a location.
#[derive(Debug, Clone, InputObject)]
pub struct RemoveServiceAtLocationInput {
    /// The service listed.
    pub service_id: ID,
    /// The location it is listed at.
    pub location_id: ID,
}

/// Writes one audit row for each link `service` now has, and did not have
/// (`before`), into a location another organisation keeps (or none does):
/// the row that tells that location's keeper who listed a service at its
/// place, and when.
async fn audit_links_into_others(
    ctx: &Context<'_>,
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    service: &entity::service::Model,
    before: &[entity::service_at_location::Model],
) -> Result<(), AppError> {
    let added: Vec<entity::service_at_location::Model> = domain::links_of_service(txn, &service.id)
        .await?
        .into_iter()
        .filter(|link| !before.iter().any(|b| b.id == link.id))
        .collect();
    if added.is_empty() {
        return Ok(());
    }
    let locations = entity::location::Entity::find()
        .filter(entity::location::Column::Id.is_in(added.iter().map(|l| l.location_id.clone())))
        .all(txn)
        .await?;
    let request_id = ctx.data_opt::<RequestId>();
    for link in added {
        let foreign = locations
            .iter()
            .find(|l| l.id == link.location_id)
            .is_some_and(|l| l.organization_id.as_deref() != Some(service.organization_id.as_str()));
        if foreign {
            let fields = ["serviceId", "locationId"];
            audit::record(txn, Some(viewer), LINK_MADE, LINK_ENTITY, &link.id, &fields, request_id).await?;
        }
    }
    Ok(())
}

/// The service `id`, read in the write's transaction, if the caller may write it.
async fn owned_service(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    id: &str,
) -> Result<entity::service::Model, AppError> {
    let existing = domain::find_service(txn, id)
        .await?
        .ok_or_else(|| AppError::NotFound("no such service".into()))?;
    access::must_keep_organization(viewer, &existing.organization_id, "the service")?;
    Ok(existing)
}
