//! Registering, listing and disabling partners.

use std::collections::HashMap;

use chrono::Utc;
use entity::{area, organization, partner, partner_area};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QueryTrait,
    Set, TransactionSession, TransactionTrait,
};

use super::kind::PartnerKind;
use crate::error::{AppError, AppResult};

/// The longest partner name accepted.
const MAX_NAME_CHARS: usize = 200;

/// A partner with the council areas it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partner {
    pub record: partner::Model,
    pub area_codes: Vec<String>,
}

impl Partner {
    /// The partner's kind; a value the database should never hold reads as `None`.
    pub fn kind(&self) -> Option<PartnerKind> {
        PartnerKind::parse(&self.record.kind)
    }
}

/// What `add_partner` needs.
#[derive(Debug, Clone)]
pub struct NewPartner {
    pub kind: PartnerKind,
    pub name: String,
    /// Raw organisation id.
    pub organization_id: Option<String>,
    /// GSS codes of council areas.
    pub area_codes: Vec<String>,
}

/// Registers a partner after checking that its organisation and areas exist.
pub async fn add_partner<C>(db: &C, new: NewPartner) -> AppResult<Partner>
where
    C: ConnectionTrait + TransactionTrait,
{
    let name = new.name.trim();
    if name.is_empty() {
        return Err(AppError::bad_input(&["name"], "a partner needs a name"));
    }
    if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(AppError::bad_input(
            &["name"],
            format!("a name is at most {MAX_NAME_CHARS} characters, without control characters"),
        ));
    }
    if new.organization_id.is_none() && new.kind.needs_organization() {
        return Err(AppError::bad_input(
            &["organization"],
            format!("{} partners must name their organization", new.kind),
        ));
    }
    if let Some(id) = &new.organization_id
        && organization::Entity::find_by_id(id.clone()).one(db).await?.is_none()
    {
        return Err(AppError::bad_input(&["organization"], format!("no organization {id}")));
    }
    let mut area_codes: Vec<String> = new.area_codes.iter().map(|c| c.trim().to_uppercase()).collect();
    area_codes.sort();
    area_codes.dedup();
    if new.kind.needs_areas() && area_codes.is_empty() {
        return Err(AppError::bad_input(
            &["areas"],
            format!("{} partners must name at least one council area", new.kind),
        ));
    }
    let known: HashMap<String, area::Model> = area::Entity::find()
        .filter(area::Column::Code.is_in(area_codes.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.code.clone(), a))
        .collect();
    for (i, code) in area_codes.iter().enumerate() {
        match known.get(code) {
            None => {
                return Err(AppError::bad_input(
                    &["areas", &i.to_string()],
                    format!("no council area {code}"),
                ));
            }
            // An area is what a partner answers for; "all of Scotland" is the admin's job.
            Some(area) if area.kind != "COUNCIL_AREA" => {
                return Err(AppError::bad_input(
                    &["areas", &i.to_string()],
                    format!("{code} is not a council area"),
                ));
            }
            Some(_) => {}
        }
    }

    let now = Utc::now();
    let record = partner::Model {
        id: uuid::Uuid::new_v4().to_string(),
        name: name.to_owned(),
        kind: new.kind.as_str().to_owned(),
        organization_id: new.organization_id,
        disabled: false,
        created_at: now,
        last_modified: now,
    };
    let txn = db.begin().await?;
    partner::Entity::insert(record.clone().into_active_model())
        .exec_without_returning(&txn)
        .await?;
    if !area_codes.is_empty() {
        let rows = area_codes.iter().map(|code| {
            partner_area::Model {
                partner_id: record.id.clone(),
                area_code: code.clone(),
            }
            .into_active_model()
        });
        partner_area::Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(Partner { record, area_codes })
}

/// The council areas of a partner, sorted.
pub async fn area_codes_of(db: &impl ConnectionTrait, partner_id: &str) -> AppResult<Vec<String>> {
    Ok(partner_area::Entity::find()
        .filter(partner_area::Column::PartnerId.eq(partner_id))
        .order_by_asc(partner_area::Column::AreaCode)
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.area_code)
        .collect())
}

/// A partner by raw id, with its areas.
pub async fn find_partner(db: &impl ConnectionTrait, id: &str) -> AppResult<Option<Partner>> {
    let Some(record) = partner::Entity::find_by_id(id.to_owned()).one(db).await? else {
        return Ok(None);
    };
    let area_codes = area_codes_of(db, id).await?;
    Ok(Some(Partner { record, area_codes }))
}

/// Every partner, by name, with its areas.
pub async fn list_partners(db: &impl ConnectionTrait) -> AppResult<Vec<Partner>> {
    let records = partner::Entity::find()
        .order_by_asc(partner::Column::Name)
        .order_by_asc(partner::Column::Id)
        .all(db)
        .await?;
    let mut areas: HashMap<String, Vec<String>> = HashMap::new();
    for row in partner_area::Entity::find()
        .order_by_asc(partner_area::Column::AreaCode)
        .all(db)
        .await?
    {
        areas.entry(row.partner_id).or_default().push(row.area_code);
    }
    Ok(records
        .into_iter()
        .map(|record| {
            let area_codes = areas.remove(&record.id).unwrap_or_default();
            Partner { record, area_codes }
        })
        .collect())
}

/// Disables a partner: its tokens are refused from the next request on.
/// Disabling a disabled partner changes nothing.
pub async fn disable_partner(db: &impl ConnectionTrait, id: &str) -> AppResult<partner::Model> {
    let Some(record) = partner::Entity::find_by_id(id.to_owned()).one(db).await? else {
        return Err(AppError::NotFound(format!("no partner {id}")));
    };
    if record.disabled {
        return Ok(record);
    }
    let mut active = record.into_active_model();
    active.disabled = Set(true);
    active.last_modified = Set(Utc::now());
    Ok(active.update(db).await?)
}

/// The council areas a partner works in, from facts it cannot declare at
/// will: the areas it was registered with (`partner add --area`) and, for
/// a partner that keeps an organisation's records, the areas its
/// organisation's locations lie in by their postcode (a library service
/// works where its libraries are). An `areaCode` typed on a location whose
/// postcode is unknown counts for nothing here.
pub async fn working_areas(db: &impl ConnectionTrait, viewer: &super::Viewer) -> AppResult<Vec<String>> {
    use entity::{address, location, postcode};
    use sea_orm::QuerySelect;
    let mut areas = viewer.area_codes.clone();
    if let Some(organization_id) = &viewer.partner.organization_id {
        let located = location::Entity::find()
            .select_only()
            .column(location::Column::Id)
            .filter(location::Column::OrganizationId.eq(organization_id.clone()))
            .into_query();
        let postcodes = address::Entity::find()
            .select_only()
            .column(address::Column::PostalCode)
            .filter(address::Column::LocationId.in_subquery(located))
            .into_query();
        let found: Vec<Option<String>> = postcode::Entity::find()
            .select_only()
            .column(postcode::Column::AreaCode)
            .distinct()
            .filter(postcode::Column::Code.in_subquery(postcodes))
            .into_tuple()
            .all(db)
            .await?;
        areas.extend(found.into_iter().flatten());
    }
    areas.sort();
    areas.dedup();
    Ok(areas)
}
