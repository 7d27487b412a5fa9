//! ADVERSARIAL 38: the server is killed (SIGKILL) in the middle of a burst
//! of concurrent writes and started again on the same database. Every write
//! it acknowledged is there with its audit row, no record is half-written,
//! and SQLite's `PRAGMA integrity_check` is ok.
//!
//! Writes are tagged with an `X-Request-Id`, which the audit row keeps, so
//! each acknowledgement can be matched with its row. Writes in flight when
//! the process died may or may not have landed; either way they must be
//! whole, which the record-by-record checks cover.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use entity::{audit, hub, hub_status_event, language, phone, schedule, service};
use hubgraph::graphql::ids::{self, Kind};
use hubgraph::partners::PartnerKind;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Statement,
};
use serde_json::{Value, json};

use crate::helpers::{Backend, FreshDatabase, demo_library};
use crate::process::{Served, partner_token};

const EDINBURGH: &str = "S12000036";
const GLASGOW: &str = "S12000049";

/// Acknowledged writes before the kill: enough that several clients are
/// mid-request when it comes.
const ACKED_BEFORE_KILL: usize = 40;
/// Every request id of the burst starts with this, and nothing else's does.
const TAG: &str = "crash-";

const UPDATE_HUB: &str = "mutation($input: UpdateHubStatusInput!) { updateHubStatus(input: $input) {
    hub { id version } userErrors { field message code } } }";
const CREATE_SERVICE: &str = "mutation($input: CreateServiceInput!) { createService(input: $input) {
    service { id version } userErrors { field message code } } }";
const UPDATE_SERVICE: &str = "mutation($input: UpdateServiceInput!) { updateService(input: $input) {
    service { id version } userErrors { field message code } } }";

/// Phones a service has as created, and after any update.
const PHONES_CREATED: u64 = 2;
const PHONES_UPDATED: u64 = 3;

/// One client of the burst: whose token, and what it writes.
#[derive(Clone)]
struct Writer {
    token: String,
    job: Job,
}

#[derive(Clone)]
enum Job {
    /// Status updates of one hub (raw id).
    Hub(String),
    /// Services of one organization (raw id): create one, update it, create the next...
    Services(String),
}

