//! Scottish council areas (GSS codes), the partnership (HSCP) covering each
//! and the NHS health board each lies in.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "area")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub name: String,
    /// `COUNCIL_AREA` or `NATION`.
    pub kind: String,
    /// Name of the Health and Social Care Partnership covering the area.
    pub hscp_name: Option<String>,
    /// GSS code of the NHS health board the council area lies in.
    pub health_board_code: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
