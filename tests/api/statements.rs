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

/// The benchmark's read workloads (the documents in `bench/queries/`,
/// which the benchmark sends) and the statements each costs on SQLite and
/// on PostgreSQL. The counts are the cost model the benchmark's figures rest
/// on: a change that adds a statement to a hot path shows here first.
mod workloads {
    use super::*;

    const W1_PARTNER_SEARCH: &str = include_str!("../../bench/queries/w1-partner-search.graphql");
    const W2_LIST: &str = include_str!("../../bench/queries/w2-list.graphql");
    const W3_DASHBOARD: &str = include_str!("../../bench/queries/w3-dashboard.graphql");
    const W4_BY_ID: &str = include_str!("../../bench/queries/w4-by-id.graphql");

    async fn cost(app: &TestApp, query: &str, variables: serde_json::Value) -> (u64, serde_json::Value) {
        let before = app.statements();
        let data = app.data(query, variables).await;
        (app.statements() - before, data)
    }

    on_both! {
        /// W1-W4 each cost a fixed number of statements. A service's
        /// organisation comes joined to its row, and its locations, terms,
        /// phones and schedules as one aggregated column each of the same
        /// statement. W1: the postcode, the category's subtree (one recursive
        /// statement), one candidate statement from the bounding box, text
        /// scoring and the page's rows; W2: the page; W3: the matching hubs'
        /// sort keys (one aggregated row), the page's rows joined to their
        /// location, organisation and service count, and the summary's
        /// grouped count (facilities only when asked for); W4: the service.
        async fn benchmark_workloads_cost_fixed_statements(app) {
            // A top-level category, as the benchmark picks: its subtree is looked up too.
            let terms = app
                .data("{ taxonomyTerms(taxonomy: \"service-category\", first: 100) { nodes { id parent { id } } } }", json!({}))
                .await;
            let category = terms["taxonomyTerms"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["parent"].is_null())
                .expect("a top-level category")["id"]
                .clone();
            let (w1, data) = cost(&app, W1_PARTNER_SEARCH, json!({ "p": "EH6 4AE", "t": [category] })).await;
            assert!(data["services"]["totalCount"].as_i64().unwrap() > 0, "W1 finds nothing to fetch: {data}");
            assert_eq!(w1, 5, "W1 partner search");

            let (w2, data) = cost(&app, W2_LIST, json!({})).await;
            let nodes = data["services"]["nodes"].as_array().unwrap();
            assert_eq!(nodes.len(), 20);
            assert!(nodes.iter().all(|s| s["organization"]["name"].is_string()), "{data}");
            assert_eq!(w2, 1, "W2 list by name");

            let (w3, data) = cost(&app, W3_DASHBOARD, json!({})).await;
            let hubs = data["hubs"]["nodes"].as_array().unwrap();
            assert!(!hubs.is_empty());
            assert!(
                hubs.iter().all(|h| h["location"]["name"].is_string()
                    && h["organization"]["name"].is_string()
                    && h["serviceCount"].is_i64()),
                "{data}"
            );
            assert_eq!(w3, 3, "W3 hub dashboard");

            let id = data_id(&app).await;
            let (w4, data) = cost(&app, W4_BY_ID, json!({ "id": id })).await;
            assert!(!data["service"]["locations"].as_array().unwrap().is_empty());
            assert!(data["service"]["organization"]["name"].is_string(), "{data}");
            assert_eq!(w4, 1, "W4 service by id");
        }
    }

    /// A service with a location, as W4 asks for.
    async fn data_id(app: &TestApp) -> serde_json::Value {
        let data = app
            .data(
                "{ services(orderBy: NAME, first: 50) { nodes { id locations { id } } } }",
                json!({}),
            )
            .await;
        data["services"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| !s["locations"].as_array().unwrap().is_empty())
            .expect("a service with a location")["id"]
            .clone()
    }
}

/// PostgreSQL plans a prepared statement for each execution's values for
/// the first five executions on a connection, then keeps one generic plan
/// if it costs no more. These tests read how each statement was planned
/// from PostgreSQL's own per-session counts (`pg_prepared_statements`),
/// on a pool of two connections: the event listener holds one, so every
/// request runs on the other.
mod plans_on_postgres {
    use super::*;
    use crate::helpers::{Backend, spawn_app_configured};
    use sea_orm::{ConnectionTrait, Statement};

    const W2_LIST: &str = include_str!("../../bench/queries/w2-list.graphql");

