//! The partner search: radius, postcodes, coverage, taxonomy, who and how,
//! open at, ordering, facets and validation, checked against brute force.

use std::collections::{HashMap, HashSet};

use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code};
use crate::on_both;

/// Every page of `services` for `filter` / `order`, as edges (cursor, node, distanceKm).
async fn all_edges(app: &TestApp, filter: Value, order: &str, fields: &str) -> (Vec<Value>, i64) {
    let query = format!(
        "query($filter: ServiceFilter, $after: String) {{
            services(filter: $filter, orderBy: {order}, first: 37, after: $after) {{
                totalCount pageInfo {{ hasNextPage endCursor }}
                edges {{ distanceKm node {{ id {fields} }} }}
            }} }}"
    );
    let mut edges = Vec::new();
    let mut after = Value::Null;
    let mut total = None;
    loop {
        let data = app.data(&query, json!({ "filter": filter, "after": after })).await;
        let connection = &data["services"];
        total.get_or_insert(connection["totalCount"].as_i64().unwrap());
        edges.extend(connection["edges"].as_array().unwrap().iter().cloned());
        if connection["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = connection["pageInfo"]["endCursor"].clone();
    }
    let ids: HashSet<&str> = edges.iter().map(|e| e["node"]["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), edges.len(), "a service came twice");
    assert_eq!(edges.len() as i64, total.unwrap(), "walked rows differ from totalCount");
    (edges, total.unwrap())
}

/// The database id of a service category.
async fn category_row(app: &TestApp) -> String {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    entity::taxonomy_term::Entity::find()
        .filter(entity::taxonomy_term::Column::Taxonomy.eq("service-category"))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("a service category")
        .id
}

fn haversine(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lat2) = (a.0.to_radians(), b.0.to_radians());
    let d_lat = lat2 - lat1;
    let d_lon = (b.1 - a.1).to_radians();
    let h = (d_lat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (d_lon / 2.0).sin().powi(2);
    2.0 * 6371.0088 * h.sqrt().asin()
}

on_both! {
    /// Radius searches match a brute-force computation over the whole data set.
    async fn radius_search_matches_brute_force(app) {
        let (everything, _) = all_edges(&app, json!({}), "NAME", "locations { latitude longitude }").await;
        let points = [
            ("Edinburgh city centre", 55.9533, -3.1883),
            ("Glasgow city centre", 55.8642, -4.2518),
            ("rural Highland", 57.48, -4.70),
            ("Kirkwall, Orkney", 58.981, -2.960),
            ("Stornoway, Lewis", 58.209, -6.387),
        ];
        for (place, lat, lon) in points {
            for radius in [1.0, 5.0, 25.0, 80.0] {
                let mut expected: HashMap<String, f64> = HashMap::new();
                for edge in &everything {
                    let nearest = edge["node"]["locations"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter_map(|l| Some(haversine((lat, lon), (l["latitude"].as_f64()?, l["longitude"].as_f64()?))))
                        .filter(|d| *d <= radius)
                        .fold(f64::INFINITY, f64::min);
                    if nearest.is_finite() {
                        expected.insert(edge["node"]["id"].as_str().unwrap().to_owned(), nearest);
                    }
                }
                let filter = json!({ "near": { "latitude": lat, "longitude": lon }, "radiusKm": radius });
                let (found, _) = all_edges(&app, filter, "DISTANCE", "").await;
                let got: HashMap<String, f64> = found
                    .iter()
                    .map(|e| (e["node"]["id"].as_str().unwrap().to_owned(), e["distanceKm"].as_f64().unwrap()))
                    .collect();
                assert_eq!(
                    got.keys().collect::<HashSet<_>>(),
                    expected.keys().collect::<HashSet<_>>(),
                    "{place}, {radius} km"
                );
                for (id, distance) in &got {
                    assert!((distance - expected[id]).abs() < 0.002, "{place} {radius}: {distance} vs {}", expected[id]);
                }
                let distances: Vec<f64> = found.iter().map(|e| e["distanceKm"].as_f64().unwrap()).collect();
                assert!(distances.windows(2).all(|w| w[0] <= w[1]), "not nearest first: {distances:?}");
            }
        }
        // The Edinburgh centre has services within 5 km in the demo set; Orkney within 25.
        let city = json!({ "near": { "latitude": 55.9533, "longitude": -3.1883 } });
        assert!(all_edges(&app, city, "DISTANCE", "").await.1 > 0);
    }
}

on_both! {
    /// Postcodes: any case and spacing, outward codes, clear errors, and radius searches by postcode.
    async fn postcodes_resolve_and_search(app) {
        let data = app.data("{ locations(first: 1, filter: { areaCodes: [\"S12000036\"] }) { nodes { latitude longitude areaCode address { postalCode } } } }", json!({})).await;
        let location = &data["locations"]["nodes"][0];
        let code = location["address"]["postalCode"].as_str().unwrap().to_owned();
        let messy = format!("  {}  ", code.to_lowercase().replace(' ', ""));
        let found = app.data("query($c: String!) { postcode(code: $c) { code outward latitude longitude areaCode } }", json!({ "c": messy })).await;
        assert_eq!(found["postcode"]["code"], code);
        assert_eq!(found["postcode"]["areaCode"], "S12000036");
        let outward = found["postcode"]["outward"].as_str().unwrap().to_owned();
        assert!(code.starts_with(&outward));
        let district = app.data("query($c: String!) { postcode(code: $c) { code latitude areaCode } }", json!({ "c": outward.to_lowercase() })).await;
        assert_eq!(district["postcode"]["code"], outward);
        assert!(district["postcode"]["latitude"].as_f64().is_some());

        let unknown = app.data(r#"{ postcode(code: "ZZ9 9ZZ") { code } }"#, json!({})).await;
        assert!(unknown["postcode"].is_null());
        let malformed = app.graphql(r#"{ postcode(code: "'; DROP TABLE postcode") { code } }"#, json!({})).await;
        assert_eq!(error_code(&malformed), "BAD_USER_INPUT");
        assert_eq!(malformed["errors"][0]["message"], "not a UK postcode");

        let by_postcode = app
            .graphql("query($c: String) { services(filter: { near: { postcode: $c } }, orderBy: DISTANCE) { totalCount edges { distanceKm } } }", json!({ "c": messy }))
            .await;
        assert!(by_postcode["errors"].is_null(), "{by_postcode}");
        assert!(by_postcode["data"]["services"]["totalCount"].as_i64().unwrap() > 0);
        let not_found = app.graphql(r#"{ services(filter: { near: { postcode: "ZZ9 9ZZ" } }) { totalCount } }"#, json!({})).await;
        assert_eq!(error_code(&not_found), "BAD_USER_INPUT");
        assert_eq!(not_found["errors"][0]["message"], "postcode not found");
        assert_eq!(not_found["errors"][0]["extensions"]["field"], json!(["filter", "near", "postcode"]));
        let bad = app.graphql(r#"{ services(filter: { coversPostcode: "hello" }) { totalCount } }"#, json!({})).await;
        assert_eq!(bad["errors"][0]["message"], "not a UK postcode");
        assert_eq!(bad["errors"][0]["extensions"]["field"], json!(["filter", "coversPostcode"]));
    }
}

on_both! {
    /// coversPostcode: services whose area covers the postcode's council area, plus national ones.
    async fn coverage_by_postcode_includes_national_services(app) {
        let data = app.data("{ locations(first: 1, filter: { areaCodes: [\"S12000017\"] }) { nodes { address { postalCode } } } }", json!({})).await;
        let code = data["locations"]["nodes"][0]["address"]["postalCode"].clone();
        let (edges, total) = all_edges(&app, json!({ "coversPostcode": code }), "NAME", "serviceAreas { areaCode }").await;
        assert!(total > 0);
        let mut national = 0;
        for edge in &edges {
            let areas: Vec<&str> = edge["node"]["serviceAreas"].as_array().unwrap().iter().filter_map(|a| a["areaCode"].as_str()).collect();
            assert!(areas.contains(&"S12000017") || areas.contains(&"SCOTLAND"), "{areas:?}");
            national += areas.contains(&"SCOTLAND") as usize;
        }
        assert!(national > 0, "national services are included");
        assert!(national < edges.len(), "local services are included");
    }
}

on_both! {
    /// Who and how: age, languages, accessibility, all-of taxonomy; filters combine with AND.
    async fn who_and_how_filters_combine(app) {
        let (for_15, _) = all_edges(&app, json!({ "age": 15 }), "NAME", "minimumAge maximumAge").await;
        assert!(!for_15.is_empty());
        for edge in &for_15 {
            let node = &edge["node"];
            assert!(node["minimumAge"].as_i64().is_none_or(|m| m <= 15) && node["maximumAge"].as_i64().is_none_or(|m| m >= 15), "{node}");
        }
        let (everyone, _) = all_edges(&app, json!({}), "NAME", "").await;
        assert!(for_15.len() < everyone.len(), "some services are not for 15-year-olds");

        let (gaelic, _) = all_edges(&app, json!({ "languages": ["GD"] }), "NAME", "languages { code }").await;
        assert!(!gaelic.is_empty());
        assert!(gaelic.iter().all(|e| e["node"]["languages"].as_array().unwrap().iter().any(|l| l["code"] == "gd")));

        let terms = app.data(r#"{ a: taxonomyTerms(taxonomy: "accessibility", first: 100) { nodes { id name } } }"#, json!({})).await;
        let step_free = terms["a"]["nodes"].as_array().unwrap().iter().find(|t| t["name"].as_str().unwrap().to_lowercase().contains("step-free")).expect("a step-free term").clone();
        let (accessible, _) = all_edges(&app, json!({ "accessibilityTermIds": [step_free["id"]] }), "NAME", "locations { taxonomyTerms { id } }").await;
        assert!(!accessible.is_empty() && accessible.len() < everyone.len());
        for edge in &accessible {
            let at = edge["node"]["locations"].as_array().unwrap();
            assert!(at.iter().any(|l| l["taxonomyTerms"].as_array().unwrap().iter().any(|t| t["id"] == step_free["id"])));
        }

        // allTaxonomyTermIds: a category and an audience together.
        let first = &everyone[0];
        let data = app.data("query($id: ID!) { service(id: $id) { taxonomyTerms { id taxonomy } } }", json!({ "id": first["node"]["id"] })).await;
        let terms = data["service"]["taxonomyTerms"].as_array().unwrap();
        let category = terms.iter().find(|t| t["taxonomy"] == "service-category").unwrap()["id"].clone();
        let audience = terms.iter().find(|t| t["taxonomy"] == "audience").unwrap()["id"].clone();
        let (both, _) = all_edges(&app, json!({ "allTaxonomyTermIds": [category, audience] }), "NAME", "taxonomyTerms { id }").await;
        assert!(both.iter().any(|e| e["node"]["id"] == first["node"]["id"]));
        for edge in &both {
            let ids: Vec<&Value> = edge["node"]["taxonomyTerms"].as_array().unwrap().iter().map(|t| &t["id"]).collect();
            assert!(ids.contains(&&category) && ids.contains(&&audience));
        }
        let (either, _) = all_edges(&app, json!({ "taxonomyTermIds": [category, audience] }), "NAME", "").await;
        assert!(either.len() >= both.len());

        // Everything at once is valid.
        let combined = json!({
            "text": "support", "near": { "latitude": 56.0, "longitude": -4.0 }, "radiusKm": 200, "age": 30,
            "languages": ["en"], "taxonomyTermIds": [category], "openAt": "2026-11-24T11:00:00Z",
            "modifiedAfter": "2000-01-01T00:00:00Z", "status": ["ACTIVE"]
        });
        all_edges(&app, combined, "RELEVANCE", "").await;
    }
}

on_both! {
    /// openAt agrees with isOpen for every service, on a weekday morning and a Sunday night.
    async fn open_at_agrees_with_is_open(app) {
        for at in ["2026-11-24T11:00:00Z", "2026-11-29T23:30:00Z", "2026-07-07T09:30:00Z"] {
            let (everything, _) = all_edges(&app, json!({}), "NAME", &format!("isOpen(at: \"{at}\")")).await;
            let expected: HashSet<String> = everything
                .iter()
                .filter(|e| e["node"]["isOpen"] == true)
                .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
                .collect();
            let (open, _) = all_edges(&app, json!({ "openAt": at }), "RELEVANCE", "").await;
            let got: HashSet<String> = open.iter().map(|e| e["node"]["id"].as_str().unwrap().to_owned()).collect();
            assert_eq!(got, expected, "at {at}");
            if at.starts_with("2026-11-24") {
                assert!(!got.is_empty(), "services open on a Tuesday morning");
            }
        }
    }
}

on_both! {
    /// Orders: every order walks each match once; reviewed listings come before review-due ones.
    async fn every_order_pages_stably(app) {
        let (relevance, total) = all_edges(&app, json!({}), "RELEVANCE", "reviewDue name").await;
        let due: Vec<bool> = relevance.iter().map(|e| e["node"]["reviewDue"].as_bool().unwrap()).collect();
        assert!(due.windows(2).all(|w| !w[0] || w[1]), "a review-due listing ranks before a reviewed one");
        assert!(due.contains(&true) && due.contains(&false), "the demo set has both");
        // Without text or a centre, relevance is the review flag, then the name
        // (paged in the database since the default order is the commonest).
        let keys: Vec<(bool, &str)> = relevance
            .iter()
            .map(|e| (e["node"]["reviewDue"].as_bool().unwrap(), e["node"]["name"].as_str().unwrap()))
            .collect();
        assert!(keys.windows(2).all(|w| w[0] <= w[1]), "not by review, then name: {keys:?}");

        let (reviewed, _) = all_edges(&app, json!({}), "RECENTLY_REVIEWED", "assuredDate").await;
        assert_eq!(reviewed.len() as i64, total);
        let dates: Vec<String> = reviewed.iter().map(|e| e["node"]["assuredDate"].as_str().unwrap_or("").to_owned()).collect();
        let with_dates: Vec<&String> = dates.iter().filter(|d| !d.is_empty()).collect();
        assert!(with_dates.windows(2).all(|w| w[0] >= w[1]), "not most recent first");

        let (text, _) = all_edges(&app, json!({ "text": "young people" }), "RELEVANCE", "name description reviewDue").await;
        assert!(!text.is_empty());
        let reviewed_only: Vec<bool> = text
            .iter()
            .filter(|e| e["node"]["reviewDue"] == false)
            .map(|e| e["node"]["name"].as_str().unwrap().to_lowercase().contains("young people"))
            .collect();
        assert!(reviewed_only.windows(2).all(|w| w[0] || !w[1]), "a description match ranks before a name match");

        let order_error = app.graphql("{ services(orderBy: DISTANCE) { totalCount } }", json!({})).await;
        assert_eq!(error_code(&order_error), "BAD_USER_INPUT");
    }
}

on_both! {
    /// Facets count what the same filter plus that term would total.
    async fn facets_match_filtered_totals(app) {
        let filter = json!({ "near": { "latitude": 55.8642, "longitude": -4.2518 }, "radiusKm": 30 });
        let data = app
            .data("query($f: ServiceFilter) { serviceFacets(filter: $f) { term { id name } count } }", json!({ "f": filter }))
            .await;
        let facets = data["serviceFacets"].as_array().unwrap();
        assert!(facets.len() > 3);
        for facet in facets {
            let mut narrowed = filter.clone();
            narrowed["taxonomyTermIds"] = json!([facet["term"]["id"]]);
            let total = app.data("query($f: ServiceFilter) { services(filter: $f) { totalCount } }", json!({ "f": narrowed })).await;
            assert_eq!(total["services"]["totalCount"], facet["count"], "{}", facet["term"]["name"]);
        }
        let audience = app.data(r#"{ serviceFacets(taxonomy: "audience") { term { taxonomy } count } }"#, json!({})).await;
        assert!(audience["serviceFacets"].as_array().unwrap().iter().all(|f| f["term"]["taxonomy"] == "audience"));
    }
}

on_both! {
    /// Out-of-range input is BAD_USER_INPUT with the field path, nothing else.
    async fn invalid_search_input_names_the_field(app) {
        for (filter, field) in [
            (json!({ "near": { "latitude": 56.0, "longitude": -4.0 }, "radiusKm": 0 }), json!(["filter", "radiusKm"])),
            (json!({ "near": { "latitude": 56.0, "longitude": -4.0 }, "radiusKm": 201 }), json!(["filter", "radiusKm"])),
            (json!({ "near": { "latitude": 56.0, "longitude": -4.0 }, "radiusKm": -3 }), json!(["filter", "radiusKm"])),
            (json!({ "near": { "latitude": 91.0, "longitude": -4.0 } }), json!(["filter", "near", "latitude"])),
            (json!({ "near": { "latitude": 56.0, "longitude": 190.0 } }), json!(["filter", "near", "longitude"])),
            (json!({ "near": { "latitude": 56.0 } }), json!(["filter", "near"])),
            (json!({ "age": -1 }), json!(["filter", "age"])),
            (json!({ "radiusKm": 5 }), json!(["filter", "near"])),
        ] {
            let response = app.graphql("query($f: ServiceFilter) { services(filter: $f) { totalCount } }", json!({ "f": filter })).await;
            assert_eq!(error_code(&response), "BAD_USER_INPUT", "{filter}: {response}");
            assert_eq!(response["errors"][0]["extensions"]["field"], field, "{filter}");
        }
    }
}

on_both! {
    /// A partner search costs a fixed number of statements whatever the page size.
    async fn partner_search_costs_fixed_statements(app) {
        let query = "query($first: Int) { services(first: $first, filter: {
                near: { latitude: 55.8642, longitude: -4.2518 }, radiusKm: 50, age: 30, text: \"support\",
                openAt: \"2026-11-24T11:00:00Z\"
            }) { totalCount nodes { name organization { name } locations { name } schedules { byDay }
                 phones { number } taxonomyTerms { name } } } }";
        let mut counts = Vec::new();
        for first in [1, 5, 20] {
            let before = app.statements();
            let data = app.data(query, json!({ "first": first })).await;
            assert!(!data["services"]["nodes"].as_array().unwrap().is_empty());
            counts.push(app.statements() - before);
        }
        assert!(counts.windows(2).all(|w| w[0] == w[1]), "statements vary with page size: {counts:?}");
        assert!(counts[0] <= 12, "{counts:?}");
    }
}

on_both! {
    /// Text search: stemmed words over name, description, organization and terms; input is never syntax.
    async fn text_search_is_stemmed_ranked_and_safe(app) {
        let total = |text: &str| {
            let app = &app;
            let text = text.to_owned();
            async move {
                let data = app.graphql("query($t: String) { services(filter: { text: $t }) { totalCount } }", json!({ "t": text })).await;
                assert!(data["errors"].is_null(), "{text}: {data}");
                data["data"]["services"]["totalCount"].as_i64().unwrap()
            }
        };
        let support = total("support").await;
        assert!(support > 0);
        assert_eq!(total("supporting").await, support, "stemmed");
        assert_eq!(total("SUPPORT").await, support);
        for hostile in ["\"", "*", "support*", "NEAR(support carers)", "name:support", "-support", "support AND OR NOT", "'; DROP TABLE service; --", "{}[]()^~", "café's"] {
            total(hostile).await;
        }
        assert_eq!(total("the and of").await, 0, "stop words alone match nothing");

        // Organization names and taxonomy term names are searched too.
        let data = app.data("{ services(orderBy: NAME, first: 50) { nodes { id organization { name } taxonomyTerms { name } } } }", json!({})).await;
        let service = data["services"]["nodes"].as_array().unwrap().iter().find(|s| !s["taxonomyTerms"].as_array().unwrap().is_empty()).unwrap().clone();
        for text in [service["organization"]["name"].as_str().unwrap(), service["taxonomyTerms"][0]["name"].as_str().unwrap()] {
            let (edges, _) = all_edges(&app, json!({ "text": text }), "RELEVANCE", "").await;
            assert!(edges.iter().any(|e| e["node"]["id"] == service["id"]), "{text} does not find {}", service["id"]);
        }

        // Name matches rank above description matches (among reviewed listings, which come first).
        let (ranked, _) = all_edges(&app, json!({ "text": "warm" }), "RELEVANCE", "name reviewDue").await;
        let reviewed: Vec<bool> = ranked
            .iter()
            .filter(|e| e["node"]["reviewDue"] == false)
            .map(|e| e["node"]["name"].as_str().unwrap().to_lowercase().contains("warm"))
            .collect();
        assert!(reviewed.contains(&true));
        assert!(reviewed.windows(2).all(|w| w[0] || !w[1]), "a description match ranks above a name match: {reviewed:?}");
    }
}

on_both! {
    /// The radius search's candidate statement, with the partner search's
    /// filters (category, age), is one range of `located_service`'s box
    /// index on both databases, with no look-up per row.
    async fn radius_prefilter_uses_the_location_index(app) {
        use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
        use hubgraph::services::search::{ServiceFilter, radius_statement};
        let db = &app.state.db;
        let backend = db.get_database_backend();
        let filter = ServiceFilter {
            near: Some(hubgraph::services::geo::GeoPoint { latitude: 55.95, longitude: -3.19 }),
            radius_km: Some(10.0),
            taxonomy_term_ids: vec![category_row(&app).await],
            age: Some(30),
            ..Default::default()
        };
        let query = backend.build(&radius_statement(db, &filter).await.unwrap());
        let plan: Vec<String> = match backend {
            DatabaseBackend::Sqlite => {
                let explain = Statement::from_sql_and_values(backend, format!("EXPLAIN QUERY PLAN {}", query.sql), query.values.unwrap().0);
                db.query_all_raw(explain).await.unwrap().iter().map(|row| row.try_get::<String>("", "detail").unwrap()).collect()
            }
            _ => {
                // On a table this small PostgreSQL rightly prefers a sequential
                // scan; with it off, the plan shows the index can answer the query.
                let txn = sea_orm::TransactionTrait::begin(db).await.unwrap();
                txn.execute_unprepared("SET LOCAL enable_seqscan = off").await.unwrap();
                let explain = Statement::from_sql_and_values(backend, format!("EXPLAIN {}", query.sql), query.values.unwrap().0);
                let rows = txn.query_all_raw(explain).await.unwrap();
                rows.iter().map(|row| row.try_get::<String>("", "QUERY PLAN").unwrap()).collect()
            }
        };
        let plan = plan.join("\n");
        let index = match backend {
            DatabaseBackend::Sqlite => "located_service USING PRIMARY KEY (longitude_strip=? AND latitude>? AND latitude<?)",
            _ => "Index Only Scan using idx_located_service_box",
        };
        assert!(plan.contains(index), "the prefilter does not use the index:\n{plan}");
        for other in ["attribute", "service_at_location", " service "] {
            assert!(!plan.contains(other), "the prefilter reads {other}:\n{plan}");
        }
    }
}

on_both! {
    /// A bulk load leaves the planner its statistics and, on PostgreSQL,
    /// every page of the radius search's link table marked all-visible, so
    /// its covering index answers without visiting the table.
    async fn a_bulk_load_leaves_statistics_and_visible_pages(app) {
        use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
        let db = &app.state.db;
        let backend = db.get_database_backend();
        let sql = match backend {
            DatabaseBackend::Sqlite => "SELECT count(*) AS n, 0 AS hidden FROM sqlite_stat1 WHERE tbl = 'service_at_location'",
            _ => "SELECT count(*) AS n, sum(relpages - relallvisible)::int8 AS hidden FROM pg_class \
                  WHERE relname = 'service_at_location' AND reltuples > 0 AND relpages > 0",
        };
        let row = db.query_one_raw(Statement::from_string(backend, sql)).await.unwrap().unwrap();
        let found: i64 = row.try_get("", "n").unwrap();
        let hidden: i64 = row.try_get("", "hidden").unwrap();
        assert!(found > 0, "no statistics for service_at_location");
        assert_eq!(hidden, 0, "pages not marked all-visible after the load");
    }
}

on_both! {
    /// The latest migrations (change announcements, located services,
    /// full-text rows, tables named in announcements, closed hubs' occupancy,
    /// step kinds, postcode geography) undo and redo on a loaded database, and the radius search,
    /// with and without a category or an age, answers the same afterwards: the
    /// located services are filled from the rows already there.
    async fn covering_index_migration_rolls_back_and_forward(app) {
        use migration::MigratorTrait;
        let near = "services(first: 50, filter: { near: { latitude: 55.95, longitude: -3.19 }, radiusKm: 20 }) { nodes { taxonomyTerms { id } } }";
        let nearby = app.data(&format!("{{ {near} }}"), json!({})).await;
        let category = nearby["services"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find_map(|n| n["taxonomyTerms"][0]["id"].as_str())
            .expect("a categorised service nearby")
            .to_owned();
        let query = "query($category: ID!) {
            all: services(first: 50, filter: { near: { latitude: 55.95, longitude: -3.19 }, radiusKm: 20 }) { totalCount nodes { id } }
            some: services(first: 50, filter: { near: { latitude: 55.95, longitude: -3.19 }, radiusKm: 20, taxonomyTermIds: [$category] }) { totalCount nodes { id } }
            aged: services(first: 50, filter: { near: { latitude: 55.95, longitude: -3.19 }, radiusKm: 20, age: 30 }) { totalCount nodes { id } } }";
        let variables = json!({ "category": category });
        let before = app.data(query, variables.clone()).await;
        assert!(before["all"]["totalCount"].as_i64().unwrap() > 0, "{before}");
        assert!(before["some"]["totalCount"].as_i64().unwrap() > 0, "{before}");
        let db = &app.state.db;
        migration::Migrator::down(db, Some(8)).await.expect("down");
        migration::Migrator::up(db, None).await.expect("up again");
        assert_eq!(app.data(query, variables).await, before);
        assert!(migration::Migrator::get_pending_migrations(db).await.unwrap().is_empty());
    }
}

on_both! {
    /// Pages of services by name carry each service's own taxonomy terms
    /// (read for a whole page at once on PostgreSQL, per service on SQLite)
    /// and keep the order the same pages have without terms.
    async fn pages_by_name_carry_their_own_terms_in_order(app) {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

        let walk = |selection: &'static str| {
            let app = &app;
            async move {
                let query = format!(
                    "query($after: String) {{ services(orderBy: NAME, first: 7, after: $after) {{
                        pageInfo {{ hasNextPage endCursor }} nodes {{ {selection} }} }} }}"
                );
                let mut nodes = Vec::new();
                let mut after = Value::Null;
                loop {
                    let data = app.data(&query, json!({ "after": after })).await;
                    let page = &data["services"];
                    nodes.extend(page["nodes"].as_array().unwrap().iter().cloned());
                    if page["pageInfo"]["hasNextPage"] != true {
                        return nodes;
                    }
                    after = page["pageInfo"]["endCursor"].clone();
                }
            }
        };
        let with_terms = walk("hsdsId taxonomyTerms { hsdsId }").await;
        let without = walk("hsdsId").await;
        assert!(with_terms.len() > 7, "more than one page: {}", with_terms.len());
        let ids = |nodes: &[Value]| nodes.iter().map(|n| n["hsdsId"].clone()).collect::<Vec<_>>();
        assert_eq!(ids(&with_terms), ids(&without), "the terms change the order");

        let mut with_some = 0;
        for node in &with_terms {
            let id = node["hsdsId"].as_str().unwrap();
            let mut linked: Vec<String> = entity::attribute::Entity::find()
                .filter(entity::attribute::Column::LinkId.eq(id))
                .filter(entity::attribute::Column::LinkEntity.eq("service"))
                .all(&app.state.db)
                .await
                .unwrap()
                .into_iter()
                .map(|a| a.taxonomy_term_id)
                .collect();
            linked.sort();
            linked.dedup();
            let shown: Vec<String> = node["taxonomyTerms"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["hsdsId"].as_str().unwrap().to_owned())
                .collect();
            assert_eq!(shown, linked, "terms of {id}");
            with_some += usize::from(!shown.is_empty());
        }
        assert!(with_some > 1, "services with terms: {with_some}");
    }
}

on_both! {
    /// A cursor of the default order whose key is not a review flag and a
    /// name is refused, naming `after`, like any forged cursor.
    async fn a_forged_default_order_cursor_is_refused(app) {
        use base64::Engine;
        let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"k":"xSome name","i":"some-id"}"#);
        let response = app
            .graphql("query($a: String) { services(first: 2, after: $a) { nodes { id } } }", json!({ "a": forged }))
            .await;
        assert_eq!(error_code(&response), "BAD_USER_INPUT", "{response:#}");
        assert_eq!(response["errors"][0]["extensions"]["field"], json!(["after"]), "{response:#}");
    }
}

