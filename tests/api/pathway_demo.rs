//! The demo set's pathways, as a visitor and the demo HSCPs see them: the
//! three young people's pilots, older people in Highland, carers in Fife,
//! a draft only its owner sees, and months of activity for the HSCP.

use std::collections::BTreeMap;

use chrono::{Days, Utc};
use hubgraph::graphql::ids::{self, Kind};
use hubgraph::seed::demo::demo_id;
use hubgraph::seed::pathways::{
    CARERS_AREA, OLDER_PEOPLE_AREA, PILOT_AREAS, hscp_partner_id, library_partner_id, pathway_id,
};
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code};
use crate::on_both;

const MIDLOTHIAN: &str = "S12000019";
const NORTH_AYRSHIRE: &str = "S12000021";

const PATHWAYS: &str = "query($f: PathwayFilter) { pathways(filter: $f, first: 50) { totalCount nodes {
    id name status areaCodes needsReview version reviewedAt
    audience { code } entryLocations { id name }
    owner { id name kind }
    steps { position title referralMethod appointmentRequired eligibility contactInstructions url
        kind entryLocations { id name } location { id name } service { id name status } } } } }";

const ACTIVITY: &str = "query($id: ID!, $from: Date!, $to: Date!, $bucket: Bucket!) {
    pathwayActivity(pathwayId: $id, from: $from, to: $to, bucket: $bucket) { start stepId referrals } }";

fn global(kind: Kind, raw: &str) -> String {
    ids::encode(kind, raw).0
}

fn young_people(area: &str) -> String {
    global(Kind::Pathway, &pathway_id(&format!("young-people/{area}")))
}

fn draft() -> String {
    global(Kind::Pathway, &pathway_id(&format!("young-carers/{CARERS_AREA}")))
}

/// The main library of an area: the first of its pathway's entry locations.
fn main_library(area: &str) -> String {
    let name = match area {
        "S12000021" => "irvine-library",
        "S12000019" => "dalkeith-library",
        _ => "hamilton-library",
    };
    global(Kind::Location, &demo_id("location", &format!("{area}/{name}")))
}

async fn pathways_in(app: &TestApp, areas: &[&str]) -> Value {
    app.data(PATHWAYS, json!({ "f": { "areaCodes": areas } })).await["pathways"].clone()
}

async fn call(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    let response = app.graphql_as(token, query, variables).await;
    assert!(response.status().as_u16() < 500, "no 5xx: {}", response.status());
    response.json().await.unwrap()
}

