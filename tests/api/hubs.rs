//! Hubs: the demo set, finding and summing up hubs, creating them, changing
//! their status, who may read their history, and expiry of manual statuses.

use std::collections::HashSet;

use chrono::{Duration, Utc};
use entity::{audit, hub, hub_status_event, location};
use hubgraph::graphql::ids::{self, Kind};
use hubgraph::partners::PartnerKind;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::helpers::{TestApp, demo_library, error_code, hub_in};
use crate::on_both;

const EDINBURGH: &str = "S12000036";
const GLASGOW: &str = "S12000049";

const UPDATE: &str = "mutation($input: UpdateHubStatusInput!) { updateHubStatus(input: $input) {
    hub { id status capacity occupancy note validUntil version facilities { code } }
    userErrors { field message code } } }";
const CREATE: &str = "mutation($input: CreateHubInput!) { createHub(input: $input) {
    hub { id name kinds status capacity version areaCode facilities { code } location { id } }
    userErrors { field message code } } }";
const HISTORY: &str = "query($id: ID!) { hub(id: $id) { id history(first: 5) {
    totalCount edges { cursor node { status reason version at } } pageInfo { hasNextPage endCursor } } } }";

async fn reload(app: &TestApp, id: &str) -> hub::Model {
    hub::Entity::find_by_id(id).one(&app.state.db).await.unwrap().unwrap()
}

async fn events_of(app: &TestApp, id: &str) -> Vec<hub_status_event::Model> {
    hub_status_event::Entity::find()
        .filter(hub_status_event::Column::HubId.eq(id))
        .order_by_asc(hub_status_event::Column::Version)
        .all(&app.state.db)
        .await
        .unwrap()
}

fn hub_id(raw: &str) -> String {
    ids::encode(Kind::Hub, raw).0
}

fn facility(code: &str) -> String {
    ids::encode(
        Kind::TaxonomyTerm,
        &hubgraph::seed::demo::demo_id("taxonomy_term", &format!("hub-facility/{code}")),
    )
    .0
}

/// A token for a new partner; HSCPs cover `areas`.
async fn token(
    app: &TestApp,
    kind: PartnerKind,
    organization: Option<&str>,
    areas: &[&str],
    scopes: &[&str],
) -> String {
    let partner = app.add_partner(kind, "Hub partner", organization, areas).await;
    app.issue_token(&partner, scopes).await.token
}

async fn call(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    let response = app.graphql_as(token, query, variables).await;
    assert!(response.status().as_u16() < 500, "no 5xx: {}", response.status());
    response.json().await.unwrap()
}

