//! What a document may read or write of the hub tables, for the response
//! cache (`http::response_cache`): answers that cannot show hubs outlive
//! hub changes, and a write of hubs alone empties only the answers that may
//! show them.
//!
//! Both questions are answered on the side of caution. Every way to a hub
//! carries "hub" in its name (the `Hub…` types, `hubs`, `hub`,
//! `hubSummary`, `Location.hub`, `HubFilter`, the `HUB` change entity)
//! except the root fields that return any record: `node`, `nodes` and the
//! change feed `changes`. So a document may read hubs when its text or its
//! variables mention "hub" in any case, or it selects one of those root
//! fields ([`mentions_hub`], [`selects_any_record`]). A name that merely
//! contains "hub" costs an answer its longer life, never its correctness.
//!
//! A unit test below holds the schema to that rule. A new field that reads
//! the hub tables must say "hub" in its name, or in its parent type's name,
//! even when it answers with a plain value such as a count or a flag. The
//! tests in `tests/api/response_cache.rs` read every one of these ways
//! after a hub change.

use async_graphql::parser::types::{ExecutableDocument, OperationType, SelectionSet};

use super::selections;

/// Root fields that may return hubs without "hub" in their name.
const ANY_RECORD_FIELDS: [&str; 3] = ["node", "nodes", "changes"];

/// Mutations that write the hub tables (`http::response_cache::HUB_TABLES`)
/// and their audit rows, and nothing else.
const HUB_ONLY_MUTATIONS: [&str; 2] = ["updateHubStatus", "createHub"];

/// Whether `text` (a document or its variables) names anything "hub", in
/// any case.
pub fn mentions_hub(text: &str) -> bool {
    text.as_bytes()
        .windows(3)
        .any(|window| window.eq_ignore_ascii_case(b"hub"))
}

/// Whether `document` selects a root field that may return any record
/// (or nests its fragments too deep to tell).
pub fn selects_any_record(document: &ExecutableDocument) -> bool {
    document.operations.iter().any(|(_, operation)| {
        root_fields(document, &operation.node.selection_set.node)
            .is_none_or(|names| names.iter().any(|name| ANY_RECORD_FIELDS.contains(name)))
    })
}

/// Whether every operation of `document` is a mutation that writes only the
/// hub tables.
pub fn writes_only_hubs(document: &ExecutableDocument) -> bool {
    document.operations.iter().all(|(_, operation)| {
        operation.node.ty == OperationType::Mutation
            && root_fields(document, &operation.node.selection_set.node).is_some_and(|names| {
                names.iter().any(|name| HUB_ONLY_MUTATIONS.contains(name))
                    && names
                        .iter()
                        .all(|name| HUB_ONLY_MUTATIONS.contains(name) || *name == "__typename")
            })
    })
}

