//! `hubgraph import postcodes FILE`: postcode centroids.
//!
//! Two layouts are read, plain or gzip-compressed:
//! - Ordnance Survey's **Code-Point Open** as published: the zip itself, or
//!   one of its `Data/CSV/*.csv` files (no header row), or such rows with
//!   `#` comment lines above them (the demo's Scotland file). Eastings and
//!   northings on the British National Grid become WGS84 latitude and
//!   longitude; the council area, NHS health board and ward are kept.
//!   Scotland only unless `all_gb`.
//! - A CSV whose header names the postcode, latitude and longitude columns,
//!   as the ONS postcode directory (`pcds`, `lat`, `long`, `oslaua`) does.
//!   Council-area, health-board and ward columns are used when present.
//!
//! Rows go in batches, each in its own transaction, upserted by postcode:
//! importing twice changes nothing, and a file that fails part-way leaves
//! whole batches behind, which the next import brings up to date.

use std::fs::File;
use std::io::{BufReader, IsTerminal, Read, Seek};
use std::path::Path;

use entity::postcode;
use indicatif::{ProgressBar, ProgressStyle};
use sea_orm::{ConnectionTrait, TransactionSession, TransactionTrait};

use crate::error::{AppError, AppResult};
use crate::services::geo::{self, GeoPoint};
use crate::services::postcode::Postcode;

/// Rows written per transaction.
const BATCH: usize = 5_000;
/// The first bytes of a gzip stream.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

const POSTCODE_COLUMNS: [&str; 5] = ["postcode", "pcds", "pcd", "pcd2", "post_code"];
const LATITUDE_COLUMNS: [&str; 2] = ["latitude", "lat"];
const LONGITUDE_COLUMNS: [&str; 4] = ["longitude", "long", "lon", "lng"];
const AREA_COLUMNS: [&str; 6] = ["area_code", "oslaua", "laua", "lad", "council_area", "lad_code"];
/// ONSPD's health authority column (`oshlthau`, `hlthau` in older
/// releases) holds the health board in Scotland.
const HEALTH_BOARD_COLUMNS: [&str; 4] = ["health_board_code", "oshlthau", "hlthau", "hb"];
const WARD_COLUMNS: [&str; 2] = ["ward_code", "osward"];

/// Code-Point Open's columns (`Doc/Code-Point_Open_Column_Headers.csv`).
mod code_point {
    pub const POSTCODE: usize = 0;
    pub const EASTINGS: usize = 2;
    pub const NORTHINGS: usize = 3;
    pub const COUNTRY: usize = 4;
    pub const NHS_HA: usize = 6;
    pub const ADMIN_DISTRICT: usize = 8;
    pub const ADMIN_WARD: usize = 9;
    pub const COLUMNS: usize = 10;
    /// The GSS code of Scotland in the `Country_code` column.
    pub const SCOTLAND: &str = "S92000003";
}

/// What to import and how to show it.
#[derive(Debug, Default, Clone, Copy)]
pub struct ImportOptions {
    /// Keep Code-Point Open's English and Welsh postcodes too.
    pub all_gb: bool,
    /// Draw a progress bar on stderr (only when it is a terminal).
    pub show_progress: bool,
}

/// What an import did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ImportReport {
    pub imported: usize,
    /// Rows with a malformed postcode or no usable coordinates (e.g. the
    /// ONS directory's terminated postcodes at 99.999999, Code-Point Open's
    /// postcodes without a grid reference at 0, 0).
    pub skipped: usize,
    /// Code-Point Open rows left out because they are not in Scotland.
    pub outside_scotland: usize,
}

impl ImportReport {
    /// Every data row read.
    pub fn rows(&self) -> usize {
        self.imported + self.skipped + self.outside_scotland
    }
}

/// One row's fate.
enum Row {
    Keep(postcode::Model),
    Unusable,
    OutsideScotland,
}

