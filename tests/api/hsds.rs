//! Open Referral HSDS 3.0: importing the official examples, bad records,
//! exporting documents that the official JSON Schemas accept, the round
//! trip, and the export's paging.
//!
//! The official files are reference data kept outside the repository: they
//! are found through `HSDS_SCHEMA_DIR` (default `../shared/hsds-3.0` beside
//! the crate; the UK profile in the sibling `-uk` directory). Where they are
//! absent the tests that need them say so and pass; `.ci/run` always sets
//! the variable.

use std::collections::BTreeMap;

use crate::helpers::*;
use crate::on_both;
use std::path::{Path, PathBuf};

use hubgraph::interchange::hsds::{self, ImportOptions, export};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::Value;

/// The HSDS 3.0 reference files, or `None` (with a notice) when absent.
pub fn hsds_dir() -> Option<PathBuf> {
    let dir = match std::env::var("HSDS_SCHEMA_DIR") {
        Ok(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/hsds-3.0"),
    };
    if dir.join("schema").is_dir() {
        Some(dir)
    } else {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "skipped: the HSDS 3.0 reference files are not at {}; set HSDS_SCHEMA_DIR to the directory holding schema/ and examples/",
            dir.display()
        );
        None
    }
}

/// The Open Referral UK profile, beside the HSDS files.
pub fn uk_dir(hsds: &Path) -> PathBuf {
    let mut name = hsds.file_name().unwrap_or_default().to_os_string();
    name.push("-uk");
    hsds.with_file_name(name)
}

/// A validator for one of the official schemas (`service.json`, ...), with
/// every schema file registered so that their relative `$ref`s resolve.
pub fn validator(dir: &Path, schema: &str) -> jsonschema::Validator {
    let base = "https://hsds.invalid/schema/";
    let mut resources = Vec::new();
    for entry in std::fs::read_dir(dir.join("schema")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let value: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            resources.push((format!("{base}{name}"), jsonschema::Resource::from_contents(value)));
        }
    }
    let registry = jsonschema::Registry::new()
        .extend(resources)
        .unwrap()
        .prepare()
        .unwrap();
    let main: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("schema").join(schema)).unwrap()).unwrap();
    jsonschema::options()
        .with_registry(&registry)
        .with_base_uri(format!("{base}{schema}"))
        .should_validate_formats(true)
        .build(&main)
        .unwrap()
}