    /// The app on one connection for requests, with the demo set.
    async fn app_on_one_connection() -> Option<TestApp> {
        let app = spawn_app_configured(Backend::Postgres, false, |config| config.db_pool_size = Some(2)).await?;
        // Seeding takes more than one connection: it gets a pool of its own.
        let (seeding, _) = hubgraph::db::connect(&app.state.config.database_url).await.unwrap();
        hubgraph::seed::seed_demo(&seeding, hubgraph::seed::DemoPostcodes::Venues)
            .await
            .unwrap();
        seeding.close().await.unwrap();
        Some(app)
    }

    /// The statements prepared on the requests' connection whose text
    /// contains `needle`: (text, custom plans, generic plans).
    async fn prepared(app: &TestApp, needle: &str) -> Vec<(String, i64, i64)> {
        let rows = app
            .state
            .db
            .query_all_raw(Statement::from_sql_and_values(
                app.state.db.get_database_backend(),
                "SELECT statement, custom_plans, generic_plans FROM pg_prepared_statements \
                 WHERE strpos(statement, $1) > 0 AND strpos(statement, 'pg_prepared_statements') = 0",
                [needle.into()],
            ))
            .await
            .unwrap();
        rows.iter()
            .map(|row| {
                (
                    row.try_get("", "statement").unwrap(),
                    row.try_get("", "custom_plans").unwrap(),
                    row.try_get("", "generic_plans").unwrap(),
                )
            })
            .collect()
    }

    /// The one prepared statement with a `LIMIT` whose text contains
    /// `needle`: (text, custom plans, generic plans). `label` names the case.
    async fn paged_statement(app: &TestApp, needle: &str, label: &str) -> (String, i64, i64) {
        let mut statements: Vec<_> = prepared(app, needle)
            .await
            .into_iter()
            .filter(|(text, _, _)| text.contains(" LIMIT "))
            .collect();
        assert_eq!(statements.len(), 1, "{label}: {statements:#?}");
        statements.remove(0)
    }

