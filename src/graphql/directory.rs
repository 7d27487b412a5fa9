//! The GraphQL face of the services directory: HSDS objects, their nested
//! fields (through the per-request loaders) and the directory queries.

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::*;
use sea_orm::{DatabaseConnection, EntityTrait};

use super::connection::{connection, wants_total};
use super::errors::GqlResult;
use super::ids::{self, Kind};
use super::loaders::*;
use super::scalars::Date;
use super::search::{ServiceConnection, service_connection};
use crate::error::AppError;
use crate::page::PageRequest;
use crate::services::taxonomy as terms;
use crate::services::{areas, locations, organizations, running, search, status, with_relations};

/// Loads one key through the request's loaders.
pub(crate) async fn load<K, V>(ctx: &Context<'_>, key: K) -> GqlResult<Option<V>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    DirectoryLoader: Loader<K, Value = V, Error = async_graphql::Error>,
    V: Send + Sync + Clone + 'static,
{
    let found = ctx.data::<Loaders>()?.load_one(key).await?;
    super::budget::charge(ctx, usize::from(found.is_some())).await?;
    Ok(found)
}

/// Loads a list-valued key; no rows is an empty list.
pub(crate) async fn load_many<K, V>(ctx: &Context<'_>, key: K) -> GqlResult<Vec<V>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    DirectoryLoader: Loader<K, Value = Vec<V>, Error = async_graphql::Error>,
    V: Send + Sync + Clone + 'static,
{
    let found: Vec<V> = ctx.data::<Loaders>()?.load_one(key).await?.unwrap_or_default();
    super::budget::charge(ctx, found.len()).await?;
    Ok(found)
}

pub(crate) fn db<'a>(ctx: &Context<'a>) -> GqlResult<&'a DatabaseConnection> {
    ctx.data::<DatabaseConnection>()
}

// ---- enums -----------------------------------------------------------------

/// Whether people can use a service now (HSDS `status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ServiceStatus {
    /// Running.
    Active,
    /// Not running; kept in the directory.
    Inactive,
    /// Closed for good; kept so that links and the change feed can say so.
    Defunct,
    /// Paused for a while (e.g. over the holidays).
    TemporarilyClosed,
}

impl ServiceStatus {
    pub fn as_hsds(self) -> &'static str {
        match self {
            ServiceStatus::Active => status::ACTIVE,
            ServiceStatus::Inactive => status::INACTIVE,
            ServiceStatus::Defunct => status::DEFUNCT,
            ServiceStatus::TemporarilyClosed => status::TEMPORARILY_CLOSED,
        }
    }

    fn from_hsds(value: &str) -> ServiceStatus {
        match value {
            status::ACTIVE => ServiceStatus::Active,
            status::DEFUNCT => ServiceStatus::Defunct,
            status::TEMPORARILY_CLOSED => ServiceStatus::TemporarilyClosed,
            _ => ServiceStatus::Inactive,
        }
    }
}

/// What kind of place a location is (HSDS `location_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum LocationType {
    /// A place people can visit.
    Physical,
    /// A postal address only.
    Postal,
    /// Online or by phone.
    Virtual,
}

impl LocationType {
    fn from_hsds(value: &str) -> LocationType {
        match value {
            "postal" => LocationType::Postal,
            "virtual" => LocationType::Virtual,
            _ => LocationType::Physical,
        }
    }
}

// ---- service ---------------------------------------------------------------

/// A service: support that an organization offers to people (HSDS `service`).
#[derive(Debug, Clone)]
pub struct Service(pub service::Model);

