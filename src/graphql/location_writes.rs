//! The GraphQL face of location writes: `createLocation` and
//! `updateLocation`, for the owning organization's library or third-sector
//! partner (with `services:write`) or an admin. One transaction holds the
//! row, its address and one audit row.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use entity::location;
use sea_orm::EntityTrait;

use super::context::db;
use super::directory::{Location, LocationType};
use super::errors::GqlResult;
use super::guards::{Scope, caller};
use super::ids::{self, Kind};
use super::writes::{UserError, begin_write, patch};
use crate::error::AppError;
use crate::hubs;
use crate::partners::access;
use crate::partners::audit::{self, RequestId};
use crate::partners::kind::SERVICES_WRITE;
use crate::services::location_writes::{self as domain, AddressFields, LocationFields};
use crate::services::writes::Outcome;

/// The result of a location write.
#[derive(SimpleObject)]
pub struct LocationPayload {
    /// The location as written; null when the input was refused.
    pub location: Option<Location>,
    /// Why the input was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

fn payload(result: Outcome<location::Model>) -> LocationPayload {
    match result {
        Ok(row) => LocationPayload {
            location: Some(Location(row)),
            user_errors: Vec::new(),
        },
        Err(errors) => LocationPayload {
            location: None,
            user_errors: errors.into_iter().map(UserError::from).collect(),
        },
    }
}

/// A postal address (it replaces the location's address).
#[derive(Debug, Clone, InputObject)]
pub struct AddressInput {
    /// First line.
    pub address1: String,
    /// Second line.
    pub address2: Option<String>,
    /// Town or city.
    pub city: String,
    /// Council area or region, in words.
    pub region: Option<String>,
    /// A full UK postcode (stored normalised, e.g. `EH1 1AA`).
    pub postal_code: String,
    /// Country (ISO 3166-1 code or name).
    pub country: String,
}

impl From<AddressInput> for AddressFields {
    fn from(input: AddressInput) -> Self {
        AddressFields {
            address_1: input.address1,
            address_2: input.address2,
            city: input.city,
            region: input.region,
            postal_code: input.postal_code,
            country: input.country,
        }
    }
}

/// A new location of an organization.
#[derive(Debug, Clone, InputObject)]
pub struct CreateLocationInput {
    /// The organization it belongs to: the caller's own (admins: any).
    pub organization_id: ID,
    /// Name, 1 to 200 characters.
    pub name: String,
    /// What and where it is.
    pub description: Option<String>,
    /// Physical (default), postal or virtual.
    pub location_type: Option<LocationType>,
    /// WGS84 latitude, -90 to 90.
    pub latitude: Option<f64>,
    /// WGS84 longitude, -180 to 180.
    pub longitude: Option<f64>,
    /// Postal address.
    pub address: Option<AddressInput>,
    /// Council area (GSS code).
    pub area_code: Option<String>,
}

/// Changes to a location: omitted fields stay as they are.
#[derive(Debug, Clone, InputObject)]
pub struct UpdateLocationInput {
    /// The location to change.
    pub id: ID,
    /// Name, 1 to 200 characters.
    pub name: MaybeUndefined<String>,
    /// What and where it is.
    pub description: MaybeUndefined<String>,
    /// WGS84 latitude, -90 to 90.
    pub latitude: MaybeUndefined<f64>,
    /// WGS84 longitude, -180 to 180.
    pub longitude: MaybeUndefined<f64>,
    /// Postal address (replaces the stored one); null removes it.
    pub address: MaybeUndefined<AddressInput>,
    /// Council area (GSS code). It follows the address's postcode when the
    /// postcode is known; null clears it only when no postcode decides it
    /// and no hub stands here.
    pub area_code: MaybeUndefined<String>,
    /// The version the change is based on; a stale one fails with `CONFLICT`.
    pub expected_version: Option<i32>,
}

fn hsds_type(location_type: LocationType) -> &'static str {
    match location_type {
        LocationType::Physical => "physical",
        LocationType::Postal => "postal",
        LocationType::Virtual => "virtual",
    }
}

