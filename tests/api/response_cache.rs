//! The cache of answers to anonymous queries (`http::response_cache`):
//! repeated queries cost no statement, and no change, whoever makes it,
//! leaves a kept answer behind.

use std::time::Duration;

use chrono::Utc;
use hubgraph::graphql::ids::{self, Kind};
use hubgraph::partners::PartnerKind;
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, demo_library, hub_in, metric_value, spawn_app_configured};
use crate::ws_client::{Client, app_url};

const EDINBURGH: &str = "S12000036";

const SERVICE: &str = "query($id: ID!) { service(id: $id) { id name organization { name } locations { name } } }";
const HUB: &str = "query($id: ID!) { hub(id: $id) { id status occupancy version } }";
const UPDATE: &str = "mutation($input: UpdateHubStatusInput!) { updateHubStatus(input: $input) {
    hub { status version } userErrors { code } } }";

/// The demo set served with the response cache on, as `serve` runs it.
async fn cached_app(backend: Backend) -> Option<TestApp> {
    spawn_app_configured(backend, true, |config| {
        config.response_cache_bytes = hubgraph::http::response_cache::DEFAULT_CAPACITY_BYTES;
    })
    .await
}

/// Runs `test` on SQLite, and on PostgreSQL when `TEST_DATABASE_URL` is set.
macro_rules! cached {
    ($(#[$meta:meta])* async fn $name:ident($app:ident) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($app: TestApp) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run(cached_app(Backend::Sqlite).await.expect("sqlite app")).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(app) = cached_app(Backend::Postgres).await else { return };
                run(app).await;
            }
        }
    };
}

/// A `/metrics` counter or gauge.
async fn metric(app: &TestApp, name: &str) -> u64 {
    let body = app.metrics().await;
    metric_value(&body, name).unwrap_or_else(|| panic!("no {name} in {body}"))
}

/// The raw body of an anonymous query and the statements it cost.
async fn answer(app: &TestApp, query: &str, variables: Value) -> (String, u64) {
    let before = app.statements();
    let response = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body = response.text().await.unwrap();
    (body, app.statements() - before)
}

async fn some_service(app: &TestApp) -> Value {
    let data = app.data("{ services(first: 1) { nodes { id } } }", json!({})).await;
    data["services"]["nodes"][0]["id"].clone()
}

/// The owner's token and the update of the hub's status to `status`.
async fn owner_update(app: &TestApp, hub: &entity::hub::Model, status: &str) -> (String, Value) {
    let partner = app
        .add_partner(PartnerKind::Library, "Hub owner", Some(&demo_library(EDINBURGH)), &[])
        .await;
    let token = app.issue_token(&partner, &["hubs:write"]).await.token;
    let input = json!({ "input": {
        "hubId": ids::encode(Kind::Hub, &hub.id).0, "status": status,
        "validUntil": (Utc::now() + chrono::Duration::hours(2)).to_rfc3339(),
        "expectedVersion": hub.version,
    } });
    (token, input)
}

cached! {
    /// The same anonymous query again is answered with the same bytes and no statement.
    async fn a_repeated_anonymous_query_costs_no_statement(app) {
        let id = some_service(&app).await;
        let (first, first_cost) = answer(&app, SERVICE, json!({ "id": id })).await;
        assert!(first_cost > 0);
        let hits = metric(&app, "hubgraph_response_cache_hits_total").await;
        let (again, again_cost) = answer(&app, SERVICE, json!({ "id": id })).await;
        assert_eq!(again, first);
        assert_eq!(again_cost, 0, "a kept answer reads nothing");
        assert_eq!(metric(&app, "hubgraph_response_cache_hits_total").await, hits + 1);
        assert!(metric(&app, "hubgraph_response_cache_bytes").await >= first.len() as u64);
        // Other variables are another question.
        let (other, other_cost) = answer(&app, SERVICE, json!({ "id": "U2VydmljZTpub25l" })).await;
        assert_ne!(other, first);
        assert!(other_cost > 0);
    }
}

