//! Data in and out of hubgraph across the domains: postcode centroids,
//! Open Referral HSDS 3.0 JSON, and the change feed of every kind of
//! record. It sits above the domains (it may use each of them) and below
//! GraphQL and HTTP, which call it; it never goes through GraphQL.

pub mod changes;
pub mod hsds;
pub mod postcodes;
