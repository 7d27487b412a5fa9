//! HSDS `service_area`, plus the GSS code it covers (`SCOTLAND` = national).
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service_area")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub service_id: Option<String>,
    pub service_at_location_id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub extent: Option<String>,
    pub extent_type: Option<String>,
    pub uri: Option<String>,
    pub area_code: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
