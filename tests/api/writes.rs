//! Writes on services: who may make them, what is refused, concurrency, the
//! audit trail and the search index.

use entity::{audit, location, service, taxonomy_term};
use hubgraph::graphql::ids::{self, Kind};
use hubgraph::partners::PartnerKind;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::helpers::{TestApp, demo_library, error_code};
use crate::on_both;

const EDINBURGH: &str = "S12000036";
const GLASGOW: &str = "S12000049";

const UPDATE: &str = "mutation($input: UpdateServiceInput!) { updateService(input: $input) {
    service { id name description version status email minimumAge maximumAge }
    userErrors { field message code } } }";
const CREATE: &str = "mutation($input: CreateServiceInput!) { createService(input: $input) {
    service { id name description version status }
    userErrors { field message code } } }";
const ARCHIVE: &str = "mutation($input: ArchiveServiceInput!) { archiveService(input: $input) {
    service { id status version } userErrors { field message code } } }";

/// A service of the organization, by the database.
async fn service_of(app: &TestApp, organization: &str) -> service::Model {
    service::Entity::find()
        .filter(service::Column::OrganizationId.eq(organization))
        .order_by_asc(service::Column::Id)
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("the organization has a service")
}

async fn reload(app: &TestApp, id: &str) -> service::Model {
    service::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

async fn audit_rows(app: &TestApp) -> u64 {
    audit::Entity::find().count(&app.state.db).await.unwrap()
}

/// A token of a new partner of `kind` for `organization`.
async fn token(app: &TestApp, kind: PartnerKind, organization: Option<&str>, scopes: &[&str]) -> (String, String) {
    let areas: &[&str] = if kind == PartnerKind::Hscp { &[EDINBURGH] } else { &[] };
    let partner = app.add_partner(kind, "Writer", organization, areas).await;
    let token = app.issue_token(&partner, scopes).await.token;
    (partner, token)
}

async fn call(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    let response = app.graphql_as(token, query, variables).await;
    assert!(response.status().as_u16() < 500, "no 5xx: {}", response.status());
    response.json().await.unwrap()
}

fn gid(kind: Kind, raw: &str) -> String {
    ids::encode(kind, raw).0
}

on_both! {
    /// The version goes up, the audit trail names who changed what in which
    /// request, and search finds the service by its new name.
    async fn library_updates_its_own_service(app) {
        let library = demo_library(EDINBURGH);
        let (partner, token) = token(&app, PartnerKind::Library, Some(&library), &["services:write"]).await;
        let before = service_of(&app, &library).await;
        let response = app
            .client
            .post(app.url("/graphql"))
            .bearer_auth(&token)
            .header("X-Request-Id", "req-12345")
            .json(&json!({ "query": UPDATE, "variables": { "input": {
                "id": gid(Kind::Service, &before.id), "name": "Quillowby Reading Circle",
                "description": "'; DROP TABLE service; --", "expectedVersion": before.version } } }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["x-request-id"], "req-12345");
        let body: Value = response.json().await.unwrap();
        let payload = &body["data"]["updateService"];
        assert_eq!(payload["userErrors"], json!([]), "{body:#}");
        assert_eq!(payload["service"]["name"], "Quillowby Reading Circle");
        assert_eq!(payload["service"]["version"], before.version + 1);

        let after = reload(&app, &before.id).await;
        assert_eq!(after.version, before.version + 1);
        assert_eq!(after.description.as_deref(), Some("'; DROP TABLE service; --"), "stored verbatim");
        assert!(after.last_modified > before.last_modified);

        let rows = audit::Entity::find().all(&app.state.db).await.unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].partner_id.as_deref(), Some(partner.as_str()));
        assert_eq!(rows[0].action, "service.update");
        assert_eq!(rows[0].entity, "service");
        assert_eq!(rows[0].entity_id, before.id);
        assert_eq!(rows[0].changed_fields, "name,description");
        assert_eq!(rows[0].request_id.as_deref(), Some("req-12345"));

        let found = app
            .data("{ services(filter: { text: \"Quillowby\" }) { nodes { id } } }", json!({}))
            .await;
        assert_eq!(found["services"]["nodes"], json!([{ "id": gid(Kind::Service, &before.id) }]));
    }
}

