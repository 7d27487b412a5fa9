//! Referral pathways: the curation lifecycle, who sees drafts, publishing
//! rules, review flags, the filters, activity counts and their access, the
//! audit trail and the change feed.

use chrono::{Days, Utc};
use entity::{audit, location, pathway, service};
use hubgraph::graphql::ids::{self, Kind};
use hubgraph::partners::PartnerKind;
use hubgraph::partners::kind::{HUBS_WRITE, PATHWAYS_ACTIVITY, REPORTS_READ, SERVICES_WRITE};
use hubgraph::seed::demo::demo_id;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set};
use serde_json::{Value, json};

use crate::helpers::{TestApp, demo_library, error_code};
use crate::on_both;

const MIDLOTHIAN: &str = "S12000019";
const FIFE: &str = "S12000047";

const FIELDS: &str = "id name description status version areaCodes needsReview reviewedAt
    audience { code } entryLocations { id }
    steps { id position title referralMethod appointmentRequired url service { id } organization { id } location { id }
        kind atEntryLocation entryLocations { id } }
    owner { name kind }";

fn create_mutation() -> String {
    format!(
        "mutation($input: CreatePathwayInput!) {{ createPathway(input: $input) {{
            pathway {{ {FIELDS} }} userErrors {{ field message code }} }} }}"
    )
}

fn update_mutation() -> String {
    format!(
        "mutation($input: UpdatePathwayInput!) {{ updatePathway(input: $input) {{
            pathway {{ {FIELDS} }} userErrors {{ field message code }} }} }}"
    )
}

fn steps_mutation() -> String {
    format!(
        "mutation($input: SetPathwayStepsInput!) {{ setPathwaySteps(input: $input) {{
            pathway {{ {FIELDS} }} userErrors {{ field message code }} }} }}"
    )
}

fn transition(name: &str) -> String {
    format!(
        "mutation($input: PathwayTransitionInput!) {{ {name}(input: $input) {{
            pathway {{ {FIELDS} }} userErrors {{ field message code }} }} }}"
    )
}

const RECORD: &str = "mutation($input: RecordPathwayActivityInput!) {
    recordPathwayActivity(input: $input) { ok userErrors { field message code } } }";
const ACTIVITY: &str = "query($id: ID!, $from: Date!, $to: Date!, $bucket: Bucket) {
    pathwayActivity(pathwayId: $id, from: $from, to: $to, bucket: $bucket) { start stepId referrals } }";

/// A partner of `kind` and a token holding `scopes` (all its kind allows when empty).
async fn partner_token(
    app: &TestApp,
    kind: PartnerKind,
    organization: Option<&str>,
    areas: &[&str],
    scopes: &[&str],
) -> (String, String) {
    let partner = app.add_partner(kind, "Pathway partner", organization, areas).await;
    let token = app.issue_token(&partner, scopes).await.token;
    (partner, token)
}

async fn hscp(app: &TestApp, area: &str) -> (String, String) {
    partner_token(app, PartnerKind::Hscp, None, &[area], &[]).await
}

async fn admin(app: &TestApp) -> String {
    partner_token(app, PartnerKind::Admin, None, &[], &[]).await.1
}

/// A GraphQL call with a token (or anonymous when `token` is empty); never a 5xx.
async fn call(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    if token.is_empty() {
        return app.graphql(query, variables).await;
    }
    let response = app.graphql_as(token, query, variables).await;
    assert!(response.status().as_u16() < 500, "no 5xx: {}", response.status());
    response.json().await.unwrap()
}

fn term(code: &str) -> String {
    ids::encode(
        Kind::TaxonomyTerm,
        &demo_id("taxonomy_term", &format!("audience/{code}")),
    )
    .0
}

/// A demo service by name, with its global id.
async fn service_named(app: &TestApp, prefix: &str, area: &str) -> (service::Model, String) {
    let rows = service::Entity::find()
        .filter(service::Column::Name.starts_with(prefix))
        .order_by_asc(service::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap();
    for row in rows {
        let places = hubgraph::services::related::locations_of_services(&app.state.db, std::slice::from_ref(&row.id))
            .await
            .unwrap();
        if places.iter().any(|(_, l)| l.area_code.as_deref() == Some(area)) {
            let id = ids::encode(Kind::Service, &row.id).0;
            return (row, id);
        }
    }
    panic!("no demo service {prefix:?} in {area}");
}

/// The first demo library of an area, with its global id.
async fn library_in(app: &TestApp, area: &str) -> (location::Model, String) {
    let row = location::Entity::find()
        .filter(location::Column::OrganizationId.eq(demo_library(area)))
        .order_by_asc(location::Column::Id)
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("a demo library");
    let id = ids::encode(Kind::Location, &row.id).0;
    (row, id)
}

/// Every demo library of an area, with their global ids.
async fn libraries_in(app: &TestApp, area: &str) -> Vec<String> {
    location::Entity::find()
        .filter(location::Column::OrganizationId.eq(demo_library(area)))
        .order_by_asc(location::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|row| ids::encode(Kind::Location, &row.id).0)
        .collect()
}

fn step(title: &str, method: &str, target: (&str, &str)) -> Value {
    let mut step = json!({ "title": title, "referralMethod": method });
    step[target.0] = json!(target.1);
    step
}

fn payload<'a>(response: &'a Value, field: &str) -> &'a Value {
    assert!(response.get("errors").is_none(), "unexpected errors: {response:#}");
    &response["data"][field]
}

fn user_errors(response: &Value, field: &str) -> Vec<(String, String)> {
    payload(response, field)["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let path: Vec<&str> = e["field"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap())
                .collect();
            (path.join("."), e["code"].as_str().unwrap().to_owned())
        })
        .collect()
}

/// A draft pathway in Midlothian through the peer support service and a web page.
async fn draft(app: &TestApp, token: &str) -> Value {
    let (_, peer) = service_named(app, "Peer support for young people", MIDLOTHIAN).await;
    let (_, library) = library_in(app, MIDLOTHIAN).await;
    let input = json!({
        "name": "Young people's wellbeing: from the library",
        "description": "Ask at the library, find help online, meet others.",
        "areaCodes": [MIDLOTHIAN],
        "audienceTermIds": [term("young-people")],
        "entryLocationIds": [library],
        "steps": [
            step("Find trusted information online", "SELF_REFERRAL", ("url", "https://wellbeing.example.org/young-people")),
            step("Peer support group", "SIGNPOSTING", ("serviceId", &peer)),
        ],
    });
    let response = call(app, token, &create_mutation(), json!({ "input": input })).await;
    let created = payload(&response, "createPathway");
    assert_eq!(created["userErrors"], json!([]), "{response:#}");
    created["pathway"].clone()
}

