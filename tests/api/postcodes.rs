//! `hubgraph import postcodes` with Ordnance Survey's Code-Point Open as
//! published: the subset in `tests/fixtures/code-point-open/` on both
//! databases, and the whole release when it is on this machine.

use std::path::{Path, PathBuf};

use entity::postcode;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};

use crate::cli::hubgraph;
use crate::helpers::{Backend, FreshDatabase};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/code-point-open")
        .join(name)
}

/// Runs `import postcodes ARGS...`, expects success and returns the count
/// on stdout and the stderr report.
fn import(url: &str, args: &[&str]) -> (usize, String) {
    let mut all = vec!["import", "postcodes"];
    all.extend_from_slice(args);
    let output = hubgraph(&all, url);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stderr}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let count = stdout
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("a count alone on stdout: {stdout:?}"));
    (count, stderr)
}

async fn find(db: &DatabaseConnection, code: &str) -> Option<postcode::Model> {
    postcode::Entity::find_by_id(code.to_owned()).one(db).await.unwrap()
}

async fn count(db: &DatabaseConnection) -> u64 {
    postcode::Entity::find().count(db).await.unwrap()
}

/// Within about a kilometre of a town's centre (the conversion's accuracy
/// is checked against Ordnance Survey's own figures in the unit tests).
fn near(found: &postcode::Model, latitude: f64, longitude: f64) {
    assert!(
        (found.latitude - latitude).abs() < 0.01 && (found.longitude - longitude).abs() < 0.015,
        "{} at {}, {}; expected near {latitude}, {longitude}",
        found.code,
        found.latitude,
        found.longitude
    );
}

async fn code_point_open_as_published(backend: Backend) {
    let Some(database) = FreshDatabase::create(backend).await else {
        return;
    };
    let url = database.url.as_str();
    let zip = fixture("codepo_subset.zip");
    let zip = zip.to_str().unwrap();

    // 36 Scottish rows, one without a grid reference; 7 English rows.
    for _ in 0..2 {
        let (imported, report) = import(url, &[zip]);
        assert_eq!(imported, 35, "{report}");
        assert!(report.contains("skipped 1 unusable"), "{report}");
        assert!(report.contains("left out 7 outside Scotland"), "{report}");
        assert!(report.contains("rows/s"), "the speed is reported: {report}");
    }
    let (db, _) = hubgraph::db::connect(url).await.unwrap();
    assert_eq!(count(&db).await, 35, "importing again adds nothing");

    let kilwinning = find(&db, "KA13 6AA").await.expect("KA13 6AA");
    assert_eq!(kilwinning.outward, "KA13");
    assert_eq!(kilwinning.area_code.as_deref(), Some("S12000021"), "North Ayrshire");
    assert_eq!(
        kilwinning.health_board_code.as_deref(),
        Some("S08000015"),
        "NHS Ayrshire and Arran"
    );
    assert_eq!(kilwinning.ward_code.as_deref(), Some("S13003034"));
    near(&kilwinning, 55.653, -4.703);
    let dalkeith = find(&db, "EH22 1AA").await.expect("EH22 1AA");
    assert_eq!(dalkeith.area_code.as_deref(), Some("S12000019"), "Midlothian");
    assert_eq!(dalkeith.health_board_code.as_deref(), Some("S08000024"), "NHS Lothian");
    assert_eq!(dalkeith.ward_code.as_deref(), Some("S13003020"));
    near(&dalkeith, 55.894, -3.066);
    let glasgow = find(&db, "G1 1AB").await.expect("G1 1AB");
    assert_eq!(
        glasgow.health_board_code.as_deref(),
        Some("S08000031"),
        "NHS Greater Glasgow and Clyde"
    );
    near(&glasgow, 55.861, -4.250);
    assert!(find(&db, "AB43 1AJ").await.is_none(), "no grid reference, no row");
    assert!(find(&db, "CA1 1AA").await.is_none(), "England is left out by default");
    let outward = hubgraph::services::postcode::Postcode::parse("KA13").unwrap();
    let district = hubgraph::services::geo::find_postcode(&db, &outward).await.unwrap();
    assert!(district.is_some(), "the district is found from its postcodes");

    // All of Great Britain: the English rows too, the Scottish ones updated in place.
    let (imported, report) = import(url, &[zip, "--all-gb"]);
    assert_eq!(imported, 42, "{report}");
    assert!(report.contains("left out 0 outside Scotland"), "{report}");
    assert_eq!(count(&db).await, 42);
    let carlisle = find(&db, "CA1 1AA").await.expect("CA1 1AA with --all-gb");
    assert_eq!(carlisle.area_code.as_deref(), Some("E06000063"));
    near(&carlisle, 54.890, -2.938);

    // One of the zip's CSV files on its own: the same rows, nothing new.
    let (imported, _) = import(url, &[fixture("ka.csv").to_str().unwrap()]);
    assert_eq!(imported, 8);
    assert_eq!(count(&db).await, 42);
    let scottish = postcode::Entity::find()
        .filter(postcode::Column::HealthBoardCode.starts_with("S08"))
        .count(&db)
        .await
        .unwrap();
    assert_eq!(scottish, 35, "every Scottish postcode has its health board");
    db.close().await.ok();
}

