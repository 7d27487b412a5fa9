//! HSDS `service_at_location`: a service delivered at a location.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service_at_location")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub service_id: String,
    pub location_id: String,
    pub description: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