fn step_names(node: &Value) -> Vec<String> {
    node["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["service"]["name"].as_str().unwrap_or("-").to_owned())
        .collect()
}

on_both! {
    /// A visitor finds the five published demo pathways by area; each pilot
    /// runs library -> web guide -> peer support -> youth group -> NHS, its
    /// first step with staff at whichever library the person walked into.
    async fn a_visitor_finds_the_demo_pathways_by_area_with_their_steps(app) {
        let mut areas = PILOT_AREAS.to_vec();
        areas.extend([OLDER_PEOPLE_AREA, CARERS_AREA]);
        let all = pathways_in(&app, &areas).await;
        assert_eq!(all["totalCount"], 5, "{all:#}");
        let nodes = all["nodes"].as_array().unwrap();
        assert!(nodes.iter().all(|n| n["status"] == "PUBLISHED" && n["version"] == 2 && n["reviewedAt"].is_string()));
        for node in nodes {
            // A visitor sees the owner's name only (ADVERSARIAL 52).
            assert!(node["owner"]["kind"].is_null(), "{node:#}");
            assert!(node["owner"]["name"].as_str().unwrap().ends_with("Health and Social Care Partnership"));
            let review = node["areaCodes"] == json!([MIDLOTHIAN]);
            assert_eq!(node["needsReview"], review, "{}: the Midlothian youth group is inactive", node["name"]);
        }

        for area in PILOT_AREAS {
            let found = pathways_in(&app, &[area]).await;
            assert_eq!(found["totalCount"], 1, "{area}");
            let node = &found["nodes"][0];
            assert_eq!(node["id"], young_people(area));
            assert_ne!(node["owner"]["id"], global(Kind::Partner, &hscp_partner_id(area)), "not the partner's own id");
            assert_eq!(node["audience"], json!([{ "code": "young-people" }]));
            let entries = node["entryLocations"].as_array().unwrap();
            assert!(entries.len() >= 3, "{area}: every library of the area is a way in");
            assert_eq!(entries[0]["id"], main_library(area));

            let steps = node["steps"].as_array().unwrap();
            let positions: Vec<i64> = steps.iter().map(|s| s["position"].as_i64().unwrap()).collect();
            assert_eq!(positions, [1, 2, 3, 4, 5], "{area}");
            let methods: Vec<&str> = steps.iter().map(|s| s["referralMethod"].as_str().unwrap()).collect();
            let nhs_method = if area == MIDLOTHIAN { "E_REFERRAL" } else { "PROFESSIONAL_REFERRAL" };
            assert_eq!(methods, ["SIGNPOSTING", "SELF_REFERRAL", "SELF_REFERRAL", "SELF_REFERRAL", nhs_method]);
            assert_eq!(steps[0]["kind"], "ENTRY_LOCATION");
            assert_eq!(steps[0]["entryLocations"], node["entryLocations"], "{area}: the pathway's own");
            assert_eq!(steps[0]["entryLocations"][0]["id"], main_library(area));
            assert!(steps[0]["service"].is_null() && steps[0]["url"].is_null() && steps[0]["location"].is_null());
            let kinds: Vec<&str> = steps.iter().map(|s| s["kind"].as_str().unwrap()).collect();
            assert_eq!(kinds, ["ENTRY_LOCATION", "URL", "SERVICE", "SERVICE", "SERVICE"], "{area}");
            let url = steps[1]["url"].as_str().unwrap();
            assert!(url.starts_with("https://wellbeing.example.org/young-people/"), "{url}");
            assert!(steps[1]["service"].is_null() && steps[1]["location"].is_null());
            let names = step_names(node);
            assert!(names[2].starts_with("Peer support for young people at "), "{names:?}");
            assert!(names[3].starts_with("Young people's wellbeing group at "), "{names:?}");
            let nhs = if area == MIDLOTHIAN { "Community link worker sessions at " } else { "Young people's wellbeing clinic at " };
            assert!(names[4].starts_with(nhs), "{area}: {names:?}");
            assert_eq!(steps[4]["appointmentRequired"], true);
            assert!(steps.iter().all(|s| s["title"].is_string() && s["eligibility"].is_string() && s["contactInstructions"].is_string()));
            let inactive = steps[3]["service"]["status"] == "INACTIVE";
            assert_eq!(inactive, area == MIDLOTHIAN, "{area}: {:?}", steps[3]["service"]);

            // The pathway is reached from its library and from the services it leads to.
            let from = app
                .data("query($id: ID!) { location(id: $id) { pathwaysFrom { id } } }", json!({ "id": main_library(area) }))
                .await;
            assert_eq!(from["location"]["pathwaysFrom"], json!([{ "id": young_people(area) }]), "{area}");
            let through = app
                .data("query($id: ID!) { service(id: $id) { pathways { id } } }", json!({ "id": steps[2]["service"]["id"] }))
                .await;
            assert_eq!(through["service"]["pathways"], json!([{ "id": young_people(area) }]), "{area}");
        }

        let highland = pathways_in(&app, &[OLDER_PEOPLE_AREA]).await;
        assert_eq!(highland["totalCount"], 1);
        let node = &highland["nodes"][0];
        assert_eq!(node["audience"], json!([{ "code": "older-people" }]));
        let names = step_names(node);
        assert!(names[0].starts_with("Digital drop-in at "), "{names:?}");
        assert!(names[1].starts_with("Chatty café at "), "{names:?}");
        assert!(names[2].starts_with("Walking group at ") || names[2].starts_with("Chair exercise"), "{names:?}");
        assert!(names[3].starts_with("Community link worker sessions at "), "{names:?}");
        assert_eq!(node["steps"][3]["referralMethod"], "PROFESSIONAL_REFERRAL");

        let fife = pathways_in(&app, &[CARERS_AREA]).await;
        assert_eq!(fife["totalCount"], 1, "the draft is not for visitors");
        let node = &fife["nodes"][0];
        assert_eq!(node["audience"], json!([{ "code": "carers" }]));
        let methods: Vec<&str> = node["steps"].as_array().unwrap().iter().map(|s| s["referralMethod"].as_str().unwrap()).collect();
        assert_eq!(methods[..2], ["SIGNPOSTING", "SELF_REFERRAL"]);
        assert_eq!(node["steps"][0]["kind"], "ENTRY_LOCATION");
        assert!(node["steps"][0]["entryLocations"][0]["name"].as_str().unwrap().ends_with("Library"));
        let names = step_names(node);
        assert!(names[1].starts_with("Carers' advice line at "), "{names:?}");
        assert!(names[2].starts_with("Carers' support drop-in at "), "{names:?}");
        assert!(names[3].starts_with("Befriending service at "), "{names:?}");
        // The last step is words only: any GP practice, the carer's own.
        let gp = &node["steps"][4];
        assert_eq!((&gp["kind"], &gp["title"]), (&json!("INSTRUCTION"), &json!("Tell your GP practice you are a carer")));
        assert_eq!(gp["entryLocations"], json!([]));

        let review = app
            .data("{ pathways(filter: { needsReview: true }) { nodes { id } } }", json!({}))
            .await;
        assert_eq!(review["pathways"]["nodes"], json!([{ "id": young_people(MIDLOTHIAN) }]));
    }
}

on_both! {
    /// The Fife HSCP's draft is invisible to visitors and to other HSCPs,
    /// and there for its owner.
    async fn the_demo_draft_is_seen_only_by_its_owner(app) {
        let everything = app.data("{ pathways { totalCount } }", json!({})).await;
        assert_eq!(everything["pathways"]["totalCount"], 5, "drafts are left out of the count");
        let anonymous = app.graphql("query($id: ID!) { pathway(id: $id) { name } }", json!({ "id": draft() })).await;
        assert!(anonymous["data"]["pathway"].is_null());
        assert_eq!(error_code(&anonymous), "FORBIDDEN");

        let owner = app.issue_token(&hscp_partner_id(CARERS_AREA), &[]).await.token;
        let mine = call(&app, &owner, PATHWAYS, json!({ "f": { "areaCodes": [CARERS_AREA] } })).await;
        assert!(mine.get("errors").is_none(), "{mine:#}");
        assert_eq!(mine["data"]["pathways"]["totalCount"], 2);
        let statuses: BTreeMap<&str, &str> = mine["data"]["pathways"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| (n["id"].as_str().unwrap(), n["status"].as_str().unwrap()))
            .collect();
        assert_eq!(statuses.get(draft().as_str()), Some(&"DRAFT"));
        let one = call(&app, &owner, "query($id: ID!) { pathway(id: $id) { name status reviewedAt } }", json!({ "id": draft() })).await;
        assert_eq!(one["data"]["pathway"]["name"], "Young carers: school to short breaks");
        assert!(one["data"]["pathway"]["reviewedAt"].is_null());

        let other = app.issue_token(&hscp_partner_id(NORTH_AYRSHIRE), &[]).await.token;
        let theirs = call(&app, &other, "{ pathways { totalCount } }", json!({})).await;
        assert_eq!(theirs["data"]["pathways"]["totalCount"], 5);
        let library = app.issue_token(&library_partner_id(NORTH_AYRSHIRE), &[]).await.token;
        let me = call(&app, &library, "{ me { partner { kind } scopes } }", json!({})).await;
        assert_eq!(me["data"]["me"]["partner"]["kind"], "LIBRARY", "{me:#}");
    }
}

on_both! {
    /// The North Ayrshire HSCP reads months of referrals along its pilot,
    /// the same total by month and by week; others may not.
    async fn an_hscp_reads_months_of_demo_activity(app) {
        let today = Utc::now().date_naive();
        let from = (today - Days::new(200)).to_string();
        let to = today.to_string();
        let token = app.issue_token(&hscp_partner_id(NORTH_AYRSHIRE), &[]).await.token;
        let ask = |bucket: &str| json!({ "id": young_people(NORTH_AYRSHIRE), "from": from, "to": to, "bucket": bucket });

        let monthly = call(&app, &token, ACTIVITY, ask("MONTH")).await;
        assert!(monthly.get("errors").is_none(), "{monthly:#}");
        let mut per_month: BTreeMap<String, i64> = BTreeMap::new();
        for row in monthly["data"]["pathwayActivity"].as_array().unwrap() {
            let start = row["start"].as_str().unwrap();
            assert!(start.ends_with("-01"), "months start on the first: {start}");
            *per_month.entry(start.to_owned()).or_default() += row["referrals"].as_i64().unwrap();
        }
        assert!(per_month.len() >= 3, "several months: {per_month:?}");
        assert!(per_month.values().all(|n| *n > 0));
        let total: i64 = per_month.values().sum();

        let weekly = call(&app, &token, ACTIVITY, ask("WEEK")).await;
        let rows = weekly["data"]["pathwayActivity"].as_array().unwrap();
        assert!(rows.len() > per_month.len());
        assert_eq!(rows.iter().map(|r| r["referrals"].as_i64().unwrap()).sum::<i64>(), total);
        assert!(rows.iter().any(|r| r["stepId"].is_null()), "some counts are for the whole pathway");

        let anonymous = app.graphql(ACTIVITY, ask("MONTH")).await;
        assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
        let elsewhere = app.issue_token(&hscp_partner_id(CARERS_AREA), &[]).await.token;
        let refused = call(&app, &elsewhere, ACTIVITY, ask("MONTH")).await;
        assert_eq!(error_code(&refused), "FORBIDDEN");
    }
}
