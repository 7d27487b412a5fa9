//! Query limits async-graphql does not have, and the cost report.
//!
//! Before any SQL runs: at most `max_aliases` aliases in a document (1,000
//! aliased `__typename`s would otherwise be legal), at most
//! `max_directives` directives on one selection, and a complexity budget
//! whose computed cost is reported in the response's `extensions.cost` on
//! every response, refused or not, so integrators can budget as they do
//! with GitHub's and Shopify's APIs.

use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextRequest, NextValidation,
};
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ErrorExtensionValues, Response, ServerError, ServerResult, ValidationResult, Value, Variables};

use crate::config::Limits;

/// Installs the limits on a schema.
pub struct QueryLimits {
    pub max_aliases: usize,
    pub max_directives: usize,
    pub max_complexity: usize,
}

impl QueryLimits {
    pub fn new(limits: &Limits) -> Self {
        QueryLimits {
            max_aliases: limits.max_aliases,
            max_directives: limits.max_directives,
            max_complexity: limits.max_complexity,
        }
    }
}

impl ExtensionFactory for QueryLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(LimitsExtension {
            max_aliases: self.max_aliases,
            max_directives: self.max_directives,
            max_complexity: self.max_complexity,
            cost: Mutex::new(None),
        })
    }
}

struct LimitsExtension {
    max_aliases: usize,
    max_directives: usize,
    max_complexity: usize,
    /// (complexity, depth) of this request's operation, once validated.
    cost: Mutex<Option<(usize, usize)>>,
}

fn too_complex(message: String, cost: Option<usize>) -> ServerError {
    let mut error = ServerError::new(message, None);
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", "QUERY_TOO_COMPLEX");
    if let Some(cost) = cost {
        extensions.set("cost", cost as i64);
    }
    error.extensions = Some(extensions);
    error
}

/// Counts aliases, and the most directives on any one selection, in a selection set.
fn count(set: &SelectionSet, aliases: &mut usize, most_directives: &mut usize) {
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => {
                *aliases += usize::from(field.node.alias.is_some());
                *most_directives = (*most_directives).max(field.node.directives.len());
                count(&field.node.selection_set.node, aliases, most_directives);
            }
            Selection::FragmentSpread(spread) => {
                *most_directives = (*most_directives).max(spread.node.directives.len());
            }
            Selection::InlineFragment(fragment) => {
                *most_directives = (*most_directives).max(fragment.node.directives.len());
                count(&fragment.node.selection_set.node, aliases, most_directives);
            }
        }
    }
}

fn measure(document: &ExecutableDocument) -> (usize, usize) {
    let (mut aliases, mut most_directives) = (0, 0);
    let operations: Vec<_> = match &document.operations {
        DocumentOperations::Single(operation) => vec![operation],
        DocumentOperations::Multiple(operations) => operations.values().collect(),
    };
    for operation in operations {
        most_directives = most_directives.max(operation.node.directives.len());
        count(&operation.node.selection_set.node, &mut aliases, &mut most_directives);
    }
    for fragment in document.fragments.values() {
        most_directives = most_directives.max(fragment.node.directives.len());
        count(&fragment.node.selection_set.node, &mut aliases, &mut most_directives);
    }
    (aliases, most_directives)
}

#[async_trait::async_trait]
impl Extension for LimitsExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        let cost = self.cost.lock().ok().and_then(|c| *c);
        if let Some((complexity, depth)) = cost {
            let report = serde_json::json!({
                "requestedComplexity": complexity,
                "maximumComplexity": self.max_complexity,
                "depth": depth,
            });
            if let Ok(value) = Value::from_json(report) {
                response.extensions.insert("cost".to_owned(), value);
            }
        }
        response
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let (aliases, most_directives) = measure(&document);
        if aliases > self.max_aliases {
            return Err(too_complex(
                format!("{aliases} aliases; at most {} are allowed", self.max_aliases),
                None,
            ));
        }
        if most_directives > self.max_directives {
            return Err(too_complex(
                format!(
                    "{most_directives} directives on one selection; at most {} are allowed",
                    self.max_directives
                ),
                None,
            ));
        }
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        if let Ok(mut cost) = self.cost.lock() {
            *cost = Some((result.complexity, result.depth));
        }
        if result.complexity > self.max_complexity {
            return Err(vec![too_complex(
                format!(
                    "the query costs {}; at most {} is allowed",
                    result.complexity, self.max_complexity
                ),
                Some(result.complexity),
            )]);
        }
        Ok(result)
    }
}