on_both! {
    /// Ownership comes from the database; the scope must allow writing services.
    async fn partners_cannot_write_what_is_not_theirs(app) {
        let library = demo_library(EDINBURGH);
        let other = service_of(&app, &demo_library(GLASGOW)).await;
        let rename = json!({ "input": { "id": gid(Kind::Service, &other.id), "name": "Mine now" } });

        let (_, edinburgh) = token(&app, PartnerKind::Library, Some(&library), &["services:write"]).await;
        let body = call(&app, &edinburgh, UPDATE, rename.clone()).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{body:#}");
        let archive = json!({ "input": { "id": gid(Kind::Service, &other.id) } });
        assert_eq!(error_code(&call(&app, &edinburgh, ARCHIVE, archive).await), "FORBIDDEN");

        let (_, hubs_only) = token(&app, PartnerKind::Library, Some(&demo_library(GLASGOW)), &["hubs:write"]).await;
        assert_eq!(error_code(&call(&app, &hubs_only, UPDATE, rename.clone()).await), "FORBIDDEN");

        let (_, hscp) = token(&app, PartnerKind::Hscp, None, &[]).await;
        assert_eq!(error_code(&call(&app, &hscp, UPDATE, rename.clone()).await), "FORBIDDEN");

        let third_sector_org = hubgraph::seed::demo::demo_id("organization", &format!("third-sector/{EDINBURGH}"));
        let (_, charity) = token(&app, PartnerKind::ThirdSector, Some(&third_sector_org), &["services:write"]).await;
        let elsewhere = json!({ "input": { "organizationId": gid(Kind::Organization, &library), "name": "Ours" } });
        assert_eq!(error_code(&call(&app, &charity, CREATE, elsewhere.clone()).await), "FORBIDDEN");
        assert_eq!(error_code(&call(&app, &charity, UPDATE, rename.clone()).await), "FORBIDDEN");
        let archive = json!({ "input": { "id": gid(Kind::Service, &other.id) } });
        assert_eq!(error_code(&call(&app, &charity, ARCHIVE, archive).await), "FORBIDDEN");

        let anonymous = app.graphql(UPDATE, rename).await;
        assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
        assert_eq!(error_code(&app.graphql(CREATE, elsewhere).await), "UNAUTHENTICATED");

        assert_eq!(reload(&app, &other.id).await, other, "unchanged");
        assert_eq!(audit_rows(&app).await, 0);
        let created = service::Entity::find()
            .filter(service::Column::Name.eq("Ours"))
            .count(&app.state.db)
            .await
            .unwrap();
        assert_eq!(created, 0);
    }
}

on_both! {
    /// Every validation rule answers with the field path and writes nothing.
    async fn invalid_input_comes_back_as_user_errors(app) {
        let library = demo_library(EDINBURGH);
        let (_, token) = token(&app, PartnerKind::Library, Some(&library), &["services:write"]).await;
        let before = service_of(&app, &library).await;
        let id = gid(Kind::Service, &before.id);
        let cases: Vec<(Value, Vec<&str>, &str)> = vec![
            (json!({ "name": "" }), vec!["input", "name"], "REQUIRED"),
            (json!({ "name": "x".repeat(10_000) }), vec!["input", "name"], "TOO_LONG"),
            (json!({ "name": "evil\u{202E}txt.exe" }), vec!["input", "name"], "INVALID"),
            (json!({ "description": "x".repeat(5_001) }), vec!["input", "description"], "TOO_LONG"),
            (json!({ "feesDescription": "free\u{2066}" }), vec!["input", "feesDescription"], "INVALID"),
            (json!({ "email": "not-an-email" }), vec!["input", "email"], "INVALID"),
            (json!({ "url": "javascript:alert(1)" }), vec!["input", "url"], "INVALID"),
            (json!({ "url": "ftp://example.org" }), vec!["input", "url"], "INVALID"),
            (json!({ "phones": [{ "number": "12345" }] }), vec!["input", "phones", "0", "number"], "INVALID"),
            (json!({ "phones": [{ "number": "0131 abc 4567" }] }), vec!["input", "phones", "0", "number"], "INVALID"),
            (json!({ "minimumAge": -1 }), vec!["input", "minimumAge"], "INVALID"),
            (json!({ "maximumAge": 121 }), vec!["input", "maximumAge"], "INVALID"),
            (json!({ "minimumAge": 40, "maximumAge": 18 }), vec!["input", "maximumAge"], "INVALID"),
            (json!({ "languages": ["english"] }), vec!["input", "languages", "0"], "INVALID"),
            (json!({ "serviceAreaCodes": ["S99999999"] }), vec!["input", "serviceAreaCodes", "0"], "NOT_FOUND"),
            (
                json!({ "taxonomyTermIds": [gid(Kind::TaxonomyTerm, "00000000-0000-0000-0000-000000000000")] }),
                vec!["input", "taxonomyTermIds", "0"],
                "NOT_FOUND",
            ),
            (
                json!({ "locationIds": [gid(Kind::Location, "00000000-0000-0000-0000-000000000000")] }),
                vec!["input", "locationIds", "0"],
                "NOT_FOUND",
            ),
            (
                json!({ "schedules": [{ "byDay": ["MO"], "freq": "WEEKLY", "opensAt": "17:00", "closesAt": "09:00" }] }),
                vec!["input", "schedules", "0", "opensAt"],
                "INVALID",
            ),
        ];
        for (patch, field, code) in cases {
            let mut input = patch.clone();
            input["id"] = json!(id);
            let body = call(&app, &token, UPDATE, json!({ "input": input })).await;
            let payload = &body["data"]["updateService"];
            assert!(payload["service"].is_null(), "{patch}: {body:#}");
            let errors = payload["userErrors"].as_array().unwrap_or_else(|| panic!("{patch}: {body:#}"));
            assert!(
                errors.iter().any(|e| e["field"] == json!(field) && e["code"] == code),
                "{patch}: expected {field:?} {code}, got {errors:#?}"
            );
        }
        // A NUL, which no text may hold, is refused before the resolver
        // runs, as in any argument (`graphql::arguments`).
        let body = call(&app, &token, UPDATE, json!({ "input": { "id": id, "name": "nul\u{0}byte" } })).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body:#}");
        assert_eq!(body["errors"][0]["extensions"]["field"], json!(["input", "name"]), "{body:#}");
        assert_eq!(reload(&app, &before.id).await, before, "nothing written");
        assert_eq!(audit_rows(&app).await, 0);
    }
}

on_both! {
    /// Out-of-range ints, wrongly typed variables and unknown input fields
    /// are refused before any resolver runs; never a 5xx.
    async fn malformed_variables_are_bad_user_input(app) {
        let library = demo_library(EDINBURGH);
        let (_, token) = token(&app, PartnerKind::Library, Some(&library), &["services:write"]).await;
        let before = service_of(&app, &library).await;
        let id = gid(Kind::Service, &before.id);
        for input in [
            json!({ "id": id, "minimumAge": 99_999_999_999_i64 }),
            json!({ "id": id, "name": 42 }),
            json!({ "id": id, "colour": "red" }),
            json!({ "id": 7 }),
        ] {
            let body = call(&app, &token, UPDATE, json!({ "input": input })).await;
            assert_eq!(error_code(&body), "BAD_USER_INPUT", "{input}: {body:#}");
        }
        for wrong in [json!("not-an-id"), json!(gid(Kind::Location, &before.id))] {
            let body = call(&app, &token, UPDATE, json!({ "input": { "id": wrong, "name": "x" } })).await;
            assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body:#}");
        }
        let unknown = gid(Kind::Service, "00000000-0000-0000-0000-000000000000");
        let body = call(&app, &token, UPDATE, json!({ "input": { "id": unknown, "name": "x" } })).await;
        assert_eq!(error_code(&body), "NOT_FOUND", "{body:#}");
        assert_eq!(reload(&app, &before.id).await, before);
        assert_eq!(audit_rows(&app).await, 0);
    }
}

on_both! {
    /// Of two writers that read the same version, one wins and the other is
    /// told the current version; nothing is lost silently.
    async fn stale_expected_version_is_a_conflict(app) {
        let library = demo_library(EDINBURGH);
        let (_, token) = token(&app, PartnerKind::Library, Some(&library), &["services:write"]).await;
        let before = service_of(&app, &library).await;
        let id = gid(Kind::Service, &before.id);
        let first = call(&app, &token, UPDATE, json!({ "input": { "id": id, "name": "First", "expectedVersion": before.version } })).await;
        assert_eq!(first["data"]["updateService"]["service"]["version"], before.version + 1, "{first:#}");
        let second = call(&app, &token, UPDATE, json!({ "input": { "id": id, "name": "Second", "expectedVersion": before.version } })).await;
        assert_eq!(error_code(&second), "CONFLICT", "{second:#}");
        assert_eq!(second["errors"][0]["extensions"]["currentVersion"], before.version + 1);
        assert_eq!(reload(&app, &before.id).await.name, "First");
        assert_eq!(audit_rows(&app).await, 1);
    }
}

on_both! {
    /// A third-sector body lists a new service with its hours, phones and
    /// areas, later archives it, and the change feed reports it deleted.
    async fn third_sector_creates_then_archives_a_service(app) {
        let charity = hubgraph::seed::demo::demo_id("organization", &format!("third-sector/{EDINBURGH}"));
        let (partner, token) = token(&app, PartnerKind::ThirdSector, Some(&charity), &["services:write"]).await;
        let place = location::Entity::find()
            .filter(location::Column::Latitude.is_not_null())
            .filter(location::Column::Longitude.is_not_null())
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        let category = taxonomy_term::Entity::find()
            .filter(taxonomy_term::Column::Taxonomy.eq("service-category"))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
            .id;
        // Found by the radius search near its location, with its category, at an age it takes.
        let found_near = |age: i32| {
            let app = &app;
            let category = gid(Kind::TaxonomyTerm, &category);
            let (latitude, longitude) = (place.latitude.unwrap(), place.longitude.unwrap());
            async move {
                let data = app
                    .data(
                        "query($filter: ServiceFilter) { services(filter: $filter, first: 100) { nodes { name } } }",
                        json!({ "filter": { "near": { "latitude": latitude, "longitude": longitude }, "radiusKm": 1,
                                            "taxonomyTermIds": [category], "age": age } }),
                    )
                    .await;
                data["services"]["nodes"].as_array().unwrap().iter().any(|n| n["name"] == "Carers' Tea Afternoon")
            }
        };
        assert!(!found_near(30).await);
        let input = json!({
            "organizationId": gid(Kind::Organization, &charity),
            "name": "Carers' Tea Afternoon",
            "description": "Tea, cake and advice for unpaid carers.",
            "email": "tea@example.org",
            "url": "https://example.org/tea",
            "languages": ["en", "gd"],
            "phones": [{ "number": "+44 (0)131 496 0000", "type": "voice" }],
            "schedules": [{ "freq": "WEEKLY", "byDay": ["TH"], "opensAt": "14:00", "closesAt": "16:00" }],
            "serviceAreaCodes": [EDINBURGH],
            "minimumAge": 16,
            "locationIds": [gid(Kind::Location, &place.id)],
            "taxonomyTermIds": [gid(Kind::TaxonomyTerm, &category)],
        });
        let body = call(&app, &token, CREATE, json!({ "input": input })).await;
        let payload = &body["data"]["createService"];
        assert_eq!(payload["userErrors"], json!([]), "{body:#}");
        assert_eq!(payload["service"]["version"], 1);
        assert_eq!(payload["service"]["status"], "ACTIVE");
        let id = payload["service"]["id"].as_str().unwrap().to_owned();

        let read = app
            .data(
                "query($id: ID!) { node(id: $id) { ... on Service { name languages { code } phones { number } schedules { opensAt closesAt } } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(read["node"]["name"], "Carers' Tea Afternoon");
        assert_eq!(read["node"]["languages"].as_array().unwrap().len(), 2);
        assert_eq!(read["node"]["phones"][0]["number"], "+44 (0)131 496 0000");
        assert_eq!(read["node"]["schedules"][0]["opensAt"], "14:00");

        assert!(found_near(30).await, "the new service is not found near its location");
        assert!(!found_near(12).await, "found under its minimum age");

        let since = chrono::Utc::now().to_rfc3339();
        let archived = call(&app, &token, ARCHIVE, json!({ "input": { "id": id, "expectedVersion": 1 } })).await;
        assert_eq!(archived["data"]["archiveService"]["service"]["status"], "DEFUNCT", "{archived:#}");
        assert!(!found_near(30).await, "an archived service is still found near its location");
        assert_eq!(archived["data"]["archiveService"]["service"]["version"], 2);
        let feed = app
            .data(
                "query($since: DateTime!) { changes(since: $since, entities: [SERVICE]) { edges { node { kind node { id } } } } }",
                json!({ "since": since }),
            )
            .await;
        assert_eq!(feed["changes"]["edges"], json!([{ "node": { "kind": "DELETED", "node": { "id": id } } }]));

        let rows = audit::Entity::find().order_by_asc(audit::Column::At).all(&app.state.db).await.unwrap();
        let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
        // Listing the service at another organisation's place is audited too.
        let foreign = place.organization_id.as_deref() != Some(charity.as_str());
        let expected: &[&str] = if foreign {
            &["service_at_location.create", "service.create", "service.archive"]
        } else {
            &["service.create", "service.archive"]
        };
        assert_eq!(actions, expected);
        assert!(rows.iter().all(|r| r.partner_id.as_deref() == Some(partner.as_str())));
        assert!(rows.iter().all(|r| r.request_id.as_ref().is_some_and(|id| id.len() == 36)), "a generated UUID");
    }
}

/// POSTs a mutation with an `Idempotency-Key`.
async fn with_key(app: &TestApp, token: &str, key: &str, query: &str, variables: Value) -> reqwest::Response {
    app.client
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .unwrap()
}

on_both! {
    /// A retried create (same key, same body) makes one service and answers
    /// the same; the key reused for another body is refused with 422.
    async fn retried_create_with_an_idempotency_key_runs_once(app) {
        let library = demo_library(EDINBURGH);
        let (_, mine) = token(&app, PartnerKind::Library, Some(&library), &["services:write"]).await;
        let input = json!({ "input": { "organizationId": gid(Kind::Organization, &library), "name": "Knit and Natter" } });
        let count = || async {
            service::Entity::find()
                .filter(service::Column::Name.eq("Knit and Natter"))
                .count(&app.state.db)
                .await
                .unwrap()
        };

        let first = with_key(&app, &mine, "create-knit-1", CREATE, input.clone()).await;
        assert_eq!(first.status(), 200);
        let first: Value = first.json().await.unwrap();
        assert_eq!(first["data"]["createService"]["userErrors"], json!([]), "{first:#}");

        let again = with_key(&app, &mine, "create-knit-1", CREATE, input.clone()).await;
        assert_eq!(again.status(), 200);
        assert_eq!(again.headers()["idempotent-replayed"], "true");
        let again: Value = again.json().await.unwrap();
        assert_eq!(again, first, "the same response");
        assert_eq!(count().await, 1, "one record");
        assert_eq!(audit_rows(&app).await, 1);

        let other = json!({ "input": { "organizationId": gid(Kind::Organization, &library), "name": "Knit and Natter II" } });
        let reused = with_key(&app, &mine, "create-knit-1", CREATE, other).await;
        assert_eq!(reused.status(), 422);
        let reused: Value = reused.json().await.unwrap();
        assert_eq!(error_code(&reused), "IDEMPOTENCY_KEY_REUSED");

        // Keys are per partner: another partner's identical key is a new request.
        let (_, other_token) = token(&app, PartnerKind::Library, Some(&library), &["services:write"]).await;
        let theirs = with_key(&app, &other_token, "create-knit-1", CREATE, input).await;
        assert!(theirs.headers().get("idempotent-replayed").is_none());
        assert_eq!(count().await, 2);

        let bad = with_key(&app, &mine, "", CREATE, json!({})).await;
        assert_eq!(bad.status(), 400);
    }
}

const CREATE_ORG: &str = "mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) {
    organization { id name version } userErrors { field code } } }";
