//! The directory read API: what a partner website queries.

use serde_json::{Value, json};

use crate::on_both;

const SERVICE_FIELDS: &str = "id hsdsId name description status minimumAge maximumAge reviewDue lastModified version
    organization { id name }
    locations { id name latitude longitude areaCode address { address1 city postalCode country } }
    schedules { freq byDay opensAt closesAt closed }
    phones { number type }
    taxonomyTerms { id name taxonomy }
    languages { name code }
    serviceAreas { name areaCode }";

async fn first_service(app: &crate::helpers::TestApp) -> Value {
    let data = app
        .data(
            &format!("{{ services(first: 1) {{ nodes {{ {SERVICE_FIELDS} }} }} }}"),
            json!({}),
        )
        .await;
    data["services"]["nodes"][0].clone()
}

on_both! {
    /// The demo set covers Scotland with the volumes the README promises.
    async fn demo_set_has_the_promised_volumes(app) {
        let data = app
            .data(
                r#"{
                    all: services(filter: { status: [ACTIVE, INACTIVE, DEFUNCT, TEMPORARILY_CLOSED] }) { totalCount }
                    organizations { totalCount }
                    locations { totalCount }
                    areas { code name kind hscpName }
                    taxonomies { name }
                }"#,
                json!({}),
            )
            .await;
        assert!(data["all"]["totalCount"].as_i64().unwrap() >= 300, "{data}");
        assert!(data["organizations"]["totalCount"].as_i64().unwrap() >= 80);
        assert!(data["locations"]["totalCount"].as_i64().unwrap() >= 120);
        let areas = data["areas"].as_array().unwrap();
        let councils: Vec<&Value> = areas.iter().filter(|a| a["kind"] == "COUNCIL_AREA").collect();
        assert_eq!(councils.len(), 32);
        assert!(councils.iter().all(|a| a["hscpName"].as_str().is_some_and(|n| n.contains("Partnership"))));
        assert!(areas.iter().any(|a| a["code"] == "SCOTLAND"));
        let taxonomies: Vec<&str> = data["taxonomies"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
        for expected in ["service-category", "audience", "accessibility", "hub-facility"] {
            assert!(taxonomies.contains(&expected), "missing taxonomy {expected}: {taxonomies:?}");
        }
        // Every council area has at least one location, and libraries are many.
        for area in councils {
            let data = app
                .data("query($a: [String!]) { locations(filter: { areaCodes: $a }) { totalCount } }", json!({ "a": [area["code"]] }))
                .await;
            assert!(data["locations"]["totalCount"].as_i64().unwrap() >= 1, "no location in {}", area["name"]);
        }
        let libraries = app.data(r#"{ locations(filter: { text: "library" }, first: 1) { totalCount } }"#, json!({})).await;
        assert!(libraries["locations"]["totalCount"].as_i64().unwrap() >= 40);
    }
}

on_both! {
    /// A partner site lists services with everything it shows on a card.
    async fn services_come_with_their_nested_details(app) {
        let service = first_service(&app).await;
        assert!(service["name"].as_str().is_some());
        assert!(service["organization"]["name"].as_str().is_some());
        assert_eq!(service["status"], "ACTIVE");
        // Some service in the demo set has each nested list filled.
        let data = app.data(&format!("{{ services(first: 100) {{ nodes {{ {SERVICE_FIELDS} }} }} }}"), json!({})).await;
        let nodes = data["services"]["nodes"].as_array().unwrap();
        for list in ["locations", "schedules", "phones", "taxonomyTerms", "languages", "serviceAreas"] {
            assert!(nodes.iter().any(|s| !s[list].as_array().unwrap().is_empty()), "no service has {list}");
        }
        let located = nodes.iter().find(|s| !s["locations"].as_array().unwrap().is_empty()).unwrap();
        let location = &located["locations"][0];
        let lat = location["latitude"].as_f64().unwrap();
        let lon = location["longitude"].as_f64().unwrap();
        assert!((54.6..=60.9).contains(&lat) && (-8.7..=-0.7).contains(&lon), "not in Scotland: {location}");
        assert!(location["address"]["postalCode"].as_str().is_some());
    }
}

on_both! {
    /// One service, organization and location by id, and the lists reachable from them.
    async fn single_records_by_id(app) {
        let service = first_service(&app).await;
        let data = app
            .data(
                "query($s: ID!, $o: ID!, $l: ID!) {
                    service(id: $s) { id name }
                    organization(id: $o) { id name services(first: 50) { totalCount nodes { id } } locations { id } }
                    location(id: $l) { id name services { id } schedules { byDay } accessibility { description } organization { id } }
                }",
                json!({ "s": service["id"], "o": service["organization"]["id"], "l": service["locations"][0]["id"] }),
            )
            .await;
        assert_eq!(data["service"]["id"], service["id"]);
        let org_services = data["organization"]["services"]["nodes"].as_array().unwrap();
        assert!(org_services.iter().any(|s| s["id"] == service["id"]));
        assert_eq!(data["location"]["id"], service["locations"][0]["id"]);
        assert!(data["location"]["services"].as_array().unwrap().iter().any(|s| s["id"] == service["id"]));
        // The raw HSDS id works too.
        let raw = app.data("query($s: ID!) { service(id: $s) { id } }", json!({ "s": service["hsdsId"] })).await;
        assert_eq!(raw["service"]["id"], service["id"]);
    }
}

