//! The cache of answers to anonymous queries (`http::response_cache`):
//! repeated queries cost no statement, and no change, whoever makes it,
//! leaves a kept answer behind.

use std::time::Duration;

use chrono::Utc;
use hubgraph::graphql::ids::{self, Kind};
use hubgraph::partners::PartnerKind;
use sea_orm::{ConnectionTrait, DatabaseBackend, EntityTrait, Statement};
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
        config.response_cache_bytes = hubgraph::config::defaults::RESPONSE_CACHE_MB * 1024 * 1024;
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

const INVALIDATIONS: &str = "hubgraph_response_cache_invalidations_total";

const RENAME: &str = "mutation($input: UpdateServiceInput!) { updateService(input: $input) {
    service { id } userErrors { code } } }";

/// Waits, on PostgreSQL, until the cache has been emptied since it had
/// been `before` times: what a test writes straight to the database (a
/// partner, a token) is announced a moment later, and would empty answers
/// the test means to keep.
async fn announced(app: &TestApp, before: u64) {
    invalidated_past(app, before).await;
}

/// Waits, on PostgreSQL, until the announcements of a hub status update
/// made when the cache had been emptied `before` times have arrived: the
/// write's own emptying, then the hub status event and the changes of
/// `hub` and `hub_status_event` (`audit` is quiet), four in all.
async fn hub_update_announced(app: &TestApp, before: u64) {
    invalidated_past(app, before + 3).await;
    // Anything else it announced would come with them.
    if app.state.db.get_database_backend() == DatabaseBackend::Postgres {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn invalidated_past(app: &TestApp, times: u64) {
    if app.state.db.get_database_backend() != DatabaseBackend::Postgres {
        return;
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while metric(app, INVALIDATIONS).await <= times {
        assert!(std::time::Instant::now() < deadline, "no announcement came");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
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
        config.response_cache_bytes = hubgraph::config::defaults::RESPONSE_CACHE_MB * 1024 * 1024;
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
        let hub = hub_in(&app, EDINBURGH).await;
        let before = metric(&app, INVALIDATIONS).await;
        let (token, input) = owner_update(&app, &hub, "CLOSED").await;
        let admin = app.add_partner(PartnerKind::Admin, "Admin", None, &[]).await;
        let admin = app.issue_token(&admin, &["admin"]).await.token;
        announced(&app, before).await;
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
        // The HSDS API shows no hub: a hub status update leaves its answers.
        let written = metric(&app, INVALIDATIONS).await;
        let done: Value = app.graphql_as(&token, UPDATE, input).await.json().await.unwrap();
        assert_eq!(done["data"]["updateHubStatus"]["userErrors"], json!([]), "{done:#}");
        hub_update_announced(&app, written).await;
        assert_eq!(hsds(&app, page).await, (200, first.clone(), 0), "kept across a hub update");
        // Any other write empties them.
        let id = some_service(&app).await;
        let rename = json!({ "input": { "id": id, "description": "Changed" } });
        let done: Value = app.graphql_as(&admin, RENAME, rename).await.json().await.unwrap();
        assert_eq!(done["data"]["updateService"]["userErrors"], json!([]), "{done:#}");
        let (_, _, cost) = hsds(&app, page).await;
        assert!(cost > 0, "read again after the write");
    }
}

/// Every way an anonymous query can reach a hub, each selecting what a
/// status update changes (the version, the status or the change feed).
fn hub_revealing_queries(hub: &entity::hub::Model, since: &str) -> Vec<(&'static str, Value)> {
    let hub_id = ids::encode(Kind::Hub, &hub.id).0;
    let location_id = ids::encode(Kind::Location, &hub.location_id).0;
    vec![
        (HUB, json!({ "id": hub_id })),
        ("{ hubs(first: 100) { nodes { id version } } }", json!({})),
        ("{ hubSummary { byStatus { status count } } }", json!({})),
        (
            "query($id: ID!) { node(id: $id) { ... on Hub { version } } }",
            json!({ "id": hub_id }),
        ),
        (
            "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Hub { version } } }",
            json!({ "ids": [hub_id] }),
        ),
        (
            "query($id: ID!) { location(id: $id) { name hub { version } } }",
            json!({ "id": location_id }),
        ),
        (
            "query($since: DateTime!) { changes(since: $since) { edges { node { entity id at } } } }",
            json!({ "since": since }),
        ),
        // No "hub" in the text: the root field, through a fragment, tells.
        (
            "query($id: ID!) { ...Root } fragment Root on Query { node(id: $id) { id __typename } }",
            json!({ "id": hub_id }),
        ),
    ]
}

cached! {
    /// A hub status update leaves the kept answers that show no hub, and
    /// every answer that may show one is read again.
    async fn a_hub_update_keeps_answers_without_hubs_and_refreshes_every_way_to_a_hub(app) {
        let hub = hub_in(&app, EDINBURGH).await;
        let before = metric(&app, INVALIDATIONS).await;
        let status = if hub.status == "CLOSED" { "LIMITED" } else { "CLOSED" };
        let (token, input) = owner_update(&app, &hub, status).await;
        announced(&app, before).await;
        let since = Utc::now().to_rfc3339();
        let service = some_service(&app).await;
        let unrelated = [
            (SERVICE, json!({ "id": service })),
            ("{ services(first: 5) { nodes { id name organization { name } } } }", json!({})),
            ("{ areas { code name } }", json!({})),
        ];
        let revealing = hub_revealing_queries(&hub, &since);
        let mut before = Vec::new();
        for (query, variables) in unrelated.iter().chain(&revealing) {
            let (body, _) = answer(&app, query, variables.clone()).await;
            assert_eq!(answer(&app, query, variables.clone()).await, (body.clone(), 0), "kept: {query}");
            before.push(body);
        }

        let written = metric(&app, INVALIDATIONS).await;
        let done: Value = app.graphql_as(&token, UPDATE, input).await.json().await.unwrap();
        assert_eq!(done["data"]["updateHubStatus"]["userErrors"], json!([]), "{done:#}");
        hub_update_announced(&app, written).await;

        for ((query, variables), kept) in unrelated.iter().zip(&before) {
            assert_eq!(answer(&app, query, variables.clone()).await, (kept.clone(), 0), "still kept: {query}");
        }
        for ((query, variables), old) in revealing.iter().zip(&before[unrelated.len()..]) {
            let (now, cost) = answer(&app, query, variables.clone()).await;
            assert!(cost > 0, "read again: {query}");
            if !query.contains("__typename") {
                assert_ne!(&now, old, "the update shows: {query}");
            }
        }
    }
}

/// The tables named by the change announcements that arrive until none
/// has come for half a second.
async fn announced_tables(events: &mut tokio::sync::broadcast::Receiver<hubgraph::events::Event>) -> Vec<String> {
    let mut tables = Vec::new();
    while let Ok(Ok(event)) = tokio::time::timeout(Duration::from_millis(500), events.recv()).await {
        if event.topic == hubgraph::events::DATA_CHANGED_TOPIC {
            tables.push(event.payload["table"].as_str().expect("the table is named").to_owned());
        }
    }
    tables
}

/// On PostgreSQL, what a hub status update and a new hub write is
/// announced as changes of the hub tables alone, so that instances keep
/// the answers without hubs (`response_cache::HUB_TABLES`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hub_writes_announce_only_the_hub_tables_on_postgres() {
    use hubgraph::http::response_cache::HUB_TABLES;
    let Some(app) = cached_app(Backend::Postgres).await else {
        return;
    };
    let hub = hub_in(&app, EDINBURGH).await;
    let (token, input) = owner_update(&app, &hub, if hub.status == "CLOSED" { "LIMITED" } else { "CLOSED" }).await;
    // The partner and token the test added are announced too: let them pass.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut events = app.state.events.receiver();
    let done: Value = app.graphql_as(&token, UPDATE, input).await.json().await.unwrap();
    assert_eq!(done["data"]["updateHubStatus"]["userErrors"], json!([]), "{done:#}");

    let mut tables = announced_tables(&mut events).await;
    tables.sort();
    tables.dedup();
    assert_eq!(tables, ["hub", "hub_status_event"], "a status update");

    // A new hub, at a location that has none, with facilities.
    let with_hubs: Vec<String> = entity::hub::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.location_id)
        .collect();
    let free = entity::location::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .find(|l| !with_hubs.contains(&l.id))
        .expect("a location without a hub");
    let admin = app.add_partner(PartnerKind::Admin, "Admin", None, &[]).await;
    let admin = app.issue_token(&admin, &["admin"]).await.token;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut events = app.state.events.receiver();
    let wifi = hubgraph::seed::demo::demo_id("taxonomy_term", "hub-facility/wifi");
    let input = json!({ "input": {
        "locationId": ids::encode(Kind::Location, &free.id).0, "name": "New hub", "kinds": ["WARM_SPACE"],
        "facilityTermIds": [ids::encode(Kind::TaxonomyTerm, &wifi).0],
    } });
    let created: Value = app
        .graphql_as(
            &admin,
            "mutation($input: CreateHubInput!) { createHub(input: $input) { hub { id } userErrors { code } } }",
            input,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(created["data"]["createHub"]["userErrors"], json!([]), "{created:#}");
    let tables = announced_tables(&mut events).await;
    assert!(
        !tables.is_empty() && tables.iter().all(|table| HUB_TABLES.contains(&table.as_str())),
        "a new hub: {tables:?}"
    );

    // Any other table is named too, and empties everything.
    let id = some_service(&app).await;
    let raw = ids::decode(id.as_str().unwrap(), Kind::Service, &["id"]).unwrap();
    let renamed = Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        "UPDATE service SET name = name WHERE id = $1",
        [raw.into()],
    );
    app.state.db.execute_raw(renamed).await.unwrap();
    // (with `located_service`, which its triggers keep)
    loop {
        let event = tokio::time::timeout(Duration::from_secs(10), events.recv())
            .await
            .unwrap()
            .unwrap();
        let table = event.payload["table"].as_str().expect("the table is named").to_owned();
        assert!(!HUB_TABLES.contains(&table.as_str()), "{table}");
        if table == "service" {
            break;
        }
    }
}
