//! The directory as HSDS 3.0 documents: builders shared by `hubgraph export
//! hsds` and the REST API, and the streaming export itself.
//!
//! Documents are built a page at a time from a [`Bundle`]: the rows of one
//! page of services (or organizations, or locations) and everything nested
//! in them, read with a fixed number of statements per page. Memory stays
//! that of one page, whatever the size of the directory.
//!
//! Shapes: a service carries its lists (phones, schedules, service areas,
//! service at locations with their full location, languages, cost options,
//! contacts, attributes with their taxonomy terms) and its organization's
//! own fields; an organization carries its contacts, phones, locations,
//! identifiers and attributes. Absent values are left out rather than
//! written as null (the schemas type them as strings and numbers).

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::Path;

use entity::*;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::{Map, Value, json};

use crate::error::{AppError, AppResult};

/// Rows read per statement for `IN (...)` lists.
const CHUNK: usize = 500;

/// Everything needed to write some services, organizations and locations.
#[derive(Debug, Default)]
pub struct Bundle {
    pub services: Vec<service::Model>,
    pub organizations: HashMap<String, organization::Model>,
    pub locations: HashMap<String, location::Model>,
    service_at_locations: Vec<service_at_location::Model>,
    /// Locations of each organization, in name order.
    organization_locations: HashMap<String, Vec<String>>,
    contacts: Vec<contact::Model>,
    phones: Vec<phone::Model>,
    schedules: Vec<schedule::Model>,
    languages: Vec<language::Model>,
    service_areas: Vec<service_area::Model>,
    cost_options: Vec<cost_option::Model>,
    addresses: Vec<address::Model>,
    accessibilities: Vec<accessibility::Model>,
    identifiers: Vec<organization_identifier::Model>,
    attributes: Vec<attribute::Model>,
    terms: HashMap<String, taxonomy_term::Model>,
    taxonomies: HashMap<String, taxonomy::Model>,
    /// Rows read, for the export's memory check.
    pub rows: usize,
}

/// Rows of `E` where any of the `(column, ids)` pairs matches, in chunks.
async fn any_of<E>(
    db: &impl ConnectionTrait,
    pairs: &[(E::Column, &[String])],
    order: E::Column,
) -> AppResult<Vec<E::Model>>
where
    E: EntityTrait,
    E::Model: sea_orm::FromQueryResult + Send + Sync,
{
    let mut seen = HashSet::new();
    let mut rows = Vec::new();
    for (column, ids) in pairs {
        for chunk in ids.chunks(CHUNK) {
            let found = E::find()
                .filter(Condition::all().add(column.is_in(chunk.to_vec())))
                .order_by_asc(order)
                .all(db)
                .await?;
            rows.extend(found);
        }
    }
    // A row with several owners comes back once per owner.
    let key = |row: &E::Model| format!("{row:?}");
    rows.retain(|row| seen.insert(key(row)));
    Ok(rows)
}