/// A service: support that an organization offers to people (HSDS `service`).
#[Object]
impl Service {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Service, &self.0.id)
    }
    /// The id as HSDS data and exports carry it (a UUID).
    async fn hsds_id(&self) -> &str {
        &self.0.id
    }
    /// Official name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Another name it is known by.
    async fn alternate_name(&self) -> Option<&str> {
        self.0.alternate_name.as_deref()
    }
    /// What the service does and for whom.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Web page of the service.
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }
    /// Contact email of the service.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// Whether the service is running.
    async fn status(&self) -> ServiceStatus {
        ServiceStatus::from_hsds(&self.0.status)
    }
    /// Interpretation services on offer (e.g. BSL on request).
    async fn interpretation_services(&self) -> Option<&str> {
        self.0.interpretation_services.as_deref()
    }
    /// How to get the service: drop in, self-referral, referral by a professional.
    async fn application_process(&self) -> Option<&str> {
        self.0.application_process.as_deref()
    }
    /// Charges, in words ("Free").
    async fn fees_description(&self) -> Option<&str> {
        self.0.fees_description.as_deref()
    }
    /// Usual wait before the service starts.
    async fn wait_time(&self) -> Option<&str> {
        self.0.wait_time.as_deref()
    }
    /// Fees (HSDS 2 field kept for older data).
    async fn fees(&self) -> Option<&str> {
        self.0.fees.as_deref()
    }
    /// Accreditations held.
    async fn accreditations(&self) -> Option<&str> {
        self.0.accreditations.as_deref()
    }
    /// Who can use the service, in words.
    async fn eligibility_description(&self) -> Option<&str> {
        self.0.eligibility_description.as_deref()
    }
    /// Youngest age served, in years.
    async fn minimum_age(&self) -> Option<i32> {
        self.0.minimum_age
    }
    /// Oldest age served, in years.
    async fn maximum_age(&self) -> Option<i32> {
        self.0.maximum_age
    }
    /// Date the listing was last checked as accurate.
    async fn assured_date(&self) -> Option<Date> {
        self.0.assured_date.map(Date)
    }
    /// Who checked the listing.
    async fn assurer_email(&self) -> Option<&str> {
        self.0.assurer_email.as_deref()
    }
    /// Licences held.
    async fn licenses(&self) -> Option<&str> {
        self.0.licenses.as_deref()
    }
    /// A short notice to show prominently (e.g. a temporary change).
    async fn alert(&self) -> Option<&str> {
        self.0.alert.as_deref()
    }
    /// True when the listing has not been reviewed for 12 months.
    async fn review_due(&self) -> bool {
        let reviewed = self.0.assured_date.unwrap_or_else(|| self.0.created_at.date_naive());
        search::review_due(reviewed, Utc::now())
    }
    /// Open at the given instant (default now): false unless the service is
    /// `ACTIVE`, false when every place it is delivered at is a hub that is
    /// `CLOSED` then, else what its schedules say (Europe/London time); null
    /// when an active service has no schedules.
    #[graphql(cache_control(no_cache))]
    async fn is_open(&self, ctx: &Context<'_>, at: Option<DateTime<Utc>>) -> GqlResult<Option<bool>> {
        let at = at.unwrap_or_else(Utc::now);
        if self.0.status != status::ACTIVE {
            // Not running whatever the hours say: nothing to read.
            return Ok(Some(false));
        }
        let (schedules, venues) = futures_util::try_join!(
            load_many(ctx, SchedulesOfService(self.0.id.clone())),
            load_many(ctx, VenuesOfService(self.0.id.clone())),
        )?;
        Ok(running::is_open(&self.0.status, &schedules, &venues, at))
    }
    /// When the record last changed.
    async fn last_modified(&self) -> DateTime<Utc> {
        self.0.last_modified
    }
    /// Revision number; pass it as `expectedVersion` when updating.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The organization offering the service.
    async fn organization(&self, ctx: &Context<'_>) -> GqlResult<Organization> {
        load(ctx, OrganizationById(self.0.organization_id.clone()))
            .await?
            .map(Organization)
            .ok_or_else(|| AppError::Internal(format!("service {} has no organization", self.0.id)).into())
    }
    /// Where the service is delivered.
    async fn locations(&self, ctx: &Context<'_>) -> GqlResult<Vec<Location>> {
        Ok(load_many(ctx, LocationsOfService(self.0.id.clone()))
            .await?
            .into_iter()
            .map(Location)
            .collect())
    }
    /// When the service runs.
    async fn schedules(&self, ctx: &Context<'_>) -> GqlResult<Vec<Schedule>> {
        Ok(load_many(ctx, SchedulesOfService(self.0.id.clone()))
            .await?
            .into_iter()
            .map(Schedule)
            .collect())
    }
    /// Phone numbers.
    async fn phones(&self, ctx: &Context<'_>) -> GqlResult<Vec<Phone>> {
        Ok(load_many(ctx, PhonesOfService(self.0.id.clone()))
            .await?
            .into_iter()
            .map(Phone::from)
            .collect())
    }
    /// Categories and audiences the service is filed under.
    async fn taxonomy_terms(&self, ctx: &Context<'_>) -> GqlResult<Vec<TaxonomyTerm>> {
        Ok(load_many(ctx, TermsOfService(self.0.id.clone()))
            .await?
            .into_iter()
            .map(TaxonomyTerm)
            .collect())
    }
    /// Languages the service is offered in.
    async fn languages(&self, ctx: &Context<'_>) -> GqlResult<Vec<Language>> {
        Ok(load_many(ctx, LanguagesOfService(self.0.id.clone()))
            .await?
            .into_iter()
            .map(Language::from)
            .collect())
    }
    /// Areas the service covers.
    async fn service_areas(&self, ctx: &Context<'_>) -> GqlResult<Vec<ServiceArea>> {
        Ok(load_many(ctx, AreasOfService(self.0.id.clone()))
            .await?
            .into_iter()
            .map(ServiceArea::from)
            .collect())
    }
    /// Costs, where the service charges.
    async fn cost_options(&self, ctx: &Context<'_>) -> GqlResult<Vec<CostOption>> {
        Ok(load_many(ctx, CostOptionsOfService(self.0.id.clone()))
            .await?
            .into_iter()
            .map(CostOption::from)
            .collect())
    }
    /// Named contacts.
    async fn contacts(&self, ctx: &Context<'_>) -> GqlResult<Vec<Contact>> {
        Ok(load_many(ctx, ContactsOfService(self.0.id.clone()))
            .await?
            .into_iter()
            .map(Contact::from)
            .collect())
    }
    /// Published pathways with a step at this service.
    #[graphql(complexity = "super::budget::ASSUMED_LIST_LENGTH * child_complexity")]
    async fn pathways(&self, ctx: &Context<'_>) -> GqlResult<Vec<super::pathways::Pathway>> {
        Ok(load_many(ctx, PathwaysThroughService(self.0.id.clone()))
            .await?
            .into_iter()
            .map(super::pathways::Pathway)
            .collect())
    }
}