const UPDATE_ORG: &str = "mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) {
    organization { id name version } userErrors { field code } } }";

on_both! {
    /// Admins create organizations; a library renames its own (and search
    /// finds its services under the new name) but not another's.
    async fn organizations_are_created_by_admins_and_kept_by_their_owners(app) {
        let library = demo_library(EDINBURGH);
        let (_, admin) = token(&app, PartnerKind::Admin, None, &["admin"]).await;
        let (_, edinburgh) = token(&app, PartnerKind::Library, Some(&library), &["services:write"]).await;
        let input = json!({ "input": { "name": "Fife Walking Group", "description": "Walks for health." } });

        assert_eq!(error_code(&call(&app, &edinburgh, CREATE_ORG, input.clone()).await), "FORBIDDEN");
        assert_eq!(error_code(&app.graphql(CREATE_ORG, input.clone()).await), "UNAUTHENTICATED");
        let created = call(&app, &admin, CREATE_ORG, input).await;
        assert_eq!(created["data"]["createOrganization"]["organization"]["version"], 1, "{created:#}");
        let bad = call(&app, &admin, CREATE_ORG, json!({ "input": { "name": "X", "description": "Y", "website": "file:///etc/passwd" } })).await;
        assert_eq!(bad["data"]["createOrganization"]["userErrors"], json!([{ "field": ["input", "website"], "code": "INVALID" }]));

        let other = json!({ "input": { "id": gid(Kind::Organization, &demo_library(GLASGOW)), "name": "Taken over" } });
        assert_eq!(error_code(&call(&app, &edinburgh, UPDATE_ORG, other).await), "FORBIDDEN");
        let own = json!({ "input": { "id": gid(Kind::Organization, &library), "name": "Zephyrine Libraries", "expectedVersion": 1 } });
        let renamed = call(&app, &edinburgh, UPDATE_ORG, own.clone()).await;
        assert_eq!(renamed["data"]["updateOrganization"]["organization"]["version"], 2, "{renamed:#}");
        assert_eq!(error_code(&call(&app, &edinburgh, UPDATE_ORG, own).await), "CONFLICT");

        let found = app.data("{ services(filter: { text: \"Zephyrine\" }) { totalCount } }", json!({})).await;
        assert!(found["services"]["totalCount"].as_i64().unwrap() > 0, "{found:#}");
        let actions: Vec<String> = audit::Entity::find().all(&app.state.db).await.unwrap().into_iter().map(|r| r.action).collect();
        assert_eq!(actions.len(), 2);
        assert!(actions.contains(&"organization.create".to_owned()) && actions.contains(&"organization.update".to_owned()));
    }
}

