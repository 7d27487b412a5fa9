//! HSDS 3.0 JSON to table rows: one document (a service, an organization, a
//! location, a service at a location, a taxonomy, a taxonomy term, or the
//! tabular form) becomes the rows of every object nested in it, each child
//! carrying the id of the object it sits under (HSDS's own tabular layout).
//!
//! HSDS lets one object sit under several owners: the official examples
//! repeat one phone under a service, its location, its organization and a
//! contact, with the same id. Our phone, language, schedule and contact rows
//! have a column per owner, so such repeats merge into one row with several
//! owners (see `write`).
//!
//! Problems carry a JSON pointer into the document. A missing required field
//! or a value of the wrong type rejects the record; lossy but harmless input
//! (coordinates out of range) is kept as a warning.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::*;
use serde_json::{Map, Value};

use crate::bulk::DirectoryData;

/// Longest id kept (HSDS ids are UUIDs; other systems' ids are shorter than this).
const ID_MAX: usize = 255;
/// Longest text kept in any field.
const TEXT_MAX: usize = 20_000;

/// The service statuses HSDS defines.
pub const STATUSES: [&str; 4] = ["active", "inactive", "defunct", "temporarily closed"];

/// A problem at a place in a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// JSON pointer into the document (RFC 6901), e.g. `/phones/0/number`.
    pub pointer: String,
    pub reason: String,
}

impl Problem {
    fn new(pointer: &str, reason: impl Into<String>) -> Problem {
        Problem {
            pointer: pointer.to_owned(),
            reason: reason.into(),
        }
    }
}

/// A top-level record (organization, service, location): what gets a new
/// version, an audit row and a change-feed entry when it or anything under
/// it changes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Root {
    pub table: &'static str,
    pub id: String,
}

/// A list the document gives in full: stored rows of `table` whose
/// `owner_column` is `owner_id` and whose id is not in `keep` go.
#[derive(Debug, Clone)]
pub struct ListScope {
    pub table: &'static str,
    pub owner_column: &'static str,
    pub owner_id: String,
    pub keep: Vec<String>,
    pub root: Root,
}

/// The rows of one document.
#[derive(Debug, Default, Clone)]
pub struct Flat {
    pub rows: DirectoryData,
    pub lists: Vec<ListScope>,
    /// `table:id` of every child row -> the top-level records it belongs to.
    pub roots: HashMap<String, Vec<Root>>,
    pub warnings: Vec<Problem>,
}

/// What a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Service,
    Organization,
    Location,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
    /// `{"services.csv": [...], ...}`: the tabular form as JSON.
    Tabular,
    /// The API's root object (`version`, `profile`, `openapi_url`): no data.
    ApiInfo,
}

/// Tells what an HSDS object is by the fields only it has.
pub fn kind_of(object: &Map<String, Value>) -> Option<Kind> {
    let has = |key: &str| object.contains_key(key);
    if object.keys().any(|k| k.ends_with(".csv")) {
        return Some(Kind::Tabular);
    }
    if !has("id") {
        return (has("openapi_url") || has("profile")).then_some(Kind::ApiInfo);
    }
    if has("status") || has("service_at_locations") || (has("organization") && has("name")) {
        Some(Kind::Service)
    } else if has("location_type") {
        Some(Kind::Location)
    } else if !has("name") && (has("service") || has("location") || has("service_id") || has("location_id")) {
        Some(Kind::ServiceAtLocation)
    } else if [
        "taxonomy_detail",
        "parent_id",
        "code",
        "term_uri",
        "taxonomy_id",
        "taxonomy",
    ]
    .iter()
    .any(|k| has(k))
    {
        Some(Kind::TaxonomyTerm)
    } else if has("version") {
        Some(Kind::Taxonomy)
    } else if has("name") {
        Some(Kind::Organization)
    } else {
        None
    }
}

/// Flattens one document of a known kind. `Err` rejects the whole record.
pub fn flatten(value: &Value, kind: Kind, now: DateTime<Utc>) -> Result<Flat, Problem> {
    let mut mapper = Mapper {
        flat: Flat::default(),
        now,
    };
    let object = as_object(value, "")?;
    match kind {
        Kind::Service => mapper.service(object, "", &Owner::none())?,
        Kind::Organization => {
            mapper.organization(object, "")?;
        }
        Kind::Location => {
            mapper.location(object, "", None)?;
        }
        Kind::ServiceAtLocation => mapper.service_at_location(object, "", None)?,
        Kind::Taxonomy => {
            mapper.taxonomy(object, "")?;
        }
        Kind::TaxonomyTerm => {
            mapper.taxonomy_term(object, "")?;
        }
        Kind::Tabular => mapper.tabular(object)?,
        Kind::ApiInfo => {}
    }
    Ok(mapper.flat)
}

