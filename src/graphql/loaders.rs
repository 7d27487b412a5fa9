//! Per-request DataLoaders: one key type per relation, so a page of 100
//! services costs one statement per nested field, not one per service.
//! A fresh `DataLoader` (with its cache) is built for every request, so
//! nothing is cached across requests or callers.
//!
//! DataLoader batches on a 1 ms timer, which a long list can outlast: list
//! resolvers therefore prefetch the relations the query selects in one
//! `load_many` per relation (see `prefetch_services`), and the per-object
//! loads then hit the request's cache. That makes the statements per page
//! fixed, whatever the page size or the machine's load.

use std::collections::HashMap;
use std::hash::Hash;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use entity::*;
use sea_orm::DatabaseConnection;

use crate::services::related;
use crate::services::with_relations::{ServiceJoins, ServiceRelations};

/// Loads directory rows for the GraphQL objects of one request.
pub struct DirectoryLoader {
    db: DatabaseConnection,
}

pub type Loaders = DataLoader<DirectoryLoader, HashMapCache>;

pub fn loaders(db: DatabaseConnection) -> Loaders {
    // Batches run on tasks of their own: they keep the span of the request
    // that started them, so their SQL is logged with its request id.
    let spawn = |batch| tokio::spawn(tracing::Instrument::in_current_span(batch));
    DataLoader::with_cache(DirectoryLoader { db }, spawn, HashMapCache::default())
}

/// Puts organisations read together with their services (joined to the
/// services' rows) into the loader, so resolving them runs no SQL.
pub async fn feed_organizations(loaders: &Loaders, organizations: Vec<organization::Model>) {
    loaders
        .feed_many(organizations.into_iter().map(|o| (OrganizationById(o.id.clone()), o)))
        .await;
}