on_both! {
    async fn demo_hubs_are_found_by_area_status_kind_facility_and_distance(app) {
        let all = app
            .data("{ hubs(first: 100) { totalCount nodes { id areaCode status kinds } } }", json!({}))
            .await;
        let total = all["hubs"]["totalCount"].as_i64().unwrap();
        assert!(total >= 40, "{total} demo hubs");
        let areas: HashSet<&str> = all["hubs"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["areaCode"].as_str().unwrap())
            .collect();
        assert!(areas.len() >= 20, "hubs across {} areas", areas.len());

        let edinburgh = app
            .data(
                "query($f: HubFilter) { hubs(filter: $f, first: 100) { totalCount nodes { areaCode } } }",
                json!({ "f": { "areaCodes": [EDINBURGH] } }),
            )
            .await;
        let nodes = edinburgh["hubs"]["nodes"].as_array().unwrap();
        assert!(!nodes.is_empty());
        assert!(nodes.iter().all(|n| n["areaCode"] == EDINBURGH));

        let open = app
            .data(
                "query($f: HubFilter) { hubs(filter: $f, first: 100) { nodes { status } } }",
                json!({ "f": { "status": ["LIMITED", "CLOSED"] } }),
            )
            .await;
        assert!(open["hubs"]["nodes"].as_array().unwrap().iter().all(|n| n["status"] != "OPEN"));

        let warm = app
            .data(
                "query($f: HubFilter) { hubs(filter: $f, first: 100) { totalCount nodes { kinds facilities { code } } } }",
                json!({ "f": { "kinds": ["WARM_SPACE"], "facilityTermIds": [facility("warm-space"), facility("wifi")] } }),
            )
            .await;
        let nodes = warm["hubs"]["nodes"].as_array().unwrap();
        assert!(!nodes.is_empty(), "some warm spaces have wifi");
        for node in nodes {
            assert!(node["kinds"].as_array().unwrap().contains(&json!("WARM_SPACE")));
            let codes: Vec<&str> = node["facilities"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
            assert!(codes.contains(&"warm-space") && codes.contains(&"wifi"), "{codes:?}");
        }

        // Nearest first around a Glasgow postcode, within the radius.
        let near = app
            .data(
                "query($f: HubFilter) { hubs(filter: $f, first: 50) { edges { distanceKm node { areaCode } } } }",
                json!({ "f": { "near": { "postcode": "G3 7DN" }, "radiusKm": 30 } }),
            )
            .await;
        let distances: Vec<f64> = near["hubs"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["distanceKm"].as_f64().unwrap())
            .collect();
        assert!(!distances.is_empty(), "hubs near Glasgow");
        assert!(distances.windows(2).all(|w| w[0] <= w[1]), "{distances:?}");
        assert!(distances.iter().all(|d| *d <= 30.0));

        let bad = app
            .graphql(
                "query($f: HubFilter) { hubs(filter: $f) { totalCount } }",
                json!({ "f": { "radiusKm": 5 } }),
            )
            .await;
        assert_eq!(error_code(&bad), "BAD_USER_INPUT");
    }
}

on_both! {
    async fn paging_through_hubs_returns_each_once(app) {
        let mut seen = HashSet::new();
        let mut after: Option<String> = None;
        let total = loop {
            let page = app
                .data(
                    "query($after: String) { hubs(first: 7, after: $after) { totalCount
                        edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }",
                    json!({ "after": after }),
                )
                .await;
            let total = page["hubs"]["totalCount"].as_u64().unwrap();
            for edge in page["hubs"]["edges"].as_array().unwrap() {
                assert!(seen.insert(edge["node"]["id"].as_str().unwrap().to_owned()), "duplicate");
            }
            if !page["hubs"]["pageInfo"]["hasNextPage"].as_bool().unwrap() {
                break total;
            }
            after = page["hubs"]["pageInfo"]["endCursor"].as_str().map(str::to_owned);
        };
        assert_eq!(seen.len() as u64, total);
    }
}

on_both! {
    /// Pages of a distance search continue in distance order, each hub once.
    async fn paging_near_a_point_keeps_distance_order(app) {
        let query = "query($f: HubFilter, $after: String) { hubs(filter: $f, first: 4, after: $after) {
            totalCount edges { distanceKm node { id } } pageInfo { hasNextPage endCursor } } }";
        let filter = json!({ "near": { "postcode": "EH6 4AE" }, "radiusKm": 80 });
        let mut seen = HashSet::new();
        let mut distances = Vec::new();
        let mut after: Option<String> = None;
        let total = loop {
            let page = app.data(query, json!({ "f": filter, "after": after })).await;
            for edge in page["hubs"]["edges"].as_array().unwrap() {
                assert!(seen.insert(edge["node"]["id"].as_str().unwrap().to_owned()), "duplicate");
                distances.push(edge["distanceKm"].as_f64().unwrap());
            }
            if !page["hubs"]["pageInfo"]["hasNextPage"].as_bool().unwrap() {
                break page["hubs"]["totalCount"].as_u64().unwrap();
            }
            after = page["hubs"]["pageInfo"]["endCursor"].as_str().map(str::to_owned);
        };
        assert!(total > 4, "more than one page near Edinburgh: {total}");
        assert_eq!(seen.len() as u64, total);
        assert!(distances.windows(2).all(|w| w[0] <= w[1]), "{distances:?}");
    }
}

on_both! {
    /// A page reads each hub's location, organisation and service count
    /// along with its rows; they agree with the hub read on its own.
    async fn a_page_of_hubs_brings_the_same_relations_as_each_hub(app) {
        let fields = "id serviceCount location { id name } organization { id name }";
        let page = app
            .data(&format!("{{ hubs(first: 30) {{ nodes {{ {fields} }} }} }}"), json!({}))
            .await;
        let nodes = page["hubs"]["nodes"].as_array().unwrap();
        assert!(!nodes.is_empty());
        assert!(nodes.iter().any(|n| n["serviceCount"].as_i64().unwrap() > 0), "{page}");
        for node in nodes {
            let alone = app
                .data(&format!("query($id: ID!) {{ hub(id: $id) {{ {fields} }} }}"), json!({ "id": node["id"] }))
                .await;
            assert_eq!(&alone["hub"], node);
        }
    }
}