// ---- organization ----------------------------------------------------------

/// An organization: a library service, an HSCP, a charity (HSDS `organization`).
#[derive(Debug, Clone)]
pub struct Organization(pub organization::Model);

/// An organization: a library service, an HSCP, a charity (HSDS `organization`).
#[Object]
impl Organization {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Organization, &self.0.id)
    }
    /// The id as HSDS data and exports carry it (a UUID).
    async fn hsds_id(&self) -> &str {
        &self.0.id
    }
    /// Official name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Another name it is known by.
    async fn alternate_name(&self) -> Option<&str> {
        self.0.alternate_name.as_deref()
    }
    /// What the organization does.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Contact email.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// Web site.
    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }
    /// Tax status (e.g. registered charity).
    async fn tax_status(&self) -> Option<&str> {
        self.0.tax_status.as_deref()
    }
    /// Tax identifier.
    async fn tax_id(&self) -> Option<&str> {
        self.0.tax_id.as_deref()
    }
    /// Year the organization was founded.
    async fn year_incorporated(&self) -> Option<i32> {
        self.0.year_incorporated
    }
    /// Legal form (e.g. SCIO, company limited by guarantee).
    async fn legal_status(&self) -> Option<&str> {
        self.0.legal_status.as_deref()
    }
    /// Link to a logo image.
    async fn logo(&self) -> Option<&str> {
        self.0.logo.as_deref()
    }
    /// A persistent identifier of the organization.
    async fn uri(&self) -> Option<&str> {
        self.0.uri.as_deref()
    }
    /// The parent organization, if any.
    async fn parent_organization(&self, ctx: &Context<'_>) -> GqlResult<Option<Organization>> {
        let Some(parent) = &self.0.parent_organization_id else {
            return Ok(None);
        };
        Ok(load(ctx, OrganizationById(parent.clone())).await?.map(Organization))
    }
    /// Official identifiers, e.g. the Scottish Charity Number.
    async fn identifiers(&self, ctx: &Context<'_>) -> GqlResult<Vec<OrganizationIdentifier>> {
        Ok(load_many(ctx, IdentifiersOfOrganization(self.0.id.clone()))
            .await?
            .into_iter()
            .map(OrganizationIdentifier::from)
            .collect())
    }
    /// Services the organization offers (those people can use).
    #[graphql(complexity = "first.unwrap_or(20).clamp(1, 100) as usize * child_complexity")]
    async fn services(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<ServiceConnection> {
        let filter = search::ServiceFilter {
            organization_id: Some(self.0.id.clone()),
            ..Default::default()
        };
        service_connection(ctx, &filter, search::ServiceOrder::Name, first, after).await
    }
    /// Places the organization runs.
    #[graphql(complexity = "super::budget::ASSUMED_LIST_LENGTH * child_complexity")]
    async fn locations(&self, ctx: &Context<'_>) -> GqlResult<Vec<Location>> {
        Ok(load_many(ctx, LocationsOfOrganization(self.0.id.clone()))
            .await?
            .into_iter()
            .map(Location)
            .collect())
    }
    /// Phone numbers.
    async fn phones(&self, ctx: &Context<'_>) -> GqlResult<Vec<Phone>> {
        Ok(load_many(ctx, PhonesOfOrganization(self.0.id.clone()))
            .await?
            .into_iter()
            .map(Phone::from)
            .collect())
    }
    /// When the record last changed.
    async fn last_modified(&self) -> DateTime<Utc> {
        self.0.last_modified
    }
    /// Revision number; pass it as `expectedVersion` when updating.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

// ---- location --------------------------------------------------------------

/// A place where services are delivered: a library, a health centre, a hall (HSDS `location`).
#[derive(Debug, Clone)]
pub struct Location(pub location::Model);

/// A service another organisation lists at a location, as the location's
/// keeper sees it.
#[derive(SimpleObject)]
pub struct ServiceLink {
    /// Raw (HSDS `service_at_location`) id of the listing.
    pub id: ID,
    /// The service listed; its `organization` is the one that listed it.
    pub service: Service,
    /// Name of the partner that listed it; null when made by the system
    /// (import) or before listings were recorded.
    pub linked_by: Option<String>,
    /// When it was listed; null as for `linkedBy`.
    pub linked_at: Option<DateTime<Utc>>,
}

/// The caller keeps the location's records (its organisation's partner, or an
/// admin): UNAUTHENTICATED when anonymous, FORBIDDEN otherwise.
struct KeepsLocation<'a>(&'a location::Model);