/// Ids of the published pathways with a step at a service.
async fn through_service(app: &TestApp, service_id: &str) -> Vec<String> {
    let data = app
        .data(
            "query($id: ID!) { service(id: $id) { pathways { id } } }",
            json!({ "id": service_id }),
        )
        .await;
    data["service"]["pathways"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Ids of the published pathways entered at a location.
async fn from_location(app: &TestApp, location_id: &str) -> Vec<String> {
    let data = app
        .data(
            "query($id: ID!) { location(id: $id) { pathwaysFrom { id } } }",
            json!({ "id": location_id }),
        )
        .await;
    data["location"]["pathwaysFrom"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn publish(app: &TestApp, token: &str, id: &str) -> Value {
    let response = call(
        app,
        token,
        &transition("publishPathway"),
        json!({ "input": { "id": id } }),
    )
    .await;
    let published = payload(&response, "publishPathway");
    assert_eq!(published["userErrors"], json!([]), "{response:#}");
    published["pathway"].clone()
}

on_both! {
    /// An HSCP writes a draft, edits it, reorders its steps, publishes and
    /// archives it; each change is audited, versioned and in the change feed.
    async fn hscp_curates_a_pathway_from_draft_to_archive(app) {
        let t0 = Utc::now();
        let (owner, token) = hscp(&app, MIDLOTHIAN).await;
        let created = draft(&app, &token).await;
        let id = created["id"].as_str().unwrap().to_owned();
        assert_eq!(created["status"], "DRAFT");
        assert_eq!(created["version"], 1);
        assert_eq!(created["areaCodes"], json!([MIDLOTHIAN]));
        assert_eq!(created["audience"], json!([{ "code": "young-people" }]));
        assert_eq!(created["owner"]["kind"], "HSCP");
        assert!(created["reviewedAt"].is_null());
        let steps = created["steps"].as_array().unwrap();
        assert_eq!(steps.len(), 2);
        assert_eq!(steps[0]["position"], 1);
        assert_eq!(steps[0]["url"], "https://wellbeing.example.org/young-people");
        assert_eq!(steps[1]["referralMethod"], "SIGNPOSTING");
        assert!(steps[1]["service"]["id"].is_string());
        assert_eq!(steps[1]["appointmentRequired"], false);

        // Edit: a new name, the description cleared; a stale version conflicts.
        let edited = call(&app, &token, &update_mutation(), json!({ "input": {
            "id": id, "name": "Young people's wellbeing", "description": null, "expectedVersion": 1 } })).await;
        let edited = payload(&edited, "updatePathway")["pathway"].clone();
        assert_eq!(edited["name"], "Young people's wellbeing");
        assert!(edited["description"].is_null());
        assert_eq!(edited["version"], 2);
        let stale = call(&app, &token, &update_mutation(), json!({ "input": { "id": id, "name": "x", "expectedVersion": 1 } })).await;
        assert_eq!(error_code(&stale), "CONFLICT");

        // Reorder: the two steps swap and keep their ids; a third is added.
        let first = steps[0]["id"].as_str().unwrap();
        let second = steps[1]["id"].as_str().unwrap();
        let (_, group) = service_named(&app, "Carers' support drop-in", MIDLOTHIAN).await;
        let reordered = call(&app, &token, &steps_mutation(), json!({ "input": { "id": id, "expectedVersion": 2, "steps": [
            { "id": second, "title": "Peer support group", "referralMethod": "SIGNPOSTING", "serviceId": steps[1]["service"]["id"] },
            { "id": first, "title": "Find trusted information online", "referralMethod": "SELF_REFERRAL", "url": "https://wellbeing.example.org/young-people" },
            { "title": "Carers' drop-in", "referralMethod": "PROFESSIONAL_REFERRAL", "appointmentRequired": true, "serviceId": group },
        ] } })).await;
        let reordered = payload(&reordered, "setPathwaySteps")["pathway"].clone();
        let now: Vec<(&str, i64)> = reordered["steps"].as_array().unwrap().iter()
            .map(|s| (s["id"].as_str().unwrap(), s["position"].as_i64().unwrap())).collect();
        assert_eq!(&now[..2], &[(second, 1), (first, 2)]);
        assert_eq!(now[2].1, 3);
        assert_eq!(reordered["steps"][2]["appointmentRequired"], true);
        assert_eq!(reordered["version"], 3);

        // A draft: the owner sees it, nobody else does, wherever they look.
        let anonymous = app.graphql("query($id: ID!) { pathway(id: $id) { id } node(id: $id) { id } }", json!({ "id": id })).await;
        assert!(anonymous["data"]["pathway"].is_null() && anonymous["data"]["node"].is_null());
        assert_eq!(error_code(&anonymous), "FORBIDDEN");
        assert_eq!(anonymous["errors"].as_array().unwrap().len(), 2, "both fields refused: {anonymous:#}");
        let (_, neighbour) = hscp(&app, MIDLOTHIAN).await;
        let other = call(&app, &neighbour, "query($id: ID!) { pathway(id: $id) { id } }", json!({ "id": id })).await;
        assert!(other["data"]["pathway"].is_null());
        assert_eq!(error_code(&other), "FORBIDDEN");
        let mine = call(&app, &token, "query($id: ID!) { pathway(id: $id) { id status } }", json!({ "id": id })).await;
        assert_eq!(payload(&mine, "pathway")["status"], "DRAFT");
        let listed = app.data("{ pathways(first: 100) { nodes { id } } }", json!({})).await;
        assert!(!listed["pathways"]["nodes"].as_array().unwrap().iter().any(|n| n["id"] == id.as_str()));
        let drafts = call(&app, &token, "{ pathways(filter: { status: [DRAFT] }) { totalCount nodes { id } } }", json!({})).await;
        assert_eq!(payload(&drafts, "pathways")["totalCount"], 1);
        let unseen = call(&app, &neighbour, "{ pathways(filter: { status: [DRAFT] }) { totalCount } }", json!({})).await;
        assert_eq!(payload(&unseen, "pathways")["totalCount"], 0);
        let (peer, _) = service_named(&app, "Peer support for young people", MIDLOTHIAN).await;
        let peer_id = ids::encode(Kind::Service, &peer.id).0;
        assert!(!through_service(&app, &peer_id).await.contains(&id), "drafts stay out of nested lists");

        let feed = "query($since: DateTime!) { changes(since: $since, entities: [PATHWAY]) { edges { node { id kind } } } }";
        let public_feed = app.data(feed, json!({ "since": t0.to_rfc3339() })).await;
        assert_eq!(public_feed["changes"]["edges"], json!([]), "drafts are not in the public feed");
        let own_feed = call(&app, &token, feed, json!({ "since": t0.to_rfc3339() })).await;
        assert_eq!(payload(&own_feed, "changes")["edges"][0]["node"]["id"], id.as_str());

        // Published: public everywhere, reviewed now.
        let published = publish(&app, &token, &id).await;
        assert_eq!(published["status"], "PUBLISHED");
        assert_eq!(published["version"], 4);
        assert!(published["reviewedAt"].is_string());
        let seen = app.data("query($id: ID!) { pathway(id: $id) { status needsReview } node(id: $id) { id } }", json!({ "id": id })).await;
        assert_eq!(seen["pathway"]["status"], "PUBLISHED");
        assert_eq!(seen["pathway"]["needsReview"], false);
        assert!(through_service(&app, &peer_id).await.contains(&id));
        let (_, library) = library_in(&app, MIDLOTHIAN).await;
        assert!(from_location(&app, &library).await.contains(&id));
        let public_feed = app.data(feed, json!({ "since": t0.to_rfc3339() })).await;
        assert_eq!(public_feed["changes"]["edges"], json!([{ "node": { "id": id, "kind": "UPDATED" } }]));
        let again = call(&app, &token, &transition("publishPathway"), json!({ "input": { "id": id } })).await;
        assert_eq!(user_errors(&again, "publishPathway"), [("input.id".to_owned(), "INVALID".to_owned())]);

        // Archived: out of public view again, and deleted from public copies.
        let archived = call(&app, &token, &transition("archivePathway"), json!({ "input": { "id": id, "expectedVersion": 4 } })).await;
        assert_eq!(payload(&archived, "archivePathway")["pathway"]["status"], "ARCHIVED");
        let gone = app.graphql("query($id: ID!) { pathway(id: $id) { id } }", json!({ "id": id })).await;
        assert_eq!(error_code(&gone), "FORBIDDEN");
        assert!(!through_service(&app, &peer_id).await.contains(&id));
        let public_feed = app.data(feed, json!({ "since": t0.to_rfc3339() })).await;
        assert_eq!(public_feed["changes"]["edges"], json!([{ "node": { "id": id, "kind": "DELETED" } }]));

        let raw = ids::decode_any(&id).unwrap().1;
        let actions: Vec<String> = audit::Entity::find()
            .filter(audit::Column::EntityId.eq(raw.clone()))
            .order_by_asc(audit::Column::At)
            .all(&app.state.db)
            .await
            .unwrap()
            .into_iter()
            .inspect(|row| assert_eq!(row.partner_id.as_deref(), Some(owner.as_str())))
            .map(|row| row.action)
            .collect();
        assert_eq!(actions, ["pathway.create", "pathway.update", "pathway.set_steps", "pathway.publish", "pathway.archive"]);
    }
}

on_both! {
    /// Publishing needs steps whose targets exist and whose services run;
    /// steps are checked field by field, and nothing is written on refusal.
    /// What makes a step wrong is refused even in a draft: two places at
    /// once, a target that does not exist, a URL that is no web page.
    async fn steps_and_publishing_are_checked(app) {
        let (_, token) = hscp(&app, MIDLOTHIAN).await;
        let empty = call(&app, &token, &create_mutation(), json!({ "input": { "name": "Empty", "areaCodes": [MIDLOTHIAN] } })).await;
        let empty_id = payload(&empty, "createPathway")["pathway"]["id"].as_str().unwrap().to_owned();
        let refused = call(&app, &token, &transition("publishPathway"), json!({ "input": { "id": empty_id } })).await;
        assert_eq!(user_errors(&refused, "publishPathway"), [("steps".to_owned(), "REQUIRED".to_owned())]);
        assert!(payload(&refused, "publishPathway")["pathway"].is_null());

        let (inactive, inactive_id) = service_named(&app, "Young people's wellbeing group", MIDLOTHIAN).await;
        assert_eq!(inactive.status, "inactive", "the demo's Midlothian youth group has stopped");
        let (_, peer) = service_named(&app, "Peer support for young people", MIDLOTHIAN).await;
        let organization = ids::encode(Kind::Organization, &demo_library(MIDLOTHIAN)).0;
        let missing = ids::encode(Kind::Service, "no-such-service").0;
        let bad = call(&app, &token, &steps_mutation(), json!({ "input": { "id": empty_id, "steps": [
            { "title": "Two targets", "referralMethod": "SIGNPOSTING", "serviceId": peer, "url": "https://example.org" },
            { "title": "Here and there", "referralMethod": "SIGNPOSTING", "atEntryLocation": true, "organizationId": organization },
            { "title": "Gone", "referralMethod": "SIGNPOSTING", "serviceId": missing },
            { "title": "Script", "referralMethod": "SELF_REFERRAL", "url": "javascript:alert(1)" },
            { "title": "x".repeat(201), "referralMethod": "SELF_REFERRAL", "organizationId": organization },
            { "id": "not-a-step", "title": "Kept?", "referralMethod": "SELF_REFERRAL", "organizationId": organization },
        ] } })).await;
        assert_eq!(
            user_errors(&bad, "setPathwaySteps"),
            [
                ("input.steps.0.target", "INVALID"),
                ("input.steps.1.target", "INVALID"),
                ("input.steps.2.serviceId", "NOT_FOUND"),
                ("input.steps.3.url", "INVALID"),
                ("input.steps.4.title", "TOO_LONG"),
                ("input.steps.5.id", "NOT_FOUND"),
            ]
            .map(|(f, c)| (f.to_owned(), c.to_owned()))
        );
        let stored = pathway::Entity::find_by_id(ids::decode_any(&empty_id).unwrap().1).one(&app.state.db).await.unwrap().unwrap();
        assert_eq!(stored.version, 1, "a refused write changes nothing");

        // A draft may lead to a stopped service; publishing it may not.
        let set = call(&app, &token, &steps_mutation(), json!({ "input": { "id": empty_id, "steps": [
            { "title": "Peer support", "referralMethod": "SIGNPOSTING", "serviceId": peer },
            { "title": "Youth group", "referralMethod": "SIGNPOSTING", "serviceId": inactive_id },
        ] } })).await;
        assert_eq!(user_errors(&set, "setPathwaySteps"), []);
        let refused = call(&app, &token, &transition("publishPathway"), json!({ "input": { "id": empty_id } })).await;
        assert_eq!(user_errors(&refused, "publishPathway"), [("steps.1.service".to_owned(), "INVALID".to_owned())]);

        // On a published pathway the steps must stay publishable.
        let created = draft(&app, &token).await;
        let id = created["id"].as_str().unwrap();
        publish(&app, &token, id).await;
        let stopped = call(&app, &token, &steps_mutation(), json!({ "input": { "id": id, "steps": [
            { "title": "Youth group", "referralMethod": "SIGNPOSTING", "serviceId": inactive_id },
        ] } })).await;
        assert_eq!(user_errors(&stopped, "setPathwaySteps"), [("input.steps.0.serviceId".to_owned(), "INVALID".to_owned())]);
        let untitled = call(&app, &token, &steps_mutation(), json!({ "input": { "id": id, "steps": [
            { "title": " ", "referralMethod": "SIGNPOSTING", "serviceId": peer },
        ] } })).await;
        assert_eq!(user_errors(&untitled, "setPathwaySteps"), [("input.steps.0.title".to_owned(), "REQUIRED".to_owned())]);
        let none = call(&app, &token, &steps_mutation(), json!({ "input": { "id": id, "steps": [] } })).await;
        assert_eq!(user_errors(&none, "setPathwaySteps"), [("input.steps".to_owned(), "REQUIRED".to_owned())]);

        // Fields of the pathway itself.
        let bad = call(&app, &token, &create_mutation(), json!({ "input": {
            "name": "", "areaCodes": [], "audienceTermIds": [ids::encode(Kind::TaxonomyTerm, &demo_id("taxonomy_term", "hub-facility/wifi")).0],
            "entryLocationIds": [ids::encode(Kind::Location, "nowhere").0] } })).await;
        assert_eq!(
            user_errors(&bad, "createPathway"),
            [("input.name", "REQUIRED"), ("input.areaCodes", "REQUIRED"), ("input.audienceTermIds.0", "INVALID"), ("input.entryLocationIds.0", "NOT_FOUND")]
                .map(|(f, c)| (f.to_owned(), c.to_owned()))
        );
        let not_an_area = call(&app, &token, &create_mutation(), json!({ "input": { "name": "x", "areaCodes": ["S92000003"] } })).await;
        assert_eq!(error_code(&not_an_area), "FORBIDDEN", "Scotland is not one of the HSCP's areas");
    }
}

on_both! {
    /// A published pathway whose service stops shows needsReview to everyone
    /// and appears in its owner's review list, not in anyone else's.
    async fn pathways_through_a_stopped_service_need_review(app) {
        let (_, token) = hscp(&app, MIDLOTHIAN).await;
        let (_, neighbour) = hscp(&app, MIDLOTHIAN).await;
        let created = draft(&app, &token).await;
        let id = created["id"].as_str().unwrap().to_owned();
        publish(&app, &token, &id).await;
        let review_list = "{ pathwayReviewList { totalCount nodes { id needsReview } } }";
        assert_eq!(payload(&call(&app, &token, review_list, json!({})).await, "pathwayReviewList")["totalCount"], 0);

        let (peer, _) = service_named(&app, "Peer support for young people", MIDLOTHIAN).await;
        let mut stopped = peer.into_active_model();
        stopped.status = Set("defunct".into());
        stopped.update(&app.state.db).await.unwrap();

        let seen = app.data("query($id: ID!) { pathway(id: $id) { needsReview } }", json!({ "id": id })).await;
        assert_eq!(seen["pathway"]["needsReview"], true);
        let mine = call(&app, &token, review_list, json!({})).await;
        assert_eq!(payload(&mine, "pathwayReviewList")["nodes"], json!([{ "id": id, "needsReview": true }]));
        let theirs = call(&app, &neighbour, review_list, json!({})).await;
        assert_eq!(payload(&theirs, "pathwayReviewList")["totalCount"], 0);
        let flagged = app
            .data("{ pathways(filter: { needsReview: true }) { nodes { id } } }", json!({}))
            .await;
        assert!(flagged["pathways"]["nodes"].as_array().unwrap().iter().any(|n| n["id"] == id.as_str()));
        let anonymous = app.graphql(review_list, json!({})).await;
        assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");

        // Replacing the step clears the flag and counts as a review.
        let (_, group) = service_named(&app, "Carers' support drop-in", MIDLOTHIAN).await;
        let fixed = call(&app, &token, &steps_mutation(), json!({ "input": { "id": id, "steps": [
            { "title": "Carers' drop-in", "referralMethod": "SELF_REFERRAL", "serviceId": group } ] } })).await;
        assert_eq!(payload(&fixed, "setPathwaySteps")["pathway"]["needsReview"], false);
        assert_eq!(payload(&call(&app, &token, review_list, json!({})).await, "pathwayReviewList")["totalCount"], 0);
    }
}

on_both! {
    /// Only the owning HSCP (in its areas) and admins change a pathway;
    /// libraries and third-sector bodies cannot; anonymous callers are asked to sign in.
    async fn only_the_owner_and_admins_curate(app) {
        let (_, token) = hscp(&app, MIDLOTHIAN).await;
        let created = draft(&app, &token).await;
        let id = created["id"].as_str().unwrap().to_owned();
        let rename = json!({ "input": { "id": id, "name": "Renamed" } });

        let (_, library) = partner_token(&app, PartnerKind::Library, Some(&demo_library(MIDLOTHIAN)), &[], &[HUBS_WRITE, SERVICES_WRITE, PATHWAYS_ACTIVITY]).await;
        let (_, fife) = hscp(&app, FIFE).await;
        let (_, neighbour) = hscp(&app, MIDLOTHIAN).await;
        let (_, reader) = partner_token(&app, PartnerKind::Hscp, None, &[MIDLOTHIAN], &[REPORTS_READ]).await;
        // Without the scope a write is forbidden outright; curators who may
        // not see someone else's draft are told what an unknown id gets
        // (ADVERSARIAL 52).
        let callers = [
            ("library", &library, "FORBIDDEN"),
            ("other area", &fife, "NOT_FOUND"),
            ("not the owner", &neighbour, "NOT_FOUND"),
            ("no scope", &reader, "FORBIDDEN"),
        ];
        for (who, token, code) in callers {
            let refused = call(&app, token, &update_mutation(), rename.clone()).await;
            assert_eq!(error_code(&refused), code, "{who}: {refused:#}");
            let published = call(&app, token, &transition("publishPathway"), json!({ "input": { "id": id } })).await;
            assert_eq!(error_code(&published), code, "{who}");
        }
        let elsewhere = call(&app, &fife, &create_mutation(), json!({ "input": { "name": "x", "areaCodes": [MIDLOTHIAN] } })).await;
        assert_eq!(error_code(&elsewhere), "FORBIDDEN");
        let by_library = call(&app, &library, &create_mutation(), json!({ "input": { "name": "x", "areaCodes": [MIDLOTHIAN] } })).await;
        assert_eq!(error_code(&by_library), "FORBIDDEN");
        let anonymous = app.graphql(&update_mutation(), rename.clone()).await;
        assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
        let widened = call(&app, &token, &update_mutation(), json!({ "input": { "id": id, "areaCodes": [MIDLOTHIAN, FIFE] } })).await;
        assert_eq!(error_code(&widened), "FORBIDDEN", "an HSCP cannot move a pathway into another's area");

        let stored = pathway::Entity::find_by_id(ids::decode_any(&id).unwrap().1).one(&app.state.db).await.unwrap().unwrap();
        assert_eq!((stored.name.as_str(), stored.version), ("Young people's wellbeing: from the library", 1), "unchanged");

        let operator = admin(&app).await;
        let renamed = call(&app, &operator, &update_mutation(), json!({ "input": { "id": id, "name": "Renamed", "areaCodes": [MIDLOTHIAN, FIFE] } })).await;
        let renamed = payload(&renamed, "updatePathway")["pathway"].clone();
        assert_eq!(renamed["name"], "Renamed");
        assert_eq!(renamed["areaCodes"], json!([MIDLOTHIAN, FIFE]), "sorted by code");
        let seen = call(&app, &operator, "query($id: ID!) { pathway(id: $id) { status } }", json!({ "id": id })).await;
        assert_eq!(payload(&seen, "pathway")["status"], "DRAFT", "admins see drafts");

        // Once published, anyone may see it, and another curator is forbidden to change it.
        publish(&app, &operator, &id).await;
        let refused = call(&app, &neighbour, &update_mutation(), json!({ "input": { "id": id, "name": "Mine now" } })).await;
        assert_eq!(error_code(&refused), "FORBIDDEN", "{refused:#}");
    }
}

on_both! {
    /// Pathways are found by area, audience (with narrower terms), entry
    /// location, service on any step and text.
    async fn pathways_are_found_by_area_audience_entry_service_and_text(app) {
        let (_, token) = hscp(&app, MIDLOTHIAN).await;
        let young = draft(&app, &token).await;
        let young_id = young["id"].as_str().unwrap().to_owned();
        publish(&app, &token, &young_id).await;
        let (_, fife) = hscp(&app, FIFE).await;
        let (_, advice) = service_named(&app, "Carers' advice line", FIFE).await;
        let carers = call(&app, &fife, &create_mutation(), json!({ "input": {
            "name": "Unpaid carers: a break and a listening ear", "areaCodes": [FIFE],
            "audienceTermIds": [term("young-carers")],
            "steps": [step("Call the carers' advice line", "SELF_REFERRAL", ("serviceId", &advice))] } })).await;
        let carers_id = payload(&carers, "createPathway")["pathway"]["id"].as_str().unwrap().to_owned();
        publish(&app, &fife, &carers_id).await;

        let find = |filter: Value| {
            let (app, young_id, carers_id) = (&app, &young_id, &carers_id);
            async move {
                let data = app.data("query($f: PathwayFilter) { pathways(filter: $f, first: 100) { totalCount nodes { id } } }", json!({ "f": filter })).await;
                // The demo set's own pathways match some filters too; look at the two made here.
                let mut ids: Vec<String> = data["pathways"]["nodes"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap().to_owned())
                    .filter(|id| [young_id.as_str(), carers_id.as_str()].contains(&id.as_str())).collect();
                ids.sort();
                ids
            }
        };
        assert_eq!(find(json!({ "areaCodes": [MIDLOTHIAN] })).await, vec![young_id.clone()]);
        assert_eq!(find(json!({ "areaCodes": [FIFE] })).await, vec![carers_id.clone()]);
        assert_eq!(find(json!({ "audienceTermIds": [term("carers")] })).await, vec![carers_id.clone()], "narrower terms match");
        assert_eq!(find(json!({ "audienceTermIds": [term("young-people")] })).await, vec![young_id.clone()]);
        let (_, library) = library_in(&app, MIDLOTHIAN).await;
        assert_eq!(find(json!({ "fromLocationId": library })).await, vec![young_id.clone()]);
        assert_eq!(find(json!({ "serviceId": advice })).await, vec![carers_id.clone()]);
        assert_eq!(find(json!({ "text": "LISTENING" })).await, vec![carers_id.clone()], "in the name, any case");
        assert_eq!(find(json!({ "text": "trusted information" })).await, vec![young_id.clone()], "in a step's title");
        assert_eq!(find(json!({ "text": "100%_" })).await, Vec::<String>::new(), "wildcards are literal");
        assert_eq!(find(json!({ "areaCodes": [MIDLOTHIAN], "text": "listening" })).await, Vec::<String>::new());

        let bad = app.graphql("{ pathways(filter: { serviceId: \"%%%\" }) { totalCount } }", json!({})).await;
        assert_eq!(error_code(&bad), "BAD_USER_INPUT");
        let null_id = app.graphql("query($id: ID) { pathway(id: $id) { id } }", json!({})).await;
        assert_eq!(error_code(&null_id), "BAD_USER_INPUT", "a null variable for a required argument: {null_id:#}");
        let too_many = app.graphql("{ pathways(first: 1000) { totalCount } }", json!({})).await;
        assert_eq!(error_code(&too_many), "BAD_USER_INPUT");
    }
}

on_both! {
    /// Partners in the area add referral counts (numbers only); the HSCP of
    /// the area and admins read them by day, week or month; nobody else.
    async fn activity_is_counted_by_partners_and_read_by_the_area_hscp(app) {
        let (_, token) = hscp(&app, MIDLOTHIAN).await;
        let created = draft(&app, &token).await;
        let id = created["id"].as_str().unwrap().to_owned();
        let step_id = created["steps"][1]["id"].as_str().unwrap().to_owned();
        let (library_partner, library) = partner_token(&app, PartnerKind::Library, Some(&demo_library(MIDLOTHIAN)), &[], &[PATHWAYS_ACTIVITY]).await;
        let today = Utc::now().date_naive();
        let day = |back: u64| (today - Days::new(back)).format("%Y-%m-%d").to_string();

        // A draft takes no counts: hidden from the library, refused for its owner.
        let on_draft = call(&app, &library, RECORD, json!({ "input": { "pathwayId": id, "date": day(1), "referrals": 2 } })).await;
        assert_eq!(error_code(&on_draft), "NOT_FOUND");
        let by_owner = call(&app, &token, RECORD, json!({ "input": { "pathwayId": id, "date": day(1), "referrals": 2 } })).await;
        assert_eq!(user_errors(&by_owner, "recordPathwayActivity"), [("input.pathwayId".to_owned(), "INVALID".to_owned())]);
        publish(&app, &token, &id).await;

        let counts = [(1, None, 2), (1, Some(step_id.as_str()), 3), (2, Some(step_id.as_str()), 4), (40, None, 5)];
        for (back, step, referrals) in counts {
            let recorded = call(&app, &library, RECORD, json!({ "input": { "pathwayId": id, "stepId": step, "date": day(back), "referrals": referrals } })).await;
            assert_eq!(payload(&recorded, "recordPathwayActivity"), &json!({ "ok": true, "userErrors": [] }));
        }
        // A third-sector body with a venue in the area, and the area's HSCP, count too
        // (on a day outside the ranges summed below).
        let (peer, _) = service_named(&app, "Peer support for young people", MIDLOTHIAN).await;
        let (_, charity) = partner_token(&app, PartnerKind::ThirdSector, Some(&peer.organization_id), &[], &[PATHWAYS_ACTIVITY]).await;
        for who in [&charity, &token] {
            let recorded = call(&app, who, RECORD, json!({ "input": { "pathwayId": id, "date": day(300), "referrals": 1 } })).await;
            assert_eq!(payload(&recorded, "recordPathwayActivity")["ok"], true, "{recorded:#}");
        }
        let bad = call(&app, &library, RECORD, json!({ "input": { "pathwayId": id, "stepId": "not-a-step", "date": day(0), "referrals": 0 } })).await;
        assert_eq!(
            user_errors(&bad, "recordPathwayActivity"),
            [("input.referrals", "INVALID"), ("input.stepId", "NOT_FOUND")].map(|(f, c)| (f.to_owned(), c.to_owned()))
        );
        let future = (today + Days::new(2)).format("%Y-%m-%d").to_string();
        let ahead = call(&app, &library, RECORD, json!({ "input": { "pathwayId": id, "date": future, "referrals": 1 } })).await;
        assert_eq!(user_errors(&ahead, "recordPathwayActivity"), [("input.date".to_owned(), "INVALID".to_owned())]);
        let malformed = call(&app, &library, RECORD, json!({ "input": { "pathwayId": id, "date": "31/12/2026", "referrals": 1 } })).await;
        assert_eq!(error_code(&malformed), "BAD_USER_INPUT");

        // Partners elsewhere, or without the scope, cannot add counts.
        let (_, far) = partner_token(&app, PartnerKind::Library, Some(&demo_library(FIFE)), &[], &[PATHWAYS_ACTIVITY]).await;
        let refused = call(&app, &far, RECORD, json!({ "input": { "pathwayId": id, "date": day(1), "referrals": 1 } })).await;
        assert_eq!(error_code(&refused), "FORBIDDEN");
        let (_, hubs_only) = partner_token(&app, PartnerKind::Library, Some(&demo_library(MIDLOTHIAN)), &[], &[HUBS_WRITE]).await;
        let unscoped = call(&app, &hubs_only, RECORD, json!({ "input": { "pathwayId": id, "date": day(1), "referrals": 1 } })).await;
        assert_eq!(error_code(&unscoped), "FORBIDDEN");
        let anonymous = app.graphql(RECORD, json!({ "input": { "pathwayId": id, "date": day(1), "referrals": 1 } })).await;
        assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
        let audited = audit::Entity::find()
            .filter(audit::Column::Action.eq("pathway.record_activity"))
            .filter(audit::Column::PartnerId.eq(library_partner.clone()))
            .all(&app.state.db)
            .await
            .unwrap();
        assert_eq!(audited.len(), counts.len(), "one audit row per count added");

        // Sums: by day, by week and by month they add up to the same total.
        let range = json!({ "id": id, "from": day(60), "to": day(0) });
        let mut totals = Vec::new();
        for bucket in ["DAY", "WEEK", "MONTH"] {
            let mut variables = range.clone();
            variables["bucket"] = json!(bucket);
            let read = call(&app, &token, ACTIVITY, variables).await;
            let buckets = payload(&read, "pathwayActivity").as_array().unwrap().clone();
            let starts: Vec<&str> = buckets.iter().map(|b| b["start"].as_str().unwrap()).collect();
            assert!(starts.windows(2).all(|w| w[0] <= w[1]), "{bucket}: oldest first");
            totals.push(buckets.iter().map(|b| b["referrals"].as_i64().unwrap()).sum::<i64>());
            if bucket == "DAY" {
                let yesterday: Vec<(Value, i64)> = buckets.iter().filter(|b| b["start"] == day(1).as_str())
                    .map(|b| (b["stepId"].clone(), b["referrals"].as_i64().unwrap())).collect();
                assert_eq!(yesterday, [(Value::Null, 2), (json!(step_id), 3)], "the pathway's own count first, then the steps");
            }
        }
        assert_eq!(totals, [14, 14, 14]);
        let narrow = call(&app, &token, ACTIVITY, json!({ "id": id, "from": day(10), "to": day(0), "bucket": "DAY" })).await;
        assert_eq!(payload(&narrow, "pathwayActivity").as_array().unwrap().iter().map(|b| b["referrals"].as_i64().unwrap()).sum::<i64>(), 9);
        let backwards = call(&app, &token, ACTIVITY, json!({ "id": id, "from": day(0), "to": day(10) })).await;
        assert_eq!(error_code(&backwards), "BAD_USER_INPUT", "{backwards:#}");

        // Readers: the HSCP of the area and admins; not the library, not another area.
        let operator = admin(&app).await;
        assert!(call(&app, &operator, ACTIVITY, range.clone()).await.get("errors").is_none());
        let (_, fife) = hscp(&app, FIFE).await;
        for (who, token) in [("library", &library), ("other area", &fife)] {
            let refused = call(&app, token, ACTIVITY, range.clone()).await;
            assert_eq!(error_code(&refused), "FORBIDDEN", "{who}");
        }
        assert_eq!(error_code(&app.graphql(ACTIVITY, range.clone()).await), "UNAUTHENTICATED");

        // Through the pathway itself, a refused reader gets null and the public fields.
        let nested = "query($id: ID!, $from: Date!, $to: Date!) { node(id: $id) { ... on Pathway { name activity(from: $from, to: $to, bucket: MONTH) { referrals } } } }";
        let seen = call(&app, &fife, nested, range.clone()).await;
        assert_eq!(error_code(&seen), "FORBIDDEN");
        assert_eq!(seen["data"]["node"].get("activity"), Some(&Value::Null), "null, not left out: {seen:#}");
        assert_eq!(seen["errors"][0]["path"], json!(["node", "activity"]));
        assert!(seen["data"]["node"]["name"].is_string());
        // Asked for alone, the refused field still leaves its parent in place.
        let alone = "query($id: ID!, $from: Date!, $to: Date!) { node(id: $id) { ... on Pathway { activity(from: $from, to: $to) { referrals } } } }";
        let seen = call(&app, &fife, alone, range.clone()).await;
        assert_eq!(error_code(&seen), "FORBIDDEN");
        assert_eq!(seen["data"]["node"], json!({ "activity": null }), "{seen:#}");
        let mine = call(&app, &token, nested, range.clone()).await;
        let months: i64 = payload(&mine, "node")["activity"].as_array().unwrap().iter().map(|b| b["referrals"].as_i64().unwrap()).sum();
        assert_eq!(months, 14);

        // Once archived, late counts are still taken from partners of the area.
        let archived = call(&app, &token, &transition("archivePathway"), json!({ "input": { "id": id } })).await;
        assert_eq!(payload(&archived, "archivePathway")["pathway"]["status"], "ARCHIVED");
        let late = call(&app, &library, RECORD, json!({ "input": { "pathwayId": id, "date": day(3), "referrals": 1 } })).await;
        assert_eq!(payload(&late, "recordPathwayActivity")["ok"], true, "{late:#}");
    }
}

/// The activity input holds ids, a date and a number: no field where
/// anything about a person could be written.
#[tokio::test]
async fn activity_input_has_no_room_for_personal_data() {
    let app = crate::helpers::spawn_app_with(crate::helpers::Backend::Sqlite, false)
        .await
        .unwrap();
    let data = app
        .data(
            "{ __type(name: \"RecordPathwayActivityInput\") { inputFields { name type { kind name ofType { name } } } } }",
            json!({}),
        )
        .await;
    let fields: Vec<(String, String)> = data["__type"]["inputFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let ty = &f["type"];
            let name = ty["name"].as_str().or(ty["ofType"]["name"].as_str()).unwrap();
            (f["name"].as_str().unwrap().to_owned(), name.to_owned())
        })
        .collect();
    assert_eq!(
        fields,
        [
            ("pathwayId", "ID"),
            ("stepId", "ID"),
            ("date", "Date"),
            ("referrals", "Int")
        ]
        .map(|(f, t)| (f.to_owned(), t.to_owned()))
    );
}

const CREATE_LOCATION: &str = "mutation($input: CreateLocationInput!) { createLocation(input: $input) {
    location { id areaCode } userErrors { field message code } } }";

on_both! {
    /// ADVERSARIAL 49: a Midlothian library types Fife's area code on a new
    /// location of its own, then tries to count 9,999 referrals on a Fife
    /// pathway: refused, nothing counted. Its working areas are facts (where
    /// its locations are by postcode, the areas it was registered with), and
    /// a typed area that contradicts a known postcode is refused outright.
    async fn a_library_cannot_declare_itself_into_fife(app) {
        let (_, fife) = hscp(&app, FIFE).await;
        let input = json!({ "name": "Carers in Fife", "areaCodes": [FIFE],
            "steps": [step("Read about carers' rights", "SELF_REFERRAL", ("url", "https://carers.example.org/fife"))] });
        let created = call(&app, &fife, &create_mutation(), json!({ "input": input })).await;
        let id = payload(&created, "createPathway")["pathway"]["id"].as_str().unwrap().to_owned();
        publish(&app, &fife, &id).await;

        let library = demo_library(MIDLOTHIAN);
        let organization = ids::encode(Kind::Organization, &library).0;
        let (_, token) = partner_token(&app, PartnerKind::Library, Some(&library), &[], &[SERVICES_WRITE, PATHWAYS_ACTIVITY]).await;
        let today = Utc::now().date_naive().format("%Y-%m-%d").to_string();
        let record = json!({ "input": { "pathwayId": id, "date": today, "referrals": 9999 } });
        let counted = || async {
            entity::pathway_activity::Entity::find().filter(entity::pathway_activity::Column::PathwayId.eq(ids::decode_any(&id).unwrap().1)).all(&app.state.db).await.unwrap().len()
        };

        // One of the library's demo places, read before this test adds any
        // (a new location's random id may sort before the demo ones).
        let (own, _) = library_in(&app, MIDLOTHIAN).await;

        // A location with no address and a typed area: kept (it places the
        // location in the directory) but it makes the library no Fife partner.
        let declared = call(&app, &token, CREATE_LOCATION, json!({ "input": {
            "organizationId": organization, "name": "Fife outpost", "areaCode": FIFE } })).await;
        assert_eq!(payload(&declared, "createLocation")["userErrors"], json!([]), "{declared:#}");
        let refused = call(&app, &token, RECORD, record.clone()).await;
        assert_eq!(error_code(&refused), "FORBIDDEN", "{refused:#}");
        assert_eq!(counted().await, 0, "nothing recorded");

        // With a postcode the table places in Midlothian, a typed Fife area is refused on its field.
        let postcode = entity::address::Entity::find()
            .filter(entity::address::Column::LocationId.eq(own.id.clone()))
            .one(&app.state.db).await.unwrap().expect("the demo library has an address").postal_code;
        let address = json!({ "address1": "2 Main Street", "city": "Dalkeith", "postalCode": postcode, "country": "GB" });
        let contradicted = call(&app, &token, CREATE_LOCATION, json!({ "input": {
            "organizationId": organization, "name": "Not in Fife", "address": address, "areaCode": FIFE } })).await;
        assert_eq!(user_errors(&contradicted, "createLocation"), [("input.areaCode".to_owned(), "INVALID".to_owned())]);
        // Left out, the area follows the postcode.
        let derived = call(&app, &token, CREATE_LOCATION, json!({ "input": {
            "organizationId": organization, "name": "Dalkeith pop-up", "address": address } })).await;
        assert_eq!(payload(&derived, "createLocation")["location"]["areaCode"], MIDLOTHIAN, "{derived:#}");

        let refused = call(&app, &token, RECORD, record.clone()).await;
        assert_eq!(error_code(&refused), "FORBIDDEN", "{refused:#}");
        assert_eq!(counted().await, 0, "nothing recorded");
        // Registered with Fife by the operator, the same library may count there.
        let (_, registered) = partner_token(&app, PartnerKind::Library, Some(&library), &[FIFE], &[PATHWAYS_ACTIVITY]).await;
        let recorded = call(&app, &registered, RECORD, record).await;
        assert_eq!(payload(&recorded, "recordPathwayActivity")["ok"], true, "{recorded:#}");
    }
}

on_both! {
    /// ADVERSARIAL 52: a pathway archived straight from draft was never
    /// public, so the change feed does not report it (not even as deleted)
    /// to anyone but its owner and admins.
    async fn a_pathway_archived_straight_from_draft_never_reaches_the_feed(app) {
        let t0 = Utc::now();
        let (_, token) = hscp(&app, MIDLOTHIAN).await;
        let id = draft(&app, &token).await["id"].as_str().unwrap().to_owned();
        let archived = call(&app, &token, &transition("archivePathway"), json!({ "input": { "id": id } })).await;
        assert_eq!(payload(&archived, "archivePathway")["pathway"]["status"], "ARCHIVED");

        let feed = "query($since: DateTime!) { changes(since: $since, entities: [PATHWAY]) { edges { node { id kind } } } }";
        let since = json!({ "since": t0.to_rfc3339() });
        assert_eq!(app.data(feed, since.clone()).await["changes"]["edges"], json!([]), "anonymous");
        let (_, neighbour) = hscp(&app, MIDLOTHIAN).await;
        let theirs = call(&app, &neighbour, feed, since.clone()).await;
        assert_eq!(payload(&theirs, "changes")["edges"], json!([]), "another HSCP of the area");
        let deleted = json!([{ "node": { "id": id, "kind": "DELETED" } }]);
        let own = call(&app, &token, feed, since.clone()).await;
        assert_eq!(payload(&own, "changes")["edges"], deleted, "its owner");
        let operator = admin(&app).await;
        assert_eq!(payload(&call(&app, &operator, feed, since.clone()).await, "changes")["edges"], deleted, "admins");

        // Once published and then archived, it was public: everyone is told it went.
        publish(&app, &token, &id).await;
        call(&app, &token, &transition("archivePathway"), json!({ "input": { "id": id } })).await;
        assert_eq!(app.data(feed, since).await["changes"]["edges"], deleted);
    }
}

on_both! {
    /// ADVERSARIAL 52: asked for someone else's draft, `pathway(id:)`,
    /// `node(id:)` and `pathwayActivity` answer exactly as they do for an id
    /// that names nothing, so the answer does not tell that the draft exists.
    async fn someone_elses_draft_answers_as_an_unknown_id_does(app) {
        let (_, token) = hscp(&app, MIDLOTHIAN).await;
        let id = draft(&app, &token).await["id"].as_str().unwrap().to_owned();
        let unknown = ids::encode(Kind::Pathway, &uuid::Uuid::new_v4().to_string()).0;
        let (_, neighbour) = partner_token(&app, PartnerKind::Hscp, None, &[MIDLOTHIAN], &[REPORTS_READ]).await;
        let today = Utc::now().date_naive().format("%Y-%m-%d").to_string();
        let lookups = [
            "query($id: ID!) { pathway(id: $id) { id name } }",
            "query($id: ID!) { node(id: $id) { id } }",
        ];
        let activity = "query($id: ID!, $day: Date!) { pathwayActivity(pathwayId: $id, from: $day, to: $day) { referrals } }";
        for (who, caller) in [("anonymous", ""), ("another HSCP of the area", neighbour.as_str())] {
            for query in lookups.iter().chain([&activity]) {
                let variables = |id: &str| json!({ "id": id, "day": today });
                let draft = call(&app, caller, query, variables(&id)).await;
                let nothing = call(&app, caller, query, variables(&unknown)).await;
                assert!(draft.get("errors").is_some(), "{who}: {query}: {draft:#}");
                assert_eq!(draft, nothing, "{who}: {query}");
            }
        }
        // Another curator of the area trying to change it is told what it
        // would be told of an unknown id, and changes nothing.
        let (_, curator) = hscp(&app, MIDLOTHIAN).await;
        for transition in ["publishPathway", "archivePathway"] {
            let mutation = format!(
                "mutation($id: ID!) {{ {transition}(input: {{ id: $id }}) {{ pathway {{ id }} userErrors {{ code }} }} }}"
            );
            let draft = call(&app, &curator, &mutation, json!({ "id": id })).await;
            let nothing = call(&app, &curator, &mutation, json!({ "id": unknown })).await;
            assert_eq!(error_code(&draft), "NOT_FOUND", "{transition}: {draft:#}");
            assert_eq!(draft, nothing, "{transition}");
        }
        // Its owner still sees it, a draft still; admins still get a plain null for an unknown id.
        let mine = call(&app, &token, "query($id: ID!) { pathway(id: $id) { status } }", json!({ "id": id })).await;
        assert_eq!(payload(&mine, "pathway")["status"], "DRAFT");
        let mine = call(&app, &token, lookups[0], json!({ "id": id })).await;
        assert_eq!(payload(&mine, "pathway")["id"], id.as_str());
        let operator = admin(&app).await;
        let none = call(&app, &operator, lookups[0], json!({ "id": unknown })).await;
        assert_eq!(payload(&none, "pathway"), &Value::Null);
    }
}

on_both! {
    /// ADVERSARIAL 52: a published pathway's owner is shown to the public by
    /// name only: not its partner id (the `sub` of its tokens), kind,
    /// organization or areas. The owner itself and admins see all of it.
    async fn anonymous_callers_see_only_a_pathway_owners_name(app) {
        let (owner, token) = hscp(&app, MIDLOTHIAN).await;
        let id = draft(&app, &token).await["id"].as_str().unwrap().to_owned();
        publish(&app, &token, &id).await;
        let query = "query($id: ID!) { pathway(id: $id) { owner { id name kind areaCodes organization { id } } } }";
        let full_id = ids::encode(Kind::Partner, &owner).0;

        let (_, neighbour) = hscp(&app, MIDLOTHIAN).await;
        for (who, caller) in [("anonymous", ""), ("another HSCP", neighbour.as_str())] {
            let seen = call(&app, caller, query, json!({ "id": id })).await;
            let shown = &payload(&seen, "pathway")["owner"];
            assert_eq!(shown["name"], "Pathway partner", "{who}");
            assert_eq!((&shown["kind"], &shown["areaCodes"], &shown["organization"]), (&Value::Null, &Value::Null, &Value::Null), "{who}");
            let public_id = shown["id"].as_str().unwrap();
            assert_ne!(public_id, full_id, "{who}");
            assert!(!String::from_utf8_lossy(&base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, public_id).unwrap()).contains(&owner), "{who}");
        }
        let operator = admin(&app).await;
        for (who, caller) in [("owner", &token), ("admin", &operator)] {
            let seen = call(&app, caller, query, json!({ "id": id })).await;
            let shown = &payload(&seen, "pathway")["owner"];
            assert_eq!(shown["id"], full_id.as_str(), "{who}");
            assert_eq!(shown["kind"], "HSCP", "{who}");
            assert_eq!(shown["areaCodes"], json!([MIDLOTHIAN]), "{who}");
        }
    }
}

