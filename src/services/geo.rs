//! Points, great-circle distances, bounding boxes and postcode look-ups.

use entity::postcode;
use sea_orm::sea_query::OnConflict;
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, IntoActiveModel, QueryFilter, QuerySelect};

use crate::error::{AppError, AppResult};
use crate::services::postcode::Postcode;

/// Mean Earth radius (IUGG), kilometres.
const EARTH_RADIUS_KM: f64 = 6371.0088;

/// A WGS84 point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeoPoint {
    pub latitude: f64,
    pub longitude: f64,
}

impl GeoPoint {
    /// A point, or BAD_USER_INPUT naming `field` when out of range.
    pub fn new(latitude: f64, longitude: f64, field: &[&str]) -> AppResult<GeoPoint> {
        if !(-90.0..=90.0).contains(&latitude) || !latitude.is_finite() {
            let mut path = field.to_vec();
            path.push("latitude");
            return Err(AppError::bad_input(&path, "latitude must be between -90 and 90"));
        }
        if !(-180.0..=180.0).contains(&longitude) || !longitude.is_finite() {
            let mut path = field.to_vec();
            path.push("longitude");
            return Err(AppError::bad_input(&path, "longitude must be between -180 and 180"));
        }
        Ok(GeoPoint { latitude, longitude })
    }

    /// The WGS84 point of a British National Grid (OSGB36) easting and
    /// northing in metres, through OSTN15, Ordnance Survey's definitive
    /// transformation (about 0.1 m; a seven-parameter Helmert transform is
    /// off by up to a few metres). OSTN15 gives ETRS89, which WGS84 follows to
    /// within a metre or so in Britain: well inside a postcode centroid's own
    /// precision. `None` outside the OSTN15 grid (or for a missing grid
    /// reference given as 0, 0).
    pub fn from_british_national_grid(easting: f64, northing: f64) -> Option<GeoPoint> {
        if easting <= 0.0 || northing <= 0.0 {
            return None;
        }
        let (longitude, latitude) = lonlat_bng::convert_osgb36_to_ll(easting, northing).ok()?;
        GeoPoint::new(latitude, longitude, &[]).ok()
    }