/// The relations of services that the query selects under `selection`
/// (the service objects' fields), to be read with the services' rows.
pub fn service_joins(selection: &[async_graphql::Lookahead<'_>]) -> ServiceJoins {
    let selects = |field: &str| selection.iter().any(|s| s.field(field).exists());
    ServiceJoins {
        organization: selects("organization"),
        locations: selects("locations"),
        taxonomy_terms: selects("taxonomyTerms"),
        phones: selects("phones"),
        // `isOpen` reads the schedules too.
        schedules: selects("schedules") || selects("isOpen"),
    }
}

/// Puts the relations read with a page of services into the loader, so
/// resolving them (and `prefetch_services`) runs no SQL.
pub async fn feed_service_relations(loaders: &Loaders, relations: ServiceRelations) {
    feed_organizations(loaders, relations.organizations).await;
    loaders
        .feed_many(
            relations
                .locations
                .into_iter()
                .map(|(id, rows)| (LocationsOfService(id), rows)),
        )
        .await;
    loaders
        .feed_many(
            relations
                .taxonomy_terms
                .into_iter()
                .map(|(id, rows)| (TermsOfService(id), rows)),
        )
        .await;
    loaders
        .feed_many(
            relations
                .phones
                .into_iter()
                .map(|(id, rows)| (PhonesOfService(id), rows)),
        )
        .await;
    loaders
        .feed_many(
            relations
                .schedules
                .into_iter()
                .map(|(id, rows)| (SchedulesOfService(id), rows)),
        )
        .await;
}

/// Puts what a page of hubs read along with its rows (locations,
/// organisations, service counts) into the loader.
pub async fn feed_hub_relations(loaders: &Loaders, relations: crate::hubs::reads::HubRelations) {
    loaders
        .feed_many(relations.locations.into_iter().map(|l| (LocationById(l.id.clone()), l)))
        .await;
    feed_organizations(loaders, relations.organizations).await;
    loaders
        .feed_many(
            relations
                .service_counts
                .into_iter()
                .map(|(location_id, count)| (ServiceCountAtLocation(location_id), count)),
        )
        .await;
}

/// Loads, in one batch per relation, the relations of `services` that the
/// query selects under `selection` (the service objects' fields), so that
/// resolving each service's fields afterwards runs no SQL.
pub async fn prefetch_services(
    loaders: &Loaders,
    selection: &[async_graphql::Lookahead<'_>],
    services: &[service::Model],
) -> async_graphql::Result<()> {
    let selects = |field: &str| selection.iter().any(|s| s.field(field).exists());
    let ids = || services.iter().map(|s| s.id.clone());
    let organizations = async {
        if selects("organization") {
            loaders
                .load_many(services.iter().map(|s| OrganizationById(s.organization_id.clone())))
                .await?;
        }
        Ok::<_, async_graphql::Error>(())
    };
    let locations = async {
        if selects("locations") {
            loaders.load_many(ids().map(LocationsOfService)).await?;
        }
        Ok(())
    };
    let schedules = async {
        if selects("schedules") || selects("isOpen") {
            loaders.load_many(ids().map(SchedulesOfService)).await?;
        }
        Ok(())
    };
    let venues = async {
        if selects("isOpen") {
            loaders.load_many(ids().map(VenuesOfService)).await?;
        }
        Ok(())
    };
    let phones = async {
        if selects("phones") {
            loaders.load_many(ids().map(PhonesOfService)).await?;
        }
        Ok(())
    };
    let terms = async {
        if selects("taxonomyTerms") {
            loaders.load_many(ids().map(TermsOfService)).await?;
        }
        Ok(())
    };
    let languages = async {
        if selects("languages") {
            loaders.load_many(ids().map(LanguagesOfService)).await?;
        }
        Ok(())
    };
    let areas = async {
        if selects("serviceAreas") {
            loaders.load_many(ids().map(AreasOfService)).await?;
        }
        Ok(())
    };
    futures_util::try_join!(
        organizations,
        locations,
        schedules,
        venues,
        phones,
        terms,
        languages,
        areas
    )?;
    Ok(())
}

/// Loads, in one batch, the facilities of `hubs` and their terms. The
/// other relations a page of hubs shows come joined to its rows
/// (`hubs::reads::find_hubs`, fed by `feed_hub_relations`).
pub async fn prefetch_hub_facilities(loaders: &Loaders, hubs: &[hub::Model]) -> async_graphql::Result<()> {
    let held = loaders
        .load_many(hubs.iter().map(|h| FacilitiesOfHub(h.id.clone())))
        .await?;
    let terms: std::collections::HashSet<String> = held.into_values().flatten().collect();
    loaders.load_many(terms.into_iter().map(TermById)).await?;
    Ok(())
}

/// Groups `(owner, row)` pairs under the keys asked for; owners with no rows
/// get an empty list so the loader does not ask again.
fn group<K, V>(
    keys: &[K],
    pairs: impl IntoIterator<Item = (String, V)>,
    key: impl Fn(String) -> K,
) -> HashMap<K, Vec<V>>
where
    K: Clone + Eq + Hash,
{
    let mut map: HashMap<K, Vec<V>> = keys.iter().map(|k| (k.clone(), Vec::new())).collect();
    for (owner, row) in pairs {
        map.entry(key(owner)).or_default().push(row);
    }
    map
}

fn owners<'a>(keys: impl IntoIterator<Item = &'a String>) -> Vec<String> {
    keys.into_iter().cloned().collect()
}

/// The owner id held in a child row's foreign key, nullable or not.
trait OwnerKey {
    fn owner(&self) -> Option<String>;
}

impl OwnerKey for String {
    fn owner(&self) -> Option<String> {
        Some(self.clone())
    }
}

impl OwnerKey for Option<String> {
    fn owner(&self) -> Option<String> {
        self.clone()
    }
}

/// A loader of rows by their own id.
macro_rules! by_id_loader {
    ($(#[$doc:meta])* $key:ident => $table:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $key(pub String);

        impl Loader<$key> for DirectoryLoader {
            type Value = $table::Model;
            type Error = async_graphql::Error;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Self::Value>, Self::Error> {
                let ids = owners(keys.iter().map(|k| &k.0));
                let rows = related::by_ids::<$table::Entity>(&self.db, $table::Column::Id, &ids).await?;
                Ok(rows.into_iter().map(|row| ($key(row.id.clone()), row)).collect())
            }
        }
    };
}

/// A loader of child rows by the owner's id held in a column of the child.
macro_rules! children_loader {
    ($(#[$doc:meta])* $key:ident => $table:ident . $owner:ident ($column:ident), order $order:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $key(pub String);

        impl Loader<$key> for DirectoryLoader {
            type Value = Vec<$table::Model>;
            type Error = async_graphql::Error;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Self::Value>, Self::Error> {
                let ids = owners(keys.iter().map(|k| &k.0));
                let rows = related::children::<$table::Entity>(
                    &self.db,
                    $table::Column::$column,
                    &ids,
                    $table::Column::$order,
                )
                .await?;
                let pairs = rows.into_iter().filter_map(|row| Some((row.$owner.owner()?, row)));
                Ok(group(keys, pairs, $key))
            }
        }
    };
}

by_id_loader!(
    /// An organization by id.
    OrganizationById => organization
);
by_id_loader!(
    /// A location by id.
    LocationById => location
);
by_id_loader!(
    /// A taxonomy term by id (e.g. a term's parent).
    TermById => taxonomy_term
);

children_loader!(
    /// Schedules of a service (at any of its locations).
    SchedulesOfService => schedule.service_id(ServiceId), order Id
);
children_loader!(
    /// Schedules attached to a location (its own opening hours and services there).
    SchedulesOfLocation => schedule.location_id(LocationId), order Id
);
children_loader!(
    /// Phones of a service.
    PhonesOfService => phone.service_id(ServiceId), order Position
);
children_loader!(
    /// Phones of a location.
    PhonesOfLocation => phone.location_id(LocationId), order Position
);
children_loader!(
    /// Phones of an organization.
    PhonesOfOrganization => phone.organization_id(OrganizationId), order Position
);
children_loader!(
    /// Languages of a service.
    LanguagesOfService => language.service_id(ServiceId), order Id
);
children_loader!(
    /// Service areas of a service.
    AreasOfService => service_area.service_id(ServiceId), order Id
);
children_loader!(
    /// Cost options of a service.
    CostOptionsOfService => cost_option.service_id(ServiceId), order Id
);
children_loader!(
    /// Contacts of a service.
    ContactsOfService => contact.service_id(ServiceId), order Id
);
children_loader!(
    /// Addresses of a location.
    AddressesOfLocation => address.location_id(LocationId), order Id
);
children_loader!(
    /// Accessibility notes of a location.
    AccessibilityOfLocation => accessibility.location_id(LocationId), order Id
);
children_loader!(
    /// Locations of an organization.
    LocationsOfOrganization => location.organization_id(OrganizationId), order Name
);
children_loader!(
    /// Children of a taxonomy term.
    ChildTerms => taxonomy_term.parent_id(ParentId), order Name
);
children_loader!(
    /// Identifiers (e.g. charity numbers) of an organization.
    IdentifiersOfOrganization => organization_identifier.organization_id(OrganizationId), order Id
);

/// Locations where a service is delivered.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LocationsOfService(pub String);

impl Loader<LocationsOfService> for DirectoryLoader {
    type Value = Vec<location::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[LocationsOfService]) -> Result<HashMap<LocationsOfService, Self::Value>, Self::Error> {
        let ids = owners(keys.iter().map(|k| &k.0));
        let pairs = related::locations_of_services(&self.db, &ids).await?;
        Ok(group(keys, pairs, LocationsOfService))
    }
}

/// The places where a service is delivered, with the status of any hub
/// there: what `isOpen` needs besides the schedules.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VenuesOfService(pub String);

impl Loader<VenuesOfService> for DirectoryLoader {
    type Value = Vec<crate::services::running::Venue>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[VenuesOfService]) -> Result<HashMap<VenuesOfService, Self::Value>, Self::Error> {
        let ids = owners(keys.iter().map(|k| &k.0));
        let mut venues = crate::services::running::venues_of(&self.db, &ids).await?;
        // A service delivered nowhere has no venues: an empty list, not a miss.
        Ok(keys
            .iter()
            .map(|key| (key.clone(), venues.remove(&key.0).unwrap_or_default()))
            .collect())
    }
}

/// Services delivered at a location.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServicesAtLocation(pub String);

impl Loader<ServicesAtLocation> for DirectoryLoader {
    type Value = Vec<service::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[ServicesAtLocation]) -> Result<HashMap<ServicesAtLocation, Self::Value>, Self::Error> {
        let ids = owners(keys.iter().map(|k| &k.0));
        let pairs = related::services_at_locations(&self.db, &ids).await?;
        Ok(group(keys, pairs, ServicesAtLocation))
    }
}

