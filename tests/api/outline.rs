//! `outline`: Scotland and its council areas drawn by the postcodes, for
//! the hub dashboard's map. The grid is the postcode table grouped into
//! cells, computed in one statement and then served from memory.

use std::collections::BTreeMap;

use entity::postcode;
use sea_orm::EntityTrait;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::on_both;

const OUTLINE: &str = "query($km: Float) { outline(cellKm: $km) {
    cellKm latitudeStep longitudeStep cells { row column latitude longitude areaCode postcodes } } }";

/// (area, row, column) -> postcodes, from the cells of an answer.
fn grid(outline: &Value) -> BTreeMap<(String, i64, i64), i64> {
    let lat_step = outline["latitudeStep"].as_f64().unwrap();
    let lon_step = outline["longitudeStep"].as_f64().unwrap();
    outline["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|cell| {
            let row = cell["row"].as_i64().unwrap();
            let col = cell["column"].as_i64().unwrap();
            // The centre is the row and column times the steps.
            assert!(
                (cell["latitude"].as_f64().unwrap() - row as f64 * lat_step).abs() < 1e-9,
                "{cell}"
            );
            assert!(
                (cell["longitude"].as_f64().unwrap() - col as f64 * lon_step).abs() < 1e-9,
                "{cell}"
            );
            let area = cell["areaCode"].as_str().unwrap().to_owned();
            ((area, row, col), cell["postcodes"].as_i64().unwrap())
        })
        .collect()
}

on_both! {
    /// Every postcode with a council area lands in the cell around it, under
    /// its own area, and the cells are square on the ground in Scotland.
    async fn the_outline_is_the_postcodes_grouped_into_cells(app) {
        let data = app.data(OUTLINE, json!({ "km": 2 })).await;
        let outline = &data["outline"];
        assert_eq!(outline["cellKm"], json!(2.0));
        let lat_step = outline["latitudeStep"].as_f64().unwrap();
        let lon_step = outline["longitudeStep"].as_f64().unwrap();
        let width_km = lon_step * 111.32 * 57f64.to_radians().cos();
        assert!((lat_step * 111.32 - 2.0).abs() < 1e-9 && (width_km - 2.0).abs() < 1e-9, "{outline}");

        let mut expected = BTreeMap::new();
        for p in postcode::Entity::find().all(&app.state.db).await.unwrap() {
            let Some(area) = p.area_code else { continue };
            let key = (area, (p.latitude / lat_step).round() as i64, (p.longitude / lon_step).round() as i64);
            *expected.entry(key).or_insert(0) += 1;
        }
        assert!(expected.len() > 50, "the demo's postcodes fill cells: {}", expected.len());
        assert_eq!(grid(outline), expected);
        let areas: std::collections::BTreeSet<_> = expected.keys().map(|(a, _, _)| a.clone()).collect();
        assert_eq!(areas.len(), 32, "the demo has postcodes in every council area");
    }
}

on_both! {
    /// The grid is computed by one statement, then served from memory:
    /// asking again, or for another size once, costs no more.
    async fn the_outline_costs_one_statement_and_then_none(app) {
        let before = app.statements();
        let default_size = OUTLINE.replace("($km: Float)", "").replace("(cellKm: $km)", "");
        let first = app.data(&default_size, json!({})).await;
        assert_eq!(app.statements() - before, 1, "one grouped statement");
        assert_eq!(first["outline"]["cellKm"], json!(5.0), "5 km by default");

        let before = app.statements();
        let again = app.data(OUTLINE, json!({ "km": 5 })).await;
        assert_eq!(app.statements() - before, 0, "served from memory");
        assert_eq!(again, first);

        let before = app.statements();
        let coarse = app.data(OUTLINE, json!({ "km": 20 })).await;
        assert_eq!(app.statements() - before, 1);
        let cells = |d: &Value| d["outline"]["cells"].as_array().unwrap().len();
        assert!(cells(&coarse) < cells(&first), "bigger cells, fewer of them");
    }
}

on_both! {
    /// A cell size outside 1 to 50 km is BAD_USER_INPUT naming `cellKm`.
    async fn a_cell_size_out_of_range_is_refused(app) {
        for km in [0.5, 51.0, -2.0] {
            let response = app.graphql(OUTLINE, json!({ "km": km })).await;
            assert_eq!(error_code(&response), "BAD_USER_INPUT", "{km}: {response}");
            assert_eq!(response["errors"][0]["extensions"]["field"], json!(["cellKm"]), "{response}");
            assert!(response["errors"][0]["message"].as_str().unwrap().contains("between 1 and 50"), "{response}");
        }
    }
}
