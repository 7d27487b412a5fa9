//! GraphQL over HTTP by the spec's own audit suite (npm `graphql-http`,
//! `auditServer`, run by `tests/browser/audit.mjs`: no errors and no
//! warnings allowed), and the rule behind its last two warnings checked
//! without Node: a request that fails before execution is answered with no
//! `data` entry at all, one whose fields failed while executing with one.
//! The audit needs Node and `npm ci` in tests/browser, so it runs only with
//! `HUBGRAPH_BROWSER_TESTS=1`, like the browser tests.

use reqwest::StatusCode;
use reqwest::header::ACCEPT;
use serde_json::{Value, json};

use crate::browser::{enabled, run_node};
use crate::helpers::TestApp;
use crate::on_both;

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

async fn post(app: &TestApp, accept: &str, query: &str, variables: &Value) -> (StatusCode, Value) {
    let response = app
        .client
        .post(app.url("/graphql"))
        .header(ACCEPT, accept)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

async fn get(app: &TestApp, accept: &str, query: &str, variables: &Value) -> (StatusCode, Value) {
    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", query), ("variables", &variables.to_string())])
        .header(ACCEPT, accept)
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

on_both! {
    /// A query that does not parse, fails validation or is given a
    /// variable of the wrong type never ran: its answer has errors and no
    /// `data` entry (not even `null`), with 400 for
    /// `application/graphql-response+json` and 200 for `application/json`.
    async fn a_request_that_fails_before_execution_has_no_data_entry(app) {
        let none = json!({});
        let cases = [
            ("does not parse", "{ areas { code }", &none),
            ("fails validation", "{ areas { noSuchField } }", &none),
            (
                "has a variable of the wrong type",
                "query($n: Int!) { services(first: $n) { totalCount } }",
                &json!({ "n": "ten" }),
            ),
        ];
        for (what, query, variables) in cases {
            for (accept, status) in [(GRAPHQL_RESPONSE, StatusCode::BAD_REQUEST), (JSON, StatusCode::OK)] {
                let answers = [
                    ("POST", post(&app, accept, query, variables).await),
                    ("GET", get(&app, accept, query, variables).await),
                ];
                for (method, (got, body)) in answers {
                    assert_eq!(got, status, "{method} {what} as {accept}: {body}");
                    assert!(body.get("data").is_none(), "{method} {what} as {accept} has data: {body}");
                    assert!(!body["errors"].as_array().unwrap().is_empty(), "{body}");
                }
            }
        }
    }
}

on_both! {
    /// A query that ran and whose field failed keeps its `data` entry: the
    /// rest of the answer, with `null` where the failure was.
    async fn a_request_whose_field_fails_while_executing_keeps_its_data(app) {
        // A malformed hub id is refused by the `hub` field's resolver,
        // during execution: its error has a path.
        let query = "{ areas { code } hub(id: \"not-a-global-id\") { name } }";
        for accept in [GRAPHQL_RESPONSE, JSON] {
            let (status, body) = post(&app, accept, query, &json!({})).await;
            assert_eq!(status, StatusCode::OK, "{accept}: {body}");
            assert!(body.get("data").is_some(), "{accept}: {body}");
            assert!(!body["data"]["areas"].as_array().unwrap().is_empty(), "{body}");
            assert_eq!(body["errors"][0]["path"][0], "hub", "{body}");
            assert!(body["data"]["hub"].is_null(), "{body}");
        }
    }
}

on_both! {
    /// The GraphQL-over-HTTP audit suite finds nothing to fault: no MUST
    /// and no SHOULD broken.
    async fn the_graphql_over_http_audit_passes_without_warnings(app) {
        if !enabled("the GraphQL-over-HTTP audit (graphql-http) is") {
            return;
        }
        let report = run_node(&app, "audit.mjs", &[]).await;
        assert!(report.contains(" 0 warnings, 0 errors"), "{report}");
    }
}