/// A write the server answered with success.
#[derive(Debug)]
struct Acked {
    request_id: String,
    entity: &'static str,
    /// Raw id of the record written.
    id: String,
    version: i64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_burst_loses_no_acknowledged_write_on_sqlite() {
    let database = FreshDatabase::create(Backend::Sqlite).await.expect("sqlite");
    sigkill_mid_burst(&database.url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_burst_loses_no_acknowledged_write_on_postgres() {
    let Some(database) = FreshDatabase::create(Backend::Postgres).await else {
        return;
    };
    sigkill_mid_burst(&database.url).await;
}

async fn sigkill_mid_burst(url: &str) {
    let (writers, initial_versions) = prepare(url).await;
    let mut server = Served::start(url, &[]);

    let acked = Arc::new(std::sync::Mutex::new(Vec::<Acked>::new()));
    let count = Arc::new(AtomicUsize::new(0));
    let killed = Arc::new(AtomicBool::new(false));
    let mut clients = Vec::new();
    for (n, writer) in writers.into_iter().enumerate() {
        let (acked, count, killed, address) = (acked.clone(), count.clone(), killed.clone(), server.address.clone());
        clients.push(tokio::spawn(async move {
            write_until_refused(n, writer, &address, &acked, &count, &killed).await
        }));
    }
    let started = Instant::now();
    // Enough writes, and at least one on each hub: SQLite's write lock is
    // not fair, so a fast run can reach the count on services alone.
    let every_hub_written = || {
        let acked = acked.lock().unwrap();
        initial_versions
            .keys()
            .all(|hub| acked.iter().any(|a| a.entity == "hub" && &a.id == hub))
    };
    while count.load(Ordering::SeqCst) < ACKED_BEFORE_KILL || !every_hub_written() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "only {} writes acknowledged in a minute (every hub written: {}):\n{}",
            count.load(Ordering::SeqCst),
            every_hub_written(),
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    killed.store(true, Ordering::SeqCst);
    server.kill();
    for client in clients {
        client.await.expect("client task");
    }
    let acked = std::mem::take(&mut *acked.lock().unwrap());
    assert!(acked.len() >= ACKED_BEFORE_KILL, "{} acknowledged", acked.len());

    // Start again on the same database: migrations and start-up cope with
    // whatever the crash left.
    let server = Served::start(url, &[]);
    let client = reqwest::Client::new();
    let ready = client.get(server.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200, "ready after the restart");

    let (db, _) = hubgraph::db::connect(url).await.unwrap();
    if hubgraph::db::is_sqlite(&db) {
        assert_sqlite_intact(&db).await;
    }
    every_acknowledged_write_is_there(&db, &acked).await;
    hubs_are_whole(&db, &initial_versions).await;
    services_are_whole(&db).await;
    audit_rows_have_their_records(&db).await;

    // The restarted server serves what was acknowledged, and writes again.
    let last = acked
        .iter()
        .rev()
        .find(|a| a.entity == "service")
        .expect("a service write");
    let read: Value = client
        .post(server.url("/graphql"))
        .json(
            &json!({ "query": "query($id: ID!) { node(id: $id) { ... on Service { version phones { number } } } }",
                       "variables": { "id": ids::encode(Kind::Service, &last.id).0 } }),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        read["data"]["node"]["version"].as_i64().unwrap() >= last.version,
        "{read:#}"
    );
    db.close().await.ok();
}

/// Seeds the demo set and the partners of the burst (through the library,
/// before the server runs). Returns the writers and the hubs' versions
/// before the burst.
async fn prepare(url: &str) -> (Vec<Writer>, HashMap<String, i32>) {
    let (db, _) = hubgraph::db::connect(url).await.unwrap();
    hubgraph::db::migrate(&db).await.unwrap();
    hubgraph::seed::seed_demo(&db, hubgraph::seed::DemoPostcodes::Venues)
        .await
        .unwrap();
    let db = &db;
    let token = |kind: PartnerKind, organization: String| async move { partner_token(db, kind, &organization).await };
    let mut writers = Vec::new();
    let mut initial_versions = HashMap::new();
    for area in [EDINBURGH, GLASGOW] {
        let library = demo_library(area);
        let first_hub = hub::Entity::find()
            .filter(hub::Column::AreaCode.eq(area))
            .order_by_asc(hub::Column::Id)
            .one(db)
            .await
            .unwrap()
            .expect("a demo hub in the area");
        initial_versions.insert(first_hub.id.clone(), first_hub.version);
        let token = token(PartnerKind::Library, library.clone()).await;
        // Two clients on one hub: their updates queue behind each other.
        for _ in 0..2 {
            writers.push(Writer {
                token: token.clone(),
                job: Job::Hub(first_hub.id.clone()),
            });
        }
        writers.push(Writer {
            token,
            job: Job::Services(library),
        });
    }
    let charity = hubgraph::seed::demo::demo_id("organization", &format!("third-sector/{EDINBURGH}"));
    writers.push(Writer {
        token: token(PartnerKind::ThirdSector, charity.clone()).await,
        job: Job::Services(charity),
    });
    db.clone().close().await.ok();
    (writers, initial_versions)
}

/// Writes as fast as the server answers until a request fails at the
/// transport level (the server is gone). Only a success is recorded; an
/// error answer before the kill fails the test.
async fn write_until_refused(
    n: usize,
    writer: Writer,
    address: &str,
    acked: &std::sync::Mutex<Vec<Acked>>,
    count: &AtomicUsize,
    killed: &AtomicBool,
) {
    let client = reqwest::Client::new();
    let mut last_service: Option<String> = None;
    for i in 0.. {
        let request_id = format!("{TAG}{n}-{i}");
        let (query, input, field, entity) = match &writer.job {
            Job::Hub(hub) => {
                let status = ["OPEN", "LIMITED", "CLOSED"][i % 3];
                let input = json!({ "hubId": ids::encode(Kind::Hub, hub).0, "status": status,
                                    "note": format!("burst {n} write {i}") });
                (UPDATE_HUB, input, "updateHubStatus", "hub")
            }
            Job::Services(organization) => match last_service.take() {
                Some(id) => {
                    let phones: Vec<Value> = (0..PHONES_UPDATED)
                        .map(|p| json!({ "number": format!("0131 496 {:04}", 1000 + p) }))
                        .collect();
                    let input = json!({ "id": ids::encode(Kind::Service, &id).0,
                                        "name": format!("Burst service {n}-{i} (renamed)"), "phones": phones });
                    (UPDATE_SERVICE, input, "updateService", "service")
                }
                None => {
                    let phones: Vec<Value> = (0..PHONES_CREATED)
                        .map(|p| json!({ "number": format!("0131 496 {:04}", 2000 + p) }))
                        .collect();
                    let input = json!({
                        "organizationId": ids::encode(Kind::Organization, organization).0,
                        "name": format!("Burst service {n}-{i}"),
                        "languages": ["en", "gd"],
                        "phones": phones,
                        "schedules": [{ "freq": "WEEKLY", "byDay": ["MO"], "opensAt": "10:00", "closesAt": "12:00" }],
                        "serviceAreaCodes": [EDINBURGH],
                    });
                    (CREATE_SERVICE, input, "createService", "service")
                }
            },
        };
        let sent = client
            .post(format!("{address}/graphql"))
            .bearer_auth(&writer.token)
            .header("x-request-id", &request_id)
            .json(&json!({ "query": query, "variables": { "input": input } }))
            .send()
            .await;
        // Headers and body both have to arrive: a response cut off by the
        // kill was never acknowledged.
        let body: Value = match sent {
            Ok(response) => match response.json().await {
                Ok(body) => body,
                Err(_) => return,
            },
            Err(_) => return,
        };
        let payload = &body["data"][field];
        let written = payload[entity].clone();
        let succeeded = body.get("errors").is_none() && payload["userErrors"] == json!([]) && written.is_object();
        if !succeeded {
            // On PostgreSQL two updates of one hub that read the same
            // version race, and the later one is refused with CONFLICT
            // (writing nothing, which the checks below confirm).
            if crate::helpers::error_code(&body) == "CONFLICT" {
                continue;
            }
            assert!(
                killed.load(Ordering::SeqCst),
                "a write failed before the kill: {body:#}"
            );
            return;
        }
        let id = ids::decode_any(written["id"].as_str().unwrap()).unwrap().1;
        if matches!(writer.job, Job::Services(_)) && field == "createService" {
            last_service = Some(id.clone());
        }
        acked.lock().unwrap().push(Acked {
            request_id,
            entity,
            id,
            version: written["version"].as_i64().unwrap(),
        });
        count.fetch_add(1, Ordering::SeqCst);
    }
}

async fn assert_sqlite_intact(db: &DatabaseConnection) {
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "PRAGMA integrity_check",
        ))
        .await
        .unwrap();
    let verdict: Vec<String> = rows.iter().map(|r| r.try_get_by_index::<String>(0).unwrap()).collect();
    assert_eq!(verdict, ["ok"], "PRAGMA integrity_check");
    let broken = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "PRAGMA foreign_key_check",
        ))
        .await
        .unwrap();
    assert!(broken.is_empty(), "{} rows break a foreign key", broken.len());
}