/// A field of each step of a pathway as read.
fn of_steps<'a>(pathway: &'a Value, field: &str) -> Vec<&'a Value> {
    pathway["steps"].as_array().unwrap().iter().map(|s| &s[field]).collect()
}

fn location_ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap().to_owned())
        .collect()
}

on_both! {
    /// A curator writes the three kinds of step: library staff at whichever
    /// entry library the person walked into, an instruction with nothing to
    /// point at ("Talk to your GP"), and a service. Readers, the owner and
    /// visitors alike, see which kind each step is; the step at the entry
    /// locations lists the pathway's; steps sent back as read are kept.
    async fn curators_write_steps_at_the_entry_library_and_instructions(app) {
        let t0 = Utc::now();
        let (_, token) = hscp(&app, MIDLOTHIAN).await;
        let (_, peer) = service_named(&app, "Peer support for young people", MIDLOTHIAN).await;
        let libraries = libraries_in(&app, MIDLOTHIAN).await;
        assert!(libraries.len() >= 2, "{libraries:?}");
        let input = json!({
            "name": "Worried about your mood? Start at any library",
            "areaCodes": [MIDLOTHIAN],
            "entryLocationIds": libraries[..2],
            "steps": [
                { "title": "Talk to library staff", "referralMethod": "SIGNPOSTING", "atEntryLocation": true },
                { "title": "Talk to your GP", "description": "Book an appointment and say how long you have felt this way.",
                  "referralMethod": "SELF_REFERRAL", "appointmentRequired": true },
                { "title": "Peer support group", "referralMethod": "SIGNPOSTING", "serviceId": peer, "atEntryLocation": false },
            ],
        });
        let created = call(&app, &token, &create_mutation(), json!({ "input": input })).await;
        assert_eq!(payload(&created, "createPathway")["userErrors"], json!([]), "{created:#}");
        let created = payload(&created, "createPathway")["pathway"].clone();
        let id = created["id"].as_str().unwrap().to_owned();
        assert_eq!(of_steps(&created, "kind"), [&json!("ENTRY_LOCATION"), &json!("INSTRUCTION"), &json!("SERVICE")]);
        assert_eq!(of_steps(&created, "atEntryLocation"), [&json!(true), &json!(false), &json!(false)]);
        let steps = created["steps"].as_array().unwrap();
        assert_eq!(location_ids(&steps[0]["entryLocations"]), libraries[..2], "the pathway's entry locations, in order");
        assert_eq!(location_ids(&created["entryLocations"]), libraries[..2]);
        for field in ["service", "organization", "location", "url"] {
            assert!(steps[0][field].is_null() && steps[1][field].is_null(), "{field}");
        }
        assert_eq!(steps[1]["entryLocations"], json!([]));
        assert_eq!(steps[2]["entryLocations"], json!([]));
        assert_eq!(steps[2]["service"]["id"], peer.as_str());
        assert_eq!(created["needsReview"], false, "an instruction leads nowhere by design");

        // Sent back as read, the steps keep their ids and kinds.
        let again: Vec<Value> = steps.iter().map(|s| json!({
            "id": s["id"], "title": s["title"], "referralMethod": s["referralMethod"],
            "appointmentRequired": s["appointmentRequired"], "atEntryLocation": s["atEntryLocation"],
            "serviceId": s["service"]["id"],
        })).collect();
        let kept = call(&app, &token, &steps_mutation(), json!({ "input": { "id": id, "steps": again } })).await;
        let kept = payload(&kept, "setPathwaySteps")["pathway"].clone();
        assert_eq!(of_steps(&kept, "id"), of_steps(&created, "id"));
        assert_eq!(of_steps(&kept, "kind"), of_steps(&created, "kind"));
        assert_eq!(kept["version"], 2);

        // Still a draft: nobody else finds it from the libraries.
        assert!(!from_location(&app, &libraries[1]).await.contains(&id));
        let unseen = app.graphql("query($id: ID!) { pathway(id: $id) { steps { kind } } }", json!({ "id": id })).await;
        assert!(unseen["data"]["pathway"].is_null());
        assert_eq!(error_code(&unseen), "FORBIDDEN");

        publish(&app, &token, &id).await;
        let read = "query($id: ID!) { pathway(id: $id) { needsReview steps { position title kind atEntryLocation
            entryLocations { id name } service { name } url } } }";
        let seen = app.data(read, json!({ "id": id })).await;
        let seen = &seen["pathway"];
        assert_eq!(seen["needsReview"], false);
        assert_eq!(of_steps(seen, "kind"), [&json!("ENTRY_LOCATION"), &json!("INSTRUCTION"), &json!("SERVICE")]);
        assert_eq!(location_ids(&seen["steps"][0]["entryLocations"]), libraries[..2]);
        assert!(seen["steps"][0]["entryLocations"][0]["name"].is_string());
        assert!(from_location(&app, &libraries[1]).await.contains(&id));

        // The change feed carries the pathway with its steps as they are.
        let feed = "query($since: DateTime!) { changes(since: $since, entities: [PATHWAY]) { edges { node { id kind
            node { ... on Pathway { steps { kind atEntryLocation entryLocations { id } } } } } } } }";
        let changes = app.data(feed, json!({ "since": t0.to_rfc3339() })).await;
        let node = &changes["changes"]["edges"][0]["node"];
        assert_eq!(node["id"], id.as_str());
        assert_eq!(of_steps(&node["node"], "kind"), [&json!("ENTRY_LOCATION"), &json!("INSTRUCTION"), &json!("SERVICE")]);
    }
}