// ---- reading fields --------------------------------------------------------------

fn pointer(base: &str, key: &str) -> String {
    format!("{base}/{}", key.replace('~', "~0").replace('/', "~1"))
}

fn as_object<'a>(value: &'a Value, at: &str) -> Result<&'a Map<String, Value>, Problem> {
    value.as_object().ok_or_else(|| Problem::new(at, "expected an object"))
}

/// Characters refused in any text: NUL and the bidi controls, as the
/// GraphQL writes refuse them (`crate::input`).
fn forbidden(c: char) -> bool {
    crate::input::is_refused_in_records(c)
}

/// An optional text field. Numbers are taken as their text (HSDS producers
/// differ on e.g. phone extensions); null and absent are `None`.
fn text(object: &Map<String, Value>, key: &str, at: &str) -> Result<Option<String>, Problem> {
    let text = match object.get(key) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(_) => return Err(Problem::new(&pointer(at, key), "expected a string")),
    };
    if text.chars().any(forbidden) {
        return Err(Problem::new(
            &pointer(at, key),
            "contains a NUL or bidirectional control character",
        ));
    }
    if text.chars().count() > TEXT_MAX {
        return Err(Problem::new(
            &pointer(at, key),
            format!("longer than {TEXT_MAX} characters"),
        ));
    }
    Ok(Some(text))
}

fn required_text(object: &Map<String, Value>, key: &str, at: &str) -> Result<String, Problem> {
    match text(object, key, at)? {
        Some(text) if !text.trim().is_empty() => Ok(text),
        _ => Err(Problem::new(&pointer(at, key), format!("{key} is required"))),
    }
}

fn object_id(object: &Map<String, Value>, at: &str) -> Result<String, Problem> {
    let id = required_text(object, "id", at)?;
    if id.len() > ID_MAX {
        return Err(Problem::new(
            &pointer(at, "id"),
            format!("longer than {ID_MAX} characters"),
        ));
    }
    Ok(id)
}

fn number(object: &Map<String, Value>, key: &str, at: &str) -> Result<Option<f64>, Problem> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| Problem::new(&pointer(at, key), "expected a number")),
        Some(_) => Err(Problem::new(&pointer(at, key), "expected a number")),
    }
}

fn integer(object: &Map<String, Value>, key: &str, at: &str) -> Result<Option<i32>, Problem> {
    match number(object, key, at)? {
        None => Ok(None),
        Some(n) if n.fract() == 0.0 && n.abs() <= f64::from(i32::MAX) => Ok(Some(n as i32)),
        Some(_) => Err(Problem::new(&pointer(at, key), "expected a whole number")),
    }
}

/// A date, `YYYY-MM-DD` (a date-time's date part is taken too).
fn date(object: &Map<String, Value>, key: &str, at: &str) -> Result<Option<NaiveDate>, Problem> {
    let Some(text) = text(object, key, at)? else {
        return Ok(None);
    };
    let day = text.get(..10).unwrap_or(&text);
    NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| Problem::new(&pointer(at, key), "expected a date, YYYY-MM-DD"))
}

/// The objects of a list field: `None` when the field is absent (the
/// stored list stays as it is), `Some` (maybe empty) when given.
fn list<'a>(object: &'a Map<String, Value>, key: &str, at: &str) -> Result<Option<Vec<(String, &'a Value)>>, Problem> {
    match object.get(key) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(Vec::new())),
        Some(Value::Array(items)) => Ok(Some(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| (pointer(&pointer(at, key), &i.to_string()), item))
                .collect(),
        )),
        Some(_) => Err(Problem::new(&pointer(at, key), "expected a list")),
    }
}

/// The id an object names in `key` when no parent gives it (the tabular form).
fn link(given: Option<&str>, object: &Map<String, Value>, key: &str, at: &str) -> Result<Option<String>, Problem> {
    match given {
        Some(id) => Ok(Some(id.to_owned())),
        None => text(object, key, at),
    }
}

// ---- owners ------------------------------------------------------------------------

