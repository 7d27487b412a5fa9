//! `located_service`, the radius search's table, follows every write to
//! the rows it is derived from, whoever writes: checked after each kind of
//! change against the same rows computed from scratch.

use std::collections::BTreeSet;

use entity::{attribute, location, service, service_at_location};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, Statement};

use crate::helpers::TestApp;
use crate::on_both;

/// One row as compared: ids, coordinates, status, ages, name, dates (as
/// text), and the term ids as a sorted set.
type Row = (
    String,
    String,
    String,
    String,
    String,
    Option<i32>,
    Option<i32>,
    String,
    Option<String>,
    String,
    BTreeSet<String>,
);

fn coordinate(value: f64) -> String {
    format!("{value:.9}")
}

/// A row's first ten columns, as both queries below select them, and its terms.
fn row_of(row: &sea_orm::QueryResult, terms: BTreeSet<String>) -> Row {
    (
        row.try_get_by_index(0).unwrap(),
        row.try_get_by_index(1).unwrap(),
        coordinate(row.try_get_by_index(2).unwrap()),
        coordinate(row.try_get_by_index(3).unwrap()),
        row.try_get_by_index(4).unwrap(),
        row.try_get_by_index(5).unwrap(),
        row.try_get_by_index(6).unwrap(),
        row.try_get_by_index(7).unwrap(),
        row.try_get_by_index(8).unwrap(),
        row.try_get_by_index(9).unwrap(),
        terms,
    )
}

/// What `located_service` holds.
async fn held(app: &TestApp) -> BTreeSet<Row> {
    let db = &app.state.db;
    let sql = "SELECT service_id, location_id, latitude, longitude, status, minimum_age, maximum_age, name, \
               CAST(assured_date AS TEXT), CAST(created_at AS TEXT), terms FROM located_service";
    let rows = db
        .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap();
    let mut held = BTreeSet::new();
    for row in rows {
        let terms: String = row.try_get_by_index(10).unwrap();
        assert!(
            terms.starts_with('\u{1f}') && terms.ends_with('\u{1f}'),
            "terms not enclosed: {terms:?}"
        );
        let terms = terms
            .split('\u{1f}')
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect();
        held.insert(row_of(&row, terms));
    }
    held
}

/// The same rows computed from the tables they come from.
async fn expected(app: &TestApp) -> BTreeSet<Row> {
    let db = &app.state.db;
    let backend = db.get_database_backend();
    let links = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT link_id, taxonomy_term_id FROM attribute WHERE link_entity = 'service'",
        ))
        .await
        .unwrap();
    let mut terms: std::collections::HashMap<String, BTreeSet<String>> = Default::default();
    for row in links {
        terms
            .entry(row.try_get_by_index(0).unwrap())
            .or_default()
            .insert(row.try_get_by_index(1).unwrap());
    }
    let sql = "SELECT DISTINCT s.id, l.id, l.latitude, l.longitude, s.status, s.minimum_age, s.maximum_age, s.name, \
               CAST(s.assured_date AS TEXT), CAST(s.created_at AS TEXT) \
               FROM service s JOIN service_at_location sal ON sal.service_id = s.id \
               JOIN location l ON l.id = sal.location_id \
               WHERE l.latitude IS NOT NULL AND l.longitude IS NOT NULL";
    let rows = db.query_all_raw(Statement::from_string(backend, sql)).await.unwrap();
    rows.into_iter()
        .map(|row| {
            let id: String = row.try_get_by_index(0).unwrap();
            row_of(&row, terms.get(&id).cloned().unwrap_or_default())
        })
        .collect()
}

/// Links a term to a record through HSDS `attribute`, as an import would.
async fn link_term(app: &TestApp, id: &str, link_entity: &str, link_id: String, term_id: &str) {
    attribute::ActiveModel {
        id: Set(id.into()),
        link_id: Set(link_id),
        taxonomy_term_id: Set(term_id.into()),
        link_type: Set(None),
        link_entity: Set(link_entity.into()),
        value: Set(None),
        label: Set(None),
    }
    .insert(&app.state.db)
    .await
    .unwrap();
}

async fn assert_in_step(app: &TestApp, after: &str) {
    let held = held(app).await;
    let expected = expected(app).await;
    assert!(!expected.is_empty(), "{after}: nothing located");
    let missing: Vec<_> = expected.difference(&held).collect();
    let extra: Vec<_> = held.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{after}: missing {missing:#?}\nextra {extra:#?}"
    );
}