impl async_graphql::Guard for KeepsLocation<'_> {
    async fn check(&self, ctx: &Context<'_>) -> GqlResult<()> {
        let viewer = crate::partners::access::signed_in(super::guards::viewer(ctx))?;
        let owner = self.0.organization_id.as_deref().unwrap_or_default();
        crate::partners::access::must_keep_organization(viewer, owner, "the location")?;
        Ok(())
    }
}

/// A place where services are delivered: a library, a health centre, a hall (HSDS `location`).
#[Object]
impl Location {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Location, &self.0.id)
    }
    /// The id as HSDS data and exports carry it (a UUID).
    async fn hsds_id(&self) -> &str {
        &self.0.id
    }
    /// Name of the place.
    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }
    /// Another name it is known by.
    async fn alternate_name(&self) -> Option<&str> {
        self.0.alternate_name.as_deref()
    }
    /// What the place is like.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Physical, postal or virtual.
    async fn location_type(&self) -> LocationType {
        LocationType::from_hsds(&self.0.location_type)
    }
    /// Web page of a virtual location.
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }
    /// How to get there by public transport.
    async fn transportation(&self) -> Option<&str> {
        self.0.transportation.as_deref()
    }
    /// WGS84 latitude.
    async fn latitude(&self) -> Option<f64> {
        self.0.latitude
    }
    /// WGS84 longitude.
    async fn longitude(&self) -> Option<f64> {
        self.0.longitude
    }
    /// The hub at this place, when it acts as a Community Hub, Health and
    /// Wellbeing Hub or warm space.
    async fn hub(&self, ctx: &Context<'_>) -> GqlResult<Option<super::hubs::Hub>> {
        Ok(load(ctx, HubAtLocation(self.0.id.clone()))
            .await?
            .map(super::hubs::Hub::from))
    }
    /// Published pathways that start here (e.g. from a library).
    #[graphql(complexity = "super::budget::ASSUMED_LIST_LENGTH * child_complexity")]
    async fn pathways_from(&self, ctx: &Context<'_>) -> GqlResult<Vec<super::pathways::Pathway>> {
        Ok(load_many(ctx, PathwaysFromLocation(self.0.id.clone()))
            .await?
            .into_iter()
            .map(super::pathways::Pathway)
            .collect())
    }
    /// An identifier of the place in another system (e.g. a UPRN).
    async fn external_identifier(&self) -> Option<&str> {
        self.0.external_identifier.as_deref()
    }
    /// The scheme of `externalIdentifier`.
    async fn external_identifier_type(&self) -> Option<&str> {
        self.0.external_identifier_type.as_deref()
    }
    /// GSS code of the council area the place lies in (from its postcode
    /// where the postcode is known).
    async fn area_code(&self) -> Option<&str> {
        self.0.area_code.as_deref()
    }
    /// The council area the place lies in, with its HSCP and health board.
    async fn area(&self, ctx: &Context<'_>) -> GqlResult<Option<super::geography::Area>> {
        Ok(super::geography::area(ctx, self.0.area_code.as_deref())
            .await?
            .map(super::geography::Area))
    }
    /// GSS code of the NHS health board the place lies in (its council area's).
    async fn health_board_code(&self, ctx: &Context<'_>) -> GqlResult<Option<String>> {
        Ok(super::geography::area(ctx, self.0.area_code.as_deref())
            .await?
            .and_then(|a| a.health_board_code))
    }
    /// The physical (or else first) address.
    async fn address(&self, ctx: &Context<'_>) -> GqlResult<Option<Address>> {
        let addresses = load_many(ctx, AddressesOfLocation(self.0.id.clone())).await?;
        let physical = addresses
            .iter()
            .find(|a| a.address_type == "physical")
            .or(addresses.first());
        Ok(physical.cloned().map(Address::from))
    }
    /// Every address (physical and postal).
    async fn addresses(&self, ctx: &Context<'_>) -> GqlResult<Vec<Address>> {
        Ok(load_many(ctx, AddressesOfLocation(self.0.id.clone()))
            .await?
            .into_iter()
            .map(Address::from)
            .collect())
    }
    /// The organization running the place.
    async fn organization(&self, ctx: &Context<'_>) -> GqlResult<Option<Organization>> {
        let Some(id) = &self.0.organization_id else {
            return Ok(None);
        };
        Ok(load(ctx, OrganizationById(id.clone())).await?.map(Organization))
    }
    /// Services other organisations list at this place, with who listed
    /// them and when: for the place's keeper and admins (anyone else gets
    /// null and FORBIDDEN). The keeper may take any of them off with
    /// `removeServiceAtLocation`.
    async fn service_links_from_others(&self, ctx: &Context<'_>) -> GqlResult<Option<Vec<ServiceLink>>> {
        if super::guards::refused_as_null(ctx, &KeepsLocation(&self.0)).await {
            return Ok(None);
        }
        let db = db(ctx)?;
        let links = crate::services::writes::links_by_others(db, &self.0).await?;
        let ids: Vec<String> = links.iter().map(|(link, _)| link.id.clone()).collect();
        let made = crate::partners::audit::latest_about(db, super::writes::LINK_MADE, &ids).await?;
        let mut found = Vec::with_capacity(links.len());
        for (link, service) in links {
            let row = made.get(&link.id);
            let partner = match row.and_then(|r| r.partner_id.clone()) {
                Some(id) => load(ctx, PartnerById(id)).await?,
                None => None,
            };
            found.push(ServiceLink {
                id: ID(link.id),
                service: Service(service),
                linked_by: partner.map(|p| p.record.name),
                linked_at: row.map(|r| r.at),
            });
        }
        Ok(Some(found))
    }
    /// Services delivered here (those people can use).
    #[graphql(complexity = "super::budget::ASSUMED_LIST_LENGTH * child_complexity")]
    async fn services(&self, ctx: &Context<'_>) -> GqlResult<Vec<Service>> {
        let listed = status::default_listed();
        Ok(load_many(ctx, ServicesAtLocation(self.0.id.clone()))
            .await?
            .into_iter()
            .filter(|s| listed.contains(&s.status))
            .map(Service)
            .collect())
    }
    /// Accessibility of the place.
    async fn accessibility(&self, ctx: &Context<'_>) -> GqlResult<Vec<Accessibility>> {
        Ok(load_many(ctx, AccessibilityOfLocation(self.0.id.clone()))
            .await?
            .into_iter()
            .map(Accessibility::from)
            .collect())
    }
    /// Terms the place is filed under (e.g. accessibility features).
    async fn taxonomy_terms(&self, ctx: &Context<'_>) -> GqlResult<Vec<TaxonomyTerm>> {
        Ok(load_many(ctx, TermsOfLocation(self.0.id.clone()))
            .await?
            .into_iter()
            .map(TaxonomyTerm)
            .collect())
    }
    /// Opening hours of the place itself (not of the services held there).
    async fn schedules(&self, ctx: &Context<'_>) -> GqlResult<Vec<Schedule>> {
        Ok(load_many(ctx, SchedulesOfLocation(self.0.id.clone()))
            .await?
            .into_iter()
            .filter(|s| s.service_id.is_none())
            .map(Schedule)
            .collect())
    }
    /// Phone numbers.
    async fn phones(&self, ctx: &Context<'_>) -> GqlResult<Vec<Phone>> {
        Ok(load_many(ctx, PhonesOfLocation(self.0.id.clone()))
            .await?
            .into_iter()
            .map(Phone::from)
            .collect())
    }
    /// When the record last changed.
    async fn last_modified(&self) -> DateTime<Utc> {
        self.0.last_modified
    }
    /// Revision number; pass it as `expectedVersion` when updating.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