/// Every validation error of a document, as text.
pub fn problems(validator: &jsonschema::Validator, document: &Value) -> Vec<String> {
    validator
        .iter_errors(document)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

async fn import(app: &TestApp, path: &Path) -> hsds::ImportReport {
    hsds::import(&app.state.db, path, ImportOptions::default())
        .await
        .unwrap()
}

async fn count<E>(app: &TestApp) -> u64
where
    E: EntityTrait,
    E::Model: sea_orm::FromQueryResult + Send + Sync,
{
    E::find().count(&app.state.db).await.unwrap()
}

on_both! {
    /// Every official example (HSDS 3.0 and the UK profile) imports with its
    /// ids and all nested objects; importing again changes nothing.
    async fn official_examples_import_and_reimport_changes_nothing(app) {
        let Some(dir) = hsds_dir() else { return };
        let app = reset(app).await;
        let report = import(&app, &dir.join("examples")).await;
        assert!(report.rejected.is_empty(), "{:#?}", report.rejected);
        assert_eq!((report.written.created, report.written.updated), (3, 0));
        let service = entity::service::Entity::find_by_id("ac148810-d857-441c-9679-408f346de14b")
            .one(&app.state.db)
            .await
            .unwrap()
            .expect("the example service, by its own id");
        assert_eq!((service.name.as_str(), service.version), ("Community Counselling", 1));
        // One phone, listed under the service, its location, organization,
        // contact and service-at-location: one row with five owners.
        let phone = entity::phone::Entity::find_by_id("1554f2e2-a373-45db-a3fa-9fc48a61c15e")
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        assert!(phone.service_id.is_some() && phone.location_id.is_some() && phone.organization_id.is_some());
        assert!(phone.contact_id.is_some() && phone.service_at_location_id.is_some());
        for (table, n) in [
            ("organization", count::<entity::organization::Entity>(&app).await),
            ("service", count::<entity::service::Entity>(&app).await),
            ("location", count::<entity::location::Entity>(&app).await),
            ("address", count::<entity::address::Entity>(&app).await),
            ("phone", count::<entity::phone::Entity>(&app).await),
            ("schedule", count::<entity::schedule::Entity>(&app).await),
            ("language", count::<entity::language::Entity>(&app).await),
            ("contact", count::<entity::contact::Entity>(&app).await),
            ("accessibility", count::<entity::accessibility::Entity>(&app).await),
            ("service_area", count::<entity::service_area::Entity>(&app).await),
            ("cost_option", count::<entity::cost_option::Entity>(&app).await),
            ("attribute", count::<entity::attribute::Entity>(&app).await),
            ("taxonomy_term", count::<entity::taxonomy_term::Entity>(&app).await),
            ("taxonomy", count::<entity::taxonomy::Entity>(&app).await),
            ("organization_identifier", count::<entity::organization_identifier::Entity>(&app).await),
            ("service_at_location", count::<entity::service_at_location::Entity>(&app).await),
        ] {
            assert!(n >= 1, "{table}: nothing imported");
        }
        // Lossy input is imported with a warning naming file, pointer and reason.
        assert!(report.warnings.iter().any(|w| w.source.ends_with("service_full.json")
            && w.pointer == "/organization/locations/0/latitude"
            && w.reason.contains("out of range")), "{:#?}", report.warnings);

        let audit_rows = count::<entity::audit::Entity>(&app).await;
        let phones = count::<entity::phone::Entity>(&app).await;
        let again = import(&app, &dir.join("examples")).await;
        assert!(again.rejected.is_empty());
        assert_eq!((again.written.created, again.written.updated, again.written.unchanged), (0, 0, 3));
        assert_eq!(count::<entity::audit::Entity>(&app).await, audit_rows, "nothing changed: no audit rows");
        assert_eq!(count::<entity::phone::Entity>(&app).await, phones, "no duplicates");
        let service = entity::service::Entity::find_by_id(service.id.clone()).one(&app.state.db).await.unwrap().unwrap();
        assert_eq!(service.version, 1);

        let uk = import(&app, &uk_dir(&dir).join("examples")).await;
        assert!(uk.rejected.is_empty(), "{:#?}", uk.rejected);
        assert!(uk.imported >= 9);
    }
}

/// A fresh app without the demo set (the examples stand alone).
async fn reset(app: TestApp) -> TestApp {
    let backend = if hubgraph::db::is_sqlite(&app.state.db) {
        Backend::Sqlite
    } else {
        Backend::Postgres
    };
    drop(app);
    spawn_app_with(backend, false).await.expect("app")
}

fn example(dir: &Path, name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("examples").join(name)).unwrap()).unwrap()
}

fn write_json(dir: &Path, name: &str, value: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(value).unwrap()).unwrap();
    path
}

