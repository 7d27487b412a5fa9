//! `Subscription.hubStatusChanged` over `graphql-transport-ws` with a real
//! WebSocket client: filters, committed writes only, guarded fields, expiry,
//! and (on PostgreSQL) an update on one instance reaching a subscriber on
//! another.
//!
//! "Nothing arrives for X" is shown without timing: X happens first, then a
//! marker write that must arrive; the first message received must be the
//! marker's.

use chrono::{Duration, Utc};
use entity::hub;
use hubgraph::graphql::ids::{self, Kind};
use hubgraph::partners::PartnerKind;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, demo_library, hub_in, spawn_app, spawn_app_configured};
use crate::on_both;
use crate::ws_client::{Client, app_url};

const EDINBURGH: &str = "S12000036";
const GLASGOW: &str = "S12000049";

const UPDATE: &str = "mutation($input: UpdateHubStatusInput!) { updateHubStatus(input: $input) {
    hub { version } userErrors { code } } }";

fn global(hub: &hub::Model) -> String {
    ids::encode(Kind::Hub, &hub.id).0
}

async fn library_token(app: &TestApp, area: &str) -> String {
    let partner = app
        .add_partner(PartnerKind::Library, "Library", Some(&demo_library(area)), &[])
        .await;
    app.issue_token(&partner, &[]).await.token
}

/// Sets a hub's status through HTTP; returns the response's data.
async fn set_status(app: &TestApp, token: &str, input: Value) -> Value {
    let response: Value = app
        .graphql_as(token, UPDATE, json!({ "input": input }))
        .await
        .json()
        .await
        .unwrap();
    response
}

/// A subscriber with `payload` in `connection_init`, subscribed as "live".
async fn subscriber(app: &TestApp, init: Value, query: &str, variables: Value) -> Client {
    let mut client = Client::connect(&app_url(app)).await;
    client.init(init).await;
    client
        .send(json!({ "type": "subscribe", "id": "live", "payload": { "query": query, "variables": variables } }))
        .await;
    // The subscription is registered once the server has read the message;
    // a ping round trip proves it has.
    client.send(json!({ "type": "ping" })).await;
    assert_eq!(client.recv().await["type"], "pong");
    client
}

/// The next `next` message's payload.
async fn next(client: &mut Client) -> Value {
    let message = client.recv().await;
    assert_eq!(message["type"], "next", "{message:#}");
    assert_eq!(message["id"], "live");
    message["payload"].clone()
}

const LIVE: &str = "subscription($areas: [String!], $hubs: [ID!]) {
    hubStatusChanged(areaCodes: $areas, hubIds: $hubs) { status reason version occupancy hub { id areaCode status version } } }";

on_both! {
    async fn subscribers_get_committed_changes_of_their_areas_only(app) {
        let edinburgh = hub_in(&app, EDINBURGH).await;
        let glasgow = hub_in(&app, GLASGOW).await;
        let mut client = subscriber(&app, json!({}), LIVE, json!({ "areas": [EDINBURGH] })).await;
        let edinburgh_token = library_token(&app, EDINBURGH).await;
        let glasgow_token = library_token(&app, GLASGOW).await;

        // Not for this subscriber: another area; a refused write; a stale version.
        let other = set_status(&app, &glasgow_token, json!({ "hubId": global(&glasgow), "status": "CLOSED" })).await;
        assert!(other["errors"].is_null(), "{other:#}");
        let refused = set_status(&app, &edinburgh_token, json!({ "hubId": global(&edinburgh), "status": "OPEN", "capacity": -1 })).await;
        assert_eq!(refused["data"]["updateHubStatus"]["userErrors"][0]["code"], "INVALID");
        let stale = set_status(&app, &edinburgh_token, json!({ "hubId": global(&edinburgh), "status": "OPEN", "expectedVersion": 0 })).await;
        assert_eq!(stale["errors"][0]["extensions"]["code"], "CONFLICT");

        // The marker: a committed change in Edinburgh.
        let done = set_status(&app, &edinburgh_token, json!({ "hubId": global(&edinburgh), "status": "LIMITED", "capacity": 50, "occupancy": 7 })).await;
        let version = done["data"]["updateHubStatus"]["hub"]["version"].clone();
        let payload = next(&mut client).await;
        let event = &payload["data"]["hubStatusChanged"];
        assert_eq!(event["status"], "LIMITED", "{payload:#}");
        assert_eq!(event["reason"], "UPDATED");
        assert_eq!(event["occupancy"], 7);
        assert_eq!(event["version"], version);
        assert_eq!(event["hub"]["id"], global(&edinburgh));
        assert_eq!(event["hub"]["version"], version, "the hub as it is now, not as first loaded");

        // A second change shows the hub's new state too.
        let again = set_status(&app, &edinburgh_token, json!({ "hubId": global(&edinburgh), "status": "OPEN" })).await;
        let payload = next(&mut client).await;
        assert_eq!(payload["data"]["hubStatusChanged"]["hub"]["status"], "OPEN");
        assert_eq!(payload["data"]["hubStatusChanged"]["hub"]["version"], again["data"]["updateHubStatus"]["hub"]["version"]);
    }
}

