//! A directory's worth of rows, built in memory and written in bulk: the
//! rows of every table, so it sits below the domains that fill it.
//!
//! The demo set and the synthetic benchmark set produce a `DirectoryData`
//! that `seed::insert_directory` writes in one transaction; the HSDS
//! importer maps documents into one and plans its writes from it.

use entity::*;

/// Every HSDS table's rows, ready to insert. Parents come before children in
/// insertion order, so foreign keys hold at every step.
#[derive(Debug, Default, Clone)]
pub struct DirectoryData {
    pub postcodes: Vec<postcode::Model>,
    pub taxonomies: Vec<taxonomy::Model>,
    pub taxonomy_terms: Vec<taxonomy_term::Model>,
    pub organizations: Vec<organization::Model>,
    pub organization_identifiers: Vec<organization_identifier::Model>,
    pub locations: Vec<location::Model>,
    pub addresses: Vec<address::Model>,
    pub accessibilities: Vec<accessibility::Model>,
    pub services: Vec<service::Model>,
    pub service_at_locations: Vec<service_at_location::Model>,
    pub service_areas: Vec<service_area::Model>,
    pub contacts: Vec<contact::Model>,
    pub phones: Vec<phone::Model>,
    pub schedules: Vec<schedule::Model>,
    pub attributes: Vec<attribute::Model>,
    pub languages: Vec<language::Model>,
    pub cost_options: Vec<cost_option::Model>,
    pub hubs: Vec<hub::Model>,
    pub hub_facilities: Vec<hub_facility::Model>,
    pub hub_events: Vec<hub_status_event::Model>,
    /// Partners (demo set only; the synthetic set has none), then the
    /// pathways they own and the activity they report.
    pub partners: Vec<partner::Model>,
    pub partner_areas: Vec<partner_area::Model>,
    pub pathways: Vec<pathway::Model>,
    pub pathway_areas: Vec<pathway_area::Model>,
    pub pathway_audiences: Vec<pathway_audience::Model>,
    pub pathway_entries: Vec<pathway_entry::Model>,
    pub pathway_steps: Vec<pathway_step::Model>,
    pub pathway_activity: Vec<pathway_activity::Model>,
}