/// Imports `path`: a Code-Point Open zip (told by its `PK` signature or a
/// `.zip` name), one of its CSV files, or a headed CSV; either CSV may be
/// gzip-compressed (told by its signature).
pub async fn import_file<C>(db: &C, path: &Path, options: ImportOptions) -> AppResult<ImportReport>
where
    C: ConnectionTrait + TransactionTrait,
{
    let name = path.display().to_string();
    let cannot = |e: std::io::Error| AppError::bad_input(&["file"], format!("cannot read {name}: {e}"));
    let mut file = File::open(path).map_err(cannot)?;
    let mut magic = [0u8; 4];
    let read = file.read(&mut magic).map_err(cannot)?;
    file.rewind().map_err(cannot)?;
    let zip_named = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("zip"));
    if zip_named || magic[..read] == *b"PK\x03\x04" {
        return import_zip(db, file, &name, options).await;
    }
    let size = file.metadata().ok().map(|m| m.len());
    let progress = progress_bar(size, options)?;
    // The bar counts the bytes read from disk, compressed or not.
    let input = progress.wrap_read(file);
    let report = if magic[..read.min(2)] == GZIP_MAGIC {
        import_csv(db, flate2::read::GzDecoder::new(input), &name, options).await
    } else {
        import_csv(db, input, &name, options).await
    };
    progress.finish_and_clear();
    report
}

/// Imports one CSV (either layout) from `input`, named `name` in errors.
pub async fn import_csv<C, R>(db: &C, input: R, name: &str, options: ImportOptions) -> AppResult<ImportReport>
where
    C: ConnectionTrait + TransactionTrait,
    R: Read,
{
    let mut importer = Importer::new(db);
    importer.csv(input, name, options).await?;
    importer.finish().await
}

/// Every `Data/CSV/*.csv` entry of the zip, one at a time: each is
/// decompressed as it is read, so memory holds a batch, not the file.
async fn import_zip<C>(db: &C, file: File, name: &str, options: ImportOptions) -> AppResult<ImportReport>
where
    C: ConnectionTrait + TransactionTrait,
{
    let bad = |what: String| AppError::bad_input(&["file"], format!("{name}: {what}"));
    let mut archive =
        zip::ZipArchive::new(BufReader::new(file)).map_err(|e| bad(format!("not a readable zip: {e}")))?;
    let mut entries = Vec::new();
    let mut total = 0;
    for index in 0..archive.len() {
        let entry = archive
            .by_index_raw(index)
            .map_err(|e| bad(format!("unreadable zip entry: {e}")))?;
        let entry_name = entry
            .name()
            .map_err(|e| bad(format!("unreadable zip entry name: {e}")))?
            .into_owned();
        let lower = entry_name.to_ascii_lowercase();
        if entry.is_file() && lower.starts_with("data/csv/") && lower.ends_with(".csv") {
            entries.push((index, entry_name));
            total += entry.size();
        }
    }
    if entries.is_empty() {
        return Err(bad("no Data/CSV/*.csv inside: not Code-Point Open".into()));
    }
    let progress = progress_bar(Some(total), options)?;
    let mut importer = Importer::new(db);
    for (index, entry_name) in entries {
        let entry = archive
            .by_index(index)
            .map_err(|e| bad(format!("{entry_name}: unreadable zip entry: {e}")))?;
        progress.set_message(entry_name.clone());
        importer
            .csv(progress.wrap_read(entry), &format!("{name}:{entry_name}"), options)
            .await?;
    }
    progress.finish_and_clear();
    importer.finish().await
}

fn progress_bar(size: Option<u64>, options: ImportOptions) -> AppResult<ProgressBar> {
    // A bar in a log file is noise: only a person at a terminal sees one.
    let (true, Some(size), true) = (options.show_progress, size, std::io::stderr().is_terminal()) else {
        return Ok(ProgressBar::hidden());
    };
    let bar = ProgressBar::new(size);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{bar:40}] {bytes}/{total_bytes} ({eta} left) {msg}")
            .map_err(|e| AppError::Internal(e.to_string()))?
            .progress_chars("=> "),
    );
    Ok(bar)
}

/// Rows on their way to the database, and the tally.
struct Importer<'a, C> {
    db: &'a C,
    batch: Vec<postcode::Model>,
    report: ImportReport,
}

