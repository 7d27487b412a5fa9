//! What an operator sees: `/metrics` in the Prometheus text format and the
//! JSON access log.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp};
use crate::on_both;

/// A scrape: each sample (`name{labels}` as written) with its value.
/// Every line must be a comment or a sample, as Prometheus reads them.
async fn scrape(app: &TestApp) -> BTreeMap<String, f64> {
    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/plain; version=0.0.4"), "{content_type}");
    let text = response.text().await.unwrap();
    let mut samples = BTreeMap::new();
    for line in text.lines().filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("not a sample: {line}"));
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("not a number: {line}"));
        assert!(samples.insert(series.to_owned(), value).is_none(), "twice: {series}");
    }
    samples
}

fn sample(samples: &BTreeMap<String, f64>, series: &str) -> f64 {
    *samples
        .get(series)
        .unwrap_or_else(|| panic!("no {series} in {samples:#?}"))
}

/// The buckets of one operation's latency histogram, by upper bound.
fn buckets(samples: &BTreeMap<String, f64>, operation: &str) -> Vec<(String, f64)> {
    let prefix = format!("hubgraph_graphql_request_duration_seconds_bucket{{operation=\"{operation}\",le=\"");
    samples
        .iter()
        .filter_map(|(series, value)| {
            let bound = series.strip_prefix(&prefix)?.strip_suffix("\"}")?;
            Some((bound.to_owned(), *value))
        })
        .collect()
}

