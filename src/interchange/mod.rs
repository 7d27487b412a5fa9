//! Data in and out of hubgraph: postcode centroids (and, later, HSDS).
//! Goes through domain functions, never through GraphQL.

pub mod postcodes;