on_both! {
    /// A changed document updates the records in place: a new version, a
    /// newer last_modified, an audit row; a list it gives replaces the stored one.
    async fn changed_document_updates_in_place(app) {
        let Some(dir) = hsds_dir() else { return };
        let app = reset(app).await;
        let tmp = tempfile::tempdir().unwrap();
        let mut service = example(&dir, "service_full.json");
        import(&app, &write_json(tmp.path(), "service.json", &service)).await;
        let before = entity::service::Entity::find_by_id("ac148810-d857-441c-9679-408f346de14b")
            .one(&app.state.db).await.unwrap().unwrap();
        let audit_rows = count::<entity::audit::Entity>(&app).await;

        service["name"] = "Community Counselling (Leith)".into();
        service["cost_options"] = serde_json::json!([]);
        let report = import(&app, &write_json(tmp.path(), "service.json", &service)).await;
        assert_eq!(report.written.updated, 1, "only the service changed");
        let after = entity::service::Entity::find_by_id(before.id.clone()).one(&app.state.db).await.unwrap().unwrap();
        assert_eq!(after.name, "Community Counselling (Leith)");
        assert_eq!(after.version, before.version + 1);
        assert!(after.last_modified > before.last_modified, "the change feed sees it");
        assert_eq!(count::<entity::cost_option::Entity>(&app).await, 0, "an empty list replaces the stored one");
        assert_eq!(count::<entity::service::Entity>(&app).await, 1);
        assert_eq!(count::<entity::audit::Entity>(&app).await, audit_rows + 1);

        // A child's change alone also makes a new version of its service.
        service["service_areas"][0]["name"] = "Leith".into();
        let report = import(&app, &write_json(tmp.path(), "service.json", &service)).await;
        assert!(report.written.updated >= 1);
        let later = entity::service::Entity::find_by_id(before.id.clone()).one(&app.state.db).await.unwrap().unwrap();
        assert_eq!(later.version, after.version + 1);
    }
}

on_both! {
    /// A bad record is reported with its file, JSON pointer and reason, and
    /// the good ones around it are imported; with `strict` nothing is.
    async fn bad_records_are_reported_and_do_not_stop_good_ones(app) {
        let app = reset(app).await;
        let tmp = tempfile::tempdir().unwrap();
        let org = serde_json::json!({"id": "0a000000-0000-4000-8000-000000000001", "name": "Leith Library", "description": "A library"});
        let good = |id: &str, name: &str| serde_json::json!({
            "id": id, "name": name, "status": "active",
            "organization": org,
            "phones": [{"id": format!("{id}-phone"), "number": "0131 496 0001"}]
        });
        let lines = [
            good("0b000000-0000-4000-8000-000000000001", "Chatty café"),
            serde_json::json!({"id": "0b000000-0000-4000-8000-000000000002", "status": "active", "organization": org}),
            serde_json::json!({"id": "0b000000-0000-4000-8000-000000000003", "name": "Bad phone", "status": "active",
                               "organization": org, "phones": [{"id": "p3"}]}),
            good("0b000000-0000-4000-8000-000000000004", "Warm space"),
        ];
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect::<String>() + "{not json\n";
        let path = tmp.path().join("services.ndjson");
        std::fs::write(&path, text).unwrap();

        let strict = hsds::import(&app.state.db, &path, ImportOptions { strict: true, ..Default::default() }).await.unwrap();
        assert!(!strict.rejected.is_empty());
        assert_eq!(count::<entity::service::Entity>(&app).await, 0, "strict: nothing written");

        let report = import(&app, &path).await;
        let rejected: Vec<(String, String, String)> = report
            .rejected
            .iter()
            .map(|i| (i.source.rsplit('/').next().unwrap().to_owned(), i.pointer.clone(), i.reason.clone()))
            .collect();
        assert_eq!(rejected.len(), 3, "{rejected:#?}");
        assert_eq!(rejected[0].0, "services.ndjson:2");
        assert_eq!(rejected[0].1, "/name");
        assert!(rejected[0].2.contains("required"));
        assert_eq!((rejected[1].0.as_str(), rejected[1].1.as_str()), ("services.ndjson:3", "/phones/0/number"));
        assert_eq!(rejected[2].0, "services.ndjson:5");
        assert!(rejected[2].2.contains("not JSON"));
        assert_eq!(report.imported, 2);
        assert_eq!(count::<entity::service::Entity>(&app).await, 2);
        assert_eq!(count::<entity::organization::Entity>(&app).await, 1);
    }
}

