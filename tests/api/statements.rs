//! N+1 guard: nested fields go through per-request DataLoaders, so the SQL
//! statements a page costs do not grow with the page size. Statement counts,
//! unlike timings, do not vary with machine load.

use serde_json::json;

use crate::helpers::TestApp;
use crate::on_both;

const PAGE: &str = "query($first: Int) { services(first: $first) { totalCount nodes {
    id name
    organization { id name }
    locations { id name }
    schedules { byDay opensAt }
    phones { number }
    taxonomyTerms { id name }
    languages { code }
} } }";

async fn statements_for(app: &TestApp, first: i64) -> u64 {
    let before = app.statements();
    let data = app.data(PAGE, json!({ "first": first })).await;
    assert_eq!(data["services"]["nodes"].as_array().unwrap().len() as i64, first);
    app.statements() - before
}

on_both! {
    /// A page of 100 services with six nested lists costs what a page of 5 costs, at most 10 statements.
    async fn page_of_100_costs_the_same_statements_as_page_of_5(app) {
        let small = statements_for(&app, 5).await;
        let large = statements_for(&app, 100).await;
        assert_eq!(small, large, "statements grow with the page size");
        assert!(large <= 10, "{large} statements for one page");
    }
}

/// The hub dashboard (benchmark W3): a page of hubs and the summary of all areas in one request.
const HUBS: &str = "query($first: Int) {
    hubs(first: $first) { totalCount nodes {
        id name status kinds capacity occupancy serviceCount
        location { id name latitude longitude }
        organization { id name }
        facilities { id name }
    } }
    hubSummary { total byStatus { status count } byArea { areaCode total open limited closed } }
}";

async fn statements_for_hubs(app: &TestApp, first: i64) -> u64 {
    let before = app.statements();
    let data = app.data(HUBS, json!({ "first": first })).await;
    assert_eq!(data["hubs"]["nodes"].as_array().unwrap().len() as i64, first);
    assert!(data["hubSummary"]["total"].as_i64().unwrap() >= first);
    app.statements() - before
}

on_both! {
    /// The hub dashboard, a page of hubs with their location, organisation,
    /// facilities and service count plus the summary, costs the same whatever the page size.
    async fn hub_dashboard_costs_fixed_statements(app) {
        let small = statements_for_hubs(&app, 5).await;
        let large = statements_for_hubs(&app, 80).await;
        assert_eq!(small, large, "statements grow with the page size");
        assert!(large <= 9, "{large} statements for the dashboard");
    }
}

/// A page of pathways with everything a partner website shows of them.
const PATHWAYS: &str = "query($first: Int) { pathways(first: $first) { totalCount nodes {
    id name status areaCodes needsReview
    audience { code }
    entryLocations { id name }
    owner { name }
    steps { position title referralMethod url service { id name } organization { id name } location { id name } }
} } }";

async fn statements_for_pathways(app: &TestApp, first: i64) -> u64 {
    let before = app.statements();
    let data = app.data(PATHWAYS, json!({ "first": first })).await;
    assert_eq!(data["pathways"]["nodes"].as_array().unwrap().len() as i64, first);
    app.statements() - before
}

on_both! {
    /// A page of pathways with their steps' services, organisations and
    /// places, entry locations, audience and owner: fixed statements.
    async fn pathway_page_costs_fixed_statements(app) {
        use hubgraph::graphql::ids::{self, Kind};
        use hubgraph::partners::PartnerKind;
        use sea_orm::EntityTrait;
        let admin = app.add_partner(PartnerKind::Admin, "Operator", None, &[]).await;
        let token = app.issue_token(&admin, &[]).await.token;
        let services: Vec<String> = entity::service::Entity::find().all(&app.state.db).await.unwrap().into_iter()
            .filter(|s| s.status == "active").take(8).map(|s| ids::encode(Kind::Service, &s.id).0).collect();
        let places: Vec<String> = entity::location::Entity::find().all(&app.state.db).await.unwrap().into_iter()
            .take(8).map(|l| ids::encode(Kind::Location, &l.id).0).collect();
        let organization = ids::encode(Kind::Organization, &crate::helpers::demo_library("S12000019")).0;
        for n in 0..8 {
            let input = json!({ "name": format!("Pathway {n}"), "areaCodes": ["S12000019"], "entryLocationIds": [places[n]],
                "steps": [
                    { "title": "Ask", "referralMethod": "SIGNPOSTING", "locationId": places[(n + 1) % 8] },
                    { "title": "Read", "referralMethod": "SELF_REFERRAL", "url": "https://example.org/help" },
                    { "title": "Join", "referralMethod": "SELF_REFERRAL", "serviceId": services[n] },
                    { "title": "Meet", "referralMethod": "SIGNPOSTING", "organizationId": organization },
                ] });
            let created: serde_json::Value = app.graphql_as(&token, "mutation($input: CreatePathwayInput!) { createPathway(input: $input) { pathway { id } } }", json!({ "input": input }))
                .await.json().await.unwrap();
            let id = created["data"]["createPathway"]["pathway"]["id"].clone();
            let published: serde_json::Value = app.graphql_as(&token, "mutation($id: ID!) { publishPathway(input: { id: $id }) { pathway { status } } }", json!({ "id": id }))
                .await.json().await.unwrap();
            assert_eq!(published["data"]["publishPathway"]["pathway"]["status"], "PUBLISHED", "{published:#}");
        }
        let small = statements_for_pathways(&app, 2).await;
        let large = statements_for_pathways(&app, 8).await;
        assert_eq!(small, large, "statements grow with the page size");
        assert!(large <= 12, "{large} statements for one page");
    }
}