impl Bundle {
    /// Reads the services and organizations named, and everything in their documents.
    pub async fn load(
        db: &impl ConnectionTrait,
        service_ids: &[String],
        organization_ids: &[String],
        location_ids: &[String],
    ) -> AppResult<Bundle> {
        let mut bundle = Bundle::default();
        for chunk in service_ids.chunks(CHUNK) {
            bundle.services.extend(
                service::Entity::find()
                    .filter(service::Column::Id.is_in(chunk.to_vec()))
                    .all(db)
                    .await?,
            );
        }
        // Keep the order asked for.
        let position: HashMap<&String, usize> = service_ids.iter().enumerate().map(|(i, id)| (id, i)).collect();
        bundle
            .services
            .sort_by_key(|s| position.get(&s.id).copied().unwrap_or(usize::MAX));
        // Services' organizations appear with their own fields only; the
        // organizations asked for come with their lists and locations.
        let asked: Vec<String> = organization_ids.to_vec();
        let mut organization_ids: Vec<String> = asked.clone();
        organization_ids.extend(bundle.services.iter().map(|s| s.organization_id.clone()));
        organization_ids.sort();
        organization_ids.dedup();
        for chunk in organization_ids.chunks(CHUNK) {
            for org in organization::Entity::find()
                .filter(organization::Column::Id.is_in(chunk.to_vec()))
                .all(db)
                .await?
            {
                bundle.organizations.insert(org.id.clone(), org);
            }
        }
        let ids: Vec<String> = bundle.services.iter().map(|s| s.id.clone()).collect();
        bundle.service_at_locations = any_of::<service_at_location::Entity>(
            db,
            &[(service_at_location::Column::ServiceId, &ids)],
            service_at_location::Column::Id,
        )
        .await?;
        let owned_locations = any_of::<location::Entity>(
            db,
            &[(location::Column::OrganizationId, &asked)],
            location::Column::Name,
        )
        .await?;
        let mut location_ids: Vec<String> = location_ids.to_vec();
        location_ids.extend(bundle.service_at_locations.iter().map(|s| s.location_id.clone()));
        location_ids.extend(owned_locations.iter().map(|l| l.id.clone()));
        location_ids.sort();
        location_ids.dedup();
        for location in &owned_locations {
            if let Some(org) = &location.organization_id {
                bundle
                    .organization_locations
                    .entry(org.clone())
                    .or_default()
                    .push(location.id.clone());
            }
        }
        for chunk in location_ids.chunks(CHUNK) {
            for location in location::Entity::find()
                .filter(location::Column::Id.is_in(chunk.to_vec()))
                .all(db)
                .await?
            {
                bundle.locations.insert(location.id.clone(), location);
            }
        }
        let sal_ids: Vec<String> = bundle.service_at_locations.iter().map(|s| s.id.clone()).collect();
        bundle.contacts = any_of::<contact::Entity>(
            db,
            &[
                (contact::Column::ServiceId, &ids),
                (contact::Column::OrganizationId, &asked),
                (contact::Column::LocationId, &location_ids),
                (contact::Column::ServiceAtLocationId, &sal_ids),
            ],
            contact::Column::Id,
        )
        .await?;
        let contact_ids: Vec<String> = bundle.contacts.iter().map(|c| c.id.clone()).collect();
        bundle.phones = any_of::<phone::Entity>(
            db,
            &[
                (phone::Column::ServiceId, &ids),
                (phone::Column::OrganizationId, &asked),
                (phone::Column::LocationId, &location_ids),
                (phone::Column::ContactId, &contact_ids),
                (phone::Column::ServiceAtLocationId, &sal_ids),
            ],
            phone::Column::Position,
        )
        .await?;
        let phone_ids: Vec<String> = bundle.phones.iter().map(|p| p.id.clone()).collect();
        bundle.schedules = any_of::<schedule::Entity>(
            db,
            &[
                (schedule::Column::ServiceId, &ids),
                (schedule::Column::LocationId, &location_ids),
                (schedule::Column::ServiceAtLocationId, &sal_ids),
            ],
            schedule::Column::Id,
        )
        .await?;
        bundle.languages = any_of::<language::Entity>(
            db,
            &[
                (language::Column::ServiceId, &ids),
                (language::Column::LocationId, &location_ids),
                (language::Column::PhoneId, &phone_ids),
            ],
            language::Column::Id,
        )
        .await?;
        bundle.service_areas =
            any_of::<service_area::Entity>(db, &[(service_area::Column::ServiceId, &ids)], service_area::Column::Id)
                .await?;
        bundle.cost_options =
            any_of::<cost_option::Entity>(db, &[(cost_option::Column::ServiceId, &ids)], cost_option::Column::Id)
                .await?;
        bundle.addresses =
            any_of::<address::Entity>(db, &[(address::Column::LocationId, &location_ids)], address::Column::Id).await?;
        bundle.accessibilities = any_of::<accessibility::Entity>(
            db,
            &[(accessibility::Column::LocationId, &location_ids)],
            accessibility::Column::Id,
        )
        .await?;
        bundle.identifiers = any_of::<organization_identifier::Entity>(
            db,
            &[(organization_identifier::Column::OrganizationId, &asked)],
            organization_identifier::Column::Id,
        )
        .await?;
        let mut linked: Vec<String> = ids.clone();
        linked.extend(asked.iter().cloned());
        linked.extend(location_ids.iter().cloned());
        bundle.attributes =
            any_of::<attribute::Entity>(db, &[(attribute::Column::LinkId, &linked)], attribute::Column::Id).await?;
        let term_ids: Vec<String> = bundle.attributes.iter().map(|a| a.taxonomy_term_id.clone()).collect();
        for term in
            any_of::<taxonomy_term::Entity>(db, &[(taxonomy_term::Column::Id, &term_ids)], taxonomy_term::Column::Id)
                .await?
        {
            bundle.terms.insert(term.id.clone(), term);
        }
        let taxonomy_ids: Vec<String> = bundle.terms.values().filter_map(|t| t.taxonomy_id.clone()).collect();
        for taxonomy in
            any_of::<taxonomy::Entity>(db, &[(taxonomy::Column::Id, &taxonomy_ids)], taxonomy::Column::Id).await?
        {
            bundle.taxonomies.insert(taxonomy.id.clone(), taxonomy);
        }
        bundle.rows = bundle.services.len()
            + bundle.organizations.len()
            + bundle.locations.len()
            + bundle.service_at_locations.len()
            + bundle.contacts.len()
            + bundle.phones.len()
            + bundle.schedules.len()
            + bundle.languages.len()
            + bundle.service_areas.len()
            + bundle.cost_options.len()
            + bundle.addresses.len()
            + bundle.accessibilities.len()
            + bundle.identifiers.len()
            + bundle.attributes.len()
            + bundle.terms.len()
            + bundle.taxonomies.len();
        Ok(bundle)
    }