on_both! {
    async fn the_summary_counts_agree_with_the_hubs(app) {
        let summary = app
            .data(
                "query($areas: [String!]) { hubSummary(areaCodes: $areas) { total
                    byStatus { status count } byArea { areaCode total open limited closed }
                    byFacility { term { code } count } } }",
                json!({ "areas": [EDINBURGH, GLASGOW, "S12000013"] }),
            )
            .await;
        let s = &summary["hubSummary"];
        let listed = app
            .data(
                "query($f: HubFilter) { hubs(filter: $f, first: 100) { totalCount nodes { status } } }",
                json!({ "f": { "areaCodes": [EDINBURGH, GLASGOW, "S12000013"] } }),
            )
            .await;
        assert_eq!(s["total"], listed["hubs"]["totalCount"]);
        let by_status: i64 = s["byStatus"].as_array().unwrap().iter().map(|c| c["count"].as_i64().unwrap()).sum();
        assert_eq!(by_status, s["total"].as_i64().unwrap());
        assert_eq!(s["byStatus"].as_array().unwrap().len(), 3, "every status listed");
        let open = listed["hubs"]["nodes"].as_array().unwrap().iter().filter(|n| n["status"] == "OPEN").count() as i64;
        let summed_open: i64 = s["byArea"].as_array().unwrap().iter().map(|a| a["open"].as_i64().unwrap()).sum();
        assert_eq!(open, summed_open);
        for area in s["byArea"].as_array().unwrap() {
            let parts = ["open", "limited", "closed"].iter().map(|k| area[k].as_i64().unwrap()).sum::<i64>();
            assert_eq!(parts, area["total"].as_i64().unwrap());
        }
        let codes: Vec<&str> = s["byArea"].as_array().unwrap().iter().map(|a| a["areaCode"].as_str().unwrap()).collect();
        assert_eq!(codes.len(), 3, "areas asked for are listed, with zeros if need be: {codes:?}");
        assert!(!s["byFacility"].as_array().unwrap().is_empty());
    }
}

on_both! {
    async fn a_library_creates_a_hub_at_its_own_location_only(app) {
        // A demo library location without a hub yet (one in five has none).
        let hubs: HashSet<String> = hub::Entity::find().all(&app.state.db).await.unwrap().into_iter().map(|h| h.location_id).collect();
        let free = location::Entity::find()
            .order_by_asc(location::Column::Id)
            .all(&app.state.db)
            .await
            .unwrap()
            .into_iter()
            .find(|l| {
                let area = l.area_code.clone().unwrap_or_default();
                l.organization_id.as_deref() == Some(demo_library(&area).as_str()) && !hubs.contains(&l.id)
            })
            .expect("a library without a hub");
        let area = free.area_code.clone().unwrap();
        let library = demo_library(&area);
        let elsewhere = if area == GLASGOW { EDINBURGH } else { GLASGOW };
        let input = json!({ "input": {
            "locationId": ids::encode(Kind::Location, &free.id).0,
            "name": "Test Community Hub",
            "kinds": ["COMMUNITY_HUB", "WARM_SPACE"],
            "capacity": 30,
            "facilityTermIds": [facility("wifi"), facility("hot-drinks")],
        } });

        let anonymous = app.graphql(CREATE, input.clone()).await;
        assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
        let other = token(&app, PartnerKind::Library, Some(&demo_library(elsewhere)), &[], &[]).await;
        let refused = call(&app, &other, CREATE, input.clone()).await;
        assert_eq!(error_code(&refused), "FORBIDDEN", "another library's location");
        let services_only = token(&app, PartnerKind::Library, Some(&library), &[], &["services:write"]).await;
        let refused = call(&app, &services_only, CREATE, input.clone()).await;
        assert_eq!(error_code(&refused), "FORBIDDEN", "no hubs:write scope");

        let own = token(&app, PartnerKind::Library, Some(&library), &[], &[]).await;
        let created = call(&app, &own, CREATE, input.clone()).await;
        let hub = &created["data"]["createHub"]["hub"];
        assert_eq!(created["data"]["createHub"]["userErrors"], json!([]), "{created:#}");
        assert_eq!(hub["version"], 1);
        assert_eq!(hub["areaCode"], area.as_str());
        assert_eq!(hub["kinds"], json!(["COMMUNITY_HUB", "WARM_SPACE"]));
        assert_eq!(hub["facilities"].as_array().unwrap().len(), 2);
        let (_, raw) = ids::decode_any(hub["id"].as_str().unwrap()).unwrap();
        let events = events_of(&app, &raw).await;
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].reason, "created");
        let audits = audit::Entity::find()
            .filter(audit::Column::EntityId.eq(raw.clone()))
            .count(&app.state.db)
            .await
            .unwrap();
        assert_eq!(audits, 1);

        // The location now shows its hub.
        let shown = app
            .data("query($id: ID!) { node(id: $id) { ... on Location { hub { id } } } }", json!({ "id": input["input"]["locationId"] }))
            .await;
        assert_eq!(shown["node"]["hub"]["id"], hub["id"]);

        // One hub per location; wrong taxonomy; unknown location.
        let again = call(&app, &own, CREATE, input.clone()).await;
        assert_eq!(again["data"]["createHub"]["userErrors"][0]["field"], json!(["input", "locationId"]));
        let mut wrong = input.clone();
        wrong["input"]["locationId"] = json!(ids::encode(Kind::Location, &free.id).0);
        wrong["input"]["facilityTermIds"] = json!([ids::encode(
            Kind::TaxonomyTerm,
            &hubgraph::seed::demo::demo_id("taxonomy_term", "service-category/food")
        ).0]);
        let refused = call(&app, &own, CREATE, wrong).await;
        let fields: Vec<&Value> = refused["data"]["createHub"]["userErrors"].as_array().unwrap().iter().map(|e| &e["field"]).collect();
        assert!(fields.contains(&&json!(["input", "facilityTermIds", "0"])), "{refused:#}");
        let mut unknown = input.clone();
        unknown["input"]["locationId"] = json!(ids::encode(Kind::Location, "00000000-0000-0000-0000-000000000000").0);
        let refused = call(&app, &own, CREATE, unknown).await;
        assert_eq!(refused["data"]["createHub"]["userErrors"][0]["code"], "NOT_FOUND");
        assert_eq!(events_of(&app, &raw).await.len(), 1, "refused writes add no history");
    }
}

