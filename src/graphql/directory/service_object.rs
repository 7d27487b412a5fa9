//! A service (HSDS `service`) and its status.

use super::*;

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
    #[graphql(complexity = "crate::graphql::budget::ASSUMED_LIST_LENGTH * child_complexity")]
    async fn pathways(&self, ctx: &Context<'_>) -> GqlResult<Vec<crate::graphql::pathways::Pathway>> {
        Ok(load_many(ctx, PathwaysThroughService(self.0.id.clone()))
            .await?
            .into_iter()
            .map(crate::graphql::pathways::Pathway)
            .collect())
    }
}
