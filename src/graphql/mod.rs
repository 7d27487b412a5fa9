//! The GraphQL face of hubgraph: objects wrapping domain records, inputs,
//! loaders, global ids and the error mapping. Resolvers stay thin and call
//! the domain modules.

pub mod changes;
pub mod connection;
pub mod directory;
pub mod errors;
pub mod ids;
pub mod limits;
pub mod loaders;
pub mod node;
pub mod partners;
pub mod scalars;
pub mod search;

use async_graphql::{EmptyMutation, EmptySubscription, MergedObject, Schema, SchemaBuilder};
use sea_orm::DatabaseConnection;

use crate::config::Limits;

/// Every query root field, merged from the domains.
#[derive(MergedObject, Default)]
pub struct Query(
    node::NodeQuery,
    directory::DirectoryQuery,
    search::SearchQuery,
    changes::ChangesQuery,
    partners::PartnersQuery,
);

pub type HubSchema = Schema<Query, EmptyMutation, EmptySubscription>;

fn builder() -> SchemaBuilder<Query, EmptyMutation, EmptySubscription> {
    Schema::build(Query::default(), EmptyMutation, EmptySubscription)
}

/// The schema served over HTTP, with the query limits and the database.
pub fn build_schema(db: DatabaseConnection, limits: &Limits, introspection: bool) -> HubSchema {
    let mut builder = builder()
        .data(db)
        .limit_depth(limits.max_depth)
        // Complexity is checked by `limits`, which also reports the cost.
        .extension(limits::QueryLimits::new(limits))
        // "Did you mean" hints map the schema for whoever probes it.
        .disable_suggestions();
    if !introspection {
        builder = builder.disable_introspection();
    }
    builder.finish()
}

/// The SDL, as `hubgraph schema` prints it and `schema.graphql` holds it.
pub fn sdl() -> String {
    builder().finish().sdl()
}