on_both! {
    async fn the_owning_library_updates_status_and_others_are_refused(app) {
        let target = hub_in(&app, EDINBURGH).await;
        let id = hub_id(&target.id);
        let before = events_of(&app, &target.id).await.len();
        let input = json!({ "input": {
            "hubId": id, "status": "LIMITED", "capacity": 40, "occupancy": 12,
            "note": "Heating off upstairs", "facilityTermIds": [facility("toilets")],
            "validUntil": (Utc::now() + Duration::hours(6)).to_rfc3339(),
            "expectedVersion": target.version,
        } });

        // Library A updating library B's hub: FORBIDDEN, B unchanged (ADVERSARIAL 13).
        let other = token(&app, PartnerKind::Library, Some(&demo_library(GLASGOW)), &[], &[]).await;
        let refused = call(&app, &other, UPDATE, input.clone()).await;
        assert_eq!(error_code(&refused), "FORBIDDEN");
        assert_eq!(reload(&app, &target.id).await, target);
        let hscp = token(&app, PartnerKind::Hscp, None, &[EDINBURGH], &[]).await;
        assert_eq!(error_code(&call(&app, &hscp, UPDATE, input.clone()).await), "FORBIDDEN");
        assert_eq!(error_code(&app.graphql(UPDATE, input.clone()).await), "UNAUTHENTICATED");

        let owner = token(&app, PartnerKind::Library, Some(&demo_library(EDINBURGH)), &[], &["hubs:write"]).await;
        let done = call(&app, &owner, UPDATE, input.clone()).await;
        assert_eq!(done["data"]["updateHubStatus"]["userErrors"], json!([]), "{done:#}");
        let hub = &done["data"]["updateHubStatus"]["hub"];
        assert_eq!(hub["status"], "LIMITED");
        assert_eq!(hub["occupancy"], 12);
        assert_eq!(hub["version"], target.version + 1);
        assert_eq!(hub["facilities"], json!([{ "code": "toilets" }]));
        let events = events_of(&app, &target.id).await;
        assert_eq!(events.len(), before + 1);
        let last = events.last().unwrap();
        assert_eq!((last.status.as_str(), last.reason.as_str(), last.occupancy), ("limited", "updated", Some(12)));
        assert!(last.partner_id.is_some(), "who made the change");

        // Stale version: CONFLICT with the current version, nothing written.
        let stale = call(&app, &owner, UPDATE, input.clone()).await;
        assert_eq!(error_code(&stale), "CONFLICT");
        assert_eq!(stale["errors"][0]["extensions"]["currentVersion"], target.version + 1);
        assert_eq!(events_of(&app, &target.id).await.len(), before + 1);

        // Validation: occupancy above capacity, validUntil in the past, wrong taxonomy.
        let mut bad = input.clone();
        bad["input"]["expectedVersion"] = json!(target.version + 1);
        bad["input"]["occupancy"] = json!(41);
        bad["input"]["validUntil"] = json!((Utc::now() - Duration::hours(1)).to_rfc3339());
        bad["input"]["facilityTermIds"] = json!([ids::encode(Kind::TaxonomyTerm, "00000000-0000-0000-0000-000000000001").0]);
        let refused = call(&app, &owner, UPDATE, bad).await;
        let fields: Vec<Value> = refused["data"]["updateHubStatus"]["userErrors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].clone())
            .collect();
        assert!(fields.contains(&json!(["input", "occupancy"])), "{fields:?}");
        assert!(fields.contains(&json!(["input", "validUntil"])), "{fields:?}");
        assert!(fields.contains(&json!(["input", "facilityTermIds", "0"])), "{fields:?}");
        assert_eq!(reload(&app, &target.id).await.version, target.version + 1);
    }
}

on_both! {
    async fn racing_updates_with_one_version_give_one_conflict(app) {
        let target = hub_in(&app, GLASGOW).await;
        let owner = token(&app, PartnerKind::Library, Some(&demo_library(GLASGOW)), &[], &[]).await;
        let input = |status: &str| json!({ "input": { "hubId": hub_id(&target.id), "status": status, "expectedVersion": target.version } });
        let (a, b) = tokio::join!(call(&app, &owner, UPDATE, input("CLOSED")), call(&app, &owner, UPDATE, input("LIMITED")));
        let codes = [error_code(&a), error_code(&b)];
        assert_eq!(codes.iter().filter(|c| **c == "CONFLICT").count(), 1, "{a:#} {b:#}");
        assert_eq!(reload(&app, &target.id).await.version, target.version + 1);
        assert_eq!(events_of(&app, &target.id).await.last().unwrap().version, target.version + 1);
    }
}

on_both! {
    async fn history_is_for_the_owner_the_area_hscp_and_admins_wherever_reached(app) {
        let target = hub_in(&app, EDINBURGH).await;
        let vars = json!({ "id": hub_id(&target.id) });

        let owner = token(&app, PartnerKind::Library, Some(&demo_library(EDINBURGH)), &[], &[]).await;
        let own = call(&app, &owner, HISTORY, vars.clone()).await;
        assert!(own.get("errors").is_none(), "{own:#}");
        let history = &own["data"]["hub"]["history"];
        assert!(history["totalCount"].as_i64().unwrap() >= 8, "weeks of demo history");
        let times: Vec<&str> = history["edges"].as_array().unwrap().iter().map(|e| e["node"]["at"].as_str().unwrap()).collect();
        assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first: {times:?}");

        let hscp = token(&app, PartnerKind::Hscp, None, &[EDINBURGH], &["reports:read"]).await;
        assert!(call(&app, &hscp, HISTORY, vars.clone()).await.get("errors").is_none());
        let admin = token(&app, PartnerKind::Admin, None, &[], &["admin"]).await;
        assert!(call(&app, &admin, HISTORY, vars.clone()).await.get("errors").is_none());

        // The HSCP of another area, another library, anonymous: null + FORBIDDEN (ADVERSARIAL 19).
        let elsewhere = token(&app, PartnerKind::Hscp, None, &[GLASGOW], &["reports:read"]).await;
        let other_library = token(&app, PartnerKind::Library, Some(&demo_library(GLASGOW)), &[], &[]).await;
        for response in [
            call(&app, &elsewhere, HISTORY, vars.clone()).await,
            call(&app, &other_library, HISTORY, vars.clone()).await,
            app.graphql(HISTORY, vars.clone()).await,
        ] {
            assert_eq!(error_code(&response), "FORBIDDEN", "{response:#}");
            assert_eq!(response["errors"][0]["path"], json!(["hub", "history"]));
            assert_eq!(response["data"]["hub"]["id"], vars["id"], "public fields still readable");
            assert_eq!(response["data"]["hub"].get("history"), Some(&Value::Null), "{response:#}");
        }

        // The same through node(id:) and the location's nested edge (ADVERSARIAL 16).
        let location = ids::encode(Kind::Location, &target.location_id).0;
        let nested = [
            (
                "query($id: ID!) { node(id: $id) { ... on Hub { history { totalCount } } } }",
                json!({ "id": vars["id"] }),
                json!(["node", "history"]),
            ),
            (
                "query($id: ID!) { node(id: $id) { ... on Location { hub { history { totalCount } } } } }",
                json!({ "id": location }),
                json!(["node", "hub", "history"]),
            ),
            ("{ hubs(first: 3) { nodes { history { totalCount } } } }", json!({}), json!(["hubs", "nodes", 0, "history"])),
        ];
        for (query, variables, path) in nested {
            let refused = call(&app, &elsewhere, query, variables.clone()).await;
            assert_eq!(error_code(&refused), "FORBIDDEN", "{query}: {refused:#}");
            assert_eq!(refused["errors"][0]["path"], path, "{query}: {refused:#}");
            let steps = path.as_array().unwrap();
            let mut parent = &refused["data"];
            for step in &steps[..steps.len() - 1] {
                parent = match step {
                    Value::String(field) => &parent[field.as_str()],
                    index => &parent[index.as_u64().unwrap() as usize],
                };
            }
            assert_eq!(parent.get("history"), Some(&Value::Null), "{query}: the history is null: {refused:#}");
            let allowed = call(&app, &admin, query, variables).await;
            assert!(allowed.get("errors").is_none(), "{query}: {allowed:#}");
        }
    }
}

on_both! {
    async fn history_pages_and_windows(app) {
        let target = hub_in(&app, GLASGOW).await;
        let admin = token(&app, PartnerKind::Admin, None, &[], &["admin"]).await;
        let all = events_of(&app, &target.id).await;
        let mut seen = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = call(
                &app,
                &admin,
                "query($id: ID!, $after: String) { hub(id: $id) { history(first: 3, after: $after) {
                    edges { node { version } } pageInfo { hasNextPage endCursor } } } }",
                json!({ "id": hub_id(&target.id), "after": after }),
            )
            .await;
            let history = &page["data"]["hub"]["history"];
            seen.extend(history["edges"].as_array().unwrap().iter().map(|e| e["node"]["version"].as_i64().unwrap()));
            if !history["pageInfo"]["hasNextPage"].as_bool().unwrap() {
                break;
            }
            after = history["pageInfo"]["endCursor"].as_str().map(str::to_owned);
        }
        let mut expected: Vec<i64> = all.iter().map(|e| e.version as i64).collect();
        expected.reverse();
        assert_eq!(seen, expected, "every event once, newest first");

        let from = Utc::now() - Duration::days(7);
        let windowed = call(
            &app,
            &admin,
            "query($id: ID!, $from: DateTime) { hub(id: $id) { history(from: $from, first: 100) { totalCount edges { node { at } } } } }",
            json!({ "id": hub_id(&target.id), "from": from.to_rfc3339() }),
        )
        .await;
        let in_window = all.iter().filter(|e| e.at >= from).count() as i64;
        assert_eq!(windowed["data"]["hub"]["history"]["totalCount"], in_window);
    }
}