/// Rows of every table, keyed by `table:id`, as the importer reads them
/// from documents (rows listed under several owners merged), so that two
/// sets of documents compare field by field whatever their nesting and order.
fn rows_of(rows: hubgraph::seed::DirectoryData) -> BTreeMap<String, String> {
    use hsds::write::dedupe;
    let mut out = BTreeMap::new();
    macro_rules! add {
        ($table:literal, $list:expr) => {
            for row in dedupe($list) {
                out.insert(format!("{}:{}", $table, row.id), format!("{row:?}"));
            }
        };
    }
    add!("organization", rows.organizations);
    add!("service", rows.services);
    add!("location", rows.locations);
    add!("address", rows.addresses);
    add!("accessibility", rows.accessibilities);
    add!("service_at_location", rows.service_at_locations);
    add!("service_area", rows.service_areas);
    add!("cost_option", rows.cost_options);
    add!("organization_identifier", rows.organization_identifiers);
    add!("taxonomy", rows.taxonomies);
    add!("taxonomy_term", rows.taxonomy_terms);
    add!("attribute", rows.attributes);
    add!("contact", rows.contacts);
    add!("schedule", rows.schedules);
    add!("language", rows.languages);
    // Ordering is not compared: a phone's position is its place in a list.
    add!(
        "phone",
        rows.phones
            .into_iter()
            .map(|p| entity::phone::Model { position: 0, ..p })
            .collect()
    );
    out
}

/// All rows of some documents, in one `DirectoryData`.
fn flatten_all(documents: &[Value]) -> Vec<hsds::map::Flat> {
    documents
        .iter()
        .filter_map(|d| {
            let kind = d.as_object().and_then(hsds::map::kind_of)?;
            Some(hsds::map::flatten(d, kind, chrono::DateTime::UNIX_EPOCH).unwrap())
        })
        .collect()
}

fn merged(flats: Vec<hsds::map::Flat>) -> hubgraph::seed::DirectoryData {
    let mut all = hubgraph::seed::DirectoryData::default();
    for flat in flats {
        let r = flat.rows;
        all.organizations.extend(r.organizations);
        all.services.extend(r.services);
        all.locations.extend(r.locations);
        all.addresses.extend(r.addresses);
        all.accessibilities.extend(r.accessibilities);
        all.service_at_locations.extend(r.service_at_locations);
        all.service_areas.extend(r.service_areas);
        all.cost_options.extend(r.cost_options);
        all.organization_identifiers.extend(r.organization_identifiers);
        all.taxonomies.extend(r.taxonomies);
        all.taxonomy_terms.extend(r.taxonomy_terms);
        all.attributes.extend(r.attributes);
        all.contacts.extend(r.contacts);
        all.schedules.extend(r.schedules);
        all.languages.extend(r.languages);
        all.phones.extend(r.phones);
    }
    all
}

fn read_documents(dir: &Path) -> Vec<Value> {
    let files = hsds::read::files(dir).unwrap();
    hsds::read::Documents::new(files).map(|d| d.unwrap().value).collect()
}

