//! Creating and updating locations and their address: validation (postcode,
//! coordinates, area) and optimistic concurrency, in the caller's
//! transaction (see `services::writes`).
//!
//! A location's council area follows its postcode: when the address's
//! postcode is in the postcode table, its area is the location's, and an
//! `areaCode` that says otherwise is refused. A typed `areaCode` is kept only
//! where the postcode is unknown; it places the location in the directory
//! but grants nothing (see `partners::working_areas`).

use std::collections::HashMap;

use chrono::Utc;
use entity::{address, area, hub, location, postcode};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::postcode::Postcode;
use super::writes::{
    DESCRIPTION_MAX, NAME_MAX, Outcome, SHORT_MAX, UserError, check_cleared, check_optional_text, check_text, conflict,
};
use crate::error::AppResult;

/// A postal address.
#[derive(Debug, Clone, Default)]
pub struct AddressFields {
    pub address_1: String,
    pub address_2: Option<String>,
    pub city: String,
    pub region: Option<String>,
    pub postal_code: String,
    pub country: String,
}

/// The fields a create or update may set; `None` leaves a field as it is.
/// A given address replaces the stored one.
#[derive(Debug, Clone, Default)]
pub struct LocationFields {
    pub name: Option<String>,
    pub description: Option<String>,
    /// HSDS `location_type`: `physical`, `postal` or `virtual`.
    pub location_type: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub address: Option<AddressFields>,
    pub area_code: Option<String>,
    /// Fields an update sets to null: one of `CLEARABLE`.
    pub cleared: Vec<&'static str>,
}

impl LocationFields {
    /// The optional fields an update may clear by giving null.
    pub const CLEARABLE: [&'static str; 5] = ["description", "latitude", "longitude", "address", "areaCode"];

    /// The names of the fields the input sets, for the audit trail.
    pub fn given(&self) -> Vec<&'static str> {
        [
            ("name", self.name.is_some()),
            ("description", self.description.is_some()),
            ("locationType", self.location_type.is_some()),
            ("latitude", self.latitude.is_some()),
            ("longitude", self.longitude.is_some()),
            ("address", self.address.is_some()),
            ("areaCode", self.area_code.is_some()),
        ]
        .into_iter()
        .filter(|(_, set)| *set)
        .map(|(name, _)| name)
        .chain(self.cleared.iter().copied())
        .collect()
    }

    async fn check(&self, db: &impl ConnectionTrait) -> AppResult<Vec<UserError>> {
        let mut errors = Vec::new();
        check_cleared(&mut errors, &self.cleared, &LocationFields::CLEARABLE);
        if let Some(name) = &self.name {
            if name.trim().is_empty() {
                errors.push(UserError::new(&["name"], "REQUIRED", "the name must not be empty"));
            } else {
                check_text(&mut errors, &["name"], name, NAME_MAX);
            }
        }
        check_optional_text(&mut errors, "description", &self.description, DESCRIPTION_MAX);
        if self
            .latitude
            .is_some_and(|l| !l.is_finite() || !(-90.0..=90.0).contains(&l))
        {
            errors.push(UserError::new(&["latitude"], "INVALID", "a latitude from -90 to 90"));
        }
        if self
            .longitude
            .is_some_and(|l| !l.is_finite() || !(-180.0..=180.0).contains(&l))
        {
            errors.push(UserError::new(
                &["longitude"],
                "INVALID",
                "a longitude from -180 to 180",
            ));
        }
        if let Some(address) = &self.address {
            for (field, text) in [
                ("address1", &address.address_1),
                ("city", &address.city),
                ("country", &address.country),
            ] {
                if text.trim().is_empty() {
                    errors.push(UserError::new(&["address", field], "REQUIRED", "must not be empty"));
                } else {
                    check_text(&mut errors, &["address", field], text, SHORT_MAX);
                }
            }
            for (field, text) in [("address2", &address.address_2), ("region", &address.region)] {
                if let Some(text) = text {
                    check_text(&mut errors, &["address", field], text, SHORT_MAX);
                }
            }
            if !matches!(Postcode::parse(&address.postal_code), Ok(Postcode::Full { .. })) {
                errors.push(UserError::new(
                    &["address", "postalCode"],
                    "INVALID",
                    "not a full UK postcode",
                ));
            }
        }
        if let Some(code) = &self.area_code
            && area::Entity::find_by_id(code.clone()).one(db).await?.is_none()
        {
            errors.push(UserError::new(&["areaCode"], "NOT_FOUND", "no such area code"));
        }
        Ok(errors)
    }