on_both! {
    async fn an_expired_manual_status_reverts_to_the_schedule_and_is_recorded(app) {
        let target = hub_in(&app, EDINBURGH).await;
        let owner = token(&app, PartnerKind::Library, Some(&demo_library(EDINBURGH)), &[], &[]).await;
        let until = Utc::now() + Duration::hours(1);
        let done = call(
            &app,
            &owner,
            UPDATE,
            json!({ "input": { "hubId": hub_id(&target.id), "status": "CLOSED", "validUntil": until.to_rfc3339() } }),
        )
        .await;
        assert_eq!(done["data"]["updateHubStatus"]["hub"]["status"], "CLOSED", "{done:#}");

        // Not yet due: nothing happens.
        let early = hubgraph::hubs::expiry::expire_due(&app.state.db, &app.state.events, Utc::now()).await.unwrap();
        assert!(early.iter().all(|w| w.hub.id != target.id));

        let later = until + Duration::minutes(1);
        let reverted = hubgraph::hubs::expiry::expire_due(&app.state.db, &app.state.events, later).await.unwrap();
        let written = reverted.iter().find(|w| w.hub.id == target.id).expect("the hub was reverted");
        let schedules = entity::schedule::Entity::find()
            .filter(entity::schedule::Column::LocationId.eq(target.location_id.clone()))
            .all(&app.state.db)
            .await
            .unwrap();
        let expected = hubgraph::hubs::HubStatus::from_schedule(&schedules, later)
            .unwrap_or(hubgraph::hubs::HubStatus::Closed);
        let now = reload(&app, &target.id).await;
        assert_eq!(now.status, expected.as_str());
        assert_eq!(now.valid_until, None);
        assert_eq!(written.event.reason, "expired");
        assert_eq!(written.event.partner_id, None);
        let audits = audit::Entity::find()
            .filter(audit::Column::EntityId.eq(target.id.clone()))
            .filter(audit::Column::Action.eq("hub.expire"))
            .count(&app.state.db)
            .await
            .unwrap();
        assert_eq!(audits, 1);
        // A second sweep finds nothing left to do.
        let again = hubgraph::hubs::expiry::expire_due(&app.state.db, &app.state.events, later).await.unwrap();
        assert!(again.iter().all(|w| w.hub.id != target.id));
    }
}

