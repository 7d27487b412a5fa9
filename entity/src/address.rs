//! HSDS `address` of a location.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "address")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub location_id: Option<String>,
    pub attention: Option<String>,
    #[sea_orm(column_name = "address_1")]
    pub address_1: String,
    #[sea_orm(column_name = "address_2")]
    pub address_2: Option<String>,
    pub city: String,
    pub region: Option<String>,
    pub state_province: Option<String>,
    pub postal_code: String,
    pub country: String,
    /// HSDS address_type: `physical`, `postal` or `virtual`.
    pub address_type: String,
}

impl ActiveModelBehavior for ActiveModel {}
