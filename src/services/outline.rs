//! The shape of Scotland and its council areas as the postcodes draw it: the
//! cells of a square grid that hold at least one postcode centroid, each with
//! the council area its postcodes lie in. A page draws the cells as squares
//! and has a recognisable outline of the country with no boundary files and
//! no tile server; the finer the cells, the closer the coast.
//!
//! One grouped statement computes the whole grid on SQLite and PostgreSQL.
//! Postcodes change only when they are imported, so each process keeps the
//! grids it has computed for a while rather than grouping 160,000 rows on
//! every request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, FromQueryResult, Statement};

use crate::error::{AppError, AppResult};

/// Kilometres in one degree of latitude.
const KM_PER_DEGREE: f64 = 111.32;
/// The latitude whose scale the grid's longitude step keeps, near the middle
/// of Scotland: cells are square there and within a tenth of it from the
/// Borders to Shetland.
const GRID_LATITUDE: f64 = 57.0;
/// Cell sizes a caller may ask for, in km: under 1 km the grid is the
/// postcode list itself; over 50 km it is no shape at all.
pub const CELL_KM: std::ops::RangeInclusive<f64> = 1.0..=50.0;
/// How long a computed grid is served before it is computed again, so that
/// an import by another process shows within this time.
const KEEP_FOR: Duration = Duration::from_secs(15 * 60);

/// One grid cell holding postcodes of one council area (a cell on a
/// boundary appears once for each area).
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// The cell's place in the grid: its centre is at `row` latitude
    /// steps north of the equator and `column` longitude steps east of
    /// Greenwich (negative to the west).
    pub row: i32,
    pub column: i32,
    /// Latitude of the cell's centre.
    pub latitude: f64,
    /// Longitude of the cell's centre.
    pub longitude: f64,
    /// The council area (GSS code).
    pub area_code: String,
    /// Postcodes of the area in the cell.
    pub postcodes: i64,
}

/// The cells of one grid and their size in degrees.
#[derive(Debug, Clone, PartialEq)]
pub struct Outline {
    pub cell_km: f64,
    pub latitude_step: f64,
    pub longitude_step: f64,
    pub cells: Vec<Cell>,
}

#[derive(Debug, FromQueryResult)]
struct Row {
    area_code: String,
    cell_row: i32,
    cell_col: i32,
    postcodes: i64,
}

/// Grids computed by this process, by cell size in metres.
#[derive(Debug, Default)]
pub struct OutlineCache {
    grids: Mutex<HashMap<u32, (Instant, Arc<Outline>)>>,
}

impl OutlineCache {
    /// The outline at `cell_km` (BAD_USER_INPUT naming `field` out of
    /// range), from the cache while it is fresh.
    pub async fn outline(&self, db: &impl ConnectionTrait, cell_km: f64, field: &[&str]) -> AppResult<Arc<Outline>> {
        if !cell_km.is_finite() || !CELL_KM.contains(&cell_km) {
            return Err(AppError::bad_input(
                field,
                format!("cellKm must be between {} and {}", CELL_KM.start(), CELL_KM.end()),
            ));
        }
        // Whole metres: 2 and 2.0000001 are the same grid.
        let metres = (cell_km * 1000.0).round() as u32;
        if let Some(outline) = self.fresh(metres) {
            return Ok(outline);
        }
        let outline = Arc::new(compute(db, f64::from(metres) / 1000.0).await?);
        if let Ok(mut grids) = self.grids.lock() {
            grids.insert(metres, (Instant::now(), outline.clone()));
        }
        Ok(outline)
    }

    fn fresh(&self, metres: u32) -> Option<Arc<Outline>> {
        let grids = self.grids.lock().ok()?;
        let (at, outline) = grids.get(&metres)?;
        (at.elapsed() < KEEP_FOR).then(|| outline.clone())
    }
}

/// Groups every postcode with a council area into its grid cell.
pub async fn compute(db: &impl ConnectionTrait, cell_km: f64) -> AppResult<Outline> {
    let latitude_step = cell_km / KM_PER_DEGREE;
    let longitude_step = cell_km / (KM_PER_DEGREE * GRID_LATITUDE.to_radians().cos());
    // ROUND and CAST behave alike on both databases (SQLite may be
    // built without FLOOR). The steps are numbers this function computed, written into
    // the SQL so that both backends see one statement text.
    let row = format!("CAST(ROUND(latitude / {latitude_step:?}) AS INTEGER)");
    let col = format!("CAST(ROUND(longitude / {longitude_step:?}) AS INTEGER)");
    let sql = format!(
        "SELECT area_code, {row} AS cell_row, {col} AS cell_col, COUNT(*) AS postcodes FROM postcode \
         WHERE area_code IS NOT NULL GROUP BY area_code, {row}, {col} ORDER BY cell_row, cell_col, area_code"
    );
    let backend = db.get_database_backend();
    let rows = Row::find_by_statement(Statement::from_string(backend, sql))
        .all(db)
        .await?;
    let cells = rows
        .into_iter()
        .map(|r| Cell {
            row: r.cell_row,
            column: r.cell_col,
            latitude: f64::from(r.cell_row) * latitude_step,
            longitude: f64::from(r.cell_col) * longitude_step,
            area_code: r.area_code,
            postcodes: r.postcodes,
        })
        .collect();
    Ok(Outline {
        cell_km,
        latitude_step,
        longitude_step,
        cells,
    })
}