/// Writes on locations.
#[derive(Default)]
pub struct LocationWrites;

/// Writes on locations.
#[Object]
impl LocationWrites {
    /// Creates a location of the caller's organization (admins: any).
    /// Needs the `services:write` scope.
    #[graphql(guard = "Scope(SERVICES_WRITE)")]
    async fn create_location(&self, ctx: &Context<'_>, input: CreateLocationInput) -> GqlResult<LocationPayload> {
        let viewer = caller(ctx)?;
        let organization_id = ids::decode(&input.organization_id, Kind::Organization, &["input", "organizationId"])?;
        access::must_keep_organization(viewer, &organization_id, "the organization")?;
        let fields = LocationFields {
            name: Some(input.name),
            description: input.description,
            location_type: input.location_type.map(|t| hsds_type(t).to_owned()),
            latitude: input.latitude,
            longitude: input.longitude,
            address: input.address.map(Into::into),
            area_code: input.area_code,
            cleared: Vec::new(),
        };
        let txn = begin_write(db(ctx)?).await?;
        let exists = entity::organization::Entity::find_by_id(organization_id.clone())
            .one(&txn)
            .await
            .map_err(AppError::from)?
            .is_some();
        if !exists {
            // As for createService: an unknown id in the input is a user error on its field.
            return Ok(payload(Err(vec![crate::services::writes::UserError::new(
                &["organizationId"],
                "NOT_FOUND",
                "no such organization",
            )])));
        }
        let result = domain::create_location(&txn, &organization_id, &fields).await?;
        if let Ok(row) = &result {
            let mut given = vec!["organizationId"];
            given.extend(fields.given());
            let request_id = ctx.data_opt::<RequestId>();
            audit::record(
                &txn,
                Some(viewer),
                "location.create",
                "location",
                &row.id,
                &given,
                request_id,
            )
            .await?;
            txn.commit().await.map_err(AppError::from)?;
        }
        Ok(payload(result))
    }

    /// Changes a location of the caller's organization (admins: any).
    /// Needs the `services:write` scope; `version` goes up by one.
    #[graphql(guard = "Scope(SERVICES_WRITE)")]
    async fn update_location(&self, ctx: &Context<'_>, input: UpdateLocationInput) -> GqlResult<LocationPayload> {
        let viewer = caller(ctx)?;
        let id = ids::decode(&input.id, Kind::Location, &["input", "id"])?;
        let mut cleared = Vec::new();
        let fields = LocationFields {
            name: patch(input.name, "name", &mut cleared),
            description: patch(input.description, "description", &mut cleared),
            location_type: None,
            latitude: patch(input.latitude, "latitude", &mut cleared),
            longitude: patch(input.longitude, "longitude", &mut cleared),
            address: patch(input.address, "address", &mut cleared).map(Into::into),
            area_code: patch(input.area_code, "areaCode", &mut cleared),
            cleared,
        };
        let txn = begin_write(db(ctx)?).await?;
        let existing = domain::find_location(&txn, &id)
            .await?
            .ok_or_else(|| AppError::NotFound("no such location".into()))?;
        // A location without an organization is the platform's: only admins match "".
        let owner = existing.organization_id.clone().unwrap_or_default();
        access::must_keep_organization(viewer, &owner, "the location")?;
        let result = domain::update_location(&txn, existing, &fields, input.expected_version).await?;
        if let Ok(row) = &result {
            let request_id = ctx.data_opt::<RequestId>();
            // The location's hub lies where the location does.
            if let Some(area_code) = &row.area_code
                && let Some(hub) =
                    hubs::writes::follow_location_area(&txn, &row.id, area_code, row.last_modified).await?
            {
                audit::record(
                    &txn,
                    Some(viewer),
                    "hub.move_area",
                    "hub",
                    &hub.id,
                    &["areaCode"],
                    request_id,
                )
                .await?;
            }
            audit::record(
                &txn,
                Some(viewer),
                "location.update",
                "location",
                &row.id,
                &fields.given(),
                request_id,
            )
            .await?;
            txn.commit().await.map_err(AppError::from)?;
        }
        Ok(payload(result))
    }
}
