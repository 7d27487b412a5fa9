//! The demo venues (`src/demo/places.csv`): real towns, fictional venues.

use entity::postcode;

use crate::services::postcode::Postcode;

/// One row of `places.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub area_code: String,
    pub kind: String,
    pub name: String,
    pub address1: String,
    pub city: String,
    pub postcode: String,
    pub latitude: f64,
    pub longitude: f64,
}

const PLACES: &str = include_str!("../demo/places.csv");

/// Every venue; the file ships with the binary, and a test checks each row parses.
pub fn places() -> Vec<Place> {
    PLACES.lines().skip(1).filter_map(parse).collect()
}

fn parse(line: &str) -> Option<Place> {
    let fields: Vec<&str> = line.split(',').map(str::trim).collect();
    let [area_code, kind, name, address1, city, postcode, latitude, longitude] = fields.as_slice() else {
        return None;
    };
    Some(Place {
        area_code: area_code.to_string(),
        kind: kind.to_string(),
        name: name.to_string(),
        address1: address1.to_string(),
        city: city.to_string(),
        postcode: postcode.to_string(),
        latitude: latitude.parse().ok()?,
        longitude: longitude.parse().ok()?,
    })
}

/// Centroids for the postcodes the demo venues use, so that postcode
/// searches work on the demo data without an import.
pub fn postcodes() -> Vec<postcode::Model> {
    let mut seen = std::collections::HashSet::new();
    places()
        .into_iter()
        .filter_map(|place| {
            let parsed = Postcode::parse(&place.postcode).ok()?;
            let code = parsed.normalized();
            seen.insert(code.clone()).then(|| postcode::Model {
                outward: parsed.outward().to_owned(),
                code,
                latitude: place.latitude,
                longitude: place.longitude,
                area_code: Some(place.area_code),
                health_board_code: None,
                ward_code: None,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_parses_with_a_valid_postcode() {
        let rows = PLACES.lines().skip(1).filter(|l| !l.trim().is_empty()).count();
        let places = places();
        assert_eq!(places.len(), rows);
        for place in &places {
            assert!(Postcode::parse(&place.postcode).is_ok(), "{}", place.postcode);
        }
        assert!(postcodes().len() > 100);
    }
}
