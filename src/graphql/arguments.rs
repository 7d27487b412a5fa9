//! Every argument of every operation obeys `crate::input`'s rules before
//! anything runs: no list over `MAX_LIST_ITEMS` items, no text with a NUL.
//!
//! One walk over the parsed document, with each variable replaced by its
//! value (or its default), checks every argument of every field and
//! directive, down through lists and input objects; then every variable
//! the walk did not reach is checked for NULs too. It needs no schema:
//! the rules hold for any list and any text, whatever the argument means.
//! A refusal is `BAD_USER_INPUT` naming the field, the argument and the
//! path inside it (`extensions.field`, as resolvers' input errors have).
//!
//! Why here and not in the resolvers: a NUL reaches PostgreSQL from any
//! text argument that becomes a bound value (ids, area codes, language
//! codes, search text, cursors), and PostgreSQL answers with an error that
//! is no fault of the statement; 70,000 area codes exceed SQLite's bound
//! values. A check before execution covers every argument, today's and
//! tomorrow's, on both databases alike.

use std::collections::HashSet;
use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{
    Directive, DocumentOperations, ExecutableDocument, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::{
    ErrorExtensionValues, Name, Pos, Positioned, ServerError, ServerResult, Value as ConstValue, Variables,
};

use crate::input::{MAX_LIST_ITEMS, NOT_STORABLE, is_storable, too_many_items};

/// Installs the argument rules on a schema.
pub struct ArgumentRules;

impl ExtensionFactory for ArgumentRules {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ArgumentRules)
    }
}

#[async_trait::async_trait]
impl Extension for ArgumentRules {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        check(&document, variables)?;
        Ok(document)
    }
}

/// Why an argument is refused, and where it is.
#[derive(Debug)]
struct Refusal {
    /// The argument and the path inside it: `["filter", "areaCodes"]`.
    path: Vec<String>,
    /// The items of a list over the limit; `None`: text with a NUL.
    count: Option<usize>,
}

impl Refusal {
    fn into_error(self, owner: &str, pos: Pos) -> ServerError {
        let described = match self.count {
            Some(count) => too_many_items(count),
            None => NOT_STORABLE.to_owned(),
        };
        let message = format!("{} of {owner} {described}", describe(&self.path));
        let mut error = ServerError::new(message, Some(pos));
        let mut extensions = ErrorExtensionValues::default();
        extensions.set("code", "BAD_USER_INPUT");
        extensions.set(
            "field",
            ConstValue::List(self.path.into_iter().map(ConstValue::String).collect()),
        );
        error.extensions = Some(extensions);
        error
    }
}

/// `argument filter.areaCodes`, `argument ids[3]`, `variable $text`.
fn describe(path: &[String]) -> String {
    let mut text = String::new();
    for (i, step) in path.iter().enumerate() {
        if step.bytes().all(|b| b.is_ascii_digit()) && i > 0 {
            text.push_str(&format!("[{step}]"));
        } else {
            if i > 0 {
                text.push('.');
            }
            text.push_str(step);
        }
    }
    if text.starts_with('$') {
        format!("variable {text}")
    } else {
        format!("argument {text}")
    }
}

/// Checks every argument of `document` (variables resolved) and every variable.
pub fn check(document: &ExecutableDocument, variables: &Variables) -> ServerResult<()> {
    let mut walk = Walk {
        variables,
        defaults: Vec::new(),
        reached: HashSet::new(),
    };
    let operations: Vec<&Positioned<OperationDefinition>> = match &document.operations {
        DocumentOperations::Single(operation) => vec![operation],
        DocumentOperations::Multiple(operations) => operations.values().collect(),
    };
    for operation in &operations {
        for definition in &operation.node.variable_definitions {
            let definition = &definition.node;
            if let Some(default) = &definition.default_value {
                walk.defaults.push((definition.name.node.clone(), default.node.clone()));
            }
        }
    }
    for operation in &operations {
        for definition in &operation.node.variable_definitions {
            walk.directives(&definition.node.directives)?;
            if let Some(default) = &definition.node.default_value {
                let name = format!("${}", definition.node.name.node);
                walk.constant(&default.node, &mut vec![name])
                    .map_err(|refusal| refusal.into_error("the operation", definition.pos))?;
            }
        }
        walk.directives(&operation.node.directives)?;
        walk.selections(&operation.node.selection_set.node)?;
    }
    for fragment in document.fragments.values() {
        walk.directives(&fragment.node.directives)?;
        walk.selections(&fragment.node.selection_set.node)?;
    }
    // Variables no argument used are not sent to the database, but they
    // are text from outside all the same: one rule for every variable.
    for (name, value) in variables.iter() {
        if !walk.reached.contains(name) {
            walk.constant(value, &mut vec![format!("${name}")])
                .map_err(|refusal| refusal.into_error("the operation", Pos::default()))?;
        }
    }
    Ok(())
}

struct Walk<'a> {
    variables: &'a Variables,
    /// Variables' default values, for variables the request leaves out.
    defaults: Vec<(Name, ConstValue)>,
    /// Variables some argument used (and so checked already).
    reached: HashSet<Name>,
}