on_both! {
    /// A draft may be unfinished: a step at entry locations the pathway does
    /// not have yet, a step with no title yet, a service that has stopped.
    /// Publishing names everything missing at once, by the pathway's own
    /// fields, and writes nothing. Mended, it publishes; from then on edits
    /// keep it publishable, and what vanishes under it flags it for review.
    async fn a_draft_may_be_unfinished_and_publishing_names_all_that_is_missing(app) {
        let (_, token) = hscp(&app, MIDLOTHIAN).await;
        let (_, stopped) = service_named(&app, "Young people's wellbeing group", MIDLOTHIAN).await;
        let (peer, peer_id) = service_named(&app, "Peer support for young people", MIDLOTHIAN).await;
        let (_, library) = library_in(&app, MIDLOTHIAN).await;
        let created = call(&app, &token, &create_mutation(), json!({ "input": {
            "name": "Still being written", "areaCodes": [MIDLOTHIAN],
            "steps": [
                { "title": "Talk to library staff", "referralMethod": "SIGNPOSTING", "atEntryLocation": true },
                { "title": "", "referralMethod": "SELF_REFERRAL" },
                { "title": "Youth group", "referralMethod": "SIGNPOSTING", "serviceId": stopped },
                { "title": "Ask for the leaflet", "referralMethod": "SIGNPOSTING", "atEntryLocation": true },
            ] } })).await;
        assert_eq!(payload(&created, "createPathway")["userErrors"], json!([]), "a draft may be unfinished: {created:#}");
        let created = payload(&created, "createPathway")["pathway"].clone();
        let id = created["id"].as_str().unwrap().to_owned();
        assert_eq!(created["status"], "DRAFT");
        assert_eq!(created["steps"][1]["title"], "");
        assert_eq!(created["steps"][0]["entryLocations"], json!([]));
        assert_eq!(created["needsReview"], true, "steps at entry locations it does not have");

        let refused = call(&app, &token, &transition("publishPathway"), json!({ "input": { "id": id } })).await;
        assert_eq!(
            user_errors(&refused, "publishPathway"),
            [("steps.1.title", "REQUIRED"), ("steps.2.service", "INVALID"), ("entryLocations", "REQUIRED")]
                .map(|(f, c)| (f.to_owned(), c.to_owned())),
            "every problem at once: {refused:#}"
        );
        assert!(payload(&refused, "publishPathway")["pathway"].is_null());
        let message = payload(&refused, "publishPathway")["userErrors"][2]["message"].as_str().unwrap();
        assert!(message.contains("(position 1, 4)"), "{message}");
        let stored = pathway::Entity::find_by_id(ids::decode_any(&id).unwrap().1).one(&app.state.db).await.unwrap().unwrap();
        assert_eq!((stored.status.as_str(), stored.version), ("draft", 1), "a refused publish changes nothing");

        // Mended: entry locations, a title, a running service.
        let entered = call(&app, &token, &update_mutation(), json!({ "input": { "id": id, "entryLocationIds": [library] } })).await;
        assert_eq!(payload(&entered, "updatePathway")["pathway"]["steps"][0]["entryLocations"], json!([{ "id": library }]));
        let ids_of = of_steps(&created, "id");
        let mended = call(&app, &token, &steps_mutation(), json!({ "input": { "id": id, "steps": [
            { "id": ids_of[0], "title": "Talk to library staff", "referralMethod": "SIGNPOSTING", "atEntryLocation": true },
            { "id": ids_of[1], "title": "Write down what worries you", "referralMethod": "SELF_REFERRAL" },
            { "id": ids_of[2], "title": "Peer support", "referralMethod": "SIGNPOSTING", "serviceId": peer_id },
            { "id": ids_of[3], "title": "Ask for the leaflet", "referralMethod": "SIGNPOSTING", "atEntryLocation": true },
        ] } })).await;
        assert_eq!(payload(&mended, "setPathwaySteps")["pathway"]["needsReview"], false, "{mended:#}");
        let published = publish(&app, &token, &id).await;
        assert_eq!(published["status"], "PUBLISHED");

        // Published, it stays publishable: the entry steps keep their libraries.
        let emptied = call(&app, &token, &update_mutation(), json!({ "input": { "id": id, "entryLocationIds": [] } })).await;
        assert_eq!(user_errors(&emptied, "updatePathway"), [("input.entryLocationIds".to_owned(), "REQUIRED".to_owned())]);
        let raw = ids::decode_any(&id).unwrap().1;
        let version = pathway::Entity::find_by_id(raw.clone()).one(&app.state.db).await.unwrap().unwrap().version;
        assert_eq!(version, published["version"].as_i64().unwrap() as i32, "nothing written");

        // What vanishes under it: its libraries (a deleted location takes its
        // entry rows with it) and a step's service (its column is emptied).
        entity::pathway_entry::Entity::delete_many()
            .filter(entity::pathway_entry::Column::PathwayId.eq(raw.clone()))
            .exec(&app.state.db).await.unwrap();
        let step = entity::pathway_step::Entity::find()
            .filter(entity::pathway_step::Column::ServiceId.eq(peer.id.clone()))
            .filter(entity::pathway_step::Column::PathwayId.eq(raw.clone()))
            .one(&app.state.db).await.unwrap().unwrap();
        let mut emptied = step.into_active_model();
        emptied.service_id = Set(None);
        emptied.update(&app.state.db).await.unwrap();
        let seen = app.data("query($id: ID!) { pathway(id: $id) { needsReview steps { kind service { id } entryLocations { id } } } }",
            json!({ "id": id })).await;
        let seen = &seen["pathway"];
        assert_eq!(seen["needsReview"], true);
        assert_eq!(of_steps(seen, "kind"), [&json!("ENTRY_LOCATION"), &json!("INSTRUCTION"), &json!("TARGET_REMOVED"), &json!("ENTRY_LOCATION")]);
        assert!(seen["steps"][2]["service"].is_null());
        assert_eq!(seen["steps"][0]["entryLocations"], json!([]));
        let review = call(&app, &token, "{ pathwayReviewList { nodes { id } } }", json!({})).await;
        assert_eq!(payload(&review, "pathwayReviewList")["nodes"], json!([{ "id": id }]));

        // Archived and published again, publishing names both.
        call(&app, &token, &transition("archivePathway"), json!({ "input": { "id": id } })).await;
        let refused = call(&app, &token, &transition("publishPathway"), json!({ "input": { "id": id } })).await;
        assert_eq!(
            user_errors(&refused, "publishPathway"),
            [("steps.2.target", "NOT_FOUND"), ("entryLocations", "REQUIRED")].map(|(f, c)| (f.to_owned(), c.to_owned()))
        );

        // Words alone make a publishable pathway; once published with no
        // entry locations, a step at them is refused on its field.
        let words = call(&app, &token, &steps_mutation(), json!({ "input": { "id": id, "steps": [
            { "title": "Talk to your GP", "referralMethod": "SELF_REFERRAL" } ] } })).await;
        assert_eq!(payload(&words, "setPathwaySteps")["pathway"]["needsReview"], false, "{words:#}");
        assert_eq!(publish(&app, &token, &id).await["steps"][0]["kind"], "INSTRUCTION");
        let nowhere = call(&app, &token, &steps_mutation(), json!({ "input": { "id": id, "steps": [
            { "title": "Talk to library staff", "referralMethod": "SIGNPOSTING", "atEntryLocation": true } ] } })).await;
        assert_eq!(user_errors(&nowhere, "setPathwaySteps"), [("input.steps.0.atEntryLocation".to_owned(), "INVALID".to_owned())]);
    }
}