const CREATE_LOCATION: &str = "mutation($input: CreateLocationInput!) { createLocation(input: $input) {
    location { id name version latitude } userErrors { field code } } }";
const UPDATE_LOCATION: &str = "mutation($input: UpdateLocationInput!) { updateLocation(input: $input) {
    location { id name version } userErrors { field code } } }";

on_both! {
    /// A library adds a venue with its address, and fixes it later; bad
    /// postcodes, coordinates and areas come back as userErrors.
    async fn library_adds_and_corrects_its_own_location(app) {
        let library = demo_library(EDINBURGH);
        let (_, mine) = token(&app, PartnerKind::Library, Some(&library), &["services:write"]).await;
        let address = json!({ "address1": "1 High Street", "city": "Edinburgh", "postalCode": "eh1 1aa", "country": "GB" });
        let input = json!({ "input": {
            "organizationId": gid(Kind::Organization, &library), "name": "Pop-up Library",
            "latitude": 55.95, "longitude": -3.19, "address": address, "areaCode": EDINBURGH } });
        let created = call(&app, &mine, CREATE_LOCATION, input).await;
        let payload = &created["data"]["createLocation"];
        assert_eq!(payload["userErrors"], json!([]), "{created:#}");
        let id = payload["location"]["id"].as_str().unwrap().to_owned();
        let raw = ids::decode(&id, Kind::Location, &[]).unwrap();
        let stored = entity::address::Entity::find()
            .filter(entity::address::Column::LocationId.eq(raw.as_str()))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.postal_code, "EH1 1AA", "normalised");

        for (patch, field) in [
            (json!({ "latitude": 91.0 }), vec!["input", "latitude"]),
            (json!({ "longitude": -181.0 }), vec!["input", "longitude"]),
            (json!({ "areaCode": "S99999999" }), vec!["input", "areaCode"]),
            (
                json!({ "address": { "address1": "1 High St", "city": "Edinburgh", "postalCode": "NOT A CODE", "country": "GB" } }),
                vec!["input", "address", "postalCode"],
            ),
        ] {
            let mut input = patch.clone();
            input["id"] = json!(id);
            let body = call(&app, &mine, UPDATE_LOCATION, json!({ "input": input })).await;
            let errors = &body["data"]["updateLocation"]["userErrors"];
            assert_eq!(errors[0]["field"], json!(field), "{patch}: {body:#}");
        }
        let fixed = call(&app, &mine, UPDATE_LOCATION, json!({ "input": { "id": id, "name": "Pop-up Library (Tron)", "expectedVersion": 1 } })).await;
        assert_eq!(fixed["data"]["updateLocation"]["location"]["version"], 2, "{fixed:#}");

        let (_, glasgow) = token(&app, PartnerKind::Library, Some(&demo_library(GLASGOW)), &["services:write"]).await;
        let theirs = call(&app, &glasgow, UPDATE_LOCATION, json!({ "input": { "id": id, "name": "Ours" } })).await;
        assert_eq!(error_code(&theirs), "FORBIDDEN");
        let rows = audit::Entity::find().order_by_asc(audit::Column::At).all(&app.state.db).await.unwrap();
        let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
        assert_eq!(actions, ["location.create", "location.update"]);
    }
}