/// The object a child sits under, with the top-level record it belongs to.
#[derive(Debug, Clone)]
struct Owner {
    /// Table and id of the direct parent.
    parent: Option<(&'static str, String)>,
    root: Option<Root>,
}

impl Owner {
    fn none() -> Owner {
        Owner {
            parent: None,
            root: None,
        }
    }

    fn of(table: &'static str, id: &str, root: Root) -> Owner {
        Owner {
            parent: Some((table, id.to_owned())),
            root: Some(root),
        }
    }

    /// The parent's id if the parent is a `table`.
    fn id(&self, table: &str) -> Option<&str> {
        match &self.parent {
            Some((t, id)) if *t == table => Some(id.as_str()),
            _ => None,
        }
    }
}

fn root(table: &'static str, id: &str) -> Root {
    Root {
        table,
        id: id.to_owned(),
    }
}

struct Mapper {
    flat: Flat,
    now: DateTime<Utc>,
}

impl Mapper {
    /// Notes that child `table:id` belongs to the owner's top-level record.
    fn belongs(&mut self, table: &str, id: &str, owner: &Owner) {
        if let Some(root) = &owner.root {
            self.flat
                .roots
                .entry(format!("{table}:{id}"))
                .or_default()
                .push(root.clone());
        }
    }

    /// Records that the owner's list of `table` was given in full.
    fn given_list(&mut self, table: &'static str, owner_column: &'static str, owner: &Owner, keep: Vec<String>) {
        if let (Some((_, owner_id)), Some(root)) = (&owner.parent, &owner.root) {
            self.flat.lists.push(ListScope {
                table,
                owner_column,
                owner_id: owner_id.clone(),
                keep,
                root: root.clone(),
            });
        }
    }

    /// Maps each item of list `key` with `each`, recording the list as given.
    fn each<F>(
        &mut self,
        object: &Map<String, Value>,
        key: &str,
        at: &str,
        scope: Option<(&'static str, &'static str, &Owner)>,
        mut each: F,
    ) -> Result<(), Problem>
    where
        F: FnMut(&mut Mapper, &Map<String, Value>, &str, usize) -> Result<String, Problem>,
    {
        let Some(items) = list(object, key, at)? else {
            return Ok(());
        };
        let mut ids = Vec::with_capacity(items.len());
        for (position, (item_at, item)) in items.into_iter().enumerate() {
            let item = as_object(item, &item_at)?;
            ids.push(each(self, item, &item_at, position)?);
        }
        if let Some((table, owner_column, owner)) = scope {
            self.given_list(table, owner_column, owner, ids);
        }
        Ok(())
    }

    fn organization(&mut self, o: &Map<String, Value>, at: &str) -> Result<String, Problem> {
        let id = object_id(o, at)?;
        let year = integer(o, "year_incorporated", at)?;
        self.flat.rows.organizations.push(organization::Model {
            id: id.clone(),
            name: required_text(o, "name", at)?,
            alternate_name: text(o, "alternate_name", at)?,
            description: text(o, "description", at)?.unwrap_or_default(),
            email: text(o, "email", at)?,
            website: text(o, "website", at)?,
            tax_status: text(o, "tax_status", at)?,
            tax_id: text(o, "tax_id", at)?,
            year_incorporated: year,
            legal_status: text(o, "legal_status", at)?,
            logo: text(o, "logo", at)?,
            uri: text(o, "uri", at)?,
            parent_organization_id: text(o, "parent_organization_id", at)?,
            version: 1,
            created_at: self.now,
            last_modified: self.now,
        });
        let owner = Owner::of("organization", &id, root("organization", &id));
        self.each(
            o,
            "organization_identifiers",
            at,
            Some(("organization_identifier", "organization_id", &owner)),
            |m, item, item_at, _| m.organization_identifier(item, item_at, &owner),
        )?;
        self.each(
            o,
            "contacts",
            at,
            Some(("contact", "organization_id", &owner)),
            |m, item, item_at, _| m.contact(item, item_at, &owner),
        )?;
        self.each(
            o,
            "phones",
            at,
            Some(("phone", "organization_id", &owner)),
            |m, item, item_at, position| m.phone(item, item_at, &owner, position),
        )?;
        self.each(o, "locations", at, None, |m, item, item_at, _| {
            m.location(item, item_at, Some(&id))
        })?;
        self.each(o, "services", at, None, |m, item, item_at, _| {
            m.service(
                item,
                item_at,
                &Owner::of("organization", &id, root("organization", &id)),
            )?;
            Ok(String::new())
        })?;
        self.attributes(o, at, "organization", &owner)?;
        Ok(id)
    }

