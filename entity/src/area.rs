//! Scottish council areas (GSS codes) and the partnership (HSCP) covering each.
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
}

impl ActiveModelBehavior for ActiveModel {}
