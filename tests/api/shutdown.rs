//! ADVERSARIAL 39: SIGTERM with a request and a subscription in flight, on
//! the real binary. The request finishes and is answered, the subscriber
//! gets a clean close (1001), new connections are refused and the process
//! exits; a request that outlasts the grace period does not hold the exit.
//!
//! A request is kept in flight by holding SQLite's write lock from the
//! test: the server's write waits for it (up to its busy timeout), so the
//! test decides when the request can finish instead of guessing a delay.

use std::time::{Duration, Instant};

use entity::hub;
use hubgraph::graphql::ids::{self, Kind};
use hubgraph::partners::PartnerKind;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::helpers::{Backend, FreshDatabase, demo_library};
use crate::process::{Served, metric, partner_token};
use crate::ws_client::Client;

const EDINBURGH: &str = "S12000036";
const UPDATE: &str = "mutation($input: UpdateHubStatusInput!) { updateHubStatus(input: $input) {
    hub { id version } userErrors { field message code } } }";
const SUBSCRIBE: &str = "subscription { hubStatusChanged(areaCodes: [\"S12000036\"]) { version } }";

/// A bound against a hang, far above the time any of this takes.
const HANG: Duration = Duration::from_secs(30);

/// A demo database with an Edinburgh library partner: its hub and token.
async fn prepare(url: &str) -> (DatabaseConnection, hub::Model, String) {
    let (db, _) = hubgraph::db::connect(url).await.unwrap();
    hubgraph::db::migrate(&db).await.unwrap();
    hubgraph::seed::seed_demo(&db, hubgraph::seed::DemoPostcodes::Venues)
        .await
        .unwrap();
    let target = hub::Entity::find()
        .filter(hub::Column::AreaCode.eq(EDINBURGH))
        .order_by_asc(hub::Column::Id)
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    let token = partner_token(&db, PartnerKind::Library, &demo_library(EDINBURGH)).await;
    (db, target, token)
}

/// Sends a status update of `target` on its own task.
fn update_hub(served: &Served, token: &str, target: &hub::Model) -> tokio::task::JoinHandle<reqwest::Result<Value>> {
    let (url, token) = (served.url("/graphql"), token.to_owned());
    let input = json!({ "hubId": ids::encode(Kind::Hub, &target.id).0, "status": "LIMITED", "note": "closing early" });
    tokio::spawn(async move {
        reqwest::Client::new()
            .post(url)
            .bearer_auth(token)
            .json(&json!({ "query": UPDATE, "variables": { "input": input } }))
            .send()
            .await?
            .json()
            .await
    })
}

/// Takes SQLite's write lock, so that the server's writes wait.
async fn hold_write_lock(db: &DatabaseConnection) -> hubgraph::write_turns::WriteTransaction {
    hubgraph::db::begin_write(db).await.unwrap()
}

/// Waits until the server has authenticated a request (its SQL counter
/// moved past `before`): the request is then in the server's hands.
async fn wait_until_in_flight(served: &Served, before: u64) {
    let started = Instant::now();
    while metric(served, "hubgraph_sql_statements_total").await <= before {
        assert!(started.elapsed() < HANG, "the request never reached the server");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Waits until the listening socket is gone: connecting is refused.
async fn wait_until_refused(served: &Served) {
    let started = Instant::now();
    while tokio::net::TcpStream::connect(served.host_port()).await.is_ok() {
        assert!(started.elapsed() < HANG, "still accepting connections after SIGTERM");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_the_request_in_flight_closes_subscriptions_and_exits() {
    let database = FreshDatabase::create(Backend::Sqlite).await.unwrap();
    let (db, target, token) = prepare(&database.url).await;
    let mut served = Served::start(&database.url, &["--shutdown-grace", "10s"]);

    let mut subscriber = Client::connect(&format!("ws://{}/graphql/ws", served.host_port())).await;
    subscriber.init(json!({})).await;
    subscriber
        .send(json!({ "type": "subscribe", "id": "1", "payload": { "query": SUBSCRIBE } }))
        .await;

    let lock = hold_write_lock(&db).await;
    let before = metric(&served, "hubgraph_sql_statements_total").await;
    let request = update_hub(&served, &token, &target);
    wait_until_in_flight(&served, before).await;

    served.terminate();
    wait_until_refused(&served).await;
    assert!(!request.is_finished(), "the write is still waiting for the lock");
    assert_eq!(subscriber.closed().await, (1001, "Server shutting down".into()));

    // Only now may the write go ahead: it was in flight all through the shutdown.
    lock.rollback().await.unwrap();
    let body = tokio::time::timeout(HANG, request)
        .await
        .expect("the request in flight is answered")
        .unwrap()
        .expect("a whole response");
    let payload = &body["data"]["updateHubStatus"];
    assert_eq!(payload["userErrors"], json!([]), "{body:#}");
    assert_eq!(payload["hub"]["version"], target.version + 1, "{body:#}");

    let status = served.exits_within(HANG);
    assert!(status.success(), "exit status {status}");
    let stored = hub::Entity::find_by_id(target.id.clone())
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.version, target.version + 1, "the answered write is stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_outlasting_the_grace_period_does_not_hold_up_the_exit() {
    let database = FreshDatabase::create(Backend::Sqlite).await.unwrap();
    let (db, target, token) = prepare(&database.url).await;
    let mut served = Served::start(&database.url, &["--shutdown-grace", "1s"]);

    let lock = hold_write_lock(&db).await;
    let before = metric(&served, "hubgraph_sql_statements_total").await;
    let request = update_hub(&served, &token, &target);
    wait_until_in_flight(&served, before).await;
    served.terminate();
    // The lock is still held, so the write cannot have finished: the
    // process left without waiting for it.
    served.exits_within(HANG);
    assert!(
        tokio::time::timeout(HANG, request).await.unwrap().unwrap().is_err(),
        "no answer from a server that is gone"
    );
    lock.rollback().await.unwrap();
    let stored = hub::Entity::find_by_id(target.id.clone())
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.version, target.version, "the cut-off write left nothing");
}
