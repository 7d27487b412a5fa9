//! A place (HSDS `location`), its kind and the services others list there.

use super::*;

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
        let viewer = crate::partners::access::signed_in(crate::graphql::guards::viewer(ctx))?;
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
    async fn hub(&self, ctx: &Context<'_>) -> GqlResult<Option<crate::graphql::hubs::Hub>> {
        Ok(load(ctx, HubAtLocation(self.0.id.clone()))
            .await?
            .map(crate::graphql::hubs::Hub::from))
    }
    /// Published pathways that start here (e.g. from a library).
    #[graphql(complexity = "crate::graphql::budget::ASSUMED_LIST_LENGTH * child_complexity")]
    async fn pathways_from(&self, ctx: &Context<'_>) -> GqlResult<Vec<crate::graphql::pathways::Pathway>> {
        Ok(load_many(ctx, PathwaysFromLocation(self.0.id.clone()))
            .await?
            .into_iter()
            .map(crate::graphql::pathways::Pathway)
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
    async fn area(&self, ctx: &Context<'_>) -> GqlResult<Option<crate::graphql::geography::Area>> {
        Ok(crate::graphql::geography::area(ctx, self.0.area_code.as_deref())
            .await?
            .map(crate::graphql::geography::Area))
    }
    /// GSS code of the NHS health board the place lies in (its council area's).
    async fn health_board_code(&self, ctx: &Context<'_>) -> GqlResult<Option<String>> {
        Ok(crate::graphql::geography::area(ctx, self.0.area_code.as_deref())
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
        if crate::graphql::guards::refused_as_null(ctx, &KeepsLocation(&self.0)).await {
            return Ok(None);
        }
        let db = db(ctx)?;
        let links = crate::services::writes::links_by_others(db, &self.0).await?;
        let ids: Vec<String> = links.iter().map(|(link, _)| link.id.clone()).collect();
        let made = crate::partners::audit::latest_about(db, crate::graphql::writes::LINK_MADE, &ids).await?;
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
    #[graphql(complexity = "crate::graphql::budget::ASSUMED_LIST_LENGTH * child_complexity")]
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