    // ---- documents ---------------------------------------------------------------

    /// A full service document, or `minimal` (its own fields and organization only).
    pub fn service(&self, s: &service::Model, minimal: bool) -> Value {
        let mut o = Map::new();
        put(&mut o, "id", Some(&s.id));
        put(&mut o, "organization_id", Some(&s.organization_id));
        put(&mut o, "program_id", s.program_id.as_ref());
        put(&mut o, "name", Some(&s.name));
        put(&mut o, "alternate_name", s.alternate_name.as_ref());
        put(&mut o, "description", s.description.as_ref());
        put(&mut o, "url", s.url.as_ref());
        put(&mut o, "email", s.email.as_ref());
        put(&mut o, "status", Some(&s.status));
        put(&mut o, "interpretation_services", s.interpretation_services.as_ref());
        put(&mut o, "application_process", s.application_process.as_ref());
        put(&mut o, "fees_description", s.fees_description.as_ref());
        put(&mut o, "wait_time", s.wait_time.as_ref());
        put(&mut o, "fees", s.fees.as_ref());
        put(&mut o, "accreditations", s.accreditations.as_ref());
        put(&mut o, "eligibility_description", s.eligibility_description.as_ref());
        put(&mut o, "minimum_age", s.minimum_age.as_ref());
        put(&mut o, "maximum_age", s.maximum_age.as_ref());
        put(&mut o, "assured_date", s.assured_date.map(|d| d.to_string()).as_ref());
        put(&mut o, "assurer_email", s.assurer_email.as_ref());
        put(&mut o, "licenses", s.licenses.as_ref());
        put(&mut o, "alert", s.alert.as_ref());
        put(
            &mut o,
            "last_modified",
            Some(&s.last_modified.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
        );
        if let Some(org) = self.organizations.get(&s.organization_id) {
            o.insert("organization".into(), self.organization_fields(org));
        }
        if minimal {
            return Value::Object(o);
        }
        let id = Some(s.id.as_str());
        o.insert(
            "phones".into(),
            list(
                self.phones
                    .iter()
                    .filter(|p| p.service_id.as_deref() == id)
                    .map(|p| self.phone(p)),
            ),
        );
        o.insert(
            "schedules".into(),
            list(
                self.schedules
                    .iter()
                    .filter(|x| x.service_id.as_deref() == id)
                    .map(schedule),
            ),
        );
        o.insert(
            "service_areas".into(),
            list(
                self.service_areas
                    .iter()
                    .filter(|x| x.service_id.as_deref() == id)
                    .map(service_area),
            ),
        );
        o.insert(
            "service_at_locations".into(),
            list(
                self.service_at_locations
                    .iter()
                    .filter(|x| x.service_id == s.id)
                    .map(|x| self.service_at_location(x)),
            ),
        );
        o.insert(
            "languages".into(),
            list(
                self.languages
                    .iter()
                    .filter(|x| x.service_id.as_deref() == id)
                    .map(language),
            ),
        );
        o.insert(
            "cost_options".into(),
            list(
                self.cost_options
                    .iter()
                    .filter(|x| x.service_id == s.id)
                    .map(cost_option),
            ),
        );
        o.insert(
            "contacts".into(),
            list(
                self.contacts
                    .iter()
                    .filter(|x| x.service_id.as_deref() == id)
                    .map(|c| self.contact(c)),
            ),
        );
        o.insert("attributes".into(), self.attributes_of(&s.id));
        Value::Object(o)
    }

    /// An organization's own fields.
    pub fn organization_fields(&self, org: &organization::Model) -> Value {
        let mut o = Map::new();
        put(&mut o, "id", Some(&org.id));
        put(&mut o, "name", Some(&org.name));
        put(&mut o, "alternate_name", org.alternate_name.as_ref());
        put(&mut o, "description", Some(&org.description));
        put(&mut o, "email", org.email.as_ref());
        put(&mut o, "website", org.website.as_ref());
        put(&mut o, "tax_status", org.tax_status.as_ref());
        put(&mut o, "tax_id", org.tax_id.as_ref());
        put(&mut o, "year_incorporated", org.year_incorporated.as_ref());
        put(&mut o, "legal_status", org.legal_status.as_ref());
        put(&mut o, "logo", org.logo.as_ref());
        put(&mut o, "uri", org.uri.as_ref());
        put(&mut o, "parent_organization_id", org.parent_organization_id.as_ref());
        Value::Object(o)
    }

    /// A full organization document (its services are documents of their own).
    pub fn organization(&self, org: &organization::Model) -> Value {
        let mut value = self.organization_fields(org);
        let Some(o) = value.as_object_mut() else {
            return value;
        };
        let id = Some(org.id.as_str());
        o.insert(
            "contacts".into(),
            list(
                self.contacts
                    .iter()
                    .filter(|x| x.organization_id.as_deref() == id)
                    .map(|c| self.contact(c)),
            ),
        );
        o.insert(
            "phones".into(),
            list(
                self.phones
                    .iter()
                    .filter(|x| x.organization_id.as_deref() == id)
                    .map(|p| self.phone(p)),
            ),
        );
        let locations = self.organization_locations.get(&org.id).cloned().unwrap_or_default();
        o.insert(
            "locations".into(),
            list(
                locations
                    .iter()
                    .filter_map(|l| self.locations.get(l))
                    .map(|l| self.location(l)),
            ),
        );
        o.insert(
            "organization_identifiers".into(),
            list(
                self.identifiers
                    .iter()
                    .filter(|x| x.organization_id == org.id)
                    .map(organization_identifier),
            ),
        );
        o.insert("attributes".into(), self.attributes_of(&org.id));
        value
    }

    /// A full location document.
    pub fn location(&self, l: &location::Model) -> Value {
        let mut o = Map::new();
        put(&mut o, "id", Some(&l.id));
        put(&mut o, "location_type", Some(&l.location_type));
        put(&mut o, "url", l.url.as_ref());
        put(&mut o, "organization_id", l.organization_id.as_ref());
        put(&mut o, "name", l.name.as_ref());
        put(&mut o, "alternate_name", l.alternate_name.as_ref());
        put(&mut o, "description", l.description.as_ref());
        put(&mut o, "transportation", l.transportation.as_ref());
        put(&mut o, "latitude", l.latitude.as_ref());
        put(&mut o, "longitude", l.longitude.as_ref());
        put(&mut o, "external_identifier", l.external_identifier.as_ref());
        put(&mut o, "external_identifier_type", l.external_identifier_type.as_ref());
        let id = Some(l.id.as_str());
        o.insert(
            "languages".into(),
            list(
                self.languages
                    .iter()
                    .filter(|x| x.location_id.as_deref() == id)
                    .map(language),
            ),
        );
        o.insert(
            "addresses".into(),
            list(
                self.addresses
                    .iter()
                    .filter(|x| x.location_id.as_deref() == id)
                    .map(address),
            ),
        );
        o.insert(
            "contacts".into(),
            list(
                self.contacts
                    .iter()
                    .filter(|x| x.location_id.as_deref() == id)
                    .map(|c| self.contact(c)),
            ),
        );
        o.insert(
            "accessibility".into(),
            list(
                self.accessibilities
                    .iter()
                    .filter(|x| x.location_id.as_deref() == id)
                    .map(accessibility),
            ),
        );
        o.insert(
            "phones".into(),
            list(
                self.phones
                    .iter()
                    .filter(|x| x.location_id.as_deref() == id)
                    .map(|p| self.phone(p)),
            ),
        );
        o.insert(
            "schedules".into(),
            list(
                self.schedules
                    .iter()
                    .filter(|x| x.location_id.as_deref() == id)
                    .map(schedule),
            ),
        );
        o.insert("attributes".into(), self.attributes_of(&l.id));
        Value::Object(o)
    }

    /// A service at a location, with its location in full.
    pub fn service_at_location(&self, x: &service_at_location::Model) -> Value {
        let mut o = Map::new();
        put(&mut o, "id", Some(&x.id));
        put(&mut o, "service_id", Some(&x.service_id));
        put(&mut o, "location_id", Some(&x.location_id));
        put(&mut o, "description", x.description.as_ref());
        let id = Some(x.id.as_str());
        o.insert(
            "contacts".into(),
            list(
                self.contacts
                    .iter()
                    .filter(|c| c.service_at_location_id.as_deref() == id)
                    .map(|c| self.contact(c)),
            ),
        );
        o.insert(
            "phones".into(),
            list(
                self.phones
                    .iter()
                    .filter(|p| p.service_at_location_id.as_deref() == id)
                    .map(|p| self.phone(p)),
            ),
        );
        o.insert(
            "schedules".into(),
            list(
                self.schedules
                    .iter()
                    .filter(|s| s.service_at_location_id.as_deref() == id)
                    .map(schedule),
            ),
        );
        if let Some(location) = self.locations.get(&x.location_id) {
            o.insert("location".into(), self.location(location));
        }
        Value::Object(o)
    }

    fn phone(&self, p: &phone::Model) -> Value {
        let mut o = Map::new();
        put(&mut o, "id", Some(&p.id));
        put(&mut o, "number", Some(&p.number));
        // HSDS types the extension as a number: one that is not a number cannot be written.
        put(
            &mut o,
            "extension",
            p.extension
                .as_ref()
                .and_then(|e| e.trim().parse::<f64>().ok())
                .map(number)
                .as_ref(),
        );
        put(&mut o, "type", p.phone_type.as_ref());
        put(&mut o, "description", p.description.as_ref());
        o.insert(
            "languages".into(),
            list(
                self.languages
                    .iter()
                    .filter(|l| l.phone_id.as_deref() == Some(&p.id))
                    .map(language),
            ),
        );
        Value::Object(o)
    }

    fn contact(&self, c: &contact::Model) -> Value {
        let mut o = Map::new();
        put(&mut o, "id", Some(&c.id));
        put(&mut o, "name", c.name.as_ref());
        put(&mut o, "title", c.title.as_ref());
        put(&mut o, "department", c.department.as_ref());
        put(&mut o, "email", c.email.as_ref());
        o.insert(
            "phones".into(),
            list(
                self.phones
                    .iter()
                    .filter(|p| p.contact_id.as_deref() == Some(&c.id))
                    .map(|p| self.phone(p)),
            ),
        );
        Value::Object(o)
    }

    fn attributes_of(&self, link_id: &str) -> Value {
        list(self.attributes.iter().filter(|a| a.link_id == link_id).map(|a| {
            let mut o = Map::new();
            put(&mut o, "id", Some(&a.id));
            put(&mut o, "link_id", Some(&a.link_id));
            put(&mut o, "taxonomy_term_id", Some(&a.taxonomy_term_id));
            put(&mut o, "link_type", a.link_type.as_ref());
            put(&mut o, "link_entity", Some(&a.link_entity));
            put(&mut o, "value", a.value.as_ref());
            if let Some(term) = self.terms.get(&a.taxonomy_term_id) {
                let taxonomy = term.taxonomy_id.as_ref().and_then(|t| self.taxonomies.get(t));
                o.insert("taxonomy_term".into(), taxonomy_term(term, taxonomy));
            }
            Value::Object(o)
        }))
    }
}

fn put<T: serde::Serialize>(o: &mut Map<String, Value>, key: &str, value: Option<T>) {
    if let Some(value) = value
        && let Ok(value) = serde_json::to_value(value)
    {
        o.insert(key.to_owned(), value);
    }
}

fn list(items: impl Iterator<Item = Value>) -> Value {
    Value::Array(items.collect())
}

/// A whole number as an integer, anything else as a float.
fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        json!(n as i64)
    } else {
        json!(n)
    }
}

