//! The name of the operation a request runs, for `/metrics` and the access
//! log. A client may name it in `operationName` or only in the document
//! (`query HubDashboard { ... }`); the name is taken from the document as
//! async-graphql parses it, so the query is not parsed a second time.

use std::sync::{Arc, OnceLock};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument};
use async_graphql::{ServerResult, Variables};

/// Put in a request's data; holds the document's operation name once parsed.
#[derive(Debug, Clone, Default)]
pub struct OperationName(Arc<OnceLock<String>>);

impl OperationName {
    /// The name of the document's only operation, if it has one name.
    pub fn get(&self) -> Option<&str> {
        self.0.get().map(String::as_str)
    }
}

/// Installs the recording on a schema.
pub struct RecordOperationName;

impl ExtensionFactory for RecordOperationName {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RecordOperationName)
    }
}

#[async_trait::async_trait]
impl Extension for RecordOperationName {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        // A named operation is kept in `Multiple`, even when it is the only one.
        if let (Some(slot), DocumentOperations::Multiple(operations)) =
            (ctx.data_opt::<OperationName>(), &document.operations)
            && operations.len() == 1
            && let Some(name) = operations.keys().next()
        {
            let _ = slot.0.set(name.to_string());
        }
        Ok(document)
    }
}