impl<'a, C: ConnectionTrait + TransactionTrait> Importer<'a, C> {
    fn new(db: &'a C) -> Self {
        Importer {
            db,
            batch: Vec::with_capacity(BATCH),
            report: ImportReport::default(),
        }
    }

    /// One CSV file named `name` (for errors). A first row with Code-Point
    /// Open's ten columns and a number for the easting is data (its files
    /// have no header); anything else is a header naming the columns.
    async fn csv<R: Read>(&mut self, input: R, name: &str, options: ImportOptions) -> AppResult<()> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            // Neither layout starts a row with '#': such lines are notes (attribution).
            .comment(Some(b'#'))
            .from_reader(input);
        let unreadable = |e: csv::Error| {
            let line = e.position().map_or(String::new(), |p| format!(" line {}", p.line()));
            AppError::bad_input(&["file"], format!("{name}{line}: unreadable CSV row: {e}"))
        };
        let mut record = csv::StringRecord::new();
        if !reader.read_record(&mut record).map_err(unreadable)? {
            return Ok(());
        }
        let headless = record.len() >= code_point::COLUMNS
            && record
                .get(code_point::EASTINGS)
                .is_some_and(|e| e.trim().parse::<f64>().is_ok());
        if headless {
            loop {
                self.take(code_point_row(&record, options.all_gb)).await?;
                if !reader.read_record(&mut record).map_err(unreadable)? {
                    return Ok(());
                }
            }
        }
        let missing = |what: &str| AppError::bad_input(&["file"], format!("{name}: the header names no {what} column"));
        let at = Headed {
            code: column(&record, &POSTCODE_COLUMNS).ok_or_else(|| missing("postcode"))?,
            latitude: column(&record, &LATITUDE_COLUMNS).ok_or_else(|| missing("latitude"))?,
            longitude: column(&record, &LONGITUDE_COLUMNS).ok_or_else(|| missing("longitude"))?,
            area: column(&record, &AREA_COLUMNS),
            health_board: column(&record, &HEALTH_BOARD_COLUMNS),
            ward: column(&record, &WARD_COLUMNS),
        };
        while reader.read_record(&mut record).map_err(unreadable)? {
            self.take(headed_row(&record, &at)).await?;
        }
        Ok(())
    }

    async fn take(&mut self, row: Row) -> AppResult<()> {
        match row {
            Row::Keep(model) => self.batch.push(model),
            Row::Unusable => self.report.skipped += 1,
            Row::OutsideScotland => self.report.outside_scotland += 1,
        }
        if self.batch.len() >= BATCH {
            self.write().await?;
        }
        Ok(())
    }

    async fn write(&mut self) -> AppResult<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let txn = self.db.begin().await?;
        geo::upsert_postcodes(&txn, &self.batch).await?;
        txn.commit().await?;
        self.report.imported += self.batch.len();
        self.batch.clear();
        Ok(())
    }

    async fn finish(mut self) -> AppResult<ImportReport> {
        self.write().await?;
        crate::db::analyze(self.db).await?;
        Ok(self.report)
    }
}

fn column(headers: &csv::StringRecord, names: &[&str]) -> Option<usize> {
    headers
        .iter()
        .position(|h| names.contains(&h.trim().to_ascii_lowercase().as_str()))
}

/// A non-empty code from an optional column.
fn code(record: &csv::StringRecord, at: Option<usize>) -> Option<String> {
    at.and_then(|i| record.get(i))
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
}

fn model(parsed: &Postcode, point: GeoPoint) -> postcode::Model {
    postcode::Model {
        outward: parsed.outward().to_owned(),
        code: parsed.normalized(),
        latitude: point.latitude,
        longitude: point.longitude,
        area_code: None,
        health_board_code: None,
        ward_code: None,
    }
}

fn full_postcode(text: Option<&str>) -> Option<Postcode> {
    let parsed = Postcode::parse(text?).ok()?;
    matches!(parsed, Postcode::Full { .. }).then_some(parsed)
}

