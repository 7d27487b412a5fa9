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