    /// Great-circle (haversine) distance in kilometres.
    pub fn distance_km(&self, other: &GeoPoint) -> f64 {
        let (lat1, lat2) = (self.latitude.to_radians(), other.latitude.to_radians());
        let d_lat = lat2 - lat1;
        let d_lon = (other.longitude - self.longitude).to_radians();
        let a = (d_lat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (d_lon / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
    }

    /// A distance as answers show it: kilometres to the metre (three
    /// decimals), the same for services and hubs. Finer digits claim a
    /// precision coordinates do not have.
    pub fn shown_km(km: f64) -> f64 {
        (km * 1000.0).round() / 1000.0
    }

    /// A latitude/longitude box that contains every point within `radius_km`
    /// (a prefilter the location index can answer; the exact distance decides).
    pub fn bounding_box(&self, radius_km: f64) -> BoundingBox {
        let d_lat = (radius_km / EARTH_RADIUS_KM).to_degrees();
        // Longitude degrees shrink with latitude; near the poles take every longitude.
        let max_lat = (self.latitude.abs() + d_lat).min(90.0);
        let d_lon = if max_lat >= 89.9 {
            180.0
        } else {
            (radius_km / (EARTH_RADIUS_KM * max_lat.to_radians().cos()))
                .to_degrees()
                .min(180.0)
        };
        BoundingBox {
            min_latitude: self.latitude - d_lat,
            max_latitude: self.latitude + d_lat,
            min_longitude: self.longitude - d_lon,
            max_longitude: self.longitude + d_lon,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoundingBox {
    pub min_latitude: f64,
    pub max_latitude: f64,
    pub min_longitude: f64,
    pub max_longitude: f64,
}

/// How closely a resolved postcode places someone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// The full postcode's own centroid (a street or part of one).
    Full,
    /// The centroid of the outward code (the postcode district): an outward
    /// code was asked for, or a full postcode the table does not hold.
    Outward,
}

/// A postcode (full or outward) resolved to a centroid and its geography.
#[derive(Debug, Clone, PartialEq)]
pub struct PostcodeInfo {
    /// What was found: the full postcode, or the outward code alone.
    pub code: String,
    pub outward: String,
    pub point: GeoPoint,
    pub precision: Precision,
    /// GSS code of the council area; for an outward code, the one most of
    /// its postcodes lie in.
    pub area_code: Option<String>,
    /// Every council area the postcode touches: its own, or all those of
    /// the district's postcodes (113 of Scotland's districts span two or
    /// more), for questions such as "which services cover me" that must
    /// not leave anyone's area out.
    pub area_codes: Vec<String>,
    /// GSS code of the NHS health board as the postcode table gives it
    /// (absent for postcodes loaded without one: it then follows the area).
    pub health_board_code: Option<String>,
    /// GSS code of the council ward (full postcodes only).
    pub ward_code: Option<String>,
}

/// The postcodes of a district in one council area (and board).
#[derive(Debug, FromQueryResult)]
struct DistrictPart {
    area_code: Option<String>,
    health_board_code: Option<String>,
    postcodes: i64,
    latitude: f64,
    longitude: f64,
}

/// Resolves a postcode or outward code; `None` when it is well formed but
/// unknown. A full postcode the table lacks (new, or in a part of the
/// country not imported) falls back to its outward code, with
/// [`Precision::Outward`] saying so.
pub async fn find_postcode(db: &impl ConnectionTrait, postcode: &Postcode) -> AppResult<Option<PostcodeInfo>> {
    if let Postcode::Full { .. } = postcode
        && let Some(p) = postcode::Entity::find_by_id(postcode.normalized()).one(db).await?
    {
        return Ok(Some(PostcodeInfo {
            code: p.code,
            outward: p.outward,
            point: GeoPoint {
                latitude: p.latitude,
                longitude: p.longitude,
            },
            precision: Precision::Full,
            area_codes: p.area_code.iter().cloned().collect(),
            area_code: p.area_code,
            health_board_code: p.health_board_code,
            ward_code: p.ward_code,
        }));
    }
    find_outward(db, postcode.outward()).await
}

/// The district's centroid (the mean of its postcodes' centroids), the
/// council area most of its postcodes lie in with that area's board, and
/// every area it touches: one statement, grouped by area.
async fn find_outward(db: &impl ConnectionTrait, outward: &str) -> AppResult<Option<PostcodeInfo>> {
    let parts = postcode::Entity::find()
        .select_only()
        .column(postcode::Column::AreaCode)
        .column(postcode::Column::HealthBoardCode)
        .expr_as(Func::count(Expr::col(postcode::Column::Code)), "postcodes")
        .expr_as(Func::avg(Expr::col(postcode::Column::Latitude)), "latitude")
        .expr_as(Func::avg(Expr::col(postcode::Column::Longitude)), "longitude")
        .filter(postcode::Column::Outward.eq(outward))
        .group_by(postcode::Column::AreaCode)
        .group_by(postcode::Column::HealthBoardCode)
        .into_model::<DistrictPart>()
        .all(db)
        .await?;
    let total: i64 = parts.iter().map(|p| p.postcodes).sum();
    if total == 0 {
        return Ok(None);
    }
    let weighted = |value: fn(&DistrictPart) -> f64| {
        parts.iter().map(|p| value(p) * p.postcodes as f64).sum::<f64>() / total as f64
    };
    let point = GeoPoint {
        latitude: weighted(|p| p.latitude),
        longitude: weighted(|p| p.longitude),
    };
    // Most postcodes first; ties go to the lower code, so the answer is stable.
    let main = parts.iter().filter(|p| p.area_code.is_some()).max_by(|a, b| {
        a.postcodes
            .cmp(&b.postcodes)
            .then_with(|| b.area_code.cmp(&a.area_code))
    });
    let mut area_codes: Vec<String> = parts.iter().filter_map(|p| p.area_code.clone()).collect();
    area_codes.sort();
    area_codes.dedup();
    Ok(Some(PostcodeInfo {
        code: outward.to_owned(),
        outward: outward.to_owned(),
        point,
        precision: Precision::Outward,
        area_code: main.and_then(|p| p.area_code.clone()),
        area_codes,
        health_board_code: main.and_then(|p| p.health_board_code.clone()),
        ward_code: None,
    }))
}

/// Parses and resolves a postcode given by a user, with the errors a user
/// needs: "not a UK postcode" when malformed, "postcode not found" when unknown.
pub async fn locate(db: &impl ConnectionTrait, text: &str, field: &[&str]) -> AppResult<PostcodeInfo> {
    let postcode = Postcode::parse(text).map_err(|_| AppError::bad_input(field, "not a UK postcode"))?;
    find_postcode(db, &postcode)
        .await?
        .ok_or_else(|| AppError::bad_input(field, "postcode not found"))
}

/// Inserts or replaces postcode centroids (re-importing is idempotent).
pub async fn upsert_postcodes(db: &impl ConnectionTrait, rows: &[postcode::Model]) -> AppResult<()> {
    // Seven columns a row: 1,000 rows stay under every bound-parameter limit.
    for chunk in rows.chunks(1000) {
        let models = chunk.iter().cloned().map(IntoActiveModel::into_active_model);
        postcode::Entity::insert_many(models)
            .on_conflict(
                OnConflict::column(postcode::Column::Code)
                    .update_columns([
                        postcode::Column::Outward,
                        postcode::Column::Latitude,
                        postcode::Column::Longitude,
                        postcode::Column::AreaCode,
                        postcode::Column::HealthBoardCode,
                        postcode::Column::WardCode,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ordnance Survey's OSTN15 developer pack (`OSTN15_OSGM15_TestInput_ETRStoOSGB.csv`
    /// and `OSTN15_OSGM15_TestOutput_ETRStoOSGB.csv`, published with OSTN15 in
    /// 2016; the four Scottish test points): the same point as ETRS89
    /// latitude/longitude and as OSGB36 easting/northing.
    #[test]
    fn british_national_grid_matches_ordnance_surveys_test_points() {
        let points = [
            // (id, ETRS89 latitude, longitude, OSGB36 easting, northing)
            ("TP26 Glasgow", 55.85399953, -4.296490163, 256340.925, 664697.269),
            ("TP27 Edinburgh", 55.92478266, -3.294792193, 319188.434, 670947.534),
            ("TP29 Aberdeen", 57.13902519, -2.048560307, 397160.491, 805349.736),
            ("TP30 Inverness", 57.48625001, -4.219263986, 267056.768, 846176.972),
        ];
        for (id, latitude, longitude, easting, northing) in points {
            let point = GeoPoint::from_british_national_grid(easting, northing).expect(id);
            let published = GeoPoint { latitude, longitude };
            let metres = point.distance_km(&published) * 1000.0;
            assert!(metres < 5.0, "{id}: {metres:.2} m from the published point");
        }
    }

    /// The worked example of Ordnance Survey's "Transformations and OSGM15
    /// user guide" (2016), section 6: Caister Water Tower, ETRS89
    /// 52°39'28.8282"N 1°42'57.8663"E, is OSGB36 (OSTN15) E 651409.792,
    /// N 313177.448.
    #[test]
    fn british_national_grid_matches_the_user_guides_worked_example() {
        let point = GeoPoint::from_british_national_grid(651409.792, 313177.448).unwrap();
        let published = GeoPoint {
            latitude: 52.0 + 39.0 / 60.0 + 28.8282 / 3600.0,
            longitude: 1.0 + 42.0 / 60.0 + 57.8663 / 3600.0,
        };
        let metres = point.distance_km(&published) * 1000.0;
        assert!(metres < 5.0, "{metres:.2} m from the published point");
    }

    #[test]
    fn no_grid_reference_is_no_point() {
        assert_eq!(GeoPoint::from_british_national_grid(0.0, 0.0), None);
        // East of the 700 km by 1,250 km the OSTN15 grid covers.
        assert_eq!(GeoPoint::from_british_national_grid(800_000.0, 100_000.0), None);
    }

    #[test]
    fn distances_match_known_values() {
        let edinburgh = GeoPoint {
            latitude: 55.9533,
            longitude: -3.1883,
        };
        let glasgow = GeoPoint {
            latitude: 55.8642,
            longitude: -4.2518,
        };
        let d = edinburgh.distance_km(&glasgow);
        assert!((d - 66.9).abs() < 1.0, "{d}");
        assert_eq!(edinburgh.distance_km(&edinburgh), 0.0);
    }

    #[test]
    fn bounding_box_contains_the_circle() {
        let lerwick = GeoPoint {
            latitude: 60.155,
            longitude: -1.145,
        };
        for radius in [0.5, 5.0, 50.0, 200.0] {
            let bbox = lerwick.bounding_box(radius);
            for bearing in 0..360 {
                // A point just inside the radius on this bearing.
                let b = (bearing as f64).to_radians();
                let d = (radius * 0.999) / EARTH_RADIUS_KM;
                let lat1 = lerwick.latitude.to_radians();
                let lat2 = (lat1.sin() * d.cos() + lat1.cos() * d.sin() * b.cos()).asin();
                let lon2 = lerwick.longitude.to_radians()
                    + (b.sin() * d.sin() * lat1.cos()).atan2(d.cos() - lat1.sin() * lat2.sin());
                let (lat2, lon2) = (lat2.to_degrees(), lon2.to_degrees());
                assert!(
                    bbox.min_latitude <= lat2 && lat2 <= bbox.max_latitude,
                    "{radius} {bearing}"
                );
                assert!(
                    bbox.min_longitude <= lon2 && lon2 <= bbox.max_longitude,
                    "{radius} {bearing}"
                );
            }
        }
    }

    #[test]
    fn points_out_of_range_name_the_field() {
        let error = GeoPoint::new(91.0, 0.0, &["filter", "near"]).unwrap_err();
        assert!(matches!(error, AppError::BadUserInput { ref field, .. } if field == &["filter", "near", "latitude"]));
        assert!(GeoPoint::new(f64::NAN, 0.0, &[]).is_err());
        assert!(GeoPoint::new(57.0, -181.0, &[]).is_err());
    }
}
