//! HSDS `accessibility` of a location.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "accessibility")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub location_id: Option<String>,
    pub description: Option<String>,
    pub details: Option<String>,
    pub url: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