const TRAIL: &str = "query($first: Int, $after: String, $entityId: ID) { auditTrail(first: $first, after: $after, entityId: $entityId) {
    pageInfo { hasNextPage endCursor } nodes { partnerId action entity entityId changedFields requestId at } } }";

on_both! {
    /// The operator reads who changed what; partners cannot.
    async fn audit_trail_is_readable_by_admins_only(app) {
        let library = demo_library(EDINBURGH);
        let (partner, mine) = token(&app, PartnerKind::Library, Some(&library), &["services:write"]).await;
        let service = service_of(&app, &library).await;
        let id = gid(Kind::Service, &service.id);
        for name in ["One", "Two", "Three"] {
            let body = call(&app, &mine, UPDATE, json!({ "input": { "id": id, "name": name } })).await;
            assert_eq!(body["data"]["updateService"]["userErrors"], json!([]), "{body:#}");
        }
        let (_, admin) = token(&app, PartnerKind::Admin, None, &["admin"]).await;
        let page = call(&app, &admin, TRAIL, json!({ "first": 2, "entityId": id })).await;
        let trail = &page["data"]["auditTrail"];
        assert_eq!(trail["nodes"].as_array().unwrap().len(), 2, "{page:#}");
        assert_eq!(trail["nodes"][0]["action"], "service.update");
        assert_eq!(trail["nodes"][0]["partnerId"], partner);
        assert_eq!(trail["nodes"][0]["entityId"], service.id);
        assert_eq!(trail["nodes"][0]["changedFields"], json!(["name"]));
        assert_eq!(trail["pageInfo"]["hasNextPage"], true);
        let rest = call(&app, &admin, TRAIL, json!({ "first": 2, "after": trail["pageInfo"]["endCursor"] })).await;
        assert_eq!(rest["data"]["auditTrail"]["nodes"].as_array().unwrap().len(), 1, "{rest:#}");
        assert_eq!(rest["data"]["auditTrail"]["pageInfo"]["hasNextPage"], false);
        let cursor = trail["pageInfo"]["endCursor"].as_str().unwrap();
        assert!(uuid::Uuid::parse_str(cursor).is_err(), "cursors are opaque, not row ids");
        let bad = call(&app, &admin, TRAIL, json!({ "after": "not a cursor" })).await;
        assert_eq!(error_code(&bad), "BAD_USER_INPUT", "{bad:#}");

        assert_eq!(error_code(&call(&app, &mine, TRAIL, json!({})).await), "FORBIDDEN");
        assert_eq!(error_code(&app.graphql(TRAIL, json!({})).await), "UNAUTHENTICATED");
    }
}