on_both! {
    /// Filters: text (any case), organization, area, status and taxonomy (with descendants).
    async fn service_filters_narrow_the_list(app) {
        let all = app.data("{ services { totalCount } }", json!({})).await["services"]["totalCount"].as_i64().unwrap();

        let warm = app
            .data(r#"{ services(filter: { text: "WARM SPACE" }, first: 100) { totalCount nodes { name description organization { name } taxonomyTerms { name } } } }"#, json!({}))
            .await;
        let warm_count = warm["services"]["totalCount"].as_i64().unwrap();
        assert!(warm_count > 0 && warm_count < all);
        for node in warm["services"]["nodes"].as_array().unwrap() {
            // Stemmed full-text search: both words somewhere in the indexed fields.
            let text = format!("{} {} {} {}", node["name"], node["description"], node["organization"], node["taxonomyTerms"]).to_lowercase();
            assert!(text.contains("warm") && text.contains("space"), "{text}");
        }
        // LIKE wildcards in the input are literal text.
        let wild = app.data(r#"{ services(filter: { text: "%_%" }) { totalCount } }"#, json!({})).await;
        assert_eq!(wild["services"]["totalCount"], 0);

        let service = first_service(&app).await;
        let by_org = app
            .data("query($o: ID!) { services(filter: { organizationId: $o }, first: 100) { nodes { organization { id } } } }", json!({ "o": service["organization"]["id"] }))
            .await;
        let nodes = by_org["services"]["nodes"].as_array().unwrap();
        assert!(!nodes.is_empty());
        assert!(nodes.iter().all(|s| s["organization"]["id"] == service["organization"]["id"]));

        let area = service["locations"][0]["areaCode"].clone();
        let by_area = app
            .data("query($a: [String!]) { services(filter: { areaCodes: $a }, first: 100) { totalCount nodes { locations { areaCode } serviceAreas { areaCode } } } }", json!({ "a": [area] }))
            .await;
        assert!(by_area["services"]["totalCount"].as_i64().unwrap() < all);
        for node in by_area["services"]["nodes"].as_array().unwrap() {
            let here = node["locations"].as_array().unwrap().iter().any(|l| l["areaCode"] == area)
                || node["serviceAreas"].as_array().unwrap().iter().any(|a| a["areaCode"] == area);
            assert!(here, "service outside {area}: {node}");
        }

        let inactive = app
            .data("{ services(filter: { status: [INACTIVE] }, first: 100) { totalCount nodes { status } } }", json!({}))
            .await;
        assert!(inactive["services"]["nodes"].as_array().unwrap().iter().all(|s| s["status"] == "INACTIVE"));
        let every = app
            .data("{ services(filter: { status: [ACTIVE, INACTIVE, DEFUNCT, TEMPORARILY_CLOSED] }) { totalCount } }", json!({}))
            .await;
        assert!(every["services"]["totalCount"].as_i64().unwrap() >= all + inactive["services"]["totalCount"].as_i64().unwrap());
    }
}

on_both! {
    /// Asking for a parent category finds services filed under its children.
    async fn taxonomy_filter_includes_descendants(app) {
        let tree = app
            .data(
                r#"{ taxonomyTerms(taxonomy: "service-category", first: 100) { nodes { id name parent { id } children { id name } } } }"#,
                json!({}),
            )
            .await;
        let terms = tree["taxonomyTerms"]["nodes"].as_array().unwrap();
        let parent = terms
            .iter()
            .find(|t| t["parent"].is_null() && !t["children"].as_array().unwrap().is_empty())
            .expect("a category with children");
        let child_ids: Vec<Value> = parent["children"].as_array().unwrap().iter().map(|c| c["id"].clone()).collect();
        let by_parent = app
            .data("query($t: [ID!]) { services(filter: { taxonomyTermIds: $t }, first: 100) { totalCount } }", json!({ "t": [parent["id"]] }))
            .await;
        let by_children = app
            .data("query($t: [ID!]) { services(filter: { taxonomyTermIds: $t }, first: 100) { totalCount nodes { taxonomyTerms { id } } } }", json!({ "t": child_ids }))
            .await;
        let children_total = by_children["services"]["totalCount"].as_i64().unwrap();
        assert!(children_total > 0, "no service under the children of {}", parent["name"]);
        assert!(by_parent["services"]["totalCount"].as_i64().unwrap() >= children_total);
        for node in by_children["services"]["nodes"].as_array().unwrap() {
            assert!(node["taxonomyTerms"].as_array().unwrap().iter().any(|t| child_ids.contains(&t["id"])));
        }
        // The tree reads both ways.
        let child = &parent["children"][0];
        let back = app.data("query($id: ID!) { node(id: $id) { ... on TaxonomyTerm { parent { id } } } }", json!({ "id": child["id"] })).await;
        assert_eq!(back["node"]["parent"]["id"], parent["id"]);
        let listed = app
            .data("query($p: ID) { taxonomyTerms(parentId: $p, first: 100) { totalCount } }", json!({ "p": parent["id"] }))
            .await;
        assert_eq!(listed["taxonomyTerms"]["totalCount"].as_u64().unwrap() as usize, child_ids.len());
    }
}

on_both! {
    /// Organizations and locations filter by text and area.
    async fn organizations_and_locations_filter(app) {
        let data = app
            .data(
                r#"{
                    orgs: organizations(filter: { text: "libraries" }, first: 100) { totalCount nodes { name } }
                    aberdeen: locations(filter: { areaCodes: ["S12000033"] }, first: 100) { totalCount nodes { areaCode } }
                    orgsInAberdeen: organizations(filter: { areaCodes: ["S12000033"] }) { totalCount }
                }"#,
                json!({}),
            )
            .await;
        assert!(data["orgs"]["totalCount"].as_i64().unwrap() >= 32);
        assert!(data["orgs"]["nodes"].as_array().unwrap().iter().all(|o| o["name"].as_str().unwrap().to_lowercase().contains("libraries")));
        assert!(data["aberdeen"]["nodes"].as_array().unwrap().iter().all(|l| l["areaCode"] == "S12000033"));
        assert!(data["aberdeen"]["totalCount"].as_i64().unwrap() >= 1);
        assert!(data["orgsInAberdeen"]["totalCount"].as_i64().unwrap() >= 2);
    }
}

on_both! {
    /// Global ids round-trip through node and nodes, whatever their type.
    async fn node_ids_round_trip(app) {
        let service = first_service(&app).await;
        let ids = json!([
            service["id"],
            service["organization"]["id"],
            service["locations"][0]["id"],
            service["taxonomyTerms"][0]["id"],
        ]);
        let data = app
            .data(
                "query($ids: [ID!]!, $one: ID!) { nodes(ids: $ids) { __typename id } first: node(id: $one) { id } }",
                json!({ "ids": ids, "one": service["id"] }),
            )
            .await;
        let nodes = data["nodes"].as_array().unwrap();
        let types: Vec<&str> = nodes.iter().map(|n| n["__typename"].as_str().unwrap()).collect();
        assert_eq!(types, ["Service", "Organization", "Location", "TaxonomyTerm"]);
        for (node, id) in nodes.iter().zip(ids.as_array().unwrap()) {
            assert_eq!(&node["id"], id);
        }
        assert_eq!(data["first"]["id"], service["id"]);
    }
}

on_both! {
    /// Bad ids get NOT_FOUND or BAD_USER_INPUT with the field, never INTERNAL.
    async fn bad_ids_are_clear_errors(app) {
        let service = first_service(&app).await;
        let location_id = service["locations"][0]["id"].clone();

        let wrong_kind = app.graphql("query($id: ID!) { service(id: $id) { id } }", json!({ "id": location_id })).await;
        assert_eq!(crate::helpers::error_code(&wrong_kind), "BAD_USER_INPUT");
        assert_eq!(wrong_kind["errors"][0]["extensions"]["field"], json!(["id"]));

        for garbage in ["nope", "'; DROP TABLE service; --", "", "U2VydmljZTo"] {
            let response = app.graphql("query($id: ID!) { service(id: $id) { id } }", json!({ "id": garbage })).await;
            assert_eq!(crate::helpers::error_code(&response), "BAD_USER_INPUT", "{garbage}: {response}");
            let node = app.graphql("query($id: ID!) { node(id: $id) { id } }", json!({ "id": garbage })).await;
            assert_eq!(crate::helpers::error_code(&node), "BAD_USER_INPUT", "{garbage}: {node}");
        }

        let unknown = "00000000-0000-4000-8000-000000000000";
        let response = app
            .graphql("query($id: ID!) { service(id: $id) { id } organization(id: $id) { id } location(id: $id) { id } }", json!({ "id": unknown }))
            .await;
        let codes: Vec<&str> = response["errors"].as_array().unwrap().iter().map(|e| e["extensions"]["code"].as_str().unwrap()).collect();
        assert_eq!(codes, ["NOT_FOUND"; 3]);
        let node = app.graphql("query($id: ID!) { node(id: $id) { id } }", json!({ "id": unknown })).await;
        assert_eq!(crate::helpers::error_code(&node), "BAD_USER_INPUT", "a raw id names no type: {node}");

        let unknown_global = base64_id("Service", unknown);
        let node = app.data("query($id: ID!) { node(id: $id) { id } }", json!({ "id": unknown_global })).await;
        assert!(node["node"].is_null());

        let bad_filter = app
            .graphql("{ services(filter: { taxonomyTermIds: [\"bad\"] }) { totalCount } }", json!({}))
            .await;
        assert_eq!(crate::helpers::error_code(&bad_filter), "BAD_USER_INPUT");
        assert_eq!(bad_filter["errors"][0]["extensions"]["field"], json!(["filter", "taxonomyTermIds", "0"]));
    }
}

fn base64_id(kind: &str, raw: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{kind}:{raw}"))
}

on_both! {
    /// Service and hub rows decoded by column position (`hubgraph::rows`)
    /// are the rows sea-orm's derived decoding gives, with every optional
    /// column set and with every one NULL.
    async fn rows_decoded_by_position_are_sea_orms(app) {
        use entity::{hub, service};
        use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, FromQueryResult, IntoActiveModel, QueryTrait};

        let db = &app.state.db;
        let mut full = service::Entity::find().one(db).await.unwrap().unwrap();
        full.id = "test-service-every-column".into();
        full.program_id = None;
        full.alternate_name = Some("Alt \"name\"".into());
        full.url = Some("https://example.org/s".into());
        full.email = Some("s@example.org".into());
        full.interpretation_services = Some("BSL".into());
        full.application_process = Some("Walk in".into());
        full.fees_description = Some("None".into());
        full.wait_time = Some("A week".into());
        full.fees = Some("0".into());
        full.accreditations = Some("Quality mark".into());
        full.eligibility_description = Some("Adults".into());
        full.minimum_age = Some(16);
        full.maximum_age = Some(99);
        full.assured_date = Some(chrono::NaiveDate::from_ymd_opt(2026, 2, 28).unwrap());
        full.assurer_email = Some("a@example.org".into());
        full.licenses = Some("OGL".into());
        full.alert = Some("Closed on Mondays".into());
        full.version = 12;
        full.into_active_model().insert(db).await.unwrap();

        let mut hub_full = hub::Entity::find().one(db).await.unwrap().unwrap().into_active_model();
        hub_full.capacity = sea_orm::Set(Some(40));
        hub_full.occupancy = sea_orm::Set(Some(12));
        hub_full.note = sea_orm::Set(Some("Warm space \u{2014} tea".into()));
        hub_full.valid_until = sea_orm::Set(Some(chrono::Utc::now()));
        hub_full.update(db).await.unwrap();

        let services = db.query_all(&service::Entity::find().into_query()).await.unwrap();
        let hubs = db.query_all(&hub::Entity::find().into_query()).await.unwrap();
        let (mut optional_set, mut optional_null) = (false, false);
        for row in &services {
            let ours = hubgraph::rows::service_row(row).unwrap();
            assert_eq!(ours, service::Model::from_query_result(row, "").unwrap());
            optional_set |= ours.assured_date.is_some() && ours.minimum_age.is_some() && ours.alert.is_some();
            optional_null |= ours.assured_date.is_none() && ours.minimum_age.is_none() && ours.alert.is_none();
        }
        assert!(optional_set && optional_null, "rows with and without the optional columns");
        let (mut hub_set, mut hub_null) = (false, false);
        for row in &hubs {
            let ours = hubgraph::rows::hub_row(row).unwrap();
            assert_eq!(ours, hub::Model::from_query_result(row, "").unwrap());
            hub_set |= ours.valid_until.is_some() && ours.note.is_some() && ours.capacity.is_some();
            hub_null |= ours.valid_until.is_none() && ours.note.is_none();
        }
        assert!(hub_set && hub_null, "hubs with and without the optional columns");
    }
}

