//! GraphQL over HTTP runs each request through two schemas of the same
//! types: `checks` parses and validates it, applying the query limits and
//! computing its cost, and stops before any resolver runs; `runs` executes
//! it with no extension installed.
//!
//! Why not one schema: with any extension installed, async-graphql resolves
//! every field through its slow path, looking the field up in the type
//! registry to describe it to the extensions and running their hooks as a
//! chain of boxed futures. The query limits need an extension (only an
//! extension sees the validation's computed cost, which every response
//! reports), so a single schema paid that for each of the ~1,300 fields of
//! the hub dashboard. Checking first costs a second validation; running
//! without extensions saves more (`bench/RESULTS.md`, the fifth pass).
//! WebSocket operations, long-lived and few, keep the single schema.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute};
use async_graphql::{Request, Response, Value};

use super::HubSchema;
use super::documents::ParsedDocuments;
use super::null_propagation;
use super::operation::OperationName;

/// The two schemas of an HTTP request.
#[derive(Clone)]
pub struct HttpSchemas {
    /// Parses, validates, applies the limits and reports the cost.
    pub checks: HubSchema,
    /// Executes a request `checks` let through.
    pub runs: HubSchema,
    /// The documents requests send, parsed once.
    pub documents: Arc<ParsedDocuments>,
}

/// Ends a request after validation with an empty response: installed last
/// on `checks`, so the other extensions' hooks have run.
pub struct StopBeforeExecution;

impl ExtensionFactory for StopBeforeExecution {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(StopBeforeExecution)
    }
}

#[async_trait::async_trait]
impl Extension for StopBeforeExecution {
    async fn execute(&self, _: &ExtensionContext<'_>, _: Option<&str>, _: NextExecute<'_>) -> Response {
        Response::new(Value::Null)
    }
}

/// Checks `request` and, if it passes, runs it. A request that fails the
/// checks gets their errors and runs nothing; one that passes gets the
/// checks' extensions (the cost) on its response, with errored fields
/// nulled as the spec says (`null_propagation`). `named` receives the
/// document's operation name.
pub async fn execute(schemas: &HttpSchemas, mut request: Request, named: &OperationName) -> Response {
    let mut check = Request::new(request.query.clone())
        .variables(request.variables.clone())
        .data(named.clone());
    check.operation_name = request.operation_name.clone();
    // Parsed once for both (usually before, by `documents`). A document
    // that does not parse is left to `checks`, which reports why.
    if let Ok(document) = request.parsed_query() {
        check.set_parsed_query(document.clone());
    }
    let checked = schemas.checks.execute(check).await;
    if !checked.errors.is_empty() {
        return checked;
    }
    let operation_name = request.operation_name.clone();
    let query = std::mem::take(&mut request.query);
    let mut response = schemas.runs.execute(request).await;
    if !response.errors.is_empty()
        && let Ok(document) = schemas.documents.parse(&query)
    {
        null_propagation::complete(
            &mut response,
            &document,
            operation_name.as_deref(),
            null_propagation::FieldTypes::of_hubgraph(),
        );
    }
    for (key, value) in checked.extensions {
        response.extensions.entry(key).or_insert(value);
    }
    response
}
