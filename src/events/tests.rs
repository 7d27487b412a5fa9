//! The bus on SQLite (in-process) and, with `TEST_DATABASE_URL`, on
//! PostgreSQL across two instances. Ordering, not timing, shows that an
//! event is not delivered early: a later, committed marker arrives first.

use std::time::Duration;

use futures_util::StreamExt;
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};
use serde_json::json;

use super::*;

const WAIT: Duration = Duration::from_secs(10);

fn event(n: usize) -> Event {
    Event::new("test.tick", json!({ "n": n }))
}

async fn sqlite() -> DatabaseConnection {
    crate::db::connect("sqlite::memory:").await.expect("sqlite").0
}

/// Stages `event` in its own transaction and commits it.
async fn publish(bus: &EventBus, db: &DatabaseConnection, event: Event) {
    let txn = db.begin().await.unwrap();
    let pending = bus.stage(&txn, event).await.unwrap();
    txn.commit().await.unwrap();
    pending.deliver();
}

async fn next(events: &mut EventStream) -> Event {
    tokio::time::timeout(WAIT, events.next())
        .await
        .expect("an event in time")
        .expect("the bus is open")
}

/// An event staged in an open transaction is not seen until that
/// transaction commits: a marker committed meanwhile arrives first.
async fn check_after_commit_only(publisher: (&EventBus, &DatabaseConnection), subscriber: &EventBus) {
    let (bus, db) = publisher;
    let mut events = subscriber.subscribe();
    let txn = db.begin().await.unwrap();
    let pending = bus.stage(&txn, event(1)).await.unwrap();
    publish(bus, db, event(2)).await;
    assert_eq!(next(&mut events).await, event(2));
    txn.commit().await.unwrap();
    pending.deliver();
    assert_eq!(next(&mut events).await, event(1));
}

/// A rolled-back event reaches nobody: the next event seen is the marker
/// committed after it.
async fn check_rollback_sends_nothing(publisher: (&EventBus, &DatabaseConnection), subscriber: &EventBus) {
    let (bus, db) = publisher;
    let mut events = subscriber.subscribe();
    let txn = db.begin().await.unwrap();
    let pending = bus.stage(&txn, event(1)).await.unwrap();
    txn.rollback().await.unwrap();
    drop(pending);
    publish(bus, db, event(2)).await;
    assert_eq!(next(&mut events).await, event(2));
}

/// A subscriber that never reads loses the oldest events, is counted as
/// lagging, and never holds up the publisher.
async fn check_lagging_subscriber(publisher: (&EventBus, &DatabaseConnection), subscriber: &EventBus) {
    let (bus, db) = publisher;
    let mut idle = subscriber.subscribe();
    let mut eager = subscriber.subscribe();
    let last = 20;
    tokio::time::timeout(WAIT, async {
        for n in 0..=last {
            publish(bus, db, event(n)).await;
        }
    })
    .await
    .expect("publishing is not held up by a subscriber");
    // Once the eager subscriber has seen the last event, every event has
    // gone through the subscriber's bus, past the idle subscriber's buffer.
    while next(&mut eager).await != event(last) {}
    let first_kept = next(&mut idle).await;
    assert_ne!(first_kept, event(0), "the oldest events are dropped");
    assert!(subscriber.lagged_total() > 0);
    let mut seen = vec![first_kept];
    while seen.last() != Some(&event(last)) {
        seen.push(next(&mut idle).await);
    }
    assert!(seen.len() <= 4, "at most the capacity is kept: {seen:?}");
}

#[tokio::test]
async fn in_process_delivery_happens_after_commit_only() {
    let db = sqlite().await;
    let bus = EventBus::start(&db).await.unwrap();
    check_after_commit_only((&bus, &db), &bus).await;
}

#[tokio::test]
async fn in_process_rollback_delivers_nothing() {
    let db = sqlite().await;
    let bus = EventBus::start(&db).await.unwrap();
    check_rollback_sends_nothing((&bus, &db), &bus).await;
}

#[tokio::test]
async fn in_process_lagging_subscriber_loses_old_events_only() {
    let db = sqlite().await;
    let bus = EventBus::with_capacity(&db, 4).await.unwrap();
    check_lagging_subscriber((&bus, &db), &bus).await;
}

#[tokio::test]
async fn dropped_subscribers_are_released() {
    let db = sqlite().await;
    let bus = EventBus::start(&db).await.unwrap();
    let streams: Vec<_> = (0..10).map(|_| bus.subscribe()).collect();
    assert_eq!(bus.subscriber_count(), 10);
    drop(streams);
    assert_eq!(bus.subscriber_count(), 0);
    // Publishing with nobody listening is fine.
    publish(&bus, &db, event(1)).await;
}

