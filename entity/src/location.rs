//! HSDS `location`, plus the council area it lies in (`area_code`).
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "location")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// HSDS location_type: `physical`, `postal` or `virtual`.
    pub location_type: String,
    pub url: Option<String>,
    pub organization_id: Option<String>,
    pub name: Option<String>,
    pub alternate_name: Option<String>,
    pub description: Option<String>,
    pub transportation: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub external_identifier: Option<String>,
    pub external_identifier_type: Option<String>,
    pub area_code: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub last_modified: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