// ---- schedule --------------------------------------------------------------

/// One HSDS schedule row: an iCalendar-style recurrence (freq WEEKLY with byDay;
/// MONTHLY with byDay like "1MO" or byMonthDay) with opening times and validity,
/// or a one-off closure/special opening (validFrom = validTo, closed true/false).
#[derive(Debug, Clone)]
pub struct Schedule(pub schedule::Model);

fn split_list(text: &Option<String>) -> Vec<String> {
    text.as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// One HSDS schedule row: an iCalendar-style recurrence (freq WEEKLY with byDay;
/// MONTHLY with byDay like "1MO" or byMonthDay) with opening times and validity,
/// or a one-off closure/special opening (validFrom = validTo, closed true/false).
#[Object]
impl Schedule {
    /// Recurrence frequency: WEEKLY or MONTHLY.
    async fn freq(&self) -> Option<&str> {
        self.0.freq.as_deref()
    }
    /// Every n weeks or months (default 1).
    async fn interval(&self) -> Option<i32> {
        self.0.interval
    }
    /// iCalendar days: MO..SU, or with an ordinal for monthly rules ("1MO" = first Monday).
    async fn by_day(&self) -> Vec<String> {
        split_list(&self.0.byday)
    }
    /// Days of the month for monthly rules.
    async fn by_month_day(&self) -> Vec<i32> {
        split_list(&self.0.bymonthday)
            .iter()
            .filter_map(|d| d.parse().ok())
            .collect()
    }
    /// Weeks of the year (iCalendar BYWEEKNO).
    async fn by_week_no(&self) -> Option<&str> {
        self.0.byweekno.as_deref()
    }
    /// Days of the year (iCalendar BYYEARDAY).
    async fn by_year_day(&self) -> Option<&str> {
        self.0.byyearday.as_deref()
    }
    /// Opening time, local time (Europe/London), HH:MM.
    async fn opens_at(&self) -> Option<&str> {
        self.0.opens_at.as_deref()
    }
    /// Closing time, local time (Europe/London), HH:MM.
    async fn closes_at(&self) -> Option<&str> {
        self.0.closes_at.as_deref()
    }
    /// First date the row applies.
    async fn valid_from(&self) -> Option<Date> {
        self.0.valid_from.map(Date)
    }
    /// Last date the row applies.
    async fn valid_to(&self) -> Option<Date> {
        self.0.valid_to.map(Date)
    }
    /// First occurrence of the recurrence.
    async fn dtstart(&self) -> Option<Date> {
        self.0.dtstart.map(Date)
    }
    /// Last date of the recurrence.
    async fn until(&self) -> Option<Date> {
        self.0.until.map(Date)
    }
    /// Number of occurrences.
    async fn count(&self) -> Option<i32> {
        self.0.count
    }
    /// First day of the week (iCalendar WKST).
    async fn wkst(&self) -> Option<&str> {
        self.0.wkst.as_deref()
    }
    /// UTC offset of the times, where given (HSDS `timezone`).
    async fn timezone(&self) -> Option<f64> {
        self.0.timezone
    }
    /// The times in words.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Link to a timetable.
    async fn schedule_link(&self) -> Option<&str> {
        self.0.schedule_link.as_deref()
    }
    /// How people attend: in person, online, by phone.
    async fn attending_type(&self) -> Option<&str> {
        self.0.attending_type.as_deref()
    }
    /// Anything else about the times.
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
    /// A one-off closure rather than an opening.
    async fn closed(&self) -> bool {
        self.0.closed
    }
}

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

// ---- taxonomy --------------------------------------------------------------

/// A vocabulary: `service-category` (what), `audience` (who), `accessibility`, `hub-facility`.
#[derive(Debug, Clone)]
pub struct Taxonomy(pub taxonomy::Model);

/// A vocabulary: `service-category` (what), `audience` (who), `accessibility`, `hub-facility`.
#[Object]
impl Taxonomy {
    /// Id of the taxonomy.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// Name, as `taxonomyTerms(taxonomy:)` takes it.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What the vocabulary is for.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Where the vocabulary is published.
    async fn uri(&self) -> Option<&str> {
        self.0.uri.as_deref()
    }
    /// Version of the vocabulary.
    async fn version(&self) -> Option<&str> {
        self.0.version.as_deref()
    }
}

/// A term in a taxonomy's tree (HSDS `taxonomy_term`).
#[derive(Debug, Clone)]
pub struct TaxonomyTerm(pub taxonomy_term::Model);

/// A term in a taxonomy's tree (HSDS `taxonomy_term`).
#[Object]
impl TaxonomyTerm {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::TaxonomyTerm, &self.0.id)
    }
    /// The id as HSDS data and exports carry it (a UUID).
    async fn hsds_id(&self) -> &str {
        &self.0.id
    }
    /// Short code of the term.
    async fn code(&self) -> Option<&str> {
        self.0.code.as_deref()
    }
    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What the term covers.
    async fn description(&self) -> Option<&str> {
        Some(self.0.description.as_str()).filter(|d| !d.is_empty())
    }
    /// Name of the taxonomy the term belongs to.
    async fn taxonomy(&self) -> &str {
        self.0
            .taxonomy
            .as_deref()
            .or(self.0.taxonomy_id.as_deref())
            .unwrap_or("")
    }
    /// Language of the term's name.
    async fn language(&self) -> Option<&str> {
        self.0.language.as_deref()
    }
    /// Persistent identifier of the term.
    async fn term_uri(&self) -> Option<&str> {
        self.0.term_uri.as_deref()
    }
    /// The broader term, if any.
    async fn parent(&self, ctx: &Context<'_>) -> GqlResult<Option<TaxonomyTerm>> {
        let Some(parent) = &self.0.parent_id else {
            return Ok(None);
        };
        Ok(load(ctx, TermById(parent.clone())).await?.map(TaxonomyTerm))
    }
    /// The narrower terms.
    #[graphql(complexity = "super::budget::ASSUMED_LIST_LENGTH * child_complexity")]
    async fn children(&self, ctx: &Context<'_>) -> GqlResult<Vec<TaxonomyTerm>> {
        Ok(load_many(ctx, ChildTerms(self.0.id.clone()))
            .await?
            .into_iter()
            .map(TaxonomyTerm)
            .collect())
    }
}