    fn organization_identifier(&mut self, o: &Map<String, Value>, at: &str, owner: &Owner) -> Result<String, Problem> {
        let id = object_id(o, at)?;
        let organization_id = link(owner.id("organization"), o, "organization_id", at)?
            .ok_or_else(|| Problem::new(at, "organization_id is required"))?;
        self.flat
            .rows
            .organization_identifiers
            .push(organization_identifier::Model {
                id: id.clone(),
                organization_id,
                identifier_scheme: text(o, "identifier_scheme", at)?,
                identifier_type: required_text(o, "identifier_type", at)?,
                identifier: required_text(o, "identifier", at)?,
            });
        self.belongs("organization_identifier", &id, owner);
        Ok(id)
    }

    /// A service; `owner` is its organization when it sits under one.
    fn service(&mut self, o: &Map<String, Value>, at: &str, owner: &Owner) -> Result<(), Problem> {
        let id = object_id(o, at)?;
        let organization_id = match o.get("organization") {
            Some(org) if org.is_object() => Some(self.organization(
                as_object(org, &pointer(at, "organization"))?,
                &pointer(at, "organization"),
            )?),
            _ => link(owner.id("organization"), o, "organization_id", at)?,
        };
        let organization_id = organization_id
            .ok_or_else(|| Problem::new(at, "a service needs its organization (organization or organization_id)"))?;
        let status = required_text(o, "status", at)?;
        if !STATUSES.contains(&status.as_str()) {
            return Err(Problem::new(
                &pointer(at, "status"),
                format!("status must be one of {}", STATUSES.join(", ")),
            ));
        }
        let program_id = match o.get("program") {
            Some(Value::Object(program)) => text(program, "id", &pointer(at, "program"))?,
            _ => text(o, "program_id", at)?,
        };
        let (minimum_age, maximum_age) = (integer(o, "minimum_age", at)?, integer(o, "maximum_age", at)?);
        self.flat.rows.services.push(service::Model {
            id: id.clone(),
            organization_id,
            program_id,
            name: required_text(o, "name", at)?,
            alternate_name: text(o, "alternate_name", at)?,
            description: text(o, "description", at)?,
            url: text(o, "url", at)?,
            email: text(o, "email", at)?,
            status,
            interpretation_services: text(o, "interpretation_services", at)?,
            application_process: text(o, "application_process", at)?,
            fees_description: text(o, "fees_description", at)?,
            wait_time: text(o, "wait_time", at)?,
            fees: text(o, "fees", at)?,
            accreditations: text(o, "accreditations", at)?,
            eligibility_description: text(o, "eligibility_description", at)?,
            minimum_age,
            maximum_age,
            assured_date: date(o, "assured_date", at)?,
            assurer_email: text(o, "assurer_email", at)?,
            licenses: text(o, "licenses", at)?,
            alert: text(o, "alert", at)?,
            version: 1,
            created_at: self.now,
            last_modified: self.now,
        });
        let owner = Owner::of("service", &id, root("service", &id));
        self.each(
            o,
            "phones",
            at,
            Some(("phone", "service_id", &owner)),
            |m, item, item_at, position| m.phone(item, item_at, &owner, position),
        )?;
        self.each(
            o,
            "schedules",
            at,
            Some(("schedule", "service_id", &owner)),
            |m, item, item_at, _| m.schedule(item, item_at, &owner),
        )?;
        self.each(
            o,
            "service_areas",
            at,
            Some(("service_area", "service_id", &owner)),
            |m, item, item_at, _| m.service_area(item, item_at, &owner),
        )?;
        self.each(
            o,
            "languages",
            at,
            Some(("language", "service_id", &owner)),
            |m, item, item_at, _| m.language(item, item_at, &owner),
        )?;
        self.each(
            o,
            "cost_options",
            at,
            Some(("cost_option", "service_id", &owner)),
            |m, item, item_at, _| m.cost_option(item, item_at, &owner),
        )?;
        self.each(
            o,
            "contacts",
            at,
            Some(("contact", "service_id", &owner)),
            |m, item, item_at, _| m.contact(item, item_at, &owner),
        )?;
        self.each(
            o,
            "service_at_locations",
            at,
            Some(("service_at_location", "service_id", &owner)),
            |m, item, item_at, _| {
                let id = object_id(item, item_at)?;
                m.service_at_location(item, item_at, Some(&owner))?;
                Ok(id)
            },
        )?;
        self.attributes(o, at, "service", &owner)?;
        Ok(())
    }