on_both! {
    /// Racing writers: of two concurrent updates on one version exactly one
    /// wins; of two concurrent creates under one Idempotency-Key one runs.
    async fn concurrent_writers_do_not_both_win(app) {
        let library = demo_library(EDINBURGH);
        let (_, mine) = token(&app, PartnerKind::Library, Some(&library), &["services:write"]).await;
        let before = service_of(&app, &library).await;
        let id = gid(Kind::Service, &before.id);
        let update = |name: &'static str| {
            call(&app, &mine, UPDATE, json!({ "input": { "id": id, "name": name, "expectedVersion": before.version } }))
        };
        let (a, b) = tokio::join!(update("Left"), update("Right"));
        let won: Vec<&Value> = [&a, &b].into_iter().filter(|r| r.get("errors").is_none()).collect();
        assert_eq!(won.len(), 1, "{a:#} {b:#}");
        let lost = if a.get("errors").is_some() { &a } else { &b };
        assert_eq!(error_code(lost), "CONFLICT");
        assert_eq!(reload(&app, &before.id).await.version, before.version + 1);

        let input = json!({ "input": { "organizationId": gid(Kind::Organization, &library), "name": "Race Night" } });
        let (a, b) = tokio::join!(
            with_key(&app, &mine, "race-1", CREATE, input.clone()),
            with_key(&app, &mine, "race-1", CREATE, input.clone())
        );
        let statuses = [a.status().as_u16(), b.status().as_u16()];
        assert!(statuses.iter().all(|s| *s == 200 || *s == 409), "{statuses:?}");
        let created = service::Entity::find()
            .filter(service::Column::Name.eq("Race Night"))
            .count(&app.state.db)
            .await
            .unwrap();
        assert_eq!(created, 1);
        assert_eq!(audit_rows(&app).await, 2);
    }
}