    /// W2's page statement is planned once per connection, not on every
    /// execution: a bound `LIMIT` kept PostgreSQL on custom plans (it must
    /// assume a tenth of the table is wanted), and planning was a third of
    /// the statement's time.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_w2_page_keeps_a_generic_plan() {
        let Some(app) = app_on_one_connection().await else {
            return;
        };
        for _ in 0..8 {
            let data = app.data(W2_LIST, json!({})).await;
            assert_eq!(data["services"]["nodes"].as_array().unwrap().len(), 20, "{data}");
        }
        let statements = prepared(&app, "rel_taxonomy_terms").await;
        assert_eq!(statements.len(), 1, "{statements:#?}");
        let (text, custom, generic) = &statements[0];
        assert_eq!((*custom, *generic), (5, 3), "custom and generic plans of 8 executions");
        // The page (with its limit) comes first; its terms are read for
        // the whole page and matched to it (`with_relations`).
        assert!(text.starts_with("WITH \"page\" AS MATERIALIZED ("), "{text}");
        assert!(text.contains(" LIMIT 21), \"terms\" AS ("), "{text}");
        assert!(text.ends_with("ORDER BY \"page\".\"name\", \"page\".\"id\""), "{text}");
    }

    /// The directory's other listings page the same way.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn listings_keep_a_generic_plan() {
        let Some(app) = app_on_one_connection().await else {
            return;
        };
        for (query, table) in [
            (
                "{ organizations(first: 10) { nodes { id name } } }",
                "FROM \"organization\"",
            ),
            ("{ locations(first: 10) { nodes { id name } } }", "FROM \"location\""),
            (
                "{ taxonomyTerms(first: 10) { nodes { id name } } }",
                "FROM \"taxonomy_term\"",
            ),
        ] {
            for _ in 0..8 {
                app.data(query, json!({})).await;
            }
            let (text, custom, generic) = paged_statement(&app, table, query).await;
            // Without parameters (no filter, no cursor) every plan is generic.
            assert!(
                custom <= 5 && custom + generic == 8,
                "{query}: {custom} custom, {generic} generic plans: {text}"
            );
            assert!(text.ends_with("LIMIT 11"), "{text}");
        }
    }

    /// A page of the change feed writes its limit too, so PostgreSQL keeps
    /// one plan per table's statement instead of planning it every time.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_change_feed_keeps_a_generic_plan() {
        let Some(app) = app_on_one_connection().await else {
            return;
        };
        let query = r#"{ changes(since: "2000-01-01T00:00:00Z", entities: [ORGANIZATION], first: 5) {
            edges { node { id kind } } } }"#;
        for _ in 0..8 {
            let data = app.data(query, json!({})).await;
            assert_eq!(data["changes"]["edges"].as_array().unwrap().len(), 5);
        }
        let (text, custom, generic) = paged_statement(&app, "FROM \"organization\"", "the feed").await;
        assert!(text.ends_with("LIMIT 6"), "{text}");
        assert!(
            generic >= 1 && custom + generic == 8,
            "{custom} custom, {generic} generic plans: {text}"
        );
    }

    /// W1's text scoring is one prepared statement whatever the number of
    /// candidates (they go as one JSON array): with a parameter per
    /// candidate, every count was a statement of its own, and the generic
    /// plan PostgreSQL moved to after five executions compared each
    /// matching document with each id, 80-110 ms for 850 candidates.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn text_scoring_is_one_statement_whatever_the_candidates() {
        let Some(app) = app_on_one_connection().await else {
            return;
        };
        let search = "query($r: Float) { services(first: 5, filter: {
            near: { postcode: \"EH6 4AE\" }, radiusKm: $r, text: \"support\" }) { totalCount } }";
        let radii = [0.5, 1.0, 3.0, 10.0, 30.0, 100.0, 200.0];
        let mut totals = Vec::new();
        for radius in radii {
            let data = app.data(search, json!({ "r": radius })).await;
            totals.push(data["services"]["totalCount"].as_i64().unwrap());
        }
        totals.dedup();
        assert!(
            totals.len() > 2,
            "the radii should find different numbers of services: {totals:?}"
        );

        let statements = prepared(&app, "ts_rank").await;
        assert_eq!(statements.len(), 1, "{statements:#?}");
        let (_, custom, generic) = &statements[0];
        assert_eq!(custom + generic, radii.len() as i64, "{statements:#?}");
    }

    /// A page of hubs reads its rows by a list of ids that PostgreSQL
    /// hashes (a semi-join): the hub table is small enough to be read
    /// whole, and as an array (`= ANY(...)`) the list was compared with
    /// every hub in turn, a tenth of PostgreSQL's work for the dashboard.
    /// Whatever the page size, the statement is the same.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_page_of_hubs_hashes_its_ids() {
        let Some(app) = app_on_one_connection().await else {
            return;
        };
        for first in [1, 3, 5] {
            let data = app.data(HUBS, json!({ "first": first })).await;
            assert_eq!(data["hubs"]["nodes"].as_array().unwrap().len() as i64, first, "{data}");
        }
        let statements = prepared(&app, "AS \"service_count\"").await;
        assert_eq!(statements.len(), 1, "{statements:#?}");
        let (text, custom, generic) = &statements[0];
        assert!(
            text.ends_with(r#"WHERE "hub"."id" IN (SELECT json_array_elements_text(($1)::json))"#),
            "{text}"
        );
        assert_eq!(custom + generic, 3, "{statements:#?}");
    }

    /// A search's page of services with their details is one prepared
    /// statement whatever the number of services on it (their ids go as
    /// one JSON array), and PostgreSQL keeps one plan for it: with a
    /// parameter per id each page size was a statement of its own, planned
    /// afresh on its first five executions on every connection.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_search_page_is_one_statement_whatever_its_size() {
        let Some(app) = app_on_one_connection().await else {
            return;
        };
        let search = "query($r: Float) { services(first: 20, filter: {
            near: { postcode: \"EH6 4AE\" }, radiusKm: $r }) {
            nodes { name organization { name } locations { name } phones { number } } } }";
        let radii = [0.3, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0, 100.0, 200.0];
        let mut sizes = Vec::new();
        for radius in radii {
            let data = app.data(search, json!({ "r": radius })).await;
            sizes.push(data["services"]["nodes"].as_array().unwrap().len());
        }
        // A search that finds nothing reads no page.
        let pages = sizes.iter().filter(|size| **size > 0).count() as i64;
        sizes.dedup();
        assert!(
            sizes.len() > 2,
            "the radii should give pages of different sizes: {sizes:?}"
        );

        let statements = prepared(&app, "rel_organization").await;
        assert_eq!(statements.len(), 1, "{statements:#?}");
        let (text, custom, generic) = &statements[0];
        assert!(text.contains("json_array_elements_text"), "{text}");
        assert_eq!(custom + generic, pages, "{statements:#?}");
        assert!(*custom <= 5 && *generic >= pages - 5, "{statements:#?}");
    }
}