    /// A location; `organization_id` when it sits under an organization.
    fn location(&mut self, o: &Map<String, Value>, at: &str, organization_id: Option<&str>) -> Result<String, Problem> {
        let id = object_id(o, at)?;
        let location_type = required_text(o, "location_type", at)?;
        let mut latitude = number(o, "latitude", at)?;
        let mut longitude = number(o, "longitude", at)?;
        let in_range = latitude.is_none_or(|l| (-90.0..=90.0).contains(&l))
            && longitude.is_none_or(|l| (-180.0..=180.0).contains(&l));
        if !in_range {
            // Kept out of the store: every radius search would trip over them.
            self.flat.warnings.push(Problem::new(
                &pointer(at, "latitude"),
                "latitude/longitude out of range: coordinates not stored",
            ));
            latitude = None;
            longitude = None;
        }
        self.flat.rows.locations.push(location::Model {
            id: id.clone(),
            location_type,
            url: text(o, "url", at)?,
            organization_id: link(organization_id, o, "organization_id", at)?,
            name: text(o, "name", at)?,
            alternate_name: text(o, "alternate_name", at)?,
            description: text(o, "description", at)?,
            transportation: text(o, "transportation", at)?,
            latitude,
            longitude,
            external_identifier: text(o, "external_identifier", at)?,
            external_identifier_type: text(o, "external_identifier_type", at)?,
            area_code: None,
            version: 1,
            created_at: self.now,
            last_modified: self.now,
        });
        let owner = Owner::of("location", &id, root("location", &id));
        self.each(
            o,
            "addresses",
            at,
            Some(("address", "location_id", &owner)),
            |m, item, item_at, _| m.address(item, item_at, &owner),
        )?;
        self.each(
            o,
            "phones",
            at,
            Some(("phone", "location_id", &owner)),
            |m, item, item_at, position| m.phone(item, item_at, &owner, position),
        )?;
        self.each(
            o,
            "schedules",
            at,
            Some(("schedule", "location_id", &owner)),
            |m, item, item_at, _| m.schedule(item, item_at, &owner),
        )?;
        self.each(
            o,
            "languages",
            at,
            Some(("language", "location_id", &owner)),
            |m, item, item_at, _| m.language(item, item_at, &owner),
        )?;
        self.each(
            o,
            "accessibility",
            at,
            Some(("accessibility", "location_id", &owner)),
            |m, item, item_at, _| m.accessibility(item, item_at, &owner),
        )?;
        self.each(
            o,
            "contacts",
            at,
            Some(("contact", "location_id", &owner)),
            |m, item, item_at, _| m.contact(item, item_at, &owner),
        )?;
        self.attributes(o, at, "location", &owner)?;
        Ok(id)
    }

    /// A service at a location; `service` is the owner when it sits under a service.
    fn service_at_location(
        &mut self,
        o: &Map<String, Value>,
        at: &str,
        service: Option<&Owner>,
    ) -> Result<(), Problem> {
        let id = object_id(o, at)?;
        let service_id = match (service, o.get("service")) {
            (Some(owner), _) => owner.id("service").map(str::to_owned),
            (None, Some(Value::Object(s))) => {
                let s_at = pointer(at, "service");
                let sid = object_id(s, &s_at)?;
                self.service(s, &s_at, &Owner::none())?;
                Some(sid)
            }
            _ => text(o, "service_id", at)?,
        }
        .ok_or_else(|| Problem::new(at, "a service at a location needs its service"))?;
        let location_id = match o.get("location") {
            Some(Value::Object(l)) => Some(self.location(l, &pointer(at, "location"), None)?),
            _ => text(o, "location_id", at)?,
        }
        .ok_or_else(|| Problem::new(at, "a service at a location needs its location"))?;
        self.flat.rows.service_at_locations.push(service_at_location::Model {
            id: id.clone(),
            service_id: service_id.clone(),
            location_id,
            description: text(o, "description", at)?,
        });
        let service_root = root("service", &service_id);
        self.belongs(
            "service_at_location",
            &id,
            &Owner::of("service", &service_id, service_root.clone()),
        );
        let owner = Owner::of("service_at_location", &id, service_root);
        self.each(
            o,
            "phones",
            at,
            Some(("phone", "service_at_location_id", &owner)),
            |m, item, item_at, position| m.phone(item, item_at, &owner, position),
        )?;
        self.each(
            o,
            "schedules",
            at,
            Some(("schedule", "service_at_location_id", &owner)),
            |m, item, item_at, _| m.schedule(item, item_at, &owner),
        )?;
        self.each(
            o,
            "contacts",
            at,
            Some(("contact", "service_at_location_id", &owner)),
            |m, item, item_at, _| m.contact(item, item_at, &owner),
        )?;
        Ok(())
    }