// ---- connections -----------------------------------------------------------

connection!(
    OrganizationConnection,
    OrganizationEdge,
    Organization,
    "A page of organizations.",
    "An organization in a page."
);
connection!(
    LocationConnection,
    LocationEdge,
    Location,
    "A page of locations.",
    "A location in a page."
);
connection!(
    TaxonomyTermConnection,
    TaxonomyTermEdge,
    TaxonomyTerm,
    "A page of taxonomy terms.",
    "A taxonomy term in a page."
);

/// Puts `parent` in front of a bad-input error's field path.
pub(crate) fn prefix_field(error: AppError, parent: &str) -> AppError {
    match error {
        AppError::BadUserInput { message, mut field } => {
            field.insert(0, parent.to_owned());
            AppError::BadUserInput { message, field }
        }
        other => other,
    }
}

/// Which organizations to list.
#[derive(Debug, Default, InputObject)]
pub struct OrganizationFilter {
    /// Words to find in the name or description.
    pub text: Option<String>,
    /// With a location in, or a service covering, any of these council areas.
    pub area_codes: Option<Vec<String>>,
    /// With a location in, or a service covering, a council area of any of
    /// these NHS health boards (GSS codes, e.g. S08000024).
    pub health_board_codes: Option<Vec<String>>,
}