cached! {
    /// A status update is seen by the very next anonymous read, on the instance that made it.
    async fn a_write_is_seen_by_the_next_anonymous_read(app) {
        let hub = hub_in(&app, EDINBURGH).await;
        let variables = json!({ "id": ids::encode(Kind::Hub, &hub.id).0 });
        let (before, _) = answer(&app, HUB, variables.clone()).await;
        assert_eq!(answer(&app, HUB, variables.clone()).await, (before.clone(), 0), "kept");
        let status = if hub.status == "CLOSED" { "LIMITED" } else { "CLOSED" };
        let (token, input) = owner_update(&app, &hub, status).await;
        let done: Value = app.graphql_as(&token, UPDATE, input).await.json().await.unwrap();
        assert_eq!(done["data"]["updateHubStatus"]["userErrors"], json!([]), "{done:#}");
        let (after, cost) = answer(&app, HUB, variables).await;
        assert!(cost > 0, "read again after the write");
        let after: Value = serde_json::from_str(&after).unwrap();
        assert_eq!(after["data"]["hub"]["status"], status, "{after:#}");
        assert_eq!(after["data"]["hub"]["version"], hub.version + 1);
    }
}

cached! {
    /// A mutation sent over the WebSocket empties the cache as one over HTTP does.
    async fn a_write_over_the_websocket_is_seen_by_the_next_read(app) {
        let hub = hub_in(&app, EDINBURGH).await;
        let variables = json!({ "id": ids::encode(Kind::Hub, &hub.id).0 });
        answer(&app, HUB, variables.clone()).await;
        let (token, input) = owner_update(&app, &hub, if hub.status == "CLOSED" { "OPEN" } else { "CLOSED" }).await;
        let mut client = Client::connect(&app_url(&app)).await;
        client.init(json!({ "authorization": format!("Bearer {token}") })).await;
        client
            .send(json!({ "type": "subscribe", "id": "w", "payload": { "query": UPDATE, "variables": input } }))
            .await;
        let next = client.recv().await;
        assert_eq!(next["payload"]["data"]["updateHubStatus"]["userErrors"], json!([]), "{next:#}");
        let (after, cost) = answer(&app, HUB, variables).await;
        assert!(cost > 0, "read again after the write");
        let after: Value = serde_json::from_str(&after).unwrap();
        assert_eq!(after["data"]["hub"]["version"], hub.version + 1, "{after:#}");
    }
}

cached! {
    /// Answers for token holders, answers with errors and answers that
    /// depend on the clock (`isOpen`) are worked out every time.
    async fn only_clean_anonymous_answers_are_kept(app) {
        let id = some_service(&app).await;
        let partner = app.add_partner(PartnerKind::Hscp, "Reader", None, &[EDINBURGH]).await;
        let token = app.issue_token(&partner, &[]).await.token;
        for _ in 0..2 {
            let before = app.statements();
            let read: Value = app.graphql_as(&token, SERVICE, json!({ "id": id })).await.json().await.unwrap();
            assert!(read["data"]["service"]["name"].is_string(), "{read:#}");
            assert!(app.statements() > before, "a token holder's read runs");
        }
        let open_now = "query($id: ID!) { service(id: $id) { id isOpen } }";
        answer(&app, open_now, json!({ "id": id })).await;
        assert!(answer(&app, open_now, json!({ "id": id })).await.1 > 0, "isOpen is read again");
        let missing = "query { service(id: \"not-an-id\") { id } }";
        for _ in 0..2 {
            let (body, _) = answer(&app, missing, json!({})).await;
            assert!(body.contains("\"errors\""), "{body}");
        }
        assert_eq!(metric(&app, "hubgraph_response_cache_hits_total").await, 0);
    }
}

/// On PostgreSQL a change made behind the server's back (another instance,
/// the CLI, `psql`) reaches it through the tables' triggers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_made_elsewhere_empties_the_cache_on_postgres() {
    let Some(app) = cached_app(Backend::Postgres).await else {
        return;
    };
    let id = some_service(&app).await;
    let variables = json!({ "id": id });
    let (before, _) = answer(&app, SERVICE, variables.clone()).await;
    assert_eq!(answer(&app, SERVICE, variables.clone()).await.1, 0, "kept");
    let raw = ids::decode(id.as_str().unwrap(), Kind::Service, &["id"]).unwrap();
    let renamed = Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        "UPDATE service SET name = 'Renamed behind the server' WHERE id = $1",
        [raw.into()],
    );
    assert_eq!(app.state.db.execute_raw(renamed).await.unwrap().rows_affected(), 1);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (now, _) = answer(&app, SERVICE, variables.clone()).await;
        if now != before {
            assert!(now.contains("Renamed behind the server"), "{now}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the kept answer outlived the change"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(metric(&app, "hubgraph_response_cache_invalidations_total").await >= 1);
}

/// Every table whose rows an anonymous answer may show announces its
/// changes on PostgreSQL; a new table needs the trigger in its migration.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_table_but_the_quiet_ones_announces_its_changes() {
    use migration::m20261201_000050_change_announcements::{QUIET_TABLES, TRIGGER};
    let Some(app) = cached_app(Backend::Postgres).await else {
        return;
    };
    let tables = app
        .state
        .db
        .query_all_raw(Statement::from_string(
            DatabaseBackend::Postgres,
            format!(
                "SELECT t.tablename, EXISTS (SELECT 1 FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid \
                 WHERE c.relname = t.tablename AND g.tgname = '{TRIGGER}') AS announces \
                 FROM pg_tables t WHERE t.schemaname = current_schema() ORDER BY t.tablename"
            ),
        ))
        .await
        .unwrap();
    assert!(tables.len() > 20, "{} tables", tables.len());
    for row in tables {
        let table: String = row.try_get("", "tablename").unwrap();
        let announces: bool = row.try_get("", "announces").unwrap();
        let quiet = QUIET_TABLES.contains(&table.as_str());
        assert_eq!(announces, !quiet, "table {table}: announces changes {announces}");
    }
}