on_both! {
    async fn a_hub_filter_and_the_expiry_sweep_reach_subscribers(app) {
        let target = hub_in(&app, GLASGOW).await;
        let neighbour = hub::Entity::find()
            .filter(hub::Column::AreaCode.eq(GLASGOW))
            .filter(hub::Column::Id.ne(target.id.clone()))
            .one(&app.state.db)
            .await
            .unwrap()
            .expect("two Glasgow hubs");
        let mut client = subscriber(&app, json!({}), LIVE, json!({ "hubs": [global(&target)] })).await;
        let token = library_token(&app, GLASGOW).await;
        set_status(&app, &token, json!({ "hubId": global(&neighbour), "status": "CLOSED" })).await;
        let until = Utc::now() + Duration::minutes(5);
        set_status(&app, &token, json!({ "hubId": global(&target), "status": "CLOSED", "validUntil": until.to_rfc3339() })).await;
        let payload = next(&mut client).await;
        assert_eq!(payload["data"]["hubStatusChanged"]["hub"]["id"], global(&target), "{payload:#}");
        assert_eq!(payload["data"]["hubStatusChanged"]["reason"], "UPDATED");

        hubgraph::hubs::expiry::expire_due(&app.state.db, &app.state.events, until + Duration::minutes(1))
            .await
            .unwrap();
        let payload = next(&mut client).await;
        assert_eq!(payload["data"]["hubStatusChanged"]["reason"], "EXPIRED", "{payload:#}");
    }
}

on_both! {
    async fn history_in_a_live_event_follows_the_access_rules(app) {
        let target = hub_in(&app, EDINBURGH).await;
        let query = "subscription($hubs: [ID!]) { hubStatusChanged(hubIds: $hubs) {
            status hub { id history(first: 1) { totalCount } } } }";
        let vars = json!({ "hubs": [global(&target)] });
        let hscp = app.add_partner(PartnerKind::Hscp, "HSCP", None, &[EDINBURGH]).await;
        let hscp_token = app.issue_token(&hscp, &["reports:read"]).await.token;
        let mut anonymous = subscriber(&app, json!({}), query, vars.clone()).await;
        let mut area_hscp = subscriber(&app, json!({ "authorization": format!("Bearer {hscp_token}") }), query, vars).await;

        let token = library_token(&app, EDINBURGH).await;
        set_status(&app, &token, json!({ "hubId": global(&target), "status": "LIMITED" })).await;

        let public = next(&mut anonymous).await;
        assert_eq!(public["data"]["hubStatusChanged"]["status"], "LIMITED");
        assert!(public["data"]["hubStatusChanged"]["hub"]["history"].is_null(), "{public:#}");
        assert_eq!(public["errors"][0]["extensions"]["code"], "FORBIDDEN");

        let full = next(&mut area_hscp).await;
        assert!(full["errors"].is_null(), "{full:#}");
        assert!(full["data"]["hubStatusChanged"]["hub"]["history"]["totalCount"].as_i64().unwrap() > 1);
    }
}

/// Two hubgraph instances on one PostgreSQL database: an update made on A
/// reaches a subscriber on B through LISTEN/NOTIFY.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_on_one_instance_reaches_a_subscriber_on_another() {
    let Some(a) = spawn_app(Backend::Postgres).await else {
        return;
    };
    let url = a.state.config.database_url.clone();
    let b = spawn_app_configured(Backend::Postgres, false, move |config| config.database_url = url)
        .await
        .expect("second instance");
    let target = hub_in(&a, EDINBURGH).await;
    let mut on_b = subscriber(&b, json!({}), LIVE, json!({ "hubs": [global(&target)] })).await;
    let token = library_token(&a, EDINBURGH).await;
    let done = set_status(&a, &token, json!({ "hubId": global(&target), "status": "CLOSED" })).await;
    assert!(done["errors"].is_null(), "{done:#}");
    let payload = next(&mut on_b).await;
    assert_eq!(payload["data"]["hubStatusChanged"]["status"], "CLOSED", "{payload:#}");
    assert_eq!(payload["data"]["hubStatusChanged"]["hub"]["id"], global(&target));
}