    /// The area the location will lie in, given the postcode it will have
    /// (`postal_code`: the new address's, else the stored one): the
    /// postcode's area where the postcode is known, else the typed
    /// `areaCode`, else `current`. A typed area that contradicts a known
    /// postcode is a user error.
    async fn area(
        &self,
        db: &impl ConnectionTrait,
        postal_code: Option<&str>,
        current: Option<String>,
        errors: &mut Vec<UserError>,
    ) -> AppResult<Option<String>> {
        let Some(derived) = area_of_postcode(db, postal_code).await? else {
            return Ok(self.area_code.clone().or(current));
        };
        if let Some(typed) = &self.area_code
            && typed != &derived
        {
            let postcode = postal_code.unwrap_or_default();
            errors.push(UserError::new(
                &["areaCode"],
                "INVALID",
                format!("{postcode} lies in council area {derived}; leave areaCode out or give {derived}"),
            ));
        }
        Ok(Some(derived))
    }
}

/// The council area of a full postcode in the postcode table; `None` when
/// the postcode is malformed, unknown or has no area.
pub async fn area_of_postcode(db: &impl ConnectionTrait, postal_code: Option<&str>) -> AppResult<Option<String>> {
    let Some(Postcode::Full { outward, inward }) = postal_code.and_then(|p| Postcode::parse(p).ok()) else {
        return Ok(None);
    };
    let found = postcode::Entity::find_by_id(format!("{outward} {inward}"))
        .one(db)
        .await?;
    Ok(found.and_then(|p| p.area_code))
}