/// Taxonomy terms linked to a service.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TermsOfService(pub String);

impl Loader<TermsOfService> for DirectoryLoader {
    type Value = Vec<taxonomy_term::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[TermsOfService]) -> Result<HashMap<TermsOfService, Self::Value>, Self::Error> {
        let ids = owners(keys.iter().map(|k| &k.0));
        let pairs = related::terms_of(&self.db, "service", &ids).await?;
        Ok(group(keys, pairs, TermsOfService))
    }
}

/// Taxonomy terms linked to a location (e.g. accessibility).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TermsOfLocation(pub String);

impl Loader<TermsOfLocation> for DirectoryLoader {
    type Value = Vec<taxonomy_term::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[TermsOfLocation]) -> Result<HashMap<TermsOfLocation, Self::Value>, Self::Error> {
        let ids = owners(keys.iter().map(|k| &k.0));
        let pairs = related::terms_of(&self.db, "location", &ids).await?;
        Ok(group(keys, pairs, TermsOfLocation))
    }
}

by_id_loader!(
    /// A hub by id.
    HubById => hub
);

/// The hub at a location, if the location is one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HubAtLocation(pub String);

impl Loader<HubAtLocation> for DirectoryLoader {
    type Value = hub::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[HubAtLocation]) -> Result<HashMap<HubAtLocation, Self::Value>, Self::Error> {
        let ids = owners(keys.iter().map(|k| &k.0));
        let rows = crate::hubs::reads::hubs_at_locations(&self.db, &ids).await?;
        Ok(rows
            .into_iter()
            .map(|row| (HubAtLocation(row.location_id.clone()), row))
            .collect())
    }
}

