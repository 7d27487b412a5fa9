//! The GraphQL face of hubgraph: objects wrapping domain records, inputs,
//! loaders, global ids and the error mapping. Resolvers stay thin and call
//! the domain modules.

pub mod arguments;
pub mod audit;
pub mod budget;
pub mod changes;
pub mod checked;
pub mod connection;
pub mod context;
pub mod directory;
pub mod documents;
pub mod errors;
pub mod geography;
pub mod guards;
pub mod hubs;
pub mod ids;
pub mod limits;
pub mod loaders;
pub mod location_writes;
pub mod node;
pub mod null_propagation;
pub mod operation;
pub mod organization_writes;
pub mod partners;
pub mod pathways;
pub mod reach;
pub mod scalars;
pub mod search;
pub mod selections;
pub mod subscriptions;
pub mod writes;

use async_graphql::{MergedObject, Schema, SchemaBuilder, ValidationMode};
use sea_orm::DatabaseConnection;

use crate::config::Limits;

/// Every query root field, merged from the domains.
#[derive(MergedObject, Default)]
pub struct Query(
    node::NodeQuery,
    directory::DirectoryQuery,
    geography::GeographyQuery,
    search::SearchQuery,
    changes::ChangesQuery,
    partners::PartnersQuery,
    audit::AuditQuery,
    hubs::HubQuery,
    pathways::PathwayQuery,
);

/// Every mutation root field, merged from the domains.
#[derive(MergedObject, Default)]
pub struct Mutation(
    organization_writes::OrganizationWrites,
    writes::ServiceWrites,
    location_writes::LocationWrites,
    hubs::HubWrites,
    pathways::PathwayWrites,
);

pub type HubSchema = Schema<Query, Mutation, subscriptions::Subscription>;

fn builder() -> SchemaBuilder<Query, Mutation, subscriptions::Subscription> {
    Schema::build(Query::default(), Mutation::default(), subscriptions::Subscription)
}

/// The schema served over WebSocket, with the query limits and the database.
pub fn build_schema(db: DatabaseConnection, limits: &Limits, introspection: bool) -> HubSchema {
    checking(configured(db, introspection, limits), limits).finish()
}

/// The schemas GraphQL over HTTP checks and runs a request with (see `checked`).
pub fn build_http_schemas(db: DatabaseConnection, limits: &Limits, introspection: bool) -> checked::HttpSchemas {
    checked::HttpSchemas {
        checks: checking(configured(db.clone(), introspection, limits), limits)
            .extension(checked::StopBeforeExecution)
            .finish(),
        // `checks` has applied every validation rule to the same document
        // and variables; the fast mode keeps only what execution needs
        // (fragment cycles, uploads) and the depth and cost it computes.
        runs: configured(db, introspection, limits)
            .validation_mode(ValidationMode::Fast)
            .finish(),
        documents: std::sync::Arc::new(documents::ParsedDocuments::default()),
    }
}

/// The database and settings every schema that serves requests has.
fn configured(
    db: DatabaseConnection,
    introspection: bool,
    limits: &Limits,
) -> SchemaBuilder<Query, Mutation, subscriptions::Subscription> {
    let mut builder = builder()
        .data(db)
        .data(std::sync::Arc::new(subscriptions::SharedReads::default()))
        .data(std::sync::Arc::new(crate::services::outline::OutlineCache::default()))
        .limit_depth(limits.max_depth)
        // "Did you mean" hints map the schema for whoever probes it.
        .disable_suggestions();
    if !introspection {
        builder = builder.disable_introspection();
    }
    builder
}

/// Adds the extensions that check a request.
fn checking(
    builder: SchemaBuilder<Query, Mutation, subscriptions::Subscription>,
    limits: &Limits,
) -> SchemaBuilder<Query, Mutation, subscriptions::Subscription> {
    builder
        // No list over its maximum and no NUL in any argument or variable.
        .extension(arguments::ArgumentRules)
        // Complexity is checked by `limits`, which also reports the cost.
        .extension(limits::QueryLimits::new(limits))
        // Names the operation for /metrics and the access log.
        .extension(operation::RecordOperationName)
}

/// The SDL, as `hubgraph schema` prints it and `schema.graphql` holds it.
pub fn sdl() -> String {
    builder().finish().sdl()
}