async fn every_acknowledged_write_is_there(db: &DatabaseConnection, acked: &[Acked]) {
    for write in acked {
        let rows = audit::Entity::find()
            .filter(audit::Column::RequestId.eq(write.request_id.clone()))
            .all(db)
            .await
            .unwrap();
        assert_eq!(rows.len(), 1, "one audit row for the acknowledged {write:?}");
        assert_eq!(
            (rows[0].entity.as_str(), rows[0].entity_id.as_str()),
            (write.entity, write.id.as_str())
        );
        let version = match write.entity {
            "hub" => {
                let event = hub_status_event::Entity::find()
                    .filter(hub_status_event::Column::HubId.eq(write.id.clone()))
                    .filter(hub_status_event::Column::Version.eq(write.version as i32))
                    .one(db)
                    .await
                    .unwrap();
                assert!(event.is_some(), "the hub's history has the acknowledged {write:?}");
                hub::Entity::find_by_id(write.id.clone())
                    .one(db)
                    .await
                    .unwrap()
                    .map(|h| h.version)
            }
            _ => service::Entity::find_by_id(write.id.clone())
                .one(db)
                .await
                .unwrap()
                .map(|s| s.version),
        };
        let version = version.unwrap_or_else(|| panic!("the record of the acknowledged {write:?} is gone"));
        assert!(i64::from(version) >= write.version, "{write:?} but version {version}");
    }
}

