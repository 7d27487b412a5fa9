//! "Open now": only a running service is ever open, and a service delivered
//! only at hubs that are closed is not open while they are. The same rule
//! answers `isOpen`, the `openAt` filter and the radius search behind the
//! service finder; the demo set agrees with itself.

use std::collections::HashSet;

use chrono::{Duration, Utc};
use entity::{hub, service, service_at_location};
use hubgraph::graphql::ids::{self, Kind};
use hubgraph::seed::demo::{REFURBISHMENT_ALERT, demo_id};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::{TestApp, demo_library, demo_library_token};
use crate::on_both;

const EDINBURGH: &str = "S12000036";

const IS_OPEN: &str = "query($id: ID!, $at: DateTime) { service(id: $id) { status isOpen(at: $at) } }";
const OPEN_NEAR: &str = "query($filter: ServiceFilter!, $after: String) {
    services(filter: $filter, orderBy: DISTANCE, first: 100, after: $after) {
      pageInfo { hasNextPage endCursor } edges { node { id name status isOpen(at: null) } } } }";
const UPDATE_HUB: &str = "mutation($input: UpdateHubStatusInput!) { updateHubStatus(input: $input) {
    hub { status occupancy } userErrors { field code message } } }";
const CREATE_SERVICE: &str = "mutation($input: CreateServiceInput!) { createService(input: $input) {
    service { id } userErrors { field code message } } }";

fn gid(kind: Kind, raw: &str) -> String {
    ids::encode(kind, raw).0
}

async fn service_named(app: &TestApp, name: &str) -> service::Model {
    service::Entity::find()
        .filter(service::Column::Name.eq(name))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("the demo set has {name}"))
}

async fn is_open(app: &TestApp, id: &str, at: &str) -> Value {
    let data = app
        .data(IS_OPEN, json!({ "id": gid(Kind::Service, id), "at": at }))
        .await;
    data["service"]["isOpen"].clone()
}