#[tokio::test]
async fn oversized_events_are_refused() {
    let db = sqlite().await;
    let bus = EventBus::start(&db).await.unwrap();
    let txn = db.begin().await.unwrap();
    let big = Event::new("test.big", json!({ "text": "x".repeat(MAX_EVENT_BYTES) }));
    let error = bus.stage(&txn, big).await.err().expect("refused");
    assert_eq!(error.code(), "INTERNAL");
    assert!(bus.stage(&txn, event(1)).await.is_ok());
}

/// A fresh PostgreSQL database, dropped when this goes out of scope.
struct PgDatabase {
    admin: String,
    name: String,
    url: String,
}

impl PgDatabase {
    async fn create() -> Option<PgDatabase> {
        let Some(admin) = std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) else {
            static NOTICE: std::sync::Once = std::sync::Once::new();
            NOTICE.call_once(|| {
                // The real stderr: the harness captures eprintln! of passing tests.
                use std::io::Write;
                let _ = writeln!(
                    std::io::stderr(),
                    "notice: TEST_DATABASE_URL is not set; the PostgreSQL event bus tests are skipped"
                );
            });
            return None;
        };
        let name = format!("hubgraph_test_{}", uuid::Uuid::new_v4().simple());
        let (conn, _) = crate::db::connect(&admin).await.expect("connect to TEST_DATABASE_URL");
        conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        conn.close().await.ok();
        let base = admin.split('?').next().unwrap_or(&admin);
        let prefix = &base[..base
            .rfind('/')
            .filter(|i| *i > "postgres://".len())
            .unwrap_or(base.len())];
        let url = format!("{prefix}/{name}");
        Some(PgDatabase { admin, name, url })
    }

    /// One "instance": its own pool and its own bus.
    async fn instance(&self, capacity: usize) -> (EventBus, DatabaseConnection) {
        let (db, _) = crate::db::connect(&self.url).await.expect("connect");
        let bus = EventBus::with_capacity(&db, capacity).await.expect("bus");
        (bus, db)
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        // Drop cannot await: a separate thread with its own runtime.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let (conn, _) = crate::db::connect(&admin).await.ok()?;
                let _ = conn
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await;
                conn.close().await.ok()
            })
        })
        .join();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_event_committed_on_one_instance_reaches_another_after_commit() {
    let Some(database) = PgDatabase::create().await else {
        return;
    };
    let (a, a_db) = database.instance(DEFAULT_CAPACITY).await;
    let (b, _b_db) = database.instance(DEFAULT_CAPACITY).await;
    check_after_commit_only((&a, &a_db), &b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_publishing_instance_hears_its_own_events_after_commit() {
    let Some(database) = PgDatabase::create().await else {
        return;
    };
    let (a, a_db) = database.instance(DEFAULT_CAPACITY).await;
    check_after_commit_only((&a, &a_db), &a).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_rollback_reaches_nobody() {
    let Some(database) = PgDatabase::create().await else {
        return;
    };
    let (a, a_db) = database.instance(DEFAULT_CAPACITY).await;
    let (b, _b_db) = database.instance(DEFAULT_CAPACITY).await;
    check_rollback_sends_nothing((&a, &a_db), &b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_lagging_subscriber_does_not_block_the_publisher() {
    let Some(database) = PgDatabase::create().await else {
        return;
    };
    let (a, a_db) = database.instance(DEFAULT_CAPACITY).await;
    let (b, _b_db) = database.instance(4).await;
    check_lagging_subscriber((&a, &a_db), &b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_listener_survives_a_lost_connection() {
    let Some(database) = PgDatabase::create().await else {
        return;
    };
    let (a, a_db) = database.instance(DEFAULT_CAPACITY).await;
    let (b, b_db) = database.instance(DEFAULT_CAPACITY).await;
    let mut events = b.subscribe();
    let killed = b_db
        .query_all_raw(sea_orm::Statement::from_string(
            DatabaseBackend::Postgres,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND query LIKE 'LISTEN%'",
        ))
        .await
        .unwrap();
    assert_eq!(killed.len(), 2, "both instances' listeners were cut off");
    // Events sent while a listener reconnects are lost: keep publishing
    // until one gets through. Before it, the listener tells its own
    // process that events may have been lost (caches drop what they kept).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let mut told = false;
    for n in 0.. {
        assert!(tokio::time::Instant::now() < deadline, "the listener never came back");
        publish(&a, &a_db, event(n)).await;
        if let Ok(Some(received)) = tokio::time::timeout(Duration::from_millis(500), events.next()).await {
            if received.topic == super::RESUMED_TOPIC {
                told = true;
                continue;
            }
            assert_eq!(received.topic, "test.tick");
            break;
        }
    }
    assert!(
        told,
        "no {} event before the first event after the cut",
        super::RESUMED_TOPIC
    );
}