fn schedule(s: &schedule::Model) -> Value {
    let mut o = Map::new();
    put(&mut o, "id", Some(&s.id));
    put(&mut o, "valid_from", s.valid_from.map(|d| d.to_string()));
    put(&mut o, "valid_to", s.valid_to.map(|d| d.to_string()));
    put(&mut o, "dtstart", s.dtstart.map(|d| d.to_string()));
    put(&mut o, "timezone", s.timezone.map(number));
    put(&mut o, "until", s.until.map(|d| d.to_string()));
    put(&mut o, "count", s.count);
    put(&mut o, "wkst", s.wkst.as_ref());
    put(&mut o, "freq", s.freq.as_ref());
    put(&mut o, "interval", s.interval);
    put(&mut o, "byday", s.byday.as_ref());
    put(&mut o, "byweekno", s.byweekno.as_ref());
    put(&mut o, "bymonthday", s.bymonthday.as_ref());
    put(&mut o, "byyearday", s.byyearday.as_ref());
    put(&mut o, "description", s.description.as_ref());
    put(&mut o, "opens_at", s.opens_at.as_ref());
    put(&mut o, "closes_at", s.closes_at.as_ref());
    put(&mut o, "schedule_link", s.schedule_link.as_ref());
    put(&mut o, "attending_type", s.attending_type.as_ref());
    put(&mut o, "notes", s.notes.as_ref());
    Value::Object(o)
}