on_both! {
    /// Importing an official example and exporting it gives back the same
    /// data, table by table and field by field (ordering aside), less what
    /// the import reported dropping: links to records the examples do not
    /// contain and coordinates out of range. Every exported document
    /// validates against the official schema.
    async fn examples_round_trip_and_exports_validate(app) {
        let Some(dir) = hsds_dir() else { return };
        let backend = if hubgraph::db::is_sqlite(&app.state.db) { Backend::Sqlite } else { Backend::Postgres };
        drop(app);
        let services = validator(&dir, "service.json");
        let organizations = validator(&dir, "organization.json");
        let locations = validator(&dir, "location.json");
        let terms = validator(&dir, "taxonomy_term.json");
        for name in ["service_full.json", "organization_full.json", "service_at_location_full.json", "location.json", "taxonomy_term.json"] {
            let app = spawn_app_with(backend, false).await.unwrap();
            let path = dir.join("examples").join(name);
            let report = import(&app, &path).await;
            assert!(report.rejected.is_empty(), "{name}: {:#?}", report.rejected);
            let out = tempfile::tempdir().unwrap();
            export::export(&app.state.db, out.path(), export::Format::Json, 50).await.unwrap();

            // The example's rows, with the links the import dropped dropped.
            let flats = flatten_all(&[example(&dir, name)]);
            let (kept, refused) = hsds::write::check_references(&app.state.db, flats).await.unwrap();
            assert!(refused.is_empty());
            let expected = rows_of(merged(kept.into_iter().map(|(_, f)| f).collect()));
            let exported = read_documents(out.path());
            let got = rows_of(merged(flatten_all(&exported)));
            assert_eq!(
                expected.keys().collect::<Vec<_>>(),
                got.keys().collect::<Vec<_>>(),
                "{name}: the same records"
            );
            for (key, row) in &expected {
                assert_eq!(&got[key], row, "{name}: {key}");
            }

            for (kind, validator) in [("services", &services), ("organizations", &organizations), ("locations", &locations), ("taxonomy_terms", &terms)] {
                for document in read_documents(&out.path().join(kind)) {
                    assert_eq!(problems(validator, &document), Vec::<String>::new(), "{name}: {kind} {}", document["id"]);
                }
            }
        }
    }
}

on_both! {
    /// The demo directory exports as documents the official schemas accept,
    /// a page at a time (memory bounded by a page, not the directory), and
    /// imports again into an empty database unchanged.
    async fn demo_directory_exports_valid_documents_a_page_at_a_time(app) {
        let Some(dir) = hsds_dir() else { return };
        let out = tempfile::tempdir().unwrap();
        let report = export::export(&app.state.db, out.path(), export::Format::Ndjson, 25).await.unwrap();
        let services = count::<entity::service::Entity>(&app).await as usize;
        assert_eq!(report.services, services);
        assert!(report.pages >= services / 25, "{report:?}");
        // One page of 25 services with everything nested in them, never the whole set.
        assert!(report.largest_page_rows < 3_000, "{report:?}");

        let service_schema = validator(&dir, "service.json");
        let organization_schema = validator(&dir, "organization.json");
        let term_schema = validator(&dir, "taxonomy_term.json");
        for document in read_documents(&out.path().join("services.ndjson")) {
            assert_eq!(problems(&service_schema, &document), Vec::<String>::new(), "{}", document["id"]);
        }
        for document in read_documents(&out.path().join("organizations.ndjson")) {
            assert_eq!(problems(&organization_schema, &document), Vec::<String>::new(), "{}", document["id"]);
        }
        for document in read_documents(&out.path().join("taxonomy_terms.ndjson")) {
            assert_eq!(problems(&term_schema, &document), Vec::<String>::new(), "{}", document["id"]);
        }

        // Into an empty database and out again: the same documents.
        let backend = if hubgraph::db::is_sqlite(&app.state.db) { Backend::Sqlite } else { Backend::Postgres };
        let copy = spawn_app_with(backend, false).await.unwrap();
        let imported = import(&copy, out.path()).await;
        assert!(imported.rejected.is_empty(), "{:#?}", &imported.rejected[..imported.rejected.len().min(5)]);
        assert_eq!(count::<entity::service::Entity>(&copy).await as usize, services);
        let again = tempfile::tempdir().unwrap();
        export::export(&copy.state.db, again.path(), export::Format::Ndjson, 25).await.unwrap();
        let strip_time = |mut d: Value| {
            if let Some(o) = d.as_object_mut() {
                o.remove("last_modified");
            }
            d
        };
        let first: Vec<Value> = read_documents(&out.path().join("services.ndjson")).into_iter().map(strip_time).collect();
        let second: Vec<Value> = read_documents(&again.path().join("services.ndjson")).into_iter().map(strip_time).collect();
        assert_eq!(first.len(), second.len());
        for (a, b) in first.iter().zip(&second) {
            assert_eq!(a, b, "service {}", a["id"]);
        }
    }
}

