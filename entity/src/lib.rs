//! sea-orm entities of hubgraph, one file per table.
//!
//! Table and column names follow Open Referral HSDS 3.0 so that data moves in
//! and out without a translation table. Ids are text (HSDS ids are UUID
//! strings, and imported ids are kept as they come). Top-level records carry
//! `version` (optimistic concurrency), `created_at` and `last_modified`.
//! Behaviour lives in the domain modules of the `hubgraph` crate, not here.

pub mod accessibility;
pub mod address;
pub mod area;
pub mod attribute;
pub mod audit;
pub mod contact;
pub mod cost_option;
pub mod health_board;
pub mod hub;
pub mod hub_facility;
pub mod hub_status_event;
pub mod idempotency_key;
pub mod language;
pub mod location;
pub mod organization;
pub mod organization_identifier;
pub mod partner;
pub mod partner_area;
pub mod pathway;
pub mod pathway_activity;
pub mod pathway_area;
pub mod pathway_audience;
pub mod pathway_entry;
pub mod pathway_step;
pub mod phone;
pub mod postcode;
pub mod schedule;
pub mod service;
pub mod service_area;
pub mod service_at_location;
pub mod taxonomy;
pub mod taxonomy_term;
pub mod token;
pub mod tombstone;
