//! A full UK postcode's centroid and the council area, health board and
//! ward it lies in.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "postcode")]
pub struct Model {
    /// Normalised, e.g. `AB10 1AA`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    /// The outward code (district), e.g. `AB10`.
    pub outward: String,
    pub latitude: f64,
    pub longitude: f64,
    /// GSS code of the council area, where known.
    pub area_code: Option<String>,
    /// GSS code of the NHS health board (`S08…` in Scotland), where known.
    pub health_board_code: Option<String>,
    /// GSS code of the council ward (`S13…` in Scotland), where known.
    pub ward_code: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
