//! The small HSDS records nested in services, places and organisations.

use super::*;

// ---- small HSDS objects ----------------------------------------------------

/// A postal or street address (HSDS `address`).
#[derive(Debug, Clone, SimpleObject)]
pub struct Address {
    /// Who or what to address mail to.
    pub attention: Option<String>,
    /// First line.
    pub address1: String,
    /// Second line.
    pub address2: Option<String>,
    /// Town or city.
    pub city: String,
    /// Region (the council area, in Scotland).
    pub region: Option<String>,
    /// State or province, where used.
    pub state_province: Option<String>,
    /// Postcode.
    pub postal_code: String,
    /// ISO 3166-1 country code.
    pub country: String,
    /// physical, postal or virtual.
    pub address_type: String,
}

impl From<address::Model> for Address {
    fn from(m: address::Model) -> Self {
        Address {
            attention: m.attention,
            address1: m.address_1,
            address2: m.address_2,
            city: m.city,
            region: m.region,
            state_province: m.state_province,
            postal_code: m.postal_code,
            country: m.country,
            address_type: m.address_type,
        }
    }
}

/// A phone number (HSDS `phone`).
#[derive(Debug, Clone, SimpleObject)]
pub struct Phone {
    /// The number as dialled in the UK.
    pub number: String,
    /// Extension.
    pub extension: Option<String>,
    /// voice, text, fax, textphone, video...
    #[graphql(name = "type")]
    pub phone_type: Option<String>,
    /// When or what to call about.
    pub description: Option<String>,
}

impl From<phone::Model> for Phone {
    fn from(m: phone::Model) -> Self {
        Phone {
            number: m.number,
            extension: m.extension,
            phone_type: m.phone_type,
            description: m.description,
        }
    }
}

/// A language a service is offered in (HSDS `language`).
#[derive(Debug, Clone, SimpleObject)]
pub struct Language {
    /// Name in English.
    pub name: Option<String>,
    /// ISO 639 code.
    pub code: Option<String>,
    /// E.g. "interpreter on request".
    pub note: Option<String>,
}

impl From<language::Model> for Language {
    fn from(m: language::Model) -> Self {
        Language {
            name: m.name,
            code: m.code,
            note: m.note,
        }
    }
}

/// Accessibility of a location (HSDS `accessibility`).
#[derive(Debug, Clone, SimpleObject)]
pub struct Accessibility {
    /// What is provided (step-free access, hearing loop...).
    pub description: Option<String>,
    /// More detail.
    pub details: Option<String>,
    /// Link to an access statement.
    pub url: Option<String>,
}

impl From<accessibility::Model> for Accessibility {
    fn from(m: accessibility::Model) -> Self {
        Accessibility {
            description: m.description,
            details: m.details,
            url: m.url,
        }
    }
}

/// An area a service covers (HSDS `service_area`).
#[derive(Debug, Clone, SimpleObject)]
pub struct ServiceArea {
    /// Name of the area.
    pub name: Option<String>,
    /// The area in words.
    pub description: Option<String>,
    /// GSS code, or SCOTLAND for national coverage.
    pub area_code: Option<String>,
    /// A geometry of the area.
    pub extent: Option<String>,
    /// Format of `extent` (e.g. geojson).
    pub extent_type: Option<String>,
    /// A persistent identifier of the area.
    pub uri: Option<String>,
}

impl From<service_area::Model> for ServiceArea {
    fn from(m: service_area::Model) -> Self {
        ServiceArea {
            name: m.name,
            description: m.description,
            area_code: m.area_code,
            extent: m.extent,
            extent_type: m.extent_type,
            uri: m.uri,
        }
    }
}

/// A cost of using a service (HSDS `cost_option`).
#[derive(Debug, Clone, SimpleObject)]
pub struct CostOption {
    /// What is paid for.
    pub option: Option<String>,
    /// ISO 4217 currency code.
    pub currency: Option<String>,
    /// Amount in the currency.
    pub amount: Option<f64>,
    /// The amount in words.
    pub amount_description: Option<String>,
    /// First date the cost applies.
    pub valid_from: Option<Date>,
    /// Last date the cost applies.
    pub valid_to: Option<Date>,
}

impl From<cost_option::Model> for CostOption {
    fn from(m: cost_option::Model) -> Self {
        CostOption {
            option: m.option,
            currency: m.currency,
            amount: m.amount,
            amount_description: m.amount_description,
            valid_from: m.valid_from.map(Date),
            valid_to: m.valid_to.map(Date),
        }
    }
}

/// A named contact (HSDS `contact`): a role, not personal data beyond a work name.
#[derive(Debug, Clone, SimpleObject)]
pub struct Contact {
    /// Name.
    pub name: Option<String>,
    /// Job title.
    pub title: Option<String>,
    /// Department.
    pub department: Option<String>,
    /// Work email.
    pub email: Option<String>,
}

impl From<contact::Model> for Contact {
    fn from(m: contact::Model) -> Self {
        Contact {
            name: m.name,
            title: m.title,
            department: m.department,
            email: m.email,
        }
    }
}

/// An official identifier of an organization (HSDS `organization_identifier`).
#[derive(Debug, Clone, SimpleObject)]
pub struct OrganizationIdentifier {
    /// Scheme (e.g. SC-OSCR).
    pub identifier_scheme: Option<String>,
    /// What the identifier is (e.g. Scottish Charity Number).
    pub identifier_type: String,
    /// The identifier.
    pub identifier: String,
}

impl From<organization_identifier::Model> for OrganizationIdentifier {
    fn from(m: organization_identifier::Model) -> Self {
        OrganizationIdentifier {
            identifier_scheme: m.identifier_scheme,
            identifier_type: m.identifier_type,
            identifier: m.identifier,
        }
    }
}