/// Sets each location's council area from the postcode of its address
/// (the physical one, else the first) where the postcode table knows it:
/// the rule `create` and `update` apply, for locations written in bulk
/// (the HSDS importer, whose documents carry no council area). Locations
/// whose postcode is unknown keep the area they have. One statement.
pub async fn place_by_postcode(
    db: &impl ConnectionTrait,
    locations: &mut [location::Model],
    addresses: &[address::Model],
) -> AppResult<()> {
    let mut postcode_of: HashMap<&str, (bool, String)> = HashMap::new();
    for a in addresses {
        let (Some(location_id), Ok(Postcode::Full { outward, inward })) =
            (a.location_id.as_deref(), Postcode::parse(&a.postal_code))
        else {
            continue;
        };
        let physical = a.address_type == "physical";
        let first_or_better = postcode_of
            .get(location_id)
            .is_none_or(|(was_physical, _)| physical && !was_physical);
        if first_or_better {
            postcode_of.insert(location_id, (physical, format!("{outward} {inward}")));
        }
    }
    if postcode_of.is_empty() {
        return Ok(());
    }
    let codes: Vec<String> = postcode_of.values().map(|(_, code)| code.clone()).collect();
    let areas: HashMap<String, String> = postcode::Entity::find()
        .select_only()
        .column(postcode::Column::Code)
        .column(postcode::Column::AreaCode)
        // One bound list however many locations the import holds.
        .filter(crate::db::is_in_list(
            db.get_database_backend(),
            Expr::col(postcode::Column::Code),
            &codes,
        ))
        .filter(postcode::Column::AreaCode.is_not_null())
        .into_tuple::<(String, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    for location in locations.iter_mut() {
        if let Some(area) = postcode_of
            .get(location.id.as_str())
            .and_then(|(_, code)| areas.get(code))
        {
            location.area_code = Some(area.clone());
        }
    }
    Ok(())
}

/// Whether a hub stands at the location.
async fn hub_stands_at(db: &impl ConnectionTrait, location_id: &str) -> AppResult<bool> {
    use sea_orm::PaginatorTrait;
    let hubs = hub::Entity::find()
        .filter(hub::Column::LocationId.eq(location_id))
        .count(db)
        .await?;
    Ok(hubs > 0)
}

/// The postcode of a location's stored address, if it has one.
async fn stored_postcode(db: &impl ConnectionTrait, location_id: &str) -> AppResult<Option<String>> {
    Ok(address::Entity::find()
        .filter(address::Column::LocationId.eq(location_id))
        .one(db)
        .await?
        .map(|a| a.postal_code))
}

pub async fn find_location(db: &impl ConnectionTrait, id: &str) -> AppResult<Option<location::Model>> {
    Ok(location::Entity::find_by_id(id.to_owned()).one(db).await?)
}

/// Creates a location of `organization_id`; `fields.name` is required.
pub async fn create_location(
    txn: &impl ConnectionTrait,
    organization_id: &str,
    fields: &LocationFields,
) -> AppResult<Outcome<location::Model>> {
    let mut errors = fields.check(txn).await?;
    let postal_code = fields.address.as_ref().map(|a| a.postal_code.as_str());
    let area_code = fields.area(txn, postal_code, None, &mut errors).await?;
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let now = Utc::now();
    let row = location::Model {
        id: uuid::Uuid::new_v4().to_string(),
        location_type: fields.location_type.clone().unwrap_or_else(|| "physical".into()),
        url: None,
        organization_id: Some(organization_id.to_owned()),
        name: fields.name.clone(),
        alternate_name: None,
        description: fields.description.clone(),
        transportation: None,
        latitude: fields.latitude,
        longitude: fields.longitude,
        external_identifier: None,
        external_identifier_type: None,
        area_code,
        version: 1,
        created_at: now,
        last_modified: now,
    };
    location::Entity::insert(location::ActiveModel::from(row.clone()))
        .exec(txn)
        .await?;
    replace_address(txn, &row, fields).await?;
    Ok(Ok(row))
}

/// Updates `existing` (read in this transaction); a stale `expected_version`
/// is a `Conflict`. The update is conditional on the version read.
pub async fn update_location(
    txn: &impl ConnectionTrait,
    existing: location::Model,
    fields: &LocationFields,
    expected_version: Option<i32>,
) -> AppResult<Outcome<location::Model>> {
    if expected_version.is_some_and(|v| v != existing.version) {
        return Err(conflict(existing.version));
    }
    let mut errors = fields.check(txn).await?;
    let clears = |field: &str| fields.cleared.contains(&field);
    let postal_code = match &fields.address {
        Some(address) => Some(address.postal_code.clone()),
        None if clears("address") => None,
        None => stored_postcode(txn, &existing.id).await?,
    };
    let current_area = existing.area_code.clone().filter(|_| !clears("areaCode"));
    let area_code = fields
        .area(txn, postal_code.as_deref(), current_area, &mut errors)
        .await?;
    if clears("areaCode") && area_code.is_some() {
        errors.push(UserError::new(
            &["areaCode"],
            "INVALID",
            "the council area follows the address's postcode; clear or change the address instead",
        ));
    } else if clears("areaCode") && hub_stands_at(txn, &existing.id).await? {
        errors.push(UserError::new(
            &["areaCode"],
            "INVALID",
            "a hub stands at this location and needs its council area",
        ));
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let mut row = existing.clone();
    row.name = fields.name.clone().or(row.name);
    row.description = fields.description.clone().or(row.description);
    if let Some(location_type) = &fields.location_type {
        row.location_type = location_type.clone();
    }
    row.latitude = fields.latitude.or(row.latitude);
    row.longitude = fields.longitude.or(row.longitude);
    row.area_code = area_code;
    for field in &fields.cleared {
        match *field {
            "description" => row.description = None,
            "latitude" => row.latitude = None,
            "longitude" => row.longitude = None,
            // Refused by `check`.
            _ => {}
        }
    }
    row.version = existing.version + 1;
    row.last_modified = Utc::now();
    // `reset_all` marks every column as set: a model converted as it is counts as unchanged.
    let mut active = location::ActiveModel::from(row.clone()).reset_all();
    active.id = sea_orm::ActiveValue::NotSet;
    active.created_at = sea_orm::ActiveValue::NotSet;
    active.organization_id = sea_orm::ActiveValue::NotSet;
    let result = location::Entity::update_many()
        .set(active)
        .filter(location::Column::Id.eq(existing.id.clone()))
        .filter(location::Column::Version.eq(existing.version))
        .exec(txn)
        .await?;
    if result.rows_affected == 0 {
        let current = find_location(txn, &existing.id)
            .await?
            .map_or(existing.version, |l| l.version);
        return Err(conflict(current));
    }
    replace_address(txn, &row, fields).await?;
    Ok(Ok(row))
}

async fn replace_address(
    txn: &impl ConnectionTrait,
    location: &location::Model,
    fields: &LocationFields,
) -> AppResult<()> {
    let cleared = fields.cleared.contains(&"address");
    if fields.address.is_none() && !cleared {
        return Ok(());
    }
    address::Entity::delete_many()
        .filter(address::Column::LocationId.eq(location.id.clone()))
        .exec(txn)
        .await?;
    let Some(new) = &fields.address else { return Ok(()) };
    let postal_code = Postcode::parse(&new.postal_code)
        .map(|p| p.normalized())
        .unwrap_or_else(|_| new.postal_code.clone());
    let row = address::Model {
        id: uuid::Uuid::new_v4().to_string(),
        location_id: Some(location.id.clone()),
        attention: None,
        address_1: new.address_1.clone(),
        address_2: new.address_2.clone(),
        city: new.city.clone(),
        region: new.region.clone(),
        state_province: None,
        postal_code,
        country: new.country.clone(),
        address_type: location.location_type.clone(),
    };
    address::Entity::insert(address::ActiveModel::from(row))
        .exec(txn)
        .await?;
    Ok(())
}