on_both! {
    /// Seeding, then every kind of write to services, their links to
    /// locations, locations' coordinates and services' terms, leaves
    /// `located_service` exactly as computed from scratch.
    async fn located_services_follow_every_write(app) {
        let db = &app.state.db;
        assert_in_step(&app, "the demo seed").await;

        // A link at a place that is not a hub, so that the place can be deleted at the end.
        let hubs = sea_orm::sea_query::Query::select()
            .column(entity::hub::Column::LocationId)
            .from(entity::hub::Entity)
            .to_owned();
        let link = service_at_location::Entity::find()
            .filter(sea_orm::ColumnTrait::not_in_subquery(&service_at_location::Column::LocationId, hubs))
            .one(db)
            .await
            .unwrap()
            .unwrap();
        let service = service::Entity::find_by_id(link.service_id.clone()).one(db).await.unwrap().unwrap();
        let mut changed: service::ActiveModel = service.clone().into();
        changed.status = Set("temporarily closed".into());
        changed.minimum_age = Set(Some(16));
        changed.maximum_age = Set(Some(25));
        changed.name = Set(format!("{} (renamed)", service.name));
        changed.assured_date = Set(Some(chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()));
        changed.update(db).await.unwrap();
        assert_in_step(&app, "a service's status, ages, name and review").await;

        let term = entity::taxonomy_term::Entity::find().one(db).await.unwrap().unwrap();
        link_term(&app, "located-test-attribute", "service", service.id.clone(), &term.id).await;
        assert_in_step(&app, "a term linked").await;
        let mut moved: attribute::ActiveModel =
            attribute::Entity::find_by_id("located-test-attribute").one(db).await.unwrap().unwrap().into();
        let other = service::Entity::find()
            .filter(sea_orm::ColumnTrait::ne(&service::Column::Id, service.id.clone()))
            .one(db)
            .await
            .unwrap()
            .unwrap();
        moved.link_id = Set(other.id.clone());
        moved.update(db).await.unwrap();
        assert_in_step(&app, "a term link moved to another service").await;
        attribute::Entity::delete_by_id("located-test-attribute").exec(db).await.unwrap();
        assert_in_step(&app, "a term unlinked").await;
        // Terms of other records leave the services alone.
        link_term(&app, "located-test-location-attribute", "location", link.location_id.clone(), &term.id).await;
        assert_in_step(&app, "a location's term").await;

        let place = location::Entity::find_by_id(link.location_id.clone()).one(db).await.unwrap().unwrap();
        let mut shifted: location::ActiveModel = place.clone().into();
        shifted.latitude = Set(place.latitude.map(|l| l + 0.01));
        shifted.longitude = Set(place.longitude.map(|l| l - 0.01));
        shifted.update(db).await.unwrap();
        assert_in_step(&app, "a location moved").await;
        let mut unplaced: location::ActiveModel = place.clone().into();
        unplaced.latitude = Set(None);
        unplaced.update(db).await.unwrap();
        assert_in_step(&app, "a location's coordinates cleared").await;
        let mut placed: location::ActiveModel = place.clone().into();
        placed.latitude = Set(place.latitude);
        placed.update(db).await.unwrap();
        assert_in_step(&app, "a location's coordinates back").await;

        // A second link of the same service to the same location (no
        // uniqueness stops it) still makes one row.
        service_at_location::ActiveModel {
            id: Set("located-test-link".into()),
            service_id: Set(link.service_id.clone()),
            location_id: Set(link.location_id.clone()),
            description: Set(None),
        }
        .insert(db)
        .await
        .unwrap();
        assert_in_step(&app, "a repeated link").await;
        let mut relinked: service_at_location::ActiveModel =
            service_at_location::Entity::find_by_id("located-test-link").one(db).await.unwrap().unwrap().into();
        relinked.service_id = Set(other.id.clone());
        relinked.update(db).await.unwrap();
        assert_in_step(&app, "a link moved to another service").await;
        service_at_location::Entity::delete_by_id(link.id.clone()).exec(db).await.unwrap();
        assert_in_step(&app, "a link removed").await;

        service::Entity::delete_by_id(other.id.clone()).exec(db).await.unwrap();
        assert_in_step(&app, "a service deleted").await;
        location::Entity::delete_by_id(link.location_id.clone()).exec(db).await.unwrap();
        assert_in_step(&app, "a location deleted").await;
    }
}

/// `service_fts_row` (SQLite) names every full-text entry's rowid by its
/// service, exactly: after the seed, a reindex and a deleted service.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_text_rows_are_named_by_service_on_sqlite() {
    let app = crate::helpers::spawn_app(crate::helpers::Backend::Sqlite)
        .await
        .expect("sqlite app");
    let db = &app.state.db;
    let pairs = |sql: &'static str| async move {
        let rows = db
            .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .unwrap();
        rows.iter()
            .map(|row| {
                (
                    row.try_get_by_index::<i64>(0).unwrap(),
                    row.try_get_by_index::<String>(1).unwrap(),
                )
            })
            .collect::<BTreeSet<_>>()
    };
    let check = |after: &'static str| async move {
        let entries = pairs("SELECT rowid, service_id FROM service_fts").await;
        let named = pairs("SELECT fts_rowid, service_id FROM service_fts_row").await;
        assert!(!entries.is_empty(), "{after}: no entries");
        assert_eq!(entries, named, "{after}");
    };
    check("the demo seed").await;
    let ids: Vec<String> = service::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .take(3)
        .collect();
    hubgraph::services::text::reindex(db, &ids).await.unwrap();
    check("a reindex").await;
    service::Entity::delete_by_id(ids[0].clone()).exec(db).await.unwrap();
    hubgraph::services::text::reindex(db, &ids[..1]).await.unwrap();
    check("a deleted service").await;
    let gone = pairs("SELECT fts_rowid, service_id FROM service_fts_row").await;
    assert!(
        gone.iter().all(|(_, id)| *id != ids[0]),
        "a deleted service keeps its entry"
    );
}
