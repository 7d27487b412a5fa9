//! `hubgraph import postcodes FILE.csv`: postcode centroids from a CSV whose
//! header names the postcode, latitude and longitude columns, as the ONS
//! postcode directory (`pcds`, `lat`, `long`, `oslaua`) and OS Code-Point
//! Open once converted do. A council-area column is used when present.

use std::io::Read;

use entity::postcode;
use indicatif::{ProgressBar, ProgressStyle};
use sea_orm::{ConnectionTrait, TransactionSession, TransactionTrait};

use crate::error::{AppError, AppResult};
use crate::services::geo;
use crate::services::postcode::Postcode;

/// Rows written per transaction.
const BATCH: usize = 5_000;

const POSTCODE_COLUMNS: [&str; 5] = ["postcode", "pcds", "pcd", "pcd2", "post_code"];
const LATITUDE_COLUMNS: [&str; 2] = ["latitude", "lat"];
const LONGITUDE_COLUMNS: [&str; 4] = ["longitude", "long", "lon", "lng"];
const AREA_COLUMNS: [&str; 6] = ["area_code", "oslaua", "laua", "lad", "council_area", "lad_code"];

/// What an import did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ImportReport {
    pub imported: usize,
    /// Rows with a malformed postcode or no usable coordinates (e.g. the
    /// ONS directory's terminated postcodes at 99.999999).
    pub skipped: usize,
}

fn column(headers: &csv::StringRecord, names: &[&str]) -> Option<usize> {
    headers
        .iter()
        .position(|h| names.contains(&h.trim().to_ascii_lowercase().as_str()))
}

fn row(record: &csv::StringRecord, at: (usize, usize, usize, Option<usize>)) -> Option<postcode::Model> {
    let (code, lat, lon, area) = at;
    let parsed = Postcode::parse(record.get(code)?).ok()?;
    let Postcode::Full { .. } = parsed else { return None };
    let latitude: f64 = record.get(lat)?.trim().parse().ok()?;
    let longitude: f64 = record.get(lon)?.trim().parse().ok()?;
    let point = geo::GeoPoint::new(latitude, longitude, &[]).ok()?;
    // The ONS directory marks postcodes without a grid reference at 99.999999 / 0.
    if latitude > 90.0 - 1e-3 {
        return None;
    }
    let area_code = area
        .and_then(|i| record.get(i))
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_owned);
    Some(postcode::Model {
        outward: parsed.outward().to_owned(),
        code: parsed.normalized(),
        latitude: point.latitude,
        longitude: point.longitude,
        area_code,
        health_board_code: None,
        ward_code: None,
    })
}

/// Reads the CSV from `input` (`size` bytes, for the progress bar) and
/// upserts every usable row in batches; importing twice changes nothing.
pub async fn import<C, R>(db: &C, input: R, size: Option<u64>, show_progress: bool) -> AppResult<ImportReport>
where
    C: ConnectionTrait + TransactionTrait,
    R: Read,
{
    let progress = match (show_progress, size) {
        (true, Some(size)) => {
            let bar = ProgressBar::new(size);
            bar.set_style(
                ProgressStyle::with_template("{spinner} [{bar:40}] {bytes}/{total_bytes} ({eta} left)")
                    .map_err(|e| AppError::Internal(e.to_string()))?
                    .progress_chars("=> "),
            );
            bar
        }
        _ => ProgressBar::hidden(),
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(progress.wrap_read(input));
    let headers = reader
        .headers()
        .map_err(|e| AppError::bad_input(&["file"], format!("cannot read the header: {e}")))?
        .clone();
    let missing = |what: &str| AppError::bad_input(&["file"], format!("the header names no {what} column"));
    let at = (
        column(&headers, &POSTCODE_COLUMNS).ok_or_else(|| missing("postcode"))?,
        column(&headers, &LATITUDE_COLUMNS).ok_or_else(|| missing("latitude"))?,
        column(&headers, &LONGITUDE_COLUMNS).ok_or_else(|| missing("longitude"))?,
        column(&headers, &AREA_COLUMNS),
    );
    let mut report = ImportReport::default();
    let mut batch = Vec::with_capacity(BATCH);
    for record in reader.records() {
        let record = record.map_err(|e| AppError::bad_input(&["file"], format!("unreadable CSV row: {e}")))?;
        match row(&record, at) {
            Some(model) => batch.push(model),
            None => report.skipped += 1,
        }
        if batch.len() == BATCH {
            report.imported += write(db, &mut batch).await?;
        }
    }
    report.imported += write(db, &mut batch).await?;
    crate::db::analyze(db).await?;
    progress.finish_and_clear();
    Ok(report)
}

async fn write<C: ConnectionTrait + TransactionTrait>(db: &C, batch: &mut Vec<postcode::Model>) -> AppResult<usize> {
    if batch.is_empty() {
        return Ok(0);
    }
    let txn = db.begin().await?;
    geo::upsert_postcodes(&txn, batch).await?;
    txn.commit().await?;
    let written = batch.len();
    batch.clear();
    Ok(written)
}