/// The server's own sweeper reverts an expired status and announces it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_background_sweeper_reverts_expired_statuses() {
    let app = spawn_app_configured(Backend::Sqlite, true, |config| {
        config.hub_expiry_interval = Some(std::time::Duration::from_millis(200));
    })
    .await
    .expect("sqlite app");
    let target = hub_in(&app, GLASGOW).await;
    let mut client = subscriber(&app, json!({}), LIVE, json!({ "hubs": [global(&target)] })).await;
    let token = library_token(&app, GLASGOW).await;
    let until = Utc::now() + Duration::seconds(1);
    let done = set_status(
        &app,
        &token,
        json!({ "hubId": global(&target), "status": "CLOSED", "validUntil": until.to_rfc3339() }),
    )
    .await;
    assert!(done["errors"].is_null(), "{done:#}");
    assert_eq!(next(&mut client).await["data"]["hubStatusChanged"]["reason"], "UPDATED");
    // Within a few sweeps after `until`, without anyone asking.
    let payload = next(&mut client).await;
    assert_eq!(payload["data"]["hubStatusChanged"]["reason"], "EXPIRED", "{payload:#}");
    let now = hub::Entity::find_by_id(target.id.clone())
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(now.valid_until, None);
}

/// Opening and dropping hundreds of live dashboards leaves nothing behind:
/// connections, operations, bus subscribers and tasks go back to their
/// baseline after every round. These are counts that do not vary; memory is
/// not measured here, since the test process's RSS moves with whatever other
/// tests run beside it (`bench/soak.sh` watches the server's RSS instead).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_subscribers_leave_nothing_behind() {
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite app");
    let tasks = || tokio::runtime::Handle::current().metrics().num_alive_tasks();
    let settled = |what: &'static str, check: Box<dyn Fn() -> bool>| async move {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
        while !check() {
            assert!(tokio::time::Instant::now() < deadline, "never settled: {what}");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    };
    let baseline_tasks = tasks();
    for _round in 0..4 {
        let mut clients = Vec::with_capacity(500);
        for _ in 0..500 {
            let mut client = Client::connect(&app_url(&app)).await;
            client.init(json!({})).await;
            client
                .subscribe("live", "subscription { hubStatusChanged { status } }")
                .await;
            clients.push(client);
        }
        let events = app.state.events.clone();
        settled(
            "500 bus subscribers",
            Box::new(move || events.subscriber_count() >= 500),
        )
        .await;
        // Half close politely, half vanish.
        for (n, mut client) in clients.into_iter().enumerate() {
            if n % 2 == 0 {
                let _ = futures_util::SinkExt::close(&mut client.socket).await;
            }
        }
        let gauges = app.state.ws.clone();
        settled(
            "connections closed",
            Box::new(move || gauges.connections() == 0 && gauges.operations() == 0),
        )
        .await;
        let events = app.state.events.clone();
        settled(
            "bus subscribers released",
            Box::new(move || events.subscriber_count() == 0),
        )
        .await;
        settled(
            "tasks back to the baseline",
            Box::new(move || tasks() <= baseline_tasks + 2),
        )
        .await;
    }
}

/// One hub change costs the same SQL whether one dashboard or many follow
/// it: the event and its hub are read once per instance and shared.
async fn statements_for_one_change(subscribers: usize) -> u64 {
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite app");
    let target = hub_in(&app, EDINBURGH).await;
    let query =
        "subscription($hubs: [ID!]) { hubStatusChanged(hubIds: $hubs) { status reason hub { id status version } } }";
    let mut clients = Vec::new();
    for _ in 0..subscribers {
        clients.push(subscriber(&app, json!({}), query, json!({ "hubs": [global(&target)] })).await);
    }
    let token = library_token(&app, EDINBURGH).await;
    let change = |status: &str| json!({ "hubId": global(&target), "status": status });
    // A first change warms up whatever a subscription loads once.
    set_status(&app, &token, change("LIMITED")).await;
    for client in &mut clients {
        next(client).await;
    }
    let before = app.statements();
    set_status(&app, &token, change("CLOSED")).await;
    for client in &mut clients {
        assert_eq!(next(client).await["data"]["hubStatusChanged"]["status"], "CLOSED");
    }
    app.statements() - before
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_is_read_once_however_many_subscribe() {
    let one = statements_for_one_change(1).await;
    let many = statements_for_one_change(6).await;
    assert_eq!(one, many, "statements grow with the subscribers");
}
