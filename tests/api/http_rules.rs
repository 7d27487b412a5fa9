//! GraphQL over HTTP: methods, media types, status codes and limits.

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, ALLOW, CONTENT_TYPE};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, error_code, spawn_app_with};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

async fn app() -> TestApp {
    spawn_app_with(Backend::Sqlite, false).await.expect("app")
}

async fn post(app: &TestApp, accept: &str, body: Value) -> (StatusCode, String, Value) {
    let response = app
        .client
        .post(app.url("/graphql"))
        .header(ACCEPT, accept)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let content_type = response.headers()[CONTENT_TYPE].to_str().unwrap().to_owned();
    (status, content_type, response.json().await.unwrap())
}

#[tokio::test]
async fn post_json_answers_in_the_media_type_asked_for() {
    let app = app().await;
    let query = json!({ "query": "{ areas { code } }" });
    let (status, content_type, body) = post(&app, GRAPHQL_RESPONSE, query.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with(GRAPHQL_RESPONSE));
    assert_eq!(body["data"]["areas"].as_array().unwrap().len(), 33);
    let (status, content_type, _) = post(&app, "application/json", query.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("application/json"));
    let (_, content_type, _) = post(&app, "*/*", query).await;
    assert!(content_type.starts_with("application/json"));
}

#[tokio::test]
async fn request_errors_are_4xx_for_graphql_response_json_and_200_for_json() {
    let app = app().await;
    for (query, code) in [
        ("{ areas { code ", "BAD_USER_INPUT"),
        ("{ noSuchField }", "BAD_USER_INPUT"),
        (
            "query($f: Int) { services(first: $f) { totalCount } }",
            "BAD_USER_INPUT",
        ),
    ] {
        let variables = json!({ "f": "not a number" });
        let (status, content_type, body) = post(
            &app,
            GRAPHQL_RESPONSE,
            json!({ "query": query, "variables": variables }),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert!(content_type.starts_with(GRAPHQL_RESPONSE));
        assert_eq!(error_code(&body), code, "{query}: {body}");
        let (status, _, body) = post(
            &app,
            "application/json",
            json!({ "query": query, "variables": variables }),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "legacy application/json answers 200");
        assert_eq!(error_code(&body), code);
    }
    // A field error during execution is still a 200 with data.
    let (status, _, body) = post(
        &app,
        GRAPHQL_RESPONSE,
        json!({ "query": r#"{ service(id: "x") { id } areas { code } }"# }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
}

#[tokio::test]
async fn other_content_types_are_refused_with_415() {
    let app = app().await;
    for content_type in [
        "text/plain",
        "multipart/form-data; boundary=x",
        "application/x-www-form-urlencoded",
    ] {
        let response = app
            .client
            .post(app.url("/graphql"))
            .header(CONTENT_TYPE, content_type)
            .body(r#"{"query":"{ areas { code } }"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "{content_type}");
    }
}

#[tokio::test]
async fn get_runs_queries_but_not_mutations() {
    let app = app().await;
    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[
            (
                "query",
                "query Areas($n: Int) { areas { code } services(first: $n) { totalCount } }",
            ),
            ("variables", r#"{"n": 1}"#),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["areas"].as_array().unwrap().len(), 33);

    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", "mutation { createService(input: {}) { service { id } } }")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()[ALLOW], "POST");
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "METHOD_NOT_ALLOWED");
}

#[tokio::test]
async fn batches_malformed_json_and_oversized_requests_are_refused() {
    let app = app().await;
    let send = |body: String| {
        app.client
            .post(app.url("/graphql"))
            .header(CONTENT_TYPE, "application/json")
            .body(body)
            .send()
    };
    let batch = send(r#"[{"query":"{ areas { code } }"},{"query":"{ areas { code } }"}]"#.into())
        .await
        .unwrap();
    assert_eq!(batch.status(), StatusCode::BAD_REQUEST);
    let malformed = send("{not json".into()).await.unwrap();
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    let body: Value = malformed.json().await.unwrap();
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("not valid JSON")
    );

    let big_body = json!({ "query": "{ areas { code } }", "variables": { "pad": "x".repeat(1024 * 1024) } });
    assert_eq!(
        send(big_body.to_string()).await.unwrap().status(),
        StatusCode::PAYLOAD_TOO_LARGE
    );
    let long_query = format!("{{ areas {{ code }} }} #{}", "x".repeat(33 * 1024));
    let response = send(json!({ "query": long_query }).to_string()).await.unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn too_deep_queries_are_refused_before_running() {
    let app = app().await;
    let mut query = String::from("id");
    for _ in 0..16 {
        query = format!("parent {{ {query} }}");
    }
    let query = format!("{{ taxonomyTerms {{ nodes {{ {query} }} }} }}");
    let before = app.statements();
    let (status, _, body) = post(&app, GRAPHQL_RESPONSE, json!({ "query": query })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "QUERY_TOO_COMPLEX");
    assert_eq!(app.statements(), before, "SQL ran for a refused query");

    let complex = "{ organizations(first: 100) { nodes { services(first: 100) { nodes { locations { services { name } } } } } } }";
    let (status, _, body) = post(&app, GRAPHQL_RESPONSE, json!({ "query": complex })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(error_code(&body), "QUERY_TOO_COMPLEX");
}

#[tokio::test]
async fn browsers_get_the_playground_and_tools_get_the_sdl() {
    let app = app().await;
    let page = app
        .client
        .get(app.url("/graphql"))
        .header(ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().to_lowercase().contains("graphiql"));
    let sdl = app
        .client
        .get(app.url("/schema.graphql"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(sdl, hubgraph::graphql::sdl());
}

#[tokio::test]
async fn health_and_readiness() {
    let app = app().await;
    assert_eq!(
        app.client.get(app.url("/healthz")).send().await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        app.client.get(app.url("/readyz")).send().await.unwrap().status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn metrics_count_sql_statements_in_prometheus_format() {
    let app = app().await;
    let read = || async {
        let text = app
            .client
            .get(app.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let line = text
            .lines()
            .find(|l| l.starts_with("hubgraph_sql_statements_total "))
            .expect("the counter")
            .to_owned();
        line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap()
    };
    let before = read().await;
    post(&app, "application/json", json!({ "query": "{ areas { code } }" })).await;
    assert_eq!(read().await, before + 1, "one statement for the areas");
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let app = app().await;
    app.state.db.clone().close().await.unwrap();
    assert_eq!(
        app.client.get(app.url("/readyz")).send().await.unwrap().status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        app.client.get(app.url("/healthz")).send().await.unwrap().status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn errors_never_leak_internals() {
    let app = app().await;
    let (_, _, body) = post(
        &app,
        "application/json",
        json!({ "query": "{ services(filter: { text: \"'; DROP TABLE service; --\" }) { totalCount } }" }),
    )
    .await;
    assert_eq!(body["data"]["services"]["totalCount"], 0, "{body}");
    let text = body.to_string().to_lowercase();
    for leak in ["select ", "sqlite", "sqlx", "panicked"] {
        assert!(!text.contains(leak), "{leak} in {text}");
    }
}

#[tokio::test]
async fn aliases_directives_and_cost_are_limited_and_reported() {
    let app = app().await;
    let before = app.statements();
    let many: String = (0..16).map(|i| format!("a{i}: areas {{ code }} ")).collect();
    let (status, _, body) = post(&app, GRAPHQL_RESPONSE, json!({ "query": format!("{{ {many} }}") })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(error_code(&body), "QUERY_TOO_COMPLEX");
    let typenames: String = (0..1000).map(|i| format!("t{i}: __typename ")).collect();
    let (status, _, body) = post(&app, GRAPHQL_RESPONSE, json!({ "query": format!("{{ {typenames} }}") })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "QUERY_TOO_COMPLEX");
    let directives = "{ areas @include(if: true) @include(if: true) @include(if: true) @skip(if: false) @skip(if: false) @skip(if: false) { code } }";
    let (status, _, body) = post(&app, GRAPHQL_RESPONSE, json!({ "query": directives })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(error_code(&body), "QUERY_TOO_COMPLEX");
    assert_eq!(app.statements(), before, "SQL ran for a refused query");

    // Fifteen aliases are fine, and every response reports its cost.
    let fifteen: String = (0..15).map(|i| format!("a{i}: areas {{ code }} ")).collect();
    let (status, _, body) = post(&app, GRAPHQL_RESPONSE, json!({ "query": format!("{{ {fifteen} }}") })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["extensions"]["cost"]["maximumComplexity"], 5000);
    assert!(body["extensions"]["cost"]["requestedComplexity"].as_i64().unwrap() >= 30);

    let complex = "{ organizations(first: 100) { nodes { services(first: 100) { nodes { locations { services { name } } } } } } }";
    let (_, _, body) = post(&app, GRAPHQL_RESPONSE, json!({ "query": complex })).await;
    let cost = body["extensions"]["cost"]["requestedComplexity"].as_i64().unwrap();
    assert!(cost > 5000, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["cost"], cost);
}

/// HTTP requests are checked by one schema and run by another without
/// extensions (`graphql::checked`): the runner alone would take a query
/// over the limits or a document breaking the strict rules, so both hold
/// only because every request is checked first, and a checked response
/// still reports its cost.
#[tokio::test]
async fn requests_are_checked_before_an_extension_free_schema_runs_them() {
    let app = app().await;
    let many: String = (0..16).map(|i| format!("a{i}: areas {{ code }} ")).collect();
    let query = format!("{{ {many} }}");
    let ran = app
        .state
        .http_schemas
        .runs
        .execute(async_graphql::Request::new(query.clone()))
        .await;
    assert!(ran.errors.is_empty(), "{:?}", ran.errors);
    assert!(!ran.extensions.contains_key("cost"), "the runner has no extensions");

    let (status, _, body) = post(&app, GRAPHQL_RESPONSE, json!({ "query": query })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(error_code(&body), "QUERY_TOO_COMPLEX");

    // The runner validates in async-graphql's fast mode, skipping the rules
    // `checks` has applied: an unused variable passes it, not the check.
    let unused = "query Unused($x: Int) { areas { code } }";
    let ran = app
        .state
        .http_schemas
        .runs
        .execute(async_graphql::Request::new(unused))
        .await;
    assert!(ran.errors.is_empty(), "{:?}", ran.errors);
    let (status, _, body) = post(&app, GRAPHQL_RESPONSE, json!({ "query": unused })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains('x'), "{body}");
    assert!(body.get("data").is_none() || body["data"].is_null(), "{body}");

    let (status, _, body) = post(
        &app,
        GRAPHQL_RESPONSE,
        json!({ "query": "query Areas { areas { code } }" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(!body["data"]["areas"].as_array().unwrap().is_empty(), "{body}");
    assert!(
        body["extensions"]["cost"]["requestedComplexity"].as_i64().unwrap() >= 2,
        "{body}"
    );
}

#[tokio::test]
async fn field_suggestions_are_not_leaked() {
    let app = app().await;
    // A misspelt field, nested field, argument, enum value, input field and type.
    for query in [
        "{ servces { totalCount } }",
        "{ services { totalCont } }",
        "{ services(frist: 2) { totalCount } }",
        "{ hubs(first: 2, filter: { status: [OPNE] }) { totalCount } }",
        "mutation { updateHubStatus(input: { hubid: \"x\", status: OPEN }) { hub { id } } }",
        "{ node(id: \"x\") { ... on Servce { id } } }",
    ] {
        let (_, _, body) = post(&app, "application/json", json!({ "query": query })).await;
        let messages: Vec<&str> = body["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("{query}: no errors: {body}"))
            .iter()
            .map(|error| error["message"].as_str().unwrap())
            .collect();
        assert!(
            messages.iter().all(|m| !m.contains("Did you mean")),
            "{query}: {messages:?}"
        );
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{query}: {body}");
    }
}

#[tokio::test]
async fn browsers_may_call_from_configured_origins_only() {
    let app = crate::helpers::spawn_app_configured(Backend::Sqlite, false, |config| {
        config.cors_origins = vec!["https://shine.example.org".into()];
    })
    .await
    .unwrap();
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/graphql"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type, authorization")
            .send()
    };
    let allowed = preflight("https://shine.example.org").await.unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://shine.example.org"
    );
    let refused = preflight("https://evil.example.com").await.unwrap();
    assert!(
        refused.headers().get("access-control-allow-origin").is_none(),
        "{:?}",
        refused.headers()
    );

    // With no origins configured, any site may read the public API.
    let open = spawn_app_with(Backend::Sqlite, false).await.unwrap();
    let response = open
        .client
        .post(open.url("/graphql"))
        .header("origin", "https://council.example.org")
        .json(&json!({ "query": "{ areas { code } }" }))
        .send()
        .await
        .unwrap();
    assert!(response.headers().get("access-control-allow-origin").is_some());
}

/// An app whose per-IP and per-token rates (requests a minute) are set.
async fn app_with_rates(per_ip: u32, per_token: u32) -> TestApp {
    crate::helpers::spawn_app_configured(Backend::Sqlite, false, |config| {
        config.limits.rate_per_ip_per_minute = Some(per_ip);
        config.limits.rate_per_token_per_minute = Some(per_token);
    })
    .await
    .unwrap()
}

/// A token of a new admin partner called `name`.
async fn admin_token(app: &TestApp, name: &str) -> String {
    let partner = app
        .add_partner(hubgraph::partners::PartnerKind::Admin, name, None, &[])
        .await;
    app.issue_token(&partner, &[]).await.token
}

/// Asserts `response` is a 429 with a `Retry-After` of 1 to 60 s and the
/// code RATE_LIMITED; returns its body.
async fn assert_rate_limited(response: reqwest::Response) -> Value {
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "RATE_LIMITED");
    body
}

#[tokio::test]
async fn callers_over_their_rate_get_429_with_retry_after() {
    let app = app_with_rates(60, 60).await; // bursts of 10
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let (status, _, _) = post(&app, "application/json", json!({ "query": "{ areas { code } }" })).await;
        statuses.push(status);
    }
    assert!(statuses[..10].iter().all(|s| *s == StatusCode::OK), "{statuses:?}");
    let response = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": "{ areas { code } }" }))
        .send()
        .await
        .unwrap();
    assert_rate_limited(response).await;
    // A caller with a token has a budget of its own.
    let token = admin_token(&app, "Own Budget").await;
    let response = app.graphql_as(&token, "{ areas { code } }", json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    // Health checks are never limited.
    assert_eq!(
        app.client.get(app.url("/healthz")).send().await.unwrap().status(),
        StatusCode::OK
    );
}

/// A partner's token has a budget of its own: once spent, that token gets
/// 429 with `Retry-After` and RATE_LIMITED, while another partner's token
/// and anonymous callers are still served.
#[tokio::test]
async fn a_token_over_its_rate_gets_429_and_other_callers_are_served() {
    let app = app_with_rates(600, 60).await; // bursts of 100 and 10
    let tokens = [
        admin_token(&app, "Busy Partner").await,
        admin_token(&app, "Quiet Partner").await,
    ];
    let me = "{ me { partner { name } } }";
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(app.graphql_as(&tokens[0], me, json!({})).await.status());
    }
    assert!(statuses[..10].iter().all(|s| *s == StatusCode::OK), "{statuses:?}");
    let body = assert_rate_limited(app.graphql_as(&tokens[0], me, json!({})).await).await;
    assert!(body["data"].is_null(), "{body}");

    let other: Value = app.graphql_as(&tokens[1], me, json!({})).await.json().await.unwrap();
    assert_eq!(other["data"]["me"]["partner"]["name"], "Quiet Partner", "{other}");
    let (status, _, _) = post(&app, "application/json", json!({ "query": "{ areas { code } }" })).await;
    assert_eq!(status, StatusCode::OK, "anonymous callers have the IP's budget");
}

/// Made-up tokens do not buy a fresh budget each: every refused token
/// (401) is charged to the IP's anonymous budget, and once that is spent
/// the IP's requests with a token get 429 until it refills, a valid
/// token's included (ADVERSARIAL.md 30).
#[tokio::test]
async fn refused_tokens_spend_the_ips_budget() {
    let app = app_with_rates(60, 6000).await; // an IP burst of 10
    let token = admin_token(&app, "Shared Office").await;
    let mut statuses = Vec::new();
    for attempt in 0..12 {
        let made_up = format!("{token}{attempt}");
        statuses.push(app.graphql_as(&made_up, "{ areas { code } }", json!({})).await.status());
    }
    assert!(
        statuses[..10].iter().all(|s| *s == StatusCode::UNAUTHORIZED),
        "{statuses:?}"
    );
    assert!(
        statuses[10..].iter().all(|s| *s == StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    assert_rate_limited(app.graphql_as(&token, "{ areas { code } }", json!({})).await).await;
    let (status, _, _) = post(&app, "application/json", json!({ "query": "{ areas { code } }" })).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "the anonymous budget is spent too"
    );
}

#[tokio::test]
async fn circular_fragments_are_refused_before_running() {
    let app = app().await;
    let before = app.statements();
    let query = "query { areas { ...A } } fragment A on Area { code ...B } fragment B on Area { name ...A }";
    let (status, _, body) = post(&app, GRAPHQL_RESPONSE, json!({ "query": query })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(app.statements(), before);
}

/// The connections in use of the app's pool: (size, idle).
fn pool_state(app: &TestApp) -> (u32, usize) {
    use sea_orm::DatabaseBackend;
    let db = &app.state.db;
    match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
    }
}

/// What keeps reads waiting: on PostgreSQL a lock on the service table held
/// by another session, on SQLite (whose readers never wait for locks) every
/// pooled connection held.
enum Blocker {
    Lock(sea_orm::DatabaseTransaction, sea_orm::DatabaseConnection),
    Connections(Vec<sea_orm::sqlx::pool::PoolConnection<sea_orm::sqlx::Sqlite>>),
}

async fn block_reads(app: &TestApp) -> Blocker {
    use sea_orm::{ConnectionTrait, DatabaseBackend, TransactionTrait};
    let db = &app.state.db;
    if db.get_database_backend() == DatabaseBackend::Postgres {
        let (other, _) = hubgraph::db::connect(&app.state.config.database_url).await.unwrap();
        let txn = other.begin().await.unwrap();
        txn.execute_unprepared("LOCK TABLE service IN ACCESS EXCLUSIVE MODE")
            .await
            .unwrap();
        Blocker::Lock(txn, other)
    } else {
        let pool = db.get_sqlite_connection_pool();
        let mut held = Vec::new();
        while let Ok(Ok(connection)) = tokio::time::timeout(std::time::Duration::from_millis(200), pool.acquire()).await
        {
            held.push(connection);
        }
        Blocker::Connections(held)
    }
}

/// ADVERSARIAL 29: a read that outlasts the request timeout is cut off with
/// 503 and code TIMEOUT, and once what held it up is gone the pool is back
/// to its baseline and requests are served again. Writes are never cut off
/// mid-way (they could be made yet reported as failed): they run to their
/// end, bounded by the database's own timeouts.
async fn slow_operations_time_out_and_the_pool_recovers(backend: Backend) {
    let Some(app) = crate::helpers::spawn_app_configured(backend, true, |config| {
        config.limits.request_timeout = std::time::Duration::from_millis(300);
    })
    .await
    else {
        return;
    };
    let search = "{ services(first: 5, filter: { text: \"carers\" }) { totalCount nodes { name } } }";
    // Connections in use before: the PostgreSQL event listener holds one for good.
    let busy = |(size, idle): (u32, usize)| size as usize - idle;
    let baseline = busy(pool_state(&app));

    let blocker = block_reads(&app).await;
    for _ in 0..3 {
        let response = app
            .client
            .post(app.url("/graphql"))
            .json(&json!({ "query": search }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        let body: Value = response.json().await.unwrap();
        assert_eq!(error_code(&body), "TIMEOUT", "{body:#}");
    }
    match blocker {
        Blocker::Lock(txn, other) => {
            txn.rollback().await.unwrap();
            other.close().await.unwrap();
        }
        Blocker::Connections(held) => drop(held),
    }

    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let now = pool_state(&app);
        if busy(now) <= baseline {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "connections still busy: {now:?}, baseline {baseline}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let served = app.data(search, json!({})).await;
    assert!(served["services"]["totalCount"].as_i64().unwrap() > 0);

    // A write under the same short timeout is not cut off: made, and reported as made.
    let partner = app
        .add_partner(hubgraph::partners::PartnerKind::Admin, "Operator", None, &[])
        .await;
    let token = app.issue_token(&partner, &["admin"]).await.token;
    let write = "mutation { createOrganization(input: { name: \"Slow Writer\", description: \"Written\" }) { organization { id } } }";
    let response = app.graphql_as(&token, write, json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["data"]["createOrganization"]["organization"]["id"].is_string(),
        "{body:#}"
    );
}

mod slow_operations {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        slow_operations_time_out_and_the_pool_recovers(Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        slow_operations_time_out_and_the_pool_recovers(Backend::Postgres).await;
    }
}