/// Every status update of the burst that landed did so whole: one audit
/// row and one history row per version step.
async fn hubs_are_whole(db: &DatabaseConnection, initial_versions: &HashMap<String, i32>) {
    for (id, initial) in initial_versions {
        let current = hub::Entity::find_by_id(id.clone())
            .one(db)
            .await
            .unwrap()
            .unwrap()
            .version;
        let audits = audit::Entity::find()
            .filter(audit::Column::EntityId.eq(id.clone()))
            .filter(audit::Column::Action.eq("hub.update_status"))
            .filter(audit::Column::RequestId.starts_with(TAG))
            .count(db)
            .await
            .unwrap();
        let events = hub_status_event::Entity::find()
            .filter(hub_status_event::Column::HubId.eq(id.clone()))
            .filter(hub_status_event::Column::Version.gt(*initial))
            .count(db)
            .await
            .unwrap();
        let steps = (current - initial) as u64;
        assert!(steps > 0, "hub {id} was written");
        assert_eq!(
            (audits, events),
            (steps, steps),
            "hub {id}: audit rows and history rows per version step"
        );
    }
}

/// Every service of the burst is whole: as many audit rows as versions, and
/// the children its last write gave it.
async fn services_are_whole(db: &DatabaseConnection) {
    let services = service::Entity::find()
        .filter(service::Column::Name.starts_with("Burst service "))
        .all(db)
        .await
        .unwrap();
    assert!(!services.is_empty());
    for service in services {
        let id = service.id.clone();
        let audits = audit::Entity::find()
            .filter(audit::Column::EntityId.eq(id.clone()))
            .count(db)
            .await
            .unwrap();
        assert_eq!(
            audits, service.version as u64,
            "service {id}: one audit row per version"
        );
        let phones = phone::Entity::find()
            .filter(phone::Column::ServiceId.eq(id.clone()))
            .count(db)
            .await
            .unwrap();
        let expected = if service.version == 1 {
            PHONES_CREATED
        } else {
            PHONES_UPDATED
        };
        assert_eq!(
            phones, expected,
            "service {id} at version {}: its phones",
            service.version
        );
        let schedules = schedule::Entity::find()
            .filter(schedule::Column::ServiceId.eq(id.clone()))
            .count(db)
            .await
            .unwrap();
        let languages = language::Entity::find()
            .filter(language::Column::ServiceId.eq(id.clone()))
            .count(db)
            .await
            .unwrap();
        assert_eq!(
            (schedules, languages),
            (1, 2),
            "service {id}: its schedule and languages"
        );
    }
}

/// No audit row of the burst outlived its record's write.
async fn audit_rows_have_their_records(db: &DatabaseConnection) {
    let rows = audit::Entity::find()
        .filter(audit::Column::RequestId.starts_with(TAG))
        .all(db)
        .await
        .unwrap();
    for row in rows {
        let exists = match row.entity.as_str() {
            "hub" => hub::Entity::find_by_id(row.entity_id.clone())
                .one(db)
                .await
                .unwrap()
                .is_some(),
            "service" => service::Entity::find_by_id(row.entity_id.clone())
                .one(db)
                .await
                .unwrap()
                .is_some(),
            other => panic!("the burst wrote no {other}"),
        };
        assert!(exists, "audit row {} without its record", row.id);
    }
}