on_both! {
    async fn a_hub_counts_the_services_at_its_location(app) {
        let target = hub_in(&app, EDINBURGH).await;
        let expected = entity::service_at_location::Entity::find()
            .filter(entity::service_at_location::Column::LocationId.eq(target.location_id.clone()))
            .count(&app.state.db)
            .await
            .unwrap();
        let data = app
            .data(
                "query($id: ID!) { hub(id: $id) { serviceCount location { services { id } } } }",
                json!({ "id": hub_id(&target.id) }),
            )
            .await;
        assert_eq!(data["hub"]["serviceCount"], expected);
        assert_eq!(data["hub"]["location"]["services"].as_array().unwrap().len() as u64, expected);
        assert!(expected > 0, "demo libraries host services");
    }
}

on_both! {
    /// Updates without `expectedVersion` are "last write wins": several at
    /// once on the same hub all succeed, one version each, none refused with
    /// CONFLICT (on PostgreSQL the second writer waits for the first's row
    /// lock and reads its version).
    async fn concurrent_unversioned_updates_all_land(app) {
        let target = hub_in(&app, EDINBURGH).await;
        let id = hub_id(&target.id);
        let before = events_of(&app, &target.id).await.len();
        let owner = token(&app, PartnerKind::Library, Some(&demo_library(EDINBURGH)), &[], &["hubs:write"]).await;
        const WRITERS: i32 = 8;
        let calls = (0..WRITERS).map(|n| {
            let status = ["OPEN", "LIMITED", "CLOSED"][n as usize % 3];
            // A closed hub has no occupancy (a figure above 0 is refused).
            let occupancy = if status == "CLOSED" { Value::Null } else { json!(n) };
            let input = json!({ "input": { "hubId": id, "status": status, "occupancy": occupancy } });
            let (app, owner) = (&app, &owner);
            async move { call(app, owner, UPDATE, input).await }
        });
        let answers = futures_util::future::join_all(calls).await;
        for answer in &answers {
            assert!(answer.get("errors").is_none(), "{answer:#}");
            assert_eq!(answer["data"]["updateHubStatus"]["userErrors"], json!([]), "{answer:#}");
        }
        let mut versions: Vec<i64> = answers
            .iter()
            .map(|a| a["data"]["updateHubStatus"]["hub"]["version"].as_i64().unwrap())
            .collect();
        versions.sort();
        let first = i64::from(target.version) + 1;
        assert_eq!(versions, (first..first + i64::from(WRITERS)).collect::<Vec<_>>(), "one version each");
        assert_eq!(reload(&app, &target.id).await.version, target.version + WRITERS);
        assert_eq!(events_of(&app, &target.id).await.len(), before + WRITERS as usize);
    }
}