/// Which locations to list.
#[derive(Debug, Default, InputObject)]
pub struct LocationFilter {
    /// Words to find in the name or description.
    pub text: Option<String>,
    /// In any of these council areas.
    pub area_codes: Option<Vec<String>>,
    /// In a council area of any of these NHS health boards (GSS codes, e.g. S08000024).
    pub health_board_codes: Option<Vec<String>>,
    /// Run by this organization.
    pub organization_id: Option<ID>,
}

// ---- queries ---------------------------------------------------------------

/// Reads of the services directory.
#[derive(Default)]
pub struct DirectoryQuery;

/// Fetches one record by typed id: malformed or wrong-kind ids are
/// BAD_USER_INPUT, unknown ones NOT_FOUND.
pub(crate) fn not_found(kind: Kind) -> async_graphql::Error {
    AppError::NotFound(format!("no {} with that id", kind.name())).into()
}

#[Object]
impl DirectoryQuery {
    /// One service.
    async fn service(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<Service>> {
        let id = ids::decode(&id, Kind::Service, &["id"])?;
        // With the relations the query shows, in one statement, handed to
        // the loader their resolvers read.
        let joins = service_joins(&[ctx.look_ahead()]);
        let (services, relations) =
            with_relations::services_of(db(ctx)?, service::Entity::find_by_id(id), &[], joins).await?;
        feed_service_relations(ctx.data::<Loaders>()?, relations).await;
        match services.into_iter().next() {
            Some(service) => Ok(Some(Service(service))),
            None => Err(not_found(Kind::Service)),
        }
    }

    /// Organizations matching the filter, by name.
    #[graphql(complexity = "first.unwrap_or(20).clamp(1, 100) as usize * child_complexity")]
    async fn organizations(
        &self,
        ctx: &Context<'_>,
        filter: Option<OrganizationFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<OrganizationConnection> {
        let page = PageRequest::new(first, after.as_deref())?;
        let filter = filter.unwrap_or_default();
        let filter = organizations::OrganizationFilter {
            text: filter.text,
            area_codes: areas::area_codes(filter.area_codes.unwrap_or_default()),
            health_board_codes: areas::health_board_codes(
                &filter.health_board_codes.unwrap_or_default(),
                &["filter", "healthBoardCodes"],
            )?,
        };
        let db = db(ctx)?;
        let rows = organizations::list_organizations(db, &filter, &page).await?;
        let total = if wants_total(ctx) {
            organizations::count_organizations(db, &filter).await?
        } else {
            0
        };
        Ok(OrganizationConnection::new(
            rows.map(Organization),
            |o| (o.0.name.clone(), o.0.id.clone()),
            total,
        ))
    }

    /// One organization.
    async fn organization(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<Organization>> {
        let id = ids::decode(&id, Kind::Organization, &["id"])?;
        match organizations::find_organization(db(ctx)?, &id).await? {
            Some(found) => Ok(Some(Organization(found))),
            None => Err(not_found(Kind::Organization)),
        }
    }

    /// Locations matching the filter, by name.
    #[graphql(complexity = "first.unwrap_or(20).clamp(1, 100) as usize * child_complexity")]
    async fn locations(
        &self,
        ctx: &Context<'_>,
        filter: Option<LocationFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<LocationConnection> {
        let page = PageRequest::new(first, after.as_deref())?;
        let filter = filter.unwrap_or_default();
        let filter = locations::LocationFilter {
            text: filter.text,
            area_codes: areas::area_codes(filter.area_codes.unwrap_or_default()),
            health_board_codes: areas::health_board_codes(
                &filter.health_board_codes.unwrap_or_default(),
                &["filter", "healthBoardCodes"],
            )?,
            organization_id: filter
                .organization_id
                .map(|id| ids::decode(&id, Kind::Organization, &["filter", "organizationId"]))
                .transpose()?,
        };
        let db = db(ctx)?;
        let rows = locations::list_locations(db, &filter, &page).await?;
        let total = if wants_total(ctx) {
            locations::count_locations(db, &filter).await?
        } else {
            0
        };
        Ok(LocationConnection::new(
            rows.map(Location),
            |l| (locations::sort_key(&l.0), l.0.id.clone()),
            total,
        ))
    }

    /// One location.
    async fn location(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<Location>> {
        let id = ids::decode(&id, Kind::Location, &["id"])?;
        match locations::find_location(db(ctx)?, &id).await? {
            Some(found) => Ok(Some(Location(found))),
            None => Err(not_found(Kind::Location)),
        }
    }

    /// Every taxonomy (vocabulary) in use.
    async fn taxonomies(&self, ctx: &Context<'_>) -> GqlResult<Vec<Taxonomy>> {
        Ok(terms::all_taxonomies(db(ctx)?)
            .await?
            .into_iter()
            .map(Taxonomy)
            .collect())
    }

    /// Terms of one taxonomy (by name or id) and/or the children of one
    /// term, by name. With `topOnly`, only terms with no parent: the first
    /// level of a menu, whose `children` give the next.
    #[graphql(complexity = "first.unwrap_or(20).clamp(1, 100) as usize * child_complexity")]
    async fn taxonomy_terms(
        &self,
        ctx: &Context<'_>,
        taxonomy: Option<String>,
        parent_id: Option<ID>,
        #[graphql(desc = "Only terms with no parent (not with `parentId`).", default = false)] top_only: bool,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<TaxonomyTermConnection> {
        let page = PageRequest::new(first, after.as_deref())?;
        if top_only && parent_id.is_some() {
            return Err(AppError::bad_input(&["topOnly"], "give parentId or topOnly, not both").into());
        }
        let filter = terms::TermFilter {
            taxonomy,
            parent_id: parent_id
                .map(|id| ids::decode(&id, Kind::TaxonomyTerm, &["parentId"]))
                .transpose()?,
            top_only,
        };
        let db = db(ctx)?;
        let rows = terms::list_terms(db, &filter, &page).await?;
        let total = if wants_total(ctx) {
            terms::count_terms(db, &filter).await?
        } else {
            0
        };
        Ok(TaxonomyTermConnection::new(
            rows.map(TaxonomyTerm),
            |t| (t.0.name.clone(), t.0.id.clone()),
            total,
        ))
    }
}