/// The facility term ids a hub offers now.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FacilitiesOfHub(pub String);

impl Loader<FacilitiesOfHub> for DirectoryLoader {
    type Value = Vec<String>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[FacilitiesOfHub]) -> Result<HashMap<FacilitiesOfHub, Self::Value>, Self::Error> {
        let ids = owners(keys.iter().map(|k| &k.0));
        let pairs = crate::hubs::reads::facilities_of(&self.db, &ids).await?;
        Ok(group(keys, pairs, FacilitiesOfHub))
    }
}

/// How many services are delivered at a location.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServiceCountAtLocation(pub String);

impl Loader<ServiceCountAtLocation> for DirectoryLoader {
    type Value = i64;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[ServiceCountAtLocation],
    ) -> Result<HashMap<ServiceCountAtLocation, Self::Value>, Self::Error> {
        let ids = owners(keys.iter().map(|k| &k.0));
        let mut counts: HashMap<ServiceCountAtLocation, i64> = keys.iter().map(|k| (k.clone(), 0)).collect();
        for (location_id, count) in related::service_counts_at_locations(&self.db, &ids).await? {
            counts.insert(ServiceCountAtLocation(location_id), count);
        }
        Ok(counts)
    }
}

// ---- pathways -------------------------------------------------------------------

by_id_loader!(
    /// A pathway by id (visibility is the resolver's business).
    PathwayById => pathway
);
by_id_loader!(
    /// A service by id (e.g. the target of a pathway step).
    ServiceById => service
);
children_loader!(
    /// Steps of a pathway, in order.
    StepsOfPathway => pathway_step.pathway_id(PathwayId), order Position
);