impl Walk<'_> {
    fn selections(&mut self, set: &SelectionSet) -> ServerResult<()> {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    let name = &field.node.name.node;
                    self.arguments(&field.node.arguments, &format!("field {name}"))?;
                    self.directives(&field.node.directives)?;
                    self.selections(&field.node.selection_set.node)?;
                }
                Selection::FragmentSpread(spread) => self.directives(&spread.node.directives)?,
                Selection::InlineFragment(fragment) => {
                    self.directives(&fragment.node.directives)?;
                    self.selections(&fragment.node.selection_set.node)?;
                }
            }
        }
        Ok(())
    }

    fn directives(&mut self, directives: &[Positioned<Directive>]) -> ServerResult<()> {
        for directive in directives {
            let owner = format!("directive @{}", directive.node.name.node);
            self.arguments(&directive.node.arguments, &owner)?;
        }
        Ok(())
    }

    fn arguments(
        &mut self,
        arguments: &[(Positioned<Name>, Positioned<async_graphql_value::Value>)],
        owner: &str,
    ) -> ServerResult<()> {
        for (name, value) in arguments {
            // The value as the resolver will see it: variables replaced by
            // theirs, or their defaults (a missing one is validation's to report).
            let resolved = value.node.clone().into_const_with(|variable| {
                let found = self
                    .variables
                    .get(&variable)
                    .or_else(|| self.defaults.iter().find(|(n, _)| *n == variable).map(|(_, v)| v))
                    .cloned()
                    .unwrap_or(ConstValue::Null);
                self.reached.insert(variable);
                Ok::<_, std::convert::Infallible>(found)
            });
            let Ok(resolved) = resolved;
            self.constant(&resolved, &mut vec![name.node.to_string()])
                .map_err(|refusal| refusal.into_error(owner, value.pos))?;
        }
        Ok(())
    }

    fn constant(&self, value: &ConstValue, path: &mut Vec<String>) -> Result<(), Refusal> {
        match value {
            ConstValue::String(text) => storable(text, path),
            ConstValue::List(items) => {
                within_limit(items.len(), path)?;
                for (i, item) in items.iter().enumerate() {
                    path.push(i.to_string());
                    self.constant(item, path)?;
                    path.pop();
                }
                Ok(())
            }
            ConstValue::Object(fields) => {
                for (key, item) in fields {
                    // A key is text too (a variable's object may have any key).
                    path.push(key.to_string());
                    storable(key, path)?;
                    self.constant(item, path)?;
                    path.pop();
                }
                Ok(())
            }
            ConstValue::Null
            | ConstValue::Number(_)
            | ConstValue::Boolean(_)
            | ConstValue::Binary(_)
            | ConstValue::Enum(_) => Ok(()),
        }
    }
}

fn storable(text: &str, path: &[String]) -> Result<(), Refusal> {
    if is_storable(text) {
        Ok(())
    } else {
        Err(Refusal {
            path: path.to_vec(),
            count: None,
        })
    }
}

fn within_limit(count: usize, path: &[String]) -> Result<(), Refusal> {
    if count <= MAX_LIST_ITEMS {
        Ok(())
    } else {
        Err(Refusal {
            path: path.to_vec(),
            count: Some(count),
        })
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;
    use serde_json::json;

    use super::*;

    fn refusal(query: &str, variables: serde_json::Value) -> Option<(String, serde_json::Value)> {
        let document = parse_query(query).unwrap();
        let variables = Variables::from_json(variables);
        check(&document, &variables).err().map(|error| {
            let extensions = serde_json::to_value(error.extensions.unwrap()).unwrap();
            assert_eq!(extensions["code"], "BAD_USER_INPUT");
            (error.message, extensions["field"].clone())
        })
    }

    #[test]
    fn a_nul_anywhere_is_refused_naming_the_argument() {
        let (message, field) = refusal(r#"{ hub(id: "a\u0000b") { id } }"#, json!({})).unwrap();
        assert_eq!(field, json!(["id"]));
        assert!(
            message.contains("argument id of field hub") && message.contains("NUL"),
            "{message}"
        );

        let query = "query($f: ServiceFilter) { services(filter: $f) { totalCount } }";
        let (message, field) = refusal(query, json!({ "f": { "languages": ["en", "g\u{0}d"] } })).unwrap();
        assert_eq!(field, json!(["filter", "languages", "1"]));
        assert!(
            message.contains("argument filter.languages[1] of field services"),
            "{message}"
        );

        let (message, _) = refusal(
            "query($unused: String) { areas { code } }",
            json!({ "unused": "\u{0}" }),
        )
        .unwrap();
        assert!(message.contains("variable $unused"), "{message}");

        let defaulted = r#"query($t: String = "x\u0000") { pathways(filter: { text: $t }) { totalCount } }"#;
        assert!(refusal(defaulted, json!({})).is_some());
        assert!(
            refusal(
                r#"{ a: __typename @include(if: true) b: hub(id: "ok") { id } }"#,
                json!({})
            )
            .is_none()
        );
    }

    #[test]
    fn a_list_over_the_limit_is_refused_and_one_at_it_is_not() {
        let query = "query($codes: [String!]) { hubSummary(areaCodes: $codes) { total } }";
        let at_limit: Vec<String> = (0..MAX_LIST_ITEMS).map(|i| format!("S{i}")).collect();
        assert!(refusal(query, json!({ "codes": at_limit })).is_none());
        let over: Vec<String> = (0..70_000).map(|i| format!("S{i}")).collect();
        let (message, field) = refusal(query, json!({ "codes": over })).unwrap();
        assert_eq!(field, json!(["areaCodes"]));
        assert!(
            message.contains("argument areaCodes of field hubSummary has 70000 items"),
            "{message}"
        );
    }
}
