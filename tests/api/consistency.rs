//! One answer, one shape: distances are rounded by one rule for services
//! and hubs, and a category menu can ask for the top of the tree only.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::on_both;

/// EH6 4AE, Leith.
const LEITH: (f64, f64) = (55.9761, -3.1694);

/// True when `km` has at most three decimals (to the metre).
fn to_the_metre(km: &Value) -> bool {
    let km = km.as_f64().expect("a distance");
    let metres = km * 1000.0;
    (metres - metres.round()).abs() < 1e-6 && km.to_string().split('.').nth(1).is_none_or(|d| d.len() <= 3)
}

on_both! {
    /// `HubEdge.distanceKm` and `ServiceEdge.distanceKm` are both to the
    /// metre, and a hub and a service at the same place are as far away.
    async fn distances_are_rounded_alike(app) {
        let near = json!({ "latitude": LEITH.0, "longitude": LEITH.1 });
        let hubs = app
            .data(
                "query($near: GeoPointInput) { hubs(filter: { near: $near, radiusKm: 10 }, first: 50) {
                    edges { distanceKm node { location { id } } } } }",
                json!({ "near": near }),
            )
            .await;
        let hub_edges = hubs["hubs"]["edges"].as_array().unwrap();
        assert!(!hub_edges.is_empty());
        assert!(hub_edges.iter().all(|e| to_the_metre(&e["distanceKm"])), "{hubs:#}");

        let services = app
            .data(
                "query($near: GeoPointInput) { services(filter: { near: $near, radiusKm: 10 }, orderBy: DISTANCE, first: 100) {
                    edges { distanceKm node { locations { id } } } } }",
                json!({ "near": near }),
            )
            .await;
        let service_edges = services["services"]["edges"].as_array().unwrap();
        assert!(service_edges.iter().all(|e| to_the_metre(&e["distanceKm"])), "{services:#}");

        // A service delivered at one place only is exactly as far as the hub there.
        let mut compared = 0;
        for hub in hub_edges {
            let place = &hub["node"]["location"]["id"];
            for service in service_edges {
                let locations = service["node"]["locations"].as_array().unwrap();
                if locations.len() == 1 && &locations[0]["id"] == place {
                    assert_eq!(service["distanceKm"], hub["distanceKm"], "{place}");
                    compared += 1;
                }
            }
        }
        assert!(compared > 0, "the demo has services at hubs near Leith");
    }
}

const MENU: &str = r#"{ taxonomyTerms(taxonomy: "service-category", topOnly: true, first: 100) {
    totalCount nodes { id name parent { id } children { id name } } } }"#;

on_both! {
    /// The guide's menu query lists each category once: the top level with
    /// its children, not every term flat. `topOnly` with `parentId` is a
    /// clear error.
    async fn a_menu_asks_for_the_top_of_the_tree(app) {
        let menu = app.data(MENU, json!({})).await;
        let top = menu["taxonomyTerms"]["nodes"].as_array().unwrap();
        assert!(!top.is_empty());
        assert!(top.iter().all(|t| t["parent"].is_null()), "top-level terms only");
        assert_eq!(menu["taxonomyTerms"]["totalCount"].as_u64().unwrap() as usize, top.len());
        let mut shown = HashSet::new();
        for term in top {
            assert!(shown.insert(term["id"].clone()), "{} shown twice", term["name"]);
            for child in term["children"].as_array().unwrap() {
                assert!(shown.insert(child["id"].clone()), "{} shown twice", child["name"]);
            }
        }
        assert!(shown.len() > top.len(), "the menu has a second level");

        let flat = app
            .data(r#"{ taxonomyTerms(taxonomy: "service-category", first: 100) { totalCount } }"#, json!({}))
            .await;
        assert!(flat["taxonomyTerms"]["totalCount"].as_u64().unwrap() > top.len() as u64);

        let parent = top.iter().find(|t| !t["children"].as_array().unwrap().is_empty()).unwrap();
        let both = app
            .graphql(
                "query($p: ID) { taxonomyTerms(parentId: $p, topOnly: true) { totalCount } }",
                json!({ "p": parent["id"] }),
            )
            .await;
        assert_eq!(both["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{both:#}");
        assert_eq!(both["errors"][0]["extensions"]["field"], json!(["topOnly"]), "{both:#}");
    }
}