#[tokio::test]
async fn code_point_open_as_published_imports_scotland_once_on_sqlite() {
    code_point_open_as_published(Backend::Sqlite).await;
}

#[tokio::test]
async fn code_point_open_as_published_imports_scotland_once_on_postgres() {
    code_point_open_as_published(Backend::Postgres).await;
}

#[tokio::test]
async fn odd_code_point_rows_are_skipped_and_bad_files_refused_with_their_place() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("postcodes.db").display());
    let csv = dir.path().join("ka.csv");
    std::fs::write(
        &csv,
        "\"KA13 6AA\",10,230242,643352,\"S92000003\",\"\",\"S08000015\",\"\",\"S12000021\",\"S13003034\"\n\
         \"NOT A POSTCODE\",10,230242,643352,\"S92000003\",\"\",\"S08000015\",\"\",\"S12000021\",\"S13003034\"\n\
         \"KA13 6AB\",90,0,0,\"S92000003\",\"\",\"\",\"\",\"\",\"\"\n\
         \"KA13 6AD\",10,east,north,\"S92000003\",\"\",\"\",\"\",\"\",\"\"\n",
    )
    .unwrap();
    let (imported, report) = import(&url, &[csv.to_str().unwrap()]);
    assert_eq!(imported, 1, "{report}");
    assert!(report.contains("skipped 3 unusable"), "{report}");

    // A row that is not text: the file and line are named, the run fails.
    let broken = dir.path().join("broken.csv");
    let mut bytes = std::fs::read(&csv).unwrap();
    bytes.extend_from_slice(b"\"KA13 6\xff\xfe\",10,1,1,\"S92000003\",\"\",\"\",\"\",\"\",\"\"\n");
    std::fs::write(&broken, bytes).unwrap();
    let output = hubgraph(&["import", "postcodes", broken.to_str().unwrap()], &url);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("broken.csv line 5"), "{stderr}");

    // A zip that is not Code-Point Open, and a truncated one.
    let empty = dir.path().join("other.zip");
    let mut writer = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut writer);
        zip.start_file("readme.txt", zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut zip, b"hello").unwrap();
        zip.finish().unwrap();
    }
    std::fs::write(&empty, writer.into_inner()).unwrap();
    let output = hubgraph(&["import", "postcodes", empty.to_str().unwrap()], &url);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("not Code-Point Open"));
    let truncated = dir.path().join("truncated.zip");
    let whole = std::fs::read(fixture("codepo_subset.zip")).unwrap();
    std::fs::write(&truncated, &whole[..whole.len() / 2]).unwrap();
    let output = hubgraph(&["import", "postcodes", truncated.to_str().unwrap()], &url);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("truncated.zip"));
    let (db, _) = hubgraph::db::connect(&url).await.unwrap();
    assert_eq!(count(&db).await, 1, "nothing written by the refused files");
}

/// The whole May 2025 release: `CODE_POINT_OPEN_ZIP`, or the shared copy
/// beside the repository. Skipped, with a notice, when neither is there.
#[tokio::test]
async fn the_whole_release_gives_every_scottish_postcode() {
    let path = std::env::var_os("CODE_POINT_OPEN_ZIP")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/code-point-open/codepo_gb.zip"));
    if !path.exists() {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "notice: {} is not there (set CODE_POINT_OPEN_ZIP); the whole-release import test is skipped",
            path.display()
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("postcodes.db").display());
    let (imported, report) = import(&url, &[path.to_str().unwrap()]);
    // 161,349 Scottish postcodes, 24 of them without a grid reference.
    assert_eq!(imported, 161_325, "{report}");
    assert!(report.contains("skipped 24 unusable"), "{report}");
    assert!(report.contains("left out 1582100 outside Scotland"), "{report}");
    let (db, _) = hubgraph::db::connect(&url).await.unwrap();
    assert_eq!(count(&db).await, 161_325);
    let kilwinning = find(&db, "KA13 6AA").await.expect("KA13 6AA");
    assert_eq!(kilwinning.health_board_code.as_deref(), Some("S08000015"));
}

#[tokio::test]
async fn an_ons_style_csv_brings_its_health_board_and_ward_when_it_has_them() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("postcodes.db").display());
    let csv = dir.path().join("onspd.csv");
    std::fs::write(
        &csv,
        "pcds,oslaua,osward,oshlthau,lat,long\n\
         EH22 1AA,S12000019,S13003020,S08000024,55.894,-3.066\n",
    )
    .unwrap();
    let (imported, _) = import(&url, &[csv.to_str().unwrap()]);
    assert_eq!(imported, 1);
    let (db, _) = hubgraph::db::connect(&url).await.unwrap();
    let dalkeith = find(&db, "EH22 1AA").await.unwrap();
    assert_eq!(dalkeith.health_board_code.as_deref(), Some("S08000024"));
    assert_eq!(dalkeith.ward_code.as_deref(), Some("S13003020"));
}