/// A loader of `(pathway id, value)` pairs read by one `pathways::reads` function.
macro_rules! pathway_part_loader {
    ($(#[$doc:meta])* $key:ident => $read:path) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $key(pub String);

        impl Loader<$key> for DirectoryLoader {
            type Value = Vec<String>;
            type Error = async_graphql::Error;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Self::Value>, Self::Error> {
                let ids = owners(keys.iter().map(|k| &k.0));
                Ok(group(keys, $read(&self.db, &ids).await?, $key))
            }
        }
    };
}

pathway_part_loader!(
    /// Council areas (GSS codes) a pathway serves.
    AreasOfPathway => crate::pathways::reads::areas_of
);
pathway_part_loader!(
    /// Audience term ids of a pathway.
    AudienceOfPathway => crate::pathways::reads::audience_of
);
pathway_part_loader!(
    /// Entry location ids of a pathway, in order.
    EntriesOfPathway => crate::pathways::reads::entries_of
);

/// Whether a pathway needs review (a step's service has ended or a target is gone).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PathwayNeedsReview(pub String);

impl Loader<PathwayNeedsReview> for DirectoryLoader {
    type Value = bool;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[PathwayNeedsReview]) -> Result<HashMap<PathwayNeedsReview, bool>, Self::Error> {
        let ids = owners(keys.iter().map(|k| &k.0));
        let flagged = crate::pathways::reads::needing_review(&self.db, &ids).await?;
        Ok(keys.iter().map(|k| (k.clone(), flagged.contains(&k.0))).collect())
    }
}

/// Published pathways with a step at a service.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PathwaysThroughService(pub String);

impl Loader<PathwaysThroughService> for DirectoryLoader {
    type Value = Vec<pathway::Model>;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[PathwaysThroughService],
    ) -> Result<HashMap<PathwaysThroughService, Self::Value>, Self::Error> {
        let ids = owners(keys.iter().map(|k| &k.0));
        let pairs = crate::pathways::reads::published_through_services(&self.db, &ids).await?;
        Ok(group(keys, pairs, PathwaysThroughService))
    }
}

/// Published pathways that people enter at a location.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PathwaysFromLocation(pub String);

impl Loader<PathwaysFromLocation> for DirectoryLoader {
    type Value = Vec<pathway::Model>;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[PathwaysFromLocation],
    ) -> Result<HashMap<PathwaysFromLocation, Self::Value>, Self::Error> {
        let ids = owners(keys.iter().map(|k| &k.0));
        let pairs = crate::pathways::reads::published_from_locations(&self.db, &ids).await?;
        Ok(group(keys, pairs, PathwaysFromLocation))
    }
}

/// A partner with its areas (the owner of a pathway).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PartnerById(pub String);

impl Loader<PartnerById> for DirectoryLoader {
    type Value = crate::partners::Partner;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[PartnerById]) -> Result<HashMap<PartnerById, Self::Value>, Self::Error> {
        let ids = owners(keys.iter().map(|k| &k.0));
        let records = related::by_ids::<partner::Entity>(&self.db, partner::Column::Id, &ids).await?;
        let areas = related::children::<partner_area::Entity>(
            &self.db,
            partner_area::Column::PartnerId,
            &ids,
            partner_area::Column::AreaCode,
        )
        .await?;
        Ok(records
            .into_iter()
            .map(|record| {
                let area_codes = areas
                    .iter()
                    .filter(|a| a.partner_id == record.id)
                    .map(|a| a.area_code.clone())
                    .collect();
                (
                    PartnerById(record.id.clone()),
                    crate::partners::Partner { record, area_codes },
                )
            })
            .collect())
    }
}