fn service_area(a: &service_area::Model) -> Value {
    let mut o = Map::new();
    put(&mut o, "id", Some(&a.id));
    put(&mut o, "name", a.name.as_ref());
    put(&mut o, "description", a.description.as_ref());
    put(&mut o, "extent", a.extent.as_ref());
    put(&mut o, "extent_type", a.extent_type.as_ref());
    // The council area we know travels as its statistical-geography URI.
    let uri = a
        .uri
        .clone()
        .or_else(|| a.area_code.as_deref().map(super::uri_of_area_code));
    put(&mut o, "uri", uri);
    Value::Object(o)
}

fn language(l: &language::Model) -> Value {
    let mut o = Map::new();
    put(&mut o, "id", Some(&l.id));
    put(&mut o, "name", l.name.as_ref());
    put(&mut o, "code", l.code.as_ref());
    put(&mut o, "note", l.note.as_ref());
    Value::Object(o)
}

fn cost_option(c: &cost_option::Model) -> Value {
    let mut o = Map::new();
    put(&mut o, "id", Some(&c.id));
    put(&mut o, "valid_from", c.valid_from.map(|d| d.to_string()));
    put(&mut o, "valid_to", c.valid_to.map(|d| d.to_string()));
    put(&mut o, "option", c.option.as_ref());
    put(&mut o, "currency", c.currency.as_ref());
    put(&mut o, "amount", c.amount.map(number));
    put(&mut o, "amount_description", c.amount_description.as_ref());
    Value::Object(o)
}