// ---- the REST API ------------------------------------------------------------------

async fn get_json(app: &TestApp, path: &str) -> (u16, Value) {
    let response = app.client.get(app.url(path)).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

fn contents(page: &Value) -> &Vec<Value> {
    page["contents"].as_array().expect("a page of contents")
}

on_both! {
    /// A partner website reads the directory over the HSDS REST API: pages,
    /// filters shared with the GraphQL search, and documents that the
    /// official schemas accept.
    async fn hsds_rest_api_serves_valid_documents(app) {
        let (status, root) = get_json(&app, "/hsds/").await;
        assert_eq!(status, 200);
        assert_eq!(root["version"], "3.0");
        assert!(root["openapi_url"].as_str().unwrap().ends_with("openapi.json"));

        let (status, first) = get_json(&app, "/hsds/services?per_page=5").await;
        assert_eq!(status, 200);
        assert_eq!(contents(&first).len(), 5);
        assert_eq!((first["page_number"].as_u64(), first["first_page"].as_bool()), (Some(1), Some(true)));
        let total = first["total_items"].as_u64().unwrap();
        assert_eq!(first["total_pages"].as_u64().unwrap(), total.div_ceil(5));
        let (_, second) = get_json(&app, "/hsds/services?per_page=5&page=2").await;
        let ids = |page: &Value| contents(page).iter().map(|s| s["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
        assert!(ids(&first).iter().all(|id| !ids(&second).contains(id)), "pages do not overlap");

        // The same search as GraphQL's: the same services.
        let (_, found) = get_json(&app, "/hsds/services?search=warm%20space&per_page=100").await;
        let data = app
            .data("{ services(filter: { text: \"warm space\" }, first: 100) { totalCount nodes { hsdsId } } }", serde_json::json!({}))
            .await;
        assert_eq!(found["total_items"], data["services"]["totalCount"]);
        let mut graphql: Vec<String> = data["services"]["nodes"].as_array().unwrap().iter().map(|n| n["hsdsId"].as_str().unwrap().to_owned()).collect();
        let mut rest = ids(&found);
        graphql.sort();
        rest.sort();
        assert_eq!(rest, graphql);

        let (_, near) = get_json(&app, "/hsds/services?postcode=EH6%204AE&proximity=5000").await;
        assert!(!contents(&near).is_empty());
        let (_, teens) = get_json(&app, "/hsds/services?minimum_age=12&per_page=100").await;
        assert!(contents(&teens).iter().all(|s| s["minimum_age"].as_i64().unwrap() >= 12));
        let (_, nothing_new) = get_json(&app, "/hsds/services?modified_after=2999-01-01").await;
        assert_eq!(nothing_new["total_items"], 0);
        assert_eq!(nothing_new["empty"], true);
        let (_, minimal) = get_json(&app, "/hsds/services?minimal=true&per_page=3").await;
        assert!(contents(&minimal).iter().all(|s| s.as_object().unwrap().len() == 2));

        let Some(dir) = hsds_dir() else { return };
        let service_schema = validator(&dir, "service.json");
        let (_, full) = get_json(&app, "/hsds/services?full=true&per_page=10").await;
        for page in [&first, &full, &near] {
            for service in contents(page) {
                assert_eq!(problems(&service_schema, service), Vec::<String>::new());
            }
        }
        let id = contents(&first)[0]["id"].as_str().unwrap().to_owned();
        let (status, one) = get_json(&app, &format!("/hsds/services/{id}")).await;
        assert_eq!(status, 200);
        assert_eq!(problems(&service_schema, &one), Vec::<String>::new());
        assert!(one["service_at_locations"].as_array().is_some_and(|l| !l.is_empty()));

        let organization_schema = validator(&dir, "organization.json");
        let (_, organizations) = get_json(&app, "/hsds/organizations?full=true&per_page=5").await;
        for organization in contents(&organizations) {
            assert_eq!(problems(&organization_schema, organization), Vec::<String>::new());
        }
        let org_id = contents(&organizations)[0]["id"].as_str().unwrap().to_owned();
        let (status, organization) = get_json(&app, &format!("/hsds/organizations/{org_id}")).await;
        assert_eq!(status, 200);
        assert_eq!(problems(&organization_schema, &organization), Vec::<String>::new());

        let sal_schema = validator(&dir, "service_at_location.json");
        let (_, sals) = get_json(&app, "/hsds/service_at_locations?per_page=5").await;
        for sal in contents(&sals) {
            assert_eq!(problems(&sal_schema, sal), Vec::<String>::new());
        }
        let taxonomy_schema = validator(&dir, "taxonomy.json");
        let (_, taxonomies) = get_json(&app, "/hsds/taxonomies").await;
        assert!(!contents(&taxonomies).is_empty());
        for taxonomy in contents(&taxonomies) {
            assert_eq!(problems(&taxonomy_schema, taxonomy), Vec::<String>::new());
        }
        let term_schema = validator(&dir, "taxonomy_term.json");
        let (_, terms) = get_json(&app, "/hsds/taxonomy_terms?top_only=true&per_page=50").await;
        for term in contents(&terms) {
            assert!(term.get("parent_id").is_none());
            assert_eq!(problems(&term_schema, term), Vec::<String>::new());
        }
        // A category filters services, its sub-categories included.
        let term = contents(&terms)
            .iter()
            .find(|t| t["taxonomy"] == "service-category")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let (_, filed) = get_json(&app, &format!("/hsds/services?taxonomy_term_id={term}")).await;
        assert!(filed["total_items"].as_u64().unwrap() > 0);
    }
}

on_both! {
    /// Bad parameters get a 400 naming the parameter, unknown ids a 404, and
    /// any website may call the API whatever origins GraphQL allows.
    async fn hsds_rest_api_refuses_bad_parameters(app) {
        for (query, parameter) in [
            ("per_page=0", "per_page"),
            ("per_page=101", "per_page"),
            ("page=abc", "page"),
            ("page=0", "page"),
            ("proximity=500", "proximity"),
            ("postcode=ZZ", "postcode"),
            ("postcode=EH6%204AE&proximity=-3", "proximity"),
            ("modified_after=yesterday", "modified_after"),
            ("minimum_age=-1", "minimum_age"),
            ("maximum_age=ten", "maximum_age"),
            ("full=maybe", "full"),
            ("taxonomy_id=no-such-taxonomy", "taxonomy_id"),
        ] {
            let (status, body) = get_json(&app, &format!("/hsds/services?{query}")).await;
            assert_eq!(status, 400, "{query}: {body}");
            assert_eq!(body["parameter"], parameter, "{query}: {body}");
            assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
        }
        for path in ["/hsds/services/nope", "/hsds/organizations/nope", "/hsds/taxonomy_terms/nope",
                     "/hsds/taxonomies/nope", "/hsds/service_at_locations/nope"] {
            let (status, body) = get_json(&app, path).await;
            assert_eq!(status, 404, "{path}");
            assert!(body["message"].as_str().unwrap().contains("nope"));
        }
        let (status, _) = get_json(&app, "/hsds/taxonomy_terms?top_only=sometimes").await;
        assert_eq!(status, 400);
    }
}

#[tokio::test]
async fn hsds_rest_api_is_open_to_any_origin() {
    // GraphQL limited to one origin; the HSDS API answers every website.
    let app = spawn_app_configured(Backend::Sqlite, false, |config| {
        config.cors_origins = vec!["https://only.example.org".into()];
    })
    .await
    .unwrap();
    let response = app
        .client
        .get(app.url("/hsds/services"))
        .header("Origin", "https://shine.example.org")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://shine.example.org"
    );
    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/graphql"))
        .header("Origin", "https://shine.example.org")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .unwrap();
    assert!(preflight.headers().get("access-control-allow-origin").is_none());
}