fn code_point_row(record: &csv::StringRecord, all_gb: bool) -> Row {
    use code_point::*;
    if !all_gb && record.get(COUNTRY).map(str::trim) != Some(SCOTLAND) {
        return Row::OutsideScotland;
    }
    let Some(parsed) = full_postcode(record.get(POSTCODE)) else {
        return Row::Unusable;
    };
    let grid = |i| record.get(i)?.trim().parse::<f64>().ok();
    let point = grid(EASTINGS)
        .zip(grid(NORTHINGS))
        .and_then(|(e, n)| GeoPoint::from_british_national_grid(e, n));
    let Some(point) = point else {
        return Row::Unusable;
    };
    Row::Keep(postcode::Model {
        area_code: code(record, Some(ADMIN_DISTRICT)),
        health_board_code: code(record, Some(NHS_HA)),
        ward_code: code(record, Some(ADMIN_WARD)),
        ..model(&parsed, point)
    })
}

/// Where the columns of a headed CSV are.
struct Headed {
    code: usize,
    latitude: usize,
    longitude: usize,
    area: Option<usize>,
    health_board: Option<usize>,
    ward: Option<usize>,
}

fn headed_row(record: &csv::StringRecord, at: &Headed) -> Row {
    let parse = |i| record.get(i)?.trim().parse::<f64>().ok();
    let (Some(parsed), Some(latitude), Some(longitude)) = (
        full_postcode(record.get(at.code)),
        parse(at.latitude),
        parse(at.longitude),
    ) else {
        return Row::Unusable;
    };
    // The ONS directory marks postcodes without a grid reference at 99.999999 / 0.
    if latitude > 90.0 - 1e-3 {
        return Row::Unusable;
    }
    let Ok(point) = GeoPoint::new(latitude, longitude, &[]) else {
        return Row::Unusable;
    };
    Row::Keep(postcode::Model {
        area_code: code(record, at.area),
        health_board_code: code(record, at.health_board),
        ward_code: code(record, at.ward),
        ..model(&parsed, point)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(line: &str) -> csv::StringRecord {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(line.as_bytes());
        reader.records().next().unwrap().unwrap()
    }

    #[test]
    fn a_scottish_code_point_row_keeps_its_council_health_board_and_ward() {
        let row = record(r#""KA13 6AA",10,230242,643352,"S92000003","","S08000015","","S12000021","S13003034""#);
        let Row::Keep(model) = code_point_row(&row, false) else {
            panic!("kept")
        };
        assert_eq!(model.code, "KA13 6AA");
        assert_eq!(model.outward, "KA13");
        assert_eq!(model.area_code.as_deref(), Some("S12000021"));
        assert_eq!(model.health_board_code.as_deref(), Some("S08000015"));
        assert_eq!(model.ward_code.as_deref(), Some("S13003034"));
        // Kilwinning, North Ayrshire.
        assert!((model.latitude - 55.65).abs() < 0.02, "{}", model.latitude);
        assert!((model.longitude - -4.70).abs() < 0.02, "{}", model.longitude);
    }

    #[test]
    fn english_rows_are_left_out_unless_all_of_great_britain_is_asked_for() {
        let row =
            record(r#""TD15 1AA",10,399760,652820,"E92000001","E40000012","E38000130","","E06000057","E05009079""#);
        assert!(matches!(code_point_row(&row, false), Row::OutsideScotland));
        assert!(matches!(code_point_row(&row, true), Row::Keep(_)));
    }

    #[test]
    fn rows_without_a_grid_reference_or_a_postcode_are_unusable() {
        let no_grid = record(r#""AB43 1AJ",90,0,0,"S92000003","","","","","""#);
        assert!(matches!(code_point_row(&no_grid, false), Row::Unusable));
        let no_postcode = record(r#""NOT A CODE",10,230242,643352,"S92000003","","","","","""#);
        assert!(matches!(code_point_row(&no_postcode, false), Row::Unusable));
        let outward_only = record(r#""KA13",10,230242,643352,"S92000003","","","","","""#);
        assert!(matches!(code_point_row(&outward_only, false), Row::Unusable));
    }
}
