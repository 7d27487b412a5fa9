//! Data in and out of hubgraph: postcode centroids and Open Referral HSDS
//! 3.0 JSON. Goes through domain functions, never through GraphQL.

pub mod hsds;
pub mod postcodes;