/// Every service `openAt` finds within 5 km of EH6 4AE at `at`, by id.
async fn open_near_leith(app: &TestApp, at: &str) -> HashSet<String> {
    let mut found = HashSet::new();
    let mut after = Value::Null;
    loop {
        let filter = json!({ "near": { "latitude": 55.9761, "longitude": -3.1694 }, "radiusKm": 5.0, "openAt": at });
        let data = app.data(OPEN_NEAR, json!({ "filter": filter, "after": after })).await;
        let page = &data["services"];
        for edge in page["edges"].as_array().unwrap() {
            found.insert(edge["node"]["id"].as_str().unwrap().to_owned());
        }
        if page["pageInfo"]["hasNextPage"] != true {
            return found;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
}

/// A weekday morning, 11:00 in Edinburgh, in the coming week.
fn weekday_morning() -> String {
    let mut day = Utc::now().date_naive() + Duration::days(1);
    while matches!(
        chrono::Datelike::weekday(&day),
        chrono::Weekday::Sat | chrono::Weekday::Sun
    ) {
        day += Duration::days(1);
    }
    format!("{day}T11:00:00Z")
}

async fn call(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    let body: Value = app.graphql_as(token, query, variables).await.json().await.unwrap();
    assert!(body["errors"].is_null(), "{body:#}");
    body["data"].clone()
}

/// A service of the Edinburgh libraries open every hour of every day, at `places`.
async fn open_all_week(app: &TestApp, token: &str, name: &str, places: &[&str]) -> String {
    let input = json!({
        "organizationId": gid(Kind::Organization, &demo_library(EDINBURGH)),
        "name": name,
        "locationIds": places.iter().map(|p| gid(Kind::Location, p)).collect::<Vec<_>>(),
        "schedules": [{ "freq": "WEEKLY", "byDay": ["MO", "TU", "WE", "TH", "FR", "SA", "SU"] }],
    });
    let data = call(app, token, CREATE_SERVICE, json!({ "input": input })).await;
    assert_eq!(data["createService"]["userErrors"], json!([]), "{data:#}");
    let id = data["createService"]["service"]["id"].as_str().unwrap();
    ids::decode(&async_graphql::ID(id.to_owned()), Kind::Service, &[]).unwrap()
}

on_both! {
    /// The partner's report: Portobello's warm space is paused, so it is
    /// never "open now", whatever its hours say, and `openAt` leaves it out.
    async fn a_paused_service_is_never_open(app) {
        let warm = service_named(&app, "Warm Space at Portobello Library").await;
        assert_eq!(warm.status, "temporarily closed");
        let at = weekday_morning();
        for instant in [at.as_str(), "2026-11-24T11:00:00Z", "2026-11-29T23:30:00Z"] {
            assert_eq!(is_open(&app, &warm.id, instant).await, json!(false), "at {instant}");
        }
        let data = app.data(IS_OPEN, json!({ "id": gid(Kind::Service, &warm.id), "at": null })).await;
        assert_eq!(data["service"], json!({ "status": "TEMPORARILY_CLOSED", "isOpen": false }));

        let open = open_near_leith(&app, &at).await;
        assert!(!open.is_empty(), "some services near Leith are open on a weekday morning");
        assert!(!open.contains(&gid(Kind::Service, &warm.id)), "openAt leaves the paused warm space out");
        // Whatever `openAt` finds answers `isOpen: true` at that instant, and is active.
        for id in open.iter().take(20) {
            let data = app.data(IS_OPEN, json!({ "id": id, "at": at })).await;
            assert_eq!(data["service"], json!({ "status": "ACTIVE", "isOpen": true }), "{id}");
        }
        // Asking for paused services and open ones at once finds none.
        let data = app
            .data(
                "query($f: ServiceFilter!) { services(filter: $f) { totalCount } }",
                json!({ "f": { "status": ["TEMPORARILY_CLOSED"], "openAt": at } }),
            )
            .await;
        assert_eq!(data["services"]["totalCount"], 0);
    }
}

on_both! {
    /// A service delivered only at a hub is not open while the hub is
    /// closed; at its `validUntil` the hours decide again. A second place
    /// that is open keeps a service open.
    async fn a_closed_hub_closes_the_services_only_there(app) {
        let token = demo_library_token(&app, EDINBURGH, &["services:write", "hubs:write"]).await;
        let elsewhere = demo_id("location", "S12000036/leith-library");
        let hub = hub::Entity::find()
            .filter(hub::Column::AreaCode.eq(EDINBURGH))
            .filter(hub::Column::Status.ne("closed"))
            .filter(hub::Column::LocationId.ne(elsewhere.clone()))
            .one(&app.state.db)
            .await
            .unwrap()
            .expect("an Edinburgh hub that is not closed");
        let only_there = open_all_week(&app, &token, "Drop-in at the hub", &[&hub.location_id]).await;
        let also_elsewhere = open_all_week(&app, &token, "Drop-in in two places", &[&hub.location_id, &elsewhere]).await;
        let now = Utc::now();
        let soon = (now + Duration::minutes(1)).to_rfc3339();
        let later = (now + Duration::days(2)).to_rfc3339();
        for id in [&only_there, &also_elsewhere] {
            assert_eq!(is_open(&app, id, &soon).await, json!(true));
        }

        let until = (now + Duration::days(1)).to_rfc3339();
        let input = json!({ "hubId": gid(Kind::Hub, &hub.id), "status": "CLOSED", "validUntil": until });
        let data = call(&app, &token, UPDATE_HUB, json!({ "input": input })).await;
        assert_eq!(data["updateHubStatus"]["hub"]["status"], "CLOSED", "{data:#}");

        assert_eq!(is_open(&app, &only_there, &soon).await, json!(false), "closed with its hub");
        assert_eq!(is_open(&app, &also_elsewhere, &soon).await, json!(true), "open at its other place");
        assert_eq!(is_open(&app, &only_there, &later).await, json!(true), "past validUntil the hours decide");

        let data = app
            .data(
                "query($f: ServiceFilter!) { services(filter: $f, first: 100) { nodes { id } } }",
                json!({ "f": { "organizationId": gid(Kind::Organization, &demo_library(EDINBURGH)), "openAt": soon } }),
            )
            .await;
        let found: HashSet<&str> = data["services"]["nodes"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap()).collect();
        assert!(!found.contains(gid(Kind::Service, &only_there).as_str()), "openAt leaves it out");
        assert!(found.contains(gid(Kind::Service, &also_elsewhere).as_str()));

        // Reopened: open again.
        let input = json!({ "hubId": gid(Kind::Hub, &hub.id), "status": "OPEN" });
        call(&app, &token, UPDATE_HUB, json!({ "input": input })).await;
        assert_eq!(is_open(&app, &only_there, &soon).await, json!(true));
    }
}

on_both! {
    /// The demo agrees with itself: a hub whose services are paused for
    /// refurbishment is closed (Kilwinning's among them), and no paused
    /// service stands in an open hub saying so.
    async fn the_demo_closes_hubs_being_refurbished(app) {
        let paused: Vec<service::Model> = service::Entity::find()
            .filter(service::Column::Alert.eq(REFURBISHMENT_ALERT))
            .all(&app.state.db)
            .await
            .unwrap();
        assert!(!paused.is_empty());
        let places: Vec<String> = service_at_location::Entity::find()
            .filter(service_at_location::Column::ServiceId.is_in(paused.iter().map(|s| s.id.clone())))
            .all(&app.state.db)
            .await
            .unwrap()
            .into_iter()
            .map(|link| link.location_id)
            .collect();
        let hubs = hub::Entity::find()
            .filter(hub::Column::LocationId.is_in(places))
            .all(&app.state.db)
            .await
            .unwrap();
        assert!(hubs.iter().any(|h| h.name.starts_with("Kilwinning")), "Kilwinning's hub is among them");
        for hub in &hubs {
            assert_eq!(hub.status, "closed", "{} is being refurbished", hub.name);
            assert_eq!(hub.occupancy, None, "{}", hub.name);
            assert!(hub.note.as_deref().is_some_and(|n| n.contains("refurbished")), "{}", hub.name);
        }
        assert!(paused.iter().all(|s| s.status == "temporarily closed"));
    }
}