async fn post(app: &TestApp, body: Value) -> Value {
    app.client
        .post(app.url("/graphql"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

on_both! {
    async fn operations_are_counted_by_name_and_outcome(app) {
        // Named in the document only, and in operationName too.
        for _ in 0..2 {
            post(&app, json!({ "query": "query AreaList { areas { code } }" })).await;
        }
        post(&app, json!({ "query": "query AreaList { areas { code } }", "operationName": "AreaList" })).await;
        // A bad id: an error with a code, counted under that code.
        let failed = post(&app, json!({ "query": "query OneService { service(id: \"not-an-id\") { name } }" })).await;
        let code = crate::helpers::error_code(&failed).to_owned();
        assert_ne!(code, "<no code>", "{failed}");
        // No name, a name no label can carry, a document that does not parse.
        post(&app, json!({ "query": "{ areas { code } }" })).await;
        let long = "L".repeat(80);
        post(&app, json!({ "query": format!("query {long} {{ areas {{ code }} }}") })).await;
        let broken = post(&app, json!({ "query": "query Broken { areas { " })).await;
        assert_eq!(crate::helpers::error_code(&broken), "BAD_USER_INPUT");

        let samples = scrape(&app).await;
        let requests = |operation: &str, outcome: &str| {
            sample(&samples, &format!("hubgraph_graphql_requests_total{{operation=\"{operation}\",outcome=\"{outcome}\"}}"))
        };
        assert_eq!(requests("AreaList", "ok"), 3.0);
        assert_eq!(requests("OneService", &code), 1.0);
        assert_eq!(requests("anonymous", "ok"), 1.0);
        assert_eq!(requests("other", "ok"), 1.0, "an 80-character name is not a label");
        assert_eq!(requests("anonymous", "BAD_USER_INPUT"), 1.0, "unparsed: no name known");
        assert!(!samples.keys().any(|s| s.contains(&long)));

        // The latency histogram of AreaList: three observations, cumulative buckets.
        let histogram = buckets(&samples, "AreaList");
        assert_eq!(histogram.len(), 16, "15 bounds and +Inf: {histogram:?}");
        assert_eq!(histogram.iter().find(|(le, _)| le == "+Inf").unwrap().1, 3.0);
        let mut finite: Vec<(f64, f64)> = histogram
            .iter()
            .filter(|(le, _)| le != "+Inf")
            .map(|(le, n)| (le.parse().unwrap(), *n))
            .collect();
        finite.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert!(finite.windows(2).all(|w| w[0].1 <= w[1].1), "cumulative: {finite:?}");
        assert_eq!(finite[0].0, 0.001);
        assert_eq!(sample(&samples, "hubgraph_graphql_request_duration_seconds_count{operation=\"AreaList\"}"), 3.0);
        assert!(sample(&samples, "hubgraph_graphql_request_duration_seconds_sum{operation=\"AreaList\"}") > 0.0);

        // The pool, read at scrape time; the scrape itself runs no SQL.
        let in_use = sample(&samples, "hubgraph_db_pool_connections{state=\"in_use\"}");
        let idle = sample(&samples, "hubgraph_db_pool_connections{state=\"idle\"}");
        let max = sample(&samples, "hubgraph_db_pool_max_connections");
        assert!(in_use + idle >= 1.0 && in_use + idle <= max, "{in_use} + {idle} of {max}");
        // The names scripts and tests already read are still there.
        for name in [
            "hubgraph_sql_statements_total",
            "hubgraph_ws_connections",
            "hubgraph_subscriptions_active",
            "hubgraph_event_subscribers",
            "hubgraph_events_lagged_total",
            "hubgraph_tasks_alive",
        ] {
            assert!(samples.contains_key(name), "{name} missing");
        }
    }
}

/// A document sent again (with other variables, or by GET) is not parsed
/// again (`graphql::documents`); one that does not parse is never kept.
#[tokio::test]
async fn documents_sent_again_are_not_parsed_again() {
    let app = crate::helpers::spawn_app(Backend::Sqlite).await.unwrap();
    let counts = |samples: &BTreeMap<String, f64>| {
        (
            sample(samples, "hubgraph_graphql_documents_parsed_total"),
            sample(samples, "hubgraph_graphql_documents_reused_total"),
        )
    };
    let (parsed, reused) = counts(&scrape(&app).await);
    let document = "query Directory($first: Int) { areas { code } organizations(first: $first) { nodes { name } } }";
    for first in [1, 2, 1] {
        let body = post(&app, json!({ "query": document, "variables": { "first": first } })).await;
        assert!(body["errors"].is_null(), "{body}");
        assert!(!body["data"]["areas"].as_array().unwrap().is_empty(), "{body}");
    }
    let by_get: Value = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", document), ("variables", r#"{"first":3}"#)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(by_get["errors"].is_null(), "{by_get}");
    assert!(!by_get["data"]["areas"].as_array().unwrap().is_empty(), "{by_get}");
    for _ in 0..2 {
        let broken = post(&app, json!({ "query": "query Broken { areas { " })).await;
        assert_eq!(crate::helpers::error_code(&broken), "BAD_USER_INPUT");
    }
    let (parsed_after, reused_after) = counts(&scrape(&app).await);
    assert_eq!(parsed_after - parsed, 1.0, "parsed once");
    assert_eq!(reused_after - reused, 3.0, "found for the other three");
}

#[tokio::test]
async fn responses_are_counted_by_route_and_status_refusals_included() {
    let app = crate::helpers::spawn_app(Backend::Sqlite).await.unwrap();
    let graphql = app.url("/graphql");
    // Refused before any operation runs: wrong media type, a bad token.
    let wrong_type = app
        .client
        .post(&graphql)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_type.status(), 415);
    let bad_token = app
        .client
        .post(&graphql)
        .bearer_auth("not-a-token")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_token.status(), 401);
    app.data("{ __typename }", json!({})).await;
    let missing = app
        .client
        .get(app.url("/hsds/services/not-there"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let nowhere = app.client.get(app.url("/no/such/path")).send().await.unwrap();
    assert_eq!(nowhere.status(), 404);

    let samples = scrape(&app).await;
    let count = |route: &str, status: u16| {
        sample(
            &samples,
            &format!("hubgraph_http_responses_total{{route=\"{route}\",status=\"{status}\"}}"),
        )
    };
    assert_eq!(count("graphql", 415), 1.0);
    assert_eq!(count("graphql", 401), 1.0);
    assert_eq!(count("graphql", 200), 1.0);
    assert_eq!(count("hsds", 404), 1.0);
    assert_eq!(count("other", 404), 1.0, "unknown paths share one label");
    // The refusals never became operations.
    let operations: f64 = samples
        .iter()
        .filter(|(series, _)| series.starts_with("hubgraph_graphql_requests_total{"))
        .map(|(_, value)| value)
        .sum();
    assert_eq!(operations, 1.0, "{samples:#?}");
}

#[tokio::test]
async fn the_pool_size_is_configurable_and_shown() {
    let app = crate::helpers::spawn_app_configured(Backend::Sqlite, false, |config| {
        config.db_pool_size = Some(3);
    })
    .await
    .unwrap();
    let samples = scrape(&app).await;
    assert_eq!(sample(&samples, "hubgraph_db_pool_max_connections"), 3.0);
}

#[tokio::test]
async fn rate_limit_refusals_are_counted() {
    let app = crate::helpers::spawn_app_configured(Backend::Sqlite, false, |config| {
        config.limits.rate_per_ip_per_minute = Some(6); // a burst of 1
    })
    .await
    .unwrap();
    let mut refused = 0;
    for _ in 0..5 {
        let response = app
            .client
            .post(app.url("/graphql"))
            .json(&json!({ "query": "{ areas { code } }" }))
            .send()
            .await
            .unwrap();
        refused += u32::from(response.status() == 429);
    }
    assert!(refused >= 1, "no 429 in five requests a burst of one allows");
    let samples = scrape(&app).await;
    assert_eq!(
        sample(&samples, "hubgraph_rate_limited_total{limit=\"ip\"}"),
        f64::from(refused)
    );
    assert_eq!(
        sample(
            &samples,
            "hubgraph_graphql_requests_total{operation=\"anonymous\",outcome=\"ok\"}"
        ),
        f64::from(5 - refused),
        "refused requests are not executed"
    );
}

/// `serve --log-format json`: one JSON object a line; the access line has
/// the request id, partner, operation, outcome and duration; SQL runs in
/// spans inside the request's; no token or secret anywhere.
#[tokio::test]
async fn json_logs_carry_the_request_fields_and_no_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("logs.db").display());
    let secret = crate::helpers::TEST_JWT_SECRET;
    let run = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_hubgraph"))
            .args(args)
            .env("DATABASE_URL", &url)
            .env("HUBGRAPH_JWT_SECRET", secret)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap().trim().to_owned()
    };
    let partner = run(&["partner", "add", "--kind", "admin", "--name", "Operator"]);
    let token = run(&["token", "issue", "--partner", &partner]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_hubgraph"))
        .args(["serve", "--bind", "127.0.0.1:0", "--log-format", "json"])
        .env("DATABASE_URL", &url)
        .env("HUBGRAPH_JWT_SECRET", secret)
        .env("RUST_LOG", "info,hubgraph::sql=debug,sea_orm=info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let collected = lines.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let event: Value = serde_json::from_str(&line).unwrap_or_default();
            if let Some(address) = event["message"].as_str().and_then(|m| m.strip_prefix("playground: ")) {
                let _ = tx.send(address.to_owned());
            }
            collected.lock().unwrap().push(line);
        }
    });
    let playground = rx.recv_timeout(Duration::from_secs(60)).unwrap();
    let client = reqwest::Client::new();
    let response: Value = client
        .post(&playground)
        .bearer_auth(&token)
        .header("x-request-id", "json-log-1")
        .json(&json!({ "query": "query WhoAmI { me { scopes } services(first: 2) { totalCount nodes { name organization { name } } } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(response.get("errors").is_none(), "{response}");
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let lines = lines.lock().unwrap().clone();
    let log = lines.join("\n");
    assert!(!log.contains(&token), "a token reached the log");
    assert!(
        !log.contains(token.rsplit('.').next().unwrap()),
        "a token signature reached the log"
    );
    assert!(!log.contains(secret), "the JWT secret reached the log");

    let events: Vec<Value> = lines
        .iter()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    let access: Vec<&Value> = events
        .iter()
        .filter(|e| e["message"] == "graphql request" && e["request_id"] == "json-log-1")
        .collect();
    assert_eq!(access.len(), 1, "one access line per request:\n{log}");
    let access = access[0];
    assert_eq!(access["level"], "INFO");
    assert_eq!(access["partner"], partner.as_str());
    assert_eq!(access["operation"], "WhoAmI");
    assert_eq!(access["outcome"], "ok");
    assert!(access["duration_ms"].as_f64().is_some_and(|ms| ms >= 0.0), "{access}");

    // The request's SQL: statement kinds in sea-orm's spans, inside the
    // request's span (DataLoader batches included), with no statement text.
    let sql: Vec<&Value> = events
        .iter()
        .filter(|e| e["target"] == "hubgraph::sql")
        .filter(|e| {
            e["spans"]
                .as_array()
                .is_some_and(|spans| spans.iter().any(|s| s["request_id"] == "json-log-1"))
        })
        .collect();
    assert!(sql.len() >= 2, "the request's SQL is not in its span:\n{log}");
    for event in &sql {
        assert_eq!(event["level"], "DEBUG");
        assert!(event["kind"].is_string(), "{event}");
        let spans = event["spans"].as_array().unwrap();
        let statement = spans.last().unwrap();
        assert!(statement["name"].as_str().unwrap().starts_with("sea_orm."), "{event}");
        assert!(statement["db.operation"].is_string(), "{event}");
        assert!(
            statement.get("db.statement").is_none(),
            "statement text logged: {event}"
        );
    }
    assert!(sql.iter().any(|e| e["kind"] == "SELECT"));
}