/// Loads, one batch per relation, what the query selects of `pathways`
/// under `selection`, so the statements per page stay fixed: first the
/// pathways' own parts, then, in one batch per table, the rows they name
/// (one load of locations for entry points and step targets together, so
/// two batches can never form or not by timing).
pub async fn prefetch_pathways(
    loaders: &Loaders,
    selection: &[async_graphql::Lookahead<'_>],
    pathways: &[pathway::Model],
) -> async_graphql::Result<()> {
    use std::collections::HashSet;
    let selects = |field: &str| selection.iter().any(|s| s.field(field).exists());
    let step_selection: Vec<_> = selection.iter().map(|s| s.field("steps")).collect();
    let step_selects = |field: &str| step_selection.iter().any(|s| s.field(field).exists());
    let ids = || pathways.iter().map(|p| p.id.clone());
    let ((), audience, entries, steps, (), ()) = futures_util::try_join!(
        async {
            if selects("areaCodes") {
                loaders.load_many(ids().map(AreasOfPathway)).await?;
            }
            Ok::<_, async_graphql::Error>(())
        },
        async {
            if selects("audience") {
                return loaders.load_many(ids().map(AudienceOfPathway)).await;
            }
            Ok(HashMap::new())
        },
        async {
            // Steps at the entry locations list them too.
            if selects("entryLocations") || step_selects("entryLocations") {
                return loaders.load_many(ids().map(EntriesOfPathway)).await;
            }
            Ok(HashMap::new())
        },
        async {
            if selects("steps") {
                return loaders.load_many(ids().map(StepsOfPathway)).await;
            }
            Ok(HashMap::new())
        },
        async {
            if selects("needsReview") {
                loaders.load_many(ids().map(PathwayNeedsReview)).await?;
            }
            Ok(())
        },
        async {
            if selects("owner") {
                let partners: HashSet<String> = pathways.iter().map(|p| p.owner_partner_id.clone()).collect();
                loaders.load_many(partners.into_iter().map(PartnerById)).await?;
            }
            Ok(())
        },
    )?;
    let steps: Vec<pathway_step::Model> = steps.into_values().flatten().collect();
    let targets = |pick: fn(&pathway_step::Model) -> &Option<String>, field: &str| -> HashSet<String> {
        if step_selects(field) {
            steps.iter().filter_map(|s| pick(s).clone()).collect()
        } else {
            HashSet::new()
        }
    };
    let mut places: HashSet<String> = entries.into_values().flatten().collect();
    places.extend(targets(|s| &s.location_id, "location"));
    let terms: HashSet<String> = audience.into_values().flatten().collect();
    let services = targets(|s| &s.service_id, "service");
    let organizations = targets(|s| &s.organization_id, "organization");
    futures_util::try_join!(
        async {
            if !places.is_empty() {
                loaders.load_many(places.into_iter().map(LocationById)).await?;
            }
            Ok::<_, async_graphql::Error>(())
        },
        async {
            if !terms.is_empty() {
                loaders.load_many(terms.into_iter().map(TermById)).await?;
            }
            Ok(())
        },
        async {
            if !services.is_empty() {
                loaders.load_many(services.into_iter().map(ServiceById)).await?;
            }
            Ok(())
        },
        async {
            if !organizations.is_empty() {
                loaders
                    .load_many(organizations.into_iter().map(OrganizationById))
                    .await?;
            }
            Ok(())
        },
    )?;
    Ok(())
}

/// A council area (or `SCOTLAND`) by GSS code.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AreaByCode(pub String);

impl Loader<AreaByCode> for DirectoryLoader {
    type Value = area::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[AreaByCode]) -> Result<HashMap<AreaByCode, Self::Value>, Self::Error> {
        let codes = owners(keys.iter().map(|k| &k.0));
        let rows = crate::services::areas::areas_by_code(&self.db, &codes).await?;
        Ok(rows
            .into_iter()
            .map(|row| (AreaByCode(row.code.clone()), row))
            .collect())
    }
}

/// An NHS health board by GSS code.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HealthBoardByCode(pub String);

impl Loader<HealthBoardByCode> for DirectoryLoader {
    type Value = health_board::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[HealthBoardByCode]) -> Result<HashMap<HealthBoardByCode, Self::Value>, Self::Error> {
        let codes = owners(keys.iter().map(|k| &k.0));
        let rows = crate::services::areas::health_boards_by_code(&self.db, &codes).await?;
        Ok(rows
            .into_iter()
            .map(|row| (HealthBoardByCode(row.code.clone()), row))
            .collect())
    }
}

/// The council areas of a health board, by name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AreasOfHealthBoard(pub String);

impl Loader<AreasOfHealthBoard> for DirectoryLoader {
    type Value = Vec<area::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[AreasOfHealthBoard]) -> Result<HashMap<AreasOfHealthBoard, Self::Value>, Self::Error> {
        let codes = owners(keys.iter().map(|k| &k.0));
        let rows = crate::services::areas::areas_of_health_boards(&self.db, &codes).await?;
        let pairs = rows
            .into_iter()
            .filter_map(|row| Some((row.health_board_code.clone()?, row)));
        Ok(group(keys, pairs, AreasOfHealthBoard))
    }
}
