//! The `hubgraph` binary: stdout carries only the result.

use std::process::Command;

use sea_orm::{EntityTrait, PaginatorTrait, QueryOrder};

/// Runs the binary on `database_url` and waits for it.
pub fn hubgraph(args: &[&str], database_url: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hubgraph"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run hubgraph")
}

#[test]
fn schema_prints_the_sdl_alone_on_stdout() {
    let output = hubgraph(&["schema"], "sqlite::memory:");
    assert!(output.status.success());
    assert_eq!(String::from_utf8(output.stdout).unwrap(), hubgraph::graphql::sdl());
}

#[tokio::test]
async fn migrate_then_seed_demo_and_synthetic() {
    let dir = tempfile::tempdir().unwrap();
    let demo_url = format!("sqlite://{}?mode=rwc", dir.path().join("demo.db").display());
    assert!(hubgraph(&["migrate"], &demo_url).status.success());
    let seeded = hubgraph(&["seed", "demo"], &demo_url);
    assert!(seeded.status.success(), "{}", String::from_utf8_lossy(&seeded.stderr));
    assert!(seeded.stdout.is_empty(), "messages belong on stderr");
    let (db, _) = hubgraph::db::connect(&demo_url).await.unwrap();
    let kilwinning = entity::postcode::Entity::find_by_id("KA13 6AA".to_owned())
        .one(&db)
        .await
        .unwrap();
    assert_eq!(
        kilwinning.and_then(|p| p.area_code).as_deref(),
        Some("S12000021"),
        "seed demo loads Scotland's real postcodes"
    );
    drop(db);
    // Demo data goes only into an empty database.
    assert!(!hubgraph(&["seed", "demo"], &demo_url).status.success());

    // 20,000 services: the benchmark size. Deterministic for a given seed.
    let mut ids = Vec::new();
    for run in ["a", "b"] {
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join(format!("synthetic-{run}.db")).display()
        );
        let output = hubgraph(&["seed", "synthetic", "--services", "20000", "--seed", "42"], &url);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let (db, _) = hubgraph::db::connect(&url).await.unwrap();
        assert_eq!(entity::service::Entity::find().count(&db).await.unwrap(), 20_000);
        let first = entity::service::Entity::find()
            .order_by_asc(entity::service::Column::Id)
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        ids.push((first.id, first.name));
    }
    assert_eq!(ids[0], ids[1], "the same seed gives the same data");
}

#[tokio::test]
async fn sqlite_runs_with_wal_foreign_keys_and_a_busy_timeout() {
    use sea_orm::{ConnectionTrait, Statement};
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("pragmas.db").display());
    let (db, _) = hubgraph::db::connect(&url).await.unwrap();
    let pragma = |name: &'static str| {
        let db = &db;
        async move {
            let row = db
                .query_one_raw(Statement::from_string(
                    db.get_database_backend(),
                    format!("PRAGMA {name}"),
                ))
                .await
                .unwrap()
                .unwrap();
            row.try_get_by_index::<String>(0)
                .or_else(|_| row.try_get_by_index::<i64>(0).map(|v| v.to_string()))
                .unwrap()
        }
    };
    assert_eq!(pragma("journal_mode").await, "wal");
    assert_eq!(pragma("foreign_keys").await, "1");
    assert_eq!(pragma("synchronous").await, "2", "FULL");
    assert_eq!(pragma("busy_timeout").await, "5000");
}

#[tokio::test]
async fn import_postcodes_from_an_ons_style_csv_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("postcodes.db").display());
    let csv = dir.path().join("onspd.csv");
    std::fs::write(
        &csv,
        "pcd,pcds,lat,long,oslaua\n\
         AB101AA,AB10 1AA,57.14,-2.10,S12000033\n\
         AB101AB,ab10 1ab,57.16,-2.12,S12000033\n\
         ZE1 0AA,ze10aa,60.15,-1.15,S12000027\n\
         XX,not a postcode,57.0,-2.0,S12000033\n\
         AB99 9ZZ,AB99 9ZZ,99.999999,0.000000,\n",
    )
    .unwrap();
    for _ in 0..2 {
        let output = hubgraph(&["import", "postcodes", csv.to_str().unwrap()], &url);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        assert_eq!(
            String::from_utf8(output.stdout).unwrap().trim(),
            "3",
            "rows imported, alone on stdout"
        );
    }
    let (db, _) = hubgraph::db::connect(&url).await.unwrap();
    assert_eq!(entity::postcode::Entity::find().count(&db).await.unwrap(), 3);
    let full = hubgraph::services::postcode::Postcode::parse("ab101ab").unwrap();
    let found = hubgraph::services::geo::find_postcode(&db, &full)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.code, "AB10 1AB");
    assert_eq!(found.area_code.as_deref(), Some("S12000033"));
    let outward = hubgraph::services::postcode::Postcode::parse("AB10").unwrap();
    let district = hubgraph::services::geo::find_postcode(&db, &outward)
        .await
        .unwrap()
        .unwrap();
    assert!(
        (district.point.latitude - 57.15).abs() < 1e-9,
        "the mean of its postcodes"
    );
    assert_eq!(district.area_code.as_deref(), Some("S12000033"));

    let missing = dir.path().join("bad.csv");
    std::fs::write(&missing, "code,x,y\nAB10 1AA,1,2\n").unwrap();
    let output = hubgraph(&["import", "postcodes", missing.to_str().unwrap()], &url);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("postcode"));
}

#[tokio::test]
async fn hsds_export_then_import_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let source = format!("sqlite://{}?mode=rwc", dir.path().join("source.db").display());
    let copy = format!("sqlite://{}?mode=rwc", dir.path().join("copy.db").display());
    assert!(hubgraph(&["seed", "demo"], &source).status.success());
    let out = dir.path().join("hsds");
    let out = out.to_str().unwrap();
    let exported = hubgraph(&["export", "hsds", out, "--format", "ndjson"], &source);
    assert!(
        exported.status.success(),
        "{}",
        String::from_utf8_lossy(&exported.stderr)
    );
    let written: usize = String::from_utf8(exported.stdout).unwrap().trim().parse().unwrap();
    assert!(written > 300, "organizations and services written: {written}");

    let imported = hubgraph(&["import", "hsds", out], &copy);
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    let (source_db, _) = hubgraph::db::connect(&source).await.unwrap();
    let (copy_db, _) = hubgraph::db::connect(&copy).await.unwrap();
    assert_eq!(
        entity::service::Entity::find().count(&copy_db).await.unwrap(),
        entity::service::Entity::find().count(&source_db).await.unwrap()
    );

    // A bad record: reported on stderr with file, pointer and reason; exit status 1.
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"contents": [{"id": "x", "status": "active", "organization_id": "y"}]}"#,
    )
    .unwrap();
    let refused = hubgraph(&["import", "hsds", bad.to_str().unwrap()], &copy);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("bad.json /contents/0/name: name is required"),
        "{stderr}"
    );
}