/// Whatever is announced or not, an answer is served for at most the TTL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_answer_lives_no_longer_than_its_ttl() {
    let app = spawn_app_configured(Backend::Sqlite, true, |config| {
        config.response_cache_bytes = hubgraph::http::response_cache::DEFAULT_CAPACITY_BYTES;
        config.response_cache_ttl = Duration::from_secs(2);
    })
    .await
    .unwrap();
    let id = some_service(&app).await;
    answer(&app, SERVICE, json!({ "id": id })).await;
    assert_eq!(answer(&app, SERVICE, json!({ "id": id })).await.1, 0, "kept");
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    assert!(
        answer(&app, SERVICE, json!({ "id": id })).await.1 > 0,
        "read again once expired"
    );
}

const DASHBOARD: &str = "query($first: Int) {
    hubs(first: $first) { totalCount nodes { id name status serviceCount location { name } organization { name } } }
    hubSummary { total byStatus { status count } }
}";

cached! {
    /// Many anonymous callers asking the same at once (after a change, say)
    /// cost the database one execution: the others wait for its answer.
    async fn the_same_question_asked_at_once_runs_once(app) {
        let (_, once) = answer(&app, DASHBOARD, json!({ "first": 5 })).await;
        assert!(once > 0);
        let before = app.statements();
        let asks = (0..16).map(|_| answer(&app, DASHBOARD, json!({ "first": 6 })));
        let answers = futures_util::future::join_all(asks).await;
        assert_eq!(app.statements() - before, once, "one execution for 16 askers");
        assert!(answers.windows(2).all(|pair| pair[0].0 == pair[1].0), "the same answer");
    }
}

/// `GET` of the HSDS API and the statements it cost.
async fn hsds(app: &TestApp, path: &str) -> (u16, String, u64) {
    let before = app.statements();
    let response = app.client.get(app.url(path)).send().await.unwrap();
    let status = response.status().as_u16();
    let body = response.text().await.unwrap();
    (status, body, app.statements() - before)
}

cached! {
    /// The HSDS API's answers are kept by URL, and emptied by a write like GraphQL's.
    async fn hsds_answers_are_kept_by_url_until_a_write(app) {
        let page = "/hsds/services?per_page=5&page=2";
        let (status, first, cost) = hsds(&app, page).await;
        assert_eq!(status, 200, "{first}");
        assert!(cost > 0);
        assert_eq!(hsds(&app, page).await, (200, first.clone(), 0), "kept");
        // A kept answer goes out as any other: JSON, open to every origin.
        let kept = app.client.get(app.url(page)).header("origin", "https://example.org").send().await.unwrap();
        assert_eq!(kept.headers()["content-type"], "application/json; charset=utf-8");
        assert!(kept.headers().contains_key("access-control-allow-origin"), "{:?}", kept.headers());
        let (_, other, other_cost) = hsds(&app, "/hsds/services?per_page=5&page=3").await;
        assert_ne!(other, first);
        assert!(other_cost > 0, "another query string is another question");
        for _ in 0..2 {
            let (status, _, cost) = hsds(&app, "/hsds/services/no-such-service").await;
            assert_eq!(status, 404);
            assert!(cost > 0, "a 404 is not kept");
        }
        let hub = hub_in(&app, EDINBURGH).await;
        let (token, input) = owner_update(&app, &hub, "CLOSED").await;
        let done: Value = app.graphql_as(&token, UPDATE, input).await.json().await.unwrap();
        assert_eq!(done["data"]["updateHubStatus"]["userErrors"], json!([]), "{done:#}");
        let (_, again, cost) = hsds(&app, page).await;
        assert_eq!(again, first, "the write changed no service");
        assert!(cost > 0, "read again after the write");
    }
}
