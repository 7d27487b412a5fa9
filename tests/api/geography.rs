//! The geography partners work in: the demo's real Scottish postcodes, the
//! outward-code fallback, NHS health boards and HSCPs on postcodes and
//! places, and `healthBoardCodes` beside `areaCodes` on services, hubs,
//! pathways and `/hsds`.

use entity::postcode;
use hubgraph::seed::{DemoPostcodes, seed_demo};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::on_both;

const EDINBURGH: &str = "S12000036";
const GLASGOW: &str = "S12000049";
const LOTHIAN: &str = "S08000024";
/// NHS Lothian's council areas: East Lothian, Midlothian, Edinburgh, West Lothian.
const LOTHIAN_AREAS: [&str; 4] = ["S12000010", "S12000019", "S12000036", "S12000040"];

const POSTCODE_FIELDS: &str = "code outward precision latitude longitude areaCode area { name hscpName }
    healthBoardCode healthBoard { code name } hscpName wardCode";

/// `serve --demo` loads every Scottish postcode: real ones resolve with
/// their council area, health board, HSCP and ward, a full postcode
/// Code-Point Open lacks falls back to its district, and the finder's
/// search runs from them.
async fn the_demo_knows_every_scottish_postcode(backend: Backend) {
    let Some(app) = spawn_app_with(backend, false).await else {
        return;
    };
    seed_demo(&app.state.db, DemoPostcodes::Scotland)
        .await
        .expect("demo with Scotland's postcodes");
    let stored = postcode::Entity::find().count(&app.state.db).await.unwrap();
    assert!(
        stored >= 161_325,
        "every usable row of Code-Point Open for Scotland: {stored}"
    );

    let query = format!(
        "{{ kilwinning: postcode(code: \"ka13 6aa\") {{ {POSTCODE_FIELDS} }}
           dalkeith: postcode(code: \"EH22 1AA\") {{ {POSTCODE_FIELDS} }}
           glasgow: postcode(code: \"G1 1AA\") {{ {POSTCODE_FIELDS} }}
           near: services(filter: {{ near: {{ postcode: \"KA13 6AA\" }}, radiusKm: 20 }}, orderBy: DISTANCE, first: 3) {{
             totalCount edges {{ distanceKm }} }} }}"
    );
    let data = app.data(&query, json!({})).await;

    let kilwinning = &data["kilwinning"];
    assert_eq!(kilwinning["code"], "KA13 6AA");
    assert_eq!(kilwinning["precision"], "FULL");
    assert_eq!(kilwinning["areaCode"], "S12000021");
    assert_eq!(kilwinning["area"]["name"], "North Ayrshire");
    assert_eq!(
        kilwinning["healthBoard"],
        json!({ "code": "S08000015", "name": "NHS Ayrshire and Arran" })
    );
    assert_eq!(kilwinning["healthBoardCode"], "S08000015");
    assert_eq!(
        kilwinning["hscpName"],
        "North Ayrshire Health and Social Care Partnership"
    );
    assert_eq!(kilwinning["wardCode"], "S13003034");
    assert!(
        (kilwinning["latitude"].as_f64().unwrap() - 55.65).abs() < 0.02,
        "{kilwinning}"
    );

    let dalkeith = &data["dalkeith"];
    assert_eq!(
        (dalkeith["code"].as_str(), dalkeith["precision"].as_str()),
        (Some("EH22 1AA"), Some("FULL"))
    );
    assert_eq!(dalkeith["areaCode"], "S12000019", "Midlothian");
    assert_eq!(dalkeith["healthBoard"]["name"], "NHS Lothian");
    assert_eq!(dalkeith["hscpName"], "Midlothian Health and Social Care Partnership");

    // G1 1AA is not in Code-Point Open: the answer is its district, and says so.
    let glasgow = &data["glasgow"];
    assert_eq!(glasgow["code"], "G1", "{glasgow}");
    assert_eq!(glasgow["outward"], "G1");
    assert_eq!(glasgow["precision"], "OUTWARD");
    assert_eq!(glasgow["areaCode"], GLASGOW);
    assert_eq!(glasgow["healthBoard"]["name"], "NHS Greater Glasgow and Clyde");
    assert_eq!(glasgow["wardCode"], Value::Null, "a district has no single ward");

    assert!(
        data["near"]["totalCount"].as_i64().unwrap() > 0,
        "the finder finds support near KA13 6AA: {data}"
    );

    // DD5 (Broughty Ferry and Monifieth) is 651 postcodes in Dundee and 333
    // in Angus: its answer is Dundee, but "what covers me" from a DD5
    // postcode hubgraph lacks leaves neither council's services out.
    let covers = |postcode: &str| {
        format!("{{ services(first: 100, filter: {{ coversPostcode: \"{postcode}\" }}) {{ nodes {{ id }} }} }}")
    };
    let ids = |data: Value| -> std::collections::BTreeSet<String> {
        data["services"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let district = app
        .data("{ postcode(code: \"DD5\") { areaCode healthBoardCode } }", json!({}))
        .await;
    assert_eq!(
        district["postcode"],
        json!({ "areaCode": "S12000042", "healthBoardCode": "S08000030" })
    );
    let unknown = ids(app.data(&covers("DD5 9ZZ"), json!({})).await);
    let angus = ids(app.data(&covers("DD5 3FD"), json!({})).await);
    let dundee = ids(app.data(&covers("DD5 1AB"), json!({})).await);
    assert_ne!(angus, dundee);
    assert!(
        unknown.is_superset(&angus) && unknown.is_superset(&dundee),
        "both councils' services cover DD5"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_knows_every_scottish_postcode_on_sqlite() {
    the_demo_knows_every_scottish_postcode(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_knows_every_scottish_postcode_on_postgres() {
    the_demo_knows_every_scottish_postcode(Backend::Postgres).await;
}

/// The shipped file is Code-Point Open's own rows for Scotland, under the
/// attribution the Open Government Licence asks for.
#[test]
fn the_shipped_postcode_file_carries_its_attribution() {
    use std::io::Read;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/demo/scotland-postcodes.csv.gz");
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    let header: Vec<&str> = text.lines().take_while(|l| l.starts_with('#')).collect();
    let header = header.join("\n");
    for line in [
        "Contains Ordnance Survey data © Crown copyright and database right",
        "Contains Royal Mail data © Royal Mail copyright and database right",
        "Contains National Statistics data © Crown copyright and database right",
        "Open Government Licence",
        "scripts/scotland-postcodes.sh",
    ] {
        assert!(header.contains(line), "{line:?} missing from the header:\n{header}");
    }
    let rows = text.lines().filter(|l| !l.starts_with('#')).count();
    assert_eq!(rows, 161_349, "Scotland's postcodes in the May 2025 release");
    assert!(
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .all(|l| l.contains(",\"S92000003\","))
    );
    let readme = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    assert!(
        readme.contains("src/demo/scotland-postcodes.csv.gz"),
        "the README names the file"
    );
    assert!(readme.contains("Contains OS data © Crown copyright and database right"));
}

on_both! {
    /// A full postcode the table lacks falls back to its district wherever
    /// a postcode is taken (the `postcode` query, a search's `near`,
    /// `/hsds`), and says so; a district nobody has is still unknown.
    async fn an_unknown_full_postcode_falls_back_to_its_district(app) {
        let data = app
            .data(
                "{ known: postcode(code: \"EH6 4AE\") { code precision }
                   missing: postcode(code: \"eh6 9zz\") { code outward precision areaCode healthBoardCode hscpName }
                   district: postcode(code: \"EH6\") { code precision latitude longitude }
                   fallback: postcode(code: \"EH6 9ZZ\") { latitude longitude }
                   nowhere: postcode(code: \"ZE9 9ZZ\") { code } }",
                json!({}),
            )
            .await;
        assert_eq!(data["known"], json!({ "code": "EH6 4AE", "precision": "FULL" }));
        assert_eq!(data["missing"]["code"], "EH6");
        assert_eq!(data["missing"]["precision"], "OUTWARD");
        assert_eq!(data["missing"]["areaCode"], EDINBURGH);
        // The demo venues' postcodes carry no board: it follows the council area.
        assert_eq!(data["missing"]["healthBoardCode"], LOTHIAN);
        assert_eq!(data["missing"]["hscpName"], "City of Edinburgh Health and Social Care Partnership");
        assert_eq!(data["district"]["precision"], "OUTWARD");
        assert_eq!(data["fallback"]["latitude"], data["district"]["latitude"]);
        assert_eq!(data["nowhere"], Value::Null);

        let near = |postcode: &str| {
            format!("{{ services(filter: {{ near: {{ postcode: \"{postcode}\" }}, radiusKm: 3 }}) {{ totalCount }} }}")
        };
        let from_missing = app.data(&near("EH6 9ZZ"), json!({})).await;
        let from_district = app.data(&near("EH6"), json!({})).await;
        assert!(from_missing["services"]["totalCount"].as_i64().unwrap() > 0);
        assert_eq!(from_missing, from_district);
        let unknown = app.graphql(&near("ZE9 9ZZ"), json!({})).await;
        assert_eq!(error_code(&unknown), "BAD_USER_INPUT", "{unknown}");

        let hsds = |query: &str| {
            let url = app.url(&format!("/hsds/services?{query}"));
            async move {
                let response = reqwest::get(url).await.unwrap();
                (response.status().as_u16(), response.json::<Value>().await.unwrap())
            }
        };
        let (status, missing) = hsds("postcode=EH6%209ZZ&proximity=3000").await;
        assert_eq!(status, 200, "{missing}");
        let (_, district) = hsds("postcode=EH6&proximity=3000").await;
        assert!(missing["total_items"].as_i64().unwrap() > 0, "{missing}");
        assert_eq!(missing["total_items"], district["total_items"]);
    }
}

on_both! {
    /// The 14 NHS Scotland boards, each made of whole council areas: every
    /// council area lies in exactly one, and knows which.
    async fn health_boards_are_listed_with_their_council_areas(app) {
        let data = app
            .data(
                "{ healthBoards { code name areas { code name healthBoardCode } }
                   areas { code kind healthBoardCode healthBoard { name } hscpName } }",
                json!({}),
            )
            .await;
        let boards = data["healthBoards"].as_array().unwrap();
        assert_eq!(boards.len(), 14);
        let names: Vec<&str> = boards.iter().map(|b| b["name"].as_str().unwrap()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted, "by name");
        assert!(names.contains(&"NHS Greater Glasgow and Clyde") && names.contains(&"NHS Western Isles"));
        let lothian = boards.iter().find(|b| b["code"] == LOTHIAN).expect("NHS Lothian");
        assert_eq!(lothian["name"], "NHS Lothian");
        let mut lothian_areas: Vec<&str> = lothian["areas"].as_array().unwrap().iter().map(|a| a["code"].as_str().unwrap()).collect();
        lothian_areas.sort();
        assert_eq!(lothian_areas, LOTHIAN_AREAS);

        let mut in_boards: Vec<&str> = boards
            .iter()
            .flat_map(|b| b["areas"].as_array().unwrap())
            .map(|a| a["code"].as_str().unwrap())
            .collect();
        in_boards.sort();
        let council_areas: Vec<&Value> = data["areas"].as_array().unwrap().iter().filter(|a| a["kind"] == "COUNCIL_AREA").collect();
        assert_eq!(council_areas.len(), 32);
        let mut codes: Vec<&str> = council_areas.iter().map(|a| a["code"].as_str().unwrap()).collect();
        codes.sort();
        assert_eq!(in_boards, codes, "each council area in exactly one board");
        for area in &council_areas {
            assert!(area["healthBoard"]["name"].as_str().is_some_and(|n| n.starts_with("NHS ")), "{area}");
            assert!(area["hscpName"].as_str().is_some(), "{area}");
        }
        let scotland = data["areas"].as_array().unwrap().iter().find(|a| a["code"] == "SCOTLAND").unwrap();
        assert_eq!(scotland["healthBoard"], Value::Null);
        // Clackmannanshire and Stirling share one partnership, and one board.
        let of = |code: &str| council_areas.iter().find(|a| a["code"] == code).unwrap();
        assert_eq!(of("S12000005")["hscpName"], of("S12000030")["hscpName"]);
        assert_eq!(of("S12000005")["healthBoardCode"], "S08000019");
    }
}

on_both! {
    /// `healthBoardCodes` finds what `areaCodes` finds for the board's
    /// council areas, on services, hubs, pathways and `/hsds`; with both,
    /// both must hold; it costs no statement of its own.
    async fn health_board_filters_match_their_council_areas(app) {
        let query = "query($areas: [String!], $boards: [String!]) {
            services(filter: { areaCodes: $areas, healthBoardCodes: $boards }) { totalCount }
            hubs(filter: { areaCodes: $areas, healthBoardCodes: $boards }) { totalCount }
            pathways(filter: { areaCodes: $areas, healthBoardCodes: $boards }) { totalCount } }";
        let count = |data: &Value, of: &str| data[of]["totalCount"].as_i64().unwrap();

        let by_areas = app.data(query, json!({ "areas": LOTHIAN_AREAS })).await;
        let before = app.statements();
        let by_board = app.data(query, json!({ "boards": [LOTHIAN] })).await;
        let board_statements = app.statements() - before;
        let before = app.statements();
        app.data(query, json!({ "areas": LOTHIAN_AREAS })).await;
        assert_eq!(board_statements, app.statements() - before, "a board filter adds no statement");
        assert_eq!(by_board, by_areas);
        let everything = app.data(query, json!({})).await;
        for of in ["services", "hubs", "pathways"] {
            assert!(count(&by_board, of) > 0, "{of} in Lothian: {by_board}");
            assert!(count(&by_board, of) < count(&everything, of), "{of}: Lothian is not all of Scotland");
        }

        let edinburgh = app.data(query, json!({ "areas": [EDINBURGH] })).await;
        let edinburgh_in_lothian = app.data(query, json!({ "areas": [EDINBURGH], "boards": [LOTHIAN] })).await;
        assert_eq!(edinburgh_in_lothian, edinburgh, "both filters hold");
        let glasgow_in_lothian = app.data(query, json!({ "areas": [GLASGOW], "boards": [LOTHIAN] })).await;
        for of in ["services", "hubs", "pathways"] {
            assert_eq!(count(&glasgow_in_lothian, of), 0, "Glasgow is not in NHS Lothian");
        }
        // Lower case and spaces are forgiven, in either filter.
        let loose = app.data(query, json!({ "boards": [" s08000024 "] })).await;
        assert_eq!(loose, by_board);
        let loose = app.data(query, json!({ "areas": LOTHIAN_AREAS.map(|a| format!(" {} ", a.to_lowercase())) })).await;
        assert_eq!(loose, by_areas);

        // The same on the other lists and the dashboard's summary.
        let more = "query($areas: [String!], $boards: [String!]) {
            organizations(filter: { areaCodes: $areas, healthBoardCodes: $boards }) { totalCount }
            locations(filter: { areaCodes: $areas, healthBoardCodes: $boards }) { totalCount }
            hubSummary(areaCodes: $areas, healthBoardCodes: $boards) { total byArea { areaCode } } }";
        let more_by_areas = app.data(more, json!({ "areas": LOTHIAN_AREAS })).await;
        let more_by_board = app.data(more, json!({ "boards": [LOTHIAN] })).await;
        assert_eq!(more_by_board, more_by_areas);
        assert!(count(&more_by_board, "locations") > 0 && count(&more_by_board, "organizations") > 0, "{more_by_board}");
        assert!(more_by_board["hubSummary"]["total"].as_i64().unwrap() > 0);
        let none = app.data(more, json!({ "areas": [GLASGOW], "boards": [LOTHIAN] })).await;
        assert_eq!(none["hubSummary"]["total"], 0, "{none}");

        let hsds = |query: String| {
            let url = app.url(&format!("/hsds/services?{query}"));
            async move {
                let response = reqwest::get(url).await.unwrap();
                (response.status().as_u16(), response.json::<Value>().await.unwrap())
            }
        };
        let (status, board) = hsds(format!("health_board_code={LOTHIAN}&per_page=1")).await;
        assert_eq!(status, 200, "{board}");
        let (_, areas) = hsds(format!("area_code={}&per_page=1", LOTHIAN_AREAS.join(","))).await;
        assert_eq!(board["total_items"], areas["total_items"]);
        assert_eq!(board["total_items"].as_i64(), Some(count(&by_board, "services")));
        let (status, refused) = hsds("health_board_code=S12000036".into()).await;
        assert_eq!(status, 400, "{refused}");
        assert_eq!(refused["parameter"], "health_board_code");
    }
}

on_both! {
    /// A health board code that is not one is BAD_USER_INPUT naming the item,
    /// on every filter that takes them.
    async fn a_bad_health_board_code_is_refused_with_its_place(app) {
        for (field, query) in [
            ("services", "{ services(filter: { healthBoardCodes: [\"S08000024\", \"NHS Lothian\"] }) { totalCount } }"),
            ("hubs", "{ hubs(filter: { healthBoardCodes: [\"S08000024\", \"S12000036\"] }) { totalCount } }"),
            ("pathways", "{ pathways(filter: { healthBoardCodes: [\"S08000024\", \"\"] }) { totalCount } }"),
        ] {
            let response = app.graphql(query, json!({})).await;
            assert_eq!(error_code(&response), "BAD_USER_INPUT", "{field}: {response}");
            assert_eq!(response["errors"][0]["extensions"]["field"], json!(["filter", "healthBoardCodes", "1"]), "{field}: {response}");
            assert!(response["errors"][0]["message"].as_str().unwrap().contains("not a health board code"), "{response}");
        }
    }
}

on_both! {
    /// A place knows its council area's health board and HSCP.
    async fn locations_know_their_health_board_and_partnership(app) {
        let data = app
            .data(
                &format!("{{ locations(filter: {{ areaCodes: [\"{EDINBURGH}\"] }}, first: 1) {{ nodes {{
                    areaCode healthBoardCode area {{ name hscpName healthBoard {{ name }} }} }} }} }}"),
                json!({}),
            )
            .await;
        let place = &data["locations"]["nodes"][0];
        assert_eq!(place["areaCode"], EDINBURGH, "{data}");
        assert_eq!(place["healthBoardCode"], LOTHIAN);
        assert_eq!(place["area"]["name"], "City of Edinburgh");
        assert_eq!(place["area"]["hscpName"], "City of Edinburgh Health and Social Care Partnership");
        assert_eq!(place["area"]["healthBoard"]["name"], "NHS Lothian");
    }
}

on_both! {
    /// Imported HSDS locations carry no council area: each gets its
    /// postcode's, so `areaCodes` and `healthBoardCodes` find them; one
    /// whose postcode is unknown keeps none.
    async fn imported_locations_take_their_area_from_the_postcode(app) {
        let tmp = tempfile::tempdir().unwrap();
        let location = |id: &str, postcode: &str| json!({
            "id": id, "name": format!("Drop-in at {postcode}"), "location_type": "physical",
            "addresses": [{ "id": format!("{id}-address"), "address_1": "1 Test Street", "city": "Edinburgh",
                            "postal_code": postcode, "country": "GB", "address_type": "physical" }]
        });
        let document = json!({
            "id": "0c000000-0000-4000-8000-000000000001", "name": "Imported warm space", "status": "active",
            "organization": { "id": "0c000000-0000-4000-8000-000000000002", "name": "Leith Warm Spaces", "description": "A charity" },
            "service_at_locations": [
                { "id": "0c000000-0000-4000-8000-000000000003", "location": location("0c000000-0000-4000-8000-000000000004", "eh6 4ae") },
                { "id": "0c000000-0000-4000-8000-000000000005", "location": location("0c000000-0000-4000-8000-000000000006", "ZE9 9ZZ") }
            ]
        });
        let path = tmp.path().join("service.json");
        std::fs::write(&path, serde_json::to_vec(&document).unwrap()).unwrap();
        let report = hubgraph::interchange::hsds::import(&app.state.db, &path, Default::default()).await.unwrap();
        assert!(report.rejected.is_empty(), "{:#?}", report.rejected);

        let area_of = |id: &'static str| {
            let db = app.state.db.clone();
            async move { entity::location::Entity::find_by_id(id).one(&db).await.unwrap().unwrap().area_code }
        };
        assert_eq!(area_of("0c000000-0000-4000-8000-000000000004").await.as_deref(), Some(EDINBURGH));
        assert_eq!(area_of("0c000000-0000-4000-8000-000000000006").await, None, "unknown postcode, no area");

        let query = "query($areas: [String!], $boards: [String!]) {
            services(first: 100, filter: { text: \"Imported warm space\", areaCodes: $areas, healthBoardCodes: $boards }) { nodes { name } } }";
        for variables in [json!({ "areas": [EDINBURGH] }), json!({ "boards": [LOTHIAN] })] {
            let data = app.data(query, variables.clone()).await;
            assert_eq!(data["services"]["nodes"], json!([{ "name": "Imported warm space" }]), "{variables}");
        }
        // Importing the same document again changes nothing.
        let again = hubgraph::interchange::hsds::import(&app.state.db, &path, Default::default()).await.unwrap();
        assert_eq!((again.written.created, again.written.updated), (0, 0));

        // An Edinburgh hub's location, imported with a postal address in
        // Edinburgh and a physical one in Glasgow: the physical address
        // places it, and its hub moves with it, on the audit trail.
        let hub = hub_in(&app, EDINBURGH).await;
        let address = |kind: &str, postcode: &str| json!({ "id": format!("{}-{kind}", hub.location_id), "address_1": "1 Test Street",
            "city": "Somewhere", "postal_code": postcode, "country": "GB", "address_type": kind });
        let moved = json!({ "id": hub.location_id, "name": "Moved hub", "location_type": "physical",
            "addresses": [address("postal", "EH6 4AE"), address("physical", "G3 7DN")] });
        let path = tmp.path().join("location.json");
        std::fs::write(&path, serde_json::to_vec(&moved).unwrap()).unwrap();
        let report = hubgraph::interchange::hsds::import(&app.state.db, &path, Default::default()).await.unwrap();
        assert!(report.rejected.is_empty(), "{:#?}", report.rejected);
        let location = entity::location::Entity::find_by_id(hub.location_id.clone()).one(&app.state.db).await.unwrap().unwrap();
        assert_eq!(location.area_code.as_deref(), Some(GLASGOW), "the physical address decides");
        let after = entity::hub::Entity::find_by_id(hub.id.clone()).one(&app.state.db).await.unwrap().unwrap();
        assert_eq!(after.area_code, GLASGOW, "the hub lies where its location does");
        assert_eq!(after.version, hub.version + 1);
        use sea_orm::{ColumnTrait, QueryFilter};
        let audited = entity::audit::Entity::find()
            .filter(entity::audit::Column::Action.eq("hub.move_area"))
            .filter(entity::audit::Column::EntityId.eq(hub.id.clone()))
            .count(&app.state.db)
            .await
            .unwrap();
        assert_eq!(audited, 1);
    }
}

on_both! {
    /// A location written through the API takes its council area, and with
    /// it its health board and HSCP, from its postcode, and follows a new one.
    async fn a_written_location_follows_its_postcode_into_another_board(app) {
        use hubgraph::graphql::ids::{self, Kind};
        use hubgraph::partners::PartnerKind;

        let admin = app.add_partner(PartnerKind::Admin, "Operator", None, &[]).await;
        let token = app.issue_token(&admin, &[]).await.token;
        let fields = "location { id areaCode healthBoardCode area { hscpName healthBoard { name } } } userErrors { field code }";
        let address = |postcode: &str| json!({ "address1": "1 Test Street", "city": "Somewhere", "postalCode": postcode, "country": "GB" });
        let organization = ids::encode(Kind::Organization, &demo_library(EDINBURGH)).0;
        let created: Value = app
            .graphql_as(
                &token,
                &format!("mutation($input: CreateLocationInput!) {{ createLocation(input: $input) {{ {fields} }} }}"),
                json!({ "input": { "organizationId": organization, "name": "Pop-up", "address": address("EH6 4AE") } }),
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(created["data"]["createLocation"]["userErrors"], json!([]), "{created:#}");
        let location = &created["data"]["createLocation"]["location"];
        assert_eq!(location["areaCode"], EDINBURGH, "{created:#}");
        assert_eq!(location["healthBoardCode"], LOTHIAN);
        assert_eq!(location["area"]["healthBoard"]["name"], "NHS Lothian");
        assert_eq!(location["area"]["hscpName"], "City of Edinburgh Health and Social Care Partnership");

        let moved: Value = app
            .graphql_as(
                &token,
                &format!("mutation($input: UpdateLocationInput!) {{ updateLocation(input: $input) {{ {fields} }} }}"),
                json!({ "input": { "id": location["id"], "address": address("G3 7DN") } }),
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(moved["data"]["updateLocation"]["userErrors"], json!([]), "{moved:#}");
        let location = &moved["data"]["updateLocation"]["location"];
        assert_eq!(location["areaCode"], GLASGOW, "{moved:#}");
        assert_eq!(location["healthBoardCode"], "S08000031");
        assert_eq!(location["area"]["hscpName"], "Glasgow City Health and Social Care Partnership");
    }
}
