//! Data sets: the fictional demo directory and a synthetic one for benchmarks,
//! both written in bulk through `insert_directory`.

pub mod demo;
pub mod hubs;
pub mod pathways;
pub mod places;
pub mod synthetic;

use std::fmt;

use entity::*;
use indicatif::{ProgressBar, ProgressStyle};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QuerySelect,
    TransactionSession, TransactionTrait,
};

pub use crate::bulk::DirectoryData;

use crate::error::{AppError, AppResult};

/// Rows per multi-row INSERT: the widest table (service, 25 columns) stays
/// under SQLite's 32,766 bound parameters and PostgreSQL's 65,535.
const CHUNK: usize = 500;

/// How many rows of the main tables a seed wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub organizations: usize,
    pub services: usize,
    pub locations: usize,
    pub taxonomy_terms: usize,
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} organizations, {} services, {} locations, {} taxonomy terms",
            self.organizations, self.services, self.locations, self.taxonomy_terms
        )
    }
}

/// Whether the directory holds no organizations yet.
pub async fn is_empty(db: &impl ConnectionTrait) -> AppResult<bool> {
    Ok(organization::Entity::find().count(db).await? == 0)
}

/// Inserts `rows` in chunks, ticking `progress` per row.
async fn insert_rows<M, A>(db: &impl ConnectionTrait, rows: &[M], progress: &ProgressBar) -> AppResult<()>
where
    M: IntoActiveModel<A> + Clone,
    A: ActiveModelTrait + Send,
{
    for chunk in rows.chunks(CHUNK) {
        let models: Vec<A> = chunk.iter().cloned().map(IntoActiveModel::into_active_model).collect();
        <A::Entity as EntityTrait>::insert_many(models)
            .exec_without_returning(db)
            .await?;
        progress.inc(chunk.len() as u64);
    }
    Ok(())
}