fn address(a: &address::Model) -> Value {
    let mut o = Map::new();
    put(&mut o, "id", Some(&a.id));
    put(&mut o, "attention", a.attention.as_ref());
    put(&mut o, "address_1", Some(&a.address_1));
    put(&mut o, "address_2", a.address_2.as_ref());
    put(&mut o, "city", Some(&a.city));
    put(&mut o, "region", a.region.as_ref());
    // Required by HSDS; Scottish addresses often have none.
    put(
        &mut o,
        "state_province",
        Some(a.state_province.clone().unwrap_or_default()),
    );
    put(&mut o, "postal_code", Some(&a.postal_code));
    put(&mut o, "country", Some(&a.country));
    put(&mut o, "address_type", Some(&a.address_type));
    Value::Object(o)
}

fn accessibility(a: &accessibility::Model) -> Value {
    let mut o = Map::new();
    put(&mut o, "id", Some(&a.id));
    put(&mut o, "description", a.description.as_ref());
    put(&mut o, "details", a.details.as_ref());
    put(&mut o, "url", a.url.as_ref());
    Value::Object(o)
}

fn organization_identifier(i: &organization_identifier::Model) -> Value {
    let mut o = Map::new();
    put(&mut o, "id", Some(&i.id));
    put(&mut o, "identifier_scheme", i.identifier_scheme.as_ref());
    put(&mut o, "identifier_type", Some(&i.identifier_type));
    put(&mut o, "identifier", Some(&i.identifier));
    Value::Object(o)
}