on_both! {
    /// The locations, terms, phones and schedules of services read in the
    /// services' own statement (aggregated as JSON, `with_relations`) are the
    /// rows the loaders read one relation at a time: the same rows, in the
    /// same order, down to the last digit of a coordinate, a missing one, a
    /// closure's flag and text that needs escaping.
    async fn relations_read_with_services_are_the_loaders_rows(app) {
        use std::collections::BTreeMap;

        use entity::{location, phone, schedule, service, service_at_location};
        use hubgraph::services::related;
        use hubgraph::services::with_relations::{ServiceJoins, services_of};
        use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect};

        let db = &app.state.db;
        let ids: Vec<String> = service::Entity::find()
            .order_by_asc(service::Column::Id)
            .limit(200)
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.id)
            .collect();
        let owner = ids[0].clone();
        let now = chrono::Utc::now();
        let place = |id: &str, latitude: Option<f64>, longitude: Option<f64>| location::Model {
            id: id.into(),
            location_type: "physical".into(),
            url: None,
            organization_id: None,
            name: Some("Caf\u{e9} \"Corner\" \\ back room\nupstairs".into()),
            alternate_name: None,
            description: Some("{\"not\": \"json\"}".into()),
            transportation: None,
            latitude,
            longitude,
            external_identifier: None,
            external_identifier_type: None,
            area_code: None,
            version: 7,
            created_at: now,
            last_modified: now,
        };
        for model in [
            place("test-place-precise", Some(55.89064815477352), Some(-3.1234567890123457)),
            place("test-place-unmapped", None, None),
        ] {
            let id = model.id.clone();
            model.into_active_model().insert(db).await.unwrap();
            service_at_location::Model {
                id: format!("{id}-link"),
                service_id: owner.clone(),
                location_id: id,
                description: None,
            }
            .into_active_model()
            .insert(db)
            .await
            .unwrap();
        }
        let closure = schedule::Model {
            id: "test-closure".into(),
            service_id: Some(owner.clone()),
            location_id: None,
            service_at_location_id: None,
            valid_from: Some(now.date_naive()),
            valid_to: Some(now.date_naive()),
            dtstart: None,
            timezone: Some(5.5),
            until: None,
            count: Some(3),
            wkst: None,
            freq: None,
            interval: None,
            byday: None,
            byweekno: None,
            bymonthday: None,
            byyearday: None,
            description: Some("Closed for the holiday".into()),
            opens_at: None,
            closes_at: None,
            schedule_link: None,
            attending_type: None,
            notes: None,
            closed: true,
        };
        closure.into_active_model().insert(db).await.unwrap();
        for (id, position) in [("test-phone-b", 0), ("test-phone-a", 0)] {
            phone::Model {
                id: id.into(),
                location_id: None,
                service_id: Some(owner.clone()),
                organization_id: None,
                contact_id: None,
                service_at_location_id: None,
                number: "0131 000 0000".into(),
                extension: None,
                phone_type: Some("voice".into()),
                description: None,
                position,
            }
            .into_active_model()
            .insert(db)
            .await
            .unwrap();
        }

        let joins = ServiceJoins { organization: true, locations: true, taxonomy_terms: true, phones: true, schedules: true };
        let select = service::Entity::find().filter(service::Column::Id.is_in(ids.clone()));
        let (services, joined) = services_of(db, select, &[], joins).await.unwrap();
        assert_eq!(services.len(), ids.len());
        assert_eq!(joined.locations.len(), ids.len(), "a list for every service, empty or not");

        /// Owners with at least one row, and their rows in order.
        fn non_empty<M>(lists: Vec<(String, Vec<M>)>) -> BTreeMap<String, Vec<M>> {
            lists.into_iter().filter(|(_, rows)| !rows.is_empty()).collect()
        }
        fn grouped<M>(pairs: Vec<(String, M)>) -> BTreeMap<String, Vec<M>> {
            let mut map: BTreeMap<String, Vec<M>> = BTreeMap::new();
            for (owner, row) in pairs {
                map.entry(owner).or_default().push(row);
            }
            map
        }
        fn by_service<M>(rows: Vec<(Option<String>, M)>) -> BTreeMap<String, Vec<M>> {
            grouped(rows.into_iter().map(|(owner, row)| (owner.expect("a service's row"), row)).collect())
        }

        let locations = grouped(related::locations_of_services(db, &ids).await.unwrap());
        assert_eq!(non_empty(joined.locations), locations);
        let precise = locations[&owner].iter().find(|l| l.id == "test-place-precise").unwrap();
        assert_eq!(precise.latitude, Some(55.89064815477352));
        assert_eq!(precise.longitude, Some(-3.1234567890123457));

        let terms = grouped(related::terms_of(db, "service", &ids).await.unwrap());
        assert!(!terms.is_empty());
        assert_eq!(non_empty(joined.taxonomy_terms), terms);

        let phones = related::children::<phone::Entity>(db, phone::Column::ServiceId, &ids, phone::Column::Position)
            .await
            .unwrap();
        let phones = by_service(phones.into_iter().map(|p| (p.service_id.clone(), p)).collect());
        assert_eq!(non_empty(joined.phones), phones);

        let schedules = related::children::<schedule::Entity>(db, schedule::Column::ServiceId, &ids, schedule::Column::Id)
            .await
            .unwrap();
        let schedules = by_service(schedules.into_iter().map(|s| (s.service_id.clone(), s)).collect());
        assert!(schedules[&owner].iter().any(|s| s.closed && s.timezone == Some(5.5)));
        assert_eq!(non_empty(joined.schedules), schedules);
    }
}
