//! The services directory (Open Referral HSDS 3.0): organizations, services,
//! locations and their details, taxonomies and areas. Plain Rust over sea-orm:
//! no HTTP, no GraphQL; the resolvers, the CLI and the importers call these.

pub mod areas;
pub mod geo;
pub mod keyset;
pub mod location_writes;
pub mod locations;
pub mod opening;
#[cfg(test)]
mod opening_rfc5545;
pub mod organization_writes;
pub mod organizations;
pub mod outline;
pub mod postcode;
pub mod related;
pub mod running;
pub mod search;
pub mod status;
pub mod taxonomy;
pub mod text;
pub mod with_relations;
pub mod writes;