/// On PostgreSQL the relevance of a few candidates (the radius search's)
/// looks each one up by key even in the generic plan that prepared
/// statements settle on, instead of reading every document with the word
/// from the index of words.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn few_candidates_are_scored_by_key_on_postgres() {
    use sea_orm::{ConnectionTrait, EntityTrait, QuerySelect, Statement, TransactionTrait};
    let Some(app) = crate::helpers::spawn_app(crate::helpers::Backend::Postgres).await else {
        return;
    };
    let db = &app.state.db;
    let ids: Vec<String> = entity::service::Entity::find()
        .select_only()
        .column(entity::service::Column::Id)
        .limit(40)
        .into_tuple()
        .all(db)
        .await
        .unwrap();
    let statement = hubgraph::services::text::postgres_relevance_statement(&["support".to_owned()], &ids).unwrap();
    let json = serde_json::to_string(&ids).unwrap();
    assert!(!json.contains('\''), "ids quoted as they are below");
    let txn = db.begin().await.unwrap();
    txn.execute_unprepared(&format!("PREPARE relevance(text, text) AS {}", statement.sql))
        .await
        .unwrap();
    txn.execute_unprepared("SET LOCAL plan_cache_mode = force_generic_plan")
        .await
        .unwrap();
    // On a table this small a sequential scan is cheapest; without it the
    // plan shows which index the statement can be answered from.
    txn.execute_unprepared("SET LOCAL enable_seqscan = off").await.unwrap();
    let explain = format!("EXPLAIN EXECUTE relevance('support', '{json}')");
    let rows = txn
        .query_all_raw(Statement::from_string(db.get_database_backend(), explain))
        .await
        .unwrap();
    let plan: Vec<String> = rows
        .iter()
        .map(|row| row.try_get::<String>("", "QUERY PLAN").unwrap())
        .collect();
    let plan = plan.join("\n");
    assert!(
        plan.contains("service_search_pkey"),
        "candidates not looked up by key:\n{plan}"
    );
    assert!(
        !plan.contains("idx_service_search_document"),
        "the index of words is read:\n{plan}"
    );
    // The statement still answers: some of the services mention support.
    txn.rollback().await.unwrap();
    let found = hubgraph::services::text::relevance(db, "support", &ids).await.unwrap();
    assert!(found.keys().all(|id| ids.contains(id)));
}