    fn address(&mut self, o: &Map<String, Value>, at: &str, owner: &Owner) -> Result<String, Problem> {
        let id = object_id(o, at)?;
        self.flat.rows.addresses.push(address::Model {
            id: id.clone(),
            location_id: link(owner.id("location"), o, "location_id", at)?,
            attention: text(o, "attention", at)?,
            address_1: required_text(o, "address_1", at)?,
            address_2: text(o, "address_2", at)?,
            city: required_text(o, "city", at)?,
            region: text(o, "region", at)?,
            state_province: text(o, "state_province", at)?,
            postal_code: required_text(o, "postal_code", at)?,
            country: required_text(o, "country", at)?,
            address_type: required_text(o, "address_type", at)?,
        });
        self.belongs("address", &id, owner);
        Ok(id)
    }

    fn phone(&mut self, o: &Map<String, Value>, at: &str, owner: &Owner, position: usize) -> Result<String, Problem> {
        let id = object_id(o, at)?;
        self.flat.rows.phones.push(phone::Model {
            id: id.clone(),
            location_id: link(owner.id("location"), o, "location_id", at)?,
            service_id: link(owner.id("service"), o, "service_id", at)?,
            organization_id: link(owner.id("organization"), o, "organization_id", at)?,
            contact_id: link(owner.id("contact"), o, "contact_id", at)?,
            service_at_location_id: link(owner.id("service_at_location"), o, "service_at_location_id", at)?,
            number: required_text(o, "number", at)?,
            extension: text(o, "extension", at)?,
            phone_type: text(o, "type", at)?,
            description: text(o, "description", at)?,
            position: i32::try_from(position).unwrap_or(i32::MAX),
        });
        self.belongs("phone", &id, owner);
        let phone_owner = Owner {
            parent: Some(("phone", id.clone())),
            root: owner.root.clone(),
        };
        self.each(
            o,
            "languages",
            at,
            Some(("language", "phone_id", &phone_owner)),
            |m, item, item_at, _| m.language(item, item_at, &phone_owner),
        )?;
        Ok(id)
    }

    fn schedule(&mut self, o: &Map<String, Value>, at: &str, owner: &Owner) -> Result<String, Problem> {
        let id = object_id(o, at)?;
        self.flat.rows.schedules.push(schedule::Model {
            id: id.clone(),
            service_id: link(owner.id("service"), o, "service_id", at)?,
            location_id: link(owner.id("location"), o, "location_id", at)?,
            service_at_location_id: link(owner.id("service_at_location"), o, "service_at_location_id", at)?,
            valid_from: date(o, "valid_from", at)?,
            valid_to: date(o, "valid_to", at)?,
            dtstart: date(o, "dtstart", at)?,
            timezone: number(o, "timezone", at)?,
            until: date(o, "until", at)?,
            count: integer(o, "count", at)?,
            wkst: text(o, "wkst", at)?,
            freq: text(o, "freq", at)?,
            interval: integer(o, "interval", at)?,
            byday: text(o, "byday", at)?,
            byweekno: text(o, "byweekno", at)?,
            bymonthday: text(o, "bymonthday", at)?,
            byyearday: text(o, "byyearday", at)?,
            description: text(o, "description", at)?,
            opens_at: text(o, "opens_at", at)?,
            closes_at: text(o, "closes_at", at)?,
            schedule_link: text(o, "schedule_link", at)?,
            attending_type: text(o, "attending_type", at)?,
            notes: text(o, "notes", at)?,
            // HSDS 3.0 has no closure flag: a row is always an opening.
            closed: false,
        });
        self.belongs("schedule", &id, owner);
        Ok(id)
    }

    fn service_area(&mut self, o: &Map<String, Value>, at: &str, owner: &Owner) -> Result<String, Problem> {
        let id = object_id(o, at)?;
        let uri = text(o, "uri", at)?;
        self.flat.rows.service_areas.push(service_area::Model {
            id: id.clone(),
            service_id: link(owner.id("service"), o, "service_id", at)?,
            service_at_location_id: link(owner.id("service_at_location"), o, "service_at_location_id", at)?,
            name: text(o, "name", at)?,
            description: text(o, "description", at)?,
            extent: text(o, "extent", at)?,
            extent_type: text(o, "extent_type", at)?,
            area_code: uri.as_deref().and_then(super::area_code_of_uri),
            uri,
        });
        self.belongs("service_area", &id, owner);
        Ok(id)
    }

