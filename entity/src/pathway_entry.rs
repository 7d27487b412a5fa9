//! Where people usually enter a pathway (e.g. a library), in order.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pathway_entry")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub pathway_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub location_id: String,
    pub position: i32,
}

impl ActiveModelBehavior for ActiveModel {}