/// A taxonomy.
pub fn taxonomy(t: &taxonomy::Model) -> Value {
    let mut o = Map::new();
    put(&mut o, "id", Some(&t.id));
    put(&mut o, "name", Some(&t.name));
    // Required by HSDS.
    put(&mut o, "description", Some(t.description.clone().unwrap_or_default()));
    put(&mut o, "uri", t.uri.as_ref());
    put(&mut o, "version", t.version.as_ref());
    Value::Object(o)
}

/// A taxonomy term, with its taxonomy as `taxonomy_detail` when known.
pub fn taxonomy_term(t: &taxonomy_term::Model, detail: Option<&taxonomy::Model>) -> Value {
    let mut o = Map::new();
    put(&mut o, "id", Some(&t.id));
    put(&mut o, "code", t.code.as_ref());
    put(&mut o, "name", Some(&t.name));
    put(&mut o, "description", Some(&t.description));
    put(&mut o, "parent_id", t.parent_id.as_ref());
    put(&mut o, "taxonomy", t.taxonomy.as_ref());
    if let Some(detail) = detail {
        o.insert("taxonomy_detail".into(), taxonomy(detail));
    }
    put(&mut o, "language", t.language.as_ref());
    put(&mut o, "taxonomy_id", t.taxonomy_id.as_ref());
    put(&mut o, "term_uri", t.term_uri.as_ref());
    Value::Object(o)
}

// ---- the export ----------------------------------------------------------------

/// Output layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One file per document: `services/ID.json`, ...
    Json,
    /// One file per kind, one document a line: `services.ndjson`, ...
    Ndjson,
}

/// What an export wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ExportReport {
    pub organizations: usize,
    pub services: usize,
    pub locations: usize,
    pub taxonomies: usize,
    pub taxonomy_terms: usize,
    /// Pages read.
    pub pages: usize,
    /// Most rows held at once (one page's bundle): the memory bound.
    pub largest_page_rows: usize,
}

/// Writes documents of one kind.
struct Sink {
    format: Format,
    dir: std::path::PathBuf,
    ndjson: Option<std::io::BufWriter<std::fs::File>>,
}

fn io(what: &Path, e: std::io::Error) -> AppError {
    AppError::Internal(format!("cannot write {}: {e}", what.display()))
}

impl Sink {
    fn open(root: &Path, kind: &str, format: Format) -> AppResult<Sink> {
        let dir = root.join(kind);
        let ndjson = match format {
            Format::Json => {
                std::fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
                None
            }
            Format::Ndjson => {
                let path = root.join(format!("{kind}.ndjson"));
                let file = std::fs::File::create(&path).map_err(|e| io(&path, e))?;
                Some(std::io::BufWriter::new(file))
            }
        };
        Ok(Sink { format, dir, ndjson })
    }

    fn write(&mut self, id: &str, document: &Value) -> AppResult<()> {
        match (self.format, &mut self.ndjson) {
            (Format::Ndjson, Some(out)) => {
                serde_json::to_writer(&mut *out, document).map_err(|e| AppError::Internal(e.to_string()))?;
                out.write_all(b"\n").map_err(|e| io(&self.dir, e))
            }
            _ => {
                // Ids are the file names: keep them to safe characters.
                let name: String = id
                    .chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                            c
                        } else {
                            '_'
                        }
                    })
                    .collect();
                let path = self.dir.join(format!("{name}.json"));
                let text = serde_json::to_vec_pretty(document).map_err(|e| AppError::Internal(e.to_string()))?;
                std::fs::write(&path, text).map_err(|e| io(&path, e))
            }
        }
    }

    fn finish(self) -> AppResult<()> {
        if let Some(mut out) = self.ndjson {
            out.flush().map_err(|e| io(&self.dir, e))?;
        }
        Ok(())
    }
}