on_both! {
    /// A key whose request never finished (the process died) is taken over by a later retry, never stuck.
    async fn an_abandoned_idempotency_claim_goes_stale(app) {
        use hubgraph::partners::idempotency::{self, Claim};
        use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
        let (partner, _) = token(&app, PartnerKind::Admin, None, &[]).await;
        let db = &app.state.db;
        let minute = chrono::Duration::seconds(60);
        assert_eq!(idempotency::claim(db, &partner, "k-1", "hash", minute).await.unwrap(), Claim::Run);
        assert_eq!(idempotency::claim(db, &partner, "k-1", "hash", minute).await.unwrap(), Claim::InProgress);
        // The first request's process died: its claim is left unfinished, and ages.
        let row = entity::idempotency_key::Entity::find_by_id(("k-1".to_owned(), partner.clone())).one(db).await.unwrap().unwrap();
        let mut aged = row.into_active_model();
        aged.created_at = Set(chrono::Utc::now() - chrono::Duration::seconds(3600));
        aged.update(db).await.unwrap();
        assert_eq!(idempotency::claim(db, &partner, "k-1", "other", minute).await.unwrap(), Claim::Reused);
        assert_eq!(idempotency::claim(db, &partner, "k-1", "hash", minute).await.unwrap(), Claim::Run, "taken over");
        assert_eq!(idempotency::claim(db, &partner, "k-1", "hash", minute).await.unwrap(), Claim::InProgress, "taken once");
        idempotency::complete(db, &partner, "k-1", 200, "{}").await.unwrap();
        assert_eq!(
            idempotency::claim(db, &partner, "k-1", "hash", minute).await.unwrap(),
            Claim::Replay { status: 200, body: "{}".into() }
        );
        // Keys are kept for a day, then forgotten: a later request runs anew.
        assert_eq!(idempotency::purge(db, chrono::Utc::now() - idempotency::RETENTION).await.unwrap(), 0);
        assert_eq!(idempotency::purge(db, chrono::Utc::now()).await.unwrap(), 1);
        assert_eq!(idempotency::claim(db, &partner, "k-1", "other", minute).await.unwrap(), Claim::Run);
    }
}

on_both! {
    /// An explicit null clears an optional field; omitting it leaves it; a
    /// required field cannot be cleared. The audit row names cleared fields.
    async fn null_clears_optional_fields_and_omitting_keeps_them(app) {
        let library = demo_library(EDINBURGH);
        let (_, mine) = token(&app, PartnerKind::Library, Some(&library), &["services:write"]).await;
        let before = service_of(&app, &library).await;
        let id = gid(Kind::Service, &before.id);
        let set = call(&app, &mine, UPDATE, json!({ "input": {
            "id": id, "email": "hello@example.org", "minimumAge": 5, "maximumAge": 18, "description": "Kept" } })).await;
        assert_eq!(set["data"]["updateService"]["userErrors"], json!([]), "{set:#}");

        let cleared = call(&app, &mine, UPDATE, json!({ "input": { "id": id, "email": null, "minimumAge": null } })).await;
        assert_eq!(cleared["data"]["updateService"]["userErrors"], json!([]), "{cleared:#}");
        let stored = reload(&app, &before.id).await;
        assert_eq!(stored.email, None);
        assert_eq!(stored.minimum_age, None);
        assert_eq!(stored.maximum_age, Some(18), "omitted: kept");
        assert_eq!(stored.description.as_deref(), Some("Kept"));
        let last = audit::Entity::find()
            .filter(audit::Column::EntityId.eq(before.id.clone()))
            .order_by_desc(audit::Column::At)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(last.changed_fields, "email,minimumAge");

        let refused = call(&app, &mine, UPDATE, json!({ "input": { "id": id, "name": null } })).await;
        let errors = &refused["data"]["updateService"]["userErrors"];
        assert_eq!(errors[0]["field"], json!(["input", "name"]), "{refused:#}");
        assert_eq!(errors[0]["code"], "REQUIRED");
        assert_eq!(reload(&app, &before.id).await.name, stored.name);

        // Locations and organizations follow the same rule.
        let location = entity::location::Entity::find()
            .filter(entity::location::Column::OrganizationId.eq(library.clone()))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        let body = call(&app, &mine, UPDATE_LOCATION, json!({ "input": { "id": gid(Kind::Location, &location.id), "description": null } })).await;
        assert_eq!(body["data"]["updateLocation"]["userErrors"], json!([]), "{body:#}");
        let stored = entity::location::Entity::find_by_id(location.id.clone()).one(&app.state.db).await.unwrap().unwrap();
        assert_eq!(stored.description, None);
        assert_eq!(stored.name, location.name);
        let org = "mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) {
            organization { email } userErrors { field code } } }";
        let body = call(&app, &mine, org, json!({ "input": { "id": gid(Kind::Organization, &library), "description": null } })).await;
        assert_eq!(body["data"]["updateOrganization"]["userErrors"][0]["field"], json!(["input", "description"]), "{body:#}");
        let body = call(&app, &mine, org, json!({ "input": { "id": gid(Kind::Organization, &library), "email": null } })).await;
        assert_eq!(body["data"]["updateOrganization"]["organization"]["email"], Value::Null, "{body:#}");
    }
}

on_both! {
    /// An unknown organization in createLocation is a user error on its field, as in createService.
    async fn create_location_for_an_unknown_organization_is_a_user_error(app) {
        let (_, admin) = token(&app, PartnerKind::Admin, None, &["admin"]).await;
        let unknown = gid(Kind::Organization, "00000000-0000-0000-0000-000000000000");
        let body = call(&app, &admin, CREATE_LOCATION, json!({ "input": { "organizationId": unknown, "name": "Nowhere" } })).await;
        let errors = &body["data"]["createLocation"]["userErrors"];
        assert_eq!(errors[0]["field"], json!(["input", "organizationId"]), "{body:#}");
        assert_eq!(errors[0]["code"], "NOT_FOUND");
        assert_eq!(audit_rows(&app).await, 0);
    }
}