/// The names of the fields `selection` selects at its own level, fragments
/// followed; `None` when fragments nest too deep to follow.
fn root_fields<'a>(document: &'a ExecutableDocument, selection: &'a SelectionSet) -> Option<Vec<&'a str>> {
    let fields = selections::fields_of(document, "", selection)?;
    Some(fields.into_iter().map(|(_, field)| field.name.node.as_str()).collect())
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::*;
    use crate::graphql::selections::MAX_FRAGMENT_DEPTH;

    /// A document selecting `root` through `depth` nested fragments.
    fn nested_fragments(depth: usize, root: &str) -> String {
        let mut document = String::from("{ ...F0 }");
        for level in 0..depth {
            document.push_str(&format!(" fragment F{level} on Query {{ ...F{} }}", level + 1));
        }
        document.push_str(&format!(" fragment F{depth} on Query {{ {root} }}"));
        document
    }

    /// As `http::graphql` asks it of an anonymous query.
    fn reads(query: &str, variables: &str) -> bool {
        mentions_hub(query) || mentions_hub(variables) || selects_any_record(&parse_query(query).unwrap())
    }

    fn writes_hubs_only(query: &str) -> bool {
        writes_only_hubs(&parse_query(query).unwrap())
    }

    #[test]
    fn service_and_directory_questions_do_not_read_hubs() {
        for query in [
            "{ services(first: 20) { nodes { name organization { name } } } }",
            "query($id: ID!) { service(id: $id) { name locations { name } } }",
            "{ locations { edges { node { name } } } areas { code } }",
            "{ organizations { nodes { name } } taxonomyTerms(taxonomy: \"service-category\") { nodes { name } } }",
        ] {
            assert!(!reads(query, "{}"), "{query}");
        }
    }

    #[test]
    fn every_way_to_a_hub_reads_hubs() {
        for query in [
            "{ hubs { nodes { name } } }",
            "{ hubSummary { total } }",
            "{ x: hub(id: \"h\") { name } }",
            "{ locations { nodes { hub { status } } } }",
            "{ locations { nodes { HUB: name } } }",
            "query($id: ID!) { node(id: $id) { id } }",
            "{ nodes(ids: [\"a\"]) { id } }",
            "{ changes(since: \"2026-01-01T00:00:00Z\") { nodes { id } } }",
            "{ ...Root } fragment Root on Query { node(id: \"a\") { id } }",
            "{ ... on Query { changes(since: \"2026-01-01T00:00:00Z\") { totalCount } } }",
            "{ node(id: \"a\") { ... on Service { name } } }",
        ] {
            assert!(reads(query, "{}"), "{query}");
        }
        // The text of the variables counts too (a hub facility's
        // vocabulary here, read from the terms: kept all the same).
        assert!(reads(
            "query($t: String) { taxonomyTerms(taxonomy: $t) { nodes { name } } }",
            r#"{"t":"hub-facility"}"#
        ));
        // Fragments nested deeper than can be followed: taken to read hubs.
        assert!(reads(&nested_fragments(MAX_FRAGMENT_DEPTH + 2, "areas { code }"), "{}"));
        assert!(!reads(
            &nested_fragments(MAX_FRAGMENT_DEPTH - 1, "areas { code }"),
            "{}"
        ));
    }

    /// The rule this module rests on, checked against the schema: a field
    /// whose type or argument is a `Hub…` type says "hub" in its own name or
    /// its parent type's (so a document reaching it says "hub" somewhere),
    /// and the types that may hold any record are reached only from the
    /// root fields `node`, `nodes` and `changes`. A field that reads the hub
    /// tables to answer with a plain value (a count, a flag) must say "hub"
    /// in its name too; no test can see that, so it is said here.
    #[test]
    fn every_way_to_a_hub_in_the_schema_names_hubs_or_starts_at_an_any_record_field() {
        use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};

        use crate::graphql::selections::named_type as named;
        const ANY_RECORD_TYPES: [&str; 4] = ["Node", "Change", "ChangeEdge", "ChangeConnection"];
        const ANY_RECORD_WAYS: [(&str, &str); 6] = [
            ("Query", "node"),
            ("Query", "nodes"),
            ("Query", "changes"),
            ("ChangeConnection", "edges"),
            ("ChangeEdge", "node"),
            ("Change", "node"),
        ];
        let says_hub = |name: &str| mentions_hub(name);
        let schema = async_graphql::parser::parse_schema(crate::graphql::sdl()).unwrap();
        let mut checked = 0;
        for definition in schema.definitions {
            let TypeSystemDefinition::Type(definition) = definition else {
                continue;
            };
            let parent = definition.node.name.node.to_string();
            let fields = match definition.node.kind {
                TypeKind::Object(object) => object.fields,
                TypeKind::Interface(interface) => interface.fields,
                _ => continue,
            };
            for field in fields {
                let field = field.node;
                let name = field.name.node.as_str();
                let mut types = vec![named(&field.ty.node).to_owned()];
                types.extend(
                    field
                        .arguments
                        .iter()
                        .map(|argument| named(&argument.node.ty.node).to_owned()),
                );
                if types.iter().any(|ty| says_hub(ty)) {
                    assert!(
                        says_hub(name) || says_hub(&parent),
                        "{parent}.{name} leads to hubs without saying so"
                    );
                    checked += 1;
                }
                if ANY_RECORD_TYPES.contains(&types[0].as_str()) {
                    assert!(
                        ANY_RECORD_WAYS.contains(&(parent.as_str(), name)),
                        "{parent}.{name} returns {} (any record), not from node, nodes or changes",
                        types[0]
                    );
                }
            }
        }
        assert!(checked > 20, "{checked} fields lead to hubs");
    }

    #[test]
    fn only_hub_mutations_write_only_hubs() {
        assert!(writes_hubs_only(
            "mutation($i: UpdateHubStatusInput!) { updateHubStatus(input: $i) { hub { id } } }"
        ));
        assert!(writes_hubs_only(
            "mutation { a: createHub(input: {}) { hub { id } } __typename }"
        ));
        let deep = nested_fragments(MAX_FRAGMENT_DEPTH + 2, "updateHubStatus(input: {}) { hub { id } }")
            .replacen("{ ...F0 }", "mutation { ...F0 }", 1)
            .replace("on Query", "on Mutation");
        for query in [
            "mutation { updateHubStatus(input: {}) { hub { id } } updateService(input: {}) { service { id } } }",
            "mutation { createService(input: {}) { service { id } } }",
            "{ hubs { totalCount } }",
            "mutation A { updateHubStatus(input: {}) { hub { id } } } mutation B { archiveService(input: {}) { service { id } } }",
            "mutation { __typename }",
            deep.as_str(),
        ] {
            assert!(!writes_hubs_only(query), "{query}");
        }
    }
}