/// Writes a whole directory in one transaction: all of it or nothing.
pub async fn insert_directory<C>(db: &C, data: &DirectoryData, show_progress: bool) -> AppResult<Counts>
where
    C: ConnectionTrait + TransactionTrait,
{
    let total = data.postcodes.len()
        + data.taxonomies.len()
        + data.taxonomy_terms.len()
        + data.organizations.len()
        + data.organization_identifiers.len()
        + data.locations.len()
        + data.addresses.len()
        + data.accessibilities.len()
        + data.services.len()
        + data.service_at_locations.len()
        + data.service_areas.len()
        + data.contacts.len()
        + data.phones.len()
        + data.schedules.len()
        + data.attributes.len()
        + data.languages.len()
        + data.cost_options.len()
        + data.hubs.len()
        + data.hub_facilities.len()
        + data.hub_events.len()
        + data.partners.len()
        + data.partner_areas.len()
        + data.pathways.len()
        + data.pathway_areas.len()
        + data.pathway_audiences.len()
        + data.pathway_entries.len()
        + data.pathway_steps.len()
        + data.pathway_activity.len();
    let progress = if show_progress {
        let bar = ProgressBar::new(total as u64);
        bar.set_style(
            ProgressStyle::with_template("{spinner} [{bar:40}] {pos}/{len} rows ({per_sec}, {eta} left)")
                .map_err(|e| AppError::Internal(e.to_string()))?
                .progress_chars("=> "),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let txn = db.begin().await?;
    crate::services::geo::upsert_postcodes(&txn, &data.postcodes).await?;
    progress.inc(data.postcodes.len() as u64);
    // Terms reference their parents: insert them parents first.
    insert_rows(&txn, &data.taxonomies, &progress).await?;
    insert_rows(&txn, &parents_first(&data.taxonomy_terms), &progress).await?;
    insert_rows(&txn, &data.organizations, &progress).await?;
    insert_rows(&txn, &data.organization_identifiers, &progress).await?;
    insert_rows(&txn, &data.locations, &progress).await?;
    insert_rows(&txn, &data.addresses, &progress).await?;
    insert_rows(&txn, &data.accessibilities, &progress).await?;
    insert_rows(&txn, &data.services, &progress).await?;
    insert_rows(&txn, &data.service_at_locations, &progress).await?;
    insert_rows(&txn, &data.service_areas, &progress).await?;
    insert_rows(&txn, &data.contacts, &progress).await?;
    insert_rows(&txn, &data.phones, &progress).await?;
    insert_rows(&txn, &data.schedules, &progress).await?;
    insert_rows(&txn, &data.attributes, &progress).await?;
    insert_rows(&txn, &data.languages, &progress).await?;
    insert_rows(&txn, &data.cost_options, &progress).await?;
    insert_rows(&txn, &data.hubs, &progress).await?;
    insert_rows(&txn, &data.hub_facilities, &progress).await?;
    insert_rows(&txn, &data.hub_events, &progress).await?;
    // Partners own pathways; pathways hold their parts and activity.
    insert_rows(&txn, &data.partners, &progress).await?;
    insert_rows(&txn, &data.partner_areas, &progress).await?;
    insert_rows(&txn, &data.pathways, &progress).await?;
    insert_rows(&txn, &data.pathway_areas, &progress).await?;
    insert_rows(&txn, &data.pathway_audiences, &progress).await?;
    insert_rows(&txn, &data.pathway_entries, &progress).await?;
    insert_rows(&txn, &data.pathway_steps, &progress).await?;
    insert_rows(&txn, &data.pathway_activity, &progress).await?;
    let ids: Vec<String> = data.services.iter().map(|s| s.id.clone()).collect();
    crate::services::text::reindex(&txn, &ids).await?;
    txn.commit().await?;
    progress.finish_and_clear();
    Ok(Counts {
        organizations: data.organizations.len(),
        services: data.services.len(),
        locations: data.locations.len(),
        taxonomy_terms: data.taxonomy_terms.len(),
    })
}

/// Orders terms so that every parent comes before its children.
fn parents_first(terms: &[taxonomy_term::Model]) -> Vec<taxonomy_term::Model> {
    let mut placed = std::collections::HashSet::new();
    let mut ordered = Vec::with_capacity(terms.len());
    let mut pending: Vec<&taxonomy_term::Model> = terms.iter().collect();
    while !pending.is_empty() {
        let before = pending.len();
        pending.retain(|term| {
            let ready = term.parent_id.as_ref().is_none_or(|p| placed.contains(p));
            if ready {
                placed.insert(term.id.clone());
                ordered.push((*term).clone());
            }
            !ready
        });
        if pending.len() == before {
            // Parents outside the set (or a cycle): keep the rest as given and
            // let the database's foreign key report it.
            ordered.extend(pending.drain(..).cloned());
        }
    }
    ordered
}

/// Scotland's postcodes as Code-Point Open publishes them, made by
/// `scripts/scotland-postcodes.sh` (attribution in its header).
const SCOTLAND_POSTCODES: &[u8] = include_bytes!("../demo/scotland-postcodes.csv.gz");

/// Which postcodes the demo knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoPostcodes {
    /// Every Scottish postcode (161,349; a second on SQLite): what
    /// `serve --demo` and `seed demo` load, so real postcodes resolve.
    Scotland,
    /// Only those of the demo venues (217): enough for the tests, which
    /// seed a database each.
    Venues,
}

/// Seeds the demo directory into an empty database.
pub async fn seed_demo<C>(db: &C, postcodes: DemoPostcodes) -> AppResult<Counts>
where
    C: ConnectionTrait + TransactionTrait,
{
    if !is_empty(db).await? {
        return Err(AppError::Internal(
            "the database already holds data; demo data goes only into an empty one".into(),
        ));
    }
    let now = chrono::Utc::now();
    let mut data = demo::demo_directory(now);
    data.postcodes = places::postcodes();
    let hubs = hubs::demo_hubs(&data.locations, &demo::refurbishing_venues(&data), now);
    data.hubs = hubs.hubs;
    data.hub_facilities = hubs.facilities;
    data.hub_events = hubs.events;
    let pathways = pathways::demo_pathways(&data, now);
    data.partners = pathways.partners;
    data.partner_areas = pathways.partner_areas;
    data.pathways = pathways.pathways;
    data.pathway_areas = pathways.areas;
    data.pathway_audiences = pathways.audiences;
    data.pathway_entries = pathways.entries;
    data.pathway_steps = pathways.steps;
    data.pathway_activity = pathways.activity;
    if postcodes == DemoPostcodes::Scotland {
        // Before the directory: should it fail, the database holds no
        // organisation yet, and the next `serve --demo` seeds it again.
        let input = flate2::read::GzDecoder::new(SCOTLAND_POSTCODES);
        let options = crate::interchange::postcodes::ImportOptions::default();
        crate::interchange::postcodes::import_csv(db, input, "scotland-postcodes.csv.gz", options).await?;
        // Code-Point Open's centroids win over the venues' own.
        let venues: Vec<String> = data.postcodes.iter().map(|p| p.code.clone()).collect();
        let known: std::collections::HashSet<String> = postcode::Entity::find()
            .select_only()
            .column(postcode::Column::Code)
            .filter(crate::db::is_in_list(
                db.get_database_backend(),
                sea_orm::sea_query::Expr::col(postcode::Column::Code),
                &venues,
            ))
            .into_tuple()
            .all(db)
            .await?
            .into_iter()
            .collect();
        data.postcodes.retain(|p| !known.contains(&p.code));
    }
    let counts = insert_directory(db, &data, false).await?;
    crate::db::analyze(db).await?;
    Ok(counts)
}

/// Seeds `services` synthetic services (for benchmarks) into an empty database.
pub async fn seed_synthetic<C>(db: &C, services: usize, seed: u64, show_progress: bool) -> AppResult<Counts>
where
    C: ConnectionTrait + TransactionTrait,
{
    if !is_empty(db).await? {
        return Err(AppError::Internal(
            "the database already holds data; synthetic data goes only into an empty one".into(),
        ));
    }
    let mut data = synthetic::synthetic_directory(services, seed, chrono::Utc::now());
    data.postcodes = places::postcodes();
    let counts = insert_directory(db, &data, show_progress).await?;
    crate::db::analyze(db).await?;
    Ok(counts)
}