    fn language(&mut self, o: &Map<String, Value>, at: &str, owner: &Owner) -> Result<String, Problem> {
        let id = object_id(o, at)?;
        self.flat.rows.languages.push(language::Model {
            id: id.clone(),
            service_id: link(owner.id("service"), o, "service_id", at)?,
            location_id: link(owner.id("location"), o, "location_id", at)?,
            phone_id: link(owner.id("phone"), o, "phone_id", at)?,
            name: text(o, "name", at)?,
            code: text(o, "code", at)?,
            note: text(o, "note", at)?,
        });
        self.belongs("language", &id, owner);
        Ok(id)
    }

    fn accessibility(&mut self, o: &Map<String, Value>, at: &str, owner: &Owner) -> Result<String, Problem> {
        let id = object_id(o, at)?;
        self.flat.rows.accessibilities.push(accessibility::Model {
            id: id.clone(),
            location_id: link(owner.id("location"), o, "location_id", at)?,
            description: text(o, "description", at)?,
            details: text(o, "details", at)?,
            url: text(o, "url", at)?,
        });
        self.belongs("accessibility", &id, owner);
        Ok(id)
    }

    fn cost_option(&mut self, o: &Map<String, Value>, at: &str, owner: &Owner) -> Result<String, Problem> {
        let id = object_id(o, at)?;
        let service_id = link(owner.id("service"), o, "service_id", at)?
            .ok_or_else(|| Problem::new(at, "service_id is required"))?;
        self.flat.rows.cost_options.push(cost_option::Model {
            id: id.clone(),
            service_id,
            valid_from: date(o, "valid_from", at)?,
            valid_to: date(o, "valid_to", at)?,
            option: text(o, "option", at)?,
            currency: text(o, "currency", at)?,
            amount: number(o, "amount", at)?,
            amount_description: text(o, "amount_description", at)?,
        });
        self.belongs("cost_option", &id, owner);
        Ok(id)
    }

    fn contact(&mut self, o: &Map<String, Value>, at: &str, owner: &Owner) -> Result<String, Problem> {
        let id = object_id(o, at)?;
        self.flat.rows.contacts.push(contact::Model {
            id: id.clone(),
            organization_id: link(owner.id("organization"), o, "organization_id", at)?,
            service_id: link(owner.id("service"), o, "service_id", at)?,
            service_at_location_id: link(owner.id("service_at_location"), o, "service_at_location_id", at)?,
            location_id: link(owner.id("location"), o, "location_id", at)?,
            name: text(o, "name", at)?,
            title: text(o, "title", at)?,
            department: text(o, "department", at)?,
            email: text(o, "email", at)?,
        });
        self.belongs("contact", &id, owner);
        let contact_owner = Owner {
            parent: Some(("contact", id.clone())),
            root: owner.root.clone(),
        };
        self.each(
            o,
            "phones",
            at,
            Some(("phone", "contact_id", &contact_owner)),
            |m, item, item_at, position| m.phone(item, item_at, &contact_owner, position),
        )?;
        Ok(id)
    }

    /// Attributes link a record to taxonomy terms; the nested term (and its
    /// taxonomy) is stored too.
    fn attributes(
        &mut self,
        o: &Map<String, Value>,
        at: &str,
        table: &'static str,
        owner: &Owner,
    ) -> Result<(), Problem> {
        let link_column = "link_id";
        self.each(
            o,
            "attributes",
            at,
            Some(("attribute", link_column, owner)),
            |m, item, item_at, _| m.attribute(item, item_at, Some((table, owner))),
        )
    }