on_both! {
    /// `updatePathway`: null clears the description and empties the
    /// audience and the entry locations of a draft; omitted fields stay; a
    /// null name or area list is refused with `REQUIRED`, writing nothing.
    async fn updating_a_pathway_clears_what_is_null(app) {
        let (_, token) = hscp(&app, MIDLOTHIAN).await;
        let pathway = draft(&app, &token).await;
        let id = pathway["id"].clone();

        let kept = call(&app, &token, &update_mutation(), json!({ "input": { "id": id, "name": "Renamed" } })).await;
        let kept = &payload(&kept, "updatePathway")["pathway"];
        assert_eq!(kept["description"], pathway["description"]);
        assert_eq!(kept["audience"], pathway["audience"]);
        assert_eq!(kept["entryLocations"], pathway["entryLocations"]);

        let input = json!({ "id": id, "description": null, "audienceTermIds": null, "entryLocationIds": null });
        let cleared = call(&app, &token, &update_mutation(), json!({ "input": input })).await;
        assert_eq!(user_errors(&cleared, "updatePathway"), vec![]);
        let cleared = &payload(&cleared, "updatePathway")["pathway"];
        assert_eq!(cleared["description"], Value::Null);
        assert_eq!(cleared["audience"], json!([]));
        assert_eq!(cleared["entryLocations"], json!([]));
        assert_eq!(cleared["name"], "Renamed");

        let refused = call(&app, &token, &update_mutation(), json!({ "input": { "id": id, "name": null, "areaCodes": null } })).await;
        let mut errors = user_errors(&refused, "updatePathway");
        errors.sort();
        assert_eq!(
            errors,
            vec![("input.areaCodes".to_owned(), "REQUIRED".to_owned()), ("input.name".to_owned(), "REQUIRED".to_owned())]
        );
        let mine = call(&app, &token, "query($id: ID!) { pathway(id: $id) { name areaCodes version } }", json!({ "id": id })).await;
        assert_eq!(mine["data"]["pathway"]["name"], "Renamed");
        assert_eq!(mine["data"]["pathway"]["areaCodes"], json!([MIDLOTHIAN]));
    }
}