on_both! {
    async fn an_errored_field_is_null_in_its_place_over_http_and_websocket(app) {
        let target = hub_in(&app, EDINBURGH).await;
        let id = hub_id(&target.id);
        let admin = token(&app, PartnerKind::Admin, None, &[], &["admin"]).await;
        // A window that ends before it starts: the history field fails,
        // the fields around it are answered, and it is null in its place.
        let query = format!(
            r#"{{ hub(id: "{id}") {{ id history(from: "2026-02-01T00:00:00Z", to: "2026-01-01T00:00:00Z") {{ totalCount }} name }} }}"#
        );
        let text = app.graphql_as(&admin, &query, json!({})).await.text().await.unwrap();
        let response: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(error_code(&response), "BAD_USER_INPUT", "{response:#}");
        assert_eq!(response["errors"][0]["path"], json!(["hub", "history"]));
        assert_eq!(response["data"], json!({ "hub": { "id": id, "history": null, "name": target.name } }));
        let data = &text[text.find(r#""data""#).unwrap()..];
        let at = |key: &str| data.find(&format!(r#""{key}":"#)).unwrap_or_else(|| panic!("{key} in {text}"));
        assert!(at("id") < at("history") && at("history") < at("name"), "in the order asked: {text}");

        let mut client = crate::ws_client::Client::connect(&crate::ws_client::app_url(&app)).await;
        client.init(json!({ "authorization": format!("Bearer {admin}") })).await;
        client.subscribe("q", &query).await;
        let next = client.recv().await;
        assert_eq!(next["type"], "next", "{next:#}");
        assert_eq!(next["payload"]["data"], response["data"], "{next:#}");
        assert_eq!(next["payload"]["errors"][0]["path"], json!(["hub", "history"]));
        assert_eq!(client.recv().await["type"], "complete");
        // Over the WebSocket too, a query whose only field failed ran: `next`, not `error`.
        client.subscribe("n", "{ node(id: \"not-an-id\") { id } }").await;
        let next = client.recv().await;
        assert_eq!(next["type"], "next", "{next:#}");
        assert_eq!(next["payload"]["data"], json!({ "node": null }), "{next:#}");
        assert_eq!(next["payload"]["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{next:#}");

        // A field that may not be null and fails nulls its nearest nullable
        // parent, here all of `data` (`nodes` is `[Node]!`): no answer
        // reads as complete when it is not.
        let response = app.graphql("{ areas { code } nodes(ids: [\"not-an-id\"]) { id } }", json!({})).await;
        assert_eq!(error_code(&response), "BAD_USER_INPUT", "{response:#}");
        assert_eq!(response["errors"][0]["path"], json!(["nodes"]), "{response:#}");
        assert_eq!(response["data"], Value::Null, "{response:#}");
        let response = app.graphql("{ areas { code } node(id: \"not-an-id\") { id } }", json!({})).await;
        assert_eq!(error_code(&response), "BAD_USER_INPUT", "{response:#}");
        assert_eq!(response["data"]["node"], Value::Null, "{response:#}");
        let areas = response["data"]["areas"].as_array().unwrap();
        assert!(areas.iter().any(|area| area["code"] == EDINBURGH), "the other field is answered: {response:#}");
        // Alone, the nullable root field is null in `data`, which is not null.
        let response = app.graphql("{ node(id: \"not-an-id\") { id } }", json!({})).await;
        assert_eq!(response["data"], json!({ "node": null }), "{response:#}");
        assert_eq!(response["errors"][0]["path"], json!(["node"]), "{response:#}");
    }
}

on_both! {
    /// ADVERSARIAL 49: a hub's area is its location's. When the library
    /// moves the location (a new address whose postcode lies elsewhere), the
    /// location's area follows the postcode and the hub's follows the location.
    async fn a_hub_follows_its_location_into_another_area(app) {
        const FIFE: &str = "S12000047";
        let before = hub_in(&app, EDINBURGH).await;
        let library = token(&app, PartnerKind::Library, Some(&before.organization_id), &[], &["services:write"]).await;
        let fife_postcode = entity::postcode::Entity::find()
            .filter(entity::postcode::Column::AreaCode.eq(FIFE))
            .order_by_asc(entity::postcode::Column::Code)
            .one(&app.state.db)
            .await
            .unwrap()
            .expect("a demo postcode in Fife")
            .code;
        let moved = call(&app, &library, "mutation($input: UpdateLocationInput!) { updateLocation(input: $input) {
            location { areaCode hub { areaCode } } userErrors { field code } } }", json!({ "input": {
            "id": ids::encode(Kind::Location, &before.location_id).0,
            "address": { "address1": "1 High Street", "city": "Kirkcaldy", "postalCode": fife_postcode, "country": "GB" } } })).await;
        assert_eq!(moved["data"]["updateLocation"]["userErrors"], json!([]), "{moved:#}");
        assert_eq!(moved["data"]["updateLocation"]["location"], json!({ "areaCode": FIFE, "hub": { "areaCode": FIFE } }));
        let after = reload(&app, &before.id).await;
        assert_eq!(after.area_code, FIFE);
        assert_eq!(after.version, before.version + 1, "the hub changed");
        let listed = app.data("query($areas: [String!]) { hubs(filter: { areaCodes: $areas }, first: 100) { nodes { id } } }",
            json!({ "areas": [FIFE] })).await;
        assert!(listed["hubs"]["nodes"].as_array().unwrap().iter().any(|n| n["id"] == hub_id(&before.id)), "{listed:#}");
        let audited = audit::Entity::find()
            .filter(audit::Column::EntityId.eq(before.id.clone()))
            .filter(audit::Column::Action.eq("hub.move_area"))
            .count(&app.state.db)
            .await
            .unwrap();
        assert_eq!(audited, 1);
    }
}
