//! Relay paging: walking every page returns each row once, and the total matches.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code};
use crate::on_both;

/// Walks `field` page by page (`first: size`) and returns the ids and the reported total.
async fn walk(app: &TestApp, field: &str, args: &str, size: i64) -> (Vec<String>, i64) {
    let query = format!(
        "query($after: String) {{ {field}({args} first: {size}, after: $after) {{
            totalCount edges {{ cursor node {{ id }} }} nodes {{ id }} pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
        }} }}"
    );
    let mut ids = Vec::new();
    let mut after = Value::Null;
    let mut total = None;
    for page in 0.. {
        let data = app.data(&query, json!({ "after": after })).await;
        let connection = &data[field];
        total.get_or_insert(connection["totalCount"].as_i64().unwrap());
        let edges = connection["edges"].as_array().unwrap();
        let nodes = connection["nodes"].as_array().unwrap();
        assert_eq!(edges.len(), nodes.len());
        assert!(edges.len() as i64 <= size);
        assert_eq!(connection["pageInfo"]["hasPreviousPage"], page > 0);
        if let Some(last) = edges.last() {
            assert_eq!(connection["pageInfo"]["endCursor"], last["cursor"]);
            assert_eq!(connection["pageInfo"]["startCursor"], edges[0]["cursor"]);
        }
        for (edge, node) in edges.iter().zip(nodes) {
            assert_eq!(edge["node"]["id"], node["id"]);
            ids.push(node["id"].as_str().unwrap().to_owned());
        }
        if connection["pageInfo"]["hasNextPage"] == false {
            break;
        }
        assert_eq!(edges.len() as i64, size, "a page before the last is full");
        after = connection["pageInfo"]["endCursor"].clone();
        assert!(page < 1000, "paging does not end");
    }
    (ids, total.unwrap())
}

fn assert_walk(ids: &[String], total: i64, what: &str) {
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "{what}: a row came twice");
    assert_eq!(ids.len() as i64, total, "{what}: walked rows differ from totalCount");
    assert!(total > 0, "{what}: nothing to walk");
}

on_both! {
    /// Every listing, walked page by page, yields each row once and exactly totalCount rows.
    async fn walking_every_page_returns_each_row_once(app) {
        for (field, args, size) in [
            ("services", "", 7),
            ("services", r#"filter: { text: "café" },"#, 3),
            ("services", "filter: { status: [ACTIVE, INACTIVE, DEFUNCT, TEMPORARILY_CLOSED] },", 100),
            ("organizations", "", 9),
            ("locations", "", 13),
            ("taxonomyTerms", "", 5),
        ] {
            let (ids, total) = walk(&app, field, args, size).await;
            assert_walk(&ids, total, &format!("{field}({args})"));
        }
    }
}

on_both! {
    /// Page sizes outside 1..=100 and forged cursors are refused with the argument named.
    async fn page_arguments_are_checked(app) {
        for first in [0, -1, 101, 1000] {
            let before = app.statements();
            let response = app.graphql("query($f: Int) { services(first: $f) { totalCount } }", json!({ "f": first })).await;
            assert_eq!(error_code(&response), "BAD_USER_INPUT", "first: {first}: {response}");
            assert_eq!(response["errors"][0]["extensions"]["field"], json!(["first"]));
            assert_eq!(app.statements(), before, "first: {first}: refused before any SQL");
        }
        let response = app.graphql(r#"{ organizations(after: "not-a-cursor") { totalCount } }"#, json!({})).await;
        assert_eq!(error_code(&response), "BAD_USER_INPUT");
        assert_eq!(response["errors"][0]["extensions"]["field"], json!(["after"]));
        let default = app.data("{ services { edges { cursor } } }", json!({})).await;
        assert_eq!(default["services"]["edges"].as_array().unwrap().len(), 20, "default page size");
    }
}