    fn attribute(
        &mut self,
        o: &Map<String, Value>,
        at: &str,
        owner: Option<(&'static str, &Owner)>,
    ) -> Result<String, Problem> {
        let id = object_id(o, at)?;
        let term_id = match o.get("taxonomy_term") {
            Some(Value::Object(term)) => Some(self.taxonomy_term(term, &pointer(at, "taxonomy_term"))?),
            _ => text(o, "taxonomy_term_id", at)?,
        }
        .ok_or_else(|| Problem::new(at, "an attribute needs its taxonomy term"))?;
        let (link_id, link_entity) = match owner {
            // Under a record, the record is the link, whatever the object says.
            Some((table, owner)) => (owner.id(table).map(str::to_owned), Some(table.to_owned())),
            None => (text(o, "link_id", at)?, text(o, "link_entity", at)?),
        };
        self.flat.rows.attributes.push(attribute::Model {
            id: id.clone(),
            link_id: link_id.ok_or_else(|| Problem::new(at, "link_id is required"))?,
            taxonomy_term_id: term_id,
            link_type: text(o, "link_type", at)?,
            link_entity: link_entity.ok_or_else(|| Problem::new(at, "link_entity is required"))?,
            value: text(o, "value", at)?,
            label: text(o, "label", at)?,
        });
        if let Some((_, owner)) = owner {
            self.belongs("attribute", &id, owner);
        }
        Ok(id)
    }

    fn taxonomy(&mut self, o: &Map<String, Value>, at: &str) -> Result<String, Problem> {
        let id = object_id(o, at)?;
        self.flat.rows.taxonomies.push(taxonomy::Model {
            id: id.clone(),
            name: required_text(o, "name", at)?,
            description: text(o, "description", at)?,
            uri: text(o, "uri", at)?,
            version: text(o, "version", at)?,
        });
        Ok(id)
    }

    fn taxonomy_term(&mut self, o: &Map<String, Value>, at: &str) -> Result<String, Problem> {
        let id = object_id(o, at)?;
        let taxonomy_id = match o.get("taxonomy_detail") {
            Some(Value::Object(detail)) => Some(self.taxonomy(detail, &pointer(at, "taxonomy_detail"))?),
            _ => text(o, "taxonomy_id", at)?,
        };
        self.flat.rows.taxonomy_terms.push(taxonomy_term::Model {
            id: id.clone(),
            code: text(o, "code", at)?,
            name: required_text(o, "name", at)?,
            description: text(o, "description", at)?.unwrap_or_default(),
            parent_id: text(o, "parent_id", at)?,
            taxonomy: text(o, "taxonomy", at)?,
            language: text(o, "language", at)?,
            taxonomy_id,
            term_uri: text(o, "term_uri", at)?,
        });
        Ok(id)
    }

    /// The tabular form: each table's rows, linked by their own `*_id` columns.
    fn tabular(&mut self, o: &Map<String, Value>) -> Result<(), Problem> {
        let none = Owner::none();
        for table in o.keys() {
            let at = pointer("", table);
            let Some(items) = list(o, table, "")? else { continue };
            for (item_at, item) in items {
                let item = as_object(item, &item_at)?;
                match table.as_str() {
                    "organizations.csv" => {
                        self.organization(item, &item_at)?;
                    }
                    "services.csv" => self.service(item, &item_at, &none)?,
                    "locations.csv" => {
                        self.location(item, &item_at, None)?;
                    }
                    "service_at_location.csv" | "service_at_locations.csv" => {
                        self.service_at_location(item, &item_at, None)?
                    }
                    "addresses.csv" => {
                        self.address(item, &item_at, &none)?;
                    }
                    "phones.csv" => {
                        self.phone(item, &item_at, &none, 0)?;
                    }
                    "schedules.csv" => {
                        self.schedule(item, &item_at, &none)?;
                    }
                    "service_areas.csv" => {
                        self.service_area(item, &item_at, &none)?;
                    }
                    "languages.csv" => {
                        self.language(item, &item_at, &none)?;
                    }
                    "accessibility.csv" => {
                        self.accessibility(item, &item_at, &none)?;
                    }
                    "cost_options.csv" => {
                        self.cost_option(item, &item_at, &none)?;
                    }
                    "contacts.csv" => {
                        self.contact(item, &item_at, &none)?;
                    }
                    "attributes.csv" => {
                        self.attribute(item, &item_at, None)?;
                    }
                    "taxonomies.csv" => {
                        self.taxonomy(item, &item_at)?;
                    }
                    "taxonomy_terms.csv" => {
                        self.taxonomy_term(item, &item_at)?;
                    }
                    "organization_identifiers.csv" => {
                        self.organization_identifier(item, &item_at, &none)?;
                    }
                    // Programs, funding, required documents and metadata have no table here.
                    _ => {
                        self.flat
                            .warnings
                            .push(Problem::new(&at, format!("{table}: not stored by hubgraph, skipped")));
                        break;
                    }
                }
            }
        }
        Ok(())
    }
}