const LINKS: &str = "query($id: ID!) { location(id: $id) { serviceCount: services { id }
    serviceLinksFromOthers { id linkedBy linkedAt service { id organization { id } } } } }";
const REMOVE_LINK: &str = "mutation($input: RemoveServiceAtLocationInput!) { removeServiceAtLocation(input: $input) {
    service { id version } userErrors { field message code } } }";

on_both! {
    /// ADVERSARIAL 50: a charity lists its service at a library (allowed:
    /// that is what hubs are for). The library sees the listing, who made it
    /// and when, and takes it off; a third organisation cannot; anonymous
    /// callers and other partners do not see who listed what.
    async fn a_library_sees_and_removes_a_service_a_charity_listed_at_its_place(app) {
        let library = demo_library(EDINBURGH);
        let charity = hubgraph::seed::demo::demo_id("organization", &format!("third-sector/{EDINBURGH}"));
        let stranger = hubgraph::seed::demo::demo_id("organization", &format!("third-sector/{GLASGOW}"));
        let (_, keeper) = token(&app, PartnerKind::Library, Some(&library), &["services:write"]).await;
        let partner = app.add_partner(PartnerKind::ThirdSector, "Thistle Carers", Some(&charity), &[]).await;
        let listing = app.issue_token(&partner, &["services:write"]).await.token;
        let (_, other) = token(&app, PartnerKind::ThirdSector, Some(&stranger), &["services:write"]).await;
        let place = location::Entity::find()
            .filter(location::Column::OrganizationId.eq(library.clone()))
            .order_by_asc(location::Column::Id)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        let place_id = gid(Kind::Location, &place.id);
        let service = service_of(&app, &charity).await;
        let service_id = gid(Kind::Service, &service.id);
        let links = |token: String| {
            let app = &app;
            let place_id = place_id.clone();
            async move { call(app, &token, LINKS, json!({ "id": place_id })).await }
        };
        let before = links(keeper.clone()).await;
        assert_eq!(before["data"]["location"]["serviceLinksFromOthers"], json!([]), "{before:#}");
        let count_before = before["data"]["location"]["serviceCount"].as_array().unwrap().len();

        let listed = call(&app, &listing, UPDATE, json!({ "input": { "id": service_id, "locationIds": [place_id] } })).await;
        assert_eq!(listed["data"]["updateService"]["userErrors"], json!([]), "{listed:#}");

        // The library sees the listing, who made it and when.
        let seen = links(keeper.clone()).await;
        let location = &seen["data"]["location"];
        assert_eq!(location["serviceCount"].as_array().unwrap().len(), count_before + 1);
        let found = location["serviceLinksFromOthers"].as_array().unwrap();
        assert_eq!(found.len(), 1, "{seen:#}");
        assert_eq!(found[0]["service"]["id"], service_id.as_str());
        assert_eq!(found[0]["service"]["organization"]["id"], gid(Kind::Organization, &charity).as_str());
        assert_eq!(found[0]["linkedBy"], "Thistle Carers");
        assert!(found[0]["linkedAt"].is_string());
        let audited = audit::Entity::find()
            .filter(audit::Column::Action.eq("service_at_location.create"))
            .filter(audit::Column::PartnerId.eq(partner.clone()))
            .count(&app.state.db)
            .await
            .unwrap();
        assert_eq!(audited, 1, "the listing is on the audit trail");

        // Nobody else sees who listed what at the library.
        let anonymous = app.graphql(LINKS, json!({ "id": place_id })).await;
        assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
        assert!(anonymous["data"]["location"]["serviceLinksFromOthers"].is_null());
        let outsider = links(other.clone()).await;
        assert_eq!(error_code(&outsider), "FORBIDDEN");
        assert!(outsider["data"]["location"]["serviceLinksFromOthers"].is_null());

        // A third organisation cannot take it off; the library can.
        let remove = json!({ "input": { "serviceId": service_id, "locationId": place_id } });
        let refused = call(&app, &other, REMOVE_LINK, remove.clone()).await;
        assert_eq!(error_code(&refused), "FORBIDDEN", "{refused:#}");
        assert_eq!(links(keeper.clone()).await["data"]["location"]["serviceLinksFromOthers"].as_array().unwrap().len(), 1);
        let listed_version = reload(&app, &service.id).await.version;
        let removed = call(&app, &keeper, REMOVE_LINK, remove.clone()).await;
        assert_eq!(removed["data"]["removeServiceAtLocation"]["userErrors"], json!([]), "{removed:#}");
        assert_eq!(removed["data"]["removeServiceAtLocation"]["service"]["version"], listed_version + 1);
        let after = links(keeper.clone()).await;
        assert_eq!(after["data"]["location"]["serviceLinksFromOthers"], json!([]));
        assert_eq!(after["data"]["location"]["serviceCount"].as_array().unwrap().len(), count_before);
        let again = call(&app, &keeper, REMOVE_LINK, remove).await;
        let errors = &again["data"]["removeServiceAtLocation"]["userErrors"];
        assert_eq!(errors[0]["code"], "NOT_FOUND", "{again:#}");
        let removals = audit::Entity::find()
            .filter(audit::Column::Action.eq("service_at_location.delete"))
            .count(&app.state.db)
            .await
            .unwrap();
        assert_eq!(removals, 1);
    }
}