/// The next page of ids of `E` after `after`, in id order (keyset: constant
/// cost per page however deep).
async fn next_ids<E: EntityTrait>(
    db: &impl ConnectionTrait,
    id: E::Column,
    filter: Condition,
    after: Option<&str>,
    page: usize,
) -> AppResult<Vec<String>> {
    let mut query = E::find().select_only().column(id).filter(filter);
    if let Some(after) = after {
        query = query.filter(id.gt(after.to_owned()));
    }
    Ok(query.order_by_asc(id).limit(page as u64).into_tuple().all(db).await?)
}

/// Writes every organization, service, unaffiliated location, taxonomy
/// and taxonomy term under `dir`, `page` records at a time.
pub async fn export(db: &impl ConnectionTrait, dir: &Path, format: Format, page: usize) -> AppResult<ExportReport> {
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let page = page.max(1);
    let mut report = ExportReport::default();

    let mut sink = Sink::open(dir, "organizations", format)?;
    let mut after: Option<String> = None;
    loop {
        let ids =
            next_ids::<organization::Entity>(db, organization::Column::Id, Condition::all(), after.as_deref(), page)
                .await?;
        let Some(last) = ids.last().cloned() else { break };
        let bundle = Bundle::load(db, &[], &ids, &[]).await?;
        report.pages += 1;
        report.largest_page_rows = report.largest_page_rows.max(bundle.rows);
        for id in &ids {
            if let Some(org) = bundle.organizations.get(id) {
                sink.write(id, &bundle.organization(org))?;
                report.organizations += 1;
            }
        }
        after = Some(last);
    }
    sink.finish()?;

    let mut sink = Sink::open(dir, "services", format)?;
    let mut after: Option<String> = None;
    loop {
        let ids =
            next_ids::<service::Entity>(db, service::Column::Id, Condition::all(), after.as_deref(), page).await?;
        let Some(last) = ids.last().cloned() else { break };
        let bundle = Bundle::load(db, &ids, &[], &[]).await?;
        report.pages += 1;
        report.largest_page_rows = report.largest_page_rows.max(bundle.rows);
        for service in &bundle.services {
            sink.write(&service.id, &bundle.service(service, false))?;
            report.services += 1;
        }
        after = Some(last);
    }
    sink.finish()?;

    // Locations of no organization appear in no organization's document.
    let mut sink = Sink::open(dir, "locations", format)?;
    let mut after: Option<String> = None;
    let unaffiliated = Condition::all().add(location::Column::OrganizationId.is_null());
    loop {
        let ids = next_ids::<location::Entity>(db, location::Column::Id, unaffiliated.clone(), after.as_deref(), page)
            .await?;
        let Some(last) = ids.last().cloned() else { break };
        let bundle = Bundle::load(db, &[], &[], &ids).await?;
        report.pages += 1;
        report.largest_page_rows = report.largest_page_rows.max(bundle.rows);
        for id in &ids {
            if let Some(location) = bundle.locations.get(id) {
                sink.write(id, &bundle.location(location))?;
                report.locations += 1;
            }
        }
        after = Some(last);
    }
    sink.finish()?;

    // Taxonomies are small: one statement each.
    let mut sink = Sink::open(dir, "taxonomies", format)?;
    let taxonomies: HashMap<String, taxonomy::Model> = taxonomy::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id.clone(), t))
        .collect();
    let mut sorted: Vec<&taxonomy::Model> = taxonomies.values().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    for t in sorted {
        sink.write(&t.id, &taxonomy(t))?;
        report.taxonomies += 1;
    }
    sink.finish()?;
    let mut sink = Sink::open(dir, "taxonomy_terms", format)?;
    let mut after: Option<String> = None;
    loop {
        let mut query = taxonomy_term::Entity::find();
        if let Some(after) = &after {
            query = query.filter(taxonomy_term::Column::Id.gt(after.clone()));
        }
        let terms = query
            .order_by_asc(taxonomy_term::Column::Id)
            .limit(page as u64)
            .all(db)
            .await?;
        let Some(last) = terms.last().map(|t| t.id.clone()) else {
            break;
        };
        report.pages += 1;
        for term in &terms {
            let detail = term.taxonomy_id.as_ref().and_then(|t| taxonomies.get(t));
            sink.write(&term.id, &taxonomy_term(term, detail))?;
            report.taxonomy_terms += 1;
        }
        after = Some(last);
    }
    sink.finish()?;
    Ok(report)
}
