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
//! contains "hub" costs an answer its longer life, never its correctness. The tests in `tests/api/response_cache.rs`
//! read every one of these ways after a hub change.

use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet};

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

/// Whether `document` selects a root field that may return any record.
pub fn selects_any_record(document: &ExecutableDocument) -> bool {
    document.operations.iter().any(|(_, operation)| {
        root_fields(document, &operation.node.selection_set.node)
            .iter()
            .any(|name| ANY_RECORD_FIELDS.contains(name))
    })
}

/// Whether every operation of `document` is a mutation that writes only the
/// hub tables.
pub fn writes_only_hubs(document: &ExecutableDocument) -> bool {
    document.operations.iter().all(|(_, operation)| {
        operation.node.ty == OperationType::Mutation
            && root_fields(document, &operation.node.selection_set.node)
                .iter()
                .all(|name| HUB_ONLY_MUTATIONS.contains(name) || *name == "__typename")
    })
}

/// The names of the fields `selection` selects at its own level, fragments
/// followed.
fn root_fields<'a>(document: &'a ExecutableDocument, selection: &'a SelectionSet) -> Vec<&'a str> {
    let mut names = Vec::new();
    collect_fields(document, selection, &mut names, 0);
    names
}

fn collect_fields<'a>(
    document: &'a ExecutableDocument,
    selection: &'a SelectionSet,
    names: &mut Vec<&'a str>,
    depth: usize,
) {
    // Validation refuses fragment cycles; this bound only keeps a document
    // that was not validated from looping.
    if depth > 32 {
        return;
    }
    for item in &selection.items {
        match &item.node {
            Selection::Field(field) => names.push(field.node.name.node.as_str()),
            Selection::InlineFragment(fragment) => {
                collect_fields(document, &fragment.node.selection_set.node, names, depth + 1)
            }
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node) {
                    collect_fields(document, &fragment.node.selection_set.node, names, depth + 1);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::*;

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
        // The text of the variables counts too: an input object may name
        // a hub filter there.
        assert!(reads(
            "query($f: LocationFilter) { locations(filter: $f) { totalCount } }",
            r#"{"f":{"isHub":true}}"#
        ));
    }

    #[test]
    fn only_hub_mutations_write_only_hubs() {
        assert!(writes_hubs_only(
            "mutation($i: UpdateHubStatusInput!) { updateHubStatus(input: $i) { hub { id } } }"
        ));
        assert!(writes_hubs_only(
            "mutation { a: createHub(input: {}) { hub { id } } __typename }"
        ));
        for query in [
            "mutation { updateHubStatus(input: {}) { hub { id } } updateService(input: {}) { service { id } } }",
            "mutation { createService(input: {}) { service { id } } }",
            "{ hubs { totalCount } }",
            "mutation A { updateHubStatus(input: {}) { hub { id } } } mutation B { archiveService(input: {}) { service { id } } }",
        ] {
            assert!(!writes_hubs_only(query), "{query}");
        }
    }
}
