//! The geography the data is organised by: council areas (GSS codes), the
//! national pseudo-area `SCOTLAND`, the partnership (HSCP) covering each
//! area and NHS Scotland's health boards. Reference rows shipped by the
//! migrations; a board is the union of its council areas.

use entity::{area, health_board};
use sea_orm::sea_query::{Expr, ExprTrait, IntoColumnRef, Query, SelectStatement, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::error::{AppError, AppResult};

/// The code a service area uses for national coverage.
pub const SCOTLAND: &str = "SCOTLAND";

pub async fn all_areas(db: &impl ConnectionTrait) -> AppResult<Vec<area::Model>> {
    Ok(area::Entity::find().order_by_asc(area::Column::Name).all(db).await?)
}

pub async fn areas_by_code(db: &impl ConnectionTrait, codes: &[String]) -> AppResult<Vec<area::Model>> {
    Ok(area::Entity::find()
        .filter(area::Column::Code.is_in(codes.iter().cloned()))
        .all(db)
        .await?)
}

/// The council areas of the boards `codes`, by name.
pub async fn areas_of_health_boards(db: &impl ConnectionTrait, codes: &[String]) -> AppResult<Vec<area::Model>> {
    Ok(area::Entity::find()
        .filter(area::Column::HealthBoardCode.is_in(codes.iter().cloned()))
        .order_by_asc(area::Column::Name)
        .all(db)
        .await?)
}

/// The 14 boards, by name.
pub async fn all_health_boards(db: &impl ConnectionTrait) -> AppResult<Vec<health_board::Model>> {
    Ok(health_board::Entity::find()
        .order_by_asc(health_board::Column::Name)
        .all(db)
        .await?)
}

pub async fn health_boards_by_code(db: &impl ConnectionTrait, codes: &[String]) -> AppResult<Vec<health_board::Model>> {
    Ok(health_board::Entity::find()
        .filter(health_board::Column::Code.is_in(codes.iter().cloned()))
        .all(db)
        .await?)
}

/// `SELECT code FROM area WHERE health_board_code IN (codes)`: the council
/// areas of the boards, for a filter to put after `area_code IN`, so that
/// a health-board filter costs no statement of its own.
pub fn areas_of_boards_query(codes: &[String]) -> SelectStatement {
    Query::select()
        .column(area::Column::Code)
        .from(area::Entity)
        .and_where(area::Column::HealthBoardCode.is_in(codes.iter().cloned()))
        .to_owned()
}

/// Council areas named one by one or by the health boards they make up.
#[derive(Debug, Clone, Copy)]
pub enum AreaSet<'a> {
    Codes(&'a [String]),
    HealthBoards(&'a [String]),
}

impl AreaSet<'_> {
    /// `column IN (…)`: the codes, or for boards the board codes themselves
    /// (an HSDS service area may name a board) and their council areas as a
    /// subquery, so a board filter runs in the statement that uses it.
    pub fn holds(self, column: impl IntoColumnRef) -> SimpleExpr {
        let column = column.into_column_ref();
        match self {
            AreaSet::Codes(codes) => Expr::col(column).is_in(codes.iter().cloned()),
            AreaSet::HealthBoards(boards) => Expr::col(column.clone())
                .is_in(boards.iter().cloned())
                .or(Expr::col(column).in_subquery(areas_of_boards_query(boards))),
        }
    }
}

/// The council areas `area_codes` (any when `None`) and `boards` (any when
/// `None`) leave between them, for readers that work on a list of areas
/// (the hub summary, a subscription's filter). One statement when boards
/// are given; an empty list when the two have no area in common.
pub async fn narrow_to_boards(
    db: &impl ConnectionTrait,
    area_codes: Option<Vec<String>>,
    boards: Option<&[String]>,
) -> AppResult<Option<Vec<String>>> {
    let Some(boards) = boards else { return Ok(area_codes) };
    let in_boards: Vec<String> = areas_of_health_boards(db, boards)
        .await?
        .into_iter()
        .map(|a| a.code)
        .collect();
    Ok(Some(match area_codes {
        Some(given) => given.into_iter().filter(|c| in_boards.contains(c)).collect(),
        None => in_boards,
    }))
}

/// Council area codes as given in a filter, trimmed and upper-cased (GSS
/// codes and `SCOTLAND` are upper case), as health board codes are.
pub fn area_codes(codes: Vec<String>) -> Vec<String> {
    codes.into_iter().map(|c| c.trim().to_ascii_uppercase()).collect()
}

/// The longest list a `healthBoardCodes` filter takes (there are 14 boards).
const MAX_HEALTH_BOARD_CODES: usize = 100;

/// Health board codes as given in a filter: trimmed and upper-cased, each a
/// GSS board code (`S08` and six digits), else BAD_USER_INPUT naming the
/// item. A well-formed code no board has matches nothing, as an unknown
/// area code does.
pub fn health_board_codes(codes: &[String], field: &[&str]) -> AppResult<Vec<String>> {
    if codes.len() > MAX_HEALTH_BOARD_CODES {
        return Err(AppError::bad_input(
            field,
            format!("at most {MAX_HEALTH_BOARD_CODES} health board codes"),
        ));
    }
    codes
        .iter()
        .enumerate()
        .map(|(i, code)| {
            let code = code.trim().to_ascii_uppercase();
            let well_formed =
                code.len() == 9 && code.starts_with("S08") && code[3..].bytes().all(|b| b.is_ascii_digit());
            if well_formed {
                Ok(code)
            } else {
                let index = i.to_string();
                let path: Vec<&str> = field.iter().copied().chain([index.as_str()]).collect();
                Err(AppError::bad_input(
                    &path,
                    format!("{code:?} is not a health board code (S08 and six digits, e.g. S08000024)"),
                ))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn board_codes_are_normalised_and_checked() {
        let given = [" s08000024 ".to_owned(), "S08000031".to_owned()];
        assert_eq!(
            health_board_codes(&given, &["filter", "healthBoardCodes"]).unwrap(),
            ["S08000024", "S08000031"]
        );
        for bad in ["S12000036", "S0800002", "NHS Lothian", "", "S08000024;"] {
            let error = health_board_codes(&[bad.to_owned()], &["filter", "healthBoardCodes"]).unwrap_err();
            let AppError::BadUserInput { field, message } = error else {
                panic!("{bad:?}: {error:?}")
            };
            assert_eq!(field, ["filter", "healthBoardCodes", "0"]);
            assert!(message.contains("not a health board code"), "{bad:?}: {message}");
        }
    }
}
